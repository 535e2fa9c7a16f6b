"""The console producer's transport: lines in, records out, every record acked or reported."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from confluent_kafka import KafkaException

from kcli.console import envelope
from kcli.console.produce_report import Tally, report_failure
from kcli.console.reader import LineError, LineReader
from kcli.errors import kafka_reason

if TYPE_CHECKING:
    from confluent_kafka import KafkaError, Message, Producer

FLUSH_STEP = 0.5  # seconds per flush() call, so Ctrl-C is seen while waiting for acks


class Sender:
    """Produce records to one topic; failed deliveries are counted and reported through `report`."""

    def __init__(self, producer: Producer, topic: str, partition: int | None, sync: bool,
                 report: Callable[[str], None]) -> None:
        self.producer, self.topic, self.partition, self.sync = producer, topic, partition, sync
        self.report = report
        self.tally = Tally()

    def on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        """Delivery callback; librdkafka is configured to call it for failures only."""
        if err is not None:
            self._failed(msg.topic(), msg.partition(), msg.value(), err.str())

    def _failed(self, topic: str | None, partition: int | None, value: bytes | None, reason: str) -> None:
        report_failure(self.tally, self.report, topic, partition, value, reason)

    def _rejected(self, exc: KafkaException, value: bytes | None, partition: int | None) -> None:
        """produce() refused the record at once (e.g. a partition the topic does not have): a failed delivery."""
        reason = kafka_reason(exc)
        self._failed(self.topic, partition, value, reason.removeprefix("Unable to produce message: "))

    def _retry(self, *args: Any, **kwargs: Any) -> None:
        """The local queue is full: serve acks until there is room."""
        while True:
            self.producer.poll(0.05)
            try:
                self.producer.produce(*args, **kwargs)
                return
            except BufferError:
                continue
            except KafkaException as exc:
                self._rejected(exc, args[1], kwargs.get("partition", args[3] if len(args) > 3 else None))
                return

    def send_values(self, values: list[bytes]) -> None:
        """The hot path: plain lines, no key, no headers."""
        produce, topic = self.producer.produce, self.topic
        part = self.partition
        if part is None:
            for value in values:
                try:
                    produce(topic, value)
                except BufferError:
                    self._retry(topic, value)
                except KafkaException as exc:
                    self._rejected(exc, value, None)
        else:
            for value in values:
                try:
                    produce(topic, value, None, part)
                except BufferError:
                    self._retry(topic, value, None, part)
                except KafkaException as exc:
                    self._rejected(exc, value, part)
        self.tally.sent += len(values)
        self.producer.poll(0)

    def send(self, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes | None]] | None,
             timestamp: int | None = None) -> None:
        kwargs: dict[str, Any] = {}
        if self.partition is not None:
            kwargs["partition"] = self.partition
        if headers:
            kwargs["headers"] = headers
        if timestamp is not None:
            kwargs["timestamp"] = timestamp
        try:
            self.producer.produce(self.topic, value, key, **kwargs)
        except BufferError:
            self._retry(self.topic, value, key, **kwargs)
        except KafkaException as exc:
            self._rejected(exc, value, self.partition)
        self.tally.sent += 1

    def flush(self) -> int:
        """Wait for every ack; returns the records still unacknowledged (0 when all are settled)."""
        while True:
            left = self.producer.flush(FLUSH_STEP)
            if left == 0:
                return 0

    def after_line(self) -> bool:
        """--sync: wait for this record's ack; False when it failed."""
        if not self.sync:
            return True
        before = self.tally.failed
        self.flush()
        return self.tally.failed == before


def pump(batches: Iterable[list[bytes]], sender: Sender, reader: LineReader | None, json_input: bool,
         ignore_error: bool, progress: Callable[[int], None] | None = None) -> Tally:
    """Send every line of every batch; stop at a malformed line unless ignore.error (Apache's behaviour)."""
    gc.disable()  # no reference cycles are made per line; collection passes over each batch only cost time
    try:
        return _pump(batches, sender, reader, json_input, ignore_error, progress)
    finally:
        gc.enable()


def _pump(batches: Iterable[list[bytes]], sender: Sender, reader: LineReader | None, json_input: bool,
          ignore_error: bool, progress: Callable[[int], None] | None) -> Tally:
    tally = sender.tally
    lineno = 0
    fast = reader is not None and reader.plain and not json_input and not sender.sync
    for lines in batches:
        if fast:
            sender.send_values(lines)
            lineno += len(lines)
        else:
            for line in lines:
                lineno += 1
                try:
                    if json_input:
                        if not line.strip():
                            continue
                        env = envelope.decode(line)
                        sender.send(env.key, env.value, env.headers, env.timestamp)
                    else:
                        assert reader is not None
                        key, value, headers = reader.parse(line, lineno)
                        sender.send(key, value, headers)
                except (LineError, envelope.EnvelopeError) as exc:
                    text = str(exc) if isinstance(exc, LineError) else f"line {lineno}: {exc}"
                    if not ignore_error:
                        tally.stop_error = text
                        return tally
                    tally.bad_lines += 1
                    sender.report(f"skipped {text}")
                    continue
                if not sender.after_line():
                    tally.stop_error = f"line {lineno} was not delivered"
                    return tally
            sender.producer.poll(0)
        if progress:
            progress(tally.sent)
    return tally
