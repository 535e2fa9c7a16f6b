"""StatusRecorder: turns worker events into connector/task statuses and active-topic records."""

from __future__ import annotations

import logging

from kcli.connect.storage.status_store import FAILED, PAUSED, RUNNING, STOPPED, UNASSIGNED, Status, StatusStore

log = logging.getLogger(__name__)


class StatusRecorder:
    """The listener a herder hands to its worker (Apache's ConnectorStatus/TaskStatus listeners)."""

    def __init__(self, statuses: StatusStore, worker_id: str) -> None:
        self.statuses = statuses
        self.worker_id = worker_id
        self.topics: dict[str, set[str]] = {}
        self.stopping = False

    def plugin_version(self, connector: str, task: int | None = None) -> str | None:
        """The version of the running connector (or task) plugin, when known (herders override)."""
        return None

    def _put_connector(self, name: str, state: str, trace: str | None = None) -> None:
        self.statuses.put_connector(name, Status(state, self.worker_id, trace, version=self.plugin_version(name)))

    def _put_task(self, name: str, task: int, state: str, trace: str | None = None) -> None:
        self.statuses.put_task(name, task, Status(state, self.worker_id, trace,
                                                  version=self.plugin_version(name, task)))

    # connectors
    def on_connector_startup(self, connector: str) -> None:
        self._put_connector(connector, RUNNING)

    def on_connector_pause(self, connector: str) -> None:
        self._put_connector(connector, PAUSED)

    def on_connector_stop(self, connector: str) -> None:
        self._put_connector(connector, STOPPED)

    def on_connector_failure(self, connector: str, trace: str) -> None:
        self._put_connector(connector, FAILED, trace)

    def on_connector_shutdown(self, connector: str) -> None:
        current = self.statuses.connector(connector)
        if current is not None and current.state not in (FAILED, STOPPED) and self.stopping:
            self._put_connector(connector, UNASSIGNED)

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
        self._put_task(connector, task, FAILED, trace)

    def on_task_shutdown(self, connector: str, task: int) -> None:
        current = self.statuses.task(connector, task)
        if current is not None and current.state != FAILED and self.stopping:
            self._put_task(connector, task, UNASSIGNED)

    def on_topic(self, connector: str, topic: str) -> None:
        self.topics.setdefault(connector, set()).add(topic)
