"""DistributedHerder driven by a fake group member, on the Kafka stores over in-memory logs (no broker).

The fake member delivers scripted rebalances on the herder's thread from ensure_active/poll, as
KafkaGroupMember does: under ICR an assignment's revocations reach `on_revoked` first and the work
still held is added to the assignment; under eager everything held is revoked before a rejoin.
Expected behaviour follows Apache 4.3.1's DistributedHerder.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import pytest

from kcli.connect.api import SourceConnector, SourceRecord, SourceTask
from kcli.connect.errors import BadRequestError, ConnectError, NotAssignedError, NotLeaderError
from kcli.connect.herder.distributed import session
from kcli.connect.herder.distributed.herder import DistributedHerder
from kcli.connect.herder.distributed.member import GroupMember
from kcli.connect.herder.distributed.protocol import CONFIG_MISMATCH, EAGER_VERSION, SESSIONED_VERSION, Assignment
from kcli.connect.plugins import Plugins, task_class_name
from kcli.connect.storage import kafka_config_store as kcs
from kcli.connect.storage.config_store import SessionKey
from kcli.connect.storage.kafka_offset_store import KafkaOffsetStore
from kcli.connect.storage.kafka_status_store import KafkaStatusStore
from kcli.connect.task_id import TaskId
from kcli.connect.worker_config import DistributedConfig, WorkerConfig
from tests.helpers import wait_for

PROPS = {"bootstrap.servers": "127.0.0.1:1", "key.converter": "org.apache.kafka.connect.storage.StringConverter",
         "value.converter": "org.apache.kafka.connect.storage.StringConverter", "group.id": "herder-test",
         "config.storage.topic": "cfg", "offset.storage.topic": "off", "status.storage.topic": "sts",
         "offset.flush.interval.ms": "100", "task.shutdown.graceful.timeout.ms": "2000",
         "worker.unsync.backoff.ms": "100", "scheduled.rebalance.max.delay.ms": "1000"}
LEADER_URL = "http://w1:8083/"
KEY = SessionKey(b"k" * 32, "HmacSHA256", int(time.time() * 1000))
EVENTS: list[tuple[str, str]] = []  # what the test connector and its tasks did


class SleepyTask(SourceTask):
    def start(self, props: dict[str, str]) -> None:
        self.id = f"{props['conn']}-{props['n']}"
        EVENTS.append(("task-start", self.id))

    def poll(self) -> list[SourceRecord] | None:
        time.sleep(0.02)
        return None

    def stop(self) -> None:
        EVENTS.append(("task-stop", self.id))


class SleepyConnector(SourceConnector):
    def start(self, props: dict[str, str]) -> None:
        self.props = props
        EVENTS.append(("start", props["name"]))

    def stop(self) -> None:
        EVENTS.append(("stop", self.props["name"]))

    def task_class(self) -> type[SourceTask]:
        return SleepyTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [{"conn": self.props["name"], "n": str(i)} for i in range(max_tasks)]


SLEEPY = f"{__name__}.SleepyConnector"
t = TaskId


def task_config(name: str, n: int) -> dict[str, str]:
    return {"conn": name, "n": str(n), "task.class": task_class_name(SleepyTask)}


def connector(name: str, tasks: int = 0, max_tasks: int | None = None) -> list[tuple[str, bytes]]:
    """The config-topic records of a connector (and a committed set of `tasks` task configs)."""
    cfg = {"name": name, "connector.class": SLEEPY, "tasks.max": str(max_tasks or max(tasks, 1))}
    out = [(f"connector-{name}", kcs.connector_value(cfg))]
    if tasks:
        out += [(f"task-{name}-{i}", kcs.connector_value(task_config(name, i))) for i in range(tasks)]
        out.append((f"commit-{name}", kcs.commit_value(tasks)))
    return out


SESSION_RECORD = [("session-key", kcs.session_key_value(KEY))]


class MemLog:
    """KafkaLog in memory: `send` hands the record to the store at once; `pending` records (written by
    another worker) are read by the next `read_to_end` (or `start`)."""

    def __init__(self, on_record: Any, existing: list[tuple[str, bytes]] = ()) -> None:
        self.topic, self.partitions, self.on_record = "mem", [0], on_record
        self.records: list[tuple[bytes | None, bytes | None]] = []
        self.pending = [(k.encode(), v) for k, v in existing]
        self.reads = 0
        self._lock = threading.RLock()

    def start(self) -> None:
        self._drain()

    def stop(self) -> None: ...

    def _append(self, key: bytes | None, value: bytes | None) -> int:
        with self._lock:
            offset = len(self.records)
            self.records.append((key, value))
            self.on_record(key, value, 0, offset)
            return offset

    def _drain(self) -> None:
        with self._lock:
            while self.pending:
                self._append(*self.pending.pop(0))

    def send(self, key: bytes | None, value: bytes | None, partition: int | None = None) -> Future:
        future: Future = Future()
        future.set_result(self._append(key, value))
        return future

    def flush(self, timeout: float = 30.0) -> None: ...

    def read_to_end(self, timeout: float = 30.0) -> bool:
        self.reads += 1
        self._drain()
        return True

    def written_keys(self) -> list[str]:
        return [(k or b"").decode() for k, _ in self.records]


class FakeMember(GroupMember):
    """A scripted group member: the test calls `assign`; the herder's thread gets the callbacks."""

    def __init__(self, listener: Any, member_id: str, version: int) -> None:
        self.listener, self.id, self.version = listener, member_id, version
        self.owners: dict[tuple[str, int | None], str] = {}
        self.rejoins: list[tuple[float, str]] = []
        self.held: Assignment | None = None
        self.delivered: list[tuple[float, int]] = []
        self.stopped = False
        self._events: deque[tuple[Assignment, int]] = deque()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._rejoin = self._eager_revoked = False

    # -- the test's side
    def assign(self, assignment: Assignment, generation: int) -> None:
        with self._lock:
            self._events.append((assignment, generation))
        self._wake.set()

    def need_rejoin(self) -> None:
        """The coordinator wants a rebalance (another worker joined)."""
        self._rejoin = True
        self._wake.set()

    def reasons(self) -> list[str]:
        return [r for _, r in self.rejoins]

    # -- the herder's side
    def _deliver(self) -> None:
        while True:
            with self._lock:
                if not self._events:
                    return
                a, generation = self._events.popleft()
            revoked = None
            if self.version != EAGER_VERSION:
                if a.revoked_connectors or a.revoked_tasks:
                    revoked = (a.leader, list(a.revoked_connectors), list(a.revoked_tasks))
                if self.held is not None:
                    a.connectors = list(dict.fromkeys([*a.connectors, *(c for c in self.held.connectors
                                                                         if c not in a.revoked_connectors)]))
                    a.tasks = list(dict.fromkeys([*a.tasks, *(t for t in self.held.tasks if t not in a.revoked_tasks)]))
            self.held, self._rejoin, self._eager_revoked = a, False, False
            if revoked:
                self.listener.on_revoked(*revoked)
            self.listener.on_assigned(a.copy(), generation)
            self.delivered.append((time.monotonic(), generation))

    def rejoin_pending(self) -> bool:
        return self._rejoin or self.held is None or self.held.failed

    def start(self) -> None: ...

    def stop(self) -> None:
        self.stopped = True

    def ensure_active(self) -> bool:
        self._deliver()
        if self.rejoin_pending():
            held = self.held
            if self.version == EAGER_VERSION and not self._eager_revoked and held is not None and not held.failed:
                self._eager_revoked = True
                self.listener.on_revoked(held.leader, list(held.connectors), list(held.tasks))
            if self._wake.wait(0.05):
                self._wake.clear()
            self._deliver()
        return not self._rejoin and self.held is not None  # a failed assignment is a completed join

    def poll(self, timeout: float) -> None:
        self._deliver()
        if self.rejoin_pending():
            return
        if self._wake.wait(timeout):
            self._wake.clear()
        self._deliver()

    def wakeup(self) -> None:
        self._wake.set()

    def request_rejoin(self, reason: str = "") -> None:
        self.rejoins.append((time.monotonic(), reason))
        self._rejoin = True
        self._wake.set()

    def maybe_leave_group(self, reason: str) -> None: ...

    def member_id(self) -> str:
        return self.id

    def current_protocol_version(self) -> int:
        return self.version

    def owner_url(self, connector: str, task: int | None = None) -> str | None:
        return self.owners.get((connector, task))

    def revoke_assignment(self, assignment: Assignment) -> None:
        self.listener.on_revoked(assignment.leader, list(assignment.connectors), list(assignment.tasks))


class FakeForwarder:
    def __init__(self) -> None:
        self.posts: list[tuple[str, str, bytes, dict[str, str]]] = []

    def post_task_configs(self, leader_url: str, name: str, body: bytes, headers: Any) -> None:
        self.posts.append((leader_url, name, body, dict(headers)))


@dataclass
class Node:
    herder: DistributedHerder
    member: FakeMember
    config_log: MemLog
    status_log: MemLog
    forwarder: FakeForwarder
    leader: str

    def assign(self, generation: int, connectors: list[str] = (), tasks: list[TaskId] = (), **kw: Any) -> None:
        kw.setdefault("offset", self.herder.configs.snapshot().offset)
        self.member.assign(Assignment(version=max(self.member.version, 1), leader=self.leader, leader_url=LEADER_URL,
                                      connectors=list(connectors), tasks=list(tasks), **kw), generation)

    def task_state(self, name: str, task: int) -> tuple[str, int] | None:
        s = self.herder.statuses.task(name, task)
        return (s.state, s.generation) if s is not None else None

    def written_states(self, key: str) -> list[str | None]:
        return [json.loads(v)["state"] if v else None for k, v in self.status_log.records if k == key.encode()]

    def runner(self, name: str, task: int) -> Any:
        return self.herder.worker.tasks.get((name, task))


@pytest.fixture
def make() -> Iterator[Any]:
    nodes: list[Node] = []
    EVENTS.clear()

    def build(member_id: str = "w1", leader: str = "w1", version: int = SESSIONED_VERSION,
              existing: list[tuple[str, bytes]] = ()) -> Node:
        config, dist = WorkerConfig.parse(PROPS, mode="distributed"), DistributedConfig.parse(PROPS)
        logs: list[MemLog] = []
        configs = kcs.KafkaConfigStore(lambda cb: logs.append(MemLog(cb, list(existing))) or logs[-1])
        statuses = KafkaStatusStore(lambda cb: logs.append(MemLog(cb)) or logs[-1])
        offsets = KafkaOffsetStore(lambda cb: MemLog(cb))
        forwarder = FakeForwarder()
        herder = DistributedHerder(config, dist, f"{member_id}:8083", Plugins(), configs, statuses, offsets,
                                   lambda h: FakeMember(h, member_id, version), f"http://{member_id}:8083/",
                                   cluster_id="test-cluster", forwarder=forwarder)
        herder.start()
        node = Node(herder, herder.member, logs[0], logs[1], forwarder, leader)  # type: ignore[arg-type]
        nodes.append(node)
        return node

    yield build
    for node in nodes:
        node.herder.stop()


def test_leader_creates_connector_writes_task_configs_and_runs_the_task(make: Any) -> None:
    n = make()
    n.assign(1)
    wait_for(lambda: "session-key" in n.config_log.written_keys(), timeout=5, message="the leader's session key")
    created, info = n.herder.put_connector_config("c", {"connector.class": SLEEPY, "tasks.max": "1"}, False)
    assert created and info["name"] == "c" and "connector-c" in n.config_log.written_keys()
    wait_for(lambda: "reconfiguration of tasks" in n.member.reasons(), timeout=5, message="a rejoin for the new one")
    n.assign(2, ["c"])
    wait_for(lambda: n.config_log.written_keys()[-2:] == ["task-c-0", "commit-c"], timeout=5, message="task configs")
    assert n.herder.configs.snapshot().task_config(t("c", 0)) == task_config("c", 0)
    assert n.herder.statuses.connector("c").state == "RUNNING" and n.herder.statuses.connector("c").generation == 2
    wait_for(lambda: n.member.reasons().count("reconfiguration of tasks") == 2, timeout=5, message="task rebalance")
    n.assign(3, tasks=[t("c", 0)])
    wait_for(lambda: n.task_state("c", 0) == ("RUNNING", 3), timeout=5, message="c-0 RUNNING at generation 3")
    assert ("task-start", "c-0") in EVENTS and n.herder.statuses.task("c", 0).worker_id == "w1:8083"


def test_follower_forwards_leader_writes_but_pauses_and_resumes_itself(make: Any) -> None:
    n = make("w2", existing=connector("c", 2))
    n.assign(1, ["c"], [t("c", 0)])  # c-1 runs elsewhere
    wait_for(lambda: n.task_state("c", 0) == ("RUNNING", 1), timeout=5, message="c-0 running")
    cfg = {"connector.class": SLEEPY}
    for call in (lambda: n.herder.put_connector_config("d", cfg, False), lambda: n.herder.delete_connector("c"),
                 lambda: n.herder.stop_connector("c"), lambda: n.herder.restart_connector("c", include_tasks=True),
                 lambda: n.herder.restart_task("c", 1)):
        with pytest.raises(NotLeaderError) as err:
            call()
        assert err.value.forward_url == LEADER_URL and err.value.status == 409
    n.herder.pause_connector("c")
    assert n.config_log.written_keys()[-1] == "target-state-c"
    wait_for(lambda: n.herder.statuses.connector("c").state == "PAUSED" and n.task_state("c", 0)[0] == "PAUSED",
             timeout=5, message="paused")
    n.herder.resume_connector("c")
    wait_for(lambda: n.herder.statuses.connector("c").state == "RUNNING" and n.task_state("c", 0)[0] == "RUNNING",
             timeout=5, message="resumed")
    assert n.herder.configs.snapshot().target_state("c") == "STARTED" and n.member.rejoins == []


def test_icr_revocation_stops_only_the_revoked_task_then_rejoins(make: Any) -> None:
    n = make(existing=connector("c", 3))
    n.assign(1, ["c"], [t("c", 0), t("c", 1), t("c", 2)])
    wait_for(lambda: all(n.task_state("c", i) == ("RUNNING", 1) for i in range(3)), timeout=5, message="running")
    kept = {i: n.runner("c", i) for i in (0, 2)}
    n.assign(2, revoked_tasks=[t("c", 1)])
    wait_for(lambda: "revoked work" in n.member.reasons(), timeout=5, message="a rejoin after the revocation")
    assert n.runner("c", 1) is None and ("task-stop", "c-1") in EVENTS
    assert {i: n.runner("c", i) for i in (0, 2)} == kept and all(r.thread.is_alive() for r in kept.values())
    assert not {("task-stop", "c-0"), ("task-stop", "c-2"), ("stop", "c")} & set(EVENTS)
    assert n.herder.assignment.tasks == [t("c", 0), t("c", 2)] and n.herder.assignment.connectors == ["c"]
    assert n.written_states("status-task-c-1")[-1] == "UNASSIGNED"  # (the store keeps RUNNING, as Apache's)


def test_eager_protocol_stops_everything_before_rejoining(make: Any) -> None:
    n = make(version=EAGER_VERSION, existing=connector("c", 2))
    n.assign(1, ["c"], [t("c", 0), t("c", 1)])
    wait_for(lambda: all(n.task_state("c", i) == ("RUNNING", 1) for i in range(2)), timeout=5, message="running")
    before = [n.runner("c", i) for i in range(2)]
    n.member.need_rejoin()
    wait_for(lambda: not n.herder.worker.tasks and not n.herder.worker.connectors, timeout=5, message="all stopped")
    assert {("stop", "c"), ("task-stop", "c-0"), ("task-stop", "c-1")} <= set(EVENTS)
    n.assign(2, ["c"], [t("c", 0), t("c", 1)])
    wait_for(lambda: all(n.task_state("c", i) == ("RUNNING", 2) for i in range(2)), timeout=5, message="restarted")
    assert all(n.runner("c", i) is not before[i] for i in range(2)) and EVENTS.count(("start", "c")) == 2


def test_assignment_ahead_of_the_config_store_reads_to_end_first(make: Any) -> None:
    n = make("w2", existing=connector("c", 1))
    reads = n.config_log.reads
    n.config_log.pending.append((b"target-state-c", kcs.target_state_value("PAUSED")))  # not yet read here
    offset = len(n.config_log.records) + 1
    n.assign(1, ["c"], [t("c", 0)], offset=offset)
    wait_for(lambda: n.task_state("c", 0) == ("PAUSED", 1), timeout=5, message="c-0 started PAUSED after catching up")
    assert n.config_log.reads > reads and n.herder.config_state.offset == offset
    assert n.written_states("status-connector-c") == ["PAUSED"]  # never started before the read
    assert set(n.written_states("status-task-c-0")) == {"PAUSED"} and n.member.rejoins == []


def test_failed_assignment_rejoins_without_starting_work(make: Any) -> None:
    n = make("w2", existing=connector("c", 1))
    n.assign(1, ["c"], [t("c", 0)], error=CONFIG_MISMATCH)
    wait_for(lambda: "rebalance incomplete" in n.member.reasons(), timeout=5, message="a rejoin")
    assert EVENTS == [] and not n.herder.worker.tasks and n.herder.statuses.connector("c") is None


def test_scheduled_delay_requests_a_rejoin_once_it_has_passed(make: Any) -> None:
    n = make(existing=connector("c", 1))
    n.assign(1, ["c"], [t("c", 0)], delay=600)
    wait_for(lambda: n.member.delivered, timeout=5, message="the assignment")
    wait_for(lambda: n.task_state("c", 0) == ("RUNNING", 1), timeout=5, message="work started during the delay")
    at = wait_for(lambda: [ts for ts, r in n.member.rejoins if r == "rebalance incomplete"], timeout=5,
                  message="the scheduled rejoin")[0]
    assert at - n.member.delivered[0][0] >= 0.55
    assert n.member.reasons().count("rebalance incomplete") == 1


@pytest.mark.parametrize("keyed", [True, False])
def test_follower_posts_new_task_configs_to_the_leader(make: Any, keyed: bool) -> None:
    n = make("w2", existing=connector("c", 0, max_tasks=2) + (SESSION_RECORD if keyed else []))
    n.assign(1, ["c"])
    url, name, body, headers = wait_for(lambda: n.forwarder.posts, timeout=5, message="a post to the leader")[0]
    assert (url, name) == (LEADER_URL, "c")
    assert json.loads(body) == [task_config("c", 0), task_config("c", 1)]
    if keyed:
        assert headers == {"X-Connect-Authorization": session.sign(KEY.key, body, "HmacSHA256"),
                           "X-Connect-Request-Signature-Algorithm": "HmacSHA256"}
        session.verify(headers, body, KEY, ["HmacSHA256"])
    else:
        assert headers == {}  # no key read yet: unsigned, as Apache (a sessioned leader answers 400)
    assert n.herder.configs.snapshot().task_count("c") == 0  # a follower never writes task configs


def test_put_task_configs_checks_the_signature(make: Any) -> None:
    n = make(existing=connector("c", 0) + SESSION_RECORD)
    n.assign(1)
    wait_for(lambda: n.herder.session_key == KEY, timeout=5, message="the stored key adopted")
    configs = [task_config("c", 0)]
    body = json.dumps(configs).encode()
    alg = {"X-Connect-Request-Signature-Algorithm": "HmacSHA256"}
    for headers, status in (({}, 400), ({"X-Connect-Authorization": session.sign(KEY.key, body, "HmacSHA256")}, 400),
                            ({**alg, "X-Connect-Authorization": session.sign(b"x" * 32, body, "HmacSHA256")}, 403),
                            ({"X-Connect-Authorization": "AAAA", "X-Connect-Request-Signature-Algorithm": "MD5"}, 400)):
        with pytest.raises(ConnectError) as err:
            n.herder.put_task_configs("c", configs, headers, body)
        assert err.value.status == status, headers
    assert not {"task-c-0", "commit-c"} & set(n.config_log.written_keys())
    n.herder.put_task_configs("c", configs, session.signature_headers(KEY, body, "HmacSHA256"), body)
    assert n.config_log.written_keys()[-2:] == ["task-c-0", "commit-c"]
    keyless = make("w3", existing=connector("c", 0))
    with pytest.raises(ConnectError) as err:
        keyless.herder.put_task_configs("c", configs, session.signature_headers(KEY, body, "HmacSHA256"), body)
    assert err.value.status == 503
    with pytest.raises(BadRequestError):
        keyless.herder.put_task_configs("c", configs, {}, body)


def test_leader_restart_of_work_owned_elsewhere_names_the_owner(make: Any) -> None:
    n = make(existing=connector("c", 2))
    n.member.owners.update({("c", None): "http://w3:8083/", ("c", 1): "http://w4:8083/"})
    n.assign(1, tasks=[t("c", 0)])
    wait_for(lambda: n.task_state("c", 0) == ("RUNNING", 1), timeout=5, message="c-0 running")
    with pytest.raises(NotAssignedError) as err:
        n.herder.restart_task("c", 1)
    assert err.value.forward_url == "http://w4:8083/"
    with pytest.raises(NotAssignedError) as err:
        n.herder.restart_connector("c")
    assert err.value.forward_url == "http://w3:8083/"
    before = n.runner("c", 0)
    n.herder.restart_task("c", 0)  # owned here: restarted in place
    wait_for(lambda: n.runner("c", 0) is not before and n.task_state("c", 0) == ("RUNNING", 1), timeout=5,
             message="c-0 restarted")


def test_stop_stops_all_work_and_the_tick_thread(make: Any) -> None:
    n = make(existing=connector("c", 2))
    n.assign(1, ["c"], [t("c", 0), t("c", 1)])
    wait_for(lambda: all(n.task_state("c", i) == ("RUNNING", 1) for i in range(2)), timeout=5, message="running")
    n.herder.stop()
    assert not n.herder.alive() and n.member.stopped
    assert not n.herder.worker.tasks and not n.herder.worker.connectors
    assert {("stop", "c"), ("task-stop", "c-0"), ("task-stop", "c-1")} <= set(EVENTS)
    assert [n.written_states(f"status-task-c-{i}")[-1] for i in range(2)] == ["UNASSIGNED", "UNASSIGNED"]
    assert n.herder.statuses.connector("c").state == "UNASSIGNED"
