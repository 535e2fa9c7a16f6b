"""DistributedHerder: one worker of a Connect cluster (Apache's DistributedHerder).

One tick thread owns everything that changes what runs here: it drives the group membership,
applies assignments (stop what is revoked, start what is new, cooperatively), reacts to config
topic updates, and runs REST writes taken from a request queue — so no two threads ever start or
stop work at once. Reads are answered from the stores' snapshots on the REST threads. Only the
leader writes connector and task configs; a write that needs the leader (or a connector's owner)
raises a RequestTargetError that the REST layer forwards.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout  # not the builtin before Python 3.11
from typing import TYPE_CHECKING, Any, TypeVar

from kcli.connect.errors import (
    ConnectError,
    NotLeaderError,
    RebalanceNeededError,
)
from kcli.connect.herder.base import JSON
from kcli.connect.herder.distributed import session
from kcli.connect.herder.distributed.member import GroupMember
from kcli.connect.herder.distributed.operations import ClusterOperations
from kcli.connect.herder.distributed.protocol import EAGER_VERSION, SESSIONED_VERSION, Assignment
from kcli.connect.plugins import Plugins
from kcli.connect.storage.config_store import STARTED, ClusterConfigState, RestartRequest, SessionKey
from kcli.connect.storage.kafka_config_store import KafkaConfigStore
from kcli.connect.storage.offset_store import OffsetStore
from kcli.connect.storage.status_store import StatusStore
from kcli.connect.task_id import TaskId
from kcli.connect.worker_config import DistributedConfig, WorkerConfig

if TYPE_CHECKING:
    from kcli.connect.rest.forward import TaskConfigPoster
    from kcli.connect.rest.loggers import LoggerLevels

log = logging.getLogger("kcli.connect.distributed.DistributedHerder")

REQUEST_TIMEOUT_S = 90.0
BACKOFF_RETRIES = 5
_T = TypeVar("_T")


class _Request:
    __slots__ = ("at", "seq", "action", "future")

    def __init__(self, at: float, seq: int, action: Callable[[], Any], future: Future[Any]) -> None:
        self.at, self.seq, self.action, self.future = at, seq, action, future

    def __lt__(self, other: _Request) -> bool:
        return (self.at, self.seq) < (other.at, other.seq)


class DistributedHerder(ClusterOperations):
    """The herder of `kcli connect distributed`."""

    def __init__(self, config: WorkerConfig, dist: DistributedConfig, worker_id: str, plugins: Plugins,
                 configs: KafkaConfigStore, statuses: StatusStore, offsets: OffsetStore,
                 member_factory: Callable[[DistributedHerder], GroupMember], rest_url: str,
                 cluster_id: str | None = None, forwarder: TaskConfigPoster | None = None) -> None:
        super().__init__(config, worker_id, plugins, configs, statuses, offsets, cluster_id)
        self.configs: KafkaConfigStore = configs
        self.dist = dist
        self.rest_url = rest_url
        self.forwarder = forwarder  # posts task configs to the leader (rest/forward.py)
        self.logger_levels: LoggerLevels | None = None
        configs.listener = self
        self.member = member_factory(self)
        self._lock = threading.RLock()
        self._requests: list[_Request] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._started = threading.Event()
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="connector-start-stop")
        self._forward_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="forward-to-leader")
        # state of the tick thread
        self.config_state = ClusterConfigState()
        self.assignment: Assignment | None = None
        self.generation_id = -1
        self._running_connectors: set[str] = set()
        self._running_tasks: set[TaskId] = set()
        self._rebalance_resolved = True
        self._can_read_configs = True
        self._scheduled_rebalance = float("inf")
        self._backoff_retries = BACKOFF_RETRIES
        self._tasks_to_restart: set[TaskId] = set()
        # updates from the config topic (the store's thread), under _lock
        self._needs_reconfig_rebalance = False
        self._connector_updates: dict[str, int] = {}  # connector -> config offset of its latest update
        self._target_state_changes: set[str] = set()
        self._task_updates: dict[str, int] = {}  # connector -> config offset of its latest task configs
        self._started_at: dict[str | TaskId, int] = {}  # connector or task -> config offset it was started with
        self._pending_restarts: dict[str, RestartRequest] = {}
        self.session_key: SessionKey | None = None
        self._key_expiration = float("inf")

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the tick thread; returns once the internal topics were read (raises what stopped it)."""
        self._thread = threading.Thread(target=self._run, name=f"DistributedHerder-{self.dist.client_id_base()}"
                                        .rstrip("-"), daemon=True)
        self._thread.start()
        while not self._started.wait(0.2):
            if not self._thread.is_alive():
                break
        if self._start_error is not None:
            raise self._start_error

    def stop(self) -> None:
        log.info("Herder stopping")
        self._stop_event.set()
        self.member.wakeup()
        if self._thread is not None:
            self._thread.join(self.dist.sync_timeout_ms / 1000 + self.config.task_shutdown_timeout_ms / 1000 + 15)
        self._pool.shutdown(wait=False)
        self._forward_pool.shutdown(wait=False)
        log.info("Herder stopped")

    def alive(self) -> bool:
        """False once the tick thread has died on an error."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            log.info("Herder starting")
            try:
                self._start_services()
            except BaseException as exc:
                self._start_error = exc
                self._started.set()
                return
            self._started.set()
            while not self._stop_event.is_set():
                self._tick()
                if not self._ready.is_set():
                    self._ready.set()
                    log.info("Herder started")
            self._halt()
        except Exception:
            log.exception("Uncaught exception in herder work thread, exiting")
            self._stop_services()
            self._ready.set()
            raise

    def _start_services(self) -> None:
        self.worker.start()  # the offset store
        self.statuses.start()
        self.configs.start()
        self.config_state = self.configs.snapshot()
        if self._cluster_id is None:
            self._cluster_id = self._lookup_cluster_id()
        self.member.start()

    def _stop_services(self) -> None:
        for what, stop in (("group member", self.member.stop), ("worker", self.worker.stop),
                           ("status store", self.statuses.stop), ("config store", self.configs.stop)):
            try:
                stop()
            except Exception as exc:
                log.warning("Error stopping the %s: %s", what, exc)

    def _halt(self) -> None:
        log.info("Stopping connectors and tasks that are still assigned to this worker.")
        self.stopping = True
        self._stop_work(list(self.worker.connectors), [TaskId(c, t) for c, t in list(self.worker.tasks)])
        with self._lock:
            pending, self._requests = self._requests, []
        for req in pending:
            req.future.set_exception(ConnectError("Worker is shutting down"))
        self._stop_services()

    def health(self) -> JSON:
        if not self._ready.is_set():
            raise ConnectError("Worker is still starting up.", 503)
        self._submit(lambda: None, timeout=10)
        return super().health()

    # -- the request queue -----------------------------------------------------------------------------
    def _add_request(self, action: Callable[[], _T], delay_s: float = 0.0) -> Future[_T]:
        future: Future[_T] = Future()
        with self._lock:
            req = _Request(time.monotonic() + delay_s, next(self._seq), action, future)
            heapq.heappush(self._requests, req)
            first = self._requests[0] is req
        if first:
            self.member.wakeup()
        return future

    def _submit(self, action: Callable[[], _T], timeout: float = REQUEST_TIMEOUT_S) -> _T:
        """Run `action` on the tick thread and return its result (or raise its error)."""
        if threading.current_thread() is self._thread:
            return action()
        future = self._add_request(action)
        try:
            return future.result(timeout)
        except FutureTimeout:
            raise ConnectError("Request timed out", 500) from None

    def _await_started(self) -> None:
        if not self._started.wait(REQUEST_TIMEOUT_S):
            raise ConnectError("Worker is still starting up.", 503)

    # -- the tick --------------------------------------------------------------------------------------
    def _tick(self) -> None:
        if not self._can_read_configs:
            if self._read_config_to_end(self.dist.sync_timeout_ms / 1000):
                self._can_read_configs = True
            else:
                return
        if not self.member.ensure_active():  # a join still under way: no requests until it completes
            return
        if not self._handle_rebalance_completed():
            return
        now = time.monotonic()
        if self._check_key_rotation():
            try:
                self.configs.put_session_key(session.new_key(self.dist.key_algorithm, self.dist.key_size,
                                                             int(time.time() * 1000)))
            except ConnectError as exc:
                log.info("Failed to write new session key to config topic; forcing a read to the end of the config "
                         "topic before possibly retrying: %s", exc)
                self._can_read_configs = False
                return
        next_at = self._run_due_requests(now)
        self._process_restarts()
        if self._scheduled_rebalance < float("inf"):
            next_at = min(next_at, self._scheduled_rebalance)
            self._rebalance_resolved = False
        if self._is_leader() and self._key_expiration < float("inf"):
            next_at = min(next_at, self._key_expiration)
        if self._update_configs():
            return
        self.member.poll(max(0.0, min(next_at - time.monotonic(), 60.0)))
        self._handle_rebalance_completed()

    def _run_due_requests(self, now: float) -> float:
        while True:
            with self._lock:
                if not self._requests:
                    return float("inf")
                if self._requests[0].at > now:
                    return self._requests[0].at
                req = heapq.heappop(self._requests)
            if not req.future.set_running_or_notify_cancel():
                continue
            try:
                req.future.set_result(req.action())
            except BaseException as exc:
                req.future.set_exception(exc)

    def _update_configs(self) -> bool:
        """Take the config updates the store reported; True when a rebalance must come first."""
        with self._lock:
            if not (self._needs_reconfig_rebalance or self._connector_updates or self._target_state_changes
                    or self._task_updates):
                return False
            self.config_state = self.configs.snapshot()
            rejoin = self._needs_reconfig_rebalance
            if rejoin:
                self.member.request_rejoin("reconfiguration of tasks")
                self._needs_reconfig_rebalance = False
            connectors, self._connector_updates = self._connector_updates, {}
            states, self._target_state_changes = self._target_state_changes, set()
            tasks, self._task_updates = self._task_updates, {}
        if self.member.current_protocol_version() == EAGER_VERSION and rejoin:
            return True
        self._process_connector_updates(connectors)
        self._process_target_states(states)
        if self.member.current_protocol_version() != EAGER_VERSION:
            self._stop_reconfigured_tasks(tasks)
        return rejoin

    def _stale(self, item: str | TaskId, update_offset: int) -> bool:
        """Whether running work was started before an update (work started after it already has it)."""
        return self._started_at.get(item, -2) < update_offset

    def _process_connector_updates(self, updates: dict[str, int]) -> None:
        owned = set(self.assignment.connectors) if self.assignment is not None else set()
        for name in sorted(n for n, offset in updates.items() if n in owned and self._stale(n, offset)):
            remains = self.config_state.contains(name)
            log.info("Handling connector-only config update by %s connector %s", "restarting" if remains else
                     "stopping", name)
            self.worker.stop_connector(name)
            if remains:
                self._start_connector(name)
            else:
                self._running_connectors.discard(name)

    def _process_target_states(self, names: set[str]) -> None:
        for name in sorted(names):
            if not self.config_state.contains(name):
                continue
            state = self.config_state.target_state(name) or STARTED
            # a resumed connector here regenerates its task configs: changes made while it was paused apply
            if self.worker.set_target_state(name, state) and state == STARTED:
                self.request_task_reconfiguration(name)

    def _stop_reconfigured_tasks(self, updates: dict[str, int]) -> None:
        owned = self.assignment.tasks if self.assignment is not None else []
        stopping = [t for t in owned if t.connector in updates and self._stale(t, updates[t.connector])]
        if not stopping:
            return
        log.info("Handling task config update by stopping tasks %s, which will be restarted after rebalance if "
                 "still assigned to this worker", [str(t) for t in stopping])
        self._stop_work([], stopping)
        self._tasks_to_restart.update(stopping)

    # -- rebalances ------------------------------------------------------------------------------------
    def on_assigned(self, assignment: Assignment, generation: int) -> None:
        """The member joined a generation (tick thread)."""
        log.info("Joined group at generation %d with protocol version %d and got assignment: %s with rebalance "
                 "delay: %d", generation, self.member.current_protocol_version(), assignment, assignment.delay)
        with self._lock:
            self.assignment = assignment
            self.generation_id = generation
            self._scheduled_rebalance = (time.monotonic() + assignment.delay / 1000) if assignment.delay > 0 \
                else float("inf")
            self._rebalance_resolved = False
        if self._is_leader():
            self._clean_deleted_statuses()
        self.member.wakeup()

    def on_revoked(self, leader: str, connectors: list[str], tasks: list[TaskId]) -> None:
        """Stop revoked work (tick thread); statuses are flushed before the next join."""
        if not (self._rebalance_resolved or self.member.current_protocol_version() > EAGER_VERSION):
            log.info("Wasn't able to resume work after last rebalance, can skip stopping connectors and tasks")
            return
        self._stop_work(connectors, tasks)
        log.info("Finished stopping tasks in preparation for rebalance")
        if self.config.topic_tracking:
            for name in {*connectors, *(t.connector for t in tasks)}:
                if not self.config_state.contains(name):
                    self.forget_topics(name)
        self.statuses.flush()
        log.info("Finished flushing status backing store in preparation for rebalance")

    def _handle_rebalance_completed(self) -> bool:
        if self._rebalance_resolved:
            return True
        a = self.assignment
        if a is None:
            return False
        needs_read, needs_rejoin = False, False
        if a.failed:
            needs_rejoin = True
            if self._is_leader():
                log.warning("Join group completed, but assignment failed and we are the leader. Reading to end of "
                            "config and retrying.")
                needs_read = True
            elif self.config_state.offset < a.offset:
                log.warning("Join group completed, but assignment failed and we are lagging. Reading to end of "
                            "config and retrying.")
                needs_read = True
            else:
                log.warning("Join group completed, but assignment failed. We were up to date, so just retrying.")
        elif self.config_state.offset < a.offset:
            log.warning("Catching up to assignment's config offset.")
            needs_read = True
        if self._scheduled_rebalance <= time.monotonic():
            log.debug("Requesting rebalance because scheduled rebalance timeout has been reached")
            needs_rejoin = True
            self._scheduled_rebalance = float("inf")
        if needs_read:
            if self._read_config_to_end(self.dist.sync_timeout_ms / 1000):
                self._can_read_configs = True
            else:
                self._can_read_configs = False
                needs_rejoin = True
        if needs_rejoin:
            self.member.request_rejoin("rebalance incomplete")
            return False
        if self.config_state.offset != a.offset:
            log.info("Current config state offset %d does not match group assignment %d. Forcing rebalance.",
                     self.config_state.offset, a.offset)
            self.member.request_rejoin("config offset mismatch")
            return False
        self._start_work()
        self._rebalance_resolved = True
        if a.revoked_connectors or a.revoked_tasks:
            a.revoked_connectors, a.revoked_tasks = [], []
            self.member.request_rejoin("revoked work")  # the freed work is handed out in the next round
            return False
        return True

    def _read_config_to_end(self, timeout: float) -> bool:
        log.info("Reading to end of config log; current config state offset: %d", self.config_state.offset)
        if self._refresh_config_snapshot(timeout):
            self._backoff_retries = BACKOFF_RETRIES
            return True
        self.member.maybe_leave_group("taking too long to read the log")
        self._backoff(self.dist.unsync_backoff_ms / 1000)
        return False

    def _refresh_config_snapshot(self, timeout: float) -> bool:
        if self.configs.refresh(timeout):
            self.config_state = self.configs.snapshot()
            log.info("Finished reading to end of log and updated config snapshot, new config log offset: %d",
                     self.config_state.offset)
            return True
        log.warning("Didn't reach end of config log quickly enough")
        self._can_read_configs = False
        return False

    def _backoff(self, seconds: float) -> None:
        if self.member.current_protocol_version() == EAGER_VERSION:
            self._stop_event.wait(seconds)
            return
        if self._backoff_retries > 0:
            self._stop_event.wait(self.dist.max_delay_ms / 1000 / 10 / self._backoff_retries)
            self._backoff_retries -= 1
            return
        log.info("Revoking current running assignment because after %d retries the worker has not caught up with "
                 "the latest Connect cluster updates", BACKOFF_RETRIES)
        self._stop_work(list(self._running_connectors), list(self._running_tasks))
        self._backoff_retries = BACKOFF_RETRIES

    def _start_work(self) -> None:
        a = self.assignment
        assert a is not None
        log.info("Starting connectors and tasks using config offset %d", a.offset)
        self._running_tasks -= self._tasks_to_restart
        self._tasks_to_restart.clear()
        connectors = [c for c in a.connectors if c not in self._running_connectors]
        tasks = [t for t in a.tasks if t not in self._running_tasks]
        jobs: list[Future[object]] = [self._pool.submit(self._start_connector, c) for c in connectors]
        jobs += [self._pool.submit(self._start_task_quietly, t) for t in tasks]
        for job in jobs:
            job.result()
        if self.member.current_protocol_version() == EAGER_VERSION:
            self._running_connectors, self._running_tasks = set(), set()
        else:
            self._running_connectors, self._running_tasks = set(a.connectors), set(a.tasks)
        log.info("Finished starting connectors and tasks")

    def _stop_work(self, connectors: list[str], tasks: list[TaskId]) -> None:
        jobs = [self._pool.submit(self.worker.stop_and_await_tasks, [(t.connector, t.task) for t in tasks])]
        jobs += [self._pool.submit(self.worker.stop_connector, c) for c in connectors]
        for job in jobs:
            try:
                job.result()
            except Exception as exc:
                log.error("Failed to stop connectors or tasks: %s", exc)
        self._running_connectors.difference_update(connectors)
        self._running_tasks.difference_update(tasks)

    def _start_connector(self, name: str) -> bool:
        log.info("Starting connector %s", name)
        raw = self.config_state.connector_config(name)
        if raw is None:
            return False
        state = self.config_state.target_state(name) or STARTED
        self._started_at[name] = self.config_state.offset
        try:
            ok = self.worker.start_connector(name, self._resolved(raw), self, state)
        except Exception as exc:
            log.error("Unexpected error while trying to start connector %s", name, exc_info=exc)
            return False
        if ok and state == STARTED:
            self.request_task_reconfiguration(name)
        return ok

    def _start_task(self, task: TaskId) -> bool:
        log.info("Starting task %s", task)
        conn = self.config_state.connector_config(task.connector)
        cfg = self.config_state.task_config(task)
        if conn is None or cfg is None:
            raise ConnectError(f"Task {task} has no configuration")
        self._started_at[task] = self.config_state.offset
        return self.worker.start_task(task.connector, task.task, self._resolved(conn), self._resolved(cfg), self,
                                      self.config_state.target_state(task.connector) or STARTED)

    def _start_task_quietly(self, task: TaskId) -> None:
        try:
            self._start_task(task)
        except Exception as exc:
            from kcli.connect.runtime.task_base import format_trace

            log.error("Couldn't instantiate task %s because it has an invalid task configuration. This task will not "
                      "execute until reconfigured.", task, exc_info=exc)
            self.on_task_failure(task.connector, task.task, format_trace(exc))

    def _clean_deleted_statuses(self) -> None:
        snap = self.configs.snapshot()
        for name in self.statuses.connectors():
            if not snap.contains(name):
                log.debug("Cleaning status information for connector %s", name)
                self.statuses.delete_connector(name)
                continue
            remaining = {t.task for t in snap.tasks(name)}
            for task in self.statuses.tasks(name):
                if task not in remaining:
                    self.statuses.delete_task(name, task)

    # -- leadership --------------------------------------------------------------------------------------
    def _is_leader(self) -> bool:
        a = self.assignment
        return a is not None and a.leader == self.member.member_id() and bool(a.leader)

    def leader_url(self) -> str | None:
        a = self.assignment
        return a.leader_url if a is not None else None

    def _require_leader(self, what: str) -> None:
        if not self._is_leader():
            raise NotLeaderError(what, self.leader_url())

    def _check_rebalance_needed(self) -> None:
        if self._needs_reconfig_rebalance:
            raise RebalanceNeededError()

    def internal_request_validation_enabled(self) -> bool:
        return self.member.current_protocol_version() >= SESSIONED_VERSION

    def _check_key_rotation(self) -> bool:
        with self._lock:
            if self.session_key is None and self.config_state.session_key is not None:
                self.session_key = self.config_state.session_key
                self._key_expiration = self._expiration_of(self.session_key)
            key, expiration = self.session_key, self._key_expiration
        if not (self.internal_request_validation_enabled() and self._is_leader()):
            return False
        if key is None:
            log.debug("Internal request signing is enabled but no session key has been distributed yet.")
            return True
        if expiration <= time.monotonic():
            log.debug("Existing key has expired. Distributing new key now.")
            return True
        return not session.key_size_matches(key, self.dist.key_algorithm, self.dist.key_size)

    def _expiration_of(self, key: SessionKey) -> float:
        """When a key expires, on the monotonic clock."""
        if self.dist.key_ttl_ms <= 0:
            return float("inf")
        age_s = time.time() - key.creation_timestamp / 1000
        return time.monotonic() + self.dist.key_ttl_ms / 1000 - age_s

    # -- the config topic's listener (the store's thread) ----------------------------------------------
    def on_connector_config_remove(self, connector: str) -> None:
        log.info("Connector %s config removed", connector)
        with self._lock:
            if self.config_state.contains(connector):
                self._needs_reconfig_rebalance = True
            else:
                self._connector_updates[connector] = self.configs.offset
        self.member.wakeup()

    def on_connector_config_update(self, connector: str) -> None:
        log.info("Connector %s config updated", connector)
        with self._lock:
            if not self.config_state.contains(connector):
                self._needs_reconfig_rebalance = True
            else:
                self._connector_updates[connector] = self.configs.offset
        self.member.wakeup()

    def on_task_config_update(self, tasks: list[TaskId]) -> None:
        log.info("Tasks %s configs updated", [str(t) for t in tasks])
        with self._lock:
            self._needs_reconfig_rebalance = True
            for name in {t.connector for t in tasks}:
                self._task_updates[name] = self.configs.offset
        self.member.wakeup()

    def on_connector_target_state_change(self, connector: str) -> None:
        log.info("Connector %s target state change", connector)
        with self._lock:
            self._target_state_changes.add(connector)
        self.member.wakeup()

    def on_session_key_update(self, key: SessionKey) -> None:
        log.info("Session key updated")
        with self._lock:
            self.session_key = key
            self._key_expiration = self._expiration_of(key)

    def on_restart_request(self, request: RestartRequest) -> None:
        log.info("Received and enqueuing %s", request)
        with self._lock:
            existing = self._pending_restarts.get(request.connector)
            if existing is None or request.impact() > existing.impact():
                self._pending_restarts[request.connector] = request
        self.member.wakeup()

    def on_logger_level_update(self, namespace: str, level: str) -> None:
        if self.logger_levels is not None:
            self.logger_levels.set_level(namespace, level)

    # -- the worker's listener ---------------------------------------------------------------------------
    def generation(self) -> int:
        return self.generation_id

    def unassign_on_shutdown(self) -> bool:
        return True
