"""The kafka-consumer-groups actions: validate options (Apache's checkArgs), call the group service, hand the
result to a formatter. The command-line layer (cli/groups.py) only parses.

ACTIONS maps an action name to its run function; another action (reset-offsets) registers itself there.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from kcli import durations
from kcli.errors import KafkaOperationError, UsageError
from kcli.groups import render
from kcli.java_order import string_order
from kcli.output import echo, emit_structured

if TYPE_CHECKING:
    from kcli.clients import ClientOptions
    from kcli.groups.offsets import PartitionLag, TopicPartitionKey
    from kcli.groups.service import GroupInfo, GroupService

DEFAULT_TIMEOUT = 30.0  # 4.3.1's --timeout default (30000 ms, as its usage says)
ADMIN_MAX_TIMEOUT = 3600.0  # librdkafka's admin request timeout takes at most 3600000 ms
CONSUMER_STATES = ("PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty", "Assigning",
                   "Reconciling")
REBALANCING = ("PreparingRebalance", "CompletingRebalance", "Assigning", "Reconciling")


@dataclass
class GroupArgs:
    """Every option of kafka-consumer-groups.sh (plus kcli's) after parsing; unset means None/()/False.
    Options of actions this class does not name (reset-offsets') are kept in `extra`."""

    groups: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # positional group ids of the subcommand form
    all_groups: bool = False
    topics: tuple[str, ...] = ()
    offsets: bool = False
    members: bool = False
    state: str | None = None  # "" when --state is given without a value
    group_type: str | None = None
    verbose: bool = False
    output: str | None = None
    timeout: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> GroupArgs:
        names = {f.name for f in fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in params.items() if k in names},
                   extra={k: v for k, v in params.items() if k not in names})

    def fill_from(self, parent: GroupArgs) -> None:
        """Options given before the subcommand (`kcli groups --timeout 10s describe G`) fill unset ones."""
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(parent, f.name)
            if f.name == "extra":
                self.extra = {**theirs, **{k: v for k, v in mine.items() if v not in (None, (), False)}}
            elif mine in (None, (), False) and theirs not in (None, (), False):
                setattr(self, f.name, theirs)

    @property
    def group_ids(self) -> list[str]:
        return list(dict.fromkeys([*self.groups, *self.names]))

    @property
    def fmt(self) -> str:
        return self.output or "text"

    @property
    def timeout_seconds(self) -> float:
        if not self.timeout:
            return DEFAULT_TIMEOUT
        return durations.parse_duration(self.timeout, option="--timeout", positive=True, maximum=ADMIN_MAX_TIMEOUT)


def validate(action: str, a: GroupArgs, flag_form: bool) -> None:
    """Apache's checkArgs, as usage errors (exit 2), in its wording."""
    ids = a.group_ids
    a.timeout_seconds  # noqa: B018 - a malformed --timeout is a usage error before anything is done
    if action == "list" and a.names:
        raise UsageError("list takes no group ids")
    if a.members and action != "describe" or a.offsets and action != "describe" or a.verbose and action != "describe":
        flag = "--members" if a.members else "--offsets" if a.offsets else "--verbose"
        raise UsageError(f"Option {flag} can be used only with --describe")
    if a.state is not None and action not in ("describe", "list"):
        raise UsageError("Option --state can be used only with --describe or --list")
    if a.group_type is not None and action != "list":
        raise UsageError("Option --type can be used only with --list")
    if action in ("describe", "delete") and not ids and not a.all_groups:
        raise UsageError(f"Option [{action}] takes one of these options: [all-groups], [group]")
    if action == "describe":
        if sum((a.members, a.offsets, a.state is not None)) > 1:
            raise UsageError("Option [describe] takes at most one of these options: [members], [offsets], [state]")
        if a.state:
            raise UsageError("Option [describe] does not take a value for [state]")
    if action == "delete" and a.topics:
        raise UsageError("The consumer does not support topic-specific offset deletion from a consumer group.")
    if action == "delete-offsets":
        if not ids or not a.topics:
            raise UsageError("Option [delete-offsets] takes the following options: [group], [topic]")
        if len(ids) > 1:
            raise UsageError("Option [delete-offsets] takes one group only")
    if ids and a.all_groups:
        raise UsageError("Option \"[group]\" can't be used with option \"[all-groups]\"")
    if ids and action == "list":
        raise UsageError("Option \"[group]\" can't be used with option \"[list]\"")
    if a.topics and action in ("list", "describe"):
        raise UsageError(f"Option \"[topic]\" can't be used with option \"[{action}]\"")
    if a.fmt != "text" and action not in ("list", "describe", "delete", "delete-offsets"):
        raise UsageError(f"-o {a.fmt} is not available for {action}")


def run(action: str, a: GroupArgs, client: ClientOptions, flag_form: bool = True) -> None:
    """Validate, connect, and perform one action."""
    validate(action, a, flag_form)
    svc = _service(client, a.timeout_seconds)
    try:
        ACTIONS[action](svc, a)
    finally:
        svc.close()


def _service(client: ClientOptions, timeout: float) -> GroupService:
    from kcli.groups.service import GroupService

    return GroupService(client.config(), timeout=timeout)


def _notice(text: str) -> None:
    """Apache's notices (no active members, rebalancing) go to stderr, a blank line before them."""
    sys.stderr.write(f"\n{text}\n")
    sys.stderr.flush()


# -- list --------------------------------------------------------------------------------------
def _parse_list(value: str, valid: tuple[str, ...], what: str) -> list[str]:
    by_lower = {v.lower(): v for v in valid}
    out = []
    for item in value.split(","):
        name = by_lower.get(item.strip().lower())
        if name is None:
            raise UsageError(f"Invalid {what} list '{value}'. Valid {what}s are: {', '.join(valid)}")
        out.append(name)
    return out


def _list(svc: GroupService, a: GroupArgs) -> None:
    states = _parse_list(a.state, CONSUMER_STATES, "state") if a.state else []
    types = _parse_list(a.group_type, ("Classic", "Consumer"), "type") if a.group_type else []
    groups = svc.list_groups(states, types)
    order = {g: i for i, g in enumerate(string_order([g.group_id for g in groups]))}
    groups.sort(key=lambda g: order[g.group_id])
    if a.fmt == "text":
        sys.stdout.write(render.list_text(groups, a.group_type is not None, a.state is not None))
        sys.stdout.flush()
    else:
        emit_structured([{"group": g.group_id, "type": g.group_type, "state": g.state} for g in groups], a.fmt)


# -- describe ----------------------------------------------------------------------------------
def _describe_ids(svc: GroupService, a: GroupArgs) -> list[str]:
    if a.all_groups:
        return [g.group_id for g in svc.list_groups()]
    return a.group_ids


def _described(svc: GroupService, a: GroupArgs) -> dict[str, GroupInfo]:
    """Every group, in Apache's order (by id); an unknown one fails the whole command, as Apache's does.
    KIP-848 epochs are asked for where they are shown: --verbose --members/--state, and -o json|yaml."""
    epochs = a.verbose and (a.members or a.state is not None) or a.fmt != "text"
    infos = svc.describe(_describe_ids(svc, a), epochs=epochs)
    for group_id, info in infos.items():
        if info.state == "Dead":
            raise KafkaOperationError(f"Group {group_id} not found.")
    return dict(sorted(infos.items()))


def _should_print(info: GroupInfo, rows: int) -> bool:
    """Apache's shouldPrintMemberState: the state notice on stderr; rows only for a live group that has some."""
    if info.state == "Empty":
        _notice(f"Consumer group '{info.group_id}' has no active members.")
    elif info.state in REBALANCING:
        _notice(f"Warning: Consumer group '{info.group_id}' is rebalancing.")
    elif info.state != "Stable":
        raise KafkaOperationError(f"Expected a valid consumer group state, but found '{info.state}'.")
    return rows > 0


def collect_lags(svc: GroupService, infos: dict[str, GroupInfo]) -> dict[str, dict[TopicPartitionKey, PartitionLag]]:
    """Committed offsets of each group and, in ONE ListOffsets request, the log-end offsets of every partition
    any group holds or has committed."""
    from kcli.groups.offsets import lag_rows

    committed = {g: svc.committed(g) for g in infos}
    wanted = {g: {*committed[g], *(k for m in info.members for k in m.assignment)} for g, info in infos.items()}
    ends = svc.log_end_offsets(k for keys in wanted.values() for k in keys)
    return {g: {(r.topic, r.partition): r for r in lag_rows(committed[g], wanted[g], ends)} for g in infos}


def _describe(svc: GroupService, a: GroupArgs) -> None:
    infos = _described(svc, a)
    if a.members:
        _describe_members(infos, a)
    elif a.state is not None:
        _describe_state(infos, a)
    else:
        _describe_offsets(svc, infos, a)


def _describe_offsets(svc: GroupService, infos: dict[str, GroupInfo], a: GroupArgs) -> None:
    lags = collect_lags(svc, infos)
    if a.fmt != "text":
        emit_structured([render.group_dict(info, list(lags[g].values())) for g, info in infos.items()], a.fmt)
        return
    for group_id, info in infos.items():
        rows = render.offset_rows(info, lags[group_id])
        if _should_print(info, len(rows)):
            sys.stdout.write(render.offsets_text(rows, a.verbose))
            sys.stdout.flush()


def _describe_members(infos: dict[str, GroupInfo], a: GroupArgs) -> None:
    if a.fmt != "text":
        emit_structured([render.group_dict(info) for info in infos.values()], a.fmt)
        return
    for info in infos.values():
        sized = _should_print(info, len(info.members))
        sys.stdout.write(render.members_text(info, a.verbose, sized))
        sys.stdout.flush()


def _describe_state(infos: dict[str, GroupInfo], a: GroupArgs) -> None:
    if a.fmt != "text":
        emit_structured([render.group_dict(info) for info in infos.values()], a.fmt)
        return
    for info in infos.values():
        _should_print(info, 1)
        sys.stdout.write(render.state_text(info, a.verbose))
        sys.stdout.flush()


# -- delete ------------------------------------------------------------------------------------
def _delete(svc: GroupService, a: GroupArgs) -> None:
    ids = _describe_ids(svc, a)
    results = svc.delete_groups(ids)
    deleted = string_order([g for g, e in results.items() if e is None])
    errors = {g: e for g, e in results.items() if e is not None}
    failed = {g: errors[g] for g in string_order(list(errors))}
    if a.fmt != "text":
        emit_structured([{"group": g, "deleted": e is None, "error": None if e is None else render.error_message(e)}
                         for g, e in results.items()], a.fmt)
    elif deleted and not failed:
        echo(f"Deletion of requested consumer groups ({render.quoted(deleted)}) was successful.")
    elif deleted:
        echo(f"These consumer groups were deleted successfully: {render.quoted(deleted)}")
    if failed:
        lines = [f"Group '{g}' could not be deleted due to: {render.java_error(e)}" for g, e in failed.items()]
        for line in lines[:-1]:
            echo(f"kcli: error: {line}", err=True)
        raise KafkaOperationError(lines[-1])


# -- delete-offsets ----------------------------------------------------------------------------
def _parse_topic_partitions(spec: str) -> tuple[str, list[int] | None]:
    """`topic` (every partition) or `topic:0,2` as Apache reads --topic for delete-offsets."""
    topic, sep, rest = spec.partition(":")
    if not sep:
        return spec, None
    try:
        return topic, [int(p.strip()) for p in rest.split(",") if p.strip()]
    except ValueError:
        raise UsageError(f"invalid --topic '{spec}': partitions must be whole numbers (TOPIC:P,P…)") from None


def _delete_offsets(svc: GroupService, a: GroupArgs) -> None:
    group_id = a.group_ids[0]
    wanted: set[TopicPartitionKey] = set()
    whole: list[str] = []
    for spec in a.topics:
        topic, parts = _parse_topic_partitions(spec)
        if parts is None:
            whole.append(topic)
        else:
            wanted.update((topic, p) for p in parts)
    results: dict[TopicPartitionKey, str | None] = {}
    for topic, found in svc.topic_partitions(list(dict.fromkeys(whole))).items():
        if isinstance(found, str):
            results[(topic, -1)] = found
        else:
            wanted.update((topic, p) for p in found)
    top, per = svc.delete_offsets(group_id, sorted(wanted))
    results.update(per)
    if a.fmt != "text":
        emit_structured({"group": group_id, "error": render.error_message(top) if top else None,
                         "partitions": [{"topic": t, "partition": p if p >= 0 else None,
                                         "error": None if e is None else render.error_message(e)}
                                        for (t, p), e in sorted(results.items())]}, a.fmt)
    else:
        if top is None:
            echo(f"Request succeeded for deleting offsets from group {group_id}.")
        sys.stdout.write(render.delete_offsets_text(results))
        sys.stdout.flush()
    if top in ("INVALID_GROUP_ID", "GROUP_ID_NOT_FOUND", "GROUP_AUTHORIZATION_FAILED", "NON_EMPTY_GROUP"):
        raise KafkaOperationError(render.error_message(top))
    if top is not None:
        raise KafkaOperationError("Encountered some partition-level error, see the follow-up details.")
    if any(results.values()):
        raise KafkaOperationError("Encountered some partition-level error, see the follow-up details.")


ACTIONS: dict[str, Callable[[GroupService, GroupArgs], None]] = {
    "list": _list,
    "describe": _describe,
    "delete": _delete,
    "delete-offsets": _delete_offsets,
}
