"""`kcli produce`: the console producer (kafka-console-producer.sh): lines from stdin or --file to a topic."""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import Any, BinaryIO

import click

from kcli.cli.types import JavaInt
from kcli.clients import ClientOptions, client_options
from kcli.console.spelling import Renamed, resolve_client_spellings
from kcli.durations import Duration
from kcli.errors import KafkaOperationError, UsageError

PAIRS = (
    Renamed("--command-property", "--producer-property", "command_property", "producer_property"),
    Renamed("--command-config", "--producer.config", "command_config_new", "producer_config"),
    Renamed("--reader-property", "--property", "reader_property", "old_property"),
    Renamed("--batch-size", "--max-partition-memory-bytes", "batch_size", "max_partition_memory_bytes"),
)
LINE_READERS = frozenset({"LineMessageReader", "org.apache.kafka.tools.LineMessageReader",
                          "kafka.tools.LineMessageReader"})
CODECS = ("none", "gzip", "snappy", "lz4", "zstd")

EPILOG = """Reader properties (--reader-property): parse.key, key.separator, parse.headers, headers.delimiter,
headers.separator, headers.key.separator, null.marker, ignore.error. A line looks like
`h1:v1,h2:v2<TAB>key<TAB>value`. Beyond Apache: --partition N, --input json (the envelope `kcli consume --output
json` writes, so `kcli consume … --output json | kcli produce … --input json` copies a topic; partition and
offset in an envelope are ignored, a CreateTime timestamp is kept), --progress.
Every line read is either acknowledged by the broker or reported on stderr; the exit code is 1 when a record
failed or a malformed line stopped the run (ignore.error=true skips malformed lines instead).
Unlike Apache, linger.ms and batch.size keep librdkafka's defaults unless --linger-ms/--timeout/--batch-size
are given. Durations take 30s, 5m, 1500ms or bare milliseconds.
Before reading any input kcli asks the broker for the topic's metadata and fails when it does not answer within
--max-block-ms (default 30s, Apache waits 60s; -X max.block.ms=… also sets it). A record not acknowledged within
delivery.timeout.ms (default 120s, as Apache) is reported as not delivered.

\b
Exit codes:
  0  every record was acknowledged (also after Ctrl-C, once what was read is flushed)
  1  a record was not delivered, a malformed line stopped the run, or the broker was unreachable
  2  usage or input error before anything was sent (bad flag, unreadable or malformed config file)
  130  a second Ctrl-C while waiting for acknowledgements"""

MAX_BLOCK_DEFAULT = 30.0  # seconds for the first metadata request (Apache's max.block.ms is 60 s)
DELIVERY_TIMEOUT_DEFAULT = "120000"  # Apache's delivery.timeout.ms; librdkafka's own default is 300 s


class _Interruptible:
    """stdin whose blocking read ends (as EOF) on Ctrl-C; a Ctrl-C between reads only asks the loop to stop."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.reading = False
        self.stopped = False
        self.interrupts = 0

    def handle(self, *_: Any) -> None:
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


def _explicit(params: dict[str, Any], chosen: dict[str, Any]) -> dict[str, str | None]:
    """Producer settings from Apache's dedicated flags (they win over files and --command-property)."""
    linger = params["linger_ms"] if params["linger_ms"] is not None else params["timeout"]
    mapping = {
        "acks": params["request_required_acks"],
        "compression.type": params["compression_codec"],
        "batch.size": chosen["batch_size"],
        "linger.ms": _ms(linger, whole=False),
        "retries": params["message_send_max_retries"],
        "retry.backoff.ms": _ms(params["retry_backoff_ms"]),
        "request.timeout.ms": _ms(params["request_timeout_ms"]),
        "metadata.max.age.ms": _ms(params["metadata_expiry_ms"]),
    }
    return {k: (str(v) if v is not None else None) for k, v in mapping.items()}


@click.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--topic", required=True, help="The topic to write to.")
@click.option("--file", "input_file", type=click.Path(dir_okay=False, exists=True),
              help="Read lines from this file instead of stdin.")
@click.option("--reader-property", multiple=True, metavar="K=V", help="Line reader setting (repeatable).")
@click.option("--property", "old_property", multiple=True, metavar="K=V", help="Old name of --reader-property.")
@click.option("--reader-config", multiple=True, type=click.Path(dir_okay=False), help="Line reader properties file.")
@click.option("--line-reader", help="Only org.apache.kafka.tools.LineMessageReader (the default).")
@click.option("--command-property", multiple=True, metavar="K=V", help="Producer setting (repeatable).")
@click.option("--producer-property", multiple=True, metavar="K=V", help="Old name of --command-property.")
@click.option("--producer.config", "producer_config", multiple=True, type=click.Path(dir_okay=False),
              help="Old name of --command-config.")
@click.option("--request-required-acks", help="acks: -1/all (default), 0, 1.")
@click.option("--compression-codec", type=click.Choice(CODECS), is_flag=False, flag_value="gzip",
              help="none (default), gzip (the bare flag), snappy, lz4, zstd.")
@click.option("--batch-size", type=JavaInt(minimum=1), help="batch.size in bytes.")
@click.option("--max-partition-memory-bytes", type=JavaInt(minimum=1), help="Old name of --batch-size.")
@click.option("--linger-ms", type=Duration(), help="linger.ms (a duration; bare numbers are ms).")
@click.option("--timeout", type=Duration(), help="Apache's name for --linger-ms.")
@click.option("--sync", is_flag=True, help="Wait for each record's acknowledgement before the next line.")
@click.option("--message-send-max-retries", type=JavaInt(minimum=0), help="retries.")
@click.option("--retry-backoff-ms", type=Duration(), help="retry.backoff.ms.")
@click.option("--request-timeout-ms", type=Duration(positive=True), help="request.timeout.ms.")
@click.option("--metadata-expiry-ms", type=Duration(), help="metadata.max.age.ms.")
@click.option("--max-block-ms", type=Duration(positive=True),
              help="How long to wait for the broker at start (default 30s; -X max.block.ms).")
@click.option("--max-memory-bytes", hidden=True)
@click.option("--socket-buffer-size", hidden=True)
@click.option("--partition", type=JavaInt(minimum=0), help="Write every record to this partition.")
@click.option("--input", "input_format", type=click.Choice(["text", "json"]), default="text",
              help="text lines (default) or JSON envelopes as `kcli consume --output json` writes them.")
@click.option("--progress", is_flag=True, help="Show records/s on stderr (a TTY only).")
@client_options(property_flag=None)
def command(client: ClientOptions, **params: Any) -> None:
    """Write lines from stdin to a topic (kafka-console-producer.sh)."""
    from kcli.config import load_files, merge, parse_assignments
    from kcli.console.reader import LineReader

    client, chosen = resolve_client_spellings(client, params, PAIRS)
    if params["line_reader"] and params["line_reader"].strip() not in LINE_READERS:
        raise UsageError(f"unknown line reader '{params['line_reader']}' (kcli has LineMessageReader; "
                         "use --input json for structured input)")
    reader_props = merge(load_files(params["reader_config"]),
                         parse_assignments(chosen["reader_property"] or (), "--reader-property"))
    reader = LineReader.from_properties(reader_props)
    cfg = client.config(_explicit(params, chosen))
    cfg.setdefault("client.id", "console-producer")
    cfg.setdefault("queue.buffering.max.kbytes", "65536")  # bounds memory whatever the input size
    cfg.setdefault("queue.buffering.max.messages", "500000")
    if "message.timeout.ms" not in cfg:
        cfg.setdefault("delivery.timeout.ms", DELIVERY_TIMEOUT_DEFAULT)
    from kcli.console.reach import configured_wait

    params["max_block"] = configured_wait(cfg, "max.block.ms", MAX_BLOCK_DEFAULT, params["max_block_ms"])
    _produce(cfg, reader, params)


def _produce(cfg: dict[str, str], reader: Any, params: dict[str, Any]) -> None:
    from kcli.clients import make_producer
    from kcli.console.produce_loop import RateLine, Sender, pump
    from kcli.console.reach import await_metadata
    from kcli.console.reader import line_batches
    from kcli.output import is_tty

    def report(text: str) -> None:
        click.echo(f"kcli: {text}", err=True)

    holder: dict[str, Sender] = {}
    producer = make_producer(cfg, **{"delivery.report.only.error": True,
                                     "on_delivery": lambda err, msg: holder["s"].on_delivery(err, msg)})
    sender = holder["s"] = Sender(producer, params["topic"], params["partition"], params["sync"], report)
    # Nothing is read before the broker answers, so no line is accepted and then left waiting for a dead broker.
    await_metadata(producer, cfg["bootstrap.servers"], params["max_block"], params["topic"])
    with contextlib.ExitStack() as stack:
        stream: BinaryIO = (stack.enter_context(open(params["input_file"], "rb")) if params["input_file"]
                            else sys.stdin.buffer)
        source = _Interruptible(stream)
        signal.signal(signal.SIGINT, source.handle)
        signal.signal(signal.SIGTERM, source.handle)
        progress = RateLine() if params["progress"] and is_tty(sys.stderr) else None
        try:
            tally = pump(line_batches(source), sender, reader,  # type: ignore[arg-type]
                         params["input_format"] == "json", reader.ignore_error, progress)
            sender.flush()
        finally:
            if progress:
                progress.close(sender.tally.sent)
    if tally.stop_error:
        raise KafkaOperationError(tally.stop_error)
    if tally.failed and not reader.ignore_error:
        raise KafkaOperationError(f"{tally.failed} of {tally.sent} records were not delivered to "
                                  f"'{params['topic']}'")
