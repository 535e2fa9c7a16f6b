"""The REST contract of the distributed herder: writes queued on the tick thread, restarts, reads.

The base of DistributedHerder (herder.py), kept apart so each file holds one role: this one says
what each REST call does in a cluster — who may do it (the leader, a connector's owner, any
worker), what it writes to the config topic, and what it raises for the REST layer to forward.
The tick thread's parts it relies on are declared here and implemented by DistributedHerder.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from kcli.connect.errors import (
    BadRequestError,
    ConflictError,
    ConnectError,
    NotAssignedError,
    NotFoundError,
    NotLeaderError,
)
from kcli.connect.herder.abstract import (
    NOT_STOPPED,
    AbstractHerder,
    named_config,
    patched,
    reverse_transform,
    task_configs_changed,
)
from kcli.connect.herder.base import JSON
from kcli.connect.herder.distributed import session
from kcli.connect.storage.config_store import STARTED, STOPPED, ClusterConfigState, RestartRequest, SessionKey
from kcli.connect.storage.status_store import FAILED, RESTARTING, Status
from kcli.connect.task_id import TaskId

if TYPE_CHECKING:
    import threading

    from kcli.connect.herder.distributed.member import GroupMember
    from kcli.connect.herder.distributed.protocol import Assignment
    from kcli.connect.rest.forward import TaskConfigPoster
    from kcli.connect.storage.kafka_config_store import KafkaConfigStore
    from kcli.connect.worker_config import DistributedConfig

log = logging.getLogger("kcli.connect.distributed.DistributedHerder")

RECONFIGURE_BACKOFF_INITIAL_S, RECONFIGURE_BACKOFF_MAX_S = 0.25, 60.0


class ClusterOperations(AbstractHerder):
    """REST operations of a distributed herder, over the tick thread's state and methods declared below."""

    configs: KafkaConfigStore
    config_state: ClusterConfigState
    assignment: Assignment | None
    member: GroupMember
    dist: DistributedConfig
    session_key: SessionKey | None
    generation_id: int
    forwarder: TaskConfigPoster | None
    _running_connectors: set[str]
    _pending_restarts: dict[str, RestartRequest]
    _lock: threading.RLock
    _forward_pool: ThreadPoolExecutor

    # -- what the tick thread provides (DistributedHerder) ----------------------------------------
    def _await_started(self) -> None:
        raise NotImplementedError

    def _submit(self, action: Callable[[], Any], timeout: float = 90.0) -> Any:
        raise NotImplementedError

    def _add_request(self, action: Callable[[], Any], delay_s: float = 0.0) -> Any:
        raise NotImplementedError

    def _is_leader(self) -> bool:
        raise NotImplementedError

    def leader_url(self) -> str | None:
        raise NotImplementedError

    def _require_leader(self, what: str) -> None:
        raise NotImplementedError

    def _check_rebalance_needed(self) -> None:
        raise NotImplementedError

    def internal_request_validation_enabled(self) -> bool:
        raise NotImplementedError

    def _refresh_config_snapshot(self, timeout: float) -> bool:
        raise NotImplementedError

    def _start_connector(self, name: str) -> bool:
        raise NotImplementedError

    def _start_task(self, task: TaskId) -> bool:
        raise NotImplementedError

    # -- task configs ----------------------------------------------------------------------------
    def request_task_reconfiguration(self, connector: str) -> None:
        self._add_request(lambda: self._reconfigure_with_retry(connector, 0, time.monotonic()))

    def _reconfigure_with_retry(self, connector: str, attempt: int, first: float) -> None:
        def retry(error: BaseException) -> None:
            if isinstance(error, ConnectError) and error.status == 403 and time.monotonic() - first < 60:
                log.debug("Failed to reconfigure connector's tasks (%s), possibly due to an expired session key. "
                          "Retrying after backoff", connector)
            else:
                log.error("Failed to reconfigure connector's tasks (%s), retrying after backoff: %s", connector, error)
            delay = min(RECONFIGURE_BACKOFF_INITIAL_S * 2 ** attempt, RECONFIGURE_BACKOFF_MAX_S)
            self._add_request(lambda: self._reconfigure_with_retry(connector, attempt + 1, first), delay)

        try:
            self._reconfigure(connector, retry)
        except Exception as exc:
            if "has generated" in str(exc) and "maximum number of tasks" in str(exc):
                log.debug("Connector %s generated too many tasks; will not retry configuring connector", connector)
                return
            retry(exc)

    def _reconfigure(self, name: str, on_error: Callable[[BaseException], None]) -> None:
        """Ask the connector for task configs; store them (leader) or send them to the leader when changed."""
        if not self.worker.connector_running(name):
            log.info("Skipping reconfiguration of connector %s since it is not running", name)
            return
        if self.config_state.target_state(name) != STARTED:
            log.info("Skipping reconfiguration of connector %s since its target state is %s", name,
                     self.config_state.target_state(name))
            return
        raw = self.config_state.connector_config(name) or {}
        resolved = self._resolved(raw)
        try:
            max_tasks = int(resolved.get("tasks.max", "1"))
            generated = self.worker.connector_task_configs(name, max_tasks)
        except Exception as exc:
            from kcli.connect.runtime.task_base import format_trace

            self.on_connector_failure(name, format_trace(exc))
            raise
        configs = reverse_transform(raw, generated)
        if not task_configs_changed(self.config_state, name, configs):
            return
        if self._is_leader():
            self._write_task_configs(name, configs)
            return
        leader, forwarder = self.leader_url(), self.forwarder
        if not leader or forwarder is None:
            raise ConnectError("Request to leader to reconfigure connector tasks failed because the URL of the "
                               "leader's REST interface is empty!")
        key = self.session_key
        algorithm = self.dist.signature_algorithm

        def post() -> None:
            body = json.dumps(configs).encode("utf-8")
            headers = session.signature_headers(key, body, algorithm) if key is not None else {}  # as Apache
            try:
                forwarder.post_task_configs(leader, name, body, headers)
            except BaseException as exc:
                log.error("Request to leader to reconfigure connector tasks failed: %s", exc)
                on_error(exc)

        self._forward_pool.submit(post)

    def _write_task_configs(self, name: str, configs: list[dict[str, str]]) -> None:
        if configs and self.config_state.target_state(name) == STOPPED:
            raise BadRequestError(f"Cannot submit non-empty set of task configs for stopped connector {name}")
        self.configs.put_task_configs(name, configs)

    # -- restarts ----------------------------------------------------------------------------------------
    def _restart_plan(self, request: RestartRequest) -> tuple[bool, list[int], JSON] | None:
        status = self.statuses.connector(request.connector)
        cfg = self.configs.connector_config(request.connector)
        if status is None or cfg is None:
            return None
        restart_connector = not request.only_failed or status.state == FAILED
        tasks = self.statuses.tasks(request.connector)
        task_ids = [i for i, s in tasks.items() if request.include_tasks and (not request.only_failed
                                                                              or s.state == FAILED)]
        body = {"name": request.connector,
                "connector": {**status.to_json(), **({"state": RESTARTING} if restart_connector else {})},
                "tasks": [{"id": i, **s.to_json(), **({"state": RESTARTING} if i in task_ids else {})}
                          for i, s in tasks.items()],
                "type": self._type(cfg)}
        return restart_connector, task_ids, body

    def _process_restarts(self) -> None:
        with self._lock:
            requests, self._pending_restarts = list(self._pending_restarts.values()), {}
        for request in requests:
            try:
                self._do_restart(request)
            except Exception as exc:
                log.warning("Unexpected error while trying to process %s, the restart request will be skipped: %s",
                            request, exc)

    def _do_restart(self, request: RestartRequest) -> None:
        plan = self._restart_plan(request)
        a = self.assignment
        if plan is None or a is None:
            log.debug("Skipping restart of connector '%s' since no status is available", request.connector)
            return
        restart_connector, task_ids, _ = plan
        name = request.connector
        owned_tasks = [TaskId(name, i) for i in task_ids if TaskId(name, i) in set(a.tasks)]
        connector_here = restart_connector and name in a.connectors
        log.info("Executing restart plan for %s (connector here: %s, tasks here: %s)", name, connector_here,
                 [str(t) for t in owned_tasks])
        if connector_here:
            self.worker.stop_connector(name)
            self.statuses.put_connector(name, Status(RESTARTING, self.worker_id, None, self.generation_id))
        if owned_tasks:
            self.worker.stop_and_await_tasks([(t.connector, t.task) for t in owned_tasks])
            for t in owned_tasks:
                self.statuses.put_task(name, t.task, Status(RESTARTING, self.worker_id, None, self.generation_id))
        if connector_here:
            self._start_connector(name)
        for t in owned_tasks:
            try:
                self._start_task(t)
            except Exception as exc:
                log.error("Task '%s' restart failed: %s", t, exc)

    # -- the REST contract: writes -----------------------------------------------------------------------
    def put_connector_config(self, name: str, config: dict[str, str], allow_replace: bool,
                             initial_state: str | None = None) -> tuple[bool, JSON]:
        self._await_started()
        config, target = named_config(name, config, initial_state)
        self.check_config(config)
        return self._submit(lambda: self._write_connector(name, config, target, allow_replace))

    def _write_connector(self, name: str, config: dict[str, str], target: str | None,
                         allow_replace: bool) -> tuple[bool, JSON]:
        self._require_leader("Only the leader can set connector configs.")
        exists = self.config_state.contains(name) or self.configs.connector_config(name) is not None
        if exists and not allow_replace:
            raise ConflictError(f"Connector {name} already exists")
        self.configs.put_connector_config(name, config, target)
        tasks = [{"connector": name, "task": t.task} for t in self.config_state.tasks(name)]
        return not exists, {"name": name, "config": config, "tasks": tasks, "type": self._type(config)}

    def patch_connector_config(self, name: str, patch: dict[str, str | None]) -> JSON:
        self._await_started()

        def current() -> dict[str, str]:
            self._require_leader("Only the leader can set connector configs.")
            cfg = self.configs.connector_config(name)
            if cfg is None:
                raise NotFoundError(f"Connector {name} not found")
            return cfg

        cfg, _ = named_config(name, patched(self._submit(current), patch), None)
        self.check_config(cfg)
        return self._submit(lambda: self._write_connector(name, cfg, None, True))[1]

    def delete_connector(self, name: str) -> None:
        self._await_started()

        def delete() -> None:
            self._require_leader("Only the leader can delete connector configs.")
            if self.configs.connector_config(name) is None:
                raise NotFoundError(f"Connector {name} not found")
            self.configs.remove_connector(name)

        self._submit(delete)

    def pause_connector(self, name: str) -> None:
        self._await_started()
        if self.configs.connector_config(name) is None:
            raise NotFoundError(f"Unknown connector {name}")
        self.configs.put_target_state(name, "PAUSED")

    def resume_connector(self, name: str) -> None:
        self._await_started()
        if self.configs.connector_config(name) is None:
            raise NotFoundError(f"Unknown connector {name}")
        self.configs.put_target_state(name, STARTED)

    def stop_connector(self, name: str) -> None:
        self._await_started()

        def stop() -> None:
            if self.configs.connector_config(name) is None:
                raise NotFoundError(f"Unknown connector {name}")
            self._require_leader("Only the leader can transition connectors to the STOPPED state.")
            self._write_task_configs(name, [])
            self.configs.put_target_state(name, STOPPED)
            if not self._refresh_config_snapshot(self.dist.sync_timeout_ms / 1000):
                log.warning("Failed to read to end of config topic after writing the STOPPED target state for "
                            "connector %s", name)

        self._submit(stop)

    def restart_connector(self, name: str, include_tasks: bool = False, only_failed: bool = False) -> JSON | None:
        self._await_started()
        if not include_tasks and not only_failed:
            self._submit(lambda: self._restart_connector_only(name))
            return None
        request = RestartRequest(name, only_failed=only_failed, include_tasks=include_tasks)

        def restart() -> JSON:
            self._check_rebalance_needed()
            if not self.config_state.contains(name) and self.configs.connector_config(name) is None:
                raise NotFoundError(f"Unknown connector: {name}")
            self._require_leader("Only the leader can process restart requests.")
            self.configs.put_restart_request(request)
            plan = self._restart_plan(request)
            if plan is None:
                raise NotFoundError(f"Status for connector {name} not found")
            return plan[2]

        return self._submit(restart)

    def _restart_connector_only(self, name: str) -> None:
        self._check_rebalance_needed()
        if not self.config_state.contains(name):
            raise NotFoundError(f"Unknown connector: {name}")
        a = self.assignment
        if a is not None and name in a.connectors:
            self.worker.stop_connector(name)
            self._running_connectors.discard(name)
            if not self._start_connector(name):
                raise ConnectError(f"Failed to start connector: {name}")
            self._running_connectors.add(name)
        elif self._is_leader():
            raise NotAssignedError("Cannot restart connector since it is not assigned to this member",
                                   self.member.owner_url(name))
        else:
            raise NotLeaderError("Only the leader can process restart requests.", self.leader_url())

    def restart_task(self, name: str, task_id: int) -> None:
        self._await_started()

        def restart() -> None:
            self._check_rebalance_needed()
            if not self.config_state.contains(name):
                raise NotFoundError(f"Unknown connector: {name}")
            task = TaskId(name, task_id)
            if self.config_state.task_config(task) is None:
                raise NotFoundError(f"Unknown task: {task}")
            a = self.assignment
            if a is not None and task in a.tasks:
                self.worker.stop_and_await_tasks([(name, task_id)])
                if not self._start_task(task):
                    raise ConnectError(f"Failed to start task: {task}")
            elif self._is_leader():
                raise NotAssignedError("Cannot restart task since it is not assigned to this member",
                                       self.member.owner_url(name, task_id))
            else:
                raise NotLeaderError("Cannot restart task since it is not assigned to this member", self.leader_url())

        self._submit(restart)

    def put_task_configs(self, name: str, configs: list[dict[str, str]], headers: dict[str, str], body: bytes) -> None:
        """POST /connectors/{name}/tasks from a follower (signed when the protocol is `sessioned`)."""
        self._await_started()
        if self.internal_request_validation_enabled():
            session.verify(headers, body, self.session_key, self.dist.verification_algorithms)

        def write() -> None:
            self._require_leader("Only the leader may write task configurations.")
            if not self.config_state.contains(name):
                raise NotFoundError(f"Connector {name} not found")
            self._write_task_configs(name, configs)

        self._submit(write)

    def alter_offsets(self, name: str, new_offsets: list[JSON]) -> JSON:
        from kcli.connect.herder import offsets

        self._await_started()
        return self._submit(lambda: offsets.alter(self, self._offsets_checks(name), new_offsets))

    def reset_offsets(self, name: str) -> JSON:
        from kcli.connect.herder import offsets

        self._await_started()
        return self._submit(lambda: offsets.reset(self, self._offsets_checks(name)))

    def _offsets_checks(self, name: str) -> dict[str, str]:
        self._check_rebalance_needed()
        self._require_leader("Only the leader can process external offsets modification requests")
        if not self._refresh_config_snapshot(self.dist.sync_timeout_ms / 1000):
            raise ConnectError("Failed to read to end of config topic before modifying connector offsets")
        cfg = self.config_state.connector_config(name)
        if cfg is None:
            raise NotFoundError(f"Connector {name} not found")
        if self.config_state.target_state(name) != STOPPED or self.config_state.task_count(name):
            raise BadRequestError(NOT_STOPPED.replace("{name}", name))
        return cfg

    def set_cluster_logger_level(self, namespace: str, level: str) -> bool:
        self.configs.put_logger_level(namespace, level)
        return True

    # -- the REST contract: reads (from the stores, on the calling thread) ---------------------------------
    def connectors(self) -> list[str]:
        self._await_started()
        return super().connectors()

    def connector_info(self, name: str) -> JSON:
        self._await_started()
        return super().connector_info(name)

    def connector_status(self, name: str) -> JSON:
        self._await_started()
        return super().connector_status(name)

    def connector_offsets(self, name: str) -> JSON:
        self._await_started()
        return super().connector_offsets(name)
