"""Formatters for `kcli groups`: kafka-consumer-groups' text layout byte for byte, and structured data.

Apache pads columns with Java's `%-Ns` (left-aligned, never truncated); `-` stands for an unknown value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kcli.groups.offsets import PartitionLag, TopicPartitionKey
from kcli.groups.service import GroupInfo, GroupListing, Member
from kcli.topics.spec import java_string_hash

MISSING = "-"


def _pad(value: object, width: int) -> str:
    return f"{value!s:<{width}}"


def _opt(value: object | None) -> str:
    return MISSING if value is None else str(value)


def java_hashmap_keys(keys: Sequence[str]) -> list[str]:
    """The iteration order of a java.util.HashMap (default capacity 16, load factor 0.75) filled with `keys`
    in this order: by bucket, insertion order within a bucket. Apache's admin client collects listed groups so."""
    cap = 16
    while len(keys) > cap * 0.75:
        cap <<= 1

    def bucket(key: str) -> int:
        h = java_string_hash(key)
        return (h ^ (h >> 16)) & (cap - 1)

    return sorted(keys, key=bucket)


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
