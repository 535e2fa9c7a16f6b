#!/usr/bin/env python3
"""Distributed-mode benchmark: kcli's workers beside Apache's with the same settings, same broker, one run.

    scripts/bench distributed [--runs R] [--warmup W] [--quick] [--lines N] [--bootstrap HOST:PORT] [--no-apache]

Each round runs kcli then Apache (alternating through scripts/benchlib.py, R rounds, default 3 as each round
takes minutes and the failover figures follow the group protocol's clocks; medians reported) on a cluster of 3
workers
(session.timeout.ms=10000, heartbeat.interval.ms=3000, scheduled.rebalance.max.delay.ms=5000; Apache's
JVM with the flags of its own scripts) running 3 FileStreamSource connectors and a FileStreamSink with
3 tasks — 10 connectors and tasks:

* idle RSS per worker, once everything runs;
* pipeline throughput: N lines of 100 B appear at once in the three source files; lines/s until the
  topic holds them all, and the CPU time (user + sys, /proc) the 3 workers spent meanwhile;
* join: a 4th worker's REST answers -> it runs some of the work;
* leave: SIGTERM of a worker -> all its work RUNNING elsewhere (the leader holds a leaver's work for
  the delay, as for a crash);
* kill -9 of a worker (not the leader) -> all its work RUNNING elsewhere (session timeout + delay);
* the same kill -9 on a cluster with scheduled.rebalance.max.delay.ms=0.

--quick (the smoke run): 1 round of idle RSS and the pipeline only, 200,000 lines, no join/leave/kill.

Leaves and kills are sent halfway between two heartbeats of the survivors (timed from their latest
join, which both kinds of worker log): how long the others take to notice depends on where an event
falls in the heartbeat interval, and this puts it at the same place for both.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_connect import make_data  # noqa: E402
from benchlib import (  # noqa: E402
    QUICK_RECORDS,
    Report,
    alternate,
    apache,
    arguments,
    broker,
    columns,
    create_topic,
    delete_topics,
    machine,
    proc_cpu,
    rss_mib,
    runs_of,
)

from tests.integration.distributed_support import Cluster, DistWorker  # noqa: E402

SETTINGS = {"session.timeout.ms": "10000", "heartbeat.interval.ms": "3000", "scheduled.rebalance.max.delay.ms": "5000",
            "offset.flush.interval.ms": "10000", "consumer.session.timeout.ms": "10000",
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter"}
ITEMS = 10


def _connectors(tmp: Path, kind: str, topic: str) -> dict[str, dict[str, str]]:
    out = {f"src{i}": {"connector.class": "FileStreamSource", "file": str(tmp / f"{kind}-in{i}.txt"), "topic": topic,
                       "batch.size": "10000"} for i in range(3)}
    out["sink"] = {"connector.class": "FileStreamSink", "file": "/dev/null", "topics": topic, "tasks.max": "3"}
    return out


def _placement(cluster: Cluster) -> dict[str, str]:
    return cluster.wait_running(ITEMS, timeout=180)


def _owned(placement: dict[str, str], worker: DistWorker) -> set[str]:
    return {k for k, w in placement.items() if w == worker.worker_id}


def _moved(cluster: Cluster, items: set[str], gone: DistWorker) -> float:
    """Seconds until every one of `items` runs on a live worker other than `gone` (called right after the event)."""
    start = time.monotonic()
    while True:
        try:
            placement = cluster.placement()
        except Exception:
            placement = None
        live = {w.worker_id for w in cluster.live()} - {gone.worker_id}
        if placement and all(k in placement and placement[k][0] == "RUNNING" and placement[k][1] in live
                             for k in items):
            return time.monotonic() - start
        if time.monotonic() - start > 400:
            raise SystemExit(f"work of {gone.worker_id} never moved")
        time.sleep(0.05)


JOINED = re.compile(r"^\[([\d-]+ [\d:]+),(\d+)\] INFO .*Joined group at generation", re.M)
HEARTBEAT_S = 3.0


def _at_mid_heartbeat(cluster: Cluster, gone: DistWorker) -> None:
    """Wait until halfway between two heartbeats of the survivors (timed from their latest join), so that the
    survivors notice a leave, or the coordinator a death, after the same wait for both kinds of worker."""
    joined = 0.0
    for w in cluster.live():
        if w is gone:
            continue
        for m in JOINED.finditer(w.output()):
            t = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").timestamp() + int(m.group(2)) / 1000
            joined = max(joined, t)
    target = joined + HEARTBEAT_S / 2
    while target < time.time() + 0.2:
        target += HEARTBEAT_S
    time.sleep(target - time.time())


def _cluster(kind: str, tmp: Path, bootstrap: str, settings: dict[str, str]) -> Cluster:
    cluster = Cluster(tmp, bootstrap, f"bench-{kind}", settings)
    if kind == "apache":
        cluster.apache_command = apache("connect-distributed")
    return cluster


def _topic(bootstrap: str) -> str:
    topic = f"bench-dist-{uuid.uuid4().hex[:8]}"
    create_topic(bootstrap, topic, 3)
    return topic


def _end_offsets(bootstrap: str, topic: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-watermarks"})
    try:
        return sum(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(3))
    finally:
        consumer.close()


def _started(cluster: Cluster, kind: str, tmp: Path, prefix: str, topic: str) -> list[DistWorker]:
    """3 workers started together, the connectors created and all running."""
    workers = [cluster.start(apache=kind == "apache", wait=False) for _ in range(3)]
    for w in workers:
        w.wait_ready(180)
    for name, cfg in _connectors(tmp, prefix, topic).items():
        cluster.create(name, cfg)
    _placement(cluster)
    return workers


def _end_a_follower(cluster: Cluster, end: Callable[[subprocess.Popen[bytes]], None]) -> float:
    """Seconds until the work of a follower that owns some, ended by `end` at mid-heartbeat, is RUNNING elsewhere.

    A follower: a leader's successor knows nothing of the previous round."""
    placement = _placement(cluster)
    leader = cluster.leader()
    victim = next(w for w in cluster.live() if w is not leader and _owned(placement, w))
    items = _owned(placement, victim)
    _at_mid_heartbeat(cluster, victim)
    end(victim.proc)
    seconds = _moved(cluster, items, victim)
    victim.stop()
    return seconds


def run_main(kind: str, tmp: Path, bootstrap: str, data: list[Path], lines: int, quick: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    topic = _topic(bootstrap)
    try:
        _run_main(kind, tmp, bootstrap, data, lines, quick, topic, out)
    finally:
        delete_topics(bootstrap, [topic])
    return out


def _run_main(kind: str, tmp: Path, bootstrap: str, data: list[Path], lines: int, quick: bool, topic: str,
              out: dict[str, float]) -> None:
    cluster = _cluster(kind, tmp, bootstrap, SETTINGS)
    try:
        workers = _started(cluster, kind, tmp, f"{kind}-{topic}", topic)
        time.sleep(3)
        out["idle RSS per worker (MiB)"] = statistics.mean(rss_mib(w.proc.pid) for w in workers)
        cpu_before = sum(proc_cpu(w.proc.pid) for w in workers)
        start = time.monotonic()
        for i, path in enumerate(data):
            os.link(path, tmp / f"{kind}-{topic}-in{i}.txt")
        while _end_offsets(bootstrap, topic) < lines:
            time.sleep(0.05)
        out["pipeline throughput (lines/s)"] = lines / (time.monotonic() - start)
        out["pipeline CPU, 3 workers (s)"] = sum(proc_cpu(w.proc.pid) for w in workers) - cpu_before
        if quick:
            return

        fourth = cluster.start(apache=kind == "apache")
        start = time.monotonic()
        while not _owned(cluster.wait_running(ITEMS, timeout=180), fourth):
            time.sleep(0.05)
        out["join: REST up -> has work (s)"] = time.monotonic() - start

        out["leave: SIGTERM -> its work RUNNING elsewhere (s)"] = _end_a_follower(cluster, lambda p: p.send_signal(15))
        out["kill -9 -> its work RUNNING elsewhere, delay 5000 (s)"] = _end_a_follower(cluster, lambda p: p.kill())
    finally:
        cluster.stop()

    cluster = _cluster(kind, tmp, bootstrap, {**SETTINGS, "scheduled.rebalance.max.delay.ms": "0"})
    try:
        _started(cluster, kind, tmp, f"{kind}-{topic}-0", topic)
        out["kill -9 -> its work RUNNING elsewhere, delay 0 (s)"] = _end_a_follower(cluster, lambda p: p.kill())
    finally:
        cluster.stop()


def main() -> None:
    parser = arguments(__doc__, runs=3)
    parser.add_argument("--lines", type=int, default=None, help="lines through the pipeline (split over 3 files; "
                        f"default 600,000, --quick: {QUICK_RECORDS:,})")
    parser.add_argument("--no-apache", action="store_true")
    args = parser.parse_args()
    runs, _ = runs_of(args)
    runs = 1 if args.quick and args.runs is None else runs
    warmup = args.warmup or 0  # a round starts fresh clusters: there is nothing to warm
    kinds = ["kcli"] if args.no_apache else ["kcli", "apache"]
    report = Report("distributed")
    with broker(args.bootstrap) as bootstrap, tempfile.TemporaryDirectory(prefix="bench-distributed-") as tmpdir:
        tmp = Path(tmpdir)
        data = [tmp / f"data{i}.txt" for i in range(3)]
        total = args.lines or (QUICK_RECORDS if args.quick else 600_000)
        for path in data:
            make_data(path, total // 3)
        lines = (total // 3) * 3
        print(f"## distributed: {machine()}; broker {bootstrap}; {runs} alternating rounds after {warmup} warm-up")
        print(f"3 workers, {ITEMS} connectors and tasks, {lines:,} lines" + (" (quick: pipeline only)" if args.quick
                                                                           else ""))
        counter = iter(range(1 << 30))

        def side(kind: str) -> Callable[[], dict[str, float]]:
            def measure() -> dict[str, float]:
                folder = tmp / f"{kind}-{next(counter)}"
                folder.mkdir()
                return run_main(kind, folder, bootstrap, data, lines, args.quick)
            return measure

        results = {kind: columns(values) for kind, values in
                   alternate({kind: side(kind) for kind in kinds}, runs, warmup, "distributed").items()}
    for name in results["kcli"]:
        key = "distributed-" + "-".join("".join(c if c.isalnum() else " " for c in name.split("(")[0]).split())
        report.add_figure(key, name, {kind: r[name] for kind, r in results.items() if name in r},
                          "higher" if "/s" in name else "lower")
    print()
    report.print()


if __name__ == "__main__":
    main()
