"""Connector configs, task configs and target states (Apache's ConfigBackingStore)."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from kcli.connect.task_id import TaskId

STARTED, PAUSED, STOPPED = "STARTED", "PAUSED", "STOPPED"
INITIAL_STATES = {"RUNNING": STARTED, "PAUSED": PAUSED, "STOPPED": STOPPED}  # POST /connectors' initial_state


class ConfigStore(ABC):
    def start(self) -> None:
        """Load what the backing medium holds."""

    def stop(self) -> None: ...

    @abstractmethod
    def snapshot(self) -> ClusterConfigState:
        """Everything at once, consistent (what a rebalance or a REST listing reads)."""

    @abstractmethod
    def connectors(self) -> list[str]: ...

    @abstractmethod
    def connector_config(self, name: str) -> dict[str, str] | None: ...

    @abstractmethod
    def put_connector_config(self, name: str, config: dict[str, str], target_state: str | None = None) -> None: ...

    @abstractmethod
    def remove_connector(self, name: str) -> None: ...

    @abstractmethod
    def task_configs(self, name: str) -> list[dict[str, str]]: ...

    @abstractmethod
    def put_task_configs(self, name: str, configs: list[dict[str, str]]) -> None: ...

    @abstractmethod
    def target_state(self, name: str) -> str | None: ...

    @abstractmethod
    def put_target_state(self, name: str, state: str) -> None: ...


class MemoryConfigStore(ConfigStore):
    """Standalone: configs live in memory and are given again on the next start."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._configs: dict[str, dict[str, str]] = {}
        self._tasks: dict[str, list[dict[str, str]]] = {}
        self._states: dict[str, str] = {}
        self._applied: dict[str, dict[str, str]] = {}  # the connector config its task configs were made from

    def snapshot(self) -> ClusterConfigState:
        with self._lock:
            tasks = {TaskId(name, i): dict(c) for name, cs in self._tasks.items() for i, c in enumerate(cs)}
            return ClusterConfigState(connector_configs={k: dict(v) for k, v in self._configs.items()},
                                      target_states=dict(self._states),
                                      task_counts={k: len(v) for k, v in self._tasks.items()}, task_configs=tasks,
                                      applied_configs={k: dict(v) for k, v in self._applied.items()})

    def connectors(self) -> list[str]:
        with self._lock:
            return list(self._configs)

    def connector_config(self, name: str) -> dict[str, str] | None:
        with self._lock:
            cfg = self._configs.get(name)
            return dict(cfg) if cfg is not None else None

    def put_connector_config(self, name: str, config: dict[str, str], target_state: str | None = None) -> None:
        with self._lock:
            self._configs[name] = dict(config)
            if target_state is not None or name not in self._states:
                self._states[name] = target_state or STARTED

    def remove_connector(self, name: str) -> None:
        with self._lock:
            self._configs.pop(name, None)
            self._tasks.pop(name, None)
            self._states.pop(name, None)
            self._applied.pop(name, None)

    def task_configs(self, name: str) -> list[dict[str, str]]:
        with self._lock:
            return [dict(c) for c in self._tasks.get(name, [])]

    def put_task_configs(self, name: str, configs: list[dict[str, str]]) -> None:
        with self._lock:
            self._tasks[name] = [dict(c) for c in configs]
            if name in self._configs:
                self._applied[name] = dict(self._configs[name])

    def target_state(self, name: str) -> str | None:
        with self._lock:
            return self._states.get(name)

    def put_target_state(self, name: str, state: str) -> None:
        with self._lock:
            if name in self._configs:
                self._states[name] = state


@dataclass(frozen=True)
class SessionKey:
    """The key workers sign internal requests with (KIP-507), as the leader wrote it."""

    key: bytes
    algorithm: str
    creation_timestamp: int


@dataclass(frozen=True)
class RestartRequest:
    """A KIP-745 restart request as the config topic carries it."""

    connector: str
    only_failed: bool = False
    include_tasks: bool = False

    def impact(self) -> int:
        """Higher for requests that restart more (Apache keeps the highest pending one)."""
        return (2 if self.include_tasks else 0) + (0 if self.only_failed else 1)


@dataclass(frozen=True)
class ClusterConfigState:
    """An immutable view of the config topic at `offset` (Apache's ClusterConfigState).

    Configs are raw (`${provider:…}` placeholders unresolved). `offset` is the offset of the next
    record to read, -1 before any record was read."""

    offset: int = -1
    session_key: SessionKey | None = None
    connector_configs: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    target_states: Mapping[str, str] = field(default_factory=dict)
    task_counts: Mapping[str, int] = field(default_factory=dict)
    task_configs: Mapping[TaskId, Mapping[str, str]] = field(default_factory=dict)
    applied_configs: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    inconsistent: frozenset[str] = frozenset()

    def connectors(self) -> list[str]:
        return sorted(self.connector_configs)

    def contains(self, name: str) -> bool:
        return name in self.connector_configs

    def connector_config(self, name: str) -> dict[str, str] | None:
        cfg = self.connector_configs.get(name)
        return dict(cfg) if cfg is not None else None

    def target_state(self, name: str) -> str | None:
        return self.target_states.get(name) if name in self.connector_configs else None

    def task_count(self, name: str) -> int:
        return self.task_counts.get(name, 0)

    def tasks(self, name: str) -> list[TaskId]:
        """The committed tasks of a connector; none while its task configs are inconsistent."""
        if name in self.inconsistent:
            return []
        return [TaskId(name, i) for i in range(self.task_counts.get(name, 0))]

    def task_config(self, task: TaskId) -> dict[str, str] | None:
        cfg = self.task_configs.get(task)
        return dict(cfg) if cfg is not None else None

    def task_config_list(self, name: str) -> list[dict[str, str]]:
        return [dict(self.task_configs.get(t) or {}) for t in self.tasks(name)]
