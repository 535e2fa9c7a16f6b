"""`kcli produce`, the console producer (kafka-console-producer.sh): build the line reader and the producer,
wait for the broker, send every line read and report what was not acknowledged. The command-line layer
(cli/produce.py) only parses."""

from __future__ import annotations

import contextlib
import signal
import sys
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, BinaryIO

from kcli.clients import ClientOptions
from kcli.errors import KafkaOperationError, UsageError
from kcli.output import echo

if TYPE_CHECKING:
    from collections.abc import Callable

    from kcli.console.produce_report import RateLine, Tally
    from kcli.console.reader import LineReader

LINE_READERS = frozenset({"LineMessageReader", "org.apache.kafka.tools.LineMessageReader",
                          "kafka.tools.LineMessageReader"})
MAX_BLOCK_DEFAULT = 30.0  # seconds for the first metadata request (Apache's max.block.ms is 60 s)
DELIVERY_TIMEOUT_DEFAULT = "120000"  # Apache's delivery.timeout.ms; librdkafka's own default is 300 s


@dataclass
class ProduceArgs:
    """Every option of kafka-console-producer.sh (plus kcli's) after parsing, old spellings resolved; durations
    in seconds; unset means None/()/False."""

    topic: str = ""
    input_file: str | None = None  # --file
    reader_property: tuple[str, ...] = ()
    reader_config: tuple[str, ...] = ()
    line_reader: str | None = None
    request_required_acks: str | None = None
    compression_codec: str | None = None
    batch_size: int | None = None
    linger_ms: float | None = None
    timeout: float | None = None  # Apache's name for --linger-ms
    sync: bool = False
    message_send_max_retries: int | None = None
    retry_backoff_ms: float | None = None
    request_timeout_ms: float | None = None
    metadata_expiry_ms: float | None = None
    max_block_ms: float | None = None
    partition: int | None = None
    input_format: str = "text"  # --input
    progress: bool = False

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ProduceArgs:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in params.items() if k in names})


class _Interruptible:
    """stdin whose blocking read ends (as EOF) on Ctrl-C; a Ctrl-C between reads only asks the loop to stop."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.reading = False
        self.stopped = False
        self.interrupts = 0

    def handle(self, *_: object) -> None:
        """First Ctrl-C: stop reading, send and flush what was read. Second: give up waiting (exit 130)."""
        self.stopped = True
        self.interrupts += 1
        if self.reading or self.interrupts > 1:
            raise KeyboardInterrupt

    def read1(self, size: int) -> bytes:
        if self.stopped:
            return b""
        self.reading = True
        try:
            read = getattr(self.stream, "read1", self.stream.read)
            return read(size)
        except KeyboardInterrupt:
            return b""
        finally:
            self.reading = False


def _ms(seconds: float | None, whole: bool = True) -> str | None:
    """A duration option (seconds) as the milliseconds a client setting takes."""
    if seconds is None:
        return None
    return str(round(seconds * 1000)) if whole else f"{seconds * 1000:g}"


def _explicit(a: ProduceArgs) -> dict[str, str | None]:
    """Producer settings from Apache's dedicated flags (they win over files and --command-property)."""
    linger = a.linger_ms if a.linger_ms is not None else a.timeout
    mapping = {
        "acks": a.request_required_acks,
        "compression.type": a.compression_codec,
        "batch.size": a.batch_size,
        "linger.ms": _ms(linger, whole=False),
        "retries": a.message_send_max_retries,
        "retry.backoff.ms": _ms(a.retry_backoff_ms),
        "request.timeout.ms": _ms(a.request_timeout_ms),
        "metadata.max.age.ms": _ms(a.metadata_expiry_ms),
    }
    return {k: (str(v) if v is not None else None) for k, v in mapping.items()}


def run(a: ProduceArgs, client: ClientOptions) -> None:
    """Check the options, then send the lines of stdin (or --file) to the topic (see `kcli produce --help`)."""
    from kcli.config import load_files, merge, parse_assignments
    from kcli.console.reach import configured_wait
    from kcli.console.reader import LineReader

    if a.line_reader and a.line_reader.strip() not in LINE_READERS:
        raise UsageError(f"unknown line reader '{a.line_reader}' (kcli has LineMessageReader; "
                         "use --input json for structured input)")
    reader_props = merge(load_files(a.reader_config), parse_assignments(a.reader_property, "--reader-property"))
    reader = LineReader.from_properties(reader_props)
    cfg = client.config(_explicit(a))
    cfg.setdefault("client.id", "console-producer")
    cfg.setdefault("queue.buffering.max.kbytes", "65536")  # bounds memory whatever the input size
    cfg.setdefault("queue.buffering.max.messages", "500000")
    if "message.timeout.ms" not in cfg:
        cfg.setdefault("delivery.timeout.ms", DELIVERY_TIMEOUT_DEFAULT)
    max_block = configured_wait(cfg, "max.block.ms", MAX_BLOCK_DEFAULT, a.max_block_ms)
    _produce(cfg, reader, a, max_block)


def _produce(cfg: dict[str, str], reader: LineReader, a: ProduceArgs, max_block: float) -> None:
    from kcli import native
    from kcli.console.produce_report import REPORT_LIMIT

    def report(text: str) -> None:
        echo(f"kcli: {text}", err=True)

    fast = None
    if not reader.plain:
        native.decline("this produce", "its lines carry keys, headers or null markers")
    elif a.input_format == "json":
        native.decline("this produce", "--input json")
    elif a.sync:
        native.decline("this produce", "--sync")
    else:
        fast = native.producer(cfg, a.topic, a.partition, REPORT_LIMIT + 1)
    with contextlib.ExitStack() as stack:
        if fast is not None:
            stack.callback(fast.close)
            from kcli.console.produce_native import NativeSender

            native_sender = NativeSender(fast, a.topic, report)
            # Nothing is read before the broker answers, so no line is accepted and then left waiting for a dead one.
            native_sender.await_broker(cfg["bootstrap.servers"], max_block)
            source = _open_input(stack, a)
            progress = _progress(a)
            try:
                tally = native_sender.pump(source, progress)
                native_sender.flush()
            finally:
                if progress:
                    progress.close(native_sender.tally.sent)
        else:
            tally = _produce_python(cfg, reader, a, max_block, stack, report)
    if tally.stop_error:
        raise KafkaOperationError(tally.stop_error)
    if tally.failed and not reader.ignore_error:
        raise KafkaOperationError(f"{tally.failed} of {tally.sent} records were not delivered to '{a.topic}'")


def _progress(a: ProduceArgs) -> RateLine | None:
    from kcli.console.produce_report import RateLine
    from kcli.output import is_tty

    return RateLine() if a.progress and is_tty(sys.stderr) else None


def _open_input(stack: contextlib.ExitStack, a: ProduceArgs) -> _Interruptible:
    """stdin or --file, its reads ended by Ctrl-C."""
    stream: BinaryIO = (stack.enter_context(open(a.input_file, "rb"))  # noqa: SIM115 (the stack closes it)
                        if a.input_file else sys.stdin.buffer)
    source = _Interruptible(stream)
    signal.signal(signal.SIGINT, source.handle)
    signal.signal(signal.SIGTERM, source.handle)
    return source


def _produce_python(cfg: dict[str, str], reader: LineReader, a: ProduceArgs, max_block: float,
                    stack: contextlib.ExitStack, report: Callable[[str], None]) -> Tally:
    from kcli.clients import make_producer
    from kcli.console.produce_loop import Sender, pump
    from kcli.console.reach import await_metadata
    from kcli.console.reader import line_batches

    holder: dict[str, Sender] = {}
    producer = make_producer(cfg, **{"delivery.report.only.error": True,
                                     "on_delivery": lambda err, msg: holder["s"].on_delivery(err, msg)})
    sender = holder["s"] = Sender(producer, a.topic, a.partition, a.sync, report)
    await_metadata(producer, cfg["bootstrap.servers"], max_block, a.topic)
    source = _open_input(stack, a)
    progress = _progress(a)
    try:
        tally = pump(line_batches(source), sender, reader, a.input_format == "json", reader.ignore_error, progress)
        sender.flush()
    finally:
        if progress:
            progress.close(sender.tally.sent)
    return tally
