"""`kcli dev up --connect`: kcli's own distributed Connect worker against the dev broker."""

from __future__ import annotations

import os
import sys

from kcli.dev.paths import HOST, StateDir, write_text_atomic
from kcli.dev.procs import await_ready, owned_pid, port_open, spawn

START_TIMEOUT = 180.0
STOP_GRACE = 60.0
GROUP = "kcli-dev-connect"


def worker_properties(bootstrap: str, port: int) -> str:
    return f"""# written by `kcli dev up --connect`; rewritten on each start
bootstrap.servers={bootstrap}
group.id={GROUP}
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=true
value.converter.schemas.enable=true
config.storage.topic={GROUP}-configs
offset.storage.topic={GROUP}-offsets
status.storage.topic={GROUP}-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.flush.interval.ms=10000
listeners=http://{HOST}:{port}
"""


def url(port: int) -> str:
    return f"http://{HOST}:{port}"


def running_pid(state: StateDir) -> int | None:
    return owned_pid(state.connect_pid, str(state.connect_properties))


def start(state: StateDir, bootstrap: str, port: int) -> int:
    """Write the worker file and launch `kcli connect distributed` on it, detached, logging to connect.log."""
    write_text_atomic(state.connect_properties, worker_properties(bootstrap, port))
    write_text_atomic(state.connect_port_file, f"{port}\n")
    state.connect_log.write_bytes(b"")
    argv = [sys.executable, "-m", "kcli", "connect", "distributed", str(state.connect_properties)]
    return spawn(argv, state.connect_log, state.connect_pid, env={**os.environ, "KCLI_LOG_LEVEL": "INFO"})


def _answers(port: int) -> bool:
    import requests

    try:
        return requests.get(f"{url(port)}/connectors", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def wait_ready(state: StateDir, pid: int, port: int) -> None:
    """Until GET /connectors answers 200; a worker that exits or stays silent is stopped and reported."""
    await_ready(pid, state.connect_pid, lambda: port_open(HOST, port) and _answers(port), START_TIMEOUT, STOP_GRACE,
                lambda: f"the Connect worker exited during start-up (see {state.connect_log})",
                f"the Connect worker did not answer on {url(port)} within {START_TIMEOUT:.0f} s "
                f"(see {state.connect_log})")
