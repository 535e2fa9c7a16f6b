"""Where a console consumer starts: --offset earliest|latest|N|-N|@TIMESTAMP, per partition."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, NamedTuple

from kcli.errors import KafkaOperationError, UsageError

if TYPE_CHECKING:
    from kcli.console.lookup import OffsetLookup

OFFSET_BEGINNING = -2
OFFSET_END = -1
# A topic created a moment ago can still be unknown to the broker that answers (metadata propagates
# asynchronously): an unknown topic is asked for again for this long before it is an error.
NEW_TOPIC_GRACE_S = 3.0
INT64_MAX = 2**63 - 1  # offsets and timestamps are Java longs


@dataclass(frozen=True)
class StartSpec:
    """kind: 'earliest' | 'latest' | 'absolute' | 'tail' | 'time'; value: offset, count or epoch ms."""

    kind: str
    value: int = 0


def parse_timestamp(text: str, option: str = "--offset") -> int:
    """Epoch milliseconds, or ISO-8601 (a time without a zone is UTC); errors name `option`."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return _long(int(text), f"{option} @{text}")
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option} @{text}: expected epoch milliseconds or an ISO-8601 time "
                         "such as 2026-11-23T19:00:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return _long(int(moment.timestamp() * 1000), f"{option} @{text}")


def _long(value: int, what: str) -> int:
    if not 0 <= value <= INT64_MAX:
        raise UsageError(f"{what}: {value} is out of range (0 to {INT64_MAX}, a Java long)")
    return value


def parse_offset(text: str) -> StartSpec:
    """Parse the --offset argument."""
    value = text.strip()
    lowered = value.lower()
    if lowered in ("earliest", "beginning"):
        return StartSpec("earliest")
    if lowered in ("latest", "end"):
        return StartSpec("latest")
    if value.startswith("@"):
        return StartSpec("time", parse_timestamp(value[1:]))
    if re.fullmatch(r"-\d+", value):
        return StartSpec("tail", _long(int(value[1:]), f"--offset {value}"))
    if re.fullmatch(r"\d+", value):
        return StartSpec("absolute", _long(int(value), f"--offset {value}"))
    raise UsageError(f"--offset '{text}': expected earliest, latest, an offset N, -N (last N records per "
                     "partition) or @TIMESTAMP")


class Start(NamedTuple):
    """Where a partition is read from: an offset, or OFFSET_BEGINNING / OFFSET_END."""

    topic: str
    partition: int
    offset: int


def topic_partitions(lookup: OffsetLookup, topic: str, timeout: float = 10.0, bootstrap: str = "",
                     stopped: Callable[[], bool] | None = None) -> list[int]:
    """The partition ids of a topic, or KafkaOperationError when it does not exist or the broker is unreachable.

    An empty list when `stopped()` turned true while waiting for the broker.
    """
    from kcli.console.reach import await_answer

    grace = time.monotonic() + min(timeout, NEW_TOPIC_GRACE_S)
    while True:
        answer = await_answer(lambda left: lookup.partition_ids(topic, left), bootstrap, timeout, stopped)
        if answer is None:
            return []
        ids, why = answer
        if ids:
            return ids
        if stopped is not None and stopped():
            return []
        if time.monotonic() >= grace:
            raise KafkaOperationError(f"topic '{topic}' is not available: {why or 'unknown topic'}")
        time.sleep(0.1)


def resolve(lookup: OffsetLookup, topic: str, partitions: list[int], spec: StartSpec,
            timeout: float = 10.0) -> list[Start]:
    """Each partition with its start offset, for an assign()."""
    from kcli.console.lookup import LookupFailed

    try:
        if spec.kind == "earliest":
            return [Start(topic, p, OFFSET_BEGINNING) for p in partitions]
        if spec.kind == "latest":
            return [Start(topic, p, OFFSET_END) for p in partitions]
        if spec.kind == "absolute":
            return [Start(topic, p, spec.value) for p in partitions]
        if spec.kind == "tail":
            out = []
            for p in partitions:
                low, high = lookup.watermarks((topic, p), timeout)
                out.append(Start(topic, p, max(low, high - spec.value)))
            return out
        found = lookup.list_offsets([(topic, p) for p in partitions], spec.value, timeout)
        # No record at or after the time: start at the end of that partition.
        return [Start(topic, key[1], offset if offset >= 0 else OFFSET_END) for key, offset, _ in found]
    except LookupFailed as exc:
        raise KafkaOperationError(f"cannot look up offsets of topic '{topic}': {exc}") from None
