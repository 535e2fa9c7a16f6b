"""Helpers of the distributed-mode tests: a cluster of real worker processes (kcli's and Apache's).

(No tests here.) Every worker is its own process on its own REST port, started from Apache's
connect-distributed.properties with only the broker, group, topics and port substituted; every
process is stopped by PID.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from kcli.connect.api import SourceConnector, SourceRecord, SourceTask
from tests.helpers import ACCEPTANCE, ROOT, free_port, tool_command, wait_for

# Quick failure detection on the test broker (group.min.session.timeout.ms is 6000).
FAST = {"session.timeout.ms": "6000", "heartbeat.interval.ms": "1000", "offset.flush.interval.ms": "1000",
        "scheduled.rebalance.max.delay.ms": "4000", "task.shutdown.graceful.timeout.ms": "3000"}
RECORDING = "tests.integration.distributed_support.RecordingConnector"
LEADER_LOG = re.compile(r"^\[([\d-]+ [\d:]+,\d+)\] INFO .*Joined group at generation \d+ .*leaderUrl='([^']*)'", re.M)


class DistWorker:
    """One `kcli connect distributed` (or Apache connect-distributed) process."""

    def __init__(self, properties: Path, port: int, log: Path, apache: bool = False,
                 apache_command: list[str] | None = None) -> None:
        self.port = port
        self.log = log
        self.apache = apache
        self.properties = properties
        env = {**os.environ, "KCLI_LOG_LEVEL": "INFO", "KAFKA_DEV_LOG_LEVEL": "INFO"}
        if apache:
            cmd = [*(apache_command or tool_command("connect-distributed")), str(properties)]
        else:
            cmd = [sys.executable, "-m", "kcli", "connect", "distributed", str(properties)]
        self._log_file = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, stdout=self._log_file, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self._sent: int | None = None

    @property
    def worker_id(self) -> str:
        return f"localhost:{self.port}"

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, self.url + path, timeout=kwargs.pop("timeout", 30), **kwargs)

    def get(self, path: str) -> Any:
        resp = self.request("GET", path)
        resp.raise_for_status()
        return resp.json()

    def wait_ready(self, timeout: float = 90) -> None:
        def ready() -> bool:
            if not self.alive():
                raise AssertionError(f"worker exited {self.proc.returncode}: {self.output()[-3000:]}")
            try:
                return self.request("GET", "/health", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_for(ready, timeout=timeout, interval=0.2, message=f"worker {self.worker_id} ready")

    def begin_stop(self, sig: int = signal.SIGTERM) -> None:
        """Send `sig` without waiting (stop() with the same signal then only waits)."""
        if self.proc.poll() is None and self._sent != sig:
            self.proc.send_signal(sig)
            self._sent = sig

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.begin_stop(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if not self._log_file.closed:
            self._log_file.close()
        return self.proc.returncode

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class Cluster:
    """Workers of one Connect group with their own internal topics on the test broker."""

    def __init__(self, tmp: Path, bootstrap: str, name: str, settings: dict[str, str] | None = None,
                 group: str | None = None) -> None:
        self.tmp = tmp
        self.bootstrap = bootstrap
        self.group = group or f"{name}-{uuid.uuid4().hex[:8]}"
        self.settings = {**FAST, **(settings or {})}
        self.workers: list[DistWorker] = []
        self.apache_command: list[str] | None = None  # how to run Apache's worker (default: its java command)

    @property
    def topics(self) -> tuple[str, str, str]:
        """(config, offset, status) topic names."""
        return f"{self.group}-configs", f"{self.group}-offsets", f"{self.group}-status"

    def properties(self, port: int, extra: dict[str, str] | None = None, yaml: bool = False) -> Path:
        config, offsets, status = self.topics
        text = (ACCEPTANCE / "connect-distributed.properties").read_text()
        text = text.replace("localhost:9092", self.bootstrap).replace("group.id=connect-cluster",
                                                                       f"group.id={self.group}")
        text = text.replace("=connect-offsets", f"={offsets}").replace("=connect-configs", f"={config}")
        text = text.replace("=connect-status", f"={status}")
        text = text.replace("listeners=http://localhost:8083", f"listeners=http://localhost:{port}")
        text += "\n" + "".join(f"{k}={v}\n" for k, v in {**self.settings, **(extra or {})}.items())
        path = self.tmp / f"worker-{self.group}-{port}.properties"
        path.write_text(text)
        if yaml:  # the same settings as a YAML worker file (flat dotted keys)
            import json

            from kcli.config import load_file

            yaml_path = path.with_suffix(".yaml")
            yaml_path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in load_file(path).items()))
            return yaml_path
        return path

    def start(self, apache: bool = False, port: int | None = None, extra: dict[str, str] | None = None,
              wait: bool = True, yaml: bool = False) -> DistWorker:
        port = port or free_port()
        extra = {**(extra or {})}
        if apache:
            extra.setdefault("plugin.discovery", "only_scan")
        kind = "apache" if apache else "kcli"
        worker = DistWorker(self.properties(port, extra, yaml), port, self.tmp / f"{kind}-{port}.log", apache=apache,
                            apache_command=self.apache_command)
        self.workers.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    def ready(self, workers: list[DistWorker]) -> list[DistWorker]:
        """Wait until each of `workers` (started with wait=False, so that they start side by side) answers."""
        for w in workers:
            w.wait_ready()
        return workers

    def start_many(self, count: int, **kwargs: Any) -> list[DistWorker]:
        """`count` workers started at once (they join in one rebalance, not one each), each ready when it returns."""
        return self.ready([self.start(wait=False, **kwargs) for _ in range(count)])

    def live(self) -> list[DistWorker]:
        return [w for w in self.workers if w.alive()]

    def any(self) -> DistWorker:
        return self.live()[0]

    def stop(self) -> None:
        """SIGTERM every worker at once, then wait for each."""
        for w in self.workers:
            w.begin_stop()
        for w in self.workers:
            w.stop()

    def leader(self) -> DistWorker:
        """The live worker the latest assignment names as leader (kcli and Apache both log it)."""
        latest: tuple[str, str] = ("", "")
        for w in self.live():
            for m in LEADER_LOG.finditer(w.output()):
                latest = max(latest, (m.group(1), m.group(2)))
        leader = next((w for w in self.live() if latest[1].rstrip("/") == w.url), None)
        assert leader is not None, f"no live worker is the leader {latest[1]!r}"
        return leader

    def create(self, name: str, config: dict[str, str], via: DistWorker | None = None) -> dict:
        resp = (via or self.any()).request("POST", "/connectors", json={"name": name, "config": config})
        assert resp.status_code == 201, resp.text
        return resp.json()

    def statuses(self, via: DistWorker | None = None) -> dict[str, dict]:
        body = (via or self.any()).get("/connectors?expand=status")
        return {name: entry["status"] for name, entry in body.items()}

    def placement(self, via: DistWorker | None = None) -> dict[str, tuple[str, str]] | None:
        """"name" / "name-N" -> (state, worker_id) of every connector and task; None while a task is missing."""
        out: dict[str, tuple[str, str]] = {}
        for name, status in self.statuses(via).items():
            out[name] = (status["connector"]["state"], status["connector"]["worker_id"])
            for t in status["tasks"]:
                out[f"{name}-{t['id']}"] = (t["state"], t["worker_id"])
        return out

    def wait_running(self, expected: int, timeout: float = 90, on: set[str] | None = None,
                     via: DistWorker | None = None) -> dict[str, str]:
        """Wait until `expected` connectors+tasks are RUNNING, each on a live worker (of `on` if given)."""
        def done() -> dict[str, str] | None:
            live = {w.worker_id for w in self.live()} if on is None else on
            placement = self.placement(via)
            if placement is None or len(placement) != expected:
                return None
            if all(state == "RUNNING" and wid in live for state, wid in placement.values()):
                return {k: wid for k, (_, wid) in placement.items()}
            return None

        return wait_for(done, timeout=timeout, interval=0.25, message=f"{expected} connectors and tasks RUNNING")


def per_worker(placement: dict[str, str], task_names: set[str]) -> dict[str, tuple[int, int]]:
    """worker_id -> (connectors, tasks) it runs."""
    out: dict[str, list[int]] = {}
    for item, wid in placement.items():
        counts = out.setdefault(wid, [0, 0])
        counts[1 if item in task_names else 0] += 1
    return {w: (c[0], c[1]) for w, c in out.items()}


def timed(condition: Callable[[], Any], timeout: float, message: str) -> float:
    """Seconds until `condition()` holds (polled every 0.1 s)."""
    start = time.monotonic()
    wait_for(condition, timeout=timeout, interval=0.1, message=message)
    return time.monotonic() - start


# -- a Python connector whose tasks record every start and stop -------------------------------------------


class RecordingConnector(SourceConnector):
    """tasks.max tasks; each appends `start|stop <connector>-<task> <pid>` to `record.file`."""

    def start(self, props: dict[str, str]) -> None:
        self.props = props

    def stop(self) -> None:
        pass

    def task_class(self) -> type[SourceTask]:
        return RecordingTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.props, **{"task.number": str(i)}) for i in range(max_tasks)]


class RecordingTask(SourceTask):
    def _record(self, what: str) -> None:
        with open(self.props["record.file"], "a", encoding="utf-8") as f:
            f.write(f"{what} {self.props['name']}-{self.props['task.number']} {os.getpid()}\n")

    def start(self, props: dict[str, str]) -> None:
        self.props = props
        self._record("start")

    def poll(self) -> list[SourceRecord] | None:
        time.sleep(0.2)
        return None

    def stop(self) -> None:
        self._record("stop")


def recordings(path: Path) -> list[tuple[str, str]]:
    """(start|stop, task) lines a RecordingConnector wrote."""
    if not path.exists():
        return []
    return [(parts[0], parts[1]) for parts in (line.split() for line in path.read_text().splitlines()) if parts]
