"""The dead letter queue of sink connectors (errors.deadletterqueue.*): failed records, as consumed."""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING, Any

from kcli.connect.errors import ConnectError

if TYPE_CHECKING:
    from confluent_kafka import KafkaError, Message, Producer
    from confluent_kafka.admin import AdminClient

    from kcli.clients.records import KafkaRecord

log = logging.getLogger(__name__)

PREFIX = "__connect.errors."


def exception_class_name(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


class DeadLetterQueue:
    """Sends records that failed conversion/transformation to a topic (Apache's DeadLetterQueueReporter)."""

    def __init__(self, topic: str, connector: str, task_id: int, context_headers: bool, producer: Producer) -> None:
        self.topic = topic
        self.connector = connector
        self.task_id = task_id
        self.context_headers = context_headers
        self._producer = producer
        self.failed = 0

    @staticmethod
    def ensure_topic(admin: AdminClient, topic: str, replication_factor: int) -> None:
        """Create the DLQ topic (1 partition) when it does not exist, as Apache's worker does."""
        from confluent_kafka.admin import NewTopic

        if topic in admin.list_topics(timeout=30).topics:
            return
        future = admin.create_topics([NewTopic(topic, 1, replication_factor)])[topic]
        try:
            future.result(30)
        except Exception as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise ConnectError(f"Could not initialize dead letter queue with topic={topic}: {exc}") from exc

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            self.failed += 1
            log.error("Could not produce message to dead letter queue. topic=%s: %s", self.topic, err)

    def report(self, msg: KafkaRecord, stage: str, executing_class: str, exc: BaseException) -> None:
        headers = list(msg.headers() or [])
        if self.context_headers:
            def add(name: str, value: str | None) -> None:
                headers.append((PREFIX + name, value.encode("utf-8") if value is not None else None))

            add("topic", msg.topic())
            add("partition", str(msg.partition()))
            add("offset", str(msg.offset()))
            add("connector.name", self.connector)
            add("task.id", str(self.task_id))
            add("stage", stage)
            add("class.name", executing_class)
            add("exception.class.name", exception_class_name(exc))
            add("exception.message", str(exc))
            add("exception.stacktrace", "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        ts_type, ts = msg.timestamp()
        kwargs: dict[str, Any] = {"headers": headers, "on_delivery": self._on_delivery}
        if ts_type:
            kwargs["timestamp"] = ts
        while True:
            try:
                self._producer.produce(self.topic, msg.value(), msg.key(), **kwargs)
                break
            except BufferError:
                self._producer.poll(0.05)
        self._producer.poll(0)

    def flush(self, timeout: float) -> None:
        """Wait for every reported record to be acked (before the consumer commits past it)."""
        remaining = self._producer.flush(timeout)
        if remaining:
            raise ConnectError(f"{remaining} record(s) for the dead letter queue {self.topic} were not acknowledged "
                               f"within {timeout}s")

    def close(self, timeout: float) -> None:
        self._producer.flush(timeout)
