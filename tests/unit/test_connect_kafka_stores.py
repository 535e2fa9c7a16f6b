"""The Kafka-backed Connect stores against an in-memory log: record bytes, snapshots, listeners, putSafe.

The fake log stands in for KafkaLog: `send` appends the record and hands it straight back to the
store's callback with the next offset (as if the store read back what it wrote); `deliver` plays a
record written by another worker; records given before `start` are what the topic already held.
Expected values follow Apache 4.3.1 (KafkaConfigBackingStore / KafkaStatusBackingStore, §8).
"""

from __future__ import annotations

import dataclasses
import json
from concurrent.futures import Future
from typing import Any

import pytest

from kcli.connect.storage.config_store import RestartRequest, SessionKey
from kcli.connect.storage.kafka_config_store import KafkaConfigStore
from kcli.connect.storage.kafka_offset_store import KafkaOffsetStore
from kcli.connect.storage.kafka_status_store import KafkaStatusStore
from kcli.connect.storage.status_store import Status, TopicStatus
from kcli.connect.task_id import TaskId


class FakeLog:
    """KafkaLog's surface as the stores use it, in memory, on one partition."""

    def __init__(self, on_record: Any, existing: list[tuple[bytes | None, bytes | None]] = ()) -> None:
        self.topic = "fake-topic"
        self.partitions = [0]
        self.on_record = on_record
        self.records: list[tuple[bytes | None, bytes | None]] = []
        self._existing = list(existing)
        self.started = self.stopped = False

    def start(self) -> None:
        for key, value in self._existing:
            self.deliver(key, value)
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def deliver(self, key: bytes | str | None, value: bytes | str | dict | None) -> int:
        key = key.encode() if isinstance(key, str) else key
        if isinstance(value, dict):
            value = json.dumps(value).encode()
        elif isinstance(value, str):
            value = value.encode()
        offset = len(self.records)
        self.records.append((key, value))
        self.on_record(key, value, 0, offset)
        return offset

    def send(self, key: bytes | None, value: bytes | None, partition: int | None = None) -> Future:
        future: Future = Future()
        future.set_result(self.deliver(key, value))
        return future

    def flush(self, timeout: float = 30.0) -> bool:
        return True

    def read_to_end(self, timeout: float = 30.0) -> bool:
        return True

    def written(self, since: int = 0) -> list[tuple[str, bytes | None]]:
        return [((k or b"").decode(), v) for k, v in self.records[since:]]


class RecordingListener:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("on_"):
            raise AttributeError(name)
        return lambda *args: self.calls.append((name, args[0] if len(args) == 1 else args))


def config_store(existing: list[tuple[Any, Any]] = (), start: bool = True,
                 listener: RecordingListener | None = None) -> tuple[KafkaConfigStore, FakeLog]:
    logs: list[FakeLog] = []
    encoded = [(k.encode(), json.dumps(v).encode() if isinstance(v, dict) else v) for k, v in existing]
    store = KafkaConfigStore(lambda cb: logs.append(FakeLog(cb, encoded)) or logs[0], listener)
    if start:
        store.start()
    return store, logs[0]


def status_store() -> tuple[KafkaStatusStore, FakeLog]:
    logs: list[FakeLog] = []
    store = KafkaStatusStore(lambda cb: logs.append(FakeLog(cb)) or logs[0])
    store.start()
    return store, logs[0]


CFG = {"name": "src", "connector.class": "FileStreamSource", "tasks.max": "2"}


# -- config topic: the bytes each write produces ---------------------------------------------------------
def test_connector_config_and_initial_target_state_records() -> None:
    store, log = config_store()
    store.put_connector_config("src", {**CFG, "file": "/tmp/é\u0001.txt", "topic": None}, target_state="STOPPED")
    assert log.written() == [
        ("target-state-src", b'{"state":"PAUSED","state.v2":"STOPPED"}'),
        ("connector-src", b'{"properties":{"name":"src","connector.class":"FileStreamSource","tasks.max":"2",'
                          b'"file":"/tmp/\xc3\xa9\\u0001.txt","topic":null}}'),
    ]
    assert store.snapshot().target_state("src") == "STOPPED"  # the initial state is not reset to STARTED


@pytest.mark.parametrize(("state", "value"), [
    ("STOPPED", b'{"state":"PAUSED","state.v2":"STOPPED"}'),
    ("PAUSED", b'{"state":"PAUSED","state.v2":"PAUSED"}'),
    ("STARTED", b'{"state":"STARTED","state.v2":"STARTED"}'),
])
def test_target_state_record(state: str, value: bytes) -> None:
    store, log = config_store()
    store.put_target_state("my-conn", state)
    assert log.written() == [("target-state-my-conn", value)]


def test_task_configs_then_commit_records() -> None:
    store, log = config_store([("connector-src", {"properties": CFG})])
    store.put_task_configs("src", [{"task.class": "T", "n": "0"}, {"task.class": "T", "n": "1"}])
    assert log.written(1) == [("task-src-0", b'{"properties":{"task.class":"T","n":"0"}}'),
                              ("task-src-1", b'{"properties":{"task.class":"T","n":"1"}}'),
                              ("commit-src", b'{"tasks":2}')]
    store.put_task_configs("src", [])  # stopping: only the empty commit
    assert log.written(4) == [("commit-src", b'{"tasks":0}')]


def test_remove_session_key_restart_and_logger_records() -> None:
    store, log = config_store([("connector-src", {"properties": CFG})])
    store.remove_connector("src")
    store.put_session_key(SessionKey(b"\x00\x01secret", "HmacSHA256", 1700000000000))
    store.put_restart_request(RestartRequest("src", only_failed=False, include_tasks=True))
    store.put_logger_level("org.apache.kafka.connect", "DEBUG")
    assert log.written(1) == [
        ("connector-src", None), ("target-state-src", None),
        ("session-key", b'{"key":"AAFzZWNyZXQ=","algorithm":"HmacSHA256","creation-timestamp":1700000000000}'),
        ("restart-connector-src", b'{"include-tasks":true,"only-failed":false}'),
        ("logger-cluster-org.apache.kafka.connect", b'{"level":"DEBUG"}'),
    ]
    snap = store.snapshot()
    assert snap.session_key == SessionKey(b"\x00\x01secret", "HmacSHA256", 1700000000000)
    assert snap.connectors() == [] and "src" not in snap.target_states


# -- config topic: the snapshot ---------------------------------------------------------------------
def test_empty_topic_snapshot() -> None:
    store, _ = config_store()
    snap = store.snapshot()
    assert snap.offset == -1 and snap.connectors() == [] and snap.session_key is None
    assert store.connectors() == [] and store.target_state("x") is None


def test_task_configs_apply_only_on_their_commit() -> None:
    store, log = config_store([("connector-src", {"properties": CFG})])
    assert store.snapshot().offset == 1
    assert store.target_state("src") == "STARTED"
    log.deliver("task-src-0", {"properties": {"a": "0"}})
    log.deliver("task-src-1", {"properties": {"a": "1"}})
    snap = store.snapshot()
    assert snap.tasks("src") == [] and snap.task_config(TaskId("src", 0)) is None and snap.offset == 3
    log.deliver("commit-src", {"tasks": 2})
    snap = store.snapshot()
    assert snap.tasks("src") == [TaskId("src", 0), TaskId("src", 1)]
    assert snap.task_config_list("src") == [{"a": "0"}, {"a": "1"}]
    assert snap.applied_configs["src"] == CFG and snap.offset == 4
    # a new generation with fewer tasks replaces the count
    log.deliver("task-src-0", {"properties": {"a": "new"}})
    log.deliver("commit-src", {"tasks": 1})
    assert store.task_configs("src") == [{"a": "new"}]


def test_incomplete_set_after_compaction_is_inconsistent_until_a_fresh_set() -> None:
    # task-src-0 of the first set was compacted away
    store, log = config_store([("connector-src", {"properties": CFG}), ("task-src-1", {"properties": {"a": "1"}}),
                               ("commit-src", {"tasks": 2})])
    snap = store.snapshot()
    assert "src" in snap.inconsistent and snap.tasks("src") == [] and snap.task_config_list("src") == []
    assert snap.task_count("src") == 2 and "src" not in snap.applied_configs
    # the deferred task-src-1 was dropped with the bad commit: task-src-0 alone is still incomplete
    log.deliver("task-src-0", {"properties": {"a": "0"}})
    log.deliver("commit-src", {"tasks": 2})
    assert store.snapshot().tasks("src") == []
    log.deliver("task-src-0", {"properties": {"a": "0"}})
    log.deliver("task-src-1", {"properties": {"a": "1"}})
    log.deliver("commit-src", {"tasks": 2})
    snap = store.snapshot()
    assert snap.inconsistent == frozenset() and snap.tasks("src") == [TaskId("src", 0), TaskId("src", 1)]


def test_commit_for_a_deleted_connector_is_ignored() -> None:
    store, log = config_store([("connector-src", {"properties": CFG}), ("connector-src", None),
                               ("task-src-0", {"properties": {"a": "0"}}), ("commit-src", {"tasks": 1}),
                               ("task-never-0", {"properties": {"a": "0"}}), ("commit-never", {"tasks": 1})])
    snap = store.snapshot()
    assert snap.connectors() == [] and snap.task_counts == {} and snap.task_configs == {}
    assert snap.tasks("src") == [] and snap.offset == 6
    # the dropped deferred task does not complete a later set
    log.deliver("connector-src", {"properties": CFG})
    log.deliver("commit-src", {"tasks": 1})
    assert "src" in store.snapshot().inconsistent


def test_tombstones_remove_connector_tasks_and_target_state() -> None:
    store, _ = config_store([("connector-src", {"properties": CFG}), ("target-state-src", {"state": "PAUSED"}),
                             ("task-src-0", {"properties": {"a": "0"}}), ("commit-src", {"tasks": 1}),
                             ("connector-other", {"properties": {"name": "other"}})])
    store.remove_connector("src")
    snap = store.snapshot()
    assert snap.connectors() == ["other"] and snap.target_states == {"other": "STARTED"}
    assert snap.task_configs == {} and snap.task_counts == {} and snap.target_state("src") is None


def test_target_state_tombstone_with_a_live_config_falls_back_to_started() -> None:
    store, log = config_store([("connector-src", {"properties": CFG}), ("target-state-src", {"state": "PAUSED"})])
    log.deliver("target-state-src", None)
    assert store.target_state("src") == "STARTED"


@pytest.mark.parametrize(("value", "expected"), [
    ({"state": "PAUSED", "state.v2": "STOPPED"}, "STOPPED"),
    ({"state": "PAUSED"}, "PAUSED"),  # written by a worker older than 3.5
    ({"state": "PAUSED", "state.v2": None}, "PAUSED"),
    ({"state": "PAUSED", "state.v2": 7}, "PAUSED"),  # a non-string state.v2 falls back on state
    ({"state": "PAUSED", "state.v2": "BOGUS"}, "STARTED"),  # an unknown state is ignored
    ({"state": 1}, "STARTED"),
    ({"state.v2": "STOPPED"}, "STOPPED"),
])
def test_target_state_read_from_state_v2_falling_back_to_state(value: dict, expected: str) -> None:
    store, log = config_store([("connector-src", {"properties": CFG})])
    log.deliver("target-state-src", value)
    assert store.target_state("src") == expected and store.snapshot().offset == 2


def test_task_keys_with_dashes_in_connector_names() -> None:
    store, log = config_store([("connector-a", {"properties": {"name": "a"}}),
                               ("connector-a-b-c", {"properties": {"name": "a-b-c"}})])
    for key in ("task-a-b-c-0", "task-a-b-c-1", "task-a-b-c", "task-a-b-c-x", "tasks-fencing-a-b-c"):
        log.deliver(key, {"properties": {"key": key}})
    log.deliver("commit-a-b-c", {"tasks": 2})
    log.deliver("commit-a", {"tasks": 0})
    snap = store.snapshot()
    assert snap.tasks("a-b-c") == [TaskId("a-b-c", 0), TaskId("a-b-c", 1)] and snap.tasks("a") == []
    assert snap.task_config(TaskId("a-b-c", 1)) == {"key": "task-a-b-c-1"} and str(TaskId("a-b-c", 1)) == "a-b-c-1"
    assert "a" not in snap.inconsistent and "a-b-c" not in snap.inconsistent


def test_listener_told_only_after_start() -> None:
    listener = RecordingListener()
    store, log = config_store([("connector-old", {"properties": {"name": "old"}}),
                               ("target-state-old", {"state": "PAUSED", "state.v2": "PAUSED"}),
                               ("restart-connector-old", {"include-tasks": True, "only-failed": True}),
                               ("logger-cluster-org", {"level": "INFO"})], listener=listener)
    assert listener.calls == [] and store.target_state("old") == "PAUSED"
    store.put_connector_config("src", CFG)
    store.put_task_configs("src", [{"a": "0"}])
    store.put_target_state("src", "PAUSED")
    store.put_target_state("src", "PAUSED")  # unchanged: no notification
    store.put_target_state("ghost", "PAUSED")  # no such connector: no notification
    store.put_restart_request(RestartRequest("src", only_failed=True, include_tasks=False))
    log.deliver("restart-connector-src", {"include-tasks": "yes"})  # not booleans: both default to false
    key = SessionKey(b"k", "HmacSHA256", 5)
    store.put_session_key(key)
    store.put_logger_level("kcli.connect", "TRACE")
    store.remove_connector("src")  # the target-state tombstone is not notified
    assert listener.calls == [
        ("on_connector_config_update", "src"), ("on_task_config_update", [TaskId("src", 0)]),
        ("on_connector_target_state_change", "src"),
        ("on_restart_request", RestartRequest("src", only_failed=True, include_tasks=False)),
        ("on_restart_request", RestartRequest("src", only_failed=False, include_tasks=False)),
        ("on_session_key_update", key), ("on_logger_level_update", ("kcli.connect", "TRACE")),
        ("on_connector_config_remove", "src"),
    ]


@pytest.mark.parametrize(("key", "value"), [
    ("connector-src", b"{not json"),
    ("connector-src", b'"just a string"'),
    ("connector-src", b'{"properties":"x"}'),
    ("connector-src", b"[1,2]"),
    ("target-state-src", b'["PAUSED"]'),
    ("commit-src", b'{"tasks":"1"}'),
    ("commit-src", b"[1]"),
    ("task-src-0", b'{"properties":[1]}'),
    ("session-key", b'{"key":"AAE=","algorithm":"HmacSHA256","creation-timestamp":"1"}'),
    ("session-key", b'{"key":5,"algorithm":"HmacSHA256","creation-timestamp":1}'),
    ("session-key", b"null"),
    ("no-such-prefix-src", b'{"properties":{}}'),
    (b"\xff\xfe", b'{"properties":{}}'),
])
def test_malformed_records_are_skipped(key: str | bytes, value: bytes) -> None:
    listener = RecordingListener()
    store, log = config_store([("connector-src", {"properties": CFG}), ("task-src-0", {"properties": {"a": "0"}}),
                               ("commit-src", {"tasks": 1})], listener=listener)
    before = store.snapshot()
    log.deliver(key, value)
    after = store.snapshot()
    # Apache advances the offset for any record its converter could read as JSON
    assert after.offset == (before.offset if value == b"{not json" else before.offset + 1)
    assert dataclasses.replace(after, offset=before.offset) == before
    assert listener.calls == []


# -- status topic -----------------------------------------------------------------------------------
def test_status_records_bytes_and_field_order() -> None:
    store, log = status_store()
    store.put_connector("src", Status("RUNNING", "w:1", None, 3, "1.0"))
    store.put_task("my-conn", 0, Status("FAILED", "w:2", "java.lang.X: boom\n\tat Y", 4, "2.1"))
    store.put_task("my-conn", 1, Status("UNASSIGNED", "w:2", None, 4, None))
    store.put_topic(TopicStatus("orders", "src", 2, 1700000000123))
    assert log.written() == [
        ("status-connector-src", b'{"state":"RUNNING","trace":null,"worker_id":"w:1","generation":3,"version":"1.0"}'),
        ("status-task-my-conn-0",
         b'{"state":"FAILED","trace":"java.lang.X: boom\\n\\tat Y","worker_id":"w:2","generation":4,"version":"2.1"}'),
        ("status-task-my-conn-1",
         b'{"state":"UNASSIGNED","trace":null,"worker_id":"w:2","generation":4,"version":null}'),
        ("status-topic-orders:connector-src",
         b'{"topic":{"name":"orders","connector":"src","task":2,"discoverTimestamp":1700000000123}}'),
    ]
    assert store.connector("src") == Status("RUNNING", "w:1", None, 3, "1.0")
    assert store.tasks("my-conn") == {0: Status("FAILED", "w:2", "java.lang.X: boom\n\tat Y", 4, "2.1"),
                                      1: Status("UNASSIGNED", "w:2", None, 4, None)}
    assert store.topics("src") == ["orders"] and store.connectors() == ["my-conn", "src"]
    store.delete_topics("src")
    store.delete_connector("my-conn")
    assert log.written(4) == [("status-topic-orders:connector-src", None), ("status-task-my-conn-0", None),
                              ("status-task-my-conn-1", None), ("status-connector-my-conn", None)]
    assert store.topics("src") == [] and store.tasks("my-conn") == {} and store.connectors() == ["src"]


@pytest.mark.parametrize(("worker", "generation", "written"), [
    ("w:1", 4, False),  # another worker, older generation: skipped
    ("w:1", 5, True),  # same generation
    ("w:1", 6, True),
    ("w:2", 1, True),  # the worker that wrote the current status
])
@pytest.mark.parametrize("kind", ["connector", "task"])
def test_put_safe_respects_another_workers_newer_generation(kind: str, worker: str, generation: int,
                                                            written: bool) -> None:
    store, log = status_store()
    store.put_task("other", 0, Status("FAILED", "w:1", "trace", 0, None), safe=True)  # no current status: written
    assert store.task("other", 0) == Status("FAILED", "w:1", "trace", 0, None)
    log.records.clear()
    current = Status("RUNNING", "w:2", None, 5, "1")
    new = Status("UNASSIGNED", worker, None, generation, None)
    put = store.put_connector if kind == "connector" else (lambda n, s, safe=False: store.put_task(n, 0, s, safe))
    put("c", current)
    put("c", new, safe=True)
    assert len(log.records) == (2 if written else 1)
    put("c", Status("FAILED", "w:9", "t", 0, "1"), safe=False)  # a plain put is always written
    assert len(log.records) == (3 if written else 2)


@pytest.mark.parametrize(("generation", "kept"), [(4, "RUNNING"), (5, "RUNNING"), (6, "UNASSIGNED")])
def test_stale_unassigned_task_status_is_ignored(generation: int, kept: str) -> None:
    store, log = status_store()
    log.deliver("status-task-c-0", status_json("RUNNING", "w:2", 5))
    log.deliver("status-task-c-0", status_json("UNASSIGNED", "w:1", generation))
    assert store.task("c", 0).state == kept


def test_unassigned_after_non_running_or_for_a_connector_is_applied() -> None:
    store, log = status_store()
    log.deliver("status-task-c-0", status_json("FAILED", "w:2", 5))
    log.deliver("status-task-c-0", status_json("UNASSIGNED", "w:1", 3))
    log.deliver("status-connector-c", status_json("RUNNING", "w:2", 5))
    log.deliver("status-connector-c", status_json("UNASSIGNED", "w:1", 3))
    assert store.task("c", 0).state == "UNASSIGNED" and store.connector("c").state == "UNASSIGNED"


def status_json(state: str, worker: str, generation: Any, **extra: Any) -> bytes:
    return json.dumps({"state": state, "trace": None, "worker_id": worker, "generation": generation,
                       "version": None, **extra}).encode()


@pytest.mark.parametrize("value", [
    b"{not json", b"[1]", b'{"state":"RUNNING","worker_id":"w:9"}', status_json("RUNNING", "w:9", "7"),
    status_json("RUNNING", "w:9", 7.5), status_json(None, "w:9", 7), status_json("RUNNING", 5, 7),
])
def test_malformed_status_records_are_skipped(value: bytes) -> None:
    store, log = status_store()
    good = Status("RUNNING", "w:1", None, 2, None)
    store.put_connector("c", good)
    store.put_task("c", 0, good)
    log.deliver("status-connector-c", value)
    log.deliver("status-task-c-0", value)
    log.deliver("status-topic-t:connector-c", value)
    log.deliver("status-topic-:connector-c", b'{"topic":{"name":"","connector":"c","task":0,"discoverTimestamp":1}}')
    log.deliver("status-bogus", value)
    assert store.connector("c") == good and store.tasks("c") == {0: good} and store.topics("c") == []


def test_status_with_unknown_state_is_skipped() -> None:
    store, log = status_store()
    good = Status("RUNNING", "w:1", None, 2, None)
    store.put_connector("c", good)
    log.deliver("status-connector-c", status_json("BOGUS", "w:9", 7))
    assert store.connector("c") == good


# -- offsets topic ----------------------------------------------------------------------------------
def test_offset_records_and_read_back() -> None:
    logs: list[FakeLog] = []
    store = KafkaOffsetStore(lambda cb: logs.append(FakeLog(cb)) or logs[0])
    store.start()
    part = {"filename": "/tmp/a.txt"}
    store.set("file-src", {"a": (part, {"position": 12}), "b": ({"filename": "/tmp/b.txt"}, None)})
    assert logs[0].written() == [('["file-src",{"filename":"/tmp/a.txt"}]', b'{"position":12}'),
                                 ('["file-src",{"filename":"/tmp/b.txt"}]', None)]
    assert store.get("file-src", [part, {"filename": "/tmp/b.txt"}]) == [{"position": 12}, None]
    # another writer's record (key order differs) is found by its content
    logs[0].deliver('["db-src",{"table":"t","db":"d"}]', b'{"lsn":99}')
    assert store.get("db-src", [{"db": "d", "table": "t"}]) == [{"lsn": 99}]
    assert store.connector_offsets("file-src") == [(part, {"position": 12})]
