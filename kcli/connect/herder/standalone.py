"""StandaloneHerder: one worker, configs and statuses in memory, offsets in a file (Apache's)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from kcli.connect.errors import BadRequestError, ConnectError, NotFoundError
from kcli.connect.herder import validation
from kcli.connect.herder.base import JSON, Herder
from kcli.connect.herder.status import StatusRecorder
from kcli.connect.plugins import Plugins
from kcli.connect.runtime.worker import Worker
from kcli.connect.storage.config_store import PAUSED, STARTED, STOPPED, ConfigStore, MemoryConfigStore
from kcli.connect.storage.offset_store import FileOffsetStore, MemoryOffsetStore, OffsetStore
from kcli.connect.storage.status_store import RESTARTING, MemoryStatusStore, Status, StatusStore
from kcli.connect.worker_config import WorkerConfig

log = logging.getLogger(__name__)

INITIAL_STATES = {"RUNNING": STARTED, "PAUSED": PAUSED, "STOPPED": STOPPED}
NOT_STOPPED = ("Connectors must be in the STOPPED state before their offsets can be modified. This can be done for "
               "the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint")


class StandaloneHerder(StatusRecorder, Herder):
    """The herder of `kcli connect standalone`; every call is synchronous and thread-safe."""

    def __init__(self, config: WorkerConfig, worker_id: str | None = None, plugins: Plugins | None = None,
                 offset_store: OffsetStore | None = None, config_store: ConfigStore | None = None,
                 status_store: StatusStore | None = None, cluster_id: str | None = None) -> None:
        self.config = config
        self.registry = plugins or Plugins(config.plugin_path)
        if offset_store is None:
            offset_store = FileOffsetStore(config.offsets_file) if config.offsets_file else MemoryOffsetStore()
        self.worker_id = worker_id or config.worker_id()
        StatusRecorder.__init__(self, status_store or MemoryStatusStore(), self.worker_id)
        self.configs = config_store or MemoryConfigStore()
        self.worker = Worker(config, self.registry, offset_store, self.worker_id)
        self._lock = threading.RLock()
        self._cluster_id = cluster_id
        self._started = False

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        log.info("Herder starting")
        self.worker.start()
        if self._cluster_id is None:
            self._cluster_id = self._lookup_cluster_id()
        self._started = True
        log.info("Herder started")

    def _lookup_cluster_id(self) -> str | None:
        from kcli.connect.runtime.clients import admin_config, new_admin

        try:
            md = new_admin(admin_config(self.config)).list_topics(timeout=15)
            return md.cluster_id
        except Exception as exc:
            raise ConnectError(f"Failed to connect to and describe Kafka cluster at "
                               f"{self.config.bootstrap_servers}: {exc}") from exc

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

    def worker_info(self) -> JSON:
        from kcli import __version__

        return {"version": __version__, "commit": "kcli", "kafka_cluster_id": self._cluster_id}

    # -- connectors ----------------------------------------------------------------------------
    def _require(self, name: str) -> dict[str, str]:
        cfg = self.configs.connector_config(name)
        if cfg is None:
            raise NotFoundError(f"Connector {name} not found")
        return cfg

    def connectors(self) -> list[str]:
        return self.configs.connectors()

    def _type(self, cfg: dict[str, str]) -> str:
        try:
            _, cls = self.registry.connector_class(cfg.get("connector.class", ""))
            return Plugins.connector_type(cls)
        except ConnectError:
            return "unknown"

    def connector_info(self, name: str) -> JSON:
        with self._lock:
            cfg = self._require(name)
            tasks = [{"connector": name, "task": i} for i in range(len(self.configs.task_configs(name)))]
            return {"name": name, "config": cfg, "tasks": tasks, "type": self._type(cfg)}

    def connector_config(self, name: str) -> dict[str, str]:
        return self._require(name)

    def put_connector_config(self, name: str, config: dict[str, str], allow_replace: bool,
                             initial_state: str | None = None) -> tuple[bool, JSON]:
        config = {**config, "name": config.get("name", name)}
        if config["name"] != name:
            raise BadRequestError(f"Connector name configuration ({config['name']}) doesn't match connector name "
                                  f"in the URL ({name})")
        target = None
        if initial_state is not None:
            target = INITIAL_STATES.get(initial_state.strip().upper())
            if target is None:
                raise BadRequestError(f"Invalid initial state {initial_state}: use RUNNING, PAUSED or STOPPED")
        with self._lock:
            validation.check(self.registry, self.config.override_policy, self._resolved(config),
                             self.config.override_allowlist)
            exists = self.configs.connector_config(name) is not None
            if exists and not allow_replace:
                from kcli.connect.errors import ConflictError

                raise ConflictError(f"Connector {name} already exists")
            if exists:
                self._stop_connector_and_tasks(name)
            self.configs.put_connector_config(name, config, target)
            log.info("%s connector %s", "Updated" if exists else "Created", name)
            self._start_connector(name)
            return not exists, self.connector_info(name)

    def _resolved(self, config: dict[str, str]) -> dict[str, str]:
        """The config with ${provider:…} placeholders resolved (for validation and for running)."""
        from kcli.config.providers import resolve_providers

        if not any("${" in v for v in config.values()):
            return config
        worker_providers = {k: v for k, v in self.config.props.items() if k.startswith("config.providers")}
        merged = resolve_providers({**worker_providers, **config})
        return {k: merged[k] for k in config}

    def patch_connector_config(self, name: str, patch: dict[str, str | None]) -> JSON:
        with self._lock:
            cfg = self._require(name)
            for k, v in patch.items():
                if v is None:
                    cfg.pop(k, None)
                else:
                    cfg[k] = v
            return self.put_connector_config(name, cfg, allow_replace=True)[1]

    def delete_connector(self, name: str) -> None:
        with self._lock:
            self._require(name)
            self._stop_connector_and_tasks(name)
            self.configs.remove_connector(name)
            self.statuses.delete_connector(name)
            self.topics.pop(name, None)
            log.info("Deleted connector %s", name)

    def _stop_connector_and_tasks(self, name: str) -> None:
        ids = self.worker.connector_task_ids(name)
        self.worker.stop_and_await_tasks(ids)
        for _, task_id in ids:
            self.statuses.delete_task(name, task_id)
        self.worker.stop_connector(name)

    def _start_connector(self, name: str) -> None:
        ok = self._start_connector_only(name)
        if ok and self.configs.target_state(name) != STOPPED:
            self._update_tasks(name)
        else:
            self.configs.put_task_configs(name, [])

    def _update_tasks(self, name: str) -> None:
        cfg = self._resolved(self._require(name))
        try:
            max_tasks = int(cfg.get("tasks.max", "1"))
            task_configs = self.worker.connector_task_configs(name, max_tasks)
        except Exception as exc:
            from kcli.connect.runtime.task_base import format_trace

            log.error("Failed to generate task configs for connector %s", name, exc_info=exc)
            self.on_connector_failure(name, format_trace(exc))
            task_configs = []
        self.configs.put_task_configs(name, task_configs)
        self._start_tasks(name, cfg, range(len(task_configs)))

    def _start_tasks(self, name: str, cfg: dict[str, str], ids: Any) -> None:
        task_configs = self.configs.task_configs(name)
        target = self.configs.target_state(name) or STARTED
        for i in ids:
            self.worker.start_task(name, i, cfg, task_configs[i], self, target)

    def request_task_reconfiguration(self, connector: str) -> None:
        def reconfigure() -> None:
            with self._lock:
                if self.configs.connector_config(connector) is None or not self.worker.connector_running(connector):
                    return
                self.worker.stop_and_await_tasks(self.worker.connector_task_ids(connector))
                self._update_tasks(connector)

        threading.Thread(target=reconfigure, name=f"reconfigure-{connector}", daemon=True).start()

    def task_configs(self, name: str) -> list[JSON]:
        with self._lock:
            self._require(name)
            return [{"id": {"connector": name, "task": i}, "config": c}
                    for i, c in enumerate(self.configs.task_configs(name))]

    # -- statuses ------------------------------------------------------------------------------
    def plugin_version(self, connector: str, task: int | None = None) -> str | None:
        try:
            if task is None:
                wc = self.worker.connectors.get(connector)
                return str(wc.connector.version()) if wc is not None else None
            runner = self.worker.task_runner(connector, task)
            return str(runner.task.version()) if runner is not None else None
        except Exception:
            return None

    def connector_status(self, name: str) -> JSON:
        with self._lock:
            status = self.statuses.connector(name)
            cfg = self.configs.connector_config(name)
            if status is None or cfg is None:
                raise NotFoundError(f"No status found for connector {name}")
            tasks = [{"id": i, **s.to_json()} for i, s in self.statuses.tasks(name).items()]
            return {"name": name, "connector": status.to_json(), "tasks": tasks, "type": self._type(cfg)}

    def task_status(self, name: str, task_id: int) -> JSON:
        status = self.statuses.task(name, task_id)
        if status is None:
            raise NotFoundError(f"No status found for task {name}-{task_id}")
        return {"id": task_id, **status.to_json()}

    # -- target states -------------------------------------------------------------------------
    def pause_connector(self, name: str) -> None:
        with self._lock:
            if self.configs.connector_config(name) is None:
                raise NotFoundError(f"Unknown connector {name}")
            if self.configs.target_state(name) == STOPPED:
                self.configs.put_target_state(name, PAUSED)
                self._stop_connector_and_tasks(name)
                self._start_connector(name)
                return
            self.configs.put_target_state(name, PAUSED)
            self.worker.set_target_state(name, PAUSED)

    def resume_connector(self, name: str) -> None:
        with self._lock:
            if self.configs.connector_config(name) is None:
                raise NotFoundError(f"Unknown connector {name}")
            previous = self.configs.target_state(name)
            self.configs.put_target_state(name, STARTED)
            if previous == STOPPED:
                self._stop_connector_and_tasks(name)
                self._start_connector(name)
            else:
                self.worker.set_target_state(name, STARTED)

    def stop_connector(self, name: str) -> None:
        with self._lock:
            if self.configs.connector_config(name) is None:
                raise ConnectError(f"Unknown connector {name}")  # standalone answers 500 (Apache's quirk)
            self.configs.put_target_state(name, STOPPED)
            self._stop_connector_and_tasks(name)
            self.configs.put_task_configs(name, [])
            self._start_connector(name)

    # -- restarts ------------------------------------------------------------------------------
    def restart_connector(self, name: str, include_tasks: bool = False, only_failed: bool = False) -> JSON | None:
        with self._lock:
            if self.configs.connector_config(name) is None:
                raise NotFoundError(f"Unknown connector: {name}")
            if not include_tasks and not only_failed:
                self.worker.stop_connector(name)
                self._start_connector_only(name)
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
                if ok and self.configs.target_state(name) != STOPPED and not self.configs.task_configs(name):
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

    # -- topics --------------------------------------------------------------------------------
    def active_topics(self, name: str) -> list[str]:
        if not self.config.topic_tracking:
            raise ConnectError("Topic tracking is disabled.", status=403)
        return sorted(self.topics.get(name, ()))

    def reset_active_topics(self, name: str) -> None:
        if not self.config.topic_tracking:
            raise ConnectError("Topic tracking is disabled.", status=403)
        if not self.config.topic_tracking_reset:
            raise ConnectError("Topic tracking reset is disabled.", status=403)
        self.topics.pop(name, None)

    # -- offsets -------------------------------------------------------------------------------
    def connector_offsets(self, name: str) -> JSON:
        from kcli.connect.herder import offsets

        return offsets.connector_offsets(self, self._require(name))

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

    def _require_stopped(self, name: str) -> None:
        if self.configs.target_state(name) != STOPPED or self.configs.task_configs(name):
            raise BadRequestError(NOT_STOPPED.replace("{name}", name))

    # -- plugins -------------------------------------------------------------------------------
    def plugins(self, connectors_only: bool = True) -> list[JSON]:
        return self.registry.plugins(connectors_only)

    def plugin_config(self, plugin: str) -> list[JSON]:
        from kcli.connect.herder import offsets

        return offsets.plugin_config(self.registry, plugin)

    def validate_config(self, plugin: str, config: dict[str, str]) -> JSON:
        return validation.validate(self.registry, self.config.override_policy, self._resolved(dict(config)),
                                   self.config.override_allowlist)[1]
