#!/usr/bin/env python3
"""Benchmark: `kcli groups --describe` beside Apache's `kafka-consumer-groups --describe` on one group that has
committed offsets on a topic of 100 partitions (lag on every partition).

    scripts/bench groups [--runs R] [--warmup W] [--quick] [--bootstrap HOST:PORT]

Runs alternate between the tools (scripts/benchlib.py); wall and CPU time of each process, medians.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import KCLI, Cmd, Report, alternate, apache, arguments, broker, create_topic, machine, run, runs_of

PARTITIONS = 100


def _setup(bootstrap: str, topic: str, group: str) -> None:
    from confluent_kafka import ConsumerGroupTopicPartitions, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient

    create_topic(bootstrap, topic, PARTITIONS)
    producer = Producer({"bootstrap.servers": bootstrap})
    for p in range(PARTITIONS):
        for i in range(3):
            producer.produce(topic, f"r{i}".encode(), partition=p)
    producer.flush(60)
    admin = AdminClient({"bootstrap.servers": bootstrap})
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
    args = arguments(__doc__).parse_args()
    runs, warmup = runs_of(args)
    report = Report("groups")
    with broker(args.bootstrap) as bootstrap:
        tag = uuid.uuid4().hex[:8]
        topic, group = f"bench-groups-{tag}", f"bench-groups-{tag}"
        print(f"## groups: {machine()}; broker {bootstrap}; {runs} alternating runs after {warmup} warm-up")
        _setup(bootstrap, topic, group)
        try:
            describe = ["--bootstrap-server", bootstrap, "--describe", "--group", group]
            members = [*describe, "--members", "--verbose"]
            for key, label, flags in (("groups-describe", f"`groups --describe` ({PARTITIONS} partitions)", describe),
                                      ("groups-members", "`groups --describe --members --verbose`", members)):
                cmds = {"kcli": Cmd([*KCLI, "groups", *flags]), "apache": Cmd(apache("kafka-consumer-groups", flags))}
                samples = alternate({name: (lambda c=cmd: run(c)) for name, cmd in cmds.items()}, runs, warmup, label)
                report.add(key, label, samples)
        finally:
            _teardown(bootstrap, topic, group)
        print()
        report.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
