"""kcli.console.bounds without a broker: --until parsing, where a batch is cut, when a bounded consume is done."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import Message, TopicPartition

from kcli.console.bounds import Bounds, Until, parse_until
from kcli.console.lookup import ConfluentLookup
from kcli.errors import UsageError


class FakeConsumer:
    """ListOffsets answers from a table of end offsets and per-partition record stamps; records pause calls."""

    def __init__(self, ends: dict[tuple[str, int], int], stamps: dict[tuple[str, int], list[int]] | None = None,
                 committed: dict[tuple[str, int], int] | None = None) -> None:
        self.ends, self.stamps, self._committed = ends, stamps or {}, committed or {}
        self.paused: list[tuple[str, int]] = []

    def offsets_for_times(self, tps: list[TopicPartition], timeout: float) -> list[TopicPartition]:
        out = []
        for tp in tps:
            key = (tp.topic, tp.partition)
            if tp.offset == -1:
                offset = self.ends[key]
            elif tp.offset == -2:
                offset = 0
            else:
                offset = next((i for i, ts in enumerate(self.stamps.get(key, [])) if ts >= tp.offset), -1)
            out.append(TopicPartition(tp.topic, tp.partition, offset))
        return out

    def pause(self, tps: list[TopicPartition]) -> None:
        self.paused.extend((tp.topic, tp.partition) for tp in tps)

    def assignment(self) -> list[TopicPartition]:
        return []

    def committed(self, tps: list[TopicPartition], timeout: float) -> list[TopicPartition]:
        return [TopicPartition(tp.topic, tp.partition, self._committed.get((tp.topic, tp.partition), -1001))
                for tp in tps]

    def position(self, tps: list[TopicPartition]) -> list[TopicPartition]:
        return [TopicPartition(tp.topic, tp.partition, -1001) for tp in tps]


def rec(partition: int, offset: int, ts: int = 0, topic: str = "t") -> Any:
    return Message(topic=topic, partition=partition, offset=offset, value=b"v", timestamp=(1, ts))


def offsets(batch: list[Any]) -> list[tuple[int, int]]:
    return [(m.partition(), m.offset()) for m in batch]


def test_parse_until() -> None:
    assert parse_until("42") == Until("offset", 42)
    assert parse_until(" 0 ") == Until("offset", 0)
    assert parse_until("@1700000000000") == Until("time", 1_700_000_000_000)
    assert parse_until("@2023-11-14T22:13:20Z") == Until("time", 1_700_000_000_000)
    for bad in ("-1", "x", "", "1.5", "@", "@soon", str(2**63)):
        with pytest.raises(UsageError):
            parse_until(bad)


def test_exit_at_end_cuts_the_batch_that_crosses_the_end() -> None:
    consumer = FakeConsumer({("t", 0): 5})
    bounds = Bounds(ConfluentLookup(consumer), consumer, True, None, topic="t")
    bounds.prepare([TopicPartition("t", 0, -2)])
    assert not bounds.complete
    assert offsets(bounds.cut([rec(0, 0), rec(0, 1)])) == [(0, 0), (0, 1)]
    assert not bounds.complete
    assert offsets(bounds.cut([rec(0, i) for i in range(2, 9)])) == [(0, 2), (0, 3), (0, 4)]
    assert bounds.complete and consumer.paused == [("t", 0)]


def test_several_partitions_end_one_by_one() -> None:
    consumer = FakeConsumer({("t", 0): 2, ("t", 1): 4, ("t", 2): 0})
    bounds = Bounds(ConfluentLookup(consumer), consumer, True, Until("offset", 3), topic="t")
    bounds.prepare([TopicPartition("t", p, 0) for p in range(3)])
    assert bounds.done == {("t", 2)}  # empty at start: done before any fetch
    batch = [rec(0, 0), rec(1, 0), rec(0, 1), rec(1, 1), rec(0, 2), rec(1, 2), rec(1, 3)]
    assert offsets(bounds.cut(batch)) == [(0, 0), (1, 0), (0, 1), (1, 1), (1, 2)]  # stops 2 and min(4, 3)
    assert bounds.complete


def test_until_time_resolved_at_start_or_on_the_first_later_stamp() -> None:
    consumer = FakeConsumer({("t", 0): 3, ("t", 1): 3}, stamps={("t", 0): [10, 20, 30], ("t", 1): [1, 2, 3]})
    bounds = Bounds(ConfluentLookup(consumer), consumer, False, Until("time", 25), topic="t")
    bounds.prepare([TopicPartition("t", 0, 0), TopicPartition("t", 1, 0)])
    assert bounds.stops == {("t", 0): 2} and bounds.pending == {("t", 1)}
    first = [rec(0, 0, 10), rec(1, 0, 1), rec(1, 1, 2), rec(1, 2, 3)]
    assert offsets(bounds.cut(first)) == offsets(first)
    later = [rec(0, 1, 20), rec(1, 3, 24), rec(0, 2, 30), rec(1, 4, 26), rec(1, 5, 5)]
    assert offsets(bounds.cut(later)) == [(0, 1), (1, 3)]
    assert bounds.stops[("t", 1)] == 4 and bounds.complete


def test_end_of_partition_counts_only_with_exit_at_end() -> None:
    eof = Message(topic="t", partition=0, offset=7)
    for exit_at_end in (True, False):
        consumer = FakeConsumer({("t", 0): 7})
        bounds = Bounds(ConfluentLookup(consumer), consumer, exit_at_end, Until("offset", 100), topic="t")
        bounds.prepare([TopicPartition("t", 0, 3)])
        bounds.end_of_partition(eof)
        assert bounds.complete is exit_at_end


def test_subscriptions_wait_for_the_assignment() -> None:
    consumer = FakeConsumer({("t", 0): 4, ("t", 1): 0}, committed={("t", 0): 4})
    bounds = Bounds(ConfluentLookup(consumer), consumer, True, None, reset="earliest", topic="t")
    bounds.know([("t", 0), ("t", 1)])
    assert not bounds.complete  # not assigned yet
    bounds.on_assign(consumer, [TopicPartition("t", 0), TopicPartition("t", 1)])
    assert bounds.complete  # committed at the end, the other partition empty
    bounds.on_revoke(consumer, [TopicPartition("t", 0), TopicPartition("t", 1)])
    assert not bounds.complete
    bounds.on_assign(consumer, [])
    assert bounds.complete  # -e: an empty assignment has nothing to read
    until_only = Bounds(ConfluentLookup(consumer), consumer, False, Until("offset", 3), topic="t")
    until_only.on_assign(consumer, [])
    assert not until_only.complete  # --until alone waits for partitions
