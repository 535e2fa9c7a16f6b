"""`kcli consume`, the console consumer (kafka-console-consumer.sh): check the options, build the consumer and
the formatter, position it, run the loop. The command-line layer (cli/consume.py) only parses."""

from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, cast

from kcli.clients import ClientOptions
from kcli.errors import KafkaOperationError, UsageError, kafka_reason
from kcli.output import echo

if TYPE_CHECKING:
    from confluent_kafka import Consumer

    from kcli.clients.records import KafkaRecord
    from kcli.console.bounds import Bounds, Until
    from kcli.console.formatters import Formatter
    from kcli.console.lookup import OffsetLookup
    from kcli.console.positions import Start, StartSpec
    from kcli.native._ext import Consumer as NativeConsumer

METADATA_WAIT = 10.0  # seconds the first metadata request may take (-X default.api.timeout.ms)


@dataclass
class ConsumeArgs:
    """Every option of kafka-console-consumer.sh (plus kcli's) after parsing, old spellings resolved;
    unset means None/()/False."""

    topic: str | None = None
    include: str | None = None
    group: str | None = None
    from_beginning: bool = False
    partition: int | None = None
    offset_spec: str | None = None  # --offset
    max_messages: int | None = None
    timeout_ms: float | None = None  # seconds
    exit_at_end: bool = False  # -e
    until: str | None = None  # --until OFFSET|@TIME
    isolation_level: str | None = None
    key_deserializer: str | None = None
    value_deserializer: str | None = None
    formatter: str | None = None
    formatter_config: tuple[str, ...] = ()
    formatter_property: tuple[str, ...] = ()
    skip_message_on_error: bool = False
    output: str | None = None
    fmt: str | None = None  # -f FORMAT

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ConsumeArgs:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in params.items() if k in names})


def _warn(text: str) -> None:
    echo(f"[WARN] {text}", err=True)


def _validate(a: ConsumeArgs) -> None:
    if bool(a.topic) == bool(a.include):
        raise UsageError("exactly one of --topic or --include is required")
    if a.partition is not None and not a.topic:
        raise UsageError("--partition requires --topic")
    if a.offset_spec is not None and a.from_beginning:
        raise UsageError("options --offset and --from-beginning cannot be specified together")
    if a.group and (a.partition is not None or a.offset_spec is not None):
        raise UsageError("--partition and --offset assign partitions directly; they cannot be used with --group")
    if a.include:
        try:
            re.compile(a.include)
        except re.error as exc:
            raise UsageError(f"--include '{a.include}' is not a valid regular expression: {exc}") from None


def _check_range(start: StartSpec, until: Until) -> None:
    """--offset and --until of the same kind must not cross (an equal pair is an empty range)."""
    if start.kind == "absolute" and until.kind == "offset" and start.value > until.value:
        raise UsageError(f"--until {until.value} is before --offset {start.value}")
    if start.kind == "time" and until.kind == "time" and start.value > until.value:
        raise UsageError(f"--until @{until.value} is before --offset @{start.value} (epoch ms)")


def _formatter_props(a: ConsumeArgs) -> dict[str, str]:
    from kcli.config import load_files, merge, parse_assignments

    out = merge(load_files(a.formatter_config), parse_assignments(a.formatter_property, "--formatter-property"))
    if a.key_deserializer:
        out["key.deserializer"] = a.key_deserializer
    if a.value_deserializer:
        out["value.deserializer"] = a.value_deserializer
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


def run(a: ConsumeArgs, client: ClientOptions) -> None:
    """Check the options, then read records and print them until a stop (see `kcli consume --help`)."""
    _validate(a)

    from kcli.console.bounds import parse_until
    from kcli.console.formatters import make_formatter
    from kcli.console.positions import StartSpec, parse_offset

    if a.offset_spec is not None:
        start = parse_offset(a.offset_spec)
    else:
        start = StartSpec("earliest" if a.from_beginning else "latest")
    until = parse_until(a.until) if a.until is not None else None
    if until is not None:
        _check_range(start, until)

    def skip(msg: KafkaRecord, exc: Exception) -> None:
        echo(f"[ERROR] Error processing message, skipping this message: {exc} (topic {msg.topic()}, "
             f"partition {msg.partition()}, offset {msg.offset()})", err=True)

    formatter = make_formatter(a.formatter, _formatter_props(a), a.output, a.fmt,
                               skip if a.skip_message_on_error else None)
    cfg, named_group = _consumer_config(client, a.group, a.from_beginning, a.isolation_level)
    _consume(cfg, named_group, formatter, a, start, until)


def _subscribe(consumer: Consumer, topic: str | None, regex: str | None, bounds: Bounds | None) -> None:
    """Subscribe to the topic, or to every topic whose whole name matches (librdkafka takes POSIX extended
    regexes); a bounded consume follows the assignments."""
    from confluent_kafka import KafkaException

    hooks = {} if bounds is None else {"on_assign": bounds.on_assign, "on_revoke": bounds.on_revoke,
                                       "on_lost": bounds.on_revoke}
    if regex is None:
        consumer.subscribe([str(topic)], **hooks)
        return
    try:
        consumer.subscribe([f"^({regex})$"], **hooks)
    except KafkaException as exc:
        raise UsageError(f"--include '{regex}' cannot be used as a subscription pattern: "
                         f"{kafka_reason(exc)}") from None


def _fits_native(a: ConsumeArgs, named_group: bool, formatter: Formatter, until: Until | None) -> bool:
    """Whether the C loop (kcli.native) can do this consume: one topic's assigned partitions, laid out."""
    from kcli import native

    if a.include or named_group:
        native.decline("this consume", "it reads through a group subscription (--group or --include)")
        return False
    if formatter.program() is None:
        native.decline("this consume", "its output is not a layout of fields (JSON or a deserializer)")
        return False
    if until is not None and until.kind == "time":
        native.decline("this consume", "--until @TIME ends a partition at its first record stamped that late")
        return False
    return True


def _assign_native(fast: NativeConsumer, formatter: Formatter, topic: str, starts: list[Start],
                   bounds: Bounds | None, bootstrap: str) -> None:
    """Give the C consumer its layout, its partitions and their stops."""
    from kcli.console.bounds import NO_STOP

    program = formatter.program()
    if program is None:
        raise AssertionError("_fits_native checked the formatter")
    fast.program(program)
    parts = []
    for s in starts:
        key = (s.topic, s.partition)
        stop = bounds.stops.get(key, NO_STOP) if bounds is not None else NO_STOP
        done = bounds is not None and key in bounds.done
        parts.append((s.partition, s.offset, -1 if stop == NO_STOP else stop, done))
    try:
        fast.assign(topic, parts, bounds is not None and bounds.exit_at_end)
    except Exception as exc:
        raise KafkaOperationError(f"cannot read topic '{topic}': {exc} ({bootstrap})") from None


def _consume(cfg: dict[str, str], named_group: bool, formatter: Formatter, a: ConsumeArgs,
             start: StartSpec, until: Until | None) -> None:
    from kcli import native
    from kcli.clients import make_consumer
    from kcli.console import positions
    from kcli.console.bounds import Bounds
    from kcli.console.consume_loop import StopFlag, run_native
    from kcli.console.consume_loop import run as run_loop
    from kcli.console.lookup import ConfluentLookup, NativeLookup
    from kcli.console.reach import await_metadata, configured_wait

    stop = StopFlag()
    stop.install()
    store = named_group and cfg.get("enable.auto.commit", "true").strip().lower() == "true"
    bootstrap = cfg["bootstrap.servers"]
    wait = configured_wait(cfg, "default.api.timeout.ms", METADATA_WAIT)
    extra: dict[str, object] = {"enable.auto.offset.store": False} if store else {}
    if a.exit_at_end:
        extra["enable.partition.eof"] = True  # an empty or drained partition says so
    fast = native.consumer(cfg, **extra) if _fits_native(a, named_group, formatter, until) else None
    consumer = None if fast is not None else make_consumer(cfg, **extra)
    lookup: OffsetLookup = NativeLookup(fast) if fast is not None else ConfluentLookup(cast("Consumer", consumer))
    bounds = None
    if a.exit_at_end or until is not None:
        bounds = Bounds(lookup, consumer, a.exit_at_end, until, cfg["auto.offset.reset"], wait,
                        None if a.include else a.topic)
    outcome = None
    timeout = a.timeout_ms
    try:
        topic, partition = a.topic, a.partition
        if a.include or named_group:
            if consumer is None:
                raise AssertionError("_fits_native keeps subscriptions on confluent-kafka's consumer")
            meta = await_metadata(consumer, bootstrap, wait, topic, stopped=lambda: stop.stopped)
            if meta is None:
                return
            if bounds is not None:  # the stops of the partitions that exist now: the end offsets at start
                wanted = re.compile(a.include) if a.include else None
                bounds.know((name, p) for name, info in meta.topics.items() if info.error is None
                            and (name == topic if wanted is None else wanted.fullmatch(name))
                            for p in info.partitions)
            _subscribe(consumer, topic, a.include, bounds)
        elif topic is None:
            raise AssertionError("_validate lets no command without --topic or --include through")
        else:
            partitions = positions.topic_partitions(lookup, topic, wait, bootstrap, lambda: stop.stopped)
            if not partitions:  # stopped while waiting for the broker
                return
            if partition is not None:
                if partition not in partitions:
                    raise KafkaOperationError(f"topic '{topic}' has no partition {partition} (it has "
                                              f"{len(partitions)}: 0..{max(partitions)})")
                partitions = [partition]
            starts = positions.resolve(lookup, topic, partitions, start, wait)
            if bounds is not None:
                bounds.prepare(starts)
            if fast is not None:
                _assign_native(fast, formatter, topic, starts, bounds, bootstrap)
                outcome = run_native(fast, topic, sys.stdout.buffer, stop, a.max_messages,
                                     None if timeout is None else timeout * 1000.0, warn=_warn)
                return
            from confluent_kafka import KafkaException, TopicPartition

            if consumer is None:
                raise AssertionError("either client is made")
            try:
                consumer.assign([TopicPartition(*s) for s in starts])
            except KafkaException as exc:
                raise KafkaOperationError(f"cannot read topic '{topic}': {kafka_reason(exc)} "
                                          f"({bootstrap})") from None
        outcome = run_loop(consumer, formatter, sys.stdout.buffer, stop, a.max_messages,
                           None if timeout is None else timeout * 1000.0,
                           store_offsets=store, warn=_warn, bounds=bounds)
    finally:
        for client in (fast, consumer):
            try:
                if client is not None:
                    client.close()
            except Exception as exc:
                _warn(f"closing the consumer: {kafka_reason(exc)}")
        echo(f"Processed a total of {outcome.count if outcome is not None else 0} messages", err=True)
    if outcome is not None and outcome.error:
        raise KafkaOperationError(f"Error processing message, terminating consumer process: {outcome.error}")
