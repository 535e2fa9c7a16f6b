"""The task thread writes PAUSED and RUNNING itself, as Apache's WorkerTask does: PAUSED only once it no longer
hands records on (a poll()/put() under way when the pause came finishes first), RUNNING only once it processes
again, and a task created paused starts nothing until it is resumed. Stand-in clients, no broker."""

from __future__ import annotations

import threading
from typing import Any

from kcli.connect.api import SinkRecord, SinkTask, SourceRecord, SourceTask
from kcli.connect.converters.string_converter import StringConverter
from kcli.connect.runtime.sink_task import WorkerSinkTask
from kcli.connect.runtime.source_task import WorkerSourceTask
from kcli.connect.storage.offset_store import MemoryOffsetStore
from tests.helpers import wait_for


class Events:
    """The status listener: each call with what the fakes had seen by then (the order is the point)."""

    def __init__(self, seen: dict[str, Any]) -> None:
        self.seen = seen
        self.log: list[tuple[str, dict[str, Any]]] = []

    def _note(self, event: str) -> None:
        self.log.append((event, {k: (list(v) if isinstance(v, list) else v) for k, v in self.seen.items()}))

    def on_task_startup(self, connector: str, task: int) -> None: self._note("RUNNING")
    def on_task_pause(self, connector: str, task: int) -> None: self._note("PAUSED")
    def on_task_resume(self, connector: str, task: int) -> None: self._note("RESUMED")
    def on_task_failure(self, connector: str, task: int, trace: str) -> None: self._note("FAILED")
    def on_task_shutdown(self, connector: str, task: int) -> None: self._note("SHUTDOWN")
    def on_topic(self, connector: str, task: int, topic: str) -> None: ...

    def states(self) -> list[str]:
        return [e for e, _ in self.log]

    def at(self, event: str, nth: int = 0) -> dict[str, Any]:
        return [s for e, s in self.log if e == event][nth]


def _converter() -> StringConverter:
    conv = StringConverter()
    conv.configure({}, False)
    return conv


# -- source -------------------------------------------------------------------------------------
class Producer:
    def __init__(self, seen: dict[str, Any]) -> None:
        self.seen = seen
        seen["sent"] = []

    def produce(self, topic: str, value: Any, key: Any = None, on_delivery: Any = None, **kw: Any) -> None:
        self.seen["sent"].append(value)
        on_delivery(None, None)

    def poll(self, timeout: float = 0) -> int:
        return 0

    def flush(self, timeout: float = 0) -> int:
        return 0


class GatedSource(SourceTask):
    """poll() waits for the test to open its gate, then returns one record."""

    def __init__(self, seen: dict[str, Any]) -> None:
        self.seen = seen
        seen.update(polls=0, started=False, stopped=False, stop_thread=None, polling_at_stop=None)
        self.in_poll = threading.Event()
        self.gate = threading.Event()
        self.polling = False

    def start(self, props: dict[str, str]) -> None:
        self.seen["started"] = True

    def poll(self) -> list[SourceRecord] | None:
        self.polling = True
        self.seen["polls"] += 1
        self.in_poll.set()
        self.gate.wait()
        self.gate.clear()
        n = self.seen["polls"]
        self.polling = False
        return [SourceRecord({"p": 0}, {"n": n}, "t", None, None, None, None, f"r{n}")]

    def stop(self) -> None:
        self.seen.update(stopped=True, stop_thread=threading.current_thread().name, polling_at_stop=self.polling)


def _source(target: str) -> tuple[WorkerSourceTask, GatedSource, Events]:
    seen: dict[str, Any] = {}
    task, events = GatedSource(seen), Events(seen)
    producer = Producer(seen)
    runner = WorkerSourceTask("c", 0, task, {}, events, target, producer_factory=lambda: producer,
                              key_converter=_converter(), value_converter=_converter(), header_converter=None,
                              transforms=None, offset_store=MemoryOffsetStore(), flush_interval_ms=60_000,
                              flush_timeout_ms=100)
    return runner, task, events


def test_source_pause_during_poll_is_reported_after_its_records_were_sent() -> None:
    runner, task, events = _source("STARTED")
    runner.start()
    try:
        wait_for(lambda: task.in_poll.is_set(), timeout=10, message="the first poll()")
        task.in_poll.clear()
        runner.transition_to("PAUSED")
        assert events.states() == ["RUNNING"]  # poll() has not returned: the task still processes
        task.gate.set()
        wait_for(lambda: "PAUSED" in events.states(), timeout=10, message="PAUSED")
        assert events.at("PAUSED")["sent"] == [b"r1"] and events.at("PAUSED")["polls"] == 1
        runner.transition_to("STARTED")
        wait_for(lambda: "RESUMED" in events.states(), timeout=10, message="RUNNING again")
        assert events.at("RESUMED")["polls"] == 1  # no poll() while paused; RUNNING before the next one
        wait_for(lambda: task.in_poll.is_set(), timeout=10, message="a poll() after the resume")
    finally:
        runner.stop()
        task.gate.set()
        assert runner.await_stop(10)
    assert events.states() == ["RUNNING", "PAUSED", "RESUMED", "SHUTDOWN"]


def test_a_source_task_is_stopped_by_its_own_thread_once_poll_returned() -> None:
    """Apache's AbstractWorkerSourceTask.stop() only flags the task; SourceTask.stop() comes from close(), on the
    task thread, after the poll() under way returned (a poll() that never returns is given up: cancel())."""
    runner, task, events = _source("STARTED")
    runner.start()
    wait_for(lambda: task.in_poll.is_set(), timeout=10, message="the first poll()")
    runner.stop()
    assert not runner.await_stop(0.3) and task.seen["stopped"] is False  # poll() still blocked: no stop() yet
    task.gate.set()
    assert runner.await_stop(10)
    assert task.seen["stop_thread"] == "task-thread-c-0" and task.seen["polling_at_stop"] is False
    assert events.states() == ["RUNNING", "SHUTDOWN"]


def test_a_cancelled_task_writes_no_more_status() -> None:
    runner, task, events = _source("STARTED")
    runner.start()
    wait_for(lambda: task.in_poll.is_set(), timeout=10, message="the first poll()")
    runner.stop()
    runner.cancel()  # what Worker.stop_and_await_tasks does once the graceful timeout is over
    task.gate.set()
    assert runner.await_stop(10)
    assert events.states() == ["RUNNING"] and task.seen["stopped"] is True


def test_a_task_created_paused_starts_nothing_until_resumed() -> None:
    runner, task, events = _source("PAUSED")
    runner.start()
    try:
        wait_for(lambda: events.states() == ["PAUSED"], timeout=10, message="PAUSED")
        assert events.at("PAUSED")["started"] is False and runner._producer is None
        runner.transition_to("STARTED")
        wait_for(lambda: task.in_poll.is_set(), timeout=10, message="the first poll()")
        assert events.states() == ["PAUSED", "RUNNING"] and events.at("RUNNING")["started"] is True
    finally:
        runner.stop()
        task.gate.set()
        assert runner.await_stop(10)


def test_a_task_stopped_while_created_paused_never_starts_or_stops_its_task() -> None:
    runner, task, events = _source("PAUSED")
    runner.start()
    wait_for(lambda: events.states() == ["PAUSED"], timeout=10, message="PAUSED")
    runner.stop()
    assert runner.await_stop(10)
    assert events.states() == ["PAUSED", "SHUTDOWN"]
    assert task.seen["started"] is False and task.seen["stopped"] is False  # Apache: stop() only after start()


def test_a_failed_task_is_not_reported_paused() -> None:
    class Failing(GatedSource):
        def poll(self) -> list[SourceRecord] | None:
            raise RuntimeError("the source is gone")

    seen: dict[str, Any] = {}
    events = Events(seen)
    producer = Producer(seen)
    runner = WorkerSourceTask("c", 0, Failing(seen), {}, events, "STARTED", producer_factory=lambda: producer,
                              key_converter=_converter(), value_converter=_converter(), header_converter=None,
                              transforms=None, offset_store=MemoryOffsetStore(), flush_interval_ms=60_000,
                              flush_timeout_ms=100)
    runner.start()
    assert runner.await_stop(10)
    runner.transition_to("PAUSED")
    runner.transition_to("STARTED")
    assert events.states() == ["RUNNING", "FAILED"]


# -- sink ---------------------------------------------------------------------------------------
class Message:
    def __init__(self, offset: int) -> None:
        self._offset = offset

    def error(self) -> None: return None
    def topic(self) -> str: return "t"
    def partition(self) -> int: return 0
    def offset(self) -> int: return self._offset
    def key(self) -> None: return None
    def value(self) -> bytes: return f"v{self._offset}".encode()
    def timestamp(self) -> tuple[int, int]: return (1, 1000)
    def headers(self) -> None: return None


class Consumer:
    """One partition t-0 with an endless supply of records, handed out only while it is not paused."""

    def __init__(self, seen: dict[str, Any]) -> None:
        self.seen = seen
        seen.update(consumed=0, paused=False, commits=[])
        self._on_assign: Any = None

    def subscribe(self, topics: list[str], on_assign: Any = None, **kw: Any) -> None:
        self._on_assign = on_assign

    def consume(self, n: int, timeout: float) -> list[Message]:
        from confluent_kafka import TopicPartition as KTP

        if self._on_assign is not None:
            assign, self._on_assign = self._on_assign, None
            assign(self, [KTP("t", 0)])
        if self.seen["paused"]:
            threading.Event().wait(min(timeout, 0.05))
            return []
        first = self.seen["consumed"]
        self.seen["consumed"] += 2
        return [Message(first), Message(first + 1)]

    def pause(self, parts: list[Any]) -> None:
        self.seen["paused"] = True

    def resume(self, parts: list[Any]) -> None:
        self.seen["paused"] = False

    def commit(self, offsets: list[Any], asynchronous: bool) -> None:
        self.seen["commits"].append(offsets[0].offset)

    def close(self) -> None: ...


class GatedSink(SinkTask):
    """put() records each batch, then (when the test asks) waits for its gate."""

    def __init__(self, seen: dict[str, Any]) -> None:
        self.seen = seen
        seen["put"] = []
        self.hold = False
        self.in_put = threading.Event()
        self.gate = threading.Event()

    def start(self, props: dict[str, str]) -> None: ...
    def stop(self) -> None: ...

    def put(self, records: list[SinkRecord]) -> None:
        self.seen["put"].extend(r.value for r in records)
        if self.hold:
            self.in_put.set()
            self.gate.wait(10)


def test_sink_pause_during_put_is_reported_once_put_returned_and_the_consumer_paused() -> None:
    seen: dict[str, Any] = {}
    task, events, consumer = GatedSink(seen), Events(seen), Consumer(seen)
    runner = WorkerSinkTask("c", 0, task, {"topics": "t"}, events, "STARTED", consumer_factory=lambda: consumer,
                            key_converter=_converter(), value_converter=_converter(), header_converter=None,
                            transforms=None, flush_interval_ms=60_000, flush_timeout_ms=100)
    runner.start()
    try:
        wait_for(lambda: len(seen["put"]) >= 4, timeout=10, message="records put")
        task.hold = True
        wait_for(lambda: task.in_put.is_set(), timeout=10, message="a put() that blocks")
        runner.transition_to("PAUSED")
        assert "PAUSED" not in events.states()  # put() has not returned
        task.hold = False
        task.gate.set()
        wait_for(lambda: "PAUSED" in events.states(), timeout=10, message="PAUSED")
        at_pause = events.at("PAUSED")
        assert at_pause["paused"] is True and at_pause["put"] == seen["put"]  # nothing put after the pause
        # the pause asks for a commit of what was put (Apache's requestCommit after onPause)
        wait_for(lambda: seen["commits"] and seen["commits"][-1] == len(at_pause["put"]), timeout=10,
                 message="the commit after the pause")
        assert seen["put"] == at_pause["put"]
        runner.transition_to("STARTED")
        wait_for(lambda: "RESUMED" in events.states(), timeout=10, message="RUNNING again")
        assert events.at("RESUMED")["paused"] is False and events.at("RESUMED")["put"] == at_pause["put"]
        wait_for(lambda: len(seen["put"]) > len(at_pause["put"]), timeout=10, message="records after the resume")
    finally:
        runner.stop()
        assert runner.await_stop(10)
    assert events.states() == ["RUNNING", "PAUSED", "RESUMED", "SHUTDOWN"]
