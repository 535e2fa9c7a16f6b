"""Formatters for `kcli groups`: kafka-consumer-groups' text layout byte for byte, and structured data.

Apache pads columns with Java's `%-Ns` (left-aligned, never truncated); `-` stands for an unknown value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kcli.groups.offsets import PartitionLag, TopicPartitionKey
from kcli.groups.service import GroupInfo, GroupListing, Member

MISSING = "-"


def _pad(value: object, width: int) -> str:
    return f"{value!s:<{width}}"


def _opt(value: object | None) -> str:
    return MISSING if value is None else str(value)


# -- --list ------------------------------------------------------------------------------------
def list_text(groups: Sequence[GroupListing], with_type: bool, with_state: bool) -> str:
    """`--list`: ids one a line; with --type/--state a GROUP column (widest id + 10) and 20-wide columns."""
    if not with_type and not with_state:
        return "".join(g.group_id + "\n" for g in groups)
    width = max([15, *(len(g.group_id) for g in groups)]) + 10

    def line(cells: Sequence[str]) -> str:
        out = _pad(cells[0], width)
        for cell in cells[1:]:
            out += " " + _pad(cell, 20)
        return out + "\n"

    header = ["GROUP", *(["TYPE"] if with_type else []), *(["STATE"] if with_state else [])]
    rows = [[g.group_id, *([g.group_type] if with_type else []), *([g.state] if with_state else [])] for g in groups]
    return "".join(line(r) for r in [header, *rows])


# -- --describe --offsets ------------------------------------------------------------------------
@dataclass(frozen=True)
class OffsetRow:
    """One line of `--describe --offsets`: a partition (or `-` for a member without any) and who owns it."""

    group: str
    lag: PartitionLag | None  # None: a member with no partition (all columns `-`)
    consumer_id: str = MISSING
    host: str = MISSING
    client_id: str = MISSING


def offsets_text(rows: Sequence[OffsetRow], verbose: bool) -> str:
    widths = [15, 15, 15, 15]  # group, topic, consumer id, host
    for r in rows:
        topic = r.lag.topic if r.lag else MISSING
        for i, value in enumerate((r.group, topic, r.consumer_id, r.host)):
            widths[i] = max(widths[i], len(value))
    g, t, c, h = widths

    def line(cells: Sequence[str]) -> str:
        fixed = cells[2:-3]
        return ("\n" + _pad(cells[0], g) + " " + _pad(cells[1], t) + " " + _pad(fixed[0], 10) + " "
                + " ".join(_pad(x, 15) for x in fixed[1:]) + " " + _pad(cells[-3], c) + " " + _pad(cells[-2], h)
                + " " + cells[-1])

    head = ["GROUP", "TOPIC", "PARTITION", *(["LEADER-EPOCH"] if verbose else []), "CURRENT-OFFSET",
            "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"]
    out = [line(head)]
    for r in rows:
        p = r.lag
        cells = [r.group, p.topic if p else MISSING, _opt(p.partition if p else None)]
        if verbose:
            cells.append(_opt(p.leader_epoch if p else None))
        cells += [_opt(p.committed if p else None), _opt(p.log_end if p else None), _opt(p.lag if p else None),
                  r.consumer_id, r.host, r.client_id]
        out.append(line(cells))
    return "".join(out) + "\n"


def offset_rows(group: GroupInfo, lags: dict[TopicPartitionKey, PartitionLag]) -> list[OffsetRow]:
    """Apache's row order: members with the most partitions first (each member's partitions sorted), then the
    committed partitions no member holds (sorted), owner columns `-`."""
    rows: list[OffsetRow] = []
    assigned: set[TopicPartitionKey] = set()
    members = sorted((m for m in group.members if m.assignment), key=lambda m: -len(m.assignment))
    for m in members:
        assigned.update(m.assignment)
        for key in sorted(set(m.assignment)):
            rows.append(OffsetRow(group.group_id, lags[key], m.consumer_id, m.host, m.client_id))
    for key in sorted(k for k in lags if k not in assigned):
        rows.append(OffsetRow(group.group_id, lags[key]))
    return rows


def group_dict(group: GroupInfo, lags: Iterable[PartitionLag] | None = None) -> dict[str, Any]:
    """The facts of --describe as data: state, coordinator, members and (with lags) offsets per partition."""
    c = group.coordinator
    out: dict[str, Any] = {
        "group": group.group_id,
        "type": group.group_type,
        "state": group.state,
        "coordinator": {"id": c.id, "host": c.host, "port": c.port} if c else None,
        "assignment_strategy": group.assignor or None,
        "group_epoch": group.group_epoch,
        "target_assignment_epoch": group.target_assignment_epoch,
        "members": [member_dict(m) for m in group.members],
    }
    if lags is not None:
        owners = {key: m for m in group.members for key in m.assignment}
        out["offsets"] = [{"topic": p.topic, "partition": p.partition, "current_offset": p.committed,
                           "log_end_offset": p.log_end, "lag": p.lag, "leader_epoch": p.leader_epoch,
                           "consumer_id": owners[(p.topic, p.partition)].consumer_id
                           if (p.topic, p.partition) in owners else None}
                          for p in lags]
        known = [p.lag for p in lags if p.lag is not None]
        out["total_lag"] = sum(known) if known else None
    return out


def member_dict(m: Member) -> dict[str, Any]:
    return {"consumer_id": m.consumer_id, "group_instance_id": m.group_instance_id, "client_id": m.client_id,
            "host": m.host, "partitions": [{"topic": t, "partition": p} for t, p in sorted(m.assignment)],
            "target_partitions": None if m.target_assignment is None else
            [{"topic": t, "partition": p} for t, p in sorted(m.target_assignment)],
            "member_epoch": m.member_epoch, "upgraded": m.upgraded}


# -- --describe --members ----------------------------------------------------------------------
def assignment_text(partitions: Sequence[TopicPartitionKey] | None) -> str:
    """`t1:0,1;t2:3` (topics sorted, partitions sorted), `-` for none."""
    if not partitions:
        return MISSING
    by_topic: dict[str, list[int]] = {}
    for topic, partition in partitions:
        by_topic.setdefault(topic, []).append(partition)
    return ";".join(sorted(f"{t}:{','.join(str(p) for p in sorted(ps))}" for t, ps in by_topic.items()))


def members_text(group: GroupInfo, verbose: bool, sized: bool) -> str:
    """One group's `--members` table; `sized` (Apache computes widths only for a live group with members)."""
    g, c, gi, h, cl, cur, tgt = 15, 15, 17, 15, 15, 20, 20
    with_instance = classic = consumer = False
    if sized:
        for m in group.members:
            g, c, h, cl = max(g, len(group.group_id)), max(c, len(m.consumer_id)), max(h, len(m.host)), \
                max(cl, len(m.client_id))
            gi = max(gi, len(m.group_instance_id or ""))
            with_instance = with_instance or bool(m.group_instance_id)
            cur = max(cur, len(assignment_text(m.assignment)))
            tgt = max(tgt, len(assignment_text(m.target_assignment)))
            classic = classic or m.upgraded is False
            consumer = consumer or m.upgraded is True
    migration = classic and consumer

    def head(cells: Sequence[object]) -> str:
        widths = [g, c, gi, h, cl, 15] if with_instance else [g, c, h, cl, 15]
        return "".join(_pad(v, w) + " " for v, w in zip(cells, widths, strict=True))

    def tail(cells: Sequence[object]) -> str:
        widths = [15, cur, 15, tgt]
        out = " ".join(_pad(v, w) for v, w in zip(cells, widths, strict=False))
        return out + (f" {cells[4]}" if migration else "")

    cols = ["GROUP", "CONSUMER-ID", *(["GROUP-INSTANCE-ID"] if with_instance else []), "HOST", "CLIENT-ID",
            "#PARTITIONS"]
    out = "\n" + head(cols)
    if verbose:
        out += tail(["CURRENT-EPOCH", "CURRENT-ASSIGNMENT", "TARGET-EPOCH", "TARGET-ASSIGNMENT", "UPGRADED"])
    out += "\n"
    for m in group.members:
        out += head([group.group_id, m.consumer_id, *([m.group_instance_id or ""] if with_instance else []), m.host,
                     m.client_id, len(m.assignment)])
        if verbose:
            out += tail([_opt(m.member_epoch), assignment_text(m.assignment), _opt(group.target_assignment_epoch),
                         assignment_text(m.target_assignment), _opt(None if m.upgraded is None else
                                                                     str(m.upgraded).lower())])
        out += "\n"
    return out


# -- --describe --state ------------------------------------------------------------------------
def state_text(group: GroupInfo, verbose: bool) -> str:
    coordinator = group.coordinator.text if group.coordinator else MISSING
    cw, gw = max(25, len(coordinator)), max(15, len(group.group_id))
    strategy = group.assignor or MISSING

    def line(cells: Sequence[object]) -> str:
        fixed = [gw, cw, 20, 20, *([15, 25] if verbose else [])]
        return "\n" + " ".join(_pad(v, w) for v, w in zip(cells, fixed, strict=False)) + " " + str(cells[-1])

    head = ["GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE",
            *(["GROUP-EPOCH", "TARGET-ASSIGNMENT-EPOCH"] if verbose else []), "#MEMBERS"]
    row = [group.group_id, coordinator, strategy, group.state,
           *([_opt(group.group_epoch), _opt(group.target_assignment_epoch)] if verbose else []), len(group.members)]
    return line(head) + line(row) + "\n"


# -- --delete / --delete-offsets -----------------------------------------------------------------
# Kafka error names -> the Java exception and message Apache's tool prints for them.
JAVA_ERRORS = {
    "NON_EMPTY_GROUP": ("GroupNotEmptyException", "The group is not empty."),
    "GROUP_ID_NOT_FOUND": ("GroupIdNotFoundException", "The group id does not exist."),
    "GROUP_SUBSCRIBED_TO_TOPIC": ("GroupSubscribedToTopicException",
                                  "Deleting offsets of a topic is forbidden while the consumer group is actively "
                                  "subscribed to it."),
    "UNKNOWN_TOPIC_OR_PARTITION": ("UnknownTopicOrPartitionException",
                                   "This server does not host this topic-partition."),
    "GROUP_AUTHORIZATION_FAILED": ("GroupAuthorizationException", "Group authorization failed."),
    "TOPIC_AUTHORIZATION_FAILED": ("TopicAuthorizationException", "Topic authorization failed."),
    "INVALID_GROUP_ID": ("InvalidGroupIdException", "The configured groupId is invalid."),
}


def java_error(code: str) -> str:
    """`org.apache.kafka.common.errors.X: message`, as Java prints an exception."""
    cls, message = JAVA_ERRORS.get(code, ("KafkaException", code))
    return f"org.apache.kafka.common.errors.{cls}: {message}"


def error_message(code: str) -> str:
    return JAVA_ERRORS.get(code, ("", code))[1]


def quoted(groups: Iterable[str]) -> str:
    return ", ".join(f"'{g}'" for g in groups)


def delete_offsets_text(results: dict[TopicPartitionKey, str | None]) -> str:
    """The TOPIC/PARTITION/STATUS table, sorted as Apache sorts it (topic and partition as one string)."""
    width = max([15, *(len(t) for t, _ in results)])

    def line(topic: str, partition: str, status: str) -> str:
        return "\n" + _pad(topic, width) + " " + _pad(partition, 10) + " " + _pad(status, 15)

    out = line("TOPIC", "PARTITION", "STATUS")
    for (topic, partition), error in sorted(results.items(), key=lambda kv: kv[0][0] + str(kv[0][1])):
        status = "Successful" if error is None else "Error: " + java_error(error)
        out += line(topic, str(partition) if partition >= 0 else MISSING, status)
    return out + "\n"
