"""The CSV of `--reset-offsets --export` and `--from-file`, in kafka-consumer-groups' format.

One line per partition: `topic,partition,offset` when exactly one --group was named, else
`group,topic,partition,offset` (also for --all-groups); then an empty line. Values are quoted as
Apache's Jackson CSV writer quotes them: when longer than 24 characters or holding a character
below '-' (space, quote, comma, '#'…) or a backslash; a quote inside is doubled.

Reading follows Apache: if the first line reads as `topic,partition,offset` and one group was named,
every line is in that form, otherwise every line must carry the group. Where Apache would fail with
a Jackson exception (or silently read a line the wrong way), kcli names the file and line.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence

from kcli.errors import UsageError
from kcli.groups.reset import TP, GroupPlan, java_split, ordered_plans

_MAX_UNQUOTED = 24  # Jackson CsvEncoder.MAX_QUOTE_CHECK
_MIN_SAFE = ord(",") + 1  # Jackson quotes any character below max(separator, quote, line feed) + 1
_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_MAX = 2**63 - 1


def _java_length(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def csv_value(value: str) -> str:
    """One string column as Jackson's CSV writer (loose quoting) writes it."""
    if _java_length(value) > _MAX_UNQUOTED or any(ord(c) < _MIN_SAFE or c == "\\" for c in value):
        return '"' + value.replace('"', '""') + '"'
    return value


def export_csv(plans: Sequence[GroupPlan], with_group: bool) -> str:
    """What `--export` prints: the records, each ending in a newline, then one more newline (println)."""
    lines = []
    for plan in ordered_plans(plans):
        for (topic, partition), offset in plan.ordered():
            head = f"{csv_value(plan.group)}," if with_group else ""
            lines.append(f"{head}{csv_value(topic)},{partition},{offset}\n")
    return "".join(lines) + "\n"


def _where(source: str, number: int) -> str:
    return f"({source}:{number})"


def _integer(text: str, what: str, low: int, high: int, source: str, number: int) -> int:
    try:
        value = int(text.strip(), 10)
    except ValueError:
        raise UsageError(f"invalid {what} '{text}' in the reset plan {_where(source, number)}") from None
    if not low <= value <= high:
        raise UsageError(f"{what} {value} is out of range in the reset plan {_where(source, number)}")
    return value


def _fields(line: str, source: str, number: int) -> list[str]:
    line = line.removesuffix("\r")
    if not line.strip():
        raise UsageError(f"empty line in the reset plan {_where(source, number)}")
    try:
        rows = list(csv.reader([line], strict=True))
    except csv.Error as exc:
        raise UsageError(f"malformed CSV line in the reset plan: {exc} {_where(source, number)}") from None
    return rows[0] if rows else []


def _reads_without_group(line: str) -> bool:
    """Apache's format probe: does the first line read as `topic,partition,offset`?"""
    try:
        fields = _fields(line, "", 1)
        if len(fields) != 3:
            return False
        int(fields[1].strip(), 10)
        int(fields[2].strip(), 10)
    except (UsageError, ValueError):
        return False
    return True


def parse_plan(text: str, groups: Sequence[str], source: str) -> dict[str, dict[TP, int]]:
    """A reset plan file as {group: {(topic, partition): offset}} (a partition given twice: the last line wins).

    `groups` are the --group values: with exactly one, lines may leave the group out."""
    lines = java_split(text, "\n")
    if not lines:
        raise UsageError(f"the reset plan is empty ({source})")
    without_group = len(groups) == 1 and _reads_without_group(lines[0])
    width = 3 if without_group else 4
    plan: dict[str, dict[TP, int]] = {}
    for number, line in enumerate(lines, start=1):
        fields = _fields(line, source, number)
        if len(fields) != width:
            if width == 3 or len(fields) == 3:
                expected = ("GROUP,TOPIC,PARTITION,OFFSET (a plan without the group column needs exactly one "
                            "--group)" if width == 4 else "TOPIC,PARTITION,OFFSET, as on the first line")
            else:
                expected = "GROUP,TOPIC,PARTITION,OFFSET"
            raise UsageError(f"expected {expected} in the reset plan, got {len(fields)} fields "
                             f"{_where(source, number)}")
        group = groups[0] if without_group else fields[0]
        topic, part_text, offset_text = fields[-3:]
        partition = _integer(part_text, "partition", *_INT_RANGE, source, number)
        offset = _integer(offset_text, "offset", -(2**63), _LONG_MAX, source, number)
        if offset < 0:
            raise UsageError(f"Invalid negative offset {offset} in the reset plan {_where(source, number)}")
        plan.setdefault(group, {})[(topic, partition)] = offset
    return plan
