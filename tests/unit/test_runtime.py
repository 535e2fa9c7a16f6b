"""The runtime without a broker: plugins, worker config, offset stores, validation, the standalone herder."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from kcli.connect.api import SourceConnector, SourceRecord, SourceTask
from kcli.connect.errors import BadRequestError, ConflictError, ConnectError, NotFoundError
from kcli.connect.herder.standalone import StandaloneHerder
from kcli.connect.plugins import Plugins
from kcli.connect.runtime.clients import consumer_config, override_errors, producer_config
from kcli.connect.storage.offset_store import FileOffsetStore, MemoryOffsetStore, canonical
from kcli.connect.worker_config import WorkerConfig
from kcli.errors import ConfigError
from tests.helpers import wait_for

WORKER = {"bootstrap.servers": "127.0.0.1:1", "key.converter": "org.apache.kafka.connect.json.JsonConverter",
          "value.converter": "org.apache.kafka.connect.storage.StringConverter",
          "offset.storage.file.filename": "/nonexistent/offsets", "offset.flush.interval.ms": "100",
          "task.shutdown.graceful.timeout.ms": "2000"}


class IdleTask(SourceTask):
    fail = False

    def start(self, props: dict[str, str]) -> None:
        self.props = props

    def poll(self) -> list[SourceRecord] | None:
        if IdleTask.fail:
            raise RuntimeError("poll exploded")
        time.sleep(0.02)
        return None

    def stop(self) -> None:
        pass


class IdleConnector(SourceConnector):
    def start(self, props: dict[str, str]) -> None:
        self.props = props

    def stop(self) -> None:
        pass

    def task_class(self) -> type[SourceTask]:
        return IdleTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [{"n": str(i)} for i in range(max_tasks)]

    def validate(self, props: dict[str, str]) -> dict[str, list[str]]:
        return {"color": ["color must be blue"]} if props.get("color", "blue") != "blue" else {}


IDLE = f"{__name__}.IdleConnector"


# -- plugins -------------------------------------------------------------------------------------
def test_plugin_names_resolve() -> None:
    p = Plugins()
    for name in ("FileStreamSource", "FileStreamSourceConnector",
                 "org.apache.kafka.connect.file.FileStreamSourceConnector"):
        assert p.connector_class(name)[0] == "org.apache.kafka.connect.file.FileStreamSourceConnector"
    assert p.connector_class(IDLE)[1] is IdleConnector
    assert type(p.new_converter("Json")).__name__ == "JsonConverter"
    assert type(p.new_converter("org.apache.kafka.connect.storage.StringConverter")).__name__ == "StringConverter"
    with pytest.raises(BadRequestError, match="Failed to find any class that implements Connector and which name "
                                              "matches Nope, available connectors are: "):
        p.connector_class("Nope")
    listed = p.plugins(connectors_only=False)
    assert {"class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "type": "sink",
            "version": listed[0]["version"]} in listed
    assert any(e["type"] == "converter" and e["class"] == "org.apache.kafka.connect.json.JsonConverter"
               for e in listed)
    assert all(e["type"] in ("source", "sink") for e in p.plugins())


def test_plugin_path_directory(tmp_path: Path) -> None:
    (tmp_path / "my_plugin_mod.py").write_text(
        "from kcli.connect.api import SinkConnector\n"
        "class MyPluginSinkConnector(SinkConnector):\n"
        "    def start(self, p): pass\n    def stop(self): pass\n"
        "    def task_class(self): return None\n    def task_configs(self, n): return []\n")
    (tmp_path / "ignored.jar").write_bytes(b"PK")
    try:
        p = Plugins([str(tmp_path)])
        assert p.connector_class("MyPluginSinkConnector")[0] == "my_plugin_mod.MyPluginSinkConnector"
        assert p.connector_class("MyPluginSink")[0] == "my_plugin_mod.MyPluginSinkConnector"
    finally:
        sys.path.remove(str(tmp_path))


# -- worker config and clients -------------------------------------------------------------------
def test_worker_config_checks() -> None:
    cfg = WorkerConfig.parse(WORKER)
    assert cfg.offset_flush_interval_ms == 100 and cfg.override_policy == "All"
    assert cfg.listeners == ["http://localhost:8083"] and cfg.worker_id() == "localhost:8083"
    with pytest.raises(ConfigError, match="key 'value.converter'"):
        WorkerConfig.parse({k: v for k, v in WORKER.items() if k != "value.converter"})
    with pytest.raises(ConfigError, match="offset.storage.file.filename"):
        WorkerConfig.parse({k: v for k, v in WORKER.items() if k != "offset.storage.file.filename"})
    with pytest.raises(ConfigError, match="offset.flush.interval.ms"):
        WorkerConfig.parse({**WORKER, "offset.flush.interval.ms": "soon"})


def test_client_configs_and_override_policy() -> None:
    cfg = WorkerConfig.parse({**WORKER, "producer.linger.ms": "50", "consumer.max.poll.records": "10"})
    prod = producer_config(cfg, "c", 0, {"producer.override.acks": "1"})
    assert prod["bootstrap.servers"] == "127.0.0.1:1" and prod["linger.ms"] == "50" and prod["acks"] == "1"
    assert prod["client.id"] == "connector-producer-c-0"
    cons = consumer_config(cfg, "c", 1, {})
    assert cons["group.id"] == "connect-c" and cons["max.poll.records"] == "10"
    assert override_errors("All", {"producer.override.acks": "1"}) == {}
    assert "producer.override.acks" in override_errors("None", {"producer.override.acks": "1"})
    assert override_errors("Principal", {"consumer.override.security.protocol": "SSL"}) == {}
    assert "consumer.override.acks" in override_errors("Principal", {"consumer.override.acks": "1"})
    assert override_errors("Allowlist", {"producer.override.acks": "1"}, ["acks"]) == {}
    assert "producer.override.linger.ms" in override_errors("Allowlist", {"producer.override.linger.ms": "1"}, [])


# -- offset stores -------------------------------------------------------------------------------
def test_file_offset_store_round_trip_and_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "offsets"
    store = FileOffsetStore(str(path))
    store.start()
    part = {"filename": "/a b/ü.txt"}
    store.set("conn", {canonical(part): (part, {"position": 42})})
    again = FileOffsetStore(str(path))
    again.start()
    assert again.get("conn", [part]) == [{"position": 42}]
    assert again.connector_offsets("conn") == [(part, {"position": 42})]
    assert again.get("other", [part]) == [None]
    again.set("conn", {canonical(part): (part, None)})  # reset: a null value, left out of listings
    assert again.connector_offsets("conn") == []
    path.write_bytes(b"\xac\xed\x00\x05junk")
    with pytest.raises(ConfigError):
        FileOffsetStore(str(path)).start()
    assert path.read_bytes() == b"\xac\xed\x00\x05junk"


# -- validation and the herder -------------------------------------------------------------------
@pytest.fixture
def herder() -> StandaloneHerder:
    IdleTask.fail = False
    h = StandaloneHerder(WorkerConfig.parse(WORKER), offset_store=MemoryOffsetStore(), cluster_id="test-cluster")
    h.start()
    yield h
    h.stop()


def _running(h: StandaloneHerder, name: str, tasks: int) -> bool:
    s = h.connector_status(name)
    return s["connector"]["state"] == "RUNNING" and len(s["tasks"]) == tasks and all(
        t["state"] == "RUNNING" for t in s["tasks"])


def test_herder_lifecycle(herder: StandaloneHerder) -> None:
    cfg = {"connector.class": IDLE, "tasks.max": "2"}
    created, info = herder.put_connector_config("idle", cfg, allow_replace=False)
    assert created and info["type"] == "source" and info["config"]["name"] == "idle"
    assert info["tasks"] == [{"connector": "idle", "task": 0}, {"connector": "idle", "task": 1}]
    wait_for(lambda: _running(herder, "idle", 2), timeout=10)
    assert herder.connector_status("idle")["connector"]["worker_id"] == "localhost:8083"
    assert herder.task_configs("idle")[1]["config"]["n"] == "1"
    assert herder.task_configs("idle")[1]["config"]["task.class"] == f"{__name__}.IdleTask"
    with pytest.raises(ConflictError, match="Connector idle already exists"):
        herder.put_connector_config("idle", cfg, allow_replace=False)
    herder.pause_connector("idle")
    wait_for(lambda: herder.connector_status("idle")["connector"]["state"] == "PAUSED"
             and {t["state"] for t in herder.connector_status("idle")["tasks"]} == {"PAUSED"}, timeout=10)
    herder.resume_connector("idle")
    wait_for(lambda: _running(herder, "idle", 2), timeout=10)
    with pytest.raises(BadRequestError, match="STOPPED state"):
        herder.reset_offsets("idle")
    herder.stop_connector("idle")
    status = herder.connector_status("idle")
    assert status["connector"]["state"] == "STOPPED" and status["tasks"] == []
    assert herder.task_configs("idle") == []
    part = {"p": 1}
    assert herder.alter_offsets("idle", [{"partition": part, "offset": {"o": 5}}])["message"].startswith(
        "The Connect framework-managed offsets for this connector have been altered successfully.")
    assert herder.connector_offsets("idle") == {"offsets": [{"partition": part, "offset": {"o": 5}}]}
    herder.reset_offsets("idle")
    assert herder.connector_offsets("idle") == {"offsets": []}
    herder.resume_connector("idle")
    wait_for(lambda: _running(herder, "idle", 2), timeout=10)
    herder.delete_connector("idle")
    assert herder.connectors() == []
    with pytest.raises(NotFoundError, match="Connector idle not found"):
        herder.connector_info("idle")


def test_failed_task_and_restart(herder: StandaloneHerder) -> None:
    IdleTask.fail = True
    herder.put_connector_config("boom", {"connector.class": IDLE}, allow_replace=False)
    wait_for(lambda: herder.task_status("boom", 0)["state"] == "FAILED", timeout=10)
    assert "poll exploded" in herder.task_status("boom", 0)["trace"]
    assert herder.connector_status("boom")["connector"]["state"] == "RUNNING"
    IdleTask.fail = False
    body = herder.restart_connector("boom", include_tasks=True, only_failed=True)
    assert body["connector"]["state"] == "RUNNING" and body["tasks"][0]["state"] == "RESTARTING"
    wait_for(lambda: _running(herder, "boom", 1), timeout=10)
    IdleTask.fail = True
    wait_for(lambda: herder.task_status("boom", 0)["state"] == "FAILED", timeout=10)
    IdleTask.fail = False
    herder.restart_task("boom", 0)
    wait_for(lambda: _running(herder, "boom", 1), timeout=10)
    with pytest.raises(NotFoundError, match="Unknown task: boom-3"):
        herder.restart_task("boom", 3)


def test_invalid_configs_are_rejected(herder: StandaloneHerder) -> None:
    with pytest.raises(BadRequestError, match="contains no connector type"):
        herder.put_connector_config("x", {"tasks.max": "1"}, allow_replace=False)
    with pytest.raises(BadRequestError, match="Failed to find any class"):
        herder.put_connector_config("x", {"connector.class": "Nope"}, allow_replace=False)
    with pytest.raises(BadRequestError) as err:
        herder.put_connector_config("x", {"connector.class": IDLE, "tasks.max": "0", "color": "red"},
                                    allow_replace=False)
    assert err.value.message.startswith("Connector configuration is invalid and contains the following 2 error(s):")
    assert "color must be blue" in err.value.message
    with pytest.raises(BadRequestError, match="doesn't match connector name"):
        herder.put_connector_config("x", {"connector.class": IDLE, "name": "y"}, allow_replace=False)
    result = herder.validate_config("FileStreamSink", {"connector.class": "FileStreamSink", "name": "s"})
    assert result["name"] == "FileStreamSink" and result["error_count"] >= 1
    errors = {c["value"]["name"]: c["value"]["errors"] for c in result["configs"]}
    assert errors["topics"] == ["Must configure one of topics or topics.regex"]
    assert herder.connectors() == []
    keys = [k["name"] for k in herder.plugin_config("FileStreamSource")]
    assert keys[:3] == ["file", "topic", "batch.size"] and "tasks.max" in keys
    with pytest.raises(NotFoundError):
        herder.plugin_config("NoSuchPlugin")


def test_restart_plain_and_unknown(herder: StandaloneHerder) -> None:
    herder.put_connector_config("r", {"connector.class": IDLE}, allow_replace=False)
    wait_for(lambda: _running(herder, "r", 1), timeout=10)
    assert herder.restart_connector("r") is None
    wait_for(lambda: _running(herder, "r", 1), timeout=10)
    with pytest.raises(NotFoundError, match="Unknown connector: q"):
        herder.restart_connector("q")
    with pytest.raises(ConnectError):
        herder.stop_connector("q")
    assert herder.worker_info()["kafka_cluster_id"] == "test-cluster"


def test_transformation_chain_with_predicates() -> None:
    from kcli.connect.runtime.transformation_chain import TransformationChain

    config = {
        "transforms": "drop,route",
        "transforms.drop.type": "Filter", "transforms.drop.predicate": "isOther", "transforms.drop.negate": "true",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex": "(.*)-in", "transforms.route.replacement": "$1-out",
        "predicates": "isOther", "predicates.isOther.type": "TopicNameMatches", "predicates.isOther.pattern": "a-.*",
    }
    chain = TransformationChain.from_config(config, Plugins())
    kept = chain.apply(SourceRecord({}, {}, "a-in", value="x"))
    assert kept is not None and kept.topic == "a-out" and kept.value == "x"
    assert chain.apply(SourceRecord({}, {}, "b-in", value="y")) is None  # Filter applies where the topic isn't a-*
    assert TransformationChain.from_config({}, Plugins()) is None
    with pytest.raises(BadRequestError, match="transforms.x.type"):
        TransformationChain.from_config({"transforms": "x"}, Plugins())


def test_entry_point_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    class EP:
        value = f"{__name__}:IdleConnector"

        def load(self) -> type:
            return IdleConnector

    def entry_points(group: str) -> list:
        return [EP()] if group == "kcli.connect.plugins" else []

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    p = Plugins()
    assert p.connector_class("Idle")[1] is IdleConnector  # the alias: simple name without "Connector"
    assert {"class": IDLE, "type": "source", "version": IdleConnector().version()} in p.plugins()


def test_connector_files(tmp_path: Path) -> None:
    import json

    from kcli.config import load_connector_file as _connector_config
    from kcli.connect.launcher import _one_line

    post_form = tmp_path / "c.json"
    post_form.write_text(json.dumps({"name": "a", "config": {"connector.class": "FileStreamSource", "tasks.max": 1},
                                     "initial_state": "PAUSED"}))
    assert _connector_config(str(post_form)) == (
        {"connector.class": "FileStreamSource", "tasks.max": "1", "name": "a"}, "PAUSED")
    flat = tmp_path / "f.json"
    flat.write_text(json.dumps({"name": "b", "connector.class": "FileStreamSink"}))
    assert _connector_config(str(flat)) == ({"name": "b", "connector.class": "FileStreamSink"}, None)
    mismatch = tmp_path / "m.json"
    mismatch.write_text(json.dumps({"name": "a", "config": {"name": "z"}}))
    with pytest.raises(ConfigError, match="doesn't match"):
        _connector_config(str(mismatch))
    props = tmp_path / "p.properties"
    props.write_text("name=c\nconnector.class=FileStreamSource\n")
    assert _connector_config(str(props)) == ({"name": "c", "connector.class": "FileStreamSource"}, None)
    assert _one_line("Connector configuration is invalid and contains the following 1 error(s):\nbad x\n"
                     "You can also find the above list of errors at the endpoint `/x`") == \
        "invalid connector configuration: bad x"


def test_trace_starts_with_the_exception_line_as_java_traces_do() -> None:
    from kcli.connect.runtime.task_base import format_trace

    try:
        raise ConnectError("the file is gone")
    except ConnectError as exc:
        trace = format_trace(exc)
    lines = trace.splitlines()
    assert lines[0] == "kcli.connect.errors.ConnectError: the file is gone"
    assert lines[1] == "Traceback (most recent call last):"
    try:
        int("x")
    except ValueError as exc:
        assert format_trace(exc).splitlines()[0] == "ValueError: invalid literal for int() with base 10: 'x'"
