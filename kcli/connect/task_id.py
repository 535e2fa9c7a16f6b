"""TaskId: one task of a connector (Apache's ConnectorTaskId)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import total_ordering


@total_ordering
@dataclass(frozen=True)
class TaskId:
    """A connector's task number; sorts by connector, then number; prints `name-N`."""

    connector: str
    task: int

    def __lt__(self, other: TaskId) -> bool:
        return (self.connector, self.task) < (other.connector, other.task)

    def __str__(self) -> str:
        return f"{self.connector}-{self.task}"


def parse_task_key(key: str, prefix: str) -> TaskId | None:
    """`<prefix><connector>-<n>` -> TaskId; dashes in the connector name are kept (Apache's rule)."""
    if not key.startswith(prefix):
        return None
    name, sep, number = key[len(prefix):].rpartition("-")
    if not sep or not name:
        return None
    try:
        return TaskId(name, int(number))
    except ValueError:
        return None
