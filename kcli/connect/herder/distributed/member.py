"""WorkerGroupMember: this worker's membership of the Connect group (Apache's WorkerGroupMember and
WorkerCoordinator), the one place that knows the group client library.

The group is a classic Kafka group of protocol type `connect`; subscriptions and assignments are
Apache's binary formats (protocol.py), so Apache's workers can share it. The client is kafka-python
3.x's BaseCoordinator: confluent-kafka (librdkafka) has no custom protocol types. Its hooks and the
leader's assignment run on kafka-python's IO thread and must not block: they only decode, compute
(from the in-memory config snapshot) and queue events. The herder thread calls `ensure_active` and
`poll`, which deliver the queued events to the listener on that thread — so connectors and tasks are
only ever started and stopped by the herder, as in Apache.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from kafka.coordinator.base import BaseCoordinator, MemberState

from kcli.clients.kafka_python import kafka_python_config
from kcli.connect.errors import ConnectError
from kcli.connect.herder.distributed import assignor as assignors
from kcli.connect.herder.distributed.protocol import (
    CONFIG_MISMATCH,
    EAGER_VERSION,
    NO_ERROR,
    PROTOCOLS,
    VERSION_OF,
    Assignment,
    WorkerState,
    decode_assignment,
    decode_subscription,
    encode_assignment,
    group_protocols,
)
from kcli.connect.storage.config_store import ClusterConfigState
from kcli.connect.task_id import TaskId
from kcli.connect.worker_config import DistributedConfig, WorkerConfig
from kcli.errors import ConfigError

log = logging.getLogger("kcli.connect.distributed.WorkerCoordinator")
JOIN_SLICE_MS = 1000  # ensure_active blocks at most this long, so the herder stays responsive


class RebalanceListener(Protocol):
    """What the herder is told, always on its own thread (Apache's WorkerRebalanceListener)."""

    def on_assigned(self, assignment: Assignment, generation: int) -> None: ...
    def on_revoked(self, leader: str, connectors: list[str], tasks: list[TaskId]) -> None: ...


class GroupMember(ABC):
    """The herder's view of group membership; tests drive the herder with a fake one."""

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None:
        """Leave the group (LeaveGroup) and close the client."""

    @abstractmethod
    def ensure_active(self) -> bool:
        """Join or rejoin if needed (blocking a second at most); True once the join completed."""

    @abstractmethod
    def poll(self, timeout: float) -> None:
        """Keep the membership alive for up to `timeout` s; returns early on wakeup or a needed rejoin."""

    @abstractmethod
    def wakeup(self) -> None: ...

    @abstractmethod
    def request_rejoin(self, reason: str = "") -> None: ...

    @abstractmethod
    def maybe_leave_group(self, reason: str) -> None: ...

    @abstractmethod
    def member_id(self) -> str: ...

    @abstractmethod
    def current_protocol_version(self) -> int: ...

    @abstractmethod
    def owner_url(self, connector: str, task: int | None = None) -> str | None:
        """The REST URL of the worker running a connector (or task), known to the leader only."""

    @abstractmethod
    def revoke_assignment(self, assignment: Assignment) -> None:
        """Give up running an assignment (after failing to catch up with the config topic)."""


def _kafka_python_config(props: dict[str, str], client_id: str) -> dict[str, Any]:
    """kafka-python's settings from a worker's Java client properties (security included)."""
    cfg = kafka_python_config(props, client_id)
    cfg.setdefault("request_timeout_ms", 40000)  # Apache's DistributedConfig default
    return cfg


class KafkaGroupMember(GroupMember):
    """Membership through kafka-python's group coordinator client."""

    def __init__(self, worker: WorkerConfig, config: DistributedConfig, rest_url: str,
                 snapshot: Callable[[], ClusterConfigState], listener: RebalanceListener,
                 clock: Callable[[], float] = time.time) -> None:
        self._worker = worker
        self._config = config
        self.rest_url = rest_url
        self._snapshot_of = snapshot
        self._listener = listener
        self._clock = clock
        self._client: Any = None
        self._coordinator: Any = None
        self._wake = threading.Event()
        self._events: deque[tuple[str, tuple[Any, ...]]] = deque()
        self._lock = threading.RLock()
        self.assignment: Assignment | None = None  # what this worker was last assigned (augmented, ICR)
        self.last_completed_generation = -1
        self._protocol = config.protocol
        self._current_version = VERSION_OF[PROTOCOLS[config.protocol][0]]
        self._eager_revoked = False
        self._join_snapshot = ClusterConfigState()
        self._assignor_state = assignors.AssignorState()
        self._leader_members: dict[str, WorkerState] = {}
        self._leader_owners: tuple[dict[str, str], dict[TaskId, str]] = ({}, {})

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        from kafka.net.compat import KafkaNetClient

        library_log = logging.getLogger("kafka")
        if library_log.level == logging.NOTSET:
            library_log.setLevel(logging.WARNING)  # its own INFO chatter is not Apache's; we log our lines
        cfg = _kafka_python_config(self._worker.props, f"{self._config.client_id_base()}member")
        try:
            client = KafkaNetClient(**cfg)
        except Exception as exc:
            raise ConfigError(f"Invalid worker client settings for the group member: {exc}") from None
        client._net.start()
        try:
            client._manager.bootstrap(timeout_ms=cfg["request_timeout_ms"])
        except Exception as exc:
            client.close()
            raise ConnectError(f"Failed to connect to the Kafka cluster at {self._worker.bootstrap_servers} "
                               f"for group membership: {exc}") from None
        self._client = client
        self._coordinator = _ConnectCoordinator(
            self, client, group_id=self._config.group_id, session_timeout_ms=self._config.session_timeout_ms,
            heartbeat_interval_ms=self._config.heartbeat_interval_ms,
            max_poll_interval_ms=self._config.rebalance_timeout_ms, retry_backoff_ms=100,
            request_timeout_ms=cfg["request_timeout_ms"], api_version=client._manager.broker_version)

    def stop(self) -> None:
        coordinator, client = self._coordinator, self._client
        self._coordinator = self._client = None
        if coordinator is not None:
            generation = coordinator.generation_if_stable()
            member = generation.member_id if generation is not None else ""
            if member:
                log.info("Member %s sending LeaveGroup request to coordinator due to the worker is being stopped",
                         member)
            try:
                coordinator.close(timeout_ms=5000)
            except Exception as exc:
                log.warning("Failed to leave the group cleanly: %s", exc)
        if client is not None:
            try:
                client.close()
            except Exception as exc:  # pragma: no cover - best effort
                log.debug("Closing the group client: %s", exc)

    # -- the herder's calls ----------------------------------------------------------------------------
    def ensure_active(self) -> bool:
        c = self._coordinator
        self._deliver()
        if c.coordinator_unknown() and not c.ensure_coordinator_ready(timeout_ms=self._config.heartbeat_interval_ms):
            with self._lock:
                held = self.assignment
                if held is not None and not held.failed:
                    log.info("Broker coordinator was unreachable for %dms. Revoking previous assignment to avoid "
                             "running tasks while not being a member of the group",
                             self._config.heartbeat_interval_ms)
                    self.assignment = None
                    self._events.append(("revoked", (held.leader, list(held.connectors), list(held.tasks))))
            self._deliver()
            return False
        if self.rejoin_pending():
            if self._current_version == EAGER_VERSION and not self._eager_revoked:
                self._eager_revoked = True  # eager: stop everything before rejoining (Apache's onJoinPrepare)
                with self._lock:
                    held = self.assignment
                if held is not None and not held.failed:
                    self._listener.on_revoked(held.leader, list(held.connectors), list(held.tasks))
            try:
                c.ensure_active_group(timeout_ms=JOIN_SLICE_MS)
            except Exception as exc:
                log.warning("Joining the group %s failed: %s", self._config.group_id, exc)
                time.sleep(0.1)
        self._deliver()
        self._poll_heartbeat()
        return c.generation_if_stable() is not None and not c.need_rejoin()

    def poll(self, timeout: float) -> None:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            self._deliver()
            self._poll_heartbeat()
            if self.rejoin_pending() or self._coordinator.coordinator_unknown():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self._wake.wait(min(remaining, 0.5)):
                self._wake.clear()
                self._deliver()
                return

    def wakeup(self) -> None:
        self._wake.set()

    def request_rejoin(self, reason: str = "") -> None:
        log.debug("Request joining group due to: %s", reason)
        self._coordinator.request_rejoin()

    def rejoin_pending(self) -> bool:
        held = self.assignment
        return bool(self._coordinator.need_rejoin() or held is None or held.failed)

    def maybe_leave_group(self, reason: str) -> None:
        try:
            self._coordinator.maybe_leave_group(reason=reason, timeout_ms=5000)
        except Exception as exc:
            log.warning("LeaveGroup failed: %s", exc)

    def member_id(self) -> str:
        generation = self._coordinator.generation_if_stable() if self._coordinator is not None else None
        return generation.member_id if generation is not None else ""

    def generation_id(self) -> int:
        return self._coordinator._generation.generation_id

    def current_protocol_version(self) -> int:
        return self._current_version

    def owner_url(self, connector: str, task: int | None = None) -> str | None:
        held = self.assignment
        if self.rejoin_pending() or held is None or held.leader != self.member_id():
            return None
        conns, tasks = self._leader_owners
        owner = conns.get(connector) if task is None else tasks.get(TaskId(connector, task))
        state = self._leader_members.get(owner) if owner else None
        return state.url if state is not None else None

    def revoke_assignment(self, assignment: Assignment) -> None:
        self._listener.on_revoked(assignment.leader, list(assignment.connectors), list(assignment.tasks))

    def _poll_heartbeat(self) -> None:
        try:
            self._coordinator.poll_heartbeat()
        except Exception as exc:
            log.warning("The heartbeat of group %s stopped: %s; rejoining", self._config.group_id, exc)
            self.request_rejoin("heartbeat failure")

    def _deliver(self) -> None:
        while self._events:
            kind, args = self._events.popleft()
            if kind == "revoked":
                self._listener.on_revoked(*args)
            else:
                self._listener.on_assigned(*args)

    # -- the coordinator's hooks (kafka-python's IO thread: decode, compute, queue; never block) -------------
    def metadata(self) -> list[tuple[str, bytes]]:
        self._join_snapshot = self._snapshot_of()
        with self._lock:
            held = self.assignment.copy() if self.assignment is not None else None
        if held is not None:
            held.revoked_connectors, held.revoked_tasks = [], []
        return group_protocols(self._protocol, WorkerState(self.rest_url, self._join_snapshot.offset, held))

    def perform_assignment(self, leader_id: str, protocol: str, members: list[Any]) -> dict[str, bytes]:
        states = {m.member_id: decode_subscription(bytes(m.metadata)) for m in members}
        version = VERSION_OF[protocol]
        max_offset = max(s.offset for s in states.values())
        snapshot = self._join_snapshot
        leader_url = states[leader_id].url
        if snapshot.offset < max_offset:
            fresh = self._snapshot_of()
            if fresh.offset < max_offset:
                log.info("Was selected to perform assignments, but do not have latest config found in sync request. "
                         "Returning an empty configuration to trigger re-sync.")
                result = assignors.ClusterAssignment()
                plan = assignors.member_assignments(result, states, version=version, leader=leader_id,
                                                    leader_url=leader_url, offset=max_offset, error=CONFIG_MISMATCH)
                return {m: encode_assignment(a) for m, a in plan.items()}
            snapshot = self._join_snapshot = fresh
            max_offset = fresh.offset
        configured = {name: snapshot.tasks(name) for name in snapshot.connectors()}
        if version == EAGER_VERSION:
            result = assignors.eager(configured, states)
        else:
            held = {m: assignors.Work.of(s.allocation.connectors, s.allocation.tasks) if s.allocation is not None
                    else assignors.EMPTY for m, s in states.items()}
            result, self._assignor_state = assignors.incremental(
                configured, held, self._assignor_state, max_delay=self._config.max_delay_ms,
                now_ms=int(self._clock() * 1000), last_completed_generation=self.last_completed_generation,
                generation=self.generation_id())
        self._leader_members = states
        self._leader_owners = result.owners()
        plan = assignors.member_assignments(result, states, version=version, leader=leader_id,
                                            leader_url=leader_url, offset=max_offset, error=NO_ERROR)
        log.info("Leader assignment for generation %d (%s, config offset %d): %s", self.generation_id(), protocol,
                 max_offset, {m: (a.connectors, [str(t) for t in a.tasks], a.revoked_connectors,
                                  [str(t) for t in a.revoked_tasks], a.delay) for m, a in plan.items()})
        return {m: encode_assignment(a) for m, a in plan.items()}

    def join_prepare(self) -> None:
        log.info("Rebalance started")
        self._leader_owners = ({}, {})

    def join_complete(self, generation: int, protocol: str, data: bytes) -> None:
        assignment = decode_assignment(bytes(data))
        self._current_version = VERSION_OF.get(protocol, EAGER_VERSION)
        with self._lock:
            if self._current_version != EAGER_VERSION:
                if assignment.revoked_connectors or assignment.revoked_tasks:
                    self._events.append(("revoked", (assignment.leader, list(assignment.revoked_connectors),
                                                     list(assignment.revoked_tasks))))
                held = self.assignment
                if held is not None:
                    keep_c = [c for c in held.connectors if c not in set(assignment.revoked_connectors)]
                    keep_t = [t for t in held.tasks if t not in set(assignment.revoked_tasks)]
                    assignment.connectors = list(dict.fromkeys([*assignment.connectors, *keep_c]))
                    assignment.tasks = list(dict.fromkeys([*assignment.tasks, *keep_t]))
            self.assignment = assignment
            self.last_completed_generation = generation
            self._eager_revoked = False
            self._events.append(("assigned", (assignment.copy(), generation)))
        self._wake.set()


class _JoinTask(Protocol):
    """What join_group_async reads of kafka-python's in-flight JoinGroup+SyncGroup (a kafka.future.Future)."""

    is_done: bool
    value: Any

    def succeeded(self) -> bool: ...


class _ConnectCoordinator(BaseCoordinator):
    """kafka-python's group client speaking protocol type `connect` for a KafkaGroupMember."""

    _join_task: _JoinTask | None  # BaseCoordinator's (kafka-python is untyped)

    def __init__(self, member: KafkaGroupMember, client: Any, **configs: Any) -> None:
        self._member = member
        super().__init__(client, **configs)

    def protocol_type(self) -> str:
        return "connect"

    def group_protocols(self) -> list[tuple[str, bytes]]:
        return self._member.metadata()

    def _perform_assignment(self, leader_id: str, protocol: str, members: list[Any]) -> dict[str, bytes]:
        return self._member.perform_assignment(leader_id, protocol, members)

    async def _on_join_prepare_async(self, generation: int, member_id: str, timeout_ms: Any = None) -> None:
        self._member.join_prepare()

    async def _on_join_complete_async(self, generation: int, member_id: str, protocol: str, data: bytes) -> None:
        self._member.join_complete(generation, protocol, data)

    def request_rejoin(self) -> None:
        super().request_rejoin()
        self._member.wakeup()

    def reset_generation(self, member_id: str = "") -> None:
        super().reset_generation(member_id)
        self._member.wakeup()

    async def join_group_async(self, timeout_ms: Any = None) -> bool:
        # kafka-python 3.0.x drops a JoinGroup+SyncGroup that finished while no caller awaited it
        # (a timed-out ensure_active_group) and starts a new join: complete that one here instead.
        task = self._join_task
        if task is not None and task.is_done and task.succeeded():
            self._join_task = None
            with self._lock:
                self.rejoining = False
                self.rejoin_needed = False
                self.state = MemberState.STABLE
                self._enable_heartbeat()
            await self._on_join_complete_async(self._generation.generation_id, self._generation.member_id,
                                               self._generation.protocol, task.value)
            return True
        return await super().join_group_async(timeout_ms=timeout_ms)
