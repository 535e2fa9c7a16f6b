"""KafkaLog: one internal topic, read in full and followed (Apache's KafkaBasedLog).

A producer writes; a consumer assigned to every partition from the beginning hands each record
to a callback on the log's own thread (confluent-kafka consumers are used from one thread only);
`read_to_end` waits until the consumer has passed the end offsets the broker reported when it was
called. Internal topics are created compacted when missing, and an existing one that is not
compact-only stops the start with Apache's message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from kcli.connect.errors import ConnectError
from kcli.errors import ConfigError

if TYPE_CHECKING:
    from confluent_kafka import Consumer, KafkaError, Message, Producer
    from confluent_kafka.admin import AdminClient, TopicMetadata

    from kcli.clients.records import KafkaRecord

log = logging.getLogger(__name__)

RecordCallback = Callable[[bytes | None, bytes | None, int, int], None]  # key, value, partition, offset
LogFactory: TypeAlias = "Callable[[RecordCallback], KafkaLog]"  # builds a store's log around its callback


@dataclass
class TopicSpec:
    """How to create an internal topic when it is missing (and which worker key names it)."""

    name: str
    partitions: int
    replication_factor: int
    config_key: str  # e.g. "config.storage.topic", for messages
    purpose: str  # e.g. "connector configurations"
    configs: dict[str, str] = field(default_factory=dict)


def ensure_topic(admin: AdminClient, spec: TopicSpec, timeout: float = 30.0) -> int:
    """Create the topic compacted if it does not exist; check an existing one is compact-only.

    Returns the partition count. Raises ConfigError (bad cleanup.policy) or ConnectError."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import ConfigResource, NewTopic

    topic = spec.name
    md = _metadata(admin, topic, timeout)
    if md is None:
        configs = {**spec.configs, "cleanup.policy": "compact"}
        new = NewTopic(topic, num_partitions=spec.partitions, replication_factor=spec.replication_factor,
                       config=configs)
        try:
            admin.create_topics([new], request_timeout=timeout)[topic].result(timeout)
            log.info("Created topic (name=%s, numPartitions=%s, replicationFactor=%s, configs=%s)", topic,
                     spec.partitions, spec.replication_factor, configs)
        except KafkaException as exc:
            err = exc.args[0]
            if getattr(err, "name", lambda: "")() != "TOPIC_ALREADY_EXISTS":
                raise ConnectError(f"Unable to create topic(s) '{topic}': {err.str()} (key '{spec.config_key}')") \
                    from None
        deadline = time.monotonic() + timeout
        md = _metadata(admin, topic, timeout)
        while md is None and time.monotonic() < deadline:  # a new topic's metadata may lag its creation
            time.sleep(0.2)
            md = _metadata(admin, topic, timeout)
        if md is None:
            raise ConnectError(f"Topic '{topic}' was created but its metadata could not be read "
                               f"(key '{spec.config_key}')")
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    try:
        entries = admin.describe_configs([resource], request_timeout=timeout)[resource].result(timeout)
    except KafkaException as exc:
        log.info("Unable to use admin client to verify the cleanup policy of '%s' topic is 'compact': %s", topic, exc)
        return len(md.partitions)
    policy = entries.get("cleanup.policy")
    policies = {p.strip() for p in (policy.value or "").split(",") if p.strip()} if policy is not None else set()
    if policies != {"compact"}:
        found = ",".join(sorted(policies))
        raise ConfigError(
            f"Topic '{topic}' supplied via the '{spec.config_key}' property is required to have "
            f"'cleanup.policy=compact' to guarantee consistency and durability of {spec.purpose}, but found the topic "
            f"currently has 'cleanup.policy={found}'. Continuing would likely result in eventually losing "
            f"{spec.purpose} and problems restarting this Connect cluster in the future. Change the "
            f"'{spec.config_key}' property in the Connect worker configurations to use a topic with "
            "'cleanup.policy=compact'.")
    return len(md.partitions)


def _metadata(admin: AdminClient, topic: str, timeout: float) -> TopicMetadata | None:
    from confluent_kafka import KafkaException

    try:
        md = admin.list_topics(timeout=timeout)  # all topics: a request naming the topic could auto-create it
    except KafkaException as exc:
        raise ConnectError(f"Failed to describe topic '{topic}': {exc.args[0].str()}") from None
    t = md.topics.get(topic)
    if t is None or t.error is not None and t.error.name() == "UNKNOWN_TOPIC_OR_PART" or not t.partitions:
        return None
    if t.error is not None:
        raise ConnectError(f"Failed to describe topic '{topic}': {t.error.str()}")
    return t


class _Waiter:
    __slots__ = ("targets", "event")

    def __init__(self, targets: dict[int, int]) -> None:
        self.targets = targets
        self.event = threading.Event()


class KafkaLog:
    """A producer and a follow-from-the-beginning consumer on one topic, with read-to-end."""

    def __init__(self, topic: str, producer_config: Mapping[str, str], consumer_config: Mapping[str, str],
                 admin: AdminClient, on_record: RecordCallback, spec: TopicSpec | None = None) -> None:
        self.topic = topic
        self._producer_config = dict(producer_config)
        self._consumer_config = dict(consumer_config)
        self._admin = admin
        self._on_record = on_record
        self._spec = spec
        self._producer: Producer | None = None
        self._consumer: Consumer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._waiters: list[_Waiter] = []
        self._positions: dict[int, int] = {}
        self.partitions: list[int] = []
        self._error: BaseException | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        """Create/check the topic, start following it and read it to the end."""
        from confluent_kafka import OFFSET_BEGINNING
        from confluent_kafka import TopicPartition as KTP

        from kcli.connect.runtime.clients import new_consumer, new_producer

        if self._spec is not None:
            count = ensure_topic(self._admin, self._spec)
        else:
            md = _metadata(self._admin, self.topic, 30.0)
            if md is None:
                raise ConnectError(f"Topic '{self.topic}' does not exist")
            count = len(md.partitions)
        self.partitions = list(range(count))
        self._producer = new_producer(self._producer_config)
        self._consumer = new_consumer(self._consumer_config)
        self._consumer.assign([KTP(self.topic, p, OFFSET_BEGINNING) for p in self.partitions])
        self._thread = threading.Thread(target=self._run, name=f"KafkaBasedLog Work Thread - {self.topic}",
                                        daemon=True)
        self._thread.start()
        if not self.read_to_end(timeout):
            self.stop()
            raise ConnectError(f"Timed out reading the topic '{self.topic}' to its end")
        log.info("Finished reading KafkaBasedLog for topic %s", self.topic)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(15)
        if self._producer is not None:
            remaining = self._producer.flush(10)
            if remaining:
                log.warning("%d records to topic %s were not delivered before the producer closed", remaining,
                            self.topic)
        if self._consumer is not None:
            try:
                self._consumer.close()
            except Exception as exc:  # pragma: no cover - best effort on shutdown
                log.debug("Closing the consumer of %s: %s", self.topic, exc)
        self._producer = self._consumer = None
        with self._lock:
            for w in self._waiters:
                w.event.set()
            self._waiters.clear()

    # -- writing -----------------------------------------------------------------------------------
    def send(self, key: bytes | None, value: bytes | None, partition: int | None = None) -> Future[int]:
        """Produce one record; the Future resolves to its offset when the broker acknowledged it (or fails)."""
        future: Future[int] = Future()

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            if err is not None:
                future.set_exception(ConnectError(f"Failed to write to topic {self.topic}: {err.str()}"))
            else:
                future.set_result(cast("KafkaRecord", msg).offset())

        producer = self._producer
        if producer is None:
            future.set_exception(ConnectError(f"The log of topic {self.topic} is not running"))
            return future
        kwargs: dict[str, Any] = {"key": key, "value": value, "on_delivery": on_delivery}
        if partition is not None:
            kwargs["partition"] = partition
        while True:
            try:
                producer.produce(self.topic, **kwargs)
                break
            except BufferError:
                producer.poll(0.1)
        return future

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait for every record sent so far to be acknowledged; False on timeout."""
        producer = self._producer
        return producer is None or producer.flush(timeout) == 0

    # -- reading -----------------------------------------------------------------------------------
    def end_offsets(self, timeout: float = 30.0) -> dict[int, int]:
        """partition -> the offset after its last record, as the broker says now."""
        from confluent_kafka import TopicPartition as KTP
        from confluent_kafka.admin import OffsetSpec

        latest = self._admin.list_offsets({KTP(self.topic, p): OffsetSpec.latest() for p in self.partitions},
                                          request_timeout=timeout)
        earliest = self._admin.list_offsets({KTP(self.topic, p): OffsetSpec.earliest() for p in self.partitions},
                                            request_timeout=timeout)
        out = {}
        for tp, f in latest.items():
            end = f.result(timeout).offset
            start = earliest[tp].result(timeout).offset
            out[tp.partition] = end if end > start else 0  # an empty partition is read at once
        return out

    def read_to_end(self, timeout: float = 30.0) -> bool:
        """Block until every record that existed when called has been handed to the callback."""
        deadline = time.monotonic() + timeout
        while True:  # retriable right after a topic was created (no leader yet) or a broker moved
            try:
                targets = self.end_offsets(max(0.1, deadline - time.monotonic()))
                break
            except Exception as exc:
                if time.monotonic() + 0.2 >= deadline or self._stopping.is_set():
                    log.warning("Could not read the end offsets of %s: %s", self.topic, exc)
                    return False
                log.debug("Retrying to read the end offsets of %s: %s", self.topic, exc)
                time.sleep(0.2)
        targets = {p: o for p, o in targets.items() if o > 0}
        waiter = _Waiter(targets)
        with self._lock:
            if self._reached(targets):
                return True
            self._waiters.append(waiter)
        done = waiter.event.wait(max(0.0, deadline - time.monotonic()))
        with self._lock:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        if self._error is not None:
            raise ConnectError(f"The log of topic {self.topic} failed: {self._error}")
        return done and not self._stopping.is_set()

    def _reached(self, targets: dict[int, int]) -> bool:
        return all(self._positions.get(p, 0) >= o for p, o in targets.items())

    def _run(self) -> None:
        from confluent_kafka import TopicPartition as KTP

        consumer, producer = self._consumer, self._producer
        tps = [KTP(self.topic, p) for p in self.partitions]
        try:
            if consumer is None or producer is None:  # start() makes both before it starts this thread
                raise ConnectError(f"The log of topic {self.topic} is not running")
            while not self._stopping.is_set():
                msg = consumer.poll(0.05 if self._waiters else 0.25)
                batch = [msg] if msg is not None else []
                if msg is not None:
                    batch += consumer.consume(500, 0)
                for m in batch:
                    err = m.error()
                    if err is not None:
                        if err.code() != -191:  # _PARTITION_EOF
                            log.warning("Error reading topic %s: %s", self.topic, err.str())
                        continue
                    record = cast("KafkaRecord", m)
                    try:
                        self._on_record(record.key(), record.value(), record.partition(), record.offset())
                    except Exception:
                        log.exception("Unexpected error handling a record of topic %s", self.topic)
                    self._positions[record.partition()] = record.offset() + 1
                producer.poll(0)
                if self._waiters:
                    for tp in consumer.position(tps):
                        if tp.offset >= 0:
                            self._positions[tp.partition] = max(self._positions.get(tp.partition, 0), tp.offset)
                    with self._lock:
                        for w in list(self._waiters):
                            if self._reached(w.targets):
                                w.event.set()
                                self._waiters.remove(w)
        except BaseException as exc:  # pragma: no cover - the thread must not die silently
            log.exception("The work thread of KafkaBasedLog for %s stopped", self.topic)
            self._error = exc
            with self._lock:
                for w in self._waiters:
                    w.event.set()
