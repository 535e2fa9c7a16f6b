"""`--reset-offsets` planning, with no Kafka in it: which partitions (the scope), which new offset for each
(the strategy, given the committed, earliest, latest and for-timestamp offsets the broker reported), and the
plan as kafka-consumer-groups 4.3.1 prints it. The admin calls live in reset_run.py, the CSV in reset_csv.py.

Apache's rules kept here: --to-offset, --shift-by and --from-file are clamped into [earliest, latest] (a WARN
line each), --to-current falls back to the latest offset where nothing is committed, --to-datetime and
--by-duration fall back to the latest offset where no record is that recent ("Warn: Partition … is empty").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kcli.errors import KafkaOperationError, UsageError
from kcli.java_order import string_order, topic_partition_order

TP = tuple[str, int]  # (topic, partition)

# The strategies, in the order Apache's usage names them; value: the option that selects it.
STRATEGIES = {
    "datetime": "--to-datetime",
    "duration": "--by-duration",
    "earliest": "--to-earliest",
    "latest": "--to-latest",
    "shift": "--shift-by",
    "file": "--from-file",
    "current": "--to-current",
    "offset": "--to-offset",
}
# Which offsets the broker must report for a strategy (committed offsets are asked for separately).
NEEDS = {
    "datetime": ("timestamp", "latest"),
    "duration": ("timestamp", "latest"),
    "earliest": ("earliest",),
    "latest": ("latest",),
    "shift": ("earliest", "latest"),
    "file": ("earliest", "latest"),
    "current": ("latest",),
    "offset": ("earliest", "latest"),
}
NEEDS_COMMITTED = ("shift", "current")

DRY_RUN_WARNING = (
    "WARN: No action will be performed as the --execute option is missing. In version 5.0, this command will "
    "require either --dry-run or --execute to be specified. You should add the --dry-run option explicitly if you "
    "are scripting this command and want to keep the current default behavior without prompting."
)
MISSING_SCOPE = "One of the reset scopes should be defined: --all-topics, --topic."
MISSING_STRATEGY = ("Option '[reset-offsets]' requires one of the following scenarios: [[by-duration], "
                    "[to-datetime], [from-file], [shift-by], [to-offset], [to-earliest], [to-current], [to-latest]]")


def java_split(text: str, sep: str) -> list[str]:
    """Java's String.split on a literal separator: trailing empty strings dropped (all of them for "")."""
    pieces = text.split(sep)
    while pieces and pieces[-1] == "":
        pieces.pop()
    return pieces


def tp_text(tp: TP) -> str:
    """TopicPartition.toString: `topic-partition`."""
    return f"{tp[0]}-{tp[1]}"


@dataclass(frozen=True)
class Strategy:
    """One reset specification: `kind` (a key of STRATEGIES) and its value (offset, shift, epoch ms)."""

    kind: str
    value: int | None = None
    plan: Mapping[str, Mapping[TP, int]] | None = None  # --from-file: group -> partition -> offset

    @property
    def needs(self) -> tuple[str, ...]:
        return NEEDS[self.kind]

    @property
    def needs_committed(self) -> bool:
        return self.kind in NEEDS_COMMITTED


def choose_strategy(given: Mapping[str, object]) -> str:
    """The one strategy whose option is set in `given` (kind -> value, None/False when unset), or Apache's error."""
    chosen = [kind for kind in STRATEGIES if given.get(kind) not in (None, False)]
    if not chosen:
        raise UsageError(MISSING_STRATEGY)
    if len(chosen) > 1:
        first, second = sorted(chosen, key=list(STRATEGIES).index)[:2]
        raise UsageError(f"Option \"[{STRATEGIES[first][2:]}]\" can't be used with option "
                         f"\"[{STRATEGIES[second][2:]}]\"")
    return chosen[0]


# -- scope -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """--all-topics, or the --topic values: partitions named outright and topics meaning all their partitions."""

    all_topics: bool = False
    partitions: tuple[TP, ...] = ()
    topics: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.all_topics and not self.partitions and not self.topics


def parse_scope(all_topics: bool, topic_args: Sequence[str]) -> Scope:
    """Apache's parseTopicPartitionsToReset: `t` is every partition of t, `t:0,2` only those (Java int each)."""
    partitions: list[TP] = []
    topics: list[str] = []
    for arg in topic_args:
        if ":" not in arg:
            topics.append(arg)
            continue
        pieces = java_split(arg, ":")
        if len(pieces) != 2:
            raise UsageError(f"Invalid topic arg '{arg}', expected topic name and partitions")
        topic, numbers = pieces
        for number in java_split(numbers, ","):
            try:
                value = int(number, 10)
            except ValueError:
                value = None
            if value is None or not -(2**31) <= value < 2**31 or number.strip() != number or "_" in number:
                raise UsageError(f"Invalid partition '{number}' specified in topic arg '{arg}'")
            partitions.append((topic, value))
    if all_topics and (partitions or topics):
        raise UsageError("Option \"[all-topics]\" can't be used with option \"[topic]\"")
    return Scope(all_topics, tuple(partitions), tuple(topics))


def scope_partitions(scope: Scope, committed: Iterable[TP], topic_partitions: Mapping[str, Sequence[int]]) -> list[TP]:
    """The partitions to reset for one group, in Apache's order: --all-topics is every partition with a committed
    offset; --topic is the named partitions, then every partition of each whole topic (`topic_partitions`)."""
    if scope.all_topics:
        return sorted(committed)
    out = list(dict.fromkeys(scope.partitions))
    for topic in string_order(list(dict.fromkeys(scope.topics))):  # Apache walks a HashMap of descriptions
        out.extend((topic, p) for p in sorted(topic_partitions.get(topic, ())) if (topic, p) not in out)
    return out


# -- planning ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Clamp:
    """A requested offset moved into the log: Apache's WARN 'New offset (x) is higher/lower than …'."""

    tp: TP
    requested: int
    applied: int
    above: bool

    @property
    def message(self) -> str:
        side = "higher than latest" if self.above else "lower than earliest"
        return (f"New offset ({self.requested}) is {side} offset for topic partition {tp_text(self.tp)}. "
                f"Value will be set to {self.applied}")


@dataclass
class Offsets:
    """What the broker reported for the partitions of a plan; None where it could not say."""

    earliest: dict[TP, int | None] = field(default_factory=dict)
    latest: dict[TP, int | None] = field(default_factory=dict)
    for_time: dict[TP, int | None] = field(default_factory=dict)  # -1/None: no record at or after the time


@dataclass
class GroupPlan:
    """New offsets of one group, with the notices Apache prints while computing them."""

    group: str
    offsets: dict[TP, int] = field(default_factory=dict)
    clamps: list[Clamp] = field(default_factory=list)
    no_record_after: list[TP] = field(default_factory=list)  # --to-datetime/--by-duration fell back to latest
    refused: str | None = None  # the group is active: Apache's message, nothing planned

    def ordered(self) -> list[tuple[TP, int]]:
        """(partition, new offset) in the order Apache prints them (its HashMap's)."""
        return [(tp, self.offsets[tp]) for tp in topic_partition_order(list(self.offsets))]


def refused_message(group: str, state: str) -> str:
    return f"Assignments can only be reset if the group '{group}' is inactive, but the current state is {state}."


def _known(values: Mapping[TP, int | None], tp: TP, what: str) -> int:
    value = values.get(tp)
    if value is None or value < 0:
        raise KafkaOperationError(f"Error getting {what} of topic partition: {tp_text(tp)}")
    return value


def _clamped(plan: GroupPlan, requested: Mapping[TP, int], facts: Offsets) -> None:
    """checkOffsetsRange: above the log-end offset -> latest; below the log-start offset -> earliest."""
    for tp in topic_partition_order(list(requested)):
        offset = requested[tp]
        latest = _known(facts.latest, tp, "ending offset")
        earliest = _known(facts.earliest, tp, "starting offset")
        if offset > latest:
            plan.clamps.append(Clamp(tp, offset, latest, above=True))
            offset = latest
        elif offset < earliest:
            plan.clamps.append(Clamp(tp, offset, earliest, above=False))
            offset = earliest
        plan.offsets[tp] = offset


def plan_group(group: str, strategy: Strategy, partitions: Sequence[TP], committed: Mapping[TP, int],
               facts: Offsets) -> GroupPlan:
    """The new offset of every partition in `partitions` (from-file: the file's partitions for `group`)."""
    plan = GroupPlan(group)
    kind = strategy.kind
    if kind == "offset":
        _clamped(plan, {tp: int(strategy.value or 0) for tp in partitions}, facts)
    elif kind == "earliest":
        plan.offsets = {tp: _known(facts.earliest, tp, "starting offset") for tp in partitions}
    elif kind == "latest":
        plan.offsets = {tp: _known(facts.latest, tp, "ending offset") for tp in partitions}
    elif kind == "shift":
        requested = {}
        for tp in partitions:
            if tp not in committed:
                raise UsageError(f"Cannot shift offset for partition {tp_text(tp)} since there is no current "
                                 "committed offset")
            requested[tp] = committed[tp] + int(strategy.value or 0)
        _clamped(plan, requested, facts)
    elif kind in ("datetime", "duration"):
        for tp in partitions:
            found = facts.for_time.get(tp)
            if found is None or found < 0:
                plan.no_record_after.append(tp)
                found = _known(facts.latest, tp, "offset by timestamp")
            plan.offsets[tp] = found
        plan.no_record_after = topic_partition_order(plan.no_record_after)
    elif kind == "file":
        wanted = (strategy.plan or {}).get(group)
        if wanted is None:
            raise UsageError(f"No reset plan for group {group} found")
        _clamped(plan, wanted, facts)
    elif kind == "current":
        plan.offsets = {tp: committed[tp] if tp in committed else _known(facts.latest, tp, "ending offset")
                        for tp in partitions}
    else:  # pragma: no cover - choose_strategy names only the kinds above
        raise UsageError(MISSING_STRATEGY)
    return plan


# -- output ------------------------------------------------------------------------------------
def ordered_plans(plans: Sequence[GroupPlan]) -> list[GroupPlan]:
    """Groups in the order Apache prints them (its result HashMap's, filled in the order they were described)."""
    by_group = {p.group: p for p in plans}
    return [by_group[g] for g in string_order(list(by_group))]


def plan_text(plans: Sequence[GroupPlan]) -> str:
    """printOffsetsToReset: a blank line, `GROUP TOPIC PARTITION NEW-OFFSET` (group and topic columns as wide as
    the widest value, at least 15), one line per partition, a final newline. Refused groups count for the header
    and widths, as the empty entries they are in Apache's map."""
    ordered = ordered_plans(plans)
    if not ordered:
        return "\n"
    group_w = max([15, *(len(p.group) for p in ordered)])
    topic_w = max([15, *(len(tp[0]) for p in ordered for tp in p.offsets)])

    def line(group: str, topic: str, partition: object, offset: object) -> str:
        return f"\n{group:<{group_w}} {topic:<{topic_w}} {str(partition):<10} {offset}"

    out = line("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")
    for plan in ordered:
        out += "".join(line(plan.group, tp[0], tp[1], offset) for tp, offset in plan.ordered())
    return out + "\n"


def plan_rows(plans: Sequence[GroupPlan], committed: Mapping[str, Mapping[TP, int]],
              executed: bool) -> list[dict[str, object]]:
    """The plan as data (-o json|yaml): one entry per group and partition, with the offset it had."""
    rows: list[dict[str, object]] = []
    for plan in ordered_plans(plans):
        for tp, offset in plan.ordered():
            rows.append({"group": plan.group, "topic": tp[0], "partition": tp[1],
                         "current_offset": committed.get(plan.group, {}).get(tp), "new_offset": offset,
                         "executed": executed})
    return rows


def empty_partition_notice(tp: TP) -> str:
    """What Apache prints (on stdout, after a blank line) when no record is as recent as the time asked for."""
    return f"Warn: Partition {tp[1]} from topic {tp[0]} is empty. Falling back to latest known offset."
