"""Worker: runs connector instances and task threads, builds their clients and converters.

The herder decides *what* runs (configs, target states); the worker runs it (Apache's Worker).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from kcli.connect.api.connector import Connector
from kcli.connect.api.context import SinkConnectorContext, SourceConnectorContext
from kcli.connect.api.task import SinkTask, SourceTask
from kcli.connect.errors import ConnectError
from kcli.connect.plugins import Plugins
from kcli.connect.runtime import clients
from kcli.connect.runtime.sink_task import WorkerSinkTask
from kcli.connect.runtime.source_task import WorkerSourceTask
from kcli.connect.runtime.task_base import TaskStatusListener, WorkerTask, format_trace
from kcli.connect.runtime.topic_creation import TopicCreator
from kcli.connect.runtime.transformation_chain import TransformationChain
from kcli.connect.storage.config_store import PAUSED, STARTED, STOPPED
from kcli.connect.storage.offset_store import OffsetStore, StoreOffsetReader
from kcli.connect.worker_config import WorkerConfig

if TYPE_CHECKING:
    from kcli.connect.runtime.dlq import DeadLetterQueue

log = logging.getLogger(__name__)


class ConnectorStatusListener(TaskStatusListener, Protocol):
    def on_connector_startup(self, connector: str) -> None: ...
    def on_connector_pause(self, connector: str) -> None: ...
    def on_connector_stop(self, connector: str) -> None: ...
    def on_connector_failure(self, connector: str, trace: str) -> None: ...
    def on_connector_shutdown(self, connector: str) -> None: ...
    def request_task_reconfiguration(self, connector: str) -> None: ...


class _ConnectorContext(SourceConnectorContext, SinkConnectorContext):
    def __init__(self, worker_connector: WorkerConnector) -> None:
        self._wc = worker_connector

    def request_task_reconfiguration(self) -> None:
        self._wc.listener.request_task_reconfiguration(self._wc.name)

    def raise_error(self, exc: BaseException) -> None:
        self._wc.fail(exc)

    @property
    def offset_storage_reader(self) -> StoreOffsetReader:
        return StoreOffsetReader(self._wc.offset_store, self._wc.name)


class WorkerConnector:
    """One connector instance and its state (Apache's WorkerConnector, run synchronously).

    The instance is started only when its target state is STARTED: pausing or stopping a started
    connector calls its stop(), resuming calls start() again (a connector created PAUSED or STOPPED
    is never started until it is resumed). Once FAILED, only a transition to STOPPED is taken."""

    def __init__(self, name: str, connector: Connector, config: dict[str, str],
                 listener: ConnectorStatusListener, offset_store: OffsetStore) -> None:
        self.name = name
        self.connector = connector
        self.config = config
        self.listener = listener
        self.offset_store = offset_store
        self.state = "INIT"  # INIT, STARTED, PAUSED, STOPPED, FAILED

    @property
    def failed(self) -> bool:
        return self.state == "FAILED"

    @property
    def running(self) -> bool:
        return self.state == STARTED

    def fail(self, exc: BaseException) -> None:
        """The connector reported an error (its context's raise_error) or one of its calls raised."""
        if self.failed:
            return  # the first cause stays the reported one
        log.error("WorkerConnector{id=%s} Connector raised an error", self.name, exc_info=exc)
        self.state = "FAILED"
        self.listener.on_connector_failure(self.name, format_trace(exc))

    def transition_to(self, target: str) -> bool:
        """Move to STARTED / PAUSED / STOPPED; True once there (False: failed, or refused since FAILED)."""
        if self.failed and target != STOPPED:
            log.warning("WorkerConnector{id=%s} Cannot transition connector to %s since it has failed",
                        self.name, target)
            return False
        if target == STARTED:
            return self._start()
        return self._suspend(target)

    def _start(self) -> bool:
        if self.state == STARTED:
            return True
        try:
            self.connector.start(dict(self.config))
        except Exception as exc:
            log.error("WorkerConnector{id=%s} Error while starting connector", self.name, exc_info=exc)
            self.fail(exc)
            return False
        self.state = STARTED
        self.listener.on_connector_startup(self.name)  # RUNNING, after a first start as after a resume
        return True

    def _suspend(self, target: str) -> bool:
        """PAUSED or STOPPED: the running instance is stopped (a connector has no paused state of its own)."""
        if self.state == target:
            return True
        try:
            if self.state == STARTED:
                self.connector.stop()
        except Exception as exc:
            log.error("WorkerConnector{id=%s} Error while %s connector", self.name,
                      "pausing" if target == PAUSED else "stopping", exc_info=exc)
            if target == PAUSED:
                self.fail(exc)
                return False
            # a connector that failed to stop is STOPPED all the same
        self.state = target
        if target == PAUSED:
            self.listener.on_connector_pause(self.name)
        else:
            self.listener.on_connector_stop(self.name)
        return True

    def shutdown(self) -> None:
        failed = self.failed
        try:
            if self.state == STARTED:
                self.connector.stop()
        except Exception as exc:
            log.warning("WorkerConnector{id=%s} Error while shutting down connector", self.name, exc_info=exc)
        if not failed:
            self.listener.on_connector_shutdown(self.name)
        self.state = STOPPED


class Worker:
    """Owns connector instances and task threads of this process."""

    def __init__(self, config: WorkerConfig, plugins: Plugins, offset_store: OffsetStore, worker_id: str) -> None:
        self.config = config
        self.plugins = plugins
        self.offset_store = offset_store
        self.worker_id = worker_id
        self.connectors: dict[str, WorkerConnector] = {}
        self.tasks: dict[tuple[str, int], WorkerTask] = {}
        self._lock = threading.RLock()

    def start(self) -> None:
        log.info("Worker starting")
        self.offset_store.start()
        log.info("Worker started")

    def stop(self) -> None:
        log.info("Worker stopping")
        with self._lock:
            self.stop_and_await_tasks(list(self.tasks))
            for name in list(self.connectors):
                self.stop_connector(name)
        self.offset_store.stop()
        log.info("Worker stopped")

    # -- connectors ----------------------------------------------------------------------------
    def start_connector(self, name: str, config: dict[str, str], listener: ConnectorStatusListener,
                        target_state: str) -> bool:
        with self._lock:
            if name in self.connectors:
                raise ConnectError(f"Connector {name} already running on this worker")
            try:
                _, cls = self.plugins.connector_class(config.get("connector.class", ""))
                connector = cls()
                wc = WorkerConnector(name, connector, config, listener, self.offset_store)
                connector.initialize(_ConnectorContext(wc))
            except Exception as exc:
                log.error("Failed to start connector %s", name, exc_info=exc)
                listener.on_connector_failure(name, format_trace(exc))
                return False
            self.connectors[name] = wc
            log.info("Creating connector %s of type %s", name, config.get("connector.class"))
            return wc.transition_to(target_state)

    def stop_connector(self, name: str) -> None:
        with self._lock:
            wc = self.connectors.pop(name, None)
        if wc is not None:
            log.info("Stopping connector %s", name)
            wc.shutdown()

    def connector_running(self, name: str) -> bool:
        """Whether this worker runs the connector and it is started (Apache's isRunning: not PAUSED)."""
        wc = self.connectors.get(name)
        return wc is not None and wc.running

    def connector_task_configs(self, name: str, max_tasks: int) -> list[dict[str, str]]:
        """The task configs the connector generates; the herders ask only a running one."""
        wc = self.connectors.get(name)
        if wc is None:
            raise ConnectError(f"Connector {name} not found in this worker.")
        task_cls = wc.connector.task_class()
        configs = wc.connector.task_configs(max_tasks) or []
        enforce = wc.config.get("tasks.max.enforce", "true").strip().lower() != "false"
        if len(configs) > max_tasks and enforce:
            raise ConnectError(f"The connector {name} has generated {len(configs)} tasks, which is greater than "
                               f"{max_tasks}, the maximum number of tasks it is configured to create.")
        from kcli.connect.plugins import task_class_name

        # As Apache's Worker: each task config also carries the connector's topics / topics.regex, when it has them.
        subscription: dict[str, str] = {k: wc.config[k] for k in ("topics", "topics.regex") if k in wc.config}
        return [{**{k: str(v) for k, v in c.items()}, "task.class": task_class_name(task_cls), **subscription}
                for c in configs]

    def set_target_state(self, name: str, state: str) -> bool:
        """Move the connector (if it is here) and its tasks to `state`; True when this worker's connector
        reached it (the herders then regenerate task configs of a resumed one)."""
        with self._lock:
            wc = self.connectors.get(name)
            log.info("Setting connector %s state to %s", name, state)
            reached = wc is not None and wc.transition_to(state)
            if state in (STARTED, PAUSED):
                for (conn, _), task in self.tasks.items():
                    if conn == name:
                        task.transition_to(state)
            return reached

    # -- tasks ---------------------------------------------------------------------------------
    def _converter(self, conn_config: Mapping[str, str], key: str, is_key: bool, header: bool = False) -> Any:
        if conn_config.get(key):
            name, sub = conn_config[key], {k[len(key) + 1:]: v for k, v in conn_config.items()
                                           if k.startswith(key + ".")}
        else:
            name, sub = self.config.props.get(key, ""), self.config.with_prefix(key + ".")
        conv = self.plugins.new_converter(name, header=header)
        if header:
            try:
                conv.configure(dict(sub))
            except TypeError:
                conv.configure(dict(sub), False)
        else:
            conv.configure(dict(sub), is_key)
        return conv

    def start_task(self, name: str, task_id: int, conn_config: dict[str, str], task_config: dict[str, str],
                   listener: TaskStatusListener, target_state: str) -> bool:
        """Create and start a task thread; a failure is reported to the listener (FAILED)."""
        with self._lock:
            if (name, task_id) in self.tasks:
                raise ConnectError(f"Task already exists in this worker: {name}-{task_id}")
            log.info("Creating task %s-%d", name, task_id)
            try:
                runner = self._build_task(name, task_id, conn_config, task_config, listener, target_state)
            except Exception as exc:
                log.error("Failed to start task %s-%d", name, task_id, exc_info=exc)
                listener.on_task_failure(name, task_id, format_trace(exc))
                return False
            self.tasks[(name, task_id)] = runner
            runner.start()
            return True

    def _build_task(self, name: str, task_id: int, conn_config: dict[str, str], task_config: dict[str, str],
                    listener: TaskStatusListener, target_state: str) -> WorkerTask:
        task_cls_name = task_config.get("task.class", "")
        _, conn_cls = self.plugins.connector_class(conn_config.get("connector.class", ""))
        task_cls = self._task_class(conn_cls, task_cls_name)
        task = task_cls()
        cfg = self.config
        errors = (conn_config.get("errors.tolerance", "none").strip().lower() == "all",
                  conn_config.get("errors.log.enable", "false").strip().lower() == "true")
        pipeline: dict[str, Any] = {
            "key_converter": self._converter(conn_config, "key.converter", True),
            "value_converter": self._converter(conn_config, "value.converter", False),
            "header_converter": self._converter(conn_config, "header.converter", False, header=True),
            "transforms": TransformationChain.from_config(conn_config, self.plugins),
            "flush_interval_ms": cfg.offset_flush_interval_ms, "flush_timeout_ms": cfg.offset_flush_timeout_ms,
            "topic_tracking": cfg.topic_tracking, "error_handling": errors,
        }
        if isinstance(task, SourceTask):
            java = clients.producer_config(cfg, name, task_id, conn_config)
            creation = cfg.props.get("topic.creation.enable", "true").strip().lower() == "true"
            creator = TopicCreator.from_config(creation, conn_config,
                                               lambda: clients.new_admin(clients.admin_config(cfg, conn_config)))
            return WorkerSourceTask(name, task_id, task, task_config, listener, target_state,
                                    producer_factory=lambda: clients.new_producer(java), offset_store=self.offset_store,
                                    topic_creator=creator, **pipeline)
        if isinstance(task, SinkTask):
            java = clients.consumer_config(cfg, name, task_id, conn_config)
            max_poll = int(java.pop("max.poll.records", "500"))
            dlq = self._dead_letter_queue(name, task_id, conn_config)  # also with errors.tolerance=none (Apache)
            return WorkerSinkTask(name, task_id, task, task_config, listener, target_state,
                                  consumer_factory=lambda: clients.new_consumer(java), max_poll_records=max_poll,
                                  dlq=dlq, **pipeline)
        raise ConnectError(f"Tasks must be a subclass of either SourceTask or SinkTask: {task_cls_name}")

    def _dead_letter_queue(self, name: str, task_id: int, conn_config: Mapping[str, str]) -> DeadLetterQueue | None:
        topic = conn_config.get("errors.deadletterqueue.topic.name", "").strip()
        if not topic:
            return None
        from kcli.connect.runtime.dlq import DeadLetterQueue

        rf = int(conn_config.get("errors.deadletterqueue.topic.replication.factor", "3"))
        DeadLetterQueue.ensure_topic(clients.new_admin(clients.admin_config(self.config, conn_config)), topic, rf)
        java = clients.producer_config(self.config, name, task_id, conn_config)
        java["client.id"] = f"connector-dlq-producer-{name}-{task_id}"
        producer = clients.new_producer(java)
        headers = conn_config.get("errors.deadletterqueue.context.headers.enable", "false").strip().lower() == "true"
        return DeadLetterQueue(topic, name, task_id, headers, producer)

    def _task_class(self, conn_cls: type, task_cls_name: str) -> type:
        from kcli.connect.plugins import python_name, task_class_name

        try:
            candidate = conn_cls().task_class()
            if task_cls_name in (python_name(candidate), task_class_name(candidate), ""):
                return candidate
        except Exception:
            pass
        import importlib

        module, _, attr = task_cls_name.rpartition(".")
        return getattr(importlib.import_module(module), attr)

    def stop_and_await_tasks(self, ids: list[tuple[str, int]]) -> None:
        """Stop tasks; wait for them together, at most task.shutdown.graceful.timeout.ms in total."""
        with self._lock:
            runners = [self.tasks.pop(i) for i in ids if i in self.tasks]
        for r in runners:
            log.info("Stopping task %s", r.name)
            r.stop()
        deadline = time.monotonic() + self.config.task_shutdown_timeout_ms / 1000.0
        for r in runners:
            if not r.await_stop(max(0.0, deadline - time.monotonic())):
                log.error("Graceful stop of task %s failed.", r.name)
                r.cancel()

    def connector_task_ids(self, name: str) -> list[tuple[str, int]]:
        with self._lock:
            return sorted(i for i in self.tasks if i[0] == name)

    def task_runner(self, name: str, task_id: int) -> WorkerTask | None:
        return self.tasks.get((name, task_id))
