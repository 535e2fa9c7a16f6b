"""The five kafka-topics actions and `config get|set|delete`: validate options, call the admin
service, hand the result to a formatter. The command-line layer (cli/topics.py) only parses."""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from kcli.admin.render import ConfigsView, entity_header, print_altered, print_configs
from kcli.admin.session import parse_timeout
from kcli.errors import KafkaOperationError, UsageError
from kcli.output import echo, emit_structured
from kcli.topics import render
from kcli.topics.spec import (
    COLLISION_WARNING,
    TopicFilter,
    TopicSpec,
    has_collision_chars,
    parse_configs,
    parse_replica_assignment,
    parse_topic_specs,
    select_topics,
)

if TYPE_CHECKING:
    from kcli.clients import ClientOptions
    from kcli.topics.service import PartitionInfo, TopicInfo, TopicService

ACTIONS = ("create", "list", "describe", "alter", "delete")
DELETE_CONFIG_NOTICE = ("delete-config option is no longer supported and deprecated since version 4.0. "
                        "The config will be fully removed in future releases.")
CONFIGS_HINT = " (To alter topic configurations, use `kcli topics config set|delete`.)"


@dataclass
class TopicArgs:
    """Every option of kafka-topics.sh (plus kcli's) after parsing; unset means None/()/False."""

    topic: str | None = None
    names: tuple[str, ...] = ()  # positional topics/patterns/specs of the subcommand form
    topic_id: str | None = None
    partitions: int | None = None
    replication_factor: int | None = None
    replica_assignment: str | None = None
    configs: tuple[str, ...] = ()
    delete_configs: tuple[str, ...] = ()
    if_exists: bool = False
    if_not_exists: bool = False
    exclude_internal: bool = False
    under_replicated_partitions: bool = False
    unavailable_partitions: bool = False
    under_min_isr_partitions: bool = False
    at_min_isr_partitions: bool = False
    topics_with_overrides: bool = False
    partition_size_limit_per_response: int | None = None
    output: str | None = None
    timeout: str | None = None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> TopicArgs:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in params.items() if k in names})

    def fill_from(self, parent: TopicArgs) -> None:
        """Options given before the subcommand (`kcli topics --timeout 5s list`) fill unset ones."""
        for f in fields(self):
            if not getattr(self, f.name) and getattr(parent, f.name):
                setattr(self, f.name, getattr(parent, f.name))

    @property
    def report_flags(self) -> list[str]:
        return [n for n in ("under_replicated_partitions", "unavailable_partitions",
                            "under_min_isr_partitions", "at_min_isr_partitions") if getattr(self, n)]

    @property
    def patterns(self) -> list[str]:
        return ([self.topic] if self.topic else []) + list(self.names)

    @property
    def fmt(self) -> str:
        return self.output or "text"


parse_duration = parse_timeout  # --timeout: `30s`, `5m`, `1500ms` or bare milliseconds, at most 1h


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def validate(action: str, a: TopicArgs) -> None:
    """Apache's checkRequiredArgs/checkInvalidArgs, as usage errors (exit 2)."""
    def only(option: str, allowed: tuple[str, ...]) -> None:
        if getattr(a, option) and action not in allowed:
            raise UsageError(f"option {_flag(option)} can't be used with --{action}")

    if a.delete_configs:
        echo(DELETE_CONFIG_NOTICE, err=True)
    if action == "alter" and a.configs:
        raise UsageError("option --config can't be used with --alter" + CONFIGS_HINT)
    only("configs", ("create",))
    only("partitions", ("create", "alter"))
    only("replication_factor", ("create",))
    only("replica_assignment", ("create", "alter"))
    only("topic_id", ("describe",))
    only("if_exists", ("alter", "delete", "describe"))
    only("if_not_exists", ("create",))
    only("exclude_internal", ("list", "describe"))
    for name in [*a.report_flags, "topics_with_overrides", "partition_size_limit_per_response"]:
        only(name, ("describe",))
    if a.topics_with_overrides and a.report_flags:
        raise UsageError(f"option --topics-with-overrides can't be used with {_flag(a.report_flags[0])}")
    if action == "create" and a.replica_assignment and (a.partitions is not None or a.replication_factor is not None):
        raise UsageError("option --replica-assignment can't be used with --partitions or --replication-factor")
    if action in ("create", "alter", "delete") and not a.patterns:
        raise UsageError(f"missing required argument --topic for --{action}")
    if action == "alter" and a.partitions is None:
        raise UsageError("missing required argument --partitions for --alter")
    if action == "describe" and a.if_exists and not a.patterns and not a.topic_id:
        raise UsageError("--topic or --topic-id is required to describe a topic")
    if action != "create":
        for pattern in a.patterns:
            TopicFilter.parse(pattern)  # a bad regex is a usage error before anything is done
    if action == "create" and a.replica_assignment and len(a.patterns) > 1:
        raise UsageError("--replica-assignment needs exactly one topic")


def run(action: str, a: TopicArgs, client: ClientOptions) -> None:
    """Validate, connect, and perform one action (create/list/describe/alter/delete)."""
    validate(action, a)
    timeout = parse_duration(a.timeout)
    specs = _create_specs(a) if action == "create" else []
    svc = _service(client, timeout)
    if action == "create":
        _create(svc, a, specs)
    else:
        {"list": _list, "describe": _describe, "alter": _alter, "delete": _delete}[action](svc, a)


def _service(client: ClientOptions, timeout: float) -> TopicService:
    from kcli.topics.service import TopicService

    return TopicService(client.config(), timeout=timeout)


def _matching(svc: TopicService, a: TopicArgs, required: bool, listing: bool = False) -> list[str]:
    """Sorted topics matching any --topic/positional regex; each pattern must match when required (`listing`: the
    names are all the command needs)."""
    all_names = svc.all_topic_names(listing)
    if not a.patterns:
        return select_topics(all_names, None, a.exclude_internal)
    found: set[str] = set()
    for pattern in a.patterns:
        hits = select_topics(all_names, pattern, a.exclude_internal)
        if required and not hits:
            raise KafkaOperationError(f"Topic '{pattern}' does not exist as expected")
        found.update(hits)
    return sorted(found)


# -- create ------------------------------------------------------------------------------------
def _create_specs(a: TopicArgs) -> list[TopicSpec]:
    configs = parse_configs(a.configs)
    specs = [TopicSpec(a.topic)] if a.topic else []
    specs += parse_topic_specs(a.names)
    for spec in specs:
        if spec.partitions is None:
            spec.partitions = a.partitions
        if spec.replication_factor is None:
            spec.replication_factor = a.replication_factor
        spec.configs = {**configs, **spec.configs}
    if a.replica_assignment:
        specs[0].replica_assignment = parse_replica_assignment(a.replica_assignment)
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise UsageError(f"topic '{spec.name}' is given twice")
        seen.add(spec.name)
    return specs


def _create(svc: TopicService, a: TopicArgs, specs: list[TopicSpec]) -> None:
    text = a.fmt == "text"
    for spec in specs:
        if has_collision_chars(spec.name):
            echo(COLLISION_WARNING, err=not text)  # Apache prints it on stdout
    results = svc.create(specs, a.if_not_exists)
    errors = [r for r in results if r.error]
    if text:
        for r in results:
            if r.created:
                echo(f"Created topic {r.name}.")
    elif a.fmt == "table":
        render.print_table("", ["Topic", "Result"], [(r.name, r.error or ("created" if r.created else "exists"))
                                                    for r in results])
    else:
        emit_structured([{"topic": r.name, "created": r.created, "error": r.error} for r in results], a.fmt)
    if errors:
        if len(results) == 1:
            raise KafkaOperationError(errors[0].error or "")
        for r in errors[:-1]:
            echo(f"kcli: error: {r.name}: {r.error}", err=True)
        raise KafkaOperationError(f"{errors[-1].name}: {errors[-1].error}")


# -- list --------------------------------------------------------------------------------------
def _list(svc: TopicService, a: TopicArgs) -> None:
    names = _matching(svc, a, required=False, listing=True)
    if a.fmt == "text":
        echo("\n".join(names))  # an empty listing is one empty line, as in Apache
    elif a.fmt == "table":
        render.print_table("", ["Topic"], [(n,) for n in names])
    else:
        emit_structured(names, a.fmt)


# -- describe ----------------------------------------------------------------------------------
def _describe(svc: TopicService, a: TopicArgs) -> None:
    if a.topic_id:
        topics = [t for t in svc.describe(_matching(svc, TopicArgs(exclude_internal=a.exclude_internal), False))
                  if t.topic_id == a.topic_id]
        if not topics and not a.if_exists:
            raise KafkaOperationError(f"TopicId '{a.topic_id}' does not exist as expected")
    else:
        topics = svc.describe(_matching(svc, a, required=not a.if_exists))
    live = svc.live_brokers() if a.unavailable_partitions and topics else set()
    rows = [(t, *_selection(a, t, live)) for t in topics]
    if a.fmt == "text":
        sys.stdout.write(render.describe_text(rows))
    elif a.fmt == "table":
        render.describe_tables(rows)
    else:
        emit_structured([render.topic_dict(t, parts) for t, show, parts in rows if show or parts], a.fmt)


def _selection(a: TopicArgs, topic: TopicInfo, live: set[int]) -> tuple[bool, list[PartitionInfo]]:
    """Apache's DescribeOptions: whether the topic line prints, and which partition lines do."""
    all_parts = not a.report_flags
    show_topic = all_parts and (not a.topics_with_overrides or bool(topic.overrides))
    if a.topics_with_overrides:
        return show_topic, []
    min_isr = topic.min_isr
    parts = []
    for p in topic.partitions:
        rf = len(p.replicas)
        if (all_parts
                or (a.under_replicated_partitions and rf - len(p.isr) > 0)
                or (a.unavailable_partitions and (p.leader is None or p.leader not in live))
                or (a.under_min_isr_partitions and (p.leader is None or len(p.isr) < min_isr))
                or (a.at_min_isr_partitions and len(p.isr) == min_isr)):
            parts.append(p)
    return show_topic, parts


# -- alter / delete ----------------------------------------------------------------------------
def _alter(svc: TopicService, a: TopicArgs) -> None:
    names = _matching(svc, a, required=not a.if_exists)
    assignment = parse_replica_assignment(a.replica_assignment) if a.replica_assignment else None
    svc.add_partitions(names, int(a.partitions or 0), assignment)
    _report_changes(a, [{"topic": n, "partitions": a.partitions} for n in names])


def _delete(svc: TopicService, a: TopicArgs) -> None:
    names = _matching(svc, a, required=not a.if_exists)
    svc.delete(names)
    _report_changes(a, [{"topic": n, "deleted": True} for n in names])


def _report_changes(a: TopicArgs, data: list[dict[str, Any]]) -> None:
    """Apache's alter/delete are silent; structured output lists what changed."""
    if a.fmt in ("json", "yaml"):
        emit_structured(data, a.fmt)
    elif a.fmt == "table" and data:
        cols = list(data[0])
        render.print_table("", [c.capitalize() for c in cols], [[d[c] for c in cols] for d in data])


# -- config get|set|delete ---------------------------------------------------------------------
def config_get(client: ClientOptions, topic: str, show_all: bool, output: str | None, timeout: str | None) -> None:
    """kafka-configs --describe --entity-type topics: dynamic overrides (all entries with --all)."""
    svc = _service(client, parse_duration(timeout))
    items = [c for c in svc.topic_configs(topic) if show_all or c.source == "DYNAMIC_TOPIC_CONFIG"]
    print_configs([ConfigsView(entity_header("topic", topic, show_all), f"Configs for topic {topic}",
                               {"topic": topic}, items)], output or "text")


def config_alter(client: ClientOptions, topic: str, set_items: dict[str, str], delete_keys: list[str],
                 output: str | None, timeout: str | None) -> None:
    """kafka-configs --alter --add-config/--delete-config with an incremental alter."""
    if not set_items and not delete_keys:
        raise UsageError("give at least one config (k=v to set, k to delete)")
    svc = _service(client, parse_duration(timeout))
    svc.alter_configs(topic, set_items, delete_keys)
    print_altered(f"topic {topic}", {"topic": topic}, set_items, delete_keys, output or "text")
