"""The dev broker: one Apache Kafka node (broker and KRaft controller) on loopback, from a state directory."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from kcli.dev.java import Jars
from kcli.dev.paths import HOST, StateDir, write_text_atomic
from kcli.dev.procs import await_ready, owned_pid, port_open, spawn
from kcli.errors import KcliError

START_TIMEOUT = 180.0  # seconds; a JVM on a loaded two-core machine can take a while
STOP_GRACE = 60.0


def server_properties(state: StateDir, port: int) -> str:
    """A single-node KRaft config: the broker on PORT, its controller on PORT+1, replication factors of 1."""
    controller = port + 1
    return f"""# written by `kcli dev up`; rewritten on each start
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@{HOST}:{controller}
listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller}
advertised.listeners=PLAINTEXT://{HOST}:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={state.data}
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
"""


def cluster_id() -> str:
    """A random cluster id as Kafka writes one (16 bytes, URL-safe base64 without padding, not starting with '-')."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not text.startswith("-"):
            return text


def formatted(state: StateDir) -> bool:
    return (state.data / "meta.properties").is_file()


def format_storage(java: str, jars: Jars, state: StateDir) -> None:
    """Wipe the data directory and format it for a new cluster (kafka-storage format)."""
    shutil.rmtree(state.data, ignore_errors=True)
    state.data.mkdir(parents=True)
    argv = [java, "-Xmx256m", "-XX:TieredStopAtLevel=1", f"-Dlog4j2.configurationFile={jars.log4j}",
            "-cp", jars.classpath, "kafka.tools.StorageTool", "format", "-t", cluster_id(),
            "-c", str(state.server_properties)]
    with open(state.format_log, "wb") as log:
        code = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                              timeout=START_TIMEOUT).returncode
    if code != 0:
        raise KcliError(f"formatting the broker's storage failed (exit {code}): {_tail(state.format_log, 1)} "
                        f"(see {state.format_log})")


def running_pid(state: StateDir) -> int | None:
    return owned_pid(state.broker_pid, str(state.server_properties))


def start(java: str, jars: Jars, state: StateDir, port: int) -> int:
    """Launch kafka.Kafka detached, logging to broker.log; its PID is written to broker.pid."""
    heap = os.environ.get("KAFKA_DEV_HEAP") or "512m"
    argv = [java, f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={jars.log4j}", "-cp", jars.classpath, "kafka.Kafka",
            str(state.server_properties)]
    write_text_atomic(state.port_file, f"{port}\n")
    state.broker_log.write_bytes(b"")
    return spawn(argv, state.broker_log, state.broker_pid, env={**os.environ, "KAFKA_DEV_LOG_LEVEL": "INFO"})


def answers(bootstrap: str, timeout: float = 5.0) -> bool:
    """The broker answers a metadata request and names itself in it."""
    from kcli.clients import make_admin

    try:
        metadata = make_admin({"bootstrap.servers": bootstrap}).list_topics(timeout=timeout)
    except Exception:  # not up yet: any client error means "ask again"
        return False
    return bool(metadata.brokers)


def wait_ready(state: StateDir, pid: int, port: int) -> None:
    """Until the broker answers; if it exits or does not answer in time, stop it and say why (its last log line)."""
    bootstrap = f"{HOST}:{port}"
    await_ready(pid, state.broker_pid, lambda: port_open(HOST, port) and answers(bootstrap), START_TIMEOUT,
                STOP_GRACE,
                lambda: f"the broker exited during start-up: {_tail(state.broker_log, 1)} (see {state.broker_log})",
                f"the broker did not answer on {bootstrap} within {START_TIMEOUT:.0f} s (see {state.broker_log})")


def _tail(path: Path, count: int) -> str:
    """The last non-empty lines of a log, for an error line; ERROR lines preferred."""
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
                 if line.strip()]
    except OSError:
        return "no log"
    errors = [line for line in lines if " ERROR " in line or "Exception" in line]
    return " | ".join((errors or lines)[-count:]) or "empty log"
