"""The Herder interface the REST layer talks to; standalone and distributed implement it.

Methods are synchronous and thread-safe (the REST app calls them from a thread pool).
They return plain JSON-ready data in Apache's shapes (its REST entities)
and raise kcli.connect.errors.ConnectError subclasses (NotFoundError, ConflictError,
BadRequestError) that the REST layer turns into `{"error_code", "message"}` answers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

JSON = dict[str, Any]


class Herder(ABC):
    # -- lifecycle ---------------------------------------------------------------------------
    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None:
        """Stop every connector and task, flush offsets, release clients."""

    # -- worker ------------------------------------------------------------------------------
    @abstractmethod
    def worker_info(self) -> JSON:
        """GET / : {"version", "commit", "kafka_cluster_id"}."""

    def health(self) -> JSON:
        """GET /health : {"status": "healthy", "message": "..."} (503 answers raise ConnectError)."""
        return {"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."}

    # -- connectors --------------------------------------------------------------------------
    @abstractmethod
    def connectors(self) -> list[str]: ...

    @abstractmethod
    def connector_info(self, name: str) -> JSON:
        """{"name", "config", "tasks": [{"connector", "task"}], "type": "source"|"sink"}."""

    @abstractmethod
    def connector_config(self, name: str) -> dict[str, str]: ...

    @abstractmethod
    def put_connector_config(self, name: str, config: dict[str, str], allow_replace: bool,
                             initial_state: str | None = None) -> tuple[bool, JSON]:
        """Create or update; returns (created, connector_info). 409 when it exists and not allow_replace."""

    @abstractmethod
    def patch_connector_config(self, name: str, patch: dict[str, str | None]) -> JSON:
        """Merge patch (a None value removes the key); returns connector_info."""

    @abstractmethod
    def delete_connector(self, name: str) -> None: ...

    @abstractmethod
    def connector_status(self, name: str) -> JSON:
        """{"name", "connector": {"state", "worker_id"[, "trace"]},
        "tasks": [{"id", "state", "worker_id"[, "trace"]}], "type"}."""

    @abstractmethod
    def task_status(self, name: str, task_id: int) -> JSON: ...

    @abstractmethod
    def task_configs(self, name: str) -> list[JSON]:
        """GET /connectors/{name}/tasks : [{"id": {"connector", "task"}, "config": {...}}]."""

    @abstractmethod
    def pause_connector(self, name: str) -> None: ...

    @abstractmethod
    def resume_connector(self, name: str) -> None: ...

    @abstractmethod
    def stop_connector(self, name: str) -> None: ...

    @abstractmethod
    def restart_connector(self, name: str, include_tasks: bool = False, only_failed: bool = False) -> JSON | None:
        """None -> 204 (plain restart of the connector only); else the 202 status body."""

    @abstractmethod
    def restart_task(self, name: str, task_id: int) -> None: ...

    # -- topics and offsets ------------------------------------------------------------------
    @abstractmethod
    def active_topics(self, name: str) -> list[str]: ...

    @abstractmethod
    def reset_active_topics(self, name: str) -> None: ...

    @abstractmethod
    def connector_offsets(self, name: str) -> JSON:
        """{"offsets": [{"partition": {...}, "offset": {...}}]}."""

    @abstractmethod
    def alter_offsets(self, name: str, offsets: list[JSON]) -> JSON:
        """Only while STOPPED (else 400); returns {"message": ...}."""

    @abstractmethod
    def reset_offsets(self, name: str) -> JSON:
        """Only while STOPPED (else 400); returns {"message": ...}."""

    # -- inter-worker ------------------------------------------------------------------------
    def put_task_configs(self, name: str, configs: list[dict[str, str]], headers: dict[str, str],
                         body: bytes) -> None:
        """POST /connectors/{name}/tasks: task configs a follower sends the leader (distributed only)."""
        from kcli.connect.errors import ConnectError

        raise ConnectError("Kafka Connect in standalone mode does not support externally setting task "
                           "configurations.")

    def set_cluster_logger_level(self, namespace: str, level: str) -> bool:
        """PUT /admin/loggers/{name}?scope=cluster; True when every worker applies it (from the config
        topic), False when the caller should set it on this worker (standalone: the cluster is this worker)."""
        return False

    # -- plugins -----------------------------------------------------------------------------
    @abstractmethod
    def plugins(self, connectors_only: bool = True) -> list[JSON]:
        """[{"class", "type", "version"}]."""

    @abstractmethod
    def plugin_config(self, plugin: str) -> list[JSON]:
        """GET /connector-plugins/{plugin}/config : the ConfigDef as a list of key definitions."""

    @abstractmethod
    def validate_config(self, plugin: str, config: dict[str, str]) -> JSON:
        """PUT /connector-plugins/{plugin}/config/validate : {"name", "error_count", "groups", "configs"}."""
