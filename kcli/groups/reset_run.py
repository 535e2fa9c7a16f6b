"""`kcli groups --reset-offsets` / `kcli groups reset`: check the options as kafka-consumer-groups 4.3.1 does,
ask the broker what the plan needs (group states, committed offsets, partitions, log offsets), plan with
kcli.groups.reset, alter the offsets on --execute, and print the plan (Apache's table, its CSV, or data).

Broker round trips: one DescribeConsumerGroups, one OffsetFetch per group where committed offsets matter,
one Metadata request, then the earliest / latest / for-timestamp ListOffsets requests for every partition
of every group sent together (a partition appears once per request, so one request per kind of offset),
and one OffsetCommit per group on --execute.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kcli.errors import KafkaOperationError, UsageError
from kcli.groups.reset import (
    DRY_RUN_WARNING,
    MISSING_SCOPE,
    TP,
    GroupPlan,
    Offsets,
    Scope,
    Strategy,
    choose_strategy,
    empty_partition_notice,
    parse_scope,
    plan_group,
    plan_rows,
    plan_text,
    refused_message,
    scope_partitions,
    tp_text,
)
from kcli.java_order import string_order
from kcli.output import echo, emit_structured

if TYPE_CHECKING:
    from kcli.clients import ClientOptions
    from kcli.groups.actions import GroupArgs
    from kcli.groups.service import GroupService

INACTIVE = ("Empty", "Dead")  # the states Apache resets in; an unknown group describes as Dead
LOGGER = "kcli.groups.reset"
DRY_RUN_HINT = "Dry run: nothing was changed; add --execute to apply these offsets."
STRATEGY_OPTIONS = {  # GroupArgs.extra key -> strategy kind
    "to_datetime": "datetime", "by_duration": "duration", "to_earliest": "earliest", "to_latest": "latest",
    "shift_by": "shift", "from_file": "file", "to_current": "current", "to_offset": "offset",
}


@dataclass(frozen=True)
class ResetRequest:
    """A checked --reset-offsets command line."""

    groups: tuple[str, ...]
    all_groups: bool
    scope: Scope
    strategy: Strategy
    execute: bool
    export: bool
    fmt: str
    duration: str | None = None  # --by-duration: the timestamp is taken when the plan is made
    hint: bool = False  # subcommand form without --dry-run/--execute: say it was a dry run

    @property
    def with_group_column(self) -> bool:
        """Apache writes (and reads) the group column unless exactly one --group was given."""
        return len(self.groups) != 1 or self.all_groups


def _read_plan(path: str, groups: Sequence[str]) -> dict[str, dict[TP, int]]:
    from kcli.groups.reset_csv import parse_plan

    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"cannot read the reset plan: {reason} ({path})") from None
    return parse_plan(text, groups, "stdin" if path == "-" else path)


def check(a: GroupArgs, flag_form: bool) -> ResetRequest:
    """Apache's checkArgs for --reset-offsets (and what it only finds later: scope, strategy, bad dates), as
    usage errors before anything is asked of the broker. Apache's dry-run WARN (flag form) is printed here, first,
    as Apache prints it; the subcommand form says 'Dry run' after the plan instead."""
    extra = a.extra
    dry_run, execute, export = (bool(extra.get(k)) for k in ("dry_run", "execute", "export"))
    if dry_run and execute:
        raise UsageError("Option [reset-offsets] only accepts one of [execute] and [dry-run]")
    if not dry_run and not execute and flag_form:
        echo(DRY_RUN_WARNING, err=True)
    groups = tuple(a.group_ids)
    if not groups and not a.all_groups:
        raise UsageError("Option [reset-offsets] takes one of these options: [group], [all-groups]")
    if groups and a.all_groups:
        raise UsageError("Option \"[group]\" can't be used with option \"[all-groups]\"")
    given = {kind: extra.get(key) for key, kind in STRATEGY_OPTIONS.items()}
    kind = choose_strategy(given)
    scope = parse_scope(bool(extra.get("all_topics")), a.topics)
    if scope.empty and kind != "file":
        raise UsageError(MISSING_SCOPE)
    if export and a.fmt != "text":
        raise UsageError(f"--export prints CSV; it cannot be combined with -o {a.fmt}")
    strategy = Strategy(kind)
    duration = None
    if kind == "datetime":
        from kcli.groups.reset_time import parse_datetime

        strategy = Strategy(kind, parse_datetime(str(given[kind])))
    elif kind == "duration":
        from kcli.groups.reset_time import parse_duration_nanos

        duration = str(given[kind])
        parse_duration_nanos(duration)
    elif kind in ("offset", "shift"):
        strategy = Strategy(kind, int(str(given[kind])))
    elif kind == "file":
        strategy = Strategy(kind, plan=_read_plan(str(given[kind]), groups))
    return ResetRequest(groups, a.all_groups, scope, strategy, execute, export, a.fmt, duration,
                        hint=not dry_run and not execute and not flag_form)


# -- broker ------------------------------------------------------------------------------------
class ResetBroker:
    """The admin calls of a reset, on the GroupService's client (its timeout, its error wording)."""

    def __init__(self, svc: GroupService) -> None:
        self.svc = svc
        self.admin = svc.admin

    def _fail(self, exc: BaseException) -> KafkaOperationError:
        from kcli.groups.offsets import admin_failure

        return admin_failure(exc, self.svc.bootstrap, self.svc.timeout)

    def _wait(self, future: Any) -> Any:
        try:
            return future.result(timeout=self.svc.timeout + 5)
        except Exception as exc:
            raise self._fail(exc) from exc

    def topic_partitions(self, topics: Iterable[str]) -> dict[str, dict[int, bool]]:
        """{topic: {partition: has a leader}} for the topics that exist, in one Metadata request."""
        wanted = set(topics)
        if not wanted:
            return {}
        try:
            md = self.admin.list_topics(timeout=self.svc.timeout)
        except Exception as exc:
            raise self._fail(exc) from exc
        out: dict[str, dict[int, bool]] = {}
        for name in wanted:
            topic = md.topics.get(name)
            if topic is not None and topic.error is None:
                out[name] = {p.id: p.leader is not None and p.leader >= 0 for p in topic.partitions.values()}
        return out

    def log_offsets(self, partitions: Iterable[TP], needs: Sequence[str], timestamp: int | None) -> Offsets:
        """The earliest / latest / for-timestamp offsets `needs` names, every kind's request sent before any
        answer is awaited."""
        from confluent_kafka import TopicPartition
        from confluent_kafka.admin import OffsetSpec

        wanted = sorted(set(partitions))
        offsets = Offsets()
        if not wanted:
            return offsets
        specs = {"earliest": OffsetSpec.earliest, "latest": OffsetSpec.latest,
                 "timestamp": lambda: OffsetSpec.for_timestamp(int(timestamp or 0))}
        pending: dict[str, Any] = {}
        for kind in needs:
            request = {TopicPartition(t, p): specs[kind]() for t, p in wanted}
            try:
                pending[kind] = self.admin.list_offsets(request, request_timeout=self.svc.timeout)
            except Exception as exc:
                raise self._fail(exc) from exc
        targets = {"earliest": offsets.earliest, "latest": offsets.latest, "timestamp": offsets.for_time}
        for kind, futures in pending.items():
            for tp, future in futures.items():
                try:
                    targets[kind][(tp.topic, tp.partition)] = self._wait(future).offset
                except KafkaOperationError as exc:
                    raise KafkaOperationError(f"{exc.message} (topic partition {tp.topic}-{tp.partition})") from exc
        return offsets

    def alter(self, group: str, offsets: Mapping[TP, int]) -> None:
        """OffsetCommit of the plan of one group (librdkafka alters one group per request)."""
        from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

        request = ConsumerGroupTopicPartitions(group, [TopicPartition(t, p, o) for (t, p), o in offsets.items()])
        try:
            futures = self.admin.alter_consumer_group_offsets([request], request_timeout=self.svc.timeout)
        except Exception as exc:
            raise self._fail(exc) from exc
        result = self._wait(futures[group])
        for tp in result.topic_partitions or []:
            if tp.error is not None:
                reason = tp.error.str() if hasattr(tp.error, "str") else str(tp.error)
                raise KafkaOperationError(f"{reason} (group '{group}', topic partition {tp.topic}-{tp.partition})")


def check_partitions(partitions: Iterable[TP], layout: Mapping[str, Mapping[int, bool]]) -> None:
    """checkAllTopicPartitionsValid: every partition exists and has a leader, else Apache's message."""
    wanted = list(dict.fromkeys(partitions))
    missing = [tp for tp in wanted if tp[1] not in layout.get(tp[0], {})]
    if missing:
        raise KafkaOperationError(f"The partitions \"{','.join(tp_text(tp) for tp in missing)}\" do not exist")
    leaderless = [tp for tp in wanted if not layout[tp[0]][tp[1]]]
    if leaderless:
        raise KafkaOperationError(f"The partitions \"{','.join(tp_text(tp) for tp in leaderless)}\" have no leader")


# -- the action --------------------------------------------------------------------------------
def _warn(message: str) -> None:
    """A WARN line on stderr in the log4j layout Apache's tool logs in."""
    from kcli.logs import Log4jFormatter, logging_configured

    logger = logging.getLogger(LOGGER)
    if logging_configured():
        logger.warning(message)
        return
    record = logger.makeRecord(LOGGER, logging.WARNING, __file__, 0, message, (), None)
    sys.stderr.write(Log4jFormatter().format(record) + "\n")
    sys.stderr.flush()


def _partitions(req: ResetRequest, group: str, committed: Mapping[TP, int],
                layout: Mapping[str, Mapping[int, bool]]) -> list[TP]:
    if req.strategy.kind == "file":
        return sorted((req.strategy.plan or {}).get(group, {}))
    return scope_partitions(req.scope, committed, {t: list(parts) for t, parts in layout.items()})


def _prepare(broker: ResetBroker, req: ResetRequest, groups: Sequence[str]) -> tuple[
        list[GroupPlan], dict[str, dict[TP, int]]]:
    """Describe the groups, fetch what the strategy needs, and plan every inactive group."""
    svc = broker.svc
    infos = svc.describe(groups)
    active = {g: infos[g].state for g in groups if g in infos and infos[g].state not in INACTIVE}
    inactive = [g for g in groups if g not in active]
    if req.strategy.kind == "file":
        lacking = [g for g in inactive if g not in (req.strategy.plan or {})]
        if lacking:
            raise UsageError(f"No reset plan for group {lacking[0]} found")
    wants_committed = req.scope.all_topics or req.strategy.needs_committed or req.fmt != "text"
    committed = {g: ({tp: c.offset for tp, c in svc.committed(g).items()} if wants_committed else {})
                 for g in inactive}
    partitions: dict[str, list[TP]] = {}
    if inactive:
        topics = {*req.scope.topics, *(t for t, _ in req.scope.partitions)}
        topics |= {t for plan in (req.strategy.plan or {}).values() for t, _ in plan}
        if req.scope.all_topics:
            topics |= {t for c in committed.values() for t, _ in c}
        layout = broker.topic_partitions(topics)
        for topic in req.scope.topics:
            if topic not in layout:
                raise KafkaOperationError(f"This server does not host this topic-partition. (topic '{topic}')")
        partitions = {g: _partitions(req, g, committed[g], layout) for g in inactive}
        check_partitions((tp for parts in partitions.values() for tp in parts), layout)
    strategy = req.strategy
    if req.duration is not None:
        from kcli.groups.reset_time import duration_timestamp

        strategy = Strategy("duration", duration_timestamp(req.duration, time.time_ns() // 1_000_000))
    facts = broker.log_offsets((tp for parts in partitions.values() for tp in parts), strategy.needs,
                               strategy.value)
    plans = [GroupPlan(g, refused=refused_message(g, active[g])) if g in active
             else plan_group(g, strategy, partitions[g], committed[g], facts) for g in groups]
    return plans, committed


def run_reset(a: GroupArgs, client: ClientOptions, flag_form: bool = True) -> None:
    """--reset-offsets end to end: check, plan, execute when asked, print; exit 1 if a group was refused."""
    from kcli.groups.service import GroupService

    req = check(a, flag_form)
    svc = GroupService(client.config(), timeout=a.timeout_seconds)
    try:
        broker = ResetBroker(svc)
        groups = [g.group_id for g in svc.list_groups()] if req.all_groups else list(req.groups)
        groups = string_order(groups)  # Apache walks its described groups in HashMap order
        plans, committed = _prepare(broker, req, groups)
        notices_on_stdout = req.fmt == "text" and not req.export
        for plan in plans:
            for tp in plan.no_record_after:
                echo("\n" + empty_partition_notice(tp), err=not notices_on_stdout)
            for clamp in plan.clamps:
                _warn(clamp.message)
        if req.execute:
            for plan in plans:
                if plan.refused is None and plan.offsets:
                    broker.alter(plan.group, plan.offsets)
        for plan in plans:
            if plan.refused is None and not plan.offsets and req.scope.all_topics:
                echo(f"Consumer group '{plan.group}' has no committed offsets: nothing to reset.", err=True)
        _print(req, plans, committed)
        if req.hint and any(p.offsets for p in plans):
            echo(DRY_RUN_HINT, err=True)
        refused = [p.refused for p in plans if p.refused]
        for message in refused[:-1]:
            echo(f"kcli: error: {message}", err=True)
        if refused:
            raise KafkaOperationError(refused[-1] or "")
    finally:
        svc.close()


def _print(req: ResetRequest, plans: list[GroupPlan], committed: Mapping[str, Mapping[TP, int]]) -> None:
    if req.export:
        from kcli.groups.reset_csv import export_csv

        sys.stdout.write(export_csv(plans, req.with_group_column))
    elif req.fmt == "text":
        sys.stdout.write(plan_text(plans))
    else:
        emit_structured(plan_rows([p for p in plans if p.refused is None], committed, req.execute), req.fmt)
        return
    sys.stdout.flush()
