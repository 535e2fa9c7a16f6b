"""The Connect REST API of a real `kcli connect standalone` worker, against the real broker.

One worker (module fixture) runs the tutorial's file source on a free port; the tests drive it
through HTTP as a user (curl, kcli connectors) would and check the JSON, the status codes and
that records really flow (source file -> topic -> sink file).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.helpers import ACCEPTANCE, ROOT, free_port, run_kcli, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]

SOURCE_NAME = "file-source-connector"


@dataclass
class Worker:
    url: str
    port: int
    proc: subprocess.Popen
    source_file: Path
    topic: str
    tmp: Path
    worker_file: Path
    log: Path

    def get(self, path: str, **kw: Any) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kw)

    def req(self, method: str, path: str, **kw: Any) -> requests.Response:
        return requests.request(method, self.url + path, timeout=60, **kw)


def write_tutorial_files(tmp: Path, bootstrap: str, port: int, topic: str) -> tuple[Path, Path, Path]:
    """The acceptance tutorial's worker and source files with only paths, broker and port substituted, and offsets
    flushed every second instead of every 10 s (the offsets test waits for a flush)."""
    source_file = tmp / "my-source-file.txt"
    source_file.write_text("")
    worker = (ACCEPTANCE / "connect-standalone.properties").read_text()
    worker = worker.replace("bootstrap.servers=localhost:9092", f"bootstrap.servers={bootstrap}")
    worker = worker.replace("offset.flush.interval.ms=10000", "offset.flush.interval.ms=1000")
    worker = worker.replace("/tmp/connect.offsets", str(tmp / "connect.offsets"))
    worker += f"\nlisteners=http://127.0.0.1:{port}\n"
    connector = (ACCEPTANCE / "connect-file-source.properties").read_text()
    connector = connector.replace("/tmp/my-source-file.txt", str(source_file)).replace("topic=simple-connect",
                                                                                        f"topic={topic}")
    worker_file, connector_file = tmp / "connect-standalone.properties", tmp / "connect-file-source.properties"
    worker_file.write_text(worker)
    connector_file.write_text(connector)
    return worker_file, connector_file, source_file


def start_kcli_worker(worker_file: Path, connector_files: list[Path], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "kcli", "connect", "standalone", str(worker_file),
                                 *map(str, connector_files)], stdout=out, stderr=subprocess.STDOUT,
                                cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def stop_process(proc: subprocess.Popen, timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wait_running(url: str, name: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    def running() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"worker exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        status = requests.get(f"{url}/connectors/{name}/status", timeout=5).json()
        return status["connector"]["state"] == "RUNNING" and [t["state"] for t in status["tasks"]] == ["RUNNING"]

    wait_for(running, timeout=timeout, interval=0.2, message=f"{name} RUNNING")


@pytest.fixture(scope="module")
def worker(bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    tmp = tmp_path_factory.mktemp("connect-rest")
    port = free_port()
    topic = f"t-connect-rest-{os.getpid()}-{port}"
    created = run_kcli(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions", "1",
                        "--replication-factor", "1"])
    assert created.returncode == 0, created.stderr
    worker_file, connector_file, source_file = write_tutorial_files(tmp, bootstrap, port, topic)
    log = tmp / "worker.log"
    proc = start_kcli_worker(worker_file, [connector_file], log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_running(url, SOURCE_NAME, proc, log)
        yield Worker(url, port, proc, source_file, topic, tmp, worker_file, log)
    finally:
        stop_process(proc)


def test_tutorial_calls(worker: Worker) -> None:
    root = worker.get("/")
    assert root.status_code == 200
    assert list(root.json()) == ["version", "commit", "kafka_cluster_id"]
    assert worker.get("/connectors").json() == [SOURCE_NAME]
    info = worker.get(f"/connectors/{SOURCE_NAME}").json()
    assert list(info) == ["name", "config", "tasks", "type"]
    assert info["type"] == "source"
    assert info["tasks"] == [{"connector": SOURCE_NAME, "task": 0}]
    config = worker.get(f"/connectors/{SOURCE_NAME}/config").json()
    assert config["file"] == str(worker.source_file)
    assert config["name"] == SOURCE_NAME
    status = worker.get(f"/connectors/{SOURCE_NAME}/status").json()
    assert list(status) == ["name", "connector", "tasks", "type"]
    assert status["connector"]["worker_id"] == f"127.0.0.1:{worker.port}"
    assert status["tasks"][0]["id"] == 0
    tasks = worker.get(f"/connectors/{SOURCE_NAME}/tasks").json()
    assert tasks[0]["id"] == {"connector": SOURCE_NAME, "task": 0}
    assert tasks[0]["config"]["file"] == str(worker.source_file)
    task = worker.get(f"/connectors/{SOURCE_NAME}/tasks/0/status").json()
    assert (task["id"], task["state"]) == (0, "RUNNING")
    plugins = {p["class"]: p["type"] for p in worker.get("/connector-plugins").json()}
    assert plugins["org.apache.kafka.connect.file.FileStreamSourceConnector"] == "source"
    assert plugins["org.apache.kafka.connect.file.FileStreamSinkConnector"] == "sink"
    assert worker.get("/health").json()["status"] == "healthy"
    expanded = worker.get("/connectors?expand=status&expand=info").json()
    assert list(expanded[SOURCE_NAME]) == ["status", "info"]


def test_records_flow_offsets_and_topics(worker: Worker) -> None:
    with open(worker.source_file, "a") as f:
        f.write("hello\nworld\n")

    def offsets() -> list:
        return worker.get(f"/connectors/{SOURCE_NAME}/offsets").json()["offsets"]

    found = wait_for(offsets, timeout=40, message="source offsets")
    assert found[0]["partition"] == {"filename": str(worker.source_file)}
    assert found[0]["offset"]["position"] > 0
    topics = wait_for(lambda: worker.get(f"/connectors/{SOURCE_NAME}/topics").json()[SOURCE_NAME]["topics"],
                      timeout=30, message="active topics")
    assert topics == [worker.topic]


def test_create_update_and_delete_a_sink(worker: Worker) -> None:
    sink_file = worker.tmp / "sink.txt"
    config = {"connector.class": "FileStreamSink", "tasks.max": "1", "file": str(sink_file), "topics": worker.topic,
              "key.converter": "org.apache.kafka.connect.storage.StringConverter",
              "value.converter": "org.apache.kafka.connect.storage.StringConverter"}
    resp = worker.req("POST", "/connectors", json={"name": "sink one", "config": config})
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].endswith("/connectors/sink%20one")
    assert list(resp.json()) == ["name", "config", "tasks", "type"]
    assert resp.json()["type"] == "sink"
    with open(worker.source_file, "a") as f:
        f.write("to-the-sink\n")
    wait_for(lambda: sink_file.exists() and "to-the-sink" in sink_file.read_text(), timeout=60,
             message="the line in the sink file")
    dup = worker.req("POST", "/connectors", json={"name": "sink one", "config": config})
    assert dup.status_code == 409
    assert dup.json() == {"error_code": 409, "message": "Connector sink one already exists"}
    updated = worker.req("PUT", "/connectors/sink%20one/config", json={**config, "tasks.max": "1", "batch.size": "5"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["config"]["batch.size"] == "5"
    patched = worker.req("PATCH", "/connectors/sink%20one/config", json={"batch.size": None})
    assert patched.status_code == 200, patched.text
    assert "batch.size" not in patched.json()["config"]
    created = worker.req("PUT", "/connectors/sink-two/config", json={**config, "file": str(worker.tmp / "s2.txt")})
    assert created.status_code == 201, created.text
    for name in ("sink%20one", "sink-two"):
        resp = worker.req("DELETE", f"/connectors/{name}")
        assert (resp.status_code, resp.content) == (204, b"")
        assert worker.get(f"/connectors/{name}").status_code == 404
    assert worker.get("/connectors").json() == [SOURCE_NAME]


def _state(worker: Worker) -> tuple[str, list[str]]:
    status = worker.get(f"/connectors/{SOURCE_NAME}/status").json()
    return status["connector"]["state"], [t["state"] for t in status["tasks"]]


def test_pause_resume_stop_and_offsets(worker: Worker) -> None:
    path = f"/connectors/{SOURCE_NAME}"
    assert worker.req("PUT", path + "/pause").status_code == 202
    wait_for(lambda: _state(worker) == ("PAUSED", ["PAUSED"]), timeout=30, message="PAUSED")
    assert worker.req("PUT", path + "/resume").status_code == 202
    wait_for(lambda: _state(worker) == ("RUNNING", ["RUNNING"]), timeout=30, message="RUNNING")
    body = {"offsets": [{"partition": {"filename": str(worker.source_file)}, "offset": {"position": 3}}]}
    refused = worker.req("PATCH", path + "/offsets", json=body)
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("Connectors must be in the STOPPED state")
    assert worker.req("PUT", path + "/stop").status_code == 204
    wait_for(lambda: _state(worker) == ("STOPPED", []), timeout=30, message="STOPPED")
    assert worker.get(path + "/tasks").json() == []
    altered = worker.req("PATCH", path + "/offsets", json=body)
    assert altered.status_code == 200, altered.text
    assert "altered successfully" in altered.json()["message"]
    assert worker.get(path + "/offsets").json() == body
    reset = worker.req("DELETE", path + "/offsets")
    assert reset.status_code == 200, reset.text
    assert "reset successfully" in reset.json()["message"]
    assert worker.req("PUT", path + "/resume").status_code == 202
    wait_for(lambda: _state(worker) == ("RUNNING", ["RUNNING"]), timeout=30, message="RUNNING again")


def test_restarts(worker: Worker) -> None:
    path = f"/connectors/{SOURCE_NAME}"
    resp = worker.req("POST", path + "/restart")
    assert (resp.status_code, resp.content) == (204, b"")
    resp = worker.req("POST", path + "/restart?includeTasks=true")
    assert resp.status_code == 202
    assert list(resp.json()) == ["name", "connector", "tasks", "type"]
    wait_for(lambda: _state(worker) == ("RUNNING", ["RUNNING"]), timeout=30, message="RUNNING after restart")
    assert worker.req("POST", path + "/tasks/0/restart").status_code == 204
    wait_for(lambda: _state(worker) == ("RUNNING", ["RUNNING"]), timeout=30, message="RUNNING after task restart")


def test_errors(worker: Worker) -> None:
    missing = worker.get("/connectors/nope")
    assert (missing.status_code, missing.json()) == (404, {"error_code": 404, "message": "Connector nope not found"})
    bad = worker.req("POST", "/connectors", data=b"{nope", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    assert bad.json()["error_code"] == 400
    assert worker.get("/no/such/path").json() == {"error_code": 404, "message": "HTTP 404 Not Found"}
    assert worker.req("DELETE", "/connectors").status_code == 405
    no_config = worker.req("POST", "/connectors", json={"name": "x"})
    assert no_config.status_code == 400


def test_loggers(worker: Worker) -> None:
    changed = worker.req("PUT", "/admin/loggers/kcli.connect", json={"level": "DEBUG"})
    assert changed.status_code == 200
    assert "kcli.connect" in changed.json()
    assert worker.get("/admin/loggers/kcli.connect").json()["level"] == "DEBUG"
    worker.req("PUT", "/admin/loggers/kcli.connect", json={"level": "INFO"})
    assert "root" in worker.get("/admin/loggers").json()


def test_port_in_use_is_a_clear_start_up_error(worker: Worker) -> None:
    log = worker.tmp / "second.log"
    proc = start_kcli_worker(worker.worker_file, [], log)
    try:
        proc.wait(60)
    finally:
        stop_process(proc)
    output = log.read_text()
    assert proc.returncode != 0
    assert f"127.0.0.1:{worker.port}" in output
    assert "Traceback" not in output
    assert worker.get("/connectors").status_code == 200  # the first worker is unharmed
