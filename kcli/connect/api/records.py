"""Connect records: what source tasks return from poll() and what sink tasks receive in put()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from kcli.connect.api.data import Schema


class TopicPartition(NamedTuple):
    """A Kafka topic partition, as sink tasks see their assignment."""

    topic: str
    partition: int


class Header(NamedTuple):
    """One record header: a key, a Connect schema (or None) and a value."""

    key: str
    schema: Schema | None
    value: Any


class ConnectRecord:
    """Fields common to source and sink records (Apache's ConnectRecord)."""

    __slots__ = ("topic", "partition", "key_schema", "key", "value_schema", "value", "timestamp", "headers")

    def __init__(self, topic: str, partition: int | None = None, key_schema: Schema | None = None, key: Any = None,
                 value_schema: Schema | None = None, value: Any = None, timestamp: int | None = None,
                 headers: list[Header] | None = None) -> None:
        self.topic = topic
        self.partition = partition
        self.key_schema = key_schema
        self.key = key
        self.value_schema = value_schema
        self.value = value
        self.timestamp = timestamp
        self.headers = headers

    @property
    def kafka_partition(self) -> int | None:
        return self.partition

    def add_header(self, key: str, value: Any, schema: Schema | None = None) -> None:
        if self.headers is None:
            self.headers = []
        self.headers.append(Header(key, schema, value))

    def _fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._fields() == other._fields()

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._fields().items() if v is not None)
        return f"{type(self).__name__}({inner})"


class SourceRecord(ConnectRecord):
    """A record read by a source task, with the source partition and offset it came from."""

    __slots__ = ("source_partition", "source_offset")

    def __init__(self, source_partition: dict[str, Any] | None, source_offset: dict[str, Any] | None,
                 topic: str, partition: int | None = None, key_schema: Schema | None = None, key: Any = None,
                 value_schema: Schema | None = None, value: Any = None, timestamp: int | None = None,
                 headers: list[Header] | None = None) -> None:
        super().__init__(topic, partition, key_schema, key, value_schema, value, timestamp, headers)
        self.source_partition = source_partition
        self.source_offset = source_offset

    def _fields(self) -> dict[str, Any]:
        out = super()._fields()
        out.update(source_partition=self.source_partition, source_offset=self.source_offset)
        return out

    def new_record(self, topic: str, partition: int | None, key_schema: Schema | None, key: Any,
                   value_schema: Schema | None, value: Any, timestamp: int | None,
                   headers: list[Header] | None = None) -> SourceRecord:
        """A copy with other fields, keeping the source partition/offset (used by transforms)."""
        return SourceRecord(self.source_partition, self.source_offset, topic, partition, key_schema, key,
                            value_schema, value, timestamp, self.headers if headers is None else headers)


class SinkRecord(ConnectRecord):
    """A record consumed from Kafka and handed to a sink task."""

    __slots__ = ("kafka_offset", "timestamp_type")

    partition: int  # a consumed record always has its partition

    def __init__(self, topic: str, partition: int, key_schema: Schema | None, key: Any,
                 value_schema: Schema | None, value: Any, kafka_offset: int, timestamp: int | None = None,
                 timestamp_type: str = "NoTimestampType", headers: list[Header] | None = None) -> None:
        super().__init__(topic, partition, key_schema, key, value_schema, value, timestamp, headers)
        self.kafka_offset = kafka_offset
        self.timestamp_type = timestamp_type

    def _fields(self) -> dict[str, Any]:
        out = super()._fields()
        out.update(kafka_offset=self.kafka_offset, timestamp_type=self.timestamp_type)
        return out

    def new_record(self, topic: str, partition: int | None, key_schema: Schema | None, key: Any,
                   value_schema: Schema | None, value: Any, timestamp: int | None,
                   headers: list[Header] | None = None) -> SinkRecord:
        return SinkRecord(topic, partition if partition is not None else self.partition, key_schema, key,
                          value_schema, value, self.kafka_offset, timestamp, self.timestamp_type,
                          self.headers if headers is None else headers)


class RecordMetadata(NamedTuple):
    """What the broker acknowledged for a source record (passed to SourceTask.commit_record)."""

    topic: str
    partition: int
    offset: int
    timestamp: int | None
