"""Reference: the same tutorial files through Apache's connect-standalone and `kcli connect standalone`;
the REST answers of the tutorial's calls must match: status codes, keys (in order), value types,
states, configs and the error messages the REST layer writes.

Known, documented difference: malformed JSON is a 500 in Apache (Jackson's exception reaches the
catch-all mapper) and a 400 in kcli; both answer with the `{"error_code", "message"}` body.
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

from tests.helpers import ACCEPTANCE, free_port, run_kcli, tool_command, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.java, pytest.mark.slow]

NAME = "file-source-connector"
SINK = {"connector.class": "FileStreamSink", "tasks.max": "1", "topics": "unused-topic"}


@dataclass
class Endpoint:
    url: str
    proc: subprocess.Popen
    log: Path

    def call(self, method: str, path: str, **kw: Any) -> requests.Response:
        return requests.request(method, self.url + path, timeout=60, **kw)


def _worker_file(tmp: Path, bootstrap: str, port: int, tag: str) -> Path:
    """The tutorial's worker file (broker, offsets file and port substituted), flushing offsets every second
    instead of every 10 s: the offsets test waits for each worker's first flush."""
    text = (ACCEPTANCE / "connect-standalone.properties").read_text()
    text = text.replace("bootstrap.servers=localhost:9092", f"bootstrap.servers={bootstrap}")
    text = text.replace("offset.flush.interval.ms=10000", "offset.flush.interval.ms=1000")
    text = text.replace("/tmp/connect.offsets", str(tmp / f"{tag}.offsets"))
    path = tmp / f"{tag}-worker.properties"
    path.write_text(text + f"\nlisteners=http://127.0.0.1:{port}\n")
    return path


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _wait_running(ep: Endpoint, timeout: float) -> None:
    def running() -> bool:
        if ep.proc.poll() is not None:
            raise AssertionError(f"worker exited {ep.proc.returncode}:\n{ep.log.read_text()[-3000:]}")
        status = ep.call("GET", f"/connectors/{NAME}/status").json()
        return status["connector"]["state"] == "RUNNING" and [t["state"] for t in status["tasks"]] == ["RUNNING"]

    wait_for(running, timeout=timeout, interval=0.3, message=f"{NAME} RUNNING on {ep.url}")


@pytest.fixture(scope="module")
def workers(bootstrap: str, kafka_libs: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Endpoint]]:
    """Apache's worker and kcli's on the same connector file (paths substituted), each on a free port."""
    tmp = tmp_path_factory.mktemp("rest-reference")
    topic = f"t-rest-reference-{os.getpid()}"
    created = run_kcli(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions", "1",
                        "--replication-factor", "1"])
    assert created.returncode == 0, created.stderr
    source_file = tmp / "my-source-file.txt"
    source_file.write_text("one\ntwo\n")
    connector = (ACCEPTANCE / "connect-file-source.properties").read_text()
    connector_file = tmp / "connect-file-source.properties"
    connector_file.write_text(connector.replace("/tmp/my-source-file.txt", str(source_file))
                              .replace("topic=simple-connect", f"topic={topic}"))
    commands = {
        "apache": tool_command("connect-standalone"),
        "kcli": [sys.executable, "-m", "kcli", "connect", "standalone"],
    }
    endpoints: dict[str, Endpoint] = {}
    try:
        for tag, command in commands.items():
            port = free_port()
            worker_file = _worker_file(tmp, bootstrap, port, tag)
            log = tmp / f"{tag}.log"
            with open(log, "wb") as out:
                proc = subprocess.Popen([*command, str(worker_file), str(connector_file)], stdout=out,
                                        stderr=subprocess.STDOUT)
            endpoints[tag] = Endpoint(f"http://127.0.0.1:{port}", proc, log)
        _wait_running(endpoints["kcli"], 60)
        _wait_running(endpoints["apache"], 120)
        yield endpoints
    finally:
        for ep in endpoints.values():
            _stop(ep.proc)


def shape(value: Any) -> Any:
    """Keys in order and value types, recursively (what a client's parser depends on)."""
    if isinstance(value, dict):
        return [(k, shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def both(workers: dict[str, Endpoint], method: str, path: str, **kw: Any) -> tuple[requests.Response, ...]:
    return workers["apache"].call(method, path, **kw), workers["kcli"].call(method, path, **kw)


def _normalized(data: Any) -> Any:
    """Config maps compared as maps (sorted keys), their order being free."""
    if isinstance(data, dict):
        return {k: (dict(sorted(v.items())) if k == "config" and isinstance(v, dict) else _normalized(v))
                for k, v in data.items()}
    if isinstance(data, list):
        return [_normalized(v) for v in data]
    return data


def test_root(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "GET", "/")
    assert apache.status_code == kcli.status_code == 200
    assert shape(apache.json()) == shape(kcli.json())
    assert apache.json()["kafka_cluster_id"] == kcli.json()["kafka_cluster_id"]
    assert kcli.json()["version"] == apache.json()["version"] == "4.3.1"  # clients gate features on it
    assert kcli.json()["commit"].startswith("kcli-")


def test_list_connectors(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "GET", "/connectors")
    assert apache.status_code == kcli.status_code == 200
    assert apache.json() == kcli.json() == [NAME]


def test_connector_info_and_config(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "GET", f"/connectors/{NAME}")
    assert apache.status_code == kcli.status_code == 200
    assert apache.headers["Content-Type"] == kcli.headers["Content-Type"] == "application/json"
    assert list(apache.json()) == list(kcli.json()) == ["name", "config", "tasks", "type"]
    assert apache.json() == kcli.json()  # config compared as a map: the order of its keys is free
    apache, kcli = both(workers, "GET", f"/connectors/{NAME}/config")
    assert apache.status_code == kcli.status_code == 200
    assert apache.json() == kcli.json()


def test_status(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "GET", f"/connectors/{NAME}/status")
    assert apache.status_code == kcli.status_code == 200
    a, k = apache.json(), kcli.json()
    assert shape(_normalized(a)) == shape(_normalized(k))
    assert a["connector"]["state"] == k["connector"]["state"] == "RUNNING"
    assert [t["state"] for t in a["tasks"]] == [t["state"] for t in k["tasks"]] == ["RUNNING"]
    assert a["connector"]["worker_id"] == workers["apache"].url.split("://")[1]
    assert k["connector"]["worker_id"] == workers["kcli"].url.split("://")[1]
    assert a["type"] == k["type"] == "source"


def test_status_versions(workers: dict[str, Endpoint]) -> None:
    """Apache 4.3 shows the connector plugin's version in each state; kcli should too."""
    a = workers["apache"].call("GET", f"/connectors/{NAME}/status").json()
    k = workers["kcli"].call("GET", f"/connectors/{NAME}/status").json()
    assert ("version" in a["connector"]) == ("version" in k["connector"])
    assert [("version" in t) for t in a["tasks"]] == [("version" in t) for t in k["tasks"]]


def test_tasks(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "GET", f"/connectors/{NAME}/tasks")
    assert apache.status_code == kcli.status_code == 200
    a, k = apache.json(), kcli.json()
    assert [list(t) for t in a] == [list(t) for t in k] == [["id", "config"]]
    assert [t["id"] for t in a] == [t["id"] for t in k]
    assert a[0]["config"] == k[0]["config"]  # task.class included: Apache's name for the built-in task


def test_task_status(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "GET", f"/connectors/{NAME}/tasks/0/status")
    assert apache.status_code == kcli.status_code == 200
    assert shape(_normalized(apache.json())) == shape(_normalized(kcli.json()))
    assert apache.json()["state"] == kcli.json()["state"] == "RUNNING"


def test_connector_plugins(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "GET", "/connector-plugins")
    assert apache.status_code == kcli.status_code == 200
    kcli_plugins = {p["class"]: p for p in kcli.json()}
    for plugin in apache.json():
        assert plugin["class"] in kcli_plugins, plugin
        ours = kcli_plugins[plugin["class"]]
        assert shape(ours) == shape(plugin)
        assert ours["type"] == plugin["type"]
    assert {p["type"] for p in kcli.json()} <= {"source", "sink"}


def test_expand(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "GET", "/connectors?expand=status&expand=info")
    assert apache.status_code == kcli.status_code == 200
    assert shape(_normalized(apache.json())) == shape(_normalized(kcli.json()))


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/connectors/nope", None),
    ("GET", "/connectors/nope/config", None),
    ("GET", "/connectors/nope/status", None),
    ("GET", "/connectors/nope/tasks/0/status", None),
    ("GET", f"/connectors/{NAME}/tasks/9/status", None),
    ("GET", f"/connectors/{NAME}/tasks/x/status", None),
    ("PUT", "/connectors/nope/pause", None),
    ("PUT", "/connectors/nope/resume", None),
    ("DELETE", "/connectors/nope", None),
    ("GET", "/no/such/path", None),
    ("DELETE", "/connectors", None),
    ("POST", "/connectors", {"name": NAME, "config": {"connector.class": "FileStreamSource", "topic": "x"}}),
    ("POST", "/connectors", {"name": "a", "config": {**SINK, "name": "b"}}),
    ("POST", "/connectors", {"name": "a", "config": {**SINK, "x": None}}),
    ("PUT", "/connectors/a/config", {**SINK, "name": "b"}),
    ("PATCH", f"/connectors/{NAME}/offsets", {}),
    ("PATCH", f"/connectors/{NAME}/offsets", {"offsets": [{"partition": {"filename": "f"}, "offset": None}]}),
    ("GET", "/admin/loggers/no.such.logger", None),
    ("PUT", "/admin/loggers/root", {}),
    ("PUT", "/admin/loggers/root", {"level": "warning"}),
])
def test_error_answers_match(workers: dict[str, Endpoint], method: str, path: str, body: Any) -> None:
    apache, kcli = both(workers, method, path, **({"json": body} if body is not None else {}))
    assert apache.status_code == kcli.status_code, (apache.text, kcli.text)
    assert apache.json() == kcli.json()


@pytest.mark.parametrize(("method", "path", "headers", "body"), [
    ("POST", "/connectors", {"Content-Type": "text/plain"}, b"{}"),
    ("POST", "/connectors", {"Content-Type": "application/x-www-form-urlencoded"}, b'{"name": "x"}'),
    ("PUT", "/connectors/nope/pause", {"Content-Type": "text/plain"}, b""),
    ("PUT", "/admin/loggers/org.example.x", {"Content-Type": "text/plain"}, b'{"level": "INFO"}'),
])
def test_non_json_bodies_are_415(workers: dict[str, Endpoint], method: str, path: str, headers: dict,
                                 body: bytes) -> None:
    apache, kcli = both(workers, method, path, headers=headers, data=body)
    assert apache.status_code == kcli.status_code == 415
    assert apache.json() == kcli.json()


def test_encoded_slash_and_options(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "GET", "/connectors/a%2Fconfig")
    assert apache.status_code == kcli.status_code == 400  # Jetty answers in HTML, kcli in JSON
    apache, kcli = both(workers, "OPTIONS", "/connectors")
    assert apache.status_code == kcli.status_code == 200
    methods = {tag: {m.strip() for m in resp.headers["Allow"].split(",")} for tag, resp in (("a", apache), ("k", kcli))}
    assert methods["k"] <= methods["a"]


def test_duplicate_create_is_409(workers: dict[str, Endpoint]) -> None:
    connector = workers["kcli"].call("GET", f"/connectors/{NAME}/config").json()
    apache, kcli = both(workers, "POST", "/connectors", json={"name": NAME, "config": connector})
    assert apache.status_code == kcli.status_code == 409
    assert apache.json() == kcli.json() == {"error_code": 409, "message": f"Connector {NAME} already exists"}


@pytest.mark.parametrize("body", [b"{bad", b"[1]", b'{"name": "x", "config": {"a": {"b": 1}}}'])
def test_malformed_json(workers: dict[str, Endpoint], body: bytes) -> None:
    apache, kcli = both(workers, "POST", "/connectors", data=body, headers={"Content-Type": "application/json"})
    assert apache.status_code == 500  # Apache's quirk
    assert kcli.status_code == 400
    for resp in (apache, kcli):
        assert list(resp.json()) == ["error_code", "message"]
        assert resp.json()["error_code"] == resp.status_code


def test_loggers_shape(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "GET", "/admin/loggers/root")
    assert apache.status_code == kcli.status_code == 200
    assert shape(apache.json()) == shape(kcli.json())
    apache, kcli = both(workers, "GET", "/health")
    assert apache.status_code == kcli.status_code == 200
    assert apache.json() == kcli.json()


def _states(ep: Endpoint) -> tuple[str, list[str]]:
    status = ep.call("GET", f"/connectors/{NAME}/status").json()
    return status["connector"]["state"], [t["state"] for t in status["tasks"]]


def _wait_all(workers: dict[str, Endpoint], want: tuple[str, list[str]]) -> None:
    for tag, ep in workers.items():
        wait_for(lambda ep=ep: _states(ep) == want, timeout=60, message=f"{want} on {tag}")


def test_lifecycle_and_offsets(workers: dict[str, Endpoint]) -> None:
    """stop, offsets GET/PATCH/DELETE, resume, pause, restarts: same codes, bodies and states on both."""
    path = f"/connectors/{NAME}"
    for tag, ep in workers.items():  # each worker commits its first offsets at its own flush interval
        wait_for(lambda ep=ep: ep.call("GET", path + "/offsets").json()["offsets"], timeout=60,
                 message=f"committed offsets on {tag}")
    apache, kcli = both(workers, "GET", path + "/offsets")
    assert apache.status_code == kcli.status_code == 200
    assert shape(apache.json()) == shape(kcli.json())
    stopped = both(workers, "PUT", path + "/stop")
    assert [r.status_code for r in stopped] == [204, 204]
    _wait_all(workers, ("STOPPED", []))
    apache, kcli = both(workers, "GET", path + "/tasks")
    assert apache.json() == kcli.json() == []
    body = {"offsets": [{"partition": {"filename": str(workers["kcli"].log.parent / "my-source-file.txt")},
                         "offset": {"position": 4}}]}
    apache, kcli = both(workers, "PATCH", path + "/offsets", json=body)
    assert apache.status_code == kcli.status_code == 200, (apache.text, kcli.text)
    assert apache.json() == kcli.json()
    apache, kcli = both(workers, "GET", path + "/offsets")
    assert apache.json() == kcli.json() == body
    apache, kcli = both(workers, "DELETE", path + "/offsets")
    assert apache.status_code == kcli.status_code == 200
    assert apache.json() == kcli.json()
    resumed = both(workers, "PUT", path + "/resume")
    assert [r.status_code for r in resumed] == [202, 202]
    _wait_all(workers, ("RUNNING", ["RUNNING"]))
    paused = both(workers, "PUT", path + "/pause")
    assert [(r.status_code, r.content) for r in paused] == [(202, b""), (202, b"")]
    _wait_all(workers, ("PAUSED", ["PAUSED"]))
    both(workers, "PUT", path + "/resume")
    _wait_all(workers, ("RUNNING", ["RUNNING"]))
    plain = both(workers, "POST", path + "/restart")
    assert [r.status_code for r in plain] == [204, 204]
    apache, kcli = both(workers, "POST", path + "/restart?includeTasks=true&onlyFailed=true")
    assert apache.status_code == kcli.status_code == 202
    assert shape(_normalized(apache.json())) == shape(_normalized(kcli.json()))
    assert apache.json()["connector"]["state"] == kcli.json()["connector"]["state"]
    task = both(workers, "POST", path + "/tasks/0/restart")
    assert [r.status_code for r in task] == [204, 204]
    _wait_all(workers, ("RUNNING", ["RUNNING"]))


def test_topics(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "GET", f"/connectors/{NAME}/topics")
    assert apache.status_code == kcli.status_code == 200
    assert shape(apache.json()) == shape(kcli.json()) or list(apache.json()) == list(kcli.json())
    apache, kcli = both(workers, "GET", "/connectors/nope/topics")
    assert apache.json() == kcli.json() == {"nope": {"topics": []}}


def test_logger_put_answers(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "PUT", "/admin/loggers/org.example.kcli.reference", json={"level": "DEBUG"})
    assert apache.status_code == kcli.status_code == 200
    assert apache.json() == kcli.json() == ["org.example.kcli.reference"]
    apache, kcli = both(workers, "GET", "/admin/loggers/org.example.kcli.reference")
    assert apache.json()["level"] == kcli.json()["level"] == "DEBUG"
    assert type(apache.json()["last_modified"]) is type(kcli.json()["last_modified"]) is int


def test_plugin_config_definitions(workers: dict[str, Endpoint]) -> None:
    for plugin in ("FileStreamSource", "org.apache.kafka.connect.file.FileStreamSinkConnector"):
        apache, kcli = both(workers, "GET", f"/connector-plugins/{plugin}/config")
        assert apache.status_code == kcli.status_code == 200, plugin
        apache_keys = {k["name"]: k for k in apache.json()}
        kcli_keys = {k["name"]: k for k in kcli.json()}
        assert set(apache_keys) == set(kcli_keys), plugin
        for name, definition in apache_keys.items():
            assert list(definition) == list(kcli_keys[name]), name


def test_validate(workers: dict[str, Endpoint]) -> None:
    config = {"connector.class": "FileStreamSink", "tasks.max": "1"}
    apache, kcli = both(workers, "PUT", "/connector-plugins/FileStreamSink/config/validate", json=config)
    assert apache.status_code == kcli.status_code == 200
    a, k = apache.json(), kcli.json()
    assert list(a) == list(k) == ["name", "error_count", "groups", "configs"]
    assert (a["name"], a["error_count"]) == (k["name"], k["error_count"])
    mismatch = both(workers, "PUT", "/connector-plugins/FileStreamSource/config/validate", json=config)
    assert [r.status_code for r in mismatch] == [400, 400]
    assert mismatch[0].json() == mismatch[1].json()


@pytest.mark.parametrize("path", ["/connector-plugins/", "/connectors/", f"/connectors/{NAME}/",
                                  f"/connectors/{NAME}/status/", f"/connectors/{NAME}/tasks/",
                                  f"/connectors/{NAME}/tasks/0/status/", f"/connectors/{NAME}/config/",
                                  f"/connectors/{NAME}/topics/", "/admin/loggers/root/", "/health/"])
def test_trailing_slash_is_the_same_path(workers: dict[str, Endpoint], path: str) -> None:
    apache, kcli = both(workers, "GET", path)
    assert apache.status_code == kcli.status_code == 200, (path, kcli.text)
    a, k = (_normalized({"config": r.json()}) if path.endswith("/config/") else _normalized(r.json())
            for r in (apache, kcli))
    assert shape(a) == shape(k)
    assert kcli.json() == workers["kcli"].call("GET", path.rstrip("/")).json()


def test_numeric_name_is_read_as_a_string(workers: dict[str, Endpoint]) -> None:
    apache, kcli = both(workers, "POST", "/connectors", json={"name": 12, "config": SINK})
    try:
        assert apache.status_code == kcli.status_code == 201, kcli.text
        assert apache.json()["name"] == kcli.json()["name"] == "12"
        assert apache.json()["config"]["name"] == kcli.json()["config"]["name"] == "12"
    finally:
        both(workers, "DELETE", "/connectors/12")


def test_deeply_nested_json_is_an_error_answer(workers: dict[str, Endpoint]) -> None:
    body = ('{"name": "deep", "config": ' + "[" * 5000 + "]" * 5000 + "}").encode()
    apache, kcli = both(workers, "POST", "/connectors", data=body, headers={"Content-Type": "application/json"})
    assert apache.status_code == 500  # Apache's quirk for a body Jackson cannot map (as for malformed JSON)
    assert kcli.status_code == 400
    assert list(kcli.json()) == ["error_code", "message"] and "nested too deeply" in kcli.json()["message"]
    assert "RecursionError" not in workers["kcli"].log.read_text()


def test_setting_the_level_a_logger_has_changes_nothing(workers: dict[str, Endpoint]) -> None:
    logger = "org.example.kcli.same"
    first = both(workers, "PUT", f"/admin/loggers/{logger}", json={"level": "DEBUG"})
    assert [r.json() for r in first] == [[logger], [logger]]
    before = [r.json() for r in both(workers, "GET", f"/admin/loggers/{logger}")]
    again = both(workers, "PUT", f"/admin/loggers/{logger}", json={"level": "DEBUG"})
    assert [(r.status_code, r.json()) for r in again] == [(200, []), (200, [])]
    after = [r.json() for r in both(workers, "GET", f"/admin/loggers/{logger}")]
    assert after == before, "last_modified is left as it was"


def test_failing_record_reaches_the_dlq_with_tolerance_none(workers: dict[str, Endpoint], bootstrap: str) -> None:
    """errors.tolerance=none with a DLQ: the record that fails the task is still sent to the DLQ first."""
    from confluent_kafka import Consumer, Producer

    topic = f"t-dlq-none-{os.getpid()}"
    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce(topic, b"not json")
    producer.flush(10)
    dlqs = {tag: f"{topic}-{tag}-dlq" for tag in workers}
    for tag, ep in workers.items():
        config = {"connector.class": "FileStreamSink", "topics": topic, "file": "/dev/null",
                  "value.converter": "org.apache.kafka.connect.json.JsonConverter", "errors.tolerance": "none",
                  "errors.deadletterqueue.topic.name": dlqs[tag],
                  "errors.deadletterqueue.topic.replication.factor": "1"}
        assert ep.call("POST", "/connectors", json={"name": "dlq-none", "config": config}).status_code == 201
    try:
        for tag, ep in workers.items():
            wait_for(lambda ep=ep: ep.call("GET", "/connectors/dlq-none/status").json()["tasks"][0]["state"]
                     == "FAILED", timeout=60, message=f"the task FAILED on {tag}")
            consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{dlqs[tag]}-reader",
                                 "auto.offset.reset": "earliest"})
            consumer.subscribe([dlqs[tag]])
            msg = wait_for(lambda c=consumer: next((m for m in c.consume(1, 0.5) if m.error() is None), None),
                           timeout=30, message=f"the failed record on {tag}'s DLQ")
            consumer.close()
            assert msg.value() == b"not json"
    finally:
        both(workers, "DELETE", "/connectors/dlq-none")
