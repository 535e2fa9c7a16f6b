"""StatusRecorder: turns worker events into connector/task statuses and active-topic records."""

from __future__ import annotations

import logging
import time

from kcli.connect.storage.status_store import (
    FAILED,
    PAUSED,
    RUNNING,
    STOPPED,
    UNASSIGNED,
    Status,
    StatusStore,
    TopicStatus,
)

log = logging.getLogger(__name__)


class StatusRecorder:
    """The listener a herder hands to its worker (Apache's ConnectorStatus/TaskStatus listeners).

    FAILED and UNASSIGNED are written "safely" (not over a newer generation of another worker)."""

    def __init__(self, statuses: StatusStore, worker_id: str) -> None:
        self.statuses = statuses
        self.worker_id = worker_id
        self.stopping = False
        self._seen_topics: set[tuple[str, str]] = set()

    def generation(self) -> int:
        """The group generation statuses are written with (0 outside a group)."""
        return 0

    def unassign_on_shutdown(self) -> bool:
        """Whether a stopped connector or task is reported UNASSIGNED (standalone: only when the worker stops)."""
        return self.stopping

    def plugin_version(self, connector: str, task: int | None = None) -> str | None:
        """The version of the running connector (or task) plugin, when known (herders override)."""
        return None

    def _status(self, name: str, task: int | None, state: str, trace: str | None = None) -> Status:
        version = self.plugin_version(name, task) if state != UNASSIGNED else None
        return Status(state, self.worker_id, trace, self.generation(), version)

    def _put_connector(self, name: str, state: str, trace: str | None = None, safe: bool = False) -> None:
        self.statuses.put_connector(name, self._status(name, None, state, trace), safe=safe)

    def _put_task(self, name: str, task: int, state: str, trace: str | None = None, safe: bool = False) -> None:
        self.statuses.put_task(name, task, self._status(name, task, state, trace), safe=safe)

    # connectors
    def on_connector_startup(self, connector: str) -> None:
        self._put_connector(connector, RUNNING)

    def on_connector_pause(self, connector: str) -> None:
        self._put_connector(connector, PAUSED)

    def on_connector_stop(self, connector: str) -> None:
        self._put_connector(connector, STOPPED)

    def on_connector_failure(self, connector: str, trace: str) -> None:
        self._put_connector(connector, FAILED, trace, safe=True)

    def on_connector_shutdown(self, connector: str) -> None:
        current = self.statuses.connector(connector)
        if current is not None and current.state not in (FAILED, STOPPED) and self.unassign_on_shutdown():
            self._put_connector(connector, UNASSIGNED, safe=True)

    def request_task_reconfiguration(self, connector: str) -> None:  # pragma: no cover - herders override
        log.info("Task reconfiguration requested for %s", connector)

    # tasks
    def on_task_startup(self, connector: str, task: int) -> None:
        self._put_task(connector, task, RUNNING)

    def on_task_pause(self, connector: str, task: int) -> None:
        self._put_task(connector, task, PAUSED)

    def on_task_resume(self, connector: str, task: int) -> None:
        self._put_task(connector, task, RUNNING)

    def on_task_failure(self, connector: str, task: int, trace: str) -> None:
        self._put_task(connector, task, FAILED, trace, safe=True)

    def on_task_shutdown(self, connector: str, task: int) -> None:
        current = self.statuses.task(connector, task)
        if current is not None and current.state != FAILED and self.unassign_on_shutdown():
            self._put_task(connector, task, UNASSIGNED, safe=True)

    def on_topic(self, connector: str, task: int, topic: str) -> None:
        if (connector, topic) in self._seen_topics and topic in self.statuses.topics(connector):
            return
        self._seen_topics.add((connector, topic))
        self.statuses.put_topic(TopicStatus(topic, connector, task, int(time.time() * 1000)))

    def forget_topics(self, connector: str) -> None:
        self._seen_topics = {(c, t) for c, t in self._seen_topics if c != connector}
        self.statuses.delete_topics(connector)
