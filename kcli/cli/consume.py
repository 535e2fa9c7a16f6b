"""`kcli consume`: the console consumer (kafka-console-consumer.sh), same flags and the same bytes."""

from __future__ import annotations

import random
import re
import sys
from typing import Any

import click

from kcli.cli.types import JavaInt
from kcli.clients import ClientOptions, client_options
from kcli.console.spelling import Renamed, resolve_client_spellings
from kcli.durations import Duration
from kcli.errors import KafkaOperationError, UsageError, kafka_reason

PAIRS = (
    Renamed("--command-property", "--consumer-property", "command_property", "consumer_property"),
    Renamed("--command-config", "--consumer.config", "command_config_new", "consumer_config"),
    Renamed("--formatter-property", "--property", "formatter_property", "old_property"),
)

EPILOG = """Formatter properties (--formatter-property): print.timestamp, print.key, print.value, print.partition,
print.offset, print.headers, key.separator, line.separator, headers.separator, null.literal, key.deserializer,
value.deserializer. Beyond Apache: --offset -N (last N per partition), --offset @TIME (ISO-8601 or epoch ms),
--output json (one envelope per record; bytes that are not UTF-8 are base64 and marked *_encoding), -f FORMAT
(kcat tokens %t %p %o %k %s %h %T %K %S). `Processed a total of N messages` goes to stderr.
--timeout-ms takes a duration (30s, 5m, 1500ms or bare milliseconds). A broker that does not answer the first
metadata request within 10s (-X default.api.timeout.ms=… changes it) ends the command.

\b
Exit codes:
  0  stopped by --max-messages, --timeout-ms of silence, Ctrl-C/SIGTERM or a closed stdout
  1  the broker was unreachable, the --topic does not exist or has no such --partition (without --group), or a
     record could not be formatted
  2  usage or input error before anything was read (bad flag, malformed file or property)"""

METADATA_WAIT = 10.0  # seconds the first metadata request may take (-X default.api.timeout.ms)


def _warn(text: str) -> None:
    click.echo(f"[WARN] {text}", err=True)


def _formatter_props(files: tuple[str, ...], props: tuple[str, ...], key_deser: str | None,
                     value_deser: str | None) -> dict[str, str]:
    from kcli.config import load_files, merge, parse_assignments

    out = merge(load_files(files), parse_assignments(props, "--formatter-property"))
    if key_deser:
        out["key.deserializer"] = key_deser
    if value_deser:
        out["value.deserializer"] = value_deser
    return out


def _consumer_config(client: ClientOptions, group: str | None, from_beginning: bool,
                     isolation_level: str | None) -> tuple[dict[str, str], bool]:
    """The consumer's Java-style config and whether the user named a group."""
    cfg = client.config()
    if group is not None:
        if cfg.get("group.id", group) != group:
            raise UsageError(f"the group ids given in --group ({group}) and in the consumer properties "
                             f"({cfg['group.id']}) differ")
        cfg["group.id"] = group
    named = "group.id" in cfg
    if not named:
        cfg["group.id"] = f"console-consumer-{random.randrange(100000)}"
        cfg.setdefault("enable.auto.commit", "false")
    reset = cfg.get("auto.offset.reset")
    if from_beginning:
        if reset not in (None, "earliest", "smallest", "beginning"):
            raise UsageError(f"Can't simultaneously specify --from-beginning and 'auto.offset.reset={reset}'")
        cfg["auto.offset.reset"] = "earliest"
    else:
        cfg.setdefault("auto.offset.reset", "latest")
    if isolation_level:
        cfg["isolation.level"] = isolation_level
    cfg.setdefault("client.id", "console-consumer")
    # librdkafka waits fetch.queue.backoff.ms (1 s) once its queue is full; a quick Python drain wants less.
    cfg.setdefault("fetch.queue.backoff.ms", "10")
    cfg.setdefault("queued.max.messages.kbytes", "32768")
    return cfg, named


@click.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--topic", help="The topic to consume.")
@click.option("--include", metavar="REGEX", help="Consume every topic whose whole name matches REGEX.")
@click.option("--group", help="Consumer group id; offsets are committed so the next run resumes.")
@click.option("--from-beginning", is_flag=True, help="Start at the earliest offset when there is no committed one.")
@click.option("--partition", type=JavaInt(minimum=0),
              help="Read only this partition (starts at the end unless --offset).")
@click.option("--offset", "offset_spec", metavar="OFFSET",
              help="earliest, latest, N, -N (last N per partition) or @TIME (ISO-8601 or epoch ms).")
@click.option("--max-messages", type=JavaInt(minimum=0), help="Stop after this many records.")
@click.option("--timeout-ms", type=Duration(), help="Stop when no record arrives for this long (e.g. 5s, 1500).")
@click.option("--isolation-level", type=click.Choice(["read_committed", "read_uncommitted"]))
@click.option("--key-deserializer", help="String, ByteArray, Integer, Long, Short, Float, Double, UUID (or the "
              "Apache class name).")
@click.option("--value-deserializer", help="As --key-deserializer, for values.")
@click.option("--formatter", help="DefaultMessageFormatter (default) or NoOpMessageFormatter.")
@click.option("--formatter-config", multiple=True, type=click.Path(dir_okay=False), help="Formatter properties file.")
@click.option("--formatter-property", multiple=True, metavar="K=V", help="Formatter setting (repeatable).")
@click.option("--property", "old_property", multiple=True, metavar="K=V", help="Old name of --formatter-property.")
@click.option("--command-property", multiple=True, metavar="K=V", help="Consumer setting (repeatable).")
@click.option("--consumer-property", multiple=True, metavar="K=V", help="Old name of --command-property.")
@click.option("--consumer.config", "consumer_config", multiple=True, type=click.Path(dir_okay=False),
              help="Old name of --command-config.")
@click.option("--skip-message-on-error", is_flag=True, help="Report and skip a record that cannot be formatted.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default=None,
              help="text (Apache's layout, default) or json (one envelope per record).")
@click.option("-f", "--format", "fmt", metavar="FORMAT", help="kcat format string, e.g. '%k=%s\\n'.")
@click.option("--enable-systest-events", is_flag=True, hidden=True)
@client_options(property_flag=None)
def command(client: ClientOptions, **params: Any) -> None:
    """Read records from a topic and print them (kafka-console-consumer.sh)."""
    client, chosen = resolve_client_spellings(client, params, PAIRS)
    topic, include, partition = params["topic"], params["include"], params["partition"]
    if bool(topic) == bool(include):
        raise UsageError("exactly one of --topic or --include is required")
    if partition is not None and not topic:
        raise UsageError("--partition requires --topic")
    if params["offset_spec"] is not None and params["from_beginning"]:
        raise UsageError("options --offset and --from-beginning cannot be specified together")
    if params["group"] and (partition is not None or params["offset_spec"] is not None):
        raise UsageError("--partition and --offset assign partitions directly; they cannot be used with --group")
    if include:
        try:
            re.compile(include)
        except re.error as exc:
            raise UsageError(f"--include '{include}' is not a valid regular expression: {exc}") from None

    from kcli.console.formatters import make_formatter
    from kcli.console.positions import StartSpec, parse_offset

    if params["offset_spec"] is not None:
        params["start"] = parse_offset(params["offset_spec"])
    else:
        params["start"] = StartSpec("earliest" if params["from_beginning"] else "latest")

    def skip(msg: Any, exc: Exception) -> None:
        click.echo(f"[ERROR] Error processing message, skipping this message: {exc} (topic {msg.topic()}, "
                   f"partition {msg.partition()}, offset {msg.offset()})", err=True)

    props = _formatter_props(params["formatter_config"], tuple(chosen["formatter_property"] or ()),
                             params["key_deserializer"], params["value_deserializer"])
    formatter = make_formatter(params["formatter"], props, params["output"], params["fmt"],
                               skip if params["skip_message_on_error"] else None)
    cfg, named_group = _consumer_config(client, params["group"], params["from_beginning"], params["isolation_level"])
    _consume(cfg, named_group, formatter, params)


def _subscribe_pattern(consumer: Any, regex: str) -> None:
    """Subscribe to every topic whose whole name matches (librdkafka takes POSIX extended regexes)."""
    from confluent_kafka import KafkaException

    try:
        consumer.subscribe([f"^({regex})$"])
    except KafkaException as exc:
        raise UsageError(f"--include '{regex}' cannot be used as a subscription pattern: "
                         f"{kafka_reason(exc)}") from None


def _consume(cfg: dict[str, str], named_group: bool, formatter: Any, params: dict[str, Any]) -> None:
    from confluent_kafka import KafkaException

    from kcli.clients import make_consumer
    from kcli.console import positions
    from kcli.console.consume_loop import StopFlag, run
    from kcli.console.reach import await_metadata, configured_wait

    stop = StopFlag()
    stop.install()
    store = named_group and cfg.get("enable.auto.commit", "true").strip().lower() == "true"
    bootstrap = cfg["bootstrap.servers"]
    wait = configured_wait(cfg, "default.api.timeout.ms", METADATA_WAIT)
    consumer = make_consumer(cfg, **({"enable.auto.offset.store": False} if store else {}))
    outcome = None
    timeout = params["timeout_ms"]
    try:
        topic, partition = params["topic"], params["partition"]
        if (params["include"] or named_group) and await_metadata(
                consumer, bootstrap, wait, topic, stopped=lambda: stop.stopped) is None:
            return
        if params["include"]:
            _subscribe_pattern(consumer, params["include"])
        elif named_group:
            consumer.subscribe([topic])
        else:
            partitions = positions.topic_partitions(consumer, topic, wait, bootstrap, lambda: stop.stopped)
            if not partitions:  # stopped while waiting for the broker
                return
            if partition is not None:
                if partition not in partitions:
                    raise KafkaOperationError(f"topic '{topic}' has no partition {partition} (it has "
                                              f"{len(partitions)}: 0..{max(partitions)})")
                partitions = [partition]
            starts = positions.resolve(consumer, topic, partitions, params["start"], wait)
            try:
                consumer.assign(starts)
            except KafkaException as exc:
                raise KafkaOperationError(f"cannot read topic '{topic}': {kafka_reason(exc)} "
                                          f"({bootstrap})") from None
        outcome = run(consumer, formatter, sys.stdout.buffer, stop, params["max_messages"],
                      None if timeout is None else timeout * 1000.0,
                      store_offsets=store, warn=_warn)
    finally:
        try:
            consumer.close()
        except Exception as exc:
            _warn(f"closing the consumer: {kafka_reason(exc)}")
        click.echo(f"Processed a total of {outcome.count if outcome else 0} messages", err=True)
    if outcome is not None and outcome.error:
        raise KafkaOperationError(f"Error processing message, terminating consumer process: {outcome.error}")
