"""Connector and task statuses (Apache's StatusBackingStore)."""

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


class StatusStore(ABC):
    @abstractmethod
    def put_connector(self, name: str, status: Status) -> None: ...

    @abstractmethod
    def put_task(self, name: str, task: int, status: Status) -> None: ...

    @abstractmethod
    def connector(self, name: str) -> Status | None: ...

    @abstractmethod
    def task(self, name: str, task: int) -> Status | None: ...

    @abstractmethod
    def tasks(self, name: str) -> dict[int, Status]: ...

    @abstractmethod
    def delete_connector(self, name: str) -> None: ...

    @abstractmethod
    def delete_task(self, name: str, task: int) -> None: ...


class MemoryStatusStore(StatusStore):
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._connectors: dict[str, Status] = {}
        self._tasks: dict[str, dict[int, Status]] = {}

    def put_connector(self, name: str, status: Status) -> None:
        with self._lock:
            self._connectors[name] = status

    def put_task(self, name: str, task: int, status: Status) -> None:
        with self._lock:
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

    def delete_connector(self, name: str) -> None:
        with self._lock:
            self._connectors.pop(name, None)
            self._tasks.pop(name, None)

    def delete_task(self, name: str, task: int) -> None:
        with self._lock:
            self._tasks.get(name, {}).pop(task, None)
