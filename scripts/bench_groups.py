"""Benchmark: `kcli groups --describe` beside Apache's `kafka-consumer-groups --describe` on one group that has
committed offsets on a topic of 100 partitions (lag on every partition).

Runs alternate (kcli, Apache, kcli, …) so both see the same machine load; medians of 7 wall-clock runs each,
printed as a markdown table. Broker: as scripts/bench_topics.py finds one.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_topics import KAFKA_DEV, KCLI, broker  # noqa: E402

RUNS = 7
PARTITIONS = 100


def _run(cmd: Sequence[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench_groups: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr[-500:]}")
    return elapsed


def alternating_medians(ours: Sequence[str], theirs: Sequence[str], runs: int = RUNS) -> tuple[float, float]:
    _run(ours), _run(theirs)  # warm-up: page cache, JIT-less first start
    k, a = [], []
    for _ in range(runs):
        k.append(_run(ours))
        a.append(_run(theirs))
    return statistics.median(k), statistics.median(a)


def _setup(bootstrap: str, topic: str, group: str) -> None:
    from confluent_kafka import ConsumerGroupTopicPartitions, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(timeout=60)
    producer = Producer({"bootstrap.servers": bootstrap})
    for p in range(PARTITIONS):
        for i in range(3):
            producer.produce(topic, f"r{i}".encode(), partition=p)
    producer.flush(60)
    request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p, 1) for p in range(PARTITIONS)])
    admin.alter_consumer_group_offsets([request])[group].result(timeout=60)


def _teardown(bootstrap: str, topic: str, group: str) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in [*admin.delete_consumer_groups([group]).values(), *admin.delete_topics([topic]).values()]:
        try:
            future.result(timeout=60)
        except Exception as exc:  # cleaning up: report and go on
            print(f"bench_groups: clean-up: {exc}", file=sys.stderr)


def main() -> int:
    with broker() as bootstrap:
        tag = uuid.uuid4().hex[:8]
        topic, group = f"bench-groups-{tag}", f"bench-groups-{tag}"
        _setup(bootstrap, topic, group)
        try:
            rows = [
                (f"`groups --describe` ({PARTITIONS} partitions)",
                 [*KCLI, "groups", "--bootstrap-server", bootstrap, "--describe", "--group", group],
                 [str(KAFKA_DEV), "tool", "kafka-consumer-groups", "--bootstrap-server", bootstrap, "--describe",
                  "--group", group]),
                ("`groups --describe --members --verbose`",
                 [*KCLI, "groups", "--bootstrap-server", bootstrap, "--describe", "--group", group, "--members",
                  "--verbose"],
                 [str(KAFKA_DEV), "tool", "kafka-consumer-groups", "--bootstrap-server", bootstrap, "--describe",
                  "--group", group, "--members", "--verbose"]),
            ]
            print(f"Broker {bootstrap}; alternating runs, median of {RUNS} each, wall time.\n")
            print("| command | kcli (s) | Apache kafka-consumer-groups (s) | Apache / kcli |")
            print("| --- | ---: | ---: | ---: |")
            for label, ours, theirs in rows:
                k, a = alternating_medians(ours, theirs)
                print(f"| {label} | {k:.3f} | {a:.3f} | {a / k:.1f}x |")
        finally:
            _teardown(bootstrap, topic, group)
    return 0


if __name__ == "__main__":
    sys.exit(main())
