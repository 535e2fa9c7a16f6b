"""`kcli connect distributed`: several real worker processes on the test broker.

Balancing, scaling up and down, a dead worker, a worker that comes back, and the REST API of any
worker; incremental cooperative rebalancing means work that stays put is never restarted, which
the RecordingConnector's start/stop log shows.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.helpers import wait_for
from tests.integration.distributed_support import RECORDING, Cluster, DistWorker, per_worker, recordings

pytestmark = [pytest.mark.broker, pytest.mark.slow]

DELAY_S = 4.0  # scheduled.rebalance.max.delay.ms of these clusters


def _connectors(tmp: Path, topic: str) -> dict[str, dict[str, str]]:
    """6 connectors, 18 tasks: 2 file sources (1 task), 2 file sinks (2 tasks), 2 recording (6 tasks)."""
    record = str(tmp / "record.log")
    out: dict[str, dict[str, str]] = {}
    for i in range(2):
        out[f"src-{i}"] = {"connector.class": "FileStreamSource", "file": str(tmp / f"in-{i}.txt"), "topic": topic}
        out[f"sink-{i}"] = {"connector.class": "FileStreamSink", "file": str(tmp / f"out-{i}.txt"), "topics": topic,
                            "tasks.max": "2"}
        out[f"rec-{i}"] = {"connector.class": RECORDING, "tasks.max": "6", "record.file": record}
    return out


TASKS = {f"src-{i}-0" for i in range(2)} | {f"sink-{i}-{t}" for i in range(2) for t in range(2)} | {
    f"rec-{i}-{t}" for i in range(2) for t in range(6)}
TOTAL = 6 + len(TASKS)


def _balanced(placement: dict[str, str], workers: int) -> bool:
    counts = per_worker(placement, TASKS)
    if len(counts) != workers:
        return False
    conns = [c for c, _ in counts.values()]
    tasks = [t for _, t in counts.values()]
    return max(conns) - min(conns) <= 1 and max(tasks) - min(tasks) <= 1


def _wait_balanced(cluster: Cluster, workers: int, timeout: float = 90, settle: float = 2.0) -> dict[str, str]:
    """The placement once every connector and task runs, the live workers share them within ±1, and nothing
    has moved for `settle` seconds (a rebalance still under way would move something)."""
    seen: dict[str, object] = {"placement": None, "since": 0.0}

    def settled() -> dict[str, str] | None:
        placement = cluster.wait_running(TOTAL, timeout=5)
        if not _balanced(placement, workers):
            seen["placement"] = None
            return None
        if placement != seen["placement"]:
            seen.update(placement=placement, since=time.monotonic())
            return None
        return placement if time.monotonic() - float(seen["since"]) >= settle else None  # type: ignore[arg-type]

    return wait_for(settled, timeout=timeout, interval=0.25, message=f"work balanced over {workers} workers")


def _logged(log: str, what: str, after: float = 0.0) -> float | None:
    """The time (epoch s) of the first INFO line containing `what` a worker logged at or after `after`."""
    for m in re.finditer(r"^\[([\d-]+ [\d:]+),(\d+)\] INFO .*" + re.escape(what), log, re.M):
        t = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").timestamp() + int(m.group(2)) / 1000
        if t >= after:
            return t
    return None


def _unmoved_restarted(before: dict[str, str], after: dict[str, str], record: Path, starts_before: int) -> list[str]:
    """Recording tasks that stayed on their worker but were started or stopped after `starts_before` lines."""
    stayed = {k for k in before if k.startswith("rec-") and k in TASKS and before[k] == after.get(k)}
    return sorted({task for _, task in recordings(record)[starts_before:] if task in stayed})


def test_balance_scale_up_and_down(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    cluster = Cluster(tmp_path, bootstrap, "balance")
    try:
        cluster.start()  # the leader; the worker that leaves below (workers[1]) is a follower
        cluster.start_many(2)
        for i, (name, cfg) in enumerate(_connectors(tmp_path, topic_name).items()):
            cluster.create(name, cfg, via=cluster.workers[i % 3])
        placement = _wait_balanced(cluster, 3)
        views = [cluster.statuses(via=w) for w in cluster.workers]
        assert all(v == views[0] for v in views), "every worker shows the same view"
        assert set(placement.values()) == {w.worker_id for w in cluster.workers}

        # scale up: a 4th worker gets work; what stays put is not restarted
        record = tmp_path / "record.log"
        mark = len(recordings(record))
        fourth = cluster.start()
        grown = _wait_balanced(cluster, 4)
        assert fourth.worker_id in grown.values()
        assert _unmoved_restarted(placement, grown, record, mark) == []

        # scale down: SIGTERM -> LeaveGroup (the others start rebalancing at once), exit 0; its work moves
        # only after scheduled.rebalance.max.delay.ms, and nothing else restarts
        leaving = cluster.workers[1]
        moved = {k for k, w in grown.items() if w == leaving.worker_id}
        mark = len(recordings(record))
        stopped_at = time.time()
        assert leaving.stop(signal.SIGTERM) == 0
        survivors = [w for w in cluster.workers if w.alive()]
        left_at = _logged(leaving.output(), "sending LeaveGroup request")
        assert left_at is not None and left_at >= stopped_at - 1
        wait_for(lambda: all(_logged(w.output(), "Rebalance started", left_at) for w in survivors), timeout=10,
                 message="the survivors to see the worker leave")
        first_seen = min(_logged(w.output(), "Rebalance started", left_at) or 0 for w in survivors)
        assert first_seen - left_at < 3.0, "LeaveGroup makes the group rebalance within a couple of seconds"
        shrunk = _wait_balanced(cluster, 3)
        elapsed = time.time() - stopped_at
        assert elapsed >= DELAY_S - 0.5, f"the leaver's work moved after {elapsed:.1f}s, before the delay"
        assert leaving.worker_id not in shrunk.values()
        assert moved and all(shrunk[k] != leaving.worker_id for k in moved)
        assert _unmoved_restarted(grown, shrunk, record, mark) == []
    finally:
        cluster.stop()


def test_dead_worker_work_waits_for_the_delay_and_a_returning_worker_gets_it_back(
        tmp_path: Path, bootstrap: str) -> None:
    cluster = Cluster(tmp_path, bootstrap, "failover")
    record = str(tmp_path / "record.log")
    try:
        cluster.start_many(3)
        cluster.create("rec", {"connector.class": RECORDING, "tasks.max": "8", "record.file": record})
        total = 1 + 8

        def balanced() -> dict[str, str] | None:
            p = cluster.wait_running(total, timeout=5)
            counts = [n for _, n in per_worker(p, {f"rec-{i}" for i in range(8)}).values()]
            return p if len(counts) == 3 and max(counts) - min(counts) <= 1 else None

        placement = wait_for(balanced, timeout=90, message="9 connectors and tasks over 3 workers")
        leader = cluster.leader()
        victim = next(w for w in cluster.live() if w is not leader)
        lost = {k for k, wid in placement.items() if wid == victim.worker_id}
        killed_at = time.monotonic()
        victim.kill()
        moved = cluster.wait_running(total, timeout=60)
        elapsed = time.monotonic() - killed_at
        # detection takes about session.timeout.ms (6 s), then the leader holds the work for the delay
        assert elapsed >= DELAY_S + 4, f"a dead worker's work moved after {elapsed:.1f}s, before the delay"
        assert all(moved[k] != victim.worker_id for k in lost)

        # a worker that comes back within the delay gets the lost work back
        leader = cluster.leader()
        victim = next(w for w in cluster.live() if w is not leader)
        lost = {k for k, wid in moved.items() if wid == victim.worker_id}
        victim.kill()
        back = cluster.start(port=victim.port)
        assert back.worker_id == victim.worker_id
        final = cluster.wait_running(total, timeout=60)
        assert {k for k, wid in final.items() if wid == back.worker_id} == lost
    finally:
        cluster.stop()


def _rewinds(values: list[int]) -> int:
    """How often the sequence steps back (a replay), failing on any other gap or disorder."""
    rewinds = 0
    for prev, cur in zip(values, values[1:], strict=False):
        if cur == prev + 1:
            continue
        assert cur <= prev, f"line {prev + 1} is missing before {cur}"
        rewinds += 1
    return rewinds


def test_nothing_lost_while_workers_are_bounced(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    """A FileStreamSource -> topic -> FileStreamSink pipeline of 100,000 lines while the workers running it
    are stopped one by one, gracefully and with kill -9, and replaced. Every line arrives, in order.

    The bound on duplicates: a graceful stop commits offsets, so it replays nothing; a kill -9 loses
    what the source and sink had not committed yet (offset.flush.interval.ms = 1 s), so each kill may
    cause at most two replays (one of the source offsets, one of the sink's) — the sink file is the
    source file with at most 2 x kills steps back, and no line is ever skipped."""
    from tests.integration.test_connect_standalone_support import create_topic

    cluster = Cluster(tmp_path, bootstrap, "lossless", {"scheduled.rebalance.max.delay.ms": "1000",
                                                        "consumer.session.timeout.ms": "6000",
                                                        "consumer.heartbeat.interval.ms": "1000"})
    source, sink = tmp_path / "in.txt", tmp_path / "out.txt"
    total = 100_000
    create_topic(bootstrap, topic_name)
    try:
        cluster.start_many(3)
        cluster.create("pipe-src", {"connector.class": "FileStreamSource", "file": str(source), "topic": topic_name})
        cluster.create("pipe-sink", {"connector.class": "FileStreamSink", "file": str(sink), "topics": topic_name})
        cluster.wait_running(4)
        done = threading.Event()

        def write() -> None:
            with source.open("a") as f:
                for start in range(0, total, 2500):
                    f.write("".join(f"{n}\n" for n in range(start, start + 2500)))
                    f.flush()
                    time.sleep(0.25)
            done.set()

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        kills = 0
        for round_, graceful in enumerate([True, False, True, False]):
            placement = cluster.wait_running(4, timeout=60)
            holder = placement["pipe-src-0" if round_ % 2 == 0 else "pipe-sink-0"]
            worker = next(w for w in cluster.live() if w.worker_id == holder)
            if graceful:
                assert worker.stop(signal.SIGTERM) == 0
            else:
                worker.kill()
                kills += 1
            cluster.start()
            time.sleep(1.0)
        writer.join(60)
        assert done.is_set()

        def arrived() -> list[int] | None:
            values = [int(v) for v in sink.read_text().split()] if sink.exists() else []
            return values if len(set(values)) == total else None

        values = wait_for(arrived, timeout=120, interval=0.5, message="every line in the sink file")
        assert set(values) == set(range(total))
        assert values[0] == 0
        assert _rewinds(values) <= 2 * kills
    finally:
        cluster.stop()


def _every_write_through(cluster: Cluster, w: DistWorker, workers: list[DistWorker], cfg: dict[str, str]) -> None:
    """Create, update, patch, pause, resume, restart, stop, alter/reset offsets, delete: all through `w`."""
    name = f"fwd-{w.port}"
    resp = w.request("POST", "/connectors", json={"name": name, "config": cfg})
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"] == f"{w.url}/connectors/{name}"
    assert w.request("POST", "/connectors", json={"name": name, "config": cfg}).status_code == 409

    def state() -> tuple[str, list[str]]:
        status = cluster.statuses(w)[name]
        return status["connector"]["state"], [t["state"] for t in status["tasks"]]

    wait_for(lambda: state() == ("RUNNING", ["RUNNING"]), timeout=30, message=f"{name} RUNNING")
    assert w.request("PUT", f"/connectors/{name}/config", json={**cfg, "batch.size": "100"}).status_code == 200
    patched = w.request("PATCH", f"/connectors/{name}/config", json={"batch.size": "50"})
    assert patched.status_code == 200 and patched.json()["config"]["batch.size"] == "50"
    wait_for(lambda: all(x.get(f"/connectors/{name}/config")["batch.size"] == "50" for x in workers),
             timeout=30, message="the patched config on every worker")
    for path, wanted in (("pause", "PAUSED"), ("resume", "RUNNING")):
        assert w.request("PUT", f"/connectors/{name}/{path}").status_code == 202
        wait_for(lambda s=wanted: state() == (s, [s]), timeout=30, message=f"{name} {wanted}")
    assert w.request("POST", f"/connectors/{name}/restart").status_code == 204
    restarted = w.request("POST", f"/connectors/{name}/restart?includeTasks=true")
    assert restarted.status_code == 202 and restarted.json()["connector"]["state"] == "RESTARTING"
    assert w.request("POST", f"/connectors/{name}/tasks/0/restart").status_code == 204
    wait_for(lambda: state() == ("RUNNING", ["RUNNING"]), timeout=30, message=f"{name} RUNNING after restarts")
    assert w.request("PUT", f"/connectors/{name}/stop").status_code == 204
    wait_for(lambda: state() == ("STOPPED", []), timeout=30, message=f"{name} STOPPED without tasks")
    offsets = {"offsets": [{"partition": {"filename": cfg["file"]}, "offset": {"position": 7}}]}
    altered = w.request("PATCH", f"/connectors/{name}/offsets", json=offsets)
    assert altered.status_code == 200, altered.text
    assert all(x.get(f"/connectors/{name}/offsets") == offsets for x in workers)
    assert w.request("DELETE", f"/connectors/{name}/offsets").status_code == 200
    assert all(x.get(f"/connectors/{name}/offsets") == {"offsets": []} for x in workers)
    assert w.request("DELETE", f"/connectors/{name}").status_code == 204
    wait_for(lambda: all(name not in x.get("/connectors") for x in workers), timeout=30,
             message=f"{name} deleted everywhere")
    assert w.request("DELETE", f"/connectors/{name}").status_code == 404


def test_any_worker_answers_writes_and_the_cli_fails_over(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    """Every REST write, sent to each worker in turn (one of them is a follower: forwarded to the leader
    or to the connector's owner), takes effect; `kcli connectors` with several --url keeps working when
    the first worker dies."""
    from tests.helpers import run_kcli

    cluster = Cluster(tmp_path, bootstrap, "answers")
    try:
        workers = [cluster.start(), cluster.start()]
        for w in workers:
            _every_write_through(cluster, w, workers, {"connector.class": "FileStreamSource", "topic": topic_name,
                                                       "file": str(tmp_path / f"{w.port}.txt")})
        keep = "cli-kept"
        cluster.create(keep, {"connector.class": "FileStreamSource", "file": str(tmp_path / "k.txt"),
                              "topic": topic_name})
        cluster.wait_running(2)
        urls = ["--url", workers[0].url, "--url", workers[1].url]
        workers[0].kill()
        listed = run_kcli(["connectors", *urls, "list"], timeout=60)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.split() == [keep]
    finally:
        cluster.stop()
