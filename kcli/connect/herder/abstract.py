"""AbstractHerder: what standalone and distributed herders share (Apache's AbstractHerder).

Status views, connector info, validation, provider resolution, offsets reads, plugins and active
topics, over a config store (`self.configs`), a status store (`self.statuses`) and a Worker.
"""

from __future__ import annotations

import logging
import re

from kcli.connect.errors import BadRequestError, ConnectError, NotFoundError
from kcli.connect.herder import validation
from kcli.connect.herder.base import JSON, Herder
from kcli.connect.herder.status import StatusRecorder
from kcli.connect.plugins import Plugins
from kcli.connect.runtime.worker import Worker
from kcli.connect.storage.config_store import INITIAL_STATES, STOPPED, ClusterConfigState, ConfigStore
from kcli.connect.storage.offset_store import OffsetStore
from kcli.connect.storage.status_store import StatusStore
from kcli.connect.task_id import TaskId
from kcli.connect.worker_config import WorkerConfig

log = logging.getLogger(__name__)

NOT_STOPPED = ("Connectors must be in the STOPPED state before their offsets can be modified. This can be done for "
               "the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint")
VARIABLE = re.compile(r"\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}")
APACHE_CONNECT_VERSION = "4.3.1"  # the Connect REST API kcli implements (clients gate features on it)


def reverse_transform(raw_connector_config: dict[str, str], task_configs: list[dict[str, str]]) -> list[dict[str, str]]:
    """Put the raw `${provider:…}` values of the connector config back into generated task configs,
    so that resolved secrets never reach a store or the REST API (Apache's reverseTransform)."""
    keys = [k for k, v in raw_connector_config.items() if v is not None and VARIABLE.search(v)]
    out = []
    for cfg in task_configs:
        new = dict(cfg)
        for k in keys:
            if k in new:
                new[k] = raw_connector_config[k]
        out.append(new)
    return out


def task_configs_changed(state: ClusterConfigState, name: str, configs: list[dict[str, str]]) -> bool:
    """Whether generated (raw) task configs differ from the stored ones, or the connector config changed since
    the stored ones were made: only then are tasks replaced (Apache's AbstractHerder.taskConfigsChanged)."""
    current = state.task_count(name)
    if len(configs) != current:
        log.debug("Connector %s task count changed from %d to %d", name, current, len(configs))
        return True
    for i, cfg in enumerate(configs):
        if cfg != state.task_config(TaskId(name, i)):
            log.debug("Connector %s has change in configuration for task %s-%d", name, name, i)
            return True
    applied = state.applied_configs.get(name)
    if (dict(applied) if applied is not None else None) != state.connector_config(name):
        log.debug("Forcing task restart for connector %s as its configuration appears to be updated", name)
        return True
    log.debug("Skipping reconfiguration of connector %s as generated configs appear unchanged", name)
    return False


def named_config(name: str, config: dict[str, str], initial_state: str | None) -> tuple[dict[str, str], str | None]:
    """A create/update's config with its `name` (which must be the connector's) and the target state the
    `initial_state` asks for; a BadRequestError when either is wrong (the state is read first, as Apache's
    request parsing does)."""
    target = None
    if initial_state is not None:
        target = INITIAL_STATES.get(initial_state.upper())
        if target is None:
            raise BadRequestError(f"Invalid initial_state '{initial_state}'; must be one of "
                                  f"{', '.join(INITIAL_STATES)}")
    config = {**config, "name": config.get("name", name)}
    if config["name"] != name:
        raise BadRequestError(f"Connector name configuration ({config['name']}) doesn't match connector name "
                              f"in the URL ({name})")
    return config, target


def patched(config: dict[str, str], patch: dict[str, str | None]) -> dict[str, str]:
    """A config with a PATCH applied: a None value removes the key (Apache's ConnectUtils.patchConfig)."""
    out = dict(config)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


class AbstractHerder(StatusRecorder, Herder):
    """The read side of the REST contract and the worker listener, shared by both modes."""

    def __init__(self, config: WorkerConfig, worker_id: str, plugins: Plugins, configs: ConfigStore,
                 statuses: StatusStore, offsets: OffsetStore, cluster_id: str | None = None) -> None:
        self.config = config
        self.registry = plugins
        StatusRecorder.__init__(self, statuses, worker_id)
        self.configs = configs
        self.worker = Worker(config, self.registry, offsets, worker_id)
        self._cluster_id = cluster_id

    def _lookup_cluster_id(self) -> str | None:
        from kcli.connect.runtime.clients import admin_config, new_admin

        try:
            md = new_admin(admin_config(self.config)).list_topics(timeout=15)
            return md.cluster_id
        except Exception as exc:
            reason = exc.args[0].str() if exc.args and hasattr(exc.args[0], "str") else str(exc)
            raise ConnectError(f"Failed to connect to and describe Kafka cluster at {self.config.bootstrap_servers}: "
                               f"{reason}. Check the worker's broker connection and security properties "
                               "(key 'bootstrap.servers')") from None

    def lookup_cluster(self) -> None:
        """Learn the Kafka cluster id (GET / shows it); ConnectError when the broker does not answer."""
        if self._cluster_id is None:
            self._cluster_id = self._lookup_cluster_id()

    def worker_info(self) -> JSON:
        from kcli import __version__

        return {"version": APACHE_CONNECT_VERSION, "commit": f"kcli-{__version__}",
                "kafka_cluster_id": self._cluster_id}

    # -- reads -------------------------------------------------------------------------------------
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
        snap = self.configs.snapshot()
        cfg = snap.connector_config(name)
        if cfg is None:
            raise NotFoundError(f"Connector {name} not found")
        tasks = [{"connector": name, "task": t.task} for t in snap.tasks(name)]
        return {"name": name, "config": cfg, "tasks": tasks, "type": self._type(cfg)}

    def connector_config(self, name: str) -> dict[str, str]:
        return self._require(name)

    def task_configs(self, name: str) -> list[JSON]:
        snap = self.configs.snapshot()
        if not snap.contains(name):
            raise NotFoundError(f"Connector {name} not found")
        return [{"id": {"connector": name, "task": t.task}, "config": snap.task_config(t) or {}}
                for t in snap.tasks(name)]

    def _resolved(self, config: dict[str, str]) -> dict[str, str]:
        """The config with ${provider:…} placeholders resolved (for validation and for running)."""
        from kcli.config.providers import resolve_providers

        if not any(v is not None and "${" in v for v in config.values()):
            return config
        worker_providers = {k: v for k, v in self.config.props.items() if k.startswith("config.providers")}
        merged = resolve_providers({**worker_providers, **config})
        return {k: merged[k] for k in config}

    # -- statuses ----------------------------------------------------------------------------------
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

    # -- topics --------------------------------------------------------------------------------
    def active_topics(self, name: str) -> list[str]:
        if not self.config.topic_tracking:
            raise ConnectError("Topic tracking is disabled.", status=403)
        return self.statuses.topics(name)

    def reset_active_topics(self, name: str) -> None:
        if not self.config.topic_tracking:
            raise ConnectError("Topic tracking is disabled.", status=403)
        if not self.config.topic_tracking_reset:
            raise ConnectError("Topic tracking reset is disabled.", status=403)
        self.forget_topics(name)

    # -- offsets -----------------------------------------------------------------------------------
    def connector_offsets(self, name: str) -> JSON:
        from kcli.connect.herder import offsets

        return offsets.connector_offsets(self, self._require(name))

    def _require_stopped(self, name: str) -> None:
        snap = self.configs.snapshot()
        if snap.target_state(name) != STOPPED or snap.task_count(name):
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

    def check_config(self, config: dict[str, str]) -> None:
        """Raise the 400 Apache answers for an invalid connector config (values resolved first)."""
        validation.check(self.registry, self.config.override_policy, self._resolved(config),
                         self.config.override_allowlist)

