"""The Connect leader's assignors: KIP-415 incremental cooperative rounds and the eager round robin.

A small in-memory cluster runs `incremental` round after round and applies each result the way the
workers do (drop the revoked work, start the newly assigned), with a fake clock and generations.
"""

from __future__ import annotations

import pytest

from kcli.connect.herder.distributed.assignor import (
    EMPTY,
    AssignorState,
    ClusterAssignment,
    Work,
    backoff_ms,
    eager,
    incremental,
    member_assignments,
)
from kcli.connect.herder.distributed.protocol import CONFIG_MISMATCH, NO_ERROR
from kcli.connect.task_id import TaskId

SIX = {"c1": 1, "c2": 2, "c3": 3, "c4": 4, "c5": 5, "c6": 6}  # 6 connectors, 21 tasks


def t(name: str) -> TaskId:
    connector, _, number = name.rpartition("-")
    return TaskId(connector, int(number))


def names(tasks) -> list[str]:
    return [str(x) for x in tasks]


class Cluster:
    """Members -> the Work they run, the leader's memory, a fake clock and the generation."""

    def __init__(self, task_counts: dict[str, int], members=("w1", "w2", "w3"), max_delay: int = 0) -> None:
        self.configured = {c: [TaskId(c, i) for i in range(n)] for c, n in task_counts.items()}
        self.work: dict[str, Work] = {m: EMPTY for m in members}
        self.state = AssignorState()
        self.max_delay = max_delay
        self.now = 1_000
        self.generation = 0
        self.revoked: list[tuple[str, object]] = []  # (member, connector or task) over all rounds

    def round(self, advance: int = 0, last_completed: int | None = None) -> ClusterAssignment:
        self.now += advance
        last = self.generation if last_completed is None else last_completed
        result, self.state = incremental(self.configured, self.work, self.state, max_delay=self.max_delay,
                                         now_ms=self.now, last_completed_generation=last,
                                         generation=self.generation + 1)
        self.generation += 1
        for m in self.work:
            self.revoked += [(m, x) for x in (*result.revoked_connectors[m], *result.revoked_tasks[m])]
            self.work[m] = Work.of(result.all_connectors[m], result.all_tasks[m])
        return result

    def converge(self, limit: int = 10) -> int:
        """Rounds until one that neither assigns nor revokes anything; returns how many changed something."""
        for n in range(limit):
            r = self.round()
            if not any([*r.assigned_connectors.values(), *r.assigned_tasks.values(),
                        *r.revoked_connectors.values(), *r.revoked_tasks.values()]) and r.delay == 0:
                return n
        raise AssertionError("did not converge")

    def counts(self) -> dict[str, tuple[int, int]]:
        return {m: (len(w.connectors), len(w.tasks)) for m, w in sorted(self.work.items())}

    def owner(self, item) -> list[str]:
        return [m for m, w in self.work.items() if item in w.connectors or item in w.tasks]

    def assert_balanced(self) -> None:
        """Every configured item runs exactly once, no stray item runs, and loads differ by at most one."""
        wanted = {*self.configured, *(x for ts in self.configured.values() for x in ts)}
        running = [x for w in self.work.values() for x in (*w.connectors, *w.tasks)]
        assert sorted(map(str, running)) == sorted(map(str, wanted))
        for i in (0, 1):
            sizes = [c[i] for c in self.counts().values()]
            assert max(sizes) - min(sizes) <= 1, self.counts()


def nothing_revoked(r: ClusterAssignment) -> bool:
    return not any([*r.revoked_connectors.values(), *r.revoked_tasks.values()])


# -- first assignment -------------------------------------------------------------------------------

@pytest.mark.parametrize("tasks", [[1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0], [8, 1, 1, 1, 1, 1], [3] * 6,
                                   [0, 1, 0, 7, 2, 2], [10, 10, 10, 10, 10, 1]])
def test_first_assignment_over_three_new_workers_is_balanced(tasks):
    c = Cluster({f"c{i + 1}": n for i, n in enumerate(tasks)})
    r = c.round()
    assert nothing_revoked(r) and r.delay == 0
    assert r.assigned_connectors == r.all_connectors and r.assigned_tasks == r.all_tasks
    assert [n for n, _ in c.counts().values()] == [2, 2, 2]
    c.assert_balanced()
    assert c.converge() == 0  # the next round changes nothing


def test_first_assignment_round_robins_sorted_work_over_least_loaded_then_name():
    c = Cluster(SIX)
    r = c.round()
    assert r.all_connectors == {"w1": ["c1", "c4"], "w2": ["c2", "c5"], "w3": ["c3", "c6"]}
    assert names(r.all_tasks["w1"]) == ["c1-0", "c3-0", "c4-0", "c4-3", "c5-2", "c6-0", "c6-3"]
    assert names(r.all_tasks["w3"]) == ["c2-1", "c3-2", "c4-2", "c5-1", "c5-4", "c6-2", "c6-5"]


# -- a worker joins ----------------------------------------------------------------------------------

def test_fourth_worker_joins_exact_revocations_then_assignment():
    c = Cluster(SIX)
    c.round()
    c.work["w4"] = EMPTY
    r1 = c.round()
    # 21 tasks / 4 = 5 + one extra (kept by the first overloaded worker); 6 connectors / 4 = 1 + two extras
    assert {m: names(ts) for m, ts in r1.revoked_tasks.items()} == {
        "w1": ["c1-0"], "w2": ["c2-0", "c3-1"], "w3": ["c2-1", "c3-2"], "w4": []}
    assert r1.revoked_connectors == {"w1": [], "w2": [], "w3": ["c3"], "w4": []}
    assert not any([*r1.assigned_connectors.values(), *r1.assigned_tasks.values()])
    assert c.counts() == {"w1": (2, 6), "w2": (2, 5), "w3": (1, 5), "w4": (0, 0)}
    r2 = c.round()
    assert nothing_revoked(r2)
    assert r2.assigned_connectors == {"w1": [], "w2": [], "w3": [], "w4": ["c3"]}
    assert names(r2.assigned_tasks["w4"]) == ["c1-0", "c2-0", "c2-1", "c3-1", "c3-2"]
    c.assert_balanced()
    assert c.converge() == 0


@pytest.mark.parametrize("tasks", [SIX, {"a": 12}, {"a": 5, "b": 5, "c": 1}, {"a": 2, "b": 2, "c": 2, "d": 2, "e": 9}])
@pytest.mark.parametrize("initial", [1, 2, 3])
def test_worker_joins_converges_in_two_rounds_moving_only_the_excess(tasks, initial):
    c = Cluster(tasks, members=[f"w{i}" for i in range(1, initial + 1)])
    c.round()
    before = {m: (set(w.connectors), set(w.tasks)) for m, w in c.work.items()}
    total_c, total_t = len(c.configured), sum(tasks.values())
    c.work["new"] = EMPTY
    n = initial + 1
    r1 = c.round()
    assert not any([*r1.assigned_connectors.values(), *r1.assigned_tasks.values()])
    for m, (cs, ts) in before.items():
        # only workers above the balanced minimum give anything up, and never below it
        assert not r1.revoked_connectors[m] or len(cs) > total_c // n
        assert not r1.revoked_tasks[m] or len(ts) > total_t // n
        assert len(c.work[m].connectors) >= total_c // n and len(c.work[m].tasks) >= total_t // n
    r2 = c.round()
    assert nothing_revoked(r2)
    freed = sorted(map(str, (x for _, x in c.revoked)))
    assert sorted(map(str, (*r2.assigned_connectors["new"], *r2.assigned_tasks["new"]))) == freed
    c.assert_balanced()
    assert c.converge() == 0
    # work that stayed put was never revoked; each revoked item ended up on another worker
    for m, x in c.revoked:
        assert c.owner(x) == ["new"], (m, x)


# -- a worker vanishes ------------------------------------------------------------------------------

D = 10_000


def lose_w3(max_delay: int = D) -> tuple[Cluster, Work]:
    c = Cluster(SIX, max_delay=max_delay)
    c.round()
    return c, c.work.pop("w3")


def test_lost_work_is_held_for_the_delay_then_reassigned_to_the_survivors():
    c, lost = lose_w3()
    r = c.round(advance=100)
    assert r.delay == D and c.state.scheduled_rebalance == c.now + D
    assert nothing_revoked(r) and not any(r.assigned_tasks.values()) and not any(r.assigned_connectors.values())
    deadline = c.now + D
    r = c.round(advance=4_000)
    assert r.delay == D - 4_000 and c.state.scheduled_rebalance == deadline
    assert not any(r.assigned_tasks.values()) and nothing_revoked(r)
    r = c.round(advance=deadline - c.now)  # now == the deadline: time is up
    assert r.delay == 0 and nothing_revoked(r)
    assert sorted([*r.assigned_connectors["w1"], *r.assigned_connectors["w2"]]) == list(lost.connectors)
    assert names(r.assigned_tasks["w1"]) == ["c2-1", "c4-2", "c5-4", "c6-5"]
    assert names(r.assigned_tasks["w2"]) == ["c3-2", "c5-1", "c6-2"]
    c.assert_balanced()
    assert c.counts() == {"w1": (3, 11), "w2": (3, 10)}
    assert c.converge() == 0 and c.state.scheduled_rebalance == 0 and not c.state.candidates


def test_worker_back_before_the_deadline_gets_its_lost_work_back():
    c, lost = lose_w3()
    c.round(advance=100)
    c.work["w3"] = EMPTY  # same member id, nothing running
    r = c.round(advance=4_000)
    assert r.delay == D - 4_000 and c.state.candidates == ("w3",)
    assert not any(r.assigned_tasks.values()) and nothing_revoked(r)
    r = c.round(advance=D)
    assert r.delay == 0 and nothing_revoked(r)
    assert r.assigned_connectors == {"w1": [], "w2": [], "w3": list(lost.connectors)}
    assert r.assigned_tasks == {"w1": [], "w2": [], "w3": list(lost.tasks)}
    assert c.counts() == {"w1": (2, 7), "w2": (2, 7), "w3": (2, 7)}
    assert c.converge() == 0 and not c.state.candidates


def test_no_delay_reassigns_lost_work_at_once():
    c, lost = lose_w3(max_delay=0)
    r = c.round(advance=100)
    assert r.delay == 0 and nothing_revoked(r)
    assert sorted(map(str, (x for m in ("w1", "w2") for x in (*r.assigned_connectors[m], *r.assigned_tasks[m])))) \
        == sorted(map(str, (*lost.connectors, *lost.tasks)))
    c.assert_balanced()


@pytest.mark.parametrize("case", ["restarted", "new leader", "generation mismatch"])
def test_missing_work_is_reassigned_at_once_when_no_previous_member_left(case):
    c, lost = lose_w3()
    last = None
    if case == "restarted":  # w3 is still a member but reports nothing: it missed its assignment
        c.work["w3"] = EMPTY
    elif case == "new leader":  # a new leader has no memory of the previous round
        c.state = AssignorState()
    else:  # the leader failed to sync the previous round: its memory is not for the last completed one
        last = c.generation + 5
    r = c.round(advance=100, last_completed=last)
    assert r.delay == 0 and nothing_revoked(r)
    moved = sorted(map(str, (x for m in c.work for x in (*r.assigned_connectors[m], *r.assigned_tasks[m]))))
    assert moved == sorted(map(str, (*lost.connectors, *lost.tasks)))
    if case == "restarted":  # the empty worker is the least loaded: it gets it all back
        assert c.counts() == {"w1": (2, 7), "w2": (2, 7), "w3": (2, 7)}
    c.assert_balanced()


# -- deleted and shrinking connectors, duplicates ------------------------------------------------

def test_deleted_connector_is_revoked_with_its_tasks():
    c = Cluster({"c1": 3, "c2": 3, "c3": 3})
    c.round()
    owner = c.owner("c2")
    del c.configured["c2"]
    r = c.round()
    assert r.revoked_connectors == {m: ["c2"] if [m] == owner else [] for m in c.work}
    assert sorted(names(x for ts in r.revoked_tasks.values() for x in ts)) == ["c2-0", "c2-1", "c2-2"]
    assert not any([*r.assigned_connectors.values(), *r.assigned_tasks.values()])
    assert not any(x.connector == "c2" for w in c.work.values() for x in w.tasks)
    c.assert_balanced()
    assert c.converge() == 0


def test_shrinking_task_count_revokes_only_the_removed_tasks():
    c = Cluster({"c1": 3, "c2": 3, "c3": 3})
    c.round()
    owners = {x: c.owner(x)[0] for x in (t("c1-1"), t("c1-2"))}
    c.configured["c1"] = [t("c1-0")]
    r = c.round()
    assert {m: ts for m, ts in r.revoked_tasks.items() if ts} == {m: [x] for x, m in owners.items()}
    assert not any(r.revoked_connectors.values()) and not any(r.assigned_tasks.values())
    c.assert_balanced()
    assert c.converge() == 0


def test_duplicated_work_is_revoked_from_both_then_given_to_one():
    c = Cluster({"c1": 3, "c2": 3, "c3": 3})
    c.round()
    assert c.owner("c2") == ["w2"] and c.owner(t("c2-1")) == ["w2"]
    c.work["w1"] = c.work["w1"].plus(Work.of(["c2"], [t("c2-1")]))
    r1 = c.round()
    assert r1.revoked_connectors == {"w1": ["c2"], "w2": ["c2"], "w3": []}
    assert {m: names(ts) for m, ts in r1.revoked_tasks.items()} == {"w1": ["c2-1"], "w2": ["c2-1"], "w3": []}
    assert c.owner("c2") == [] and c.owner(t("c2-1")) == []
    r2 = c.round()
    assert nothing_revoked(r2)
    assert r2.assigned_connectors["w2"] == ["c2"] and r2.assigned_tasks["w2"] == [t("c2-1")]
    c.assert_balanced()
    assert c.converge() == 0


# -- successive revoking rebalances ---------------------------------------------------------------

@pytest.mark.parametrize(("max_delay", "attempts", "expected"), [
    (10_000, 1, 40), (10_000, 2, 1600), (10_000, 3, 10_000), (10_000, 50, 10_000),
    (300_000, 3, 64_000), (300_000, 4, 300_000), (1600, 2, 1600), (60_000, 3, 60_000),
    (1000, 2, 999), (100_000, 4, 99_999),  # Java's (long) cast of 40^log40(max) truncates too
    (41, 1, 40), (40, 1, 40), (2, 1, 2), (1, 5, 1), (0, 1, 0), (0, 100, 0),
])
def test_backoff_matches_kafka_exponential_backoff(max_delay, attempts, expected):
    assert backoff_ms(attempts, max_delay) == expected


def two_joins(max_delay: int) -> Cluster:
    """w1, w2 run 4 connectors x 2 tasks; w3 joins (a revoking round), then w4 joins right after."""
    c = Cluster({"c1": 2, "c2": 2, "c3": 2, "c4": 2}, members=["w1", "w2"], max_delay=max_delay)
    c.round()
    c.work["w3"] = EMPTY
    r = c.round(advance=10)
    assert r.revoked_connectors["w2"] == ["c2"] and names(r.revoked_tasks["w1"]) == ["c1-0"]
    c.work["w4"] = EMPTY
    return c


def test_second_consecutive_revocation_is_deferred_with_backoff():
    c = two_joins(D)
    r = c.round(advance=10)  # hands out what w3's join freed; balancing w4 would revoke again: deferred
    assert nothing_revoked(r) and r.delay == 40 and c.state.successive_revoking == 1
    assert r.assigned_connectors["w3"] == ["c2"] and r.assigned_tasks == {
        "w1": [], "w2": [], "w3": [t("c1-0")], "w4": [t("c1-1")]}
    r = c.round(advance=10)  # early rejoin: still waiting, with what is left of the delay
    assert nothing_revoked(r) and r.delay == 30
    r = c.round(advance=30)  # the backoff is over: revoke now...
    assert r.delay == 0 and r.revoked_connectors["w1"] == ["c1"]
    assert r.revoked_tasks == {"w1": [t("c2-0")], "w2": [t("c2-1")], "w3": [], "w4": []}
    r = c.round(advance=10)  # ...and assign
    assert r.assigned_connectors["w4"] == ["c1"] and r.assigned_tasks["w3"] == [t("c2-0")]
    assert r.assigned_tasks["w4"] == [t("c2-1")] and nothing_revoked(r)
    assert c.counts() == {m: (1, 2) for m in ("w1", "w2", "w3", "w4")}
    assert c.converge() == 0 and c.state.successive_revoking == 0


def test_without_delay_consecutive_revocations_happen_at_once():
    c = two_joins(0)
    r = c.round(advance=10)
    assert r.delay == 0 and r.revoked_connectors["w1"] == ["c1"]
    assert r.revoked_tasks == {"w1": [t("c2-0")], "w2": [t("c2-1")], "w3": [], "w4": []}
    assert c.converge() == 1
    c.assert_balanced()
    assert c.counts() == {m: (1, 2) for m in ("w1", "w2", "w3", "w4")}


# -- eager ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("tasks", "members", "connectors", "expected_tasks"), [
    ({"c1": 2, "c2": 2}, ["c", "a", "b"], {"a": ["c1"], "b": ["c2"], "c": []},
     {"a": ["c1-1"], "b": ["c2-0"], "c": ["c1-0", "c2-1"]}),
    ({"c2": 1, "c1": 0, "c3": 3}, ["m1", "m2"], {"m1": ["c1", "c3"], "m2": ["c2"]},
     {"m1": ["c3-0", "c3-2"], "m2": ["c2-0", "c3-1"]}),
    ({}, ["only"], {"only": []}, {"only": []}),
])
def test_eager_round_robin(tasks, members, connectors, expected_tasks):
    configured = {c: [TaskId(c, i) for i in reversed(range(n))] for c, n in tasks.items()}
    r = eager(configured, members)
    assert r.all_connectors == connectors
    assert {m: names(ts) for m, ts in r.all_tasks.items()} == expected_tasks
    assert r.assigned_connectors == r.all_connectors and r.assigned_tasks == r.all_tasks
    assert not any([*r.revoked_connectors.values(), *r.revoked_tasks.values()]) and r.delay == 0


# -- member_assignments --------------------------------------------------------------------------

@pytest.mark.parametrize(("version", "delay"), [(0, 0), (1, 250), (2, 250)])
def test_member_assignments(version, delay):
    result = ClusterAssignment(assigned_connectors={"w1": ["c1"]}, assigned_tasks={"w1": [t("c1-0")]},
                               revoked_connectors={"w2": ["c2"]}, revoked_tasks={"w2": [t("c2-0")]}, delay=250)
    out = member_assignments(result, ["w1", "w2", "w3"], version=version, leader="w1", leader_url="http://w1:8083",
                             offset=42)
    assert set(out) == {"w1", "w2", "w3"}
    for a in out.values():
        assert (a.version, a.error, a.leader, a.leader_url, a.offset, a.delay) == \
            (version, NO_ERROR, "w1", "http://w1:8083", 42, delay)
    assert (out["w1"].connectors, out["w1"].tasks, out["w1"].revoked_connectors) == (["c1"], [t("c1-0")], [])
    assert (out["w2"].connectors, out["w2"].revoked_connectors, out["w2"].revoked_tasks) == ([], ["c2"], [t("c2-0")])
    assert (out["w3"].connectors, out["w3"].tasks, out["w3"].revoked_tasks) == ([], [], [])


def test_member_assignments_config_mismatch():
    out = member_assignments(ClusterAssignment(), ["a", "b"], version=1, leader="a", leader_url="u", offset=7,
                             error=CONFIG_MISMATCH)
    assert all(a.failed and a.error == CONFIG_MISMATCH and not a.connectors and not a.tasks for a in out.values())


@pytest.mark.parametrize(("max_delay", "delay"), [(0, 0), (D, 40)])
def test_revocation_not_applied_is_sent_again(max_delay, delay):
    c = Cluster({"c1": 2, "c2": 2, "c3": 2, "c4": 2}, members=["w1", "w2"], max_delay=max_delay)
    c.round()
    before = dict(c.work)
    c.work["w3"] = EMPTY
    first = c.round(advance=10)
    c.work.update(before)  # w1 and w2 still report what they were told to stop
    r = c.round(advance=10)
    assert r.delay == delay and c.state.successive_revoking == 1 and not any(r.assigned_tasks.values())
    if delay:  # a second revoking round in a row: deferred
        assert nothing_revoked(r)
        r = c.round(advance=delay)
    assert (r.revoked_connectors, r.revoked_tasks) == (first.revoked_connectors, first.revoked_tasks)
    assert c.converge() == 1
    c.assert_balanced()
