"""Connect's internal topics on a real broker, through kcli's Kafka stores (shared/reference/connect.md §8).

Each store is wired as `build_distributed_herder` wires it (KafkaLog factory, internal client configs,
TopicSpec from the DistributedConfig); what it writes is read back raw with a plain consumer and
compared with Apache's record format, topic layout and partitioning.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from kcli.connect.errors import ConnectError
from kcli.connect.runtime.clients import internal_client_configs, new_admin
from kcli.connect.storage.config_store import RestartRequest, SessionKey
from kcli.connect.storage.kafka_config_store import KafkaConfigStore
from kcli.connect.storage.kafka_log import KafkaLog, TopicSpec, ensure_topic
from kcli.connect.storage.kafka_offset_store import KafkaOffsetStore
from kcli.connect.storage.kafka_status_store import KafkaStatusStore
from kcli.connect.storage.status_store import Status, TopicStatus
from kcli.connect.worker_config import DistributedConfig, WorkerConfig, topic_settings
from kcli.errors import ConfigError
from tests.helpers import wait_for

pytestmark = pytest.mark.broker


# -- Java's default partitioner: Utils.toPositive(Utils.murmur2(key)) % partitions --------------------------
def murmur2(data: bytes) -> int:
    """Kafka's Utils.murmur2 (32-bit, seed 0x9747b28c), as a signed Java int."""
    m, mask = 0x5BD1E995, 0xFFFFFFFF
    length = len(data)
    h = (0x9747B28C ^ length) & mask
    for i in range(0, length - length % 4, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & mask
        k ^= k >> 24
        k = (k * m) & mask
        h = ((h * m) & mask) ^ k
    tail, rest = length & ~3, length % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def java_partition(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def test_murmur2_matches_kafkas_published_vectors() -> None:  # Kafka's UtilsTest.testMurmur2
    assert [murmur2(s) for s in (b"21", b"foobar", b"a-little-bit-long-string", b"a-little-bit-longer-string",
                                 b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", b"abc")] == \
        [-973932308, -790332482, -985981536, -1486304829, -58897971, 479470107]


# -- wiring -----------------------------------------------------------------------------------------
class Cluster:
    """Unique internal topic names, the stores built on them, and clean-up."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.admin = AdminClient({"bootstrap.servers": bootstrap})
        uid = uuid.uuid4().hex[:8]
        self.topics = {k: f"kcli-it-{k}-{uid}" for k in ("configs", "offsets", "status")}
        self.group = f"kcli-it-{uid}"
        self.stores: list[Any] = []
        self.logs: list[KafkaLog] = []

    def worker(self, **extra: str) -> tuple[WorkerConfig, DistributedConfig]:
        props = {"bootstrap.servers": self.bootstrap, "group.id": self.group,
                 "key.converter": "org.apache.kafka.connect.json.JsonConverter",
                 "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                 "config.storage.topic": self.topics["configs"], "offset.storage.topic": self.topics["offsets"],
                 "status.storage.topic": self.topics["status"], "config.storage.replication.factor": "1",
                 "offset.storage.replication.factor": "1", "status.storage.replication.factor": "1", **extra}
        config = WorkerConfig.parse(props, mode="distributed")
        return config, DistributedConfig.parse(config.props)

    def store(self, kind: str, start: bool = True, **extra: str) -> Any:
        """One store as build_distributed_herder wires it."""
        config, dist = self.worker(**extra)
        base = dist.client_id_base()
        admin_cfg, _, _ = internal_client_configs(config, f"{base}shared-admin")
        admin = new_admin(admin_cfg)

        def factory(topic: str, suffix: str, spec: TopicSpec) -> Callable[[Any], KafkaLog]:
            _, producer, consumer = internal_client_configs(config, f"{base}{suffix}")

            def make(on_record: Any) -> KafkaLog:
                self.logs.append(KafkaLog(topic, producer, consumer, admin, on_record, spec))
                return self.logs[-1]
            return make

        props = config.props
        if kind == "configs":
            store: Any = KafkaConfigStore(factory(dist.config_topic, "configs", TopicSpec(
                dist.config_topic, 1, dist.config_replication, "config.storage.topic", "connector configurations",
                topic_settings(props, "config.storage."))))
        elif kind == "status":
            store = KafkaStatusStore(factory(dist.status_topic, "statuses", TopicSpec(
                dist.status_topic, dist.status_partitions, dist.status_replication, "status.storage.topic",
                "connector and task statuses", topic_settings(props, "status.storage."))))
        else:
            store = KafkaOffsetStore(factory(dist.offset_topic, "offsets", TopicSpec(
                dist.offset_topic, dist.offset_partitions, dist.offset_replication, "offset.storage.topic",
                "source connector offsets", topic_settings(props, "offset.storage."))),
                write_timeout_s=config.offset_flush_timeout_ms / 1000)
        if start:
            store.start()
            self.stores.append(store)
        return store

    def create(self, kind: str, partitions: int, policy: str) -> None:
        new = NewTopic(self.topics[kind], partitions, 1, config={"cleanup.policy": policy})
        self.admin.create_topics([new])[self.topics[kind]].result(30)

    def describe(self, kind: str) -> tuple[int, int, dict[str, str]]:
        """(partitions, replication factor, topic configs) as the broker reports them."""
        topic = self.topics[kind]
        md = self.admin.list_topics(topic, timeout=10).topics[topic]
        res = ConfigResource(ConfigResource.Type.TOPIC, topic)
        entries = self.admin.describe_configs([res])[res].result(30)
        replicas = {len(p.replicas) for p in md.partitions.values()}
        assert len(replicas) == 1
        return len(md.partitions), replicas.pop(), {k: e.value for k, e in entries.items()}

    def broker_config(self, key: str) -> str:
        broker = str(next(iter(self.admin.list_topics(timeout=10).brokers)))
        res = ConfigResource(ConfigResource.Type.BROKER, broker)
        return self.admin.describe_configs([res])[res].result(30)[key].value

    def raw(self, kind: str) -> list[tuple[int, bytes | None, bytes | None]]:
        """Every record of the topic in offset order per partition: (partition, key, value)."""
        topic = self.topics[kind]
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": f"raw-{uuid.uuid4().hex}",
                             "enable.auto.commit": False})
        try:
            count = len(self.admin.list_topics(topic, timeout=10).topics[topic].partitions)
            marks = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in range(count)}
            expected = sum(high - low for low, high in marks.values())
            consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(count)])
            out: list[tuple[int, int, bytes | None, bytes | None]] = []
            for _ in range(200):
                if len(out) >= expected:
                    break
                for msg in consumer.consume(500, 0.1):
                    if msg.error() is None:
                        out.append((msg.partition(), msg.offset(), msg.key(), msg.value()))
            assert len(out) == expected
            return [(p, k, v) for p, _, k, v in sorted(out, key=lambda r: (r[0], r[1]))]
        finally:
            consumer.close()

    def close(self) -> None:
        for store in reversed(self.stores):
            store.stop()
        names = [t for t in self.topics.values() if t in self.admin.list_topics(timeout=10).topics]
        if names:
            for f in self.admin.delete_topics(names, operation_timeout=30).values():
                f.result(30)


@pytest.fixture
def cluster(bootstrap: str) -> Iterator[Cluster]:
    c = Cluster(bootstrap)
    try:
        yield c
    finally:
        c.close()


CFG = {"name": "src-a", "connector.class": "FileStreamSource", "tasks.max": "2", "file": "/tmp/é.txt"}


# -- config topic -----------------------------------------------------------------------------------
def test_config_topic_records_layout_and_sharing(cluster: Cluster) -> None:
    extra = {"config.storage.partitions": "3", "config.storage.cleanup.policy": "delete",
             "config.storage.min.compaction.lag.ms": "1234"}
    first = cluster.store("configs", **extra)
    partitions, replicas, topic_cfg = cluster.describe("configs")
    assert (partitions, replicas) == (1, 1)  # config.storage.partitions is ignored: always 1
    assert topic_cfg["cleanup.policy"] == "compact" and topic_cfg["min.compaction.lag.ms"] == "1234"

    first.put_connector_config("src-a", CFG, target_state="PAUSED")
    first.put_task_configs("src-a", [{"task.class": "T", "n": "0"}, {"task.class": "T", "n": "1"}])
    first.put_target_state("src-a", "STOPPED")
    first.put_session_key(SessionKey(b"\x00\xffkey", "HmacSHA256", 1700000000000))
    first.put_restart_request(RestartRequest("src-a", only_failed=False, include_tasks=True))
    first.put_logger_level("org.apache.kafka.connect", "DEBUG")
    first.put_connector_config("gone", {"name": "gone"})
    first.remove_connector("gone")
    assert [(k.decode(), v) for _, k, v in cluster.raw("configs")] == [
        ("target-state-src-a", b'{"state":"PAUSED","state.v2":"PAUSED"}'),
        ("connector-src-a", b'{"properties":{"name":"src-a","connector.class":"FileStreamSource","tasks.max":"2",'
                            b'"file":"/tmp/\xc3\xa9.txt"}}'),
        ("task-src-a-0", b'{"properties":{"task.class":"T","n":"0"}}'),
        ("task-src-a-1", b'{"properties":{"task.class":"T","n":"1"}}'),
        ("commit-src-a", b'{"tasks":2}'),
        ("target-state-src-a", b'{"state":"PAUSED","state.v2":"STOPPED"}'),
        ("session-key", b'{"key":"AP9rZXk=","algorithm":"HmacSHA256","creation-timestamp":1700000000000}'),
        ("restart-connector-src-a", b'{"include-tasks":true,"only-failed":false}'),
        ("logger-cluster-org.apache.kafka.connect", b'{"level":"DEBUG"}'),
        ("connector-gone", b'{"properties":{"name":"gone"}}'),
        ("connector-gone", None), ("target-state-gone", None),
    ]
    snap = first.snapshot()
    assert snap.offset == 12 and snap.connectors() == ["src-a"] and snap.target_state("src-a") == "STOPPED"
    assert snap.task_config_list("src-a") == [{"task.class": "T", "n": "0"}, {"task.class": "T", "n": "1"}]

    second = cluster.store("configs")  # another worker joining: reads the topic from the beginning
    assert second.snapshot() == snap
    first.put_connector_config("src-b", {"name": "src-b"})
    assert second.refresh(10) and second.connector_config("src-b") == {"name": "src-b"}
    second.put_target_state("src-a", "STARTED")  # any worker may write a target state
    assert first.refresh(10) and first.target_state("src-a") == "STARTED"
    assert first.snapshot() == second.snapshot() and second.snapshot().offset == 14


def test_existing_config_topic_with_two_partitions_is_rejected(cluster: Cluster) -> None:
    cluster.create("configs", 2, "compact")
    store = cluster.store("configs", start=False)
    with pytest.raises(ConfigError) as info:
        store.start()
    assert info.value.message == (
        f"Topic '{cluster.topics['configs']}' supplied via the 'config.storage.topic' property is required to have a "
        "single partition in order to guarantee consistency of connector configurations, but found 2 partitions.")


@pytest.mark.parametrize(("kind", "key", "purpose", "policy"), [
    ("configs", "config.storage.topic", "connector configurations", "delete"),
    ("offsets", "offset.storage.topic", "source connector offsets", "compact,delete"),
    ("status", "status.storage.topic", "connector and task statuses", "delete"),
])
def test_existing_non_compacted_topic_fails_the_start(cluster: Cluster, kind: str, key: str, purpose: str,
                                                      policy: str) -> None:
    cluster.create(kind, 1, policy)
    store = cluster.store(kind, start=False)
    with pytest.raises(ConfigError) as info:
        store.start()
    topic = cluster.topics[kind]
    assert info.value.message == (  # TopicAdmin.verifyTopicCleanupPolicyOnlyCompact's text
        f"Topic '{topic}' supplied via the '{key}' property is required to have 'cleanup.policy=compact' to "
        f"guarantee consistency and durability of {purpose}, but found the topic currently has "
        f"'cleanup.policy={policy}'. Continuing would likely result in eventually losing {purpose} and problems "
        f"restarting this Connect cluster in the future. Change the '{key}' property in the Connect worker "
        "configurations to use a topic with 'cleanup.policy=compact'.")


# -- status topic -----------------------------------------------------------------------------------
def test_status_topic_records_layout_and_sharing(cluster: Cluster) -> None:
    first = cluster.store("status", **{"status.storage.segment.bytes": "1048576"})
    partitions, _, topic_cfg = cluster.describe("status")
    assert partitions == 5 and topic_cfg["cleanup.policy"] == "compact" and topic_cfg["segment.bytes"] == "1048576"

    first.put_connector("src-a", Status("RUNNING", "w:1", None, 3, "1.0"))
    first.put_task("src-a", 0, Status("FAILED", "w:1", "org.X: boom\n\tat Y", 3, "1.0"))
    first.put_task("src-a", 1, Status("UNASSIGNED", "w:1", None, 3, None))
    first.put_topic(TopicStatus("orders", "src-a", 1, 1700000000123))
    first.flush()
    records = cluster.raw("status")
    assert {k.decode(): v for _, k, v in records} == {
        "status-connector-src-a": b'{"state":"RUNNING","trace":null,"worker_id":"w:1","generation":3,"version":"1.0"}',
        "status-task-src-a-0":
            b'{"state":"FAILED","trace":"org.X: boom\\n\\tat Y","worker_id":"w:1","generation":3,"version":"1.0"}',
        "status-task-src-a-1": b'{"state":"UNASSIGNED","trace":null,"worker_id":"w:1","generation":3,"version":null}',
        "status-topic-orders:connector-src-a":
            b'{"topic":{"name":"orders","connector":"src-a","task":1,"discoverTimestamp":1700000000123}}',
    }
    assert [p for p, _, _ in records] == [java_partition(k, 5) for _, k, _ in records]

    second = cluster.store("status")
    assert second.connector("src-a") == Status("RUNNING", "w:1", None, 3, "1.0")
    assert second.tasks("src-a") == {0: Status("FAILED", "w:1", "org.X: boom\n\tat Y", 3, "1.0"),
                                     1: Status("UNASSIGNED", "w:1", None, 3, None)}
    assert second.topics("src-a") == ["orders"]
    second.put_task("src-a", 1, Status("RUNNING", "w:2", None, 4, "1.0"))  # the new owner
    wait_for(lambda: first.task("src-a", 1) == Status("RUNNING", "w:2", None, 4, "1.0"), 10, message="read back")
    first.put_task("src-a", 1, Status("UNASSIGNED", "w:1", None, 3, None), safe=True)  # older generation: skipped
    first.delete_connector("src-a")
    first.flush()
    last = {k.decode(): v for _, k, v in cluster.raw("status")}
    assert len(cluster.raw("status")) == 8
    assert last["status-task-src-a-0"] is None and last["status-task-src-a-1"] is None
    assert last["status-connector-src-a"] is None
    wait_for(lambda: second.tasks("src-a") == {} and second.connector("src-a") is None, 10, message="tombstones")


# -- offsets topic ----------------------------------------------------------------------------------
def test_offsets_topic_partitioning_and_sharing(cluster: Cluster) -> None:
    first = cluster.store("offsets", **{"offset.storage.segment.bytes": "1048576"})
    partitions, _, topic_cfg = cluster.describe("offsets")
    assert partitions == 25 and topic_cfg["cleanup.policy"] == "compact" and topic_cfg["segment.bytes"] == "1048576"

    parts = [{"filename": f"/data/in-{i}.txt"} for i in range(40)]
    parts += [{"db": "inventory", "table": f"tåble_{i}", "shard": i} for i in range(10)]
    offsets = {str(i): (p, {"position": i * 100, "done": i % 2 == 0}) for i, p in enumerate(parts)}
    first.set("file-src", offsets)
    records = cluster.raw("offsets")
    assert len(records) == 50
    for partition, key, _ in records:
        assert partition == java_partition(key, 25), key
    assert len({p for p, _, _ in records}) > 10
    by_key = {k: v for _, k, v in records}
    assert by_key[b'["file-src",{"filename":"/data/in-7.txt"}]'] == b'{"position":700,"done":false}'
    assert by_key['["file-src",{"db":"inventory","table":"tåble_3","shard":3}]'.encode()] == \
        b'{"position":4300,"done":false}'

    second = cluster.store("offsets")
    assert second.get("file-src", parts) == [o for _, o in offsets.values()]
    first.set("file-src", {"0": (parts[0], None), "1": (parts[1], {"position": 1})})
    assert second.get("file-src", parts[:2]) == [None, {"position": 1}]  # get reads to the end first
    tomb = [(p, v) for p, k, v in cluster.raw("offsets") if k == b'["file-src",{"filename":"/data/in-0.txt"}]']
    assert tomb[-1] == (java_partition(b'["file-src",{"filename":"/data/in-0.txt"}]', 25), None)


# -- broker defaults --------------------------------------------------------------------------------
def test_minus_one_means_the_broker_defaults(cluster: Cluster) -> None:
    default_partitions = int(cluster.broker_config("num.partitions"))
    default_replication = int(cluster.broker_config("default.replication.factor"))
    extra = {"offset.storage.partitions": "-1", "offset.storage.replication.factor": "-1",
             "status.storage.partitions": "-1", "status.storage.replication.factor": "-1",
             "config.storage.replication.factor": "-1"}
    for kind in ("offsets", "status", "configs"):
        cluster.store(kind, **extra)
        partitions, replicas, topic_cfg = cluster.describe(kind)
        expected = 1 if kind == "configs" else default_partitions
        assert (partitions, replicas, topic_cfg["cleanup.policy"]) == (expected, default_replication, "compact")


def test_fresh_topic_metadata_race(bootstrap: str) -> None:
    """Fresh 25-partition topics in quick succession through one admin (build_distributed_herder shares one): each
    start must wait for the new topic's metadata, as Apache's KafkaBasedLog.start retries partitionsFor (without
    that wait 9-20 of 20 creations failed with 'was created but its metadata could not be read')."""
    admin = new_admin({"bootstrap.servers": bootstrap})
    names = [f"kcli-it-race-{uuid.uuid4().hex[:8]}" for _ in range(12)]
    failed = []
    try:
        for name in names:
            try:
                assert ensure_topic(admin, TopicSpec(name, 25, 1, "offset.storage.topic", "offsets")) == 25
            except ConnectError as exc:
                failed.append(exc.message)
        assert failed == []
    finally:
        existing = admin.list_topics(timeout=10).topics
        for f in admin.delete_topics([n for n in names if n in existing], operation_timeout=30).values():
            f.result(30)
