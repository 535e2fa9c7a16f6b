"""Topic operations against a cluster through confluent-kafka's AdminClient (imported lazily).

Each method mirrors one branch of Apache's TopicCommand.TopicService; Kafka errors become
`KafkaOperationError` carrying Kafka's own reason, unreachable brokers name the bootstrap address.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kcli.admin.configs import ConfigItem, alter_configs, config_item, describe_configs
from kcli.admin.session import UNREACHABLE as _UNREACHABLE
from kcli.admin.session import AdminSession
from kcli.admin.session import err_text as _err_text
from kcli.errors import KafkaOperationError, kafka_reason
from kcli.topics.spec import TopicSpec, java_hashmap_order, select_topics

if TYPE_CHECKING:
    from confluent_kafka import Node, TopicPartitionInfo

MAX_PARTITIONS = 100_000  # the most partitions librdkafka asks for (RD_KAFKAP_PARTITIONS_MAX)


@dataclass
class PartitionInfo:
    partition: int
    leader: int | None
    replicas: list[int]
    isr: list[int]
    elr: list[int] | None = field(default_factory=list)
    last_known_elr: list[int] | None = field(default_factory=list)


@dataclass
class TopicInfo:
    """What `--describe` shows for one topic."""

    name: str
    topic_id: str
    partitions: list[PartitionInfo]
    configs: list[ConfigItem]
    internal: bool = False

    @property
    def replication_factor(self) -> int:
        return len(self.partitions[0].replicas) if self.partitions else 0

    @property
    def overrides(self) -> list[ConfigItem]:
        """The entries Apache prints under Configs: every one whose source is not the default."""
        return [c for c in self.configs if not c.is_default]

    @property
    def min_isr(self) -> int:
        for c in self.configs:
            if c.name == "min.insync.replicas" and c.value is not None:
                return int(c.value)
        return 1


@dataclass
class CreateResult:
    name: str
    created: bool  # False: it existed and --if-not-exists swallowed the error
    error: str | None = None


def apache_uuid(uuid: Any) -> str:
    """A topic id the way Java's Uuid.toString prints it (URL-safe base64, no padding)."""
    msb = uuid.get_most_significant_bits() & 0xFFFFFFFFFFFFFFFF
    lsb = uuid.get_least_significant_bits() & 0xFFFFFFFFFFFFFFFF
    if msb == 0 and lsb == 0:
        return ""
    raw = msb.to_bytes(8, "big") + lsb.to_bytes(8, "big")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


class TopicService(AdminSession):
    """Topic admin operations on one cluster, each bounded by `timeout` seconds."""

    def _kafka_error(self, name: str, text: str, subject: str | None) -> KafkaOperationError:
        if name == "UNKNOWN_TOPIC_OR_PART" and subject:
            return KafkaOperationError(f"Topic '{subject}' does not exist ({text})")
        return KafkaOperationError(text if not subject or subject in text else f"{text} (topic '{subject}')")

    # -- queries ----------------------------------------------------------------------------
    def all_topic_names(self, listing: bool = False) -> list[str]:
        """Every topic's name; `listing`: the names are all the command needs (no admin request follows), so one
        metadata request in C answers without confluent-kafka (kcli.native), when it is built."""
        from kcli import native

        listed = native.topic_names(self.config, self.timeout, **self.quiet) if listing else None
        if listed is not None:
            names, name, text = listed
            if name is not None:
                raise self._failed(name, text or "")
            return sorted(names)
        try:
            md = self.admin.list_topics(timeout=self.timeout)
        except Exception as exc:
            raise self._fail(exc) from exc
        return sorted(md.topics)

    def topics(self, pattern: str | None, exclude_internal: bool = False) -> list[str]:
        """getTopics(): sorted names matching Apache's regex filter."""
        return select_topics(self.all_topic_names(), pattern, exclude_internal)

    def ensure_found(self, found: Sequence[str], pattern: str | None, required: bool) -> None:
        if pattern and required and not found:
            raise KafkaOperationError(f"Topic '{pattern}' does not exist as expected")

    def describe(self, names: Sequence[str]) -> list[TopicInfo]:
        """Describe topics and their configs, in the order kafka-topics prints them."""
        from confluent_kafka import TopicCollection
        from confluent_kafka.admin import ConfigResource

        if not names:
            return []
        ordered = java_hashmap_order(sorted(names))
        descs = self._submit(self.admin.describe_topics, TopicCollection(list(ordered)), **self._opts())
        resources = [ConfigResource("topic", n) for n in ordered]
        cfgs = self._submit(self.admin.describe_configs, resources, **self._opts())
        cfg_by_name = {res.name: fut for res, fut in cfgs.items()}
        out = []
        for name in ordered:
            desc = self._result(descs[name], name)
            entries = self._result(cfg_by_name[name], name)
            out.append(TopicInfo(
                name=desc.name,
                topic_id=apache_uuid(desc.topic_id) if desc.topic_id is not None else "",
                partitions=sorted((_partition(p) for p in desc.partitions), key=lambda p: p.partition),
                configs=[config_item(e) for e in entries.values()],
                internal=bool(getattr(desc, "is_internal", False)),
            ))
        return out

    def live_brokers(self) -> set[int]:
        cluster = self._result(self._submit(self.admin.describe_cluster, **self._opts()))
        return {node.id for node in cluster.nodes}

    def topic_configs(self, name: str) -> list[ConfigItem]:
        return describe_configs(self, "topic", name, name)

    # -- changes ----------------------------------------------------------------------------
    def create(self, specs: Sequence[TopicSpec], if_not_exists: bool) -> list[CreateResult]:
        """Create topics in one request; each result says created, existed (swallowed) or its error."""
        from confluent_kafka.admin import NewTopic

        for spec in specs:
            if spec.replication_factor is not None and not 1 <= spec.replication_factor <= 32767:
                raise KafkaOperationError("The replication factor must be between 1 and 32767 inclusive")
            if spec.partitions is not None and spec.partitions < 1:
                raise KafkaOperationError("The partitions must be greater than 0")
            if spec.partitions is not None and spec.partitions > MAX_PARTITIONS:
                raise KafkaOperationError(f"The partitions must be at most {MAX_PARTITIONS} (librdkafka's limit)")
        new_topics = []
        for spec in specs:
            if spec.replica_assignment:
                new_topics.append(NewTopic(spec.name, num_partitions=len(spec.replica_assignment),
                                           replica_assignment=spec.replica_assignment,
                                           config=dict(spec.configs)))
            else:
                new_topics.append(NewTopic(spec.name, num_partitions=spec.partitions or -1,
                                           replication_factor=spec.replication_factor or -1,
                                           config=dict(spec.configs)))
        # a ValueError here (e.g. the same topic twice in one request) is a usage error
        futs = self._submit(self.admin.create_topics, new_topics, operation_timeout=self.timeout, **self._opts())
        results = []
        for spec in specs:
            try:
                futs[spec.name].result(timeout=self.timeout + 5)
                results.append(CreateResult(spec.name, True))
            except Exception as exc:
                name, text = _err_text(exc)
                if name == "TOPIC_ALREADY_EXISTS" and if_not_exists:
                    results.append(CreateResult(spec.name, False))
                elif name in _UNREACHABLE:
                    raise self._fail(exc) from exc
                else:
                    results.append(CreateResult(spec.name, False, text))
        return results

    def add_partitions(self, names: Sequence[str], count: int, assignment: list[list[int]] | None) -> None:
        """alterTopic(): raise the partition count of every named topic to `count`."""
        from confluent_kafka.admin import NewPartitions

        if not names:
            return
        if not 1 <= count <= MAX_PARTITIONS:
            self._no_increase(names, count)
        current: dict[str, int] = {}
        if assignment:
            current = {t.name: len(t.partitions) for t in self.describe(names)}
        reqs = []
        for name in names:
            extra = assignment[current[name]:] if assignment else None
            reqs.append(NewPartitions(name, count, extra) if extra else NewPartitions(name, count))
        try:
            futs = self.admin.create_partitions(reqs, operation_timeout=self.timeout, **self._opts())
        except (ValueError, TypeError) as exc:  # librdkafka refused the request before sending it
            raise KafkaOperationError(f"{kafka_reason(exc)} (topic '{names[0]}')") from None
        for name in names:
            self._result(futs[name], name)

    def _no_increase(self, names: Sequence[str], count: int) -> None:
        """A count librdkafka cannot send (< 1 or > 100000): Apache's broker answer, for the first topic."""
        try:
            md = self.admin.list_topics(timeout=self.timeout)
        except Exception as exc:
            raise self._fail(exc) from exc
        name = names[0]
        info = md.topics.get(name)
        have = len(info.partitions) if info is not None else 0
        if count < 1:  # InvalidPartitionsException, word for word
            raise KafkaOperationError(f"The topic {name} currently has {have} partition(s); "
                                      f"{count} would not be an increase.")
        raise KafkaOperationError(f"The topic {name} currently has {have} partition(s); {count} is more than the "
                                  f"{MAX_PARTITIONS} partitions librdkafka can ask for.")

    def delete(self, names: Sequence[str]) -> None:
        if not names:
            return
        futs = self._submit(self.admin.delete_topics, list(names), operation_timeout=self.timeout, **self._opts())
        for name in names:
            self._result(futs[name], name)

    def alter_configs(self, name: str, set_items: Mapping[str, str], delete_keys: Sequence[str]) -> None:
        """Incremental alter (kafka-configs --alter --add-config / --delete-config) of one topic."""
        alter_configs(self, "topic", name, set_items, delete_keys, name)


def _nodes(nodes: Sequence[Node] | None) -> list[int] | None:
    return None if nodes is None else [n.id for n in nodes]


def _partition(p: TopicPartitionInfo) -> PartitionInfo:
    leader = p.leader.id if p.leader is not None and p.leader.id >= 0 else None
    return PartitionInfo(
        partition=p.id,
        leader=leader,
        replicas=_nodes(p.replicas) or [],
        isr=_nodes(p.isr) or [],
        # librdkafka does not expose ELR; a 4.x broker answering DescribeTopicPartitions gives empty lists
        elr=_nodes(getattr(p, "elr", [])),
        last_known_elr=_nodes(getattr(p, "last_known_elr", [])),
    )
