"""WorkerSourceTask with a stand-in producer: offsets are committed only after the broker acked."""

from __future__ import annotations

from typing import Any

import pytest

from kcli.connect.api import SourceRecord, SourceTask
from kcli.connect.errors import ConnectError
from kcli.connect.runtime.source_task import WorkerSourceTask
from kcli.connect.storage.offset_store import MemoryOffsetStore


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any, Any]] = []
        self.callbacks: list[Any] = []

    def produce(self, topic: str, value: Any, key: Any = None, on_delivery: Any = None, **kw: Any) -> None:
        self.sent.append((topic, value, key))
        self.callbacks.append(on_delivery)

    def ack(self, n: int, error: Any = None) -> None:
        for cb in self.callbacks[:n]:
            cb(error, None)
        del self.callbacks[:n]

    def poll(self, timeout: float = 0) -> int:
        return 0

    def flush(self, timeout: float = 0) -> int:
        return len(self.callbacks)


class Conv:
    def from_connect_data(self, topic: str, schema: Any, value: Any, headers: Any = None) -> bytes | None:
        if value == "bad":
            raise ValueError("cannot convert")
        return None if value is None else str(value).encode()


class Listener:
    def __getattr__(self, name: str) -> Any:
        return lambda *a: None


class Task(SourceTask):
    committed = 0

    def start(self, props: dict[str, str]) -> None: ...
    def poll(self) -> list[SourceRecord] | None: return None
    def stop(self) -> None: ...
    def commit(self) -> None: Task.committed += 1


def _records(values: list[str], start: int = 0) -> list[SourceRecord]:
    return [SourceRecord({"f": "x"}, {"pos": start + i + 1}, "t", None, None, None, None, v)
            for i, v in enumerate(values)]


def _runner(store: MemoryOffsetStore, producer: FakeProducer, tolerate: bool = False) -> WorkerSourceTask:
    runner = WorkerSourceTask("c", 0, Task(), {}, Listener(), "STARTED", producer_factory=lambda: producer,
                              key_converter=Conv(), value_converter=Conv(), header_converter=None, transforms=None,
                              offset_store=store, flush_interval_ms=1000, flush_timeout_ms=100,
                              error_handling=(tolerate, False))
    runner.initialize()
    return runner


def test_offsets_follow_acks_batch_by_batch() -> None:
    store, producer = MemoryOffsetStore(), FakeProducer()
    runner = _runner(store, producer)
    runner._send(_records(["a", "b"]))
    runner._send(_records(["c"], start=2))
    assert [v for _, v, _ in producer.sent] == [b"a", b"b", b"c"]
    runner.commit_offsets()
    assert store.get("c", [{"f": "x"}]) == [None]  # nothing acked yet
    producer.ack(1)
    runner.commit_offsets()
    assert store.get("c", [{"f": "x"}]) == [None]  # first batch only half acked
    producer.ack(1)
    runner.commit_offsets()
    assert store.get("c", [{"f": "x"}]) == [{"pos": 2}]
    producer.ack(1)
    committed = Task.committed
    runner.commit_offsets()
    assert store.get("c", [{"f": "x"}]) == [{"pos": 3}] and Task.committed == committed + 1


def test_failed_send_fails_the_task_and_keeps_offsets() -> None:
    store, producer = MemoryOffsetStore(), FakeProducer()
    runner = _runner(store, producer)
    runner._send(_records(["a"]))
    producer.ack(1, error="MSG_SIZE_TOO_LARGE")
    with pytest.raises(ConnectError, match="MSG_SIZE_TOO_LARGE"):
        runner._check_errors()
    runner.commit_offsets()
    assert store.get("c", [{"f": "x"}]) == [None]


def test_conversion_errors_fail_or_are_tolerated() -> None:
    store, producer = MemoryOffsetStore(), FakeProducer()
    with pytest.raises(ConnectError, match="Tolerance exceeded"):
        _runner(store, producer)._send(_records(["bad"]))
    producer = FakeProducer()
    runner = _runner(store, producer, tolerate=True)
    runner._send(_records(["a", "bad", "c"]))
    assert [v for _, v, _ in producer.sent] == [b"a", b"c"] and runner.records_skipped == 1
    producer.ack(2)
    runner.commit_offsets()
    assert store.get("c", [{"f": "x"}]) == [{"pos": 3}]
