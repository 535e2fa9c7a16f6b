"""Who runs what: the leader's assignors, pure set arithmetic over connectors and tasks.

`incremental` is KIP-415's incremental cooperative assignment (Apache's
IncrementalCooperativeAssignor): workers keep what they run; revocations (deleted, duplicated,
load balancing) are sent first and the freed work is handed out in the next round; the work of a
vanished worker is held for `scheduled.rebalance.max.delay.ms` before it is given to new or
least-loaded workers. `eager` is the round-robin of `connect.protocol=eager`. Both take the
configured work, the members' current allocations and (for `incremental`) what the leader
remembers of the previous round, and return the new assignment and memory — no I/O, no clock
(the caller passes `now_ms`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from kcli.connect.herder.distributed.protocol import Assignment, TaskId


@dataclass(frozen=True)
class Work:
    """A set of connectors and tasks (Apache's ConnectorsAndTasks); ordered, duplicates dropped."""

    connectors: tuple[str, ...] = ()
    tasks: tuple[TaskId, ...] = ()

    @classmethod
    def of(cls, connectors: Iterable[str] = (), tasks: Iterable[TaskId] = ()) -> Work:
        return cls(tuple(dict.fromkeys(connectors)), tuple(dict.fromkeys(tasks)))

    def __bool__(self) -> bool:
        return bool(self.connectors or self.tasks)

    def minus(self, *others: Work) -> Work:
        """Sorted difference (Apache's diff over TreeSets)."""
        cs, ts = set(self.connectors), set(self.tasks)
        for o in others:
            cs -= set(o.connectors)
            ts -= set(o.tasks)
        return Work(tuple(sorted(cs)), tuple(sorted(ts)))

    def plus(self, other: Work) -> Work:
        return Work.of([*self.connectors, *other.connectors], [*self.tasks, *other.tasks])

    def __len__(self) -> int:
        return len(self.connectors) + len(self.tasks)


EMPTY = Work()


@dataclass(frozen=True)
class AssignorState:
    """What the leader remembers between rounds (lost after a leader change, as in Apache)."""

    previous: Work = EMPTY
    previous_revocation: Work = EMPTY
    revoked_in_previous: bool = False
    candidates: tuple[str, ...] = ()
    scheduled_rebalance: int = 0
    delay: int = 0
    previous_generation: int = -1
    previous_members: frozenset[str] = frozenset()
    successive_revoking: int = 0


@dataclass
class ClusterAssignment:
    """The result of one round: per worker what to start, what to stop, and all it then runs."""

    assigned_connectors: dict[str, list[str]] = field(default_factory=dict)
    assigned_tasks: dict[str, list[TaskId]] = field(default_factory=dict)
    revoked_connectors: dict[str, list[str]] = field(default_factory=dict)
    revoked_tasks: dict[str, list[TaskId]] = field(default_factory=dict)
    all_connectors: dict[str, list[str]] = field(default_factory=dict)
    all_tasks: dict[str, list[TaskId]] = field(default_factory=dict)
    delay: int = 0

    def owners(self) -> tuple[dict[str, str], dict[TaskId, str]]:
        """connector -> member and task -> member after this round (the leader's LeaderState)."""
        conns = {c: m for m, cs in self.all_connectors.items() for c in cs}
        tasks = {t: m for m, ts in self.all_tasks.items() for t in ts}
        return conns, tasks


class _Load:
    """One worker's work while the round is computed (Apache's WorkerLoad)."""

    def __init__(self, worker: str, connectors: Iterable[str], tasks: Iterable[TaskId]) -> None:
        self.worker = worker
        self.connectors: list[str] = list(connectors)
        self.tasks: list[TaskId] = list(tasks)

    def remove(self, work: Work) -> None:
        cs, ts = set(work.connectors), set(work.tasks)
        self.connectors = [c for c in self.connectors if c not in cs]
        self.tasks = [t for t in self.tasks if t not in ts]

    def empty(self) -> bool:
        return not self.connectors and not self.tasks


def backoff_ms(attempts: int, max_delay: int) -> int:
    """Kafka's ExponentialBackoff(initial=1, multiplier=40, max=max_delay, jitter=0)."""
    if max_delay <= 0:
        return 0
    initial, multiplier = 1, 40
    exp_max = math.log(max_delay / initial) / math.log(multiplier) if max_delay > initial else 0.0
    if exp_max == 0:
        return initial
    term = initial * multiplier ** min(attempts, exp_max)
    return min(int(term), max_delay)


def _union(members: Mapping[str, Work]) -> Work:
    return Work.of([c for w in members.values() for c in w.connectors], [t for w in members.values() for t in w.tasks])


def _duplicated(members: Mapping[str, Work]) -> Work:
    seen_c: dict[str, int] = {}
    seen_t: dict[TaskId, int] = {}
    for w in members.values():
        for c in w.connectors:
            seen_c[c] = seen_c.get(c, 0) + 1
        for t in w.tasks:
            seen_t[t] = seen_t.get(t, 0) + 1
    return Work.of((c for c, n in seen_c.items() if n > 1), (t for t, n in seen_t.items() if n > 1))


def _intersection(work: Work, members: Mapping[str, Work]) -> dict[str, Work]:
    cs, ts = set(work.connectors), set(work.tasks)
    return {m: Work.of((c for c in w.connectors if c in cs), (t for t in w.tasks if t in ts))
            for m, w in members.items()}


def _add(into: dict[str, Work], more: Mapping[str, Work]) -> None:
    for m, w in more.items():
        into[m] = into.get(m, EMPTY).plus(w)


_Item = TypeVar("_Item")  # a connector name or a TaskId


def _connectors(load: _Load) -> list[str]:
    return load.connectors


def _tasks(load: _Load) -> list[TaskId]:
    return load.tasks


def _balance(total: int, loads: Sequence[_Load], items: Callable[[_Load], list[_Item]]) -> dict[str, list[_Item]]:
    """Revocations that leave no worker above a perfectly balanced share of `total` (of `items` of each load)."""
    n = len(loads)

    minimum, extra = divmod(total, n)
    at_min = sum(1 for ld in loads if len(items(ld)) == minimum)
    at_extra = sum(1 for ld in loads if len(items(ld)) == minimum + 1)
    if at_extra == extra and at_min + at_extra == n:
        return {}
    out: dict[str, list[_Item]] = {}
    given_extra = 0
    for load in loads:
        size = len(items(load))
        if size <= minimum:
            continue
        if given_extra < extra:
            given_extra += 1
            if size == minimum + 1:
                continue
            allowed = minimum + 1
        else:
            allowed = minimum
        out[load.worker] = items(load)[: size - allowed]
    return out


def _load_balancing_revocations(configured: Work, loads: Sequence[_Load]) -> dict[str, Work]:
    if all(ld.empty() for ld in loads) or not configured:
        return {}
    conns = _balance(len(configured.connectors), loads, _connectors)
    tasks = _balance(len(configured.tasks), loads, _tasks)
    return {m: Work.of(conns.get(m, ()), tasks.get(m, ())) for m in dict.fromkeys([*conns, *tasks])}


def _spread(loads: list[_Load], items: Sequence[_Item], load_items: Callable[[_Load], list[_Item]]) -> None:
    """Round-robin new work over the least-loaded workers first (Apache's assignConnectors/assignTasks)."""
    if not items:
        return

    def size(ld: _Load) -> int:
        return len(load_items(ld))

    loads.sort(key=lambda ld: (size(ld), ld.worker))
    first = loads[0]
    queue = list(items)
    while queue:
        floor = size(first)
        upto = next((i for i, ld in enumerate(loads) if size(ld) > floor), len(loads))
        for ld in loads[:upto]:
            load_items(ld).append(queue.pop(0))
            if not queue:
                break


def incremental(configured_tasks: Mapping[str, Sequence[TaskId]], members: Mapping[str, Work], state: AssignorState,
                *, max_delay: int, now_ms: int, last_completed_generation: int,
                generation: int) -> tuple[ClusterAssignment, AssignorState]:
    """One KIP-415 round. `configured_tasks`: connector -> its committed task ids; `members`: what each
    worker reports it runs. Returns the assignment and the leader's memory for the next round."""
    previous = state.previous if state.previous_generation == last_completed_generation else EMPTY
    configured = Work.of(sorted(configured_tasks), sorted({t for ts in configured_tasks.values() for t in ts}))
    active = _union(members)
    if state.previous_revocation:
        rev = state.previous_revocation
        if set(rev.connectors) & set(active.connectors) or set(rev.tasks) & set(active.tasks):
            previous = active  # a revocation did not take effect: start again from what runs
    deleted = previous.minus(configured)
    duplicated = _duplicated(members)
    lost = previous.minus(active, deleted)
    created = configured.minus(previous, active)

    order = sorted(members)
    current = {m: _Load(m, members[m].connectors, members[m].tasks) for m in order}
    for ld in current.values():
        ld.remove(deleted)
    to_revoke: dict[str, Work] = {}
    deleted_revoke = _intersection(deleted, members)
    duplicated_revoke = _intersection(duplicated, members)
    _add(to_revoke, deleted_revoke)
    _add(to_revoke, duplicated_revoke)

    loads = [_Load(m, members[m].connectors, members[m].tasks) for m in order]
    by_worker = {ld.worker: ld for ld in loads}
    for m, w in (*deleted_revoke.items(), *duplicated_revoke.items()):
        by_worker[m].remove(w)

    st = _LostState(state)
    reassign = st.handle_lost(lost, loads, max_delay, now_ms)

    if st.delay == 0:
        balancing = _load_balancing_revocations(configured, loads)
        if st.revoked_in_previous and balancing:
            st.successive_revoking += 1
            st.delay = backoff_ms(st.successive_revoking, max_delay)
            if st.delay != 0:
                st.scheduled_rebalance = now_ms + st.delay
            else:
                _add(to_revoke, balancing)
                for m, w in balancing.items():
                    by_worker[m].remove(w)
        elif balancing:
            _add(to_revoke, balancing)
            for m, w in balancing.items():
                by_worker[m].remove(w)
            st.revoked_in_previous = True
        elif st.revoked_in_previous:
            st.revoked_in_previous = False
            st.successive_revoking = 0
    else:
        st.revoked_in_previous = False

    to_assign = created.plus(reassign)
    _spread(loads, to_assign.connectors, _connectors)
    _spread(loads, to_assign.tasks, _tasks)

    result = ClusterAssignment(delay=st.delay)
    revocation_c: list[str] = []
    revocation_t: list[TaskId] = []
    for ld in sorted(loads, key=lambda ld: ld.worker):
        m = ld.worker
        cur = current[m]
        result.assigned_connectors[m] = [c for c in ld.connectors if c not in set(cur.connectors)]
        result.assigned_tasks[m] = [t for t in ld.tasks if t not in set(cur.tasks)]
        revoked = to_revoke.get(m, EMPTY)
        result.revoked_connectors[m] = list(revoked.connectors)
        result.revoked_tasks[m] = list(revoked.tasks)
        result.all_connectors[m] = [c for c in ld.connectors if c not in set(revoked.connectors)]
        result.all_tasks[m] = [t for t in ld.tasks if t not in set(revoked.tasks)]
        revocation_c += revoked.connectors
        revocation_t += revoked.tasks

    nxt = Work.of([c for ld in loads for c in ld.connectors], [t for ld in loads for t in ld.tasks])
    revocation = Work.of(revocation_c, revocation_t)
    remembered = Work.of([c for c in nxt.connectors if c not in set(revocation.connectors)],
                         [t for t in nxt.tasks if t not in set(revocation.tasks)]).plus(lost)
    new_state = AssignorState(previous=remembered, previous_revocation=revocation,
                              revoked_in_previous=st.revoked_in_previous, candidates=tuple(st.candidates),
                              scheduled_rebalance=st.scheduled_rebalance, delay=st.delay,
                              previous_generation=generation, previous_members=frozenset(members),
                              successive_revoking=st.successive_revoking)
    return result, new_state


class _LostState:
    """The mutable part of the assignor's memory while lost work is handled."""

    def __init__(self, state: AssignorState) -> None:
        self.revoked_in_previous = state.revoked_in_previous
        self.candidates: dict[str, None] = dict.fromkeys(state.candidates)
        self.scheduled_rebalance = state.scheduled_rebalance
        self.delay = state.delay
        self.previous_members = state.previous_members
        self.successive_revoking = state.successive_revoking

    def reset_delay(self) -> None:
        self.candidates.clear()
        self.scheduled_rebalance = 0
        self.delay = 0

    def handle_lost(self, lost: Work, loads: list[_Load], max_delay: int, now: int) -> Work:
        """Lost work to hand out now as new work; may give it to candidate workers directly, or hold it."""
        if not lost and not self.revoked_in_previous:
            self.reset_delay()
            return EMPTY
        active = {ld.worker for ld in loads}
        if self.scheduled_rebalance <= 0 and active >= self.previous_members:
            return lost  # nobody left: the assignments were probably just not received
        if max_delay == 0:
            return lost
        if 0 < self.scheduled_rebalance <= now:
            by_worker = {ld.worker: ld for ld in loads}
            chosen = [by_worker[c] for c in self.candidates if c in by_worker]
            out = EMPTY
            if chosen:
                for i, c in enumerate(lost.connectors):
                    chosen[i % len(chosen)].connectors.append(c)
                for i, t in enumerate(lost.tasks):
                    chosen[i % len(chosen)].tasks.append(t)
            else:
                out = lost
            self.reset_delay()
            self.revoked_in_previous = False
            return out
        for ld in sorted(loads, key=lambda ld: ld.worker):
            if ld.empty():
                self.candidates[ld.worker] = None
        if now < self.scheduled_rebalance:
            remaining = self.scheduled_rebalance - now
            self.delay = min(remaining, max_delay) if remaining > 0 else 0
        else:
            self.delay = max_delay
        self.scheduled_rebalance = now + self.delay
        return EMPTY


def eager(configured_tasks: Mapping[str, Sequence[TaskId]], member_ids: Iterable[str]) -> ClusterAssignment:
    """`connect.protocol=eager`: sorted connectors, then every task, round-robin over sorted members."""
    members = sorted(member_ids)
    result = ClusterAssignment()
    for m in members:
        result.all_connectors[m] = []
        result.all_tasks[m] = []
    i = 0
    names = sorted(configured_tasks)
    for name in names:
        result.all_connectors[members[i % len(members)]].append(name)
        i += 1
    for name in names:
        for t in sorted(configured_tasks[name]):
            result.all_tasks[members[i % len(members)]].append(t)
            i += 1
    result.assigned_connectors = {m: list(cs) for m, cs in result.all_connectors.items()}
    result.assigned_tasks = {m: list(ts) for m, ts in result.all_tasks.items()}
    return result


def member_assignments(result: ClusterAssignment, members: Iterable[str], *, version: int, leader: str,
                       leader_url: str, offset: int, error: int = 0) -> dict[str, Assignment]:
    """One Assignment per member from a round's result (Apache's fillAssignments)."""
    out = {}
    for m in members:
        out[m] = Assignment(version=version, error=error, leader=leader, leader_url=leader_url, offset=offset,
                            connectors=list(result.assigned_connectors.get(m, [])),
                            tasks=list(result.assigned_tasks.get(m, [])),
                            revoked_connectors=list(result.revoked_connectors.get(m, [])),
                            revoked_tasks=list(result.revoked_tasks.get(m, [])),
                            delay=result.delay if version > 0 else 0)
    return out


__all__ = ["EMPTY", "AssignorState", "ClusterAssignment", "Work", "backoff_ms", "eager", "incremental",
           "member_assignments"]
