"""What the console consumer asks the broker before it reads: a topic's partitions and ListOffsets.

One interface (OffsetLookup) over the two clients the consumer can run on: confluent-kafka's Consumer
(ConfluentLookup) and the C consumer of kcli.native (NativeLookup), so where a consume starts and stops
is decided by the same code (kcli.console.positions, kcli.console.bounds) whichever loop reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from kcli.console.reach import Unanswered
from kcli.errors import kafka_reason

if TYPE_CHECKING:
    from confluent_kafka import Consumer

    from kcli.native._ext import Consumer as NativeConsumer

Key = tuple[str, int]  # (topic, partition)


class LookupFailed(Exception):
    """A ListOffsets request failed as a whole; the message is the client's reason."""


class OffsetLookup(Protocol):
    def partition_ids(self, topic: str, timeout: float) -> tuple[list[int], str | None]:
        """The topic's partitions, or ([], why not) when the broker does not have it; Unanswered(reason) when the
        broker did not answer in time."""
        ...

    def list_offsets(self, keys: Sequence[Key], timestamp: int, timeout: float) -> list[tuple[Key, int, str | None]]:
        """The offset of the first record stamped `timestamp` or later in each partition (-1: the end offset, -2:
        the start), with each partition's error; LookupFailed when the request failed."""
        ...

    def watermarks(self, key: Key, timeout: float) -> tuple[int, int]:
        """(low, high) of a partition; LookupFailed when the request failed."""
        ...


class ConfluentLookup:
    """OffsetLookup over a confluent-kafka Consumer."""

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer

    def partition_ids(self, topic: str, timeout: float) -> tuple[list[int], str | None]:
        from confluent_kafka import KafkaException

        try:
            meta = self.consumer.list_topics(topic, timeout=timeout)
        except KafkaException as exc:
            raise Unanswered(kafka_reason(exc)) from None
        info = meta.topics.get(topic)
        if info is None:
            return [], None
        if info.error is not None:
            return [], info.error.str()
        return sorted(info.partitions), None

    def list_offsets(self, keys: Sequence[Key], timestamp: int, timeout: float) -> list[tuple[Key, int, str | None]]:
        from confluent_kafka import KafkaException, TopicPartition

        try:
            found = self.consumer.offsets_for_times([TopicPartition(t, p, timestamp) for t, p in keys],
                                                    timeout=timeout)
        except KafkaException as exc:
            raise LookupFailed(kafka_reason(exc)) from None
        return [((tp.topic, tp.partition), tp.offset, None if tp.error is None else tp.error.str()) for tp in found]

    def watermarks(self, key: Key, timeout: float) -> tuple[int, int]:
        from confluent_kafka import KafkaException, TopicPartition

        try:
            low, high = self.consumer.get_watermark_offsets(TopicPartition(*key), timeout=timeout)
        except KafkaException as exc:
            raise LookupFailed(kafka_reason(exc)) from None
        return low, high


class NativeLookup:
    """OffsetLookup over the C consumer; its calls raise its NativeError with librdkafka's words."""

    def __init__(self, consumer: NativeConsumer) -> None:
        self.consumer = consumer

    @staticmethod
    def _ms(timeout: float) -> int:
        return max(1, round(timeout * 1000))

    def partition_ids(self, topic: str, timeout: float) -> tuple[list[int], str | None]:
        from kcli.native._ext import NativeError

        try:
            return self.consumer.partition_ids(topic, self._ms(timeout))
        except NativeError as exc:
            raise Unanswered(str(exc)) from None

    def list_offsets(self, keys: Sequence[Key], timestamp: int, timeout: float) -> list[tuple[Key, int, str | None]]:
        from kcli.native._ext import NativeError

        try:
            found = self.consumer.offsets_for_times([(t, p, timestamp) for t, p in keys], self._ms(timeout))
        except NativeError as exc:
            raise LookupFailed(str(exc)) from None
        return [((t, p), offset, error) for t, p, offset, error in found]

    def watermarks(self, key: Key, timeout: float) -> tuple[int, int]:
        from kcli.native._ext import NativeError

        try:
            return self.consumer.watermarks(key[0], key[1], self._ms(timeout))
        except NativeError as exc:
            raise LookupFailed(str(exc)) from None
