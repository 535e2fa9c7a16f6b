"""WorkerSourceTask: poll → transforms → converters → producer; offsets committed after the acks."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from kcli.connect.api.context import SourceTaskContext
from kcli.connect.api.records import RecordMetadata, SourceRecord
from kcli.connect.api.task import SourceTask
from kcli.connect.errors import ConnectError
from kcli.connect.runtime.task_base import PipelineTask, TaskStatusListener
from kcli.connect.storage.offset_store import OffsetStore, StoreOffsetReader, canonical

if TYPE_CHECKING:
    from confluent_kafka import KafkaError, Message, Producer

    from kcli.clients.records import KafkaRecord
    from kcli.connect.api.data import Schema
    from kcli.connect.converters.base import Converter, HeaderConverter
    from kcli.connect.runtime.topic_creation import TopicCreator
    from kcli.connect.runtime.transformation_chain import TransformationChain

# The offsets to commit: {canonical source partition: (source partition, source offset)}.
Offsets: TypeAlias = "dict[str, tuple[dict[str, Any], dict[str, Any] | None]]"
DeliveryCallback: TypeAlias = "Callable[[KafkaError | None, Message], None]"
RecordConverter: TypeAlias = "Callable[[str, Schema | None, Any], bytes | None]"

log = logging.getLogger(__name__)


class _Context(SourceTaskContext):
    def __init__(self, config: dict[str, str], reader: StoreOffsetReader) -> None:
        self._config = config
        self._reader = reader

    def configs(self) -> dict[str, str]:
        return dict(self._config)

    @property
    def offset_storage_reader(self) -> StoreOffsetReader:
        return self._reader


class _Batch:
    """The records of one poll() that were handed to the producer, and how many are still unacked."""

    __slots__ = ("remaining", "offsets", "error", "ack")

    def __init__(self, count: int, offsets: Offsets) -> None:
        self.remaining = count
        self.offsets = offsets
        self.error: KafkaError | None = None
        self.ack = self._ack

    def _ack(self, err: KafkaError | None, msg: Message) -> None:
        if err is not None and self.error is None:
            self.error = err
        self.remaining -= 1


def fast_converter(converter: Converter) -> RecordConverter:
    """converter.from_connect_data, with a shortcut for kcli's StringConverter and str values (the
    FileStreamSource hot path): encoding the text directly skips the generic value-to-text dispatch."""
    convert = converter.from_connect_data
    cls = type(converter)
    if cls.__name__ != "StringConverter" or cls.__module__ != "kcli.connect.converters.string_converter":
        return convert
    encoding = getattr(converter, "encoding", None)
    if not isinstance(encoding, str):
        return convert

    def string_convert(topic: str, schema: Schema | None, value: Any) -> bytes | None:
        if type(value) is str:
            try:
                return value.encode(encoding)
            except UnicodeEncodeError:
                pass
        return convert(topic, schema, value)

    return string_convert


class WorkerSourceTask(PipelineTask):
    """Runs a SourceTask (Apache's WorkerSourceTask, without exactly-once)."""

    task: SourceTask

    def __init__(self, connector: str, task_id: int, task: SourceTask, task_config: dict[str, str],
                 listener: TaskStatusListener, target_state: str, *, producer_factory: Callable[[], Producer],
                 key_converter: Converter, value_converter: Converter, header_converter: HeaderConverter | None,
                 transforms: TransformationChain | None,
                 offset_store: OffsetStore, flush_interval_ms: int, flush_timeout_ms: int,
                 topic_tracking: bool = True, error_handling: tuple[bool, bool] = (False, False),
                 topic_creator: TopicCreator | None = None) -> None:
        super().__init__(connector, task_id, task, task_config, listener, target_state, key_converter=key_converter,
                         value_converter=value_converter, header_converter=header_converter, transforms=transforms,
                         flush_interval_ms=flush_interval_ms, flush_timeout_ms=flush_timeout_ms,
                         topic_tracking=topic_tracking, error_handling=error_handling)
        self._producer_factory = producer_factory
        self._producer: Producer | None = None
        self._offset_store = offset_store
        self._batches: deque[_Batch] = deque()
        self._pending: Offsets = {}  # acked offsets not yet written
        self._commit_lock = threading.Lock()
        self._wants_commit_record = type(task).commit_record is not SourceTask.commit_record
        self._key_convert = fast_converter(key_converter)
        self._value_convert = fast_converter(value_converter)
        self.records_sent = 0
        self._topic_creator = topic_creator

    @property
    def producer(self) -> Producer:
        """The task's producer, made by initialize()."""
        if self._producer is None:
            raise ConnectError(f"{self} has no producer before initialize()")
        return self._producer

    def initialize(self) -> None:
        self._producer = self._producer_factory()
        reader = StoreOffsetReader(self._offset_store, self.connector)
        self.task.initialize(_Context(self.task_config, reader))
        self.task.start(self.task_config)
        log.info("%s Source task finished initialization and start", self)

    # -- main loop -----------------------------------------------------------------------------
    def execute(self) -> None:
        next_commit = time.monotonic() + self._flush_interval
        producer = self.producer
        while not self.stopping:
            if self.paused:  # reached between two poll() calls: what the last one returned was sent first
                if not self.reported_paused:
                    self.report_paused()
                self.await_unpause(0.5)
                producer.poll(0)
            else:
                if self.reported_paused:
                    self.report_resumed()
                records = self.task.poll()
                if records:
                    self._send(records)
                producer.poll(0)
                self._check_errors()
            if time.monotonic() >= next_commit:
                self.commit_offsets()
                next_commit = time.monotonic() + self._flush_interval

    def _check_errors(self) -> None:
        for batch in self._batches:
            if batch.error is not None:
                raise ConnectError(f"Unrecoverable exception from producer send callback: {batch.error}")

    def _send(self, records: list[SourceRecord]) -> None:
        if self._transforms is not None:
            records = [r for r in (self._transforms.apply(r) for r in records) if r is not None]
            if not records:
                return
        offsets: Offsets = {}
        last_partition: dict[str, Any] | None = None
        canon = ""
        for r in records:  # the last offset of each source partition in this batch
            sp = r.source_partition
            if sp is not last_partition:
                last_partition = sp
                canon = canonical(sp) if sp is not None else ""
            if sp is not None:
                offsets[canon] = (sp, r.source_offset)
        topics = {r.topic for r in records}
        if self._topic_creator is not None:
            for topic in topics:
                self._topic_creator.ensure(topic)
        batch = _Batch(len(records), offsets)
        self._batches.append(batch)
        producer = self.producer
        produce = producer.produce
        poll = producer.poll
        key_conv = self._key_convert
        value_conv = self._value_convert
        ack = batch.ack
        per_record = self._wants_commit_record
        for r in records:
            topic = r.topic
            try:
                headers = self._convert_headers(r) if r.headers else None
                key = key_conv(topic, r.key_schema, r.key) if r.key is not None or r.key_schema is not None else None
                value = value_conv(topic, r.value_schema, r.value)
            except Exception as exc:
                if not self._tolerate:
                    raise ConnectError(f"Tolerance exceeded in error handler: converting a record for topic "
                                       f"{topic} failed: {exc}") from exc
                self.records_skipped += 1
                batch.remaining -= 1  # a skipped record needs no ack; its offset moves with the batch
                if self._log_errors:
                    log.error("%s Error converting a record for %s (skipped, errors.tolerance=all): %s", self,
                              topic, exc)
                continue
            callback = self._record_callback(batch, r) if per_record else ack
            partition, timestamp = r.partition, r.timestamp
            while True:
                try:
                    if partition is None and headers is None and timestamp is not None:
                        produce(topic, value, key, on_delivery=callback, timestamp=timestamp)  # the hot path
                    else:
                        kwargs: dict[str, Any] = {"on_delivery": callback}
                        if partition is not None:
                            kwargs["partition"] = partition
                        if timestamp is not None:
                            kwargs["timestamp"] = timestamp
                        if headers:
                            kwargs["headers"] = headers
                        produce(topic, value, key, **kwargs)
                    break
                except BufferError:
                    poll(0.05)
                    if self.stopping and batch.error is not None:
                        raise ConnectError(f"Unrecoverable exception from producer: {batch.error}") from None
        self.records_sent += len(records)
        self.track_topics(topics)

    def _record_callback(self, batch: _Batch, record: SourceRecord) -> DeliveryCallback:
        task = self.task

        def callback(err: KafkaError | None, msg: Message) -> None:
            batch.ack(err, msg)
            if err is None:
                acked = cast("KafkaRecord", msg)
                try:
                    task.commit_record(record, RecordMetadata(acked.topic(), acked.partition(), acked.offset(),
                                                              acked.timestamp()[1]))
                except Exception as exc:
                    log.warning("%s commit_record failed", self, exc_info=exc)
        return callback

    def _convert_headers(self, record: SourceRecord) -> list[tuple[str, bytes | None]]:
        conv = self._header_converter
        out = []
        for h in record.headers or ():
            data = conv.from_connect_header(record.topic, h.key, h.schema, h.value) if conv else None
            out.append((h.key, data))
        return out

    # -- offsets -------------------------------------------------------------------------------
    def _collect_acked(self) -> None:
        """Move offsets of fully acknowledged leading batches into the pending map."""
        batches = self._batches
        while batches and batches[0].remaining <= 0 and batches[0].error is None:
            self._pending.update(batches.popleft().offsets)

    def commit_offsets(self, wait: float = 0.0) -> bool:
        """Write the offsets of every acknowledged record (Apache's commitOffsets). True on success."""
        with self._commit_lock:
            producer = self._producer
            if producer is None:
                return True
            deadline = time.monotonic() + wait
            producer.poll(0)
            while wait and self._batches and time.monotonic() < deadline:
                producer.flush(min(0.1, max(0.0, deadline - time.monotonic())))
                self._collect_acked()
                if any(b.error is not None for b in self._batches):
                    break
            self._collect_acked()
            if not self._pending:
                return True
            pending, self._pending = self._pending, {}
            try:
                self._offset_store.set(self.connector, pending)
            except Exception as exc:
                log.error("%s Failed to commit offsets", self, exc_info=exc)
                for k, v in pending.items():
                    self._pending.setdefault(k, v)
                return False
            log.debug("%s Committed offsets for %d partition(s)", self, len(pending))
        try:
            self.task.commit()
        except Exception as exc:
            log.error("%s Exception thrown while calling task.commit()", self, exc_info=exc)
        return True

    def close(self) -> None:
        try:
            if self._producer is not None:
                self.commit_offsets(wait=self._flush_timeout)
        finally:
            self.stop_task()  # once poll() returned, on this thread (Apache's AbstractWorkerSourceTask.close)
            if self._producer is not None:
                remaining = self._producer.flush(self._flush_timeout)
                if remaining:
                    log.warning("%s %d records were not acknowledged before shutdown", self, remaining)
