"""kcli's distributed workers beside Apache's own (connect-distributed from the 4.3.1 jars).

The proof that kcli speaks Apache's protocol and writes Apache's records: both kinds of worker form
one group whichever leads, accept each other's assignments and run each other's connectors; a
cluster moves from Apache to kcli (at once, or one worker at a time) and back without repeating or
skipping a line.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import wait_for
from tests.integration.distributed_support import Cluster
from tests.integration.test_connect_standalone_support import create_topic, read_topic

pytestmark = [pytest.mark.broker, pytest.mark.java, pytest.mark.slow]

JVM_SIGTERM = 143  # a JVM ends by SIGTERM after its shutdown hooks ran (Apache's worker stopped cleanly)
SINK_SETTINGS = {"consumer.session.timeout.ms": "6000", "consumer.heartbeat.interval.ms": "1000"}


def _pipeline(tmp: Path, topic: str, prefix: str = "") -> dict[str, dict[str, str]]:
    return {
        f"{prefix}src": {"connector.class": "FileStreamSource", "file": str(tmp / f"{prefix}in.txt"), "topic": topic},
        f"{prefix}sink": {"connector.class": "FileStreamSink", "file": str(tmp / f"{prefix}out.txt"),
                          "topics": topic, "tasks.max": "2"},
    }


def _sink_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _append(path: Path, lines: range) -> None:
    with path.open("a") as f:
        f.write("".join(f"{n}\n" for n in lines))


def test_mixed_cluster_whichever_kind_leads(tmp_path: Path, bootstrap: str, kafka_libs: str, topic_name: str) -> None:
    """An Apache leader with kcli followers, then (the Apache worker killed) a kcli leader with an Apache
    follower: connectors run on both kinds, and the work of a dead worker of either kind moves on."""
    create_topic(bootstrap, topic_name, partitions=2)
    cluster = Cluster(tmp_path, bootstrap, "mixed", {**SINK_SETTINGS, "scheduled.rebalance.max.delay.ms": "2000"})
    source, sink = tmp_path / "in.txt", tmp_path / "out.txt"
    try:
        apache = cluster.start(apache=True)  # first in the group: the leader
        kcli_a, kcli_b = cluster.start_many(2)
        for i, (name, cfg) in enumerate(_pipeline(tmp_path, topic_name).items()):
            cluster.create(name, cfg, via=[kcli_a, apache][i])
        placement = cluster.wait_running(5)  # 2 connectors, 1 source task, 2 sink tasks
        assert set(placement.values()) == {apache.worker_id, kcli_a.worker_id, kcli_b.worker_id}, placement
        _append(source, range(0, 50))
        wait_for(lambda: len(_sink_lines(sink)) == 50, timeout=60, message="50 lines through the mixed pipeline")
        views = [cluster.statuses(via=w) for w in cluster.live()]
        assert all(v == views[0] for v in views)

        # the Apache leader dies: a kcli worker leads and its work runs on the kcli workers
        apache.kill()
        cluster.wait_running(5, on={kcli_a.worker_id, kcli_b.worker_id}, timeout=90)
        _append(source, range(50, 100))
        wait_for(lambda: len(set(_sink_lines(sink))) == 100, timeout=90, message="100 lines, Apache leader dead")

        # an Apache follower joins the kcli-led group and gets work; then a kcli worker dies and its work
        # moves to the Apache worker and the other kcli worker
        apache2 = cluster.start(apache=True)
        placed = wait_for(lambda: apache2.worker_id in cluster.wait_running(5, timeout=5).values() and
                          cluster.wait_running(5, timeout=5), timeout=90, message="work on the Apache follower")
        victim = next(w for w in (kcli_a, kcli_b) if w.worker_id in placed.values())
        other = kcli_b if victim is kcli_a else kcli_a
        victim.kill()
        after = cluster.wait_running(5, on={apache2.worker_id, other.worker_id}, timeout=90)
        assert apache2.worker_id in after.values()
        _append(source, range(100, 150))
        wait_for(lambda: set(_sink_lines(sink)) == {str(n) for n in range(150)}, timeout=90,
                 message="150 lines after the kcli worker died")
    finally:
        cluster.stop()


def test_rolling_replacement_of_apache_workers_loses_no_line(tmp_path: Path, bootstrap: str, kafka_libs: str,
                                                             topic_name: str) -> None:
    """Two Apache workers run a pipeline while lines keep coming; each is replaced by a kcli worker, one at a
    time (start the kcli worker, then stop the Apache one gracefully). Every line reaches the sink file, once."""
    create_topic(bootstrap, topic_name, partitions=2)
    cluster = Cluster(tmp_path, bootstrap, "rolling", {**SINK_SETTINGS, "scheduled.rebalance.max.delay.ms": "1000"})
    source, sink = tmp_path / "in.txt", tmp_path / "out.txt"
    total = 20_000
    try:
        old = cluster.start_many(2, apache=True)
        for name, cfg in _pipeline(tmp_path, topic_name).items():
            cluster.create(name, cfg)
        cluster.wait_running(5)
        done = threading.Event()

        def write() -> None:
            for start in range(0, total, 500):
                _append(source, range(start, start + 500))
                time.sleep(0.2)
            done.set()

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        for apache in old:
            cluster.start()
            assert apache.stop(signal.SIGTERM) == JVM_SIGTERM
            cluster.wait_running(5, timeout=90)
        writer.join(60)
        assert done.is_set()
        assert all(not w.apache for w in cluster.live())
        lines = wait_for(lambda: (ls := _sink_lines(sink)) and len(set(ls)) == total and ls, timeout=120,
                         message="every line in the sink file")
        assert sorted(int(v) for v in lines) == list(range(total)), "graceful replacements duplicate nothing"
    finally:
        cluster.stop()


def test_migration_from_apache_to_kcli_and_back(tmp_path: Path, bootstrap: str, kafka_libs: str,
                                                topic_name: str) -> None:
    """Apache workers run a FileStreamSource; they stop; kcli workers start with the same worker file and pick up
    the connector, its target state and its offsets (the file continues at the next line); then back again."""
    create_topic(bootstrap, topic_name)
    cluster = Cluster(tmp_path, bootstrap, "migrate")
    source = tmp_path / "in.txt"
    paused = {"connector.class": "FileStreamSource", "file": str(tmp_path / "idle.txt"), "topic": topic_name}
    try:
        apache = cluster.start(apache=True)
        cluster.create("mig-src", {"connector.class": "FileStreamSource", "file": str(source), "topic": topic_name})
        cluster.create("mig-paused", paused)
        cluster.wait_running(4)
        assert apache.request("PUT", "/connectors/mig-paused/pause").status_code == 202
        _append(source, range(0, 100))
        assert len(read_topic(bootstrap, topic_name, 100, settle=0.5)) == 100
        assert apache.stop(signal.SIGTERM) == JVM_SIGTERM  # offsets are flushed on a graceful stop

        for kind, start_apache in (("kcli", False), ("apache", True)):
            worker = cluster.start(apache=start_apache, port=apache.port)
            wait_for(lambda w=worker: (s := cluster.statuses(w)) and s["mig-paused"]["connector"]["state"] == "PAUSED"
                     and s["mig-src"]["tasks"] and s["mig-src"]["tasks"][0]["state"] == "RUNNING"
                     and s["mig-src"]["tasks"][0]["worker_id"] == w.worker_id, timeout=90,
                     message=f"the connectors picked up by the {kind} worker")
            first = 100 if kind == "kcli" else 200
            _append(source, range(first, first + 100))
            values = read_topic(bootstrap, topic_name, first + 100, settle=1.0)
            assert [int(json.loads(v)["payload"]) for v in values] == list(range(first + 100)), \
                f"the {kind} worker continued at the next line, repeating and skipping nothing"
            assert worker.stop(signal.SIGTERM) == (JVM_SIGTERM if start_apache else 0)
    finally:
        cluster.stop()


def _records(bootstrap: str, topic: str) -> list[tuple[str, object]]:
    """(key, parsed value or None) of every record of an internal topic, in offset order per partition."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "reference-reader", "enable.auto.commit": False,
                         "enable.partition.eof": True})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        out: list[tuple[str, object]] = []
        eof: set[int] = set()
        deadline = time.monotonic() + 30
        while len(eof) < len(partitions) and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                eof.add(msg.partition())
                continue
            out.append((msg.key().decode(), json.loads(msg.value()) if msg.value() is not None else None))
        return out
    finally:
        consumer.close()


IGNORED = {"worker_id", "generation", "version", "trace", "discoverTimestamp", "creation-timestamp", "key"}


def _normalized(value: object) -> object:
    """A record value without what differs by nature between two clusters (ids, times, key bytes, versions)."""
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items() if k not in IGNORED}
    return value


def _script(cluster: Cluster, tmp: Path, topic: str, apache: bool) -> None:
    """The same REST actions against a one-worker cluster, each awaited before the next."""
    worker = cluster.start(apache=apache)
    source = tmp / "ref-in.txt"
    source.write_text("a\nb\nc\n")
    src = {"connector.class": "FileStreamSource", "file": str(source), "topic": topic}

    def state(name: str) -> tuple[str, list[str]]:
        s = cluster.statuses(worker).get(name)
        return (s["connector"]["state"], [t["state"] for t in s["tasks"]]) if s else ("", [])

    assert worker.request("POST", "/connectors", json={"name": "ref-src", "config": src}).status_code == 201
    wait_for(lambda: state("ref-src") == ("RUNNING", ["RUNNING"]), timeout=60, message="ref-src RUNNING")
    paused = {"name": "ref-paused", "initial_state": "PAUSED",
              "config": {"connector.class": "FileStreamSource", "file": str(tmp / "none.txt"), "topic": topic}}
    assert worker.request("POST", "/connectors", json=paused).status_code == 201
    wait_for(lambda: state("ref-paused")[0] == "PAUSED", timeout=60, message="ref-paused PAUSED")
    wait_for(lambda: worker.get("/connectors/ref-src/offsets")["offsets"], timeout=30, message="committed offsets")
    for action, wanted in (("pause", ("PAUSED", ["PAUSED"])), ("resume", ("RUNNING", ["RUNNING"])),
                           ("stop", ("STOPPED", [])), ("resume", ("RUNNING", ["RUNNING"]))):
        assert worker.request("PUT", f"/connectors/ref-src/{action}").status_code in (202, 204)
        wait_for(lambda w=wanted: state("ref-src") == w, timeout=60, message=f"ref-src {wanted}")
    assert worker.request("POST", "/connectors/ref-src/restart?includeTasks=true").status_code == 202
    wait_for(lambda: state("ref-src") == ("RUNNING", ["RUNNING"]), timeout=60, message="ref-src restarted")
    level = worker.request("PUT", "/admin/loggers/org.example.reference?scope=cluster", json={"level": "DEBUG"})
    assert level.status_code == 204
    assert worker.request("DELETE", "/connectors/ref-paused").status_code == 204
    wait_for(lambda: "ref-paused" not in cluster.statuses(worker), timeout=60, message="ref-paused deleted")
    worker.stop(signal.SIGTERM)


def test_internal_topics_hold_the_records_apache_writes(tmp_path: Path, bootstrap: str, kafka_libs: str,
                                                       topic_name: str) -> None:
    """The same actions through a kcli worker and an Apache worker (each its own group and topics): the config
    topic holds the same records in the same order, the status and offsets topics the same keys and final
    values — ignoring worker ids, generations, timestamps, plugin versions and the session key's bytes."""
    create_topic(bootstrap, topic_name)
    runs = {}
    for kind in ("apache", "kcli"):
        cluster = Cluster(tmp_path, bootstrap, f"ref-{kind}")
        try:
            _script(cluster, tmp_path, topic_name, apache=kind == "apache")
        finally:
            cluster.stop()
        config, offsets, status = cluster.topics
        runs[kind] = {"config": [(k, _normalized(v)) for k, v in _records(bootstrap, config)],
                      "status": {k: _normalized(v) for k, v in _records(bootstrap, status)},
                      "offsets": dict(_records(bootstrap, offsets))}
    apache, kcli = runs["apache"], runs["kcli"]
    assert [k for k, _ in kcli["config"]] == [k for k, _ in apache["config"]]
    assert kcli["config"] == apache["config"]
    assert kcli["status"] == apache["status"]
    assert kcli["offsets"] == apache["offsets"]
    assert any(k.startswith("restart-connector-") for k, _ in apache["config"])
