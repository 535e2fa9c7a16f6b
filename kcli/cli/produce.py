"""`kcli produce`: the console producer (kafka-console-producer.sh): lines from stdin or --file to a topic.

This module only declares options; the line reader, the producer and the delivery reports live in
kcli.console.produce.
"""

from __future__ import annotations

from typing import Any

import click

from kcli.cli.completion import complete_topics
from kcli.cli.types import JavaInt
from kcli.clients import ClientOptions, client_options
from kcli.console.spelling import Renamed, resolve_client_spellings
from kcli.durations import Duration

PAIRS = (
    Renamed("--command-property", "--producer-property", "command_property", "producer_property"),
    Renamed("--command-config", "--producer.config", "command_config_new", "producer_config"),
    Renamed("--reader-property", "--property", "reader_property", "old_property"),
    Renamed("--batch-size", "--max-partition-memory-bytes", "batch_size", "max_partition_memory_bytes"),
)
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


@click.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--topic", required=True, shell_complete=complete_topics, help="The topic to write to.")
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
    from kcli.console.produce import ProduceArgs, run

    client, chosen = resolve_client_spellings(client, params, PAIRS)
    args = ProduceArgs.from_params({**params, "reader_property": tuple(chosen["reader_property"] or ()),
                                    "batch_size": chosen["batch_size"]})
    run(args, client)
