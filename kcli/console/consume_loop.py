"""The console consumer's transport loop: batched reads, one write per batch, clean stops."""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, cast

from kcli.console.formatters import FormatFailure, Formatter
from kcli.errors import KafkaOperationError

if TYPE_CHECKING:
    from confluent_kafka import Consumer

    from kcli.clients.records import KafkaRecord
    from kcli.console.bounds import Bounds
    from kcli.native._ext import Consumer as NativeConsumer

BATCH = 10_000  # records per consume() call, at most
BATCH_BYTES = 2 << 20  # aim for about this much output per batch, so big records keep memory low
IDLE_WAIT = 0.1  # seconds one blocking wait lasts, so signals and --timeout-ms are seen promptly


class StopFlag:
    """Set by SIGINT/SIGTERM; the loop ends at the next batch boundary."""

    def __init__(self) -> None:
        self.stopped = False

    def set(self, *_: object) -> None:
        self.stopped = True

    def install(self) -> None:
        signal.signal(signal.SIGINT, self.set)
        signal.signal(signal.SIGTERM, self.set)


class _Idle:
    """--timeout-ms: how long the next wait may last, and whether the silence has lasted too long."""

    def __init__(self, timeout_ms: float | None) -> None:
        self.limit = timeout_ms / 1000.0 if timeout_ms is not None else None
        self.last_seen = time.monotonic()

    def wait(self) -> float:
        if self.limit is None:
            return IDLE_WAIT
        return max(0.0, min(IDLE_WAIT, self.limit - (time.monotonic() - self.last_seen)))

    def seen(self) -> None:
        self.last_seen = time.monotonic()

    def over(self) -> bool:
        return self.limit is not None and time.monotonic() - self.last_seen >= self.limit


def _want(batch: int, max_messages: int | None, count: int) -> int:
    """Records to ask for next: a batch, or what --max-messages leaves."""
    return batch if max_messages is None else min(batch, max_messages - count)


def _planned_end(outcome: Outcome, complete: bool, want: int) -> bool:
    """The loop's two planned ends: every partition at its stop, --max-messages reached."""
    if complete:
        outcome.reason = "end"
    elif want <= 0:
        outcome.reason = "max-messages"
    return complete or want <= 0


def _warn_once(text: str, warned: set[str], warn: Callable[[str], None] | None) -> None:
    if warn and text not in warned:
        warned.add(text)
        warn(text)


@dataclass
class Outcome:
    count: int = 0
    reason: str = "stopped"  # max-messages | timeout | end | stopped | closed-output | error
    error: str | None = None


def _silence_stdout() -> None:
    """The reader of stdout went away: point fd 1 at /dev/null so nothing complains at exit."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _store(consumer: Consumer, msgs: Sequence[KafkaRecord]) -> None:
    """Mark printed records as processed (committed by auto-commit and on close)."""
    from confluent_kafka import TopicPartition

    last: dict[tuple[str, int], int] = {}
    for m in msgs:
        last[(m.topic(), m.partition())] = m.offset()
    if last:
        consumer.store_offsets(offsets=[TopicPartition(t, p, o + 1) for (t, p), o in last.items()])


def run(consumer: Consumer, formatter: Formatter, out: BinaryIO, stop: StopFlag, max_messages: int | None = None,
        timeout_ms: float | None = None, store_offsets: bool = False,
        warn: Callable[[str], None] | None = None, bounds: Bounds | None = None) -> Outcome:
    """Consume until max_messages, timeout_ms of silence, every partition at its bound, a signal or a closed
    stdout."""
    gc.disable()  # the loop makes no reference cycles; collecting over 10,000 new objects per batch costs ~35%
    try:
        return _run(consumer, formatter, out, stop, max_messages, timeout_ms, store_offsets, warn, bounds)
    finally:
        gc.enable()


def _run(consumer: Consumer, formatter: Formatter, out: BinaryIO, stop: StopFlag, max_messages: int | None,
         timeout_ms: float | None, store_offsets: bool, warn: Callable[[str], None] | None,
         bounds: Bounds | None) -> Outcome:
    from confluent_kafka import KafkaError, Message

    consume, write, flush = consumer.consume, out.write, out.flush
    message_error = Message.error
    outcome = Outcome()
    idle = _Idle(timeout_ms)
    warned: set[str] = set()
    batch = BATCH
    while not stop.stopped:
        want = _want(batch, max_messages, outcome.count)
        if _planned_end(outcome, bounds is not None and bounds.complete, want):
            break
        msgs = consume(want, 0)
        if not msgs:
            msgs = consume(1, idle.wait())
            if not msgs:
                if idle.over():
                    outcome.reason = "timeout"
                    break
                if bounds is not None:
                    bounds.idle()
                continue
        if any(map(message_error, msgs)):
            good = []
            for m in msgs:
                err = m.error()
                if err is None:
                    good.append(m)
                elif err.code() != KafkaError._PARTITION_EOF:
                    if err.fatal():
                        raise KafkaOperationError(f"consumer failed: {err.str()}")
                    _warn_once(err.str(), warned, warn)
                elif bounds is not None:
                    bounds.end_of_partition(m)
            msgs = good
            if not msgs:
                continue
        idle.seen()
        records = cast("list[KafkaRecord]", msgs)  # the error messages are gone
        if bounds is not None:
            records = bounds.cut(records)
            if not records:
                continue
        failure: FormatFailure | None = None
        try:
            data, printed = formatter.format_batch(records)
        except FormatFailure as exc:
            failure, data, printed = exc, exc.output, exc.printed
            records = records[:printed]
        try:
            if data:
                write(data)
                flush()
        except BrokenPipeError:
            _silence_stdout()
            outcome.reason = "closed-output"
            break
        outcome.count += printed
        if printed:
            batch = max(100, min(BATCH, BATCH_BYTES * printed // max(1, len(data))))
        if store_offsets:
            _store(consumer, records)
        if failure is not None:
            outcome.reason, outcome.error = "error", str(failure)
            break
    return outcome


def run_native(consumer: NativeConsumer, topic: str, out: BinaryIO, stop: StopFlag, max_messages: int | None = None,
               timeout_ms: float | None = None, warn: Callable[[str], None] | None = None) -> Outcome:
    """The loop of `run` over the C consumer (kcli.native), which lays records out, watches the stops and
    writes to `out`'s file descriptor itself: the same stops, the same bytes."""
    out.flush()
    fd = out.fileno()
    outcome = Outcome()
    idle = _Idle(timeout_ms)
    warned: set[str] = set()
    complete = False
    while not stop.stopped:
        want = _want(BATCH, max_messages, outcome.count)
        if _planned_end(outcome, complete, want):
            break
        printed, seen, errors, complete, closed = consumer.drain(want, round(idle.wait() * 1000), topic, fd)
        if closed:
            _silence_stdout()
            outcome.reason = "closed-output"
            break
        outcome.count += printed
        for text, fatal in errors:
            if fatal:
                raise KafkaOperationError(f"consumer failed: {text}")
            _warn_once(text, warned, warn)
        if seen:
            idle.seen()
        elif idle.over():
            outcome.reason = "timeout"
            break
    return outcome
