"""Helpers of the standalone-worker tests: worker processes (kcli and Apache's), topic reading.

(No tests here; the name keeps the helpers beside the tests that use them.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import requests

from tests.helpers import ACCEPTANCE, ROOT, free_port, tool_command, wait_for


def write_worker(tmp: Path, bootstrap: str, port: int, offsets: Path, flush_ms: int | None = None,
                 extra: str = "") -> Path:
    """The tutorial's worker file with only the broker, offsets path and port substituted (+ extra lines)."""
    text = (ACCEPTANCE / "connect-standalone.properties").read_text()
    text = text.replace("localhost:9092", bootstrap).replace("/tmp/connect.offsets", str(offsets))
    if flush_ms is not None:
        text = text.replace("offset.flush.interval.ms=10000", f"offset.flush.interval.ms={flush_ms}")
    text += f"\nlisteners=http://localhost:{port}\n{extra}"
    path = tmp / f"worker-{port}.properties"
    path.write_text(text)
    return path


def write_source(tmp: Path, source_file: Path, topic: str, name: str = "file-source-connector",
                 extra: str = "") -> Path:
    """The tutorial's connector file with the file path and topic substituted."""
    text = (ACCEPTANCE / "connect-file-source.properties").read_text()
    text = text.replace("/tmp/my-source-file.txt", str(source_file)).replace("simple-connect", topic)
    text = text.replace("name=file-source-connector", f"name={name}") + extra
    path = tmp / f"source-{name}.properties"
    path.write_text(text)
    return path


def create_topic(bootstrap: str, topic: str, partitions: int = 1) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        f.result(30)


def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30, settle: float = 1.0) -> list[bytes]:
    """Every value on the topic (from the beginning): waits for `expected`, then `settle` s for extras."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"test-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[bytes] = []
    import time

    deadline = time.monotonic() + timeout
    quiet_until = None
    try:
        while time.monotonic() < deadline:
            msgs = consumer.consume(1000, 0.2)
            for m in msgs:
                if m.error() is None:
                    out.append(m.value())
            if len(out) >= expected:
                quiet_until = quiet_until or time.monotonic() + settle
                if time.monotonic() >= quiet_until:
                    break
    finally:
        consumer.close()
    return out


class WorkerProcess:
    """A `kcli connect standalone` (or Apache connect-standalone) process in the background."""

    def __init__(self, args: list[str], port: int, log: Path, apache: bool = False) -> None:
        self.port = port
        self.log = log
        self.apache = apache
        env = {**os.environ, "KCLI_LOG_LEVEL": "INFO"}
        if apache:
            cmd = [*tool_command("connect-standalone"), *args]
        else:
            cmd = [sys.executable, "-m", "kcli", "connect", "standalone", *args]
        self._log_file = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, stdout=self._log_file, stderr=subprocess.STDOUT, env=env, cwd=ROOT)

    @classmethod
    def start_running(cls, files: list[Path], port: int, log: Path, name: str = "file-source-connector",
                      apache: bool = False, timeout: float = 60) -> WorkerProcess:
        """Start a worker on `files` and wait until connector `name` runs; SIGKILL it if it never does."""
        worker = cls([str(f) for f in files], port, log, apache=apache)
        try:
            worker.wait_running(name, timeout=timeout)
        except BaseException:
            worker.stop(signal.SIGKILL)
            raise
        return worker

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def get(self, path: str) -> Any:
        return requests.get(self.url + path, timeout=10)

    def wait_running(self, name: str, timeout: float = 60) -> dict:
        def running() -> dict | None:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited {self.proc.returncode}: {self.log.read_text()[-3000:]}")
            try:
                body = self.get(f"/connectors/{name}/status").json()
            except requests.RequestException:
                return None
            ok = body.get("connector", {}).get("state") == "RUNNING" and body.get("tasks") and all(
                t["state"] == "RUNNING" for t in body["tasks"])
            return body if ok else None

        return wait_for(running, timeout=timeout, interval=0.2, message=f"connector {name} RUNNING")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log_file.close()
        return self.proc.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def new_port() -> int:
    return free_port()


# -- a Python connector, loaded by the worker through its dotted path ------------------------------
from kcli.connect.api import Schema, SourceConnector, SourceRecord, SourceTask  # noqa: E402


class CounterConnector(SourceConnector):
    """Each task counts from its own start to start+5, resuming from its stored offset."""

    def start(self, props: dict[str, str]) -> None:
        self.props = props

    def stop(self) -> None:
        pass

    def task_class(self) -> type[SourceTask]:
        return CounterTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.props, start=str(i * 1000)) for i in range(max_tasks)]


class CounterTask(SourceTask):
    def start(self, props: dict[str, str]) -> None:
        self.topic, self.first = props["topic"], int(props["start"])
        self.n = self.first
        stored = self.context.offset_storage_reader.offset({"task": self.first})
        if stored:
            self.n = stored["n"]

    def poll(self) -> list[SourceRecord] | None:
        if self.n >= self.first + 5:
            import time

            time.sleep(0.2)
            return None
        self.n += 1
        return [SourceRecord({"task": self.first}, {"n": self.n}, self.topic, None, None, None,
                             Schema.STRING_SCHEMA, f"count-{self.n}")]

    def stop(self) -> None:
        pass
