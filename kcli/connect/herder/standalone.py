"""StandaloneHerder: one worker, configs and statuses in memory, offsets in a file (Apache's)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from kcli.connect.errors import ConnectError, NotFoundError
from kcli.connect.herder.abstract import (
    AbstractHerder,
    named_config,
    patched,
    reverse_transform,
    task_configs_changed,
)
from kcli.connect.herder.base import JSON
from kcli.connect.plugins import Plugins
from kcli.connect.storage.config_store import PAUSED, STARTED, STOPPED, ConfigStore, MemoryConfigStore
from kcli.connect.storage.offset_store import FileOffsetStore, MemoryOffsetStore, OffsetStore
from kcli.connect.storage.status_store import RESTARTING, MemoryStatusStore, Status, StatusStore
from kcli.connect.worker_config import WorkerConfig

log = logging.getLogger(__name__)

class StandaloneHerder(AbstractHerder):
    """The herder of `kcli connect standalone`; every call is synchronous and thread-safe."""

    def __init__(self, config: WorkerConfig, worker_id: str | None = None, plugins: Plugins | None = None,
                 offset_store: OffsetStore | None = None, config_store: ConfigStore | None = None,
                 status_store: StatusStore | None = None, cluster_id: str | None = None) -> None:
        if offset_store is None:
            offset_store = FileOffsetStore(config.offsets_file) if config.offsets_file else MemoryOffsetStore()
        super().__init__(config, worker_id or config.worker_id(), plugins or Plugins(config.plugin_path),
                         config_store or MemoryConfigStore(), status_store or MemoryStatusStore(), offset_store,
                         cluster_id)
        self._lock = threading.RLock()
        self._started = False

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        log.info("Herder starting")
        self.worker.start()
        if self._cluster_id is None:
            self._cluster_id = self._lookup_cluster_id()
        self._started = True
        log.info("Herder started")

    def stop(self) -> None:
        log.info("Herder stopping")
        with self._lock:
            self.stopping = True
            for name in self.configs.connectors():
                self.worker.stop_and_await_tasks(self.worker.connector_task_ids(name))
                self.worker.stop_connector(name)
            self.worker.stop()
            self._started = False
        log.info("Herder stopped")

    # -- connectors ----------------------------------------------------------------------------
    def connector_info(self, name: str) -> JSON:
        with self._lock:
            return super().connector_info(name)

    def put_connector_config(self, name: str, config: dict[str, str], allow_replace: bool,
                             initial_state: str | None = None) -> tuple[bool, JSON]:
        config, target = named_config(name, config, initial_state)
        with self._lock:
            self.check_config(config)
            exists = self.configs.connector_config(name) is not None
            if exists and not allow_replace:
                from kcli.connect.errors import ConflictError

                raise ConflictError(f"Connector {name} already exists")
            if exists:  # its tasks run on: they are replaced only if their configs change (Apache)
                self.worker.stop_connector(name)
            self.configs.put_connector_config(name, config, target)
            log.info("%s connector %s", "Updated" if exists else "Created", name)
            self._start_connector(name)
            return not exists, self.connector_info(name)

    def patch_connector_config(self, name: str, patch: dict[str, str | None]) -> JSON:
        with self._lock:
            return self.put_connector_config(name, patched(self._require(name), patch), allow_replace=True)[1]

    def delete_connector(self, name: str) -> None:
        with self._lock:
            self._require(name)
            self._remove_tasks(name)
            self.worker.stop_connector(name)
            self.configs.remove_connector(name)
            self.statuses.delete_connector(name)
            self.forget_topics(name)
            log.info("Deleted connector %s", name)

    def _remove_tasks(self, name: str) -> None:
        """Stop the connector's tasks, forget their statuses and configs (Apache's removeConnectorTasks)."""
        ids = sorted(set(self.worker.connector_task_ids(name))
                     | {(name, i) for i in range(len(self.configs.task_configs(name)))})
        self.worker.stop_and_await_tasks(ids)
        for _, task_id in ids:
            self.statuses.delete_task(name, task_id)
        if self.configs.task_configs(name):
            self.configs.put_task_configs(name, [])

    def _start_connector(self, name: str) -> None:
        """Start the connector in its target state; a started one then brings its tasks up to date."""
        if self._start_connector_only(name):
            self._update_tasks(name)

    def _update_tasks(self, name: str) -> None:
        """Ask a running connector for task configs; replace the tasks only if the configs changed (Apache's
        updateConnectorTasks): a paused or stopped connector makes none, an unchanged set keeps its tasks."""
        if not self.worker.connector_running(name):
            log.info("Skipping update of tasks for connector %s since it is not running", name)
            return
        if self.configs.target_state(name) != STARTED:
            log.info("Skipping update of tasks for connector %s since its target state is %s", name,
                     self.configs.target_state(name))
            return
        raw = self._require(name)
        cfg = self._resolved(raw)
        try:
            max_tasks = int(cfg.get("tasks.max", "1"))
            generated = self.worker.connector_task_configs(name, max_tasks)
        except Exception as exc:
            from kcli.connect.runtime.task_base import format_trace

            log.error("Failed to generate task configs for connector %s", name, exc_info=exc)
            self.on_connector_failure(name, format_trace(exc))
            return
        task_configs = reverse_transform(raw, generated)
        if task_configs_changed(self.configs.snapshot(), name, task_configs):
            self._remove_tasks(name)
            self.configs.put_task_configs(name, task_configs)
            self._start_tasks(name, cfg, range(len(task_configs)))

    def _start_tasks(self, name: str, cfg: dict[str, str], ids: Iterable[int]) -> None:
        task_configs = self.configs.task_configs(name)
        target = self.configs.target_state(name) or STARTED
        for i in ids:
            self.worker.start_task(name, i, cfg, self._resolved(task_configs[i]), self, target)

    def request_task_reconfiguration(self, connector: str) -> None:
        def reconfigure() -> None:
            with self._lock:
                if self.configs.connector_config(connector) is None or connector not in self.worker.connectors:
                    log.error("Task that requested reconfiguration does not exist: %s", connector)
                    return
                self._update_tasks(connector)

        threading.Thread(target=reconfigure, name=f"reconfigure-{connector}", daemon=True).start()

    # -- target states -------------------------------------------------------------------------
    def _set_target_state(self, name: str, state: str) -> None:
        """Store a new target state and move the connector and its tasks there; a resumed connector brings
        its tasks up to date (a paused or stopped one makes none). No change, nothing done (Apache's store
        reports changes only)."""
        if self.configs.target_state(name) == state:
            return
        self.configs.put_target_state(name, state)
        if self.worker.set_target_state(name, state) and state == STARTED:
            self._update_tasks(name)

    def pause_connector(self, name: str) -> None:
        with self._lock:
            if self.configs.connector_config(name) is None:
                raise NotFoundError(f"Unknown connector {name}")
            self._set_target_state(name, PAUSED)

    def resume_connector(self, name: str) -> None:
        with self._lock:
            if self.configs.connector_config(name) is None:
                raise NotFoundError(f"Unknown connector {name}")
            self._set_target_state(name, STARTED)

    def stop_connector(self, name: str) -> None:
        with self._lock:
            if self.configs.connector_config(name) is None:
                raise ConnectError(f"Unknown connector {name}")  # standalone answers 500 (Apache's quirk)
            self._remove_tasks(name)
            self._set_target_state(name, STOPPED)

    # -- restarts ------------------------------------------------------------------------------
    def restart_connector(self, name: str, include_tasks: bool = False, only_failed: bool = False) -> JSON | None:
        with self._lock:
            if self.configs.connector_config(name) is None:
                raise NotFoundError(f"Unknown connector: {name}")
            if not include_tasks and not only_failed:
                self.worker.stop_connector(name)
                self._start_connector(name)  # a started connector's tasks then follow its task configs
                return None
            status = self.statuses.connector(name)
            if status is None:
                raise NotFoundError(f"Status for connector {name} not found")
            restart_connector = not only_failed or status.state == "FAILED"
            task_ids = [i for i, s in self.statuses.tasks(name).items()
                        if include_tasks and (not only_failed or s.state == "FAILED")]
            if restart_connector:
                self.statuses.put_connector(name, Status(RESTARTING, self.worker_id))
            for i in task_ids:
                self.statuses.put_task(name, i, Status(RESTARTING, self.worker_id))
            body = self.connector_status(name)
            if restart_connector:
                self.worker.stop_and_await_tasks(self.worker.connector_task_ids(name) if include_tasks
                                                 and not only_failed else [(name, i) for i in task_ids])
                self.worker.stop_connector(name)
                ok = self._start_connector_only(name)
                if ok and not self.configs.task_configs(name):
                    self._update_tasks(name)
                    return body
            else:
                self.worker.stop_and_await_tasks([(name, i) for i in task_ids])
            cfg = self._resolved(self._require(name))
            self._start_tasks(name, cfg, [i for i in task_ids if self.worker.task_runner(name, i) is None])
            return body

    def _start_connector_only(self, name: str) -> bool:
        cfg = self._resolved(self._require(name))
        target = self.configs.target_state(name) or STARTED
        return self.worker.start_connector(name, cfg, self, target)

    def restart_task(self, name: str, task_id: int) -> None:
        with self._lock:
            if self.configs.connector_config(name) is None:
                raise NotFoundError(f"Unknown connector: {name}")
            task_configs = self.configs.task_configs(name)
            if not 0 <= task_id < len(task_configs):
                raise NotFoundError(f"Unknown task: {name}-{task_id}")
            self.worker.stop_and_await_tasks([(name, task_id)])
            self._start_tasks(name, self._resolved(self._require(name)), [task_id])

    # -- offsets -------------------------------------------------------------------------------
    def alter_offsets(self, name: str, new_offsets: list[JSON]) -> JSON:
        from kcli.connect.herder import offsets

        with self._lock:
            cfg = self._require(name)
            self._require_stopped(name)
            return offsets.alter(self, cfg, new_offsets)

    def reset_offsets(self, name: str) -> JSON:
        from kcli.connect.herder import offsets

        with self._lock:
            cfg = self._require(name)
            self._require_stopped(name)
            return offsets.reset(self, cfg)
