"""WorkerSinkTask: consumer (group connect-<name>) → converters → put → flush/pre_commit → commit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, cast

from kcli.connect.api.context import SinkTaskContext
from kcli.connect.api.records import Header, SinkRecord, TopicPartition
from kcli.connect.api.task import RetriableException, SinkTask
from kcli.connect.errors import ConnectError
from kcli.connect.runtime.task_base import PipelineTask, TaskStatusListener

if TYPE_CHECKING:
    from confluent_kafka import Consumer, Message
    from confluent_kafka import TopicPartition as KafkaTopicPartition

    from kcli.clients.records import KafkaRecord
    from kcli.connect.converters.base import Converter, HeaderConverter
    from kcli.connect.runtime.dlq import DeadLetterQueue
    from kcli.connect.runtime.transformation_chain import TransformationChain

log = logging.getLogger(__name__)

TIMESTAMP_TYPES = {0: "NoTimestampType", 1: "CreateTime", 2: "LogAppendTime"}


class _Context(SinkTaskContext):
    def __init__(self, runner: WorkerSinkTask) -> None:
        self._runner = runner

    def configs(self) -> dict[str, str]:
        return dict(self._runner.task_config)

    def offset(self, offsets: dict[TopicPartition, int] | TopicPartition, offset: int | None = None) -> None:
        if isinstance(offsets, TopicPartition):
            offsets = {offsets: int(offset or 0)}
        self._runner.rewinds.update(offsets)

    def timeout(self, ms: int) -> None:
        self._runner.retry_timeout = ms / 1000.0

    def assignment(self) -> set[TopicPartition]:
        return set(self._runner.assignment)

    def pause(self, *partitions: TopicPartition) -> None:
        self._runner.pause_partitions(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self._runner.resume_partitions(partitions)

    def request_commit(self) -> None:
        self._runner.commit_requested = True


class StageError(Exception):
    """A failure in one stage of record processing (for errors.tolerance and the DLQ context headers)."""

    def __init__(self, stage: str, plugin: object, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.stage = stage
        self.plugin = plugin
        self.cause = cause

    @property
    def class_name(self) -> str:
        from kcli.connect.plugins import apache_name

        return apache_name(type(self.plugin)) if self.plugin is not None else ""


def topic_regex(java_regex: str) -> str:
    """librdkafka subscribes by regex when the name starts with '^'; Java matches the whole name."""
    body = java_regex[1:] if java_regex.startswith("^") else java_regex
    return "^" + body + ("" if body.endswith("$") else "$")


class WorkerSinkTask(PipelineTask):
    """Runs a SinkTask; offsets are committed only for records the task has flushed."""

    task: SinkTask

    def __init__(self, connector: str, task_id: int, task: SinkTask, task_config: dict[str, str],
                 listener: TaskStatusListener, target_state: str, *, consumer_factory: Callable[[], Consumer],
                 key_converter: Converter, value_converter: Converter, header_converter: HeaderConverter | None,
                 transforms: TransformationChain | None,
                 flush_interval_ms: int, flush_timeout_ms: int, max_poll_records: int = 500,
                 topic_tracking: bool = True, error_handling: tuple[bool, bool] = (False, False),
                 dlq: DeadLetterQueue | None = None) -> None:
        super().__init__(connector, task_id, task, task_config, listener, target_state, key_converter=key_converter,
                         value_converter=value_converter, header_converter=header_converter, transforms=transforms,
                         flush_interval_ms=flush_interval_ms, flush_timeout_ms=flush_timeout_ms,
                         topic_tracking=topic_tracking, error_handling=error_handling)
        self._consumer_factory = consumer_factory
        self._consumer: Consumer | None = None
        self._max_poll = max_poll_records
        self.assignment: set[TopicPartition] = set()
        self.current: dict[TopicPartition, int] = {}  # offset after the last record handed to put()
        self.committed: dict[TopicPartition, int] = {}
        self.rewinds: dict[TopicPartition, int] = {}
        self.retry_timeout = 0.0
        self.commit_requested = False
        self._paused_parts: set[TopicPartition] = set()
        self._consumer_paused = False
        self.records_put = 0
        self._closed = False
        self._warned: set[int] = set()
        self._dlq = dlq

    def initialize(self) -> None:
        topics = [t.strip() for t in self.task_config.get("topics", "").split(",") if t.strip()]
        regex = self.task_config.get("topics.regex", "").strip()
        if not topics and not regex:
            raise ConnectError("Must configure one of topics or topics.regex")
        self._consumer = self._consumer_factory()
        self.task.initialize(_Context(self))
        self.task.start(self.task_config)
        self._consumer.subscribe(topics or [topic_regex(regex)], on_assign=self._on_assign,
                                 on_revoke=self._on_revoke, on_lost=self._on_revoke)
        log.info("%s Sink task finished initialization and start", self)

    @property
    def consumer(self) -> Consumer:
        """The task's consumer, made by initialize() before the task can call back."""
        if self._consumer is None:
            raise ConnectError(f"{self} has no consumer before initialize()")
        return self._consumer

    # -- rebalance callbacks (run inside consumer.consume) ---------------------------------------
    def _on_assign(self, consumer: Consumer, partitions: list[KafkaTopicPartition]) -> None:
        tps = [TopicPartition(p.topic, p.partition) for p in partitions]
        self.assignment.update(tps)
        log.info("%s Partitions assigned: %s", self, ", ".join(f"{t}-{p}" for t, p in tps))
        self.task.open(tps)
        self.track_topics(tp.topic for tp in tps)
        if self.paused:
            consumer.pause(partitions)

    def _on_revoke(self, consumer: Consumer, partitions: list[KafkaTopicPartition]) -> None:
        if self._closed:
            return
        tps = [TopicPartition(p.topic, p.partition) for p in partitions]
        self._commit(sync=True, only=set(tps))
        self.task.close(tps)
        for tp in tps:
            self.assignment.discard(tp)
            self.current.pop(tp, None)
            self.committed.pop(tp, None)

    # -- pause / resume of partitions ----------------------------------------------------------
    def _kafka_tps(self, tps: Iterable[TopicPartition]) -> list[KafkaTopicPartition]:
        from confluent_kafka import TopicPartition as KTP

        return [KTP(t.topic, t.partition) for t in tps]

    def pause_partitions(self, tps: Collection[TopicPartition]) -> None:
        self._paused_parts.update(tps)
        self.consumer.pause(self._kafka_tps(tps))

    def resume_partitions(self, tps: Collection[TopicPartition]) -> None:
        self._paused_parts.difference_update(tps)
        if not self.paused:
            self.consumer.resume(self._kafka_tps(tps))

    # -- main loop -----------------------------------------------------------------------------
    def execute(self) -> None:
        consumer = self.consumer
        next_commit = time.monotonic() + self._flush_interval
        while not self.stopping:
            paused = self.paused
            if paused != self._consumer_paused:
                self._follow_target(consumer, paused)
            if self.rewinds:
                self._apply_rewinds()
            msgs = consumer.consume(self._max_poll, 0.5)
            if msgs:
                self._deliver(cast("list[KafkaRecord]", [m for m in msgs if not self._check(m)]))
            if self.commit_requested or time.monotonic() >= next_commit:
                self.commit_requested = False
                self._commit(sync=False)
                next_commit = time.monotonic() + self._flush_interval

    def _follow_target(self, consumer: Consumer, paused: bool) -> None:
        """Pause (or resume) the consumer's partitions, then report it: PAUSED once no record can reach put()
        any more, RUNNING once the partitions the task did not pause itself fetch again. A pause asks for
        the commit of what put() already has (Apache's iteration on a wakeup)."""
        parts = self._kafka_tps(self.assignment if paused else self.assignment - self._paused_parts)
        if parts:
            (consumer.pause if paused else consumer.resume)(parts)
        self._consumer_paused = paused
        if paused:
            self.report_paused()
            self.commit_requested = True
        else:
            self.report_resumed()

    def _check(self, msg: Message) -> bool:
        err = msg.error()
        if err is None:
            return False
        if err.code() == -191:  # _PARTITION_EOF
            return True
        if err.fatal():
            raise ConnectError(f"Consumer error: {err.str()}")
        if err.code() not in self._warned:
            self._warned.add(err.code())
            log.warning("%s Consumer error: %s", self, err.str())
        return True

    def _apply_rewinds(self) -> None:
        from confluent_kafka import TopicPartition as KTP

        rewinds, self.rewinds = self.rewinds, {}
        for tp, off in rewinds.items():
            if tp in self.assignment:
                self.consumer.seek(KTP(tp.topic, tp.partition, off))
                self.current[tp] = off

    def _convert(self, msg: KafkaRecord) -> SinkRecord:
        topic = msg.topic()
        plugin: Converter | HeaderConverter | None  # the one a StageError names
        stage, plugin = "KEY_CONVERTER", self._key_converter
        try:
            key = self._key_converter.to_connect_data(topic, msg.key())
            stage, plugin = "VALUE_CONVERTER", self._value_converter
            value = self._value_converter.to_connect_data(topic, msg.value())
            ts_type, ts = msg.timestamp()
            headers = None
            raw_headers = msg.headers()
            if raw_headers:
                stage, plugin = "HEADER_CONVERTER", self._header_converter
                conv = self._header_converter
                headers = []
                for hk, hv in raw_headers:
                    sv = conv.to_connect_header(topic, hk, hv) if conv else None
                    headers.append(Header(hk, getattr(sv, "schema", None), getattr(sv, "value", hv)))
        except Exception as exc:
            raise StageError(stage, plugin, exc) from exc
        return SinkRecord(topic, msg.partition(), key.schema, key.value, value.schema, value.value, msg.offset(),
                          ts if ts_type else None, TIMESTAMP_TYPES.get(ts_type, "NoTimestampType"), headers)

    def _convert_and_transform(self, msg: KafkaRecord) -> SinkRecord | None:
        record = self._convert(msg)
        if self._transforms is None:
            return record
        try:
            return self._transforms.apply(record)
        except Exception as exc:
            raise StageError("TRANSFORMATION", None, exc) from exc

    def _convert_tolerant(self, msg: KafkaRecord) -> SinkRecord | None:
        try:
            return self._convert_and_transform(msg)
        except StageError as err:  # errors.tolerance=all: skip the record (and report it to the DLQ)
            self.records_skipped += 1
            if self._log_errors:
                log.error("%s Error in stage %s for the record at %s-%d@%d (skipped, errors.tolerance=all): %s",
                          self, err.stage, msg.topic(), msg.partition(), msg.offset(), err.cause)
            if self._dlq is not None:
                self._dlq.report(msg, err.stage, err.class_name, err.cause)
            return None

    def _deliver(self, msgs: list[KafkaRecord]) -> None:
        if not msgs:
            return
        if self._tolerate:
            records = [r for r in (self._convert_tolerant(m) for m in msgs) if r is not None]
        else:
            records = []
            for m in msgs:
                try:
                    record = self._convert_and_transform(m)
                except StageError as exc:
                    if self._dlq is not None:  # as Apache: the failing record still reaches the DLQ first
                        self._dlq.report(m, exc.stage, exc.class_name, exc.cause)
                        self._dlq.flush(self._flush_timeout)
                    raise ConnectError(f"Tolerance exceeded in error handler: stage {exc.stage} failed for the "
                                       f"record at {m.topic()}-{m.partition()}@{m.offset()}: {exc}") from exc.cause
                if record is not None:
                    records.append(record)
        while True:
            try:
                self.task.put(records)
                break
            except RetriableException as exc:
                log.warning("%s put() asked for a retry: %s", self, exc)
                if self.paused and not self._consumer_paused:  # no new records while it retries: PAUSED now
                    self._follow_target(self.consumer, True)
                wait = self.retry_timeout or 1.0
                self.retry_timeout = 0.0
                if self._stopping.wait(wait):
                    return
        for m in msgs:
            self.current[TopicPartition(m.topic(), m.partition())] = m.offset() + 1
        self.records_put += len(records)

    def _commit(self, sync: bool, only: set[TopicPartition] | None = None) -> None:
        current = {tp: o for tp, o in self.current.items() if only is None or tp in only}
        if not current:
            return
        try:
            offsets = self.task.pre_commit(dict(current))
        except Exception as exc:
            log.error("%s Offset commit failed, rewinding to last committed offsets", self, exc_info=exc)
            from confluent_kafka import TopicPartition as KTP

            for tp, off in self.committed.items():
                if only is None or tp in only:
                    self.consumer.seek(KTP(tp.topic, tp.partition, off))
                    self.current[tp] = off
            return
        if self._dlq is not None:
            self._dlq.flush(self._flush_timeout)  # errant records reach the DLQ before their offsets commit
        commit = {tp: o for tp, o in (offsets or {}).items()
                  if tp in current and o <= current[tp] and self.committed.get(tp) != o}
        if not commit:
            return
        from confluent_kafka import KafkaException
        from confluent_kafka import TopicPartition as KTP

        try:
            tps = [KTP(tp.topic, tp.partition, o) for tp, o in commit.items()]
            if sync:  # two calls: the stubs type `asynchronous` as Literal[True] or Literal[False], not bool
                self.consumer.commit(offsets=tps, asynchronous=False)
            else:
                self.consumer.commit(offsets=tps, asynchronous=True)
            self.committed.update(commit)
        except KafkaException as exc:
            log.warning("%s Offset commit failed: %s", self, exc)

    def close(self) -> None:
        try:
            if self._consumer is not None and self.assignment:
                self._commit(sync=True)
                self.task.close(sorted(self.assignment))
        finally:
            self._closed = True
            try:
                self.stop_task()
            finally:
                if self._consumer is not None:
                    self._consumer.close()
                if self._dlq is not None:
                    self._dlq.close(self._flush_timeout)
