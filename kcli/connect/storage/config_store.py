"""Connector configs, task configs and target states (Apache's ConfigBackingStore)."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod

STARTED, PAUSED, STOPPED = "STARTED", "PAUSED", "STOPPED"


class ConfigStore(ABC):
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

    def task_configs(self, name: str) -> list[dict[str, str]]:
        with self._lock:
            return [dict(c) for c in self._tasks.get(name, [])]

    def put_task_configs(self, name: str, configs: list[dict[str, str]]) -> None:
        with self._lock:
            self._tasks[name] = [dict(c) for c in configs]

    def target_state(self, name: str) -> str | None:
        with self._lock:
            return self._states.get(name)

    def put_target_state(self, name: str, state: str) -> None:
        with self._lock:
            if name in self._configs:
                self._states[name] = state
