"""Connector and task statuses, and the topics connectors use (Apache's StatusBackingStore)."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass

UNASSIGNED, RUNNING, PAUSED, FAILED, RESTARTING, STOPPED = (
    "UNASSIGNED", "RUNNING", "PAUSED", "FAILED", "RESTARTING", "STOPPED")


@dataclass(frozen=True)
class Status:
    state: str
    worker_id: str
    trace: str | None = None
    generation: int = 0
    version: str | None = None  # the plugin's version (Apache 4.x shows it in statuses)

    def to_json(self) -> dict[str, str]:
        out = {"state": self.state, "worker_id": self.worker_id}
        if self.trace:
            out["trace"] = self.trace
        if self.version:
            out["version"] = self.version
        return out

    def can_be_replaced_safely_by(self, other: Status) -> bool:
        """Apache's putSafe rule: the same worker, or a generation at least as new, may overwrite."""
        return self.worker_id == other.worker_id or self.generation <= other.generation


@dataclass(frozen=True)
class TopicStatus:
    """A topic a connector's task used (KIP-558 active topics)."""

    topic: str
    connector: str
    task: int
    discover_timestamp: int


class StatusStore(ABC):
    """`safe=True` writes (FAILED, UNASSIGNED) are skipped when another worker wrote a newer generation."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def flush(self) -> None:
        """Wait until every status written so far is stored."""

    @abstractmethod
    def put_connector(self, name: str, status: Status, safe: bool = False) -> None: ...

    @abstractmethod
    def put_task(self, name: str, task: int, status: Status, safe: bool = False) -> None: ...

    @abstractmethod
    def connector(self, name: str) -> Status | None: ...

    @abstractmethod
    def task(self, name: str, task: int) -> Status | None: ...

    @abstractmethod
    def tasks(self, name: str) -> dict[int, Status]: ...

    @abstractmethod
    def connectors(self) -> list[str]:
        """Every connector with a status."""

    @abstractmethod
    def delete_connector(self, name: str) -> None:
        """Forget a deleted connector's status and its tasks' (Apache writes DESTROYED as tombstones)."""

    @abstractmethod
    def delete_task(self, name: str, task: int) -> None: ...

    @abstractmethod
    def put_topic(self, status: TopicStatus) -> None: ...

    @abstractmethod
    def topics(self, connector: str) -> list[str]: ...

    @abstractmethod
    def delete_topics(self, connector: str) -> None:
        """Reset the active topics of a connector."""


class MemoryStatusStore(StatusStore):
    """Statuses in memory (standalone); the Kafka store keeps its read-back copy the same way."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._connectors: dict[str, Status] = {}
        self._tasks: dict[str, dict[int, Status]] = {}
        self._topics: dict[str, dict[str, TopicStatus]] = {}

    def _may_write(self, current: Status | None, status: Status, safe: bool) -> bool:
        return not safe or current is None or current.can_be_replaced_safely_by(status)

    def put_connector(self, name: str, status: Status, safe: bool = False) -> None:
        with self._lock:
            if self._may_write(self._connectors.get(name), status, safe):
                self._connectors[name] = status

    def put_task(self, name: str, task: int, status: Status, safe: bool = False) -> None:
        with self._lock:
            if self._may_write(self._tasks.get(name, {}).get(task), status, safe):
                self._tasks.setdefault(name, {})[task] = status

    def connector(self, name: str) -> Status | None:
        with self._lock:
            return self._connectors.get(name)

    def task(self, name: str, task: int) -> Status | None:
        with self._lock:
            return self._tasks.get(name, {}).get(task)

    def tasks(self, name: str) -> dict[int, Status]:
        with self._lock:
            return dict(sorted(self._tasks.get(name, {}).items()))

    def connectors(self) -> list[str]:
        with self._lock:
            return sorted(set(self._connectors) | {n for n, ts in self._tasks.items() if ts})

    def delete_connector(self, name: str) -> None:
        with self._lock:
            self._connectors.pop(name, None)
            self._tasks.pop(name, None)

    def delete_task(self, name: str, task: int) -> None:
        with self._lock:
            self._tasks.get(name, {}).pop(task, None)

    def put_topic(self, status: TopicStatus) -> None:
        with self._lock:
            self._topics.setdefault(status.connector, {})[status.topic] = status

    def topics(self, connector: str) -> list[str]:
        with self._lock:
            return sorted(self._topics.get(connector, {}))

    def delete_topics(self, connector: str) -> None:
        with self._lock:
            self._topics.pop(connector, None)
