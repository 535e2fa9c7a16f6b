"""Reference: a keyed record lands on the partition Apache's producer picks (murmur2), whoever writes it.

The same 200 keyed lines go through `kcli produce` into one 6-partition topic and through Apache's
kafka-console-producer into another; read back, every key must be on the same partition number in both.
"""

from __future__ import annotations

import uuid
import zlib

import pytest

from tests.helpers import concurrently, run_kcli, run_tool
from tests.integration.test_consume import create_topic

PARTITIONS = 6
KEYS = [f"key-{i}" for i in range(150)] + [f"user:{i * 7919}" for i in range(40)] + [
    "é", "日本語", "a", "K", "with space", "x" * 300, "0", "-1", "null", "",
]
READER = ["--reader-property", "parse.key=true", "--reader-property", "key.separator=\t"]


def read_placement(bootstrap: str, topic: str, count: int) -> dict[str, int]:
    """key -> partition of the `count` records in `topic` (every key once)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"placement-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
        placement: dict[str, int] = {}
        for _ in range(600):
            if len(placement) >= count:
                break
            for msg in consumer.consume(num_messages=500, timeout=0.1):
                assert msg.error() is None, msg.error()
                key = (msg.key() or b"").decode()
                assert key not in placement, f"{key!r} read twice from {topic}"
                placement[key] = msg.partition()
        assert len(placement) == count, f"read {len(placement)} of {count} records from {topic}"
        return placement
    finally:
        consumer.close()


@pytest.mark.broker
@pytest.mark.java
def test_keys_land_on_the_partitions_apache_picks(bootstrap: str, topic_name: str) -> None:
    lines = "".join(f"{key}\tvalue-{i}\n" for i, key in enumerate(KEYS))
    kcli_topic, apache_topic = f"{topic_name}-kcli", f"{topic_name}-apache"
    for topic in (kcli_topic, apache_topic):
        create_topic(bootstrap, topic, partitions=PARTITIONS)

    produced = concurrently(
        lambda: run_kcli(["produce", "--bootstrap-server", bootstrap, "--topic", kcli_topic, *READER], input=lines),
        lambda: run_tool("kafka-console-producer", ["--bootstrap-server", bootstrap, "--topic", apache_topic,
                                                    *READER], input=lines))
    for proc in produced:
        assert proc.returncode == 0, proc.stderr

    apache = read_placement(bootstrap, apache_topic, len(KEYS))
    kcli = read_placement(bootstrap, kcli_topic, len(KEYS))
    moved = {key: (kcli[key], apache[key]) for key in KEYS if kcli[key] != apache[key]}
    assert not moved, f"{len(moved)} keys on another partition than with Apache (kcli, Apache): {moved}"
    # The keys are spread over every partition, and librdkafka's own default (consistent_random: crc32)
    # would have put many of them elsewhere, so the test tells the two apart.
    assert set(apache.values()) == set(range(PARTITIONS))
    assert sum(zlib.crc32(key.encode()) % PARTITIONS != apache[key] for key in KEYS if key) > len(KEYS) // 2
