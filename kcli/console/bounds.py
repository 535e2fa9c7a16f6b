"""Where a bounded console consume stops: --exit-at-end (the end offsets seen at start) and --until OFFSET|@TIME.

Every stop is exclusive, as kcat's `-o e@TIME` and rpk's `-o START:END`: a partition's records are printed while
their offset is below its stop offset; `--until 100` prints offsets 0..99, `--until @T` the records before the
first one stamped T or later. With --exit-at-end a partition also ends at its end offset of the start (the last
stable offset under read_committed) or when the consumer reports it reached the end of the log.

The check works on whole batches (a few C-level passes, no Python code per record) and only looks at records one
by one in the one batch that crosses a stop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from kcli.console.positions import INT64_MAX, OFFSET_BEGINNING, OFFSET_END, parse_timestamp
from kcli.errors import KafkaOperationError, UsageError

if TYPE_CHECKING:
    from confluent_kafka import Consumer, Message, TopicPartition

    from kcli.console.lookup import OffsetLookup
    from kcli.console.positions import Start

Key = tuple[str, int]  # (topic, partition)
R = TypeVar("R")  # a record from the broker (a confluent_kafka Message whose error() is None)
NO_STOP = INT64_MAX
_SECOND = itemgetter(1)


@dataclass(frozen=True)
class Until:
    """kind: 'offset' (value: the first offset not printed) | 'time' (value: epoch ms, the first stamp not printed)."""

    kind: str
    value: int


def parse_until(text: str) -> Until:
    """Parse the --until argument: an offset N, or @TIMESTAMP (epoch ms or ISO-8601)."""
    value = text.strip()
    if value.startswith("@"):
        return Until("time", parse_timestamp(value[1:], "--until"))
    if re.fullmatch(r"\d+", value):
        offset = int(value)
        if offset > INT64_MAX:
            raise UsageError(f"--until {value}: {offset} is out of range (0 to {INT64_MAX}, a Java long)")
        return Until("offset", offset)
    raise UsageError(f"--until '{text}': expected an offset N (stop before it, in every partition) or @TIMESTAMP "
                     "(epoch ms or ISO-8601)")


class Bounds:
    """The stop offset of every partition and which partitions are done; see the module's docstring.

    Assigned partitions: call `prepare(starts)` before assign(). Subscriptions: `know(keys)` for the partitions
    that exist at start, then pass `on_assign`/`on_revoke` to subscribe(); the stops of partitions first seen
    in an assignment are looked up then.
    """

    def __init__(self, lookup: OffsetLookup, consumer: Consumer | None, exit_at_end: bool, until: Until | None,
                 reset: str = "latest", timeout: float = 10.0, topic: str | None = None) -> None:
        self.lookup = lookup  # ListOffsets for the stops
        self.consumer = consumer  # the confluent-kafka consumer the Python loop reads with (None for the C loop)
        self.topic = topic  # the one topic read, unless a pattern subscription
        self.exit_at_end = exit_at_end  # also: a partition-EOF event ends its partition
        self.until = until
        self.reset = reset  # auto.offset.reset, where a group without committed offsets starts
        self.timeout = timeout
        self.stops: dict[Key, int] = {}
        self.pending: set[Key] = set()  # --until @T and no record stamped T or later yet: watch the stamps
        self.done: set[Key] = set()
        self.owned: set[Key] = set()  # the partitions assigned to this consumer
        self.settled = False  # False while a subscription waits for its (next) assignment
        self.complete = False  # every owned partition is done: the loop ends
        self._paused: set[Key] = set()

    # -- stops --------------------------------------------------------------------------------------------------

    def _list_offsets(self, keys: Sequence[Key], timestamp: int) -> dict[Key, int]:
        """ListOffsets for a timestamp, or OFFSET_END (-1: the end) / OFFSET_BEGINNING (-2: the start)."""
        from kcli.console.lookup import LookupFailed

        if not keys:
            return {}
        try:
            found = self.lookup.list_offsets(keys, timestamp, self.timeout)
        except LookupFailed as exc:
            raise KafkaOperationError(f"cannot look up the end offsets: {exc}") from None
        out: dict[Key, int] = {}
        for (topic, partition), offset, error in found:
            if error is not None:
                raise KafkaOperationError(f"cannot look up the offsets of {topic}-{partition}: {error}")
            out[(topic, partition)] = offset
        return out

    def know(self, keys: Iterable[Key]) -> None:
        """Fix the stops of these partitions now (their end offsets at start, the offsets of --until @T)."""
        todo = [k for k in keys if k not in self.stops and k not in self.pending]
        if not todo:
            return
        ends = self._list_offsets(todo, OFFSET_END) if self.exit_at_end else {}
        at_time: dict[Key, int] = {}
        if self.until is not None and self.until.kind == "time":
            at_time = self._list_offsets(todo, self.until.value)
        for key in todo:
            stop = ends.get(key, NO_STOP)
            if self.until is not None:
                if self.until.kind == "offset":
                    stop = min(stop, self.until.value)
                elif at_time.get(key, -1) >= 0:
                    stop = min(stop, at_time[key])
                elif stop == NO_STOP:  # every record so far is older than T: the first newer one ends it
                    self.pending.add(key)
                    continue
            self.stops[key] = stop

    def _stop_of(self, key: Key) -> int | None:
        """The stop of a partition (looked up if it is new); None while it waits for a record stamped T."""
        stop = self.stops.get(key)
        if stop is None and key not in self.pending:
            self.know([key])
            stop = self.stops.get(key)
        return stop

    def _starts_done(self, starts: dict[Key, int]) -> None:
        """Mark done the partitions that start at or after their stop (nothing to print)."""
        logical = {OFFSET_BEGINNING: [k for k, o in starts.items() if o == OFFSET_BEGINNING],
                   OFFSET_END: [k for k, o in starts.items() if o == OFFSET_END]}
        for special, keys in logical.items():
            starts.update(self._list_offsets(keys, special))
        for key, start in starts.items():
            stop = self._stop_of(key)
            if stop is not None and 0 <= stop <= start:
                self._mark_done(key)

    def prepare(self, starts: Sequence[Start]) -> None:
        """Assigned partitions: fix the stops, note those with nothing to read."""
        keys = [(tp.topic, tp.partition) for tp in starts]
        self.know(keys)
        self.owned, self.settled = set(keys), True
        self._starts_done({(tp.topic, tp.partition): tp.offset for tp in starts})
        self._settle()

    # -- subscriptions ------------------------------------------------------------------------------------------

    def on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        from confluent_kafka import KafkaException

        keys = [(tp.topic, tp.partition) for tp in partitions]
        # Eager: the assignment is empty here and `partitions` is all of it; cooperative: they are added.
        self.owned = {(tp.topic, tp.partition) for tp in consumer.assignment()} | set(keys)
        self.settled = True
        self.know(keys)
        try:
            committed = consumer.committed(partitions, timeout=self.timeout)
        except KafkaException:
            committed = []  # fetching will tell: a record past the stop or the end of the log ends a partition
        reset = OFFSET_BEGINNING if self.reset in ("earliest", "smallest", "beginning") else OFFSET_END
        starts = {(tp.topic, tp.partition): tp.offset if tp.offset >= 0 else reset for tp in committed}
        self._starts_done(starts)
        self._settle()

    def on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        keys = {(tp.topic, tp.partition) for tp in partitions}
        self.owned -= keys
        self._paused -= keys
        self.settled = self.complete = False  # decided again once the assignment that follows arrives

    # -- the loop's calls ---------------------------------------------------------------------------------------

    def _settle(self) -> None:
        # An empty assignment ends --exit-at-end (nothing to read); --until alone waits for partitions.
        self.complete = self.settled and (bool(self.owned) or self.exit_at_end) and self.done >= self.owned

    def _mark_done(self, key: Key) -> None:
        self.done.add(key)
        self.pending.discard(key)
        self._settle()

    def _pause_done(self) -> None:
        """Stop fetching the partitions that are done (their records would only be cut)."""
        from confluent_kafka import KafkaException, TopicPartition

        fresh = (self.done & self.owned) - self._paused
        if fresh and self.consumer is not None:
            try:
                self.consumer.pause([TopicPartition(t, p) for t, p in fresh])
            except KafkaException:
                return  # an optimisation only
            self._paused |= fresh

    def cut(self, records: list[R]) -> list[R]:
        """The records of a batch that are before their partition's stop; notes the partitions it completes."""
        from confluent_kafka import Message

        msgs: list[Any] = records
        last = self._last_of_each(msgs)
        over = False
        stamps = False
        for key, m in last.items():
            stop = self._stop_of(key)
            if stop is None:
                stamps = True
                continue
            offset = m.offset()
            if offset >= stop - 1:
                over = over or offset >= stop
                if key not in self.done:
                    self._mark_done(key)
        if stamps and self.until is not None and max(map(_SECOND, map(Message.timestamp, msgs))) >= self.until.value:
            over = True
        if over:
            records = self._filter(records)
        if not self.done <= self._paused:
            self._pause_done()
        return records

    def _last_of_each(self, msgs: list[Any]) -> dict[Key, Any]:
        """The last record of each partition in the batch (offsets only grow within a partition), in C-level passes:
        one record for a single partition, about 25 ns a record for one topic, 75 for several."""
        from confluent_kafka import Message

        tail = msgs[-1]
        key = (tail.topic(), tail.partition())
        if len(self.owned) == 1 and key in self.owned:  # a consumer's batch holds only its current assignment
            return {key: tail}
        partition_of: Any = Message.partition  # set on every record from the broker (the stubs say optional)
        if self.topic is not None:
            topic = self.topic
            return {(topic, p): m for p, m in dict(zip(map(partition_of, msgs), msgs, strict=False)).items()}
        topic_of: Any = Message.topic
        return dict(zip(zip(map(topic_of, msgs), map(partition_of, msgs), strict=False), msgs, strict=False))

    def _filter(self, records: list[R]) -> list[R]:
        """One by one, for the batch that crosses a stop."""
        until = self.until.value if self.until is not None else NO_STOP
        msgs: list[Any] = records
        out: list[Any] = []
        for m in msgs:
            key = (m.topic(), m.partition())
            stop = self.stops.get(key)
            if stop is None:  # pending on a stamp
                if m.timestamp()[1] >= until:
                    self.stops[key] = m.offset()
                    self._mark_done(key)
                    continue
            elif m.offset() >= stop:
                continue
            out.append(m)
        return out

    def end_of_partition(self, event: Message) -> None:
        """A partition-EOF event: with --exit-at-end its partition is done."""
        if self.exit_at_end:
            topic = event.topic()
            partition = event.partition()
            if topic is not None and partition is not None:
                self._mark_done((topic, partition))

    def idle(self) -> None:
        """Nothing arrived: a partition whose position passed its stop (e.g. over transaction markers) is done."""
        from confluent_kafka import KafkaException, TopicPartition

        waiting = [k for k in self.owned if k not in self.done and k in self.stops]
        if not waiting or self.consumer is None:
            return
        try:
            where = self.consumer.position([TopicPartition(t, p) for t, p in waiting])
        except KafkaException:
            return
        for tp in where:
            key = (tp.topic, tp.partition)
            if tp.offset >= 0 and tp.offset >= self.stops[key]:
                self._mark_done(key)
