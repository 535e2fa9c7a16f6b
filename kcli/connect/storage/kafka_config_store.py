"""KafkaConfigStore: connector configs, task configs, target states and more on the config topic.

Keys and values are those of Apache's KafkaConfigBackingStore: `connector-<name>`,
`task-<name>-<n>` applied by `commit-<name>`, `target-state-<name>` (with `state.v2`),
`session-key`, `restart-connector-<name>`, `logger-cluster-<namespace>`; values are the
schemaless JSON Apache's JsonConverter writes. Every worker follows the topic; the listener is
told of changes once the store has started (caught up the first time).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from kcli.connect.converters.jackson import dumps_bytes
from kcli.connect.errors import ConnectError
from kcli.connect.storage.config_store import (
    PAUSED,
    STARTED,
    STOPPED,
    ClusterConfigState,
    ConfigStore,
    RestartRequest,
    SessionKey,
)
from kcli.connect.storage.kafka_log import KafkaLog, LogFactory
from kcli.connect.task_id import TaskId, parse_task_key
from kcli.errors import ConfigError

log = logging.getLogger(__name__)

TARGET_STATE_PREFIX, CONNECTOR_PREFIX, TASK_PREFIX = "target-state-", "connector-", "task-"
COMMIT_TASKS_PREFIX, TASK_COUNT_PREFIX, SESSION_KEY = "commit-", "tasks-fencing-", "session-key"
RESTART_PREFIX, LOGGER_PREFIX = "restart-connector-", "logger-cluster-"
WRITE_TIMEOUT_S = 30.0  # Apache's READ_WRITE_TOTAL_TIMEOUT_MS
TARGET_STATES = (STARTED, PAUSED, STOPPED)


class ConfigUpdateListener(Protocol):
    """What the distributed herder is told as the config topic changes (after start-up)."""

    def on_connector_config_remove(self, connector: str) -> None: ...
    def on_connector_config_update(self, connector: str) -> None: ...
    def on_task_config_update(self, tasks: list[TaskId]) -> None: ...
    def on_connector_target_state_change(self, connector: str) -> None: ...
    def on_session_key_update(self, key: SessionKey) -> None: ...
    def on_restart_request(self, request: RestartRequest) -> None: ...
    def on_logger_level_update(self, namespace: str, level: str) -> None: ...


Notify = Callable[[ConfigUpdateListener], None]  # what a record tells the listener, once read


# -- record values ---------------------------------------------------------------------------------


def connector_value(config: Mapping[str, str | None]) -> bytes:
    return dumps_bytes({"properties": dict(config)})


def target_state_value(state: str) -> bytes:
    """`state` is PAUSED for STOPPED, for workers older than 3.5; readers prefer `state.v2`."""
    return dumps_bytes({"state": PAUSED if state == STOPPED else state, "state.v2": state})


def commit_value(count: int) -> bytes:
    return dumps_bytes({"tasks": count})


def session_key_value(key: SessionKey) -> bytes:
    return dumps_bytes({"key": base64.b64encode(key.key).decode("ascii"), "algorithm": key.algorithm,
                        "creation-timestamp": key.creation_timestamp})


def restart_value(request: RestartRequest) -> bytes:
    return dumps_bytes({"include-tasks": request.include_tasks, "only-failed": request.only_failed})


def logger_level_value(level: str) -> bytes:
    return dumps_bytes({"level": level})


class KafkaConfigStore(ConfigStore):
    """The config topic, followed by every worker; writes wait for the broker's ack."""

    def __init__(self, make_log: LogFactory, listener: ConfigUpdateListener | None = None) -> None:
        """`make_log(on_record)` builds the KafkaLog of the config topic."""
        self._lock = threading.RLock()
        self._log: KafkaLog = make_log(self._on_record)
        self.listener = listener
        self._started = False
        self._offset = -1
        self._session_key: SessionKey | None = None
        self._configs: dict[str, dict[str, str]] = {}
        self._states: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._tasks: dict[TaskId, dict[str, str]] = {}
        self._deferred: dict[str, dict[TaskId, dict[str, str]]] = {}
        self._applied: dict[str, dict[str, str]] = {}
        self._inconsistent: set[str] = set()

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        log.info("Starting KafkaConfigBackingStore")
        self._log.start()
        if len(self._log.partitions) > 1:
            self._log.stop()
            raise ConfigError(f"Topic '{self._log.topic}' supplied via the 'config.storage.topic' property is required "
                              "to have a single partition in order to guarantee consistency of connector "
                              f"configurations, but found {len(self._log.partitions)} partitions.")
        self._started = True
        log.info("Started KafkaConfigBackingStore")

    def stop(self) -> None:
        log.info("Closing KafkaConfigBackingStore")
        self._log.stop()
        log.info("Closed KafkaConfigBackingStore")

    def refresh(self, timeout: float) -> bool:
        """Read to the end of the topic; False when that took longer than `timeout` seconds."""
        return self._log.read_to_end(timeout)

    # -- the snapshot ------------------------------------------------------------------------------
    @property
    def offset(self) -> int:
        """The offset of the next record to read (what a snapshot taken now would say)."""
        return self._offset

    def snapshot(self) -> ClusterConfigState:
        with self._lock:
            return ClusterConfigState(
                offset=self._offset, session_key=self._session_key,
                connector_configs={k: dict(v) for k, v in self._configs.items()},
                target_states=dict(self._states), task_counts=dict(self._counts),
                task_configs={k: dict(v) for k, v in self._tasks.items()},
                applied_configs={k: dict(v) for k, v in self._applied.items()},
                inconsistent=frozenset(self._inconsistent))

    def connectors(self) -> list[str]:
        with self._lock:
            return sorted(self._configs)

    def connector_config(self, name: str) -> dict[str, str] | None:
        with self._lock:
            cfg = self._configs.get(name)
            return dict(cfg) if cfg is not None else None

    def task_configs(self, name: str) -> list[dict[str, str]]:
        return self.snapshot().task_config_list(name)

    def target_state(self, name: str) -> str | None:
        with self._lock:
            return self._states.get(name) if name in self._configs else None

    # -- writes ------------------------------------------------------------------------------------
    def _send(self, records: list[tuple[str, bytes | None]], what: str) -> None:
        futures = [self._log.send(key.encode("utf-8"), value) for key, value in records]
        try:
            for f in futures:
                f.result(WRITE_TIMEOUT_S)
        except Exception as exc:
            log.error("Failed %s: %s", what, exc)
            raise ConnectError(f"Error {what}: {exc}") from None

    def _read_to_end(self, what: str) -> None:
        if not self._log.read_to_end(WRITE_TIMEOUT_S):
            raise ConnectError(f"Error {what}: timed out reading to the end of the config topic")

    def put_connector_config(self, name: str, config: dict[str, str], target_state: str | None = None) -> None:
        records: list[tuple[str, bytes | None]] = []
        if target_state is not None:
            records.append((TARGET_STATE_PREFIX + name, target_state_value(target_state)))
        records.append((CONNECTOR_PREFIX + name, connector_value(config)))
        self._send(records, "writing connector configuration to Kafka")
        self._read_to_end("writing connector configuration to Kafka")

    def remove_connector(self, name: str) -> None:
        self._send([(CONNECTOR_PREFIX + name, None), (TARGET_STATE_PREFIX + name, None)],
                   "removing connector configuration from Kafka")
        self._read_to_end("removing connector configuration from Kafka")

    def put_task_configs(self, name: str, configs: list[dict[str, str]]) -> None:
        self._read_to_end("writing root configuration to Kafka")
        records: list[tuple[str, bytes | None]] = [(f"{TASK_PREFIX}{name}-{i}", connector_value(c))
                                                   for i, c in enumerate(configs)]
        self._send(records, "writing task configurations to Kafka")
        if configs:
            self._read_to_end("writing root configuration to Kafka")
        self._send([(COMMIT_TASKS_PREFIX + name, commit_value(len(configs)))], "writing root configuration to Kafka")
        self._read_to_end("writing root configuration to Kafka")

    def put_target_state(self, name: str, state: str) -> None:
        self._send([(TARGET_STATE_PREFIX + name, target_state_value(state))], "writing target state to Kafka")

    def put_session_key(self, key: SessionKey) -> None:
        self._send([(SESSION_KEY, session_key_value(key))], "writing session key to Kafka")
        self._read_to_end("writing session key to Kafka")

    def put_restart_request(self, request: RestartRequest) -> None:
        self._send([(RESTART_PREFIX + request.connector, restart_value(request))], f"writing {request} to Kafka")
        self._read_to_end(f"writing {request} to Kafka")

    def put_logger_level(self, namespace: str, level: str) -> None:
        self._send([(LOGGER_PREFIX + namespace, logger_level_value(level))], "writing logger level to Kafka")

    # -- reading (the log's thread) ------------------------------------------------------------------
    def _on_record(self, key_bytes: bytes | None, value_bytes: bytes | None, partition: int, offset: int) -> None:
        key = (key_bytes or b"").decode("utf-8", "replace")  # as Java's StringDeserializer
        try:
            value = json.loads(value_bytes) if value_bytes is not None else None
        except ValueError as exc:
            log.error("Failed to convert config data to Kafka Connect format: %s", exc)
            return
        notify: Notify | None = None
        with self._lock:  # a snapshot sees a record's effects and its offset together
            self._offset = offset + 1
            if key.startswith(TARGET_STATE_PREFIX):
                notify = self._target_state(key[len(TARGET_STATE_PREFIX):], value)
            elif key.startswith(CONNECTOR_PREFIX):
                notify = self._connector(key[len(CONNECTOR_PREFIX):], value)
            elif key.startswith(TASK_PREFIX):
                task = parse_task_key(key, TASK_PREFIX)
                if task is None:
                    log.error("Ignoring task configuration because %s couldn't be parsed as a task config key", key)
                else:
                    self._task(task, value)
            elif key.startswith(COMMIT_TASKS_PREFIX):
                notify = self._commit(key[len(COMMIT_TASKS_PREFIX):], value)
            elif key.startswith(RESTART_PREFIX):
                notify = self._restart(key[len(RESTART_PREFIX):], value)
            elif key.startswith(TASK_COUNT_PREFIX):
                pass  # exactly-once task count records: kcli runs no exactly-once source tasks
            elif key == SESSION_KEY:
                notify = self._session(value)
            elif key.startswith(LOGGER_PREFIX):
                notify = self._logger(key[len(LOGGER_PREFIX):], value)
            else:
                log.error("Discarding config update record with invalid key: %s", key)
        if notify is not None and self._started and self.listener is not None:
            try:
                notify(self.listener)
            except Exception:
                log.exception("Error in the config update listener")

    def _target_state(self, name: str, value: Any) -> Notify | None:
        with self._lock:
            if value is None:
                self._states.pop(name, None)
                if name in self._configs:
                    self._states[name] = STARTED
                return None
            if not isinstance(value, dict):
                log.error("Ignoring target state for connector '%s' because it is in the wrong format", name)
                return None
            state = value.get("state.v2")
            if not isinstance(state, str):
                state = value.get("state")
            if state not in TARGET_STATES:
                log.error("Invalid target state for connector '%s': %s", name, state)
                return None
            changed = self._states.get(name) != state
            self._states[name] = state
            if not changed or name not in self._configs:
                return None
        return lambda listener: listener.on_connector_target_state_change(name)

    def _connector(self, name: str, value: Any) -> Notify | None:
        with self._lock:
            if value is None:
                self._remove(name)
                log.info("Successfully processed removal of connector '%s'", name)
                return lambda listener: listener.on_connector_config_remove(name)
            props = value.get("properties") if isinstance(value, dict) else None
            if not isinstance(props, dict):
                log.error("Ignoring configuration for connector '%s' because it is in the wrong format", name)
                return None
            self._configs[name] = {str(k): v for k, v in props.items()}
            self._states.setdefault(name, STARTED)
        return lambda listener: listener.on_connector_config_update(name)

    def _task(self, task: TaskId, value: Any) -> None:
        props = value.get("properties") if isinstance(value, dict) else None
        if not isinstance(props, dict):
            log.error("Ignoring task configuration for task %s because it is not a map of properties", task)
            return
        with self._lock:
            self._deferred.setdefault(task.connector, {})[task] = {str(k): v for k, v in props.items()}

    def _commit(self, name: str, value: Any) -> Notify | None:
        with self._lock:
            config = self._configs.get(name)
            if config is None:
                self._remove(name)
                log.debug("Ignoring task configs for connector %s: it was deleted", name)
                return None
            if not isinstance(value, dict) or not isinstance(value.get("tasks"), int):
                log.error("Ignoring connector tasks configuration commit for connector '%s' because it is in the "
                          "wrong format", name)
                return None
            count = value["tasks"]
            deferred = self._deferred.get(name) or {}
            ids = {t.task for t in deferred}
            updated: list[TaskId] = []
            if not all(i in ids for i in range(count)):
                log.debug("Incomplete set of task configs for connector '%s'; waiting for a fresh set", name)
                self._inconsistent.add(name)
            else:
                self._tasks.update(deferred)
                updated = sorted(deferred)
                self._inconsistent.discard(name)
                self._applied[name] = dict(config)
            deferred.clear()
            self._counts[name] = count
        return lambda listener: listener.on_task_config_update(updated)

    def _remove(self, name: str) -> None:
        self._configs.pop(name, None)
        self._counts.pop(name, None)
        for t in [t for t in self._tasks if t.connector == name]:
            del self._tasks[t]
        self._deferred.pop(name, None)
        self._applied.pop(name, None)

    def _restart(self, name: str, value: Any) -> Notify | None:
        if not isinstance(value, dict):
            log.error("Ignoring restart request because the value is not a map")
            return None
        only_failed = value.get("only-failed")
        include_tasks = value.get("include-tasks")
        request = RestartRequest(name, only_failed if isinstance(only_failed, bool) else False,
                                 include_tasks if isinstance(include_tasks, bool) else False)
        return lambda listener: listener.on_restart_request(request)

    def _session(self, value: Any) -> Notify | None:
        if not isinstance(value, dict):
            log.error("Ignoring session key because the value is not a map")
            return None
        encoded, algorithm, created = value.get("key"), value.get("algorithm"), value.get("creation-timestamp")
        if not isinstance(encoded, str) or not isinstance(algorithm, str) or not isinstance(created, int):
            log.error("Ignoring session key because it is in the wrong format")
            return None
        try:
            key = SessionKey(base64.b64decode(encoded), algorithm, created)
        except ValueError:
            log.error("Ignoring session key because its key is not base64")
            return None
        with self._lock:
            self._session_key = key
        return lambda listener: listener.on_session_key_update(key)

    def _logger(self, namespace: str, value: Any) -> Notify | None:
        level = value.get("level") if isinstance(value, dict) else None
        if not isinstance(level, str):
            log.error("Ignoring logging level for namespace %s because it is in the wrong format", namespace)
            return None
        return lambda listener: listener.on_logger_level_update(namespace, level)
