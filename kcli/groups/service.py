"""Consumer-group operations against a cluster through confluent-kafka's AdminClient (imported lazily).

Each method mirrors one call of Apache's ConsumerGroupService; Kafka errors become AdminFailure
(KafkaOperationError, exit 1) carrying Kafka's own reason, unreachable brokers name the bootstrap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kcli.groups.offsets import (
    AdminFailure,
    Committed,
    TopicPartitionKey,
    admin_failure,
    committed_offsets,
    log_end_offsets,
)

if TYPE_CHECKING:
    from confluent_kafka.admin import ConsumerGroupDescription, MemberDescription

# Apache's GroupState names (GroupState.toString), from librdkafka's enum names.
STATE_NAMES = {"UNKNOWN": "Unknown", "PREPARING_REBALANCING": "PreparingRebalance",
               "COMPLETING_REBALANCING": "CompletingRebalance", "STABLE": "Stable", "DEAD": "Dead",
               "EMPTY": "Empty", "ASSIGNING": "Assigning", "RECONCILING": "Reconciling"}
TYPE_NAMES = {"UNKNOWN": "Unknown", "CONSUMER": "Consumer", "CLASSIC": "Classic"}


@dataclass(frozen=True)
class Coordinator:
    id: int
    host: str
    port: int

    @property
    def text(self) -> str:
        """`host:port  (id)`, the COORDINATOR (ID) column."""
        return f"{self.host}:{self.port}  ({self.id})"


@dataclass
class Member:
    """One member of a group as DescribeConsumerGroups returns it."""

    consumer_id: str
    client_id: str
    host: str
    group_instance_id: str | None
    assignment: list[TopicPartitionKey]
    target_assignment: list[TopicPartitionKey] | None = None
    member_epoch: int | None = None
    upgraded: bool | None = None


@dataclass
class GroupInfo:
    """What `--describe` knows of one group before offsets are added."""

    group_id: str
    state: str  # Apache's spelling: Stable, Empty, Dead, PreparingRebalance…
    group_type: str  # Classic, Consumer, Unknown
    coordinator: Coordinator | None
    assignor: str
    members: list[Member] = field(default_factory=list)
    group_epoch: int | None = None
    target_assignment_epoch: int | None = None


@dataclass(frozen=True)
class GroupListing:
    group_id: str
    state: str
    group_type: str


def _enum_name(value: Any, names: Mapping[str, str]) -> str:
    name = getattr(value, "name", None) or "UNKNOWN"
    return names.get(name, name.title())


def _tps(partitions: Iterable[Any] | None) -> list[TopicPartitionKey]:
    return [(tp.topic, tp.partition) for tp in partitions or []]


def _member(m: MemberDescription) -> Member:
    target = getattr(m, "target_assignment", None)
    return Member(
        consumer_id=m.member_id or "",
        client_id=m.client_id or "",
        host=m.host or "",
        group_instance_id=m.group_instance_id or None,
        assignment=_tps(m.assignment.topic_partitions if m.assignment is not None else None),
        target_assignment=_tps(target.topic_partitions) if target is not None else None,
    )


def _group(d: ConsumerGroupDescription) -> GroupInfo:
    node = d.coordinator
    coordinator = Coordinator(node.id, node.host, node.port) if node is not None and node.id >= 0 else None
    return GroupInfo(
        group_id=d.group_id,
        state=_enum_name(getattr(d, "state", None), STATE_NAMES),
        group_type=_enum_name(getattr(d, "type", None), TYPE_NAMES),
        coordinator=coordinator,
        assignor=d.partition_assignor or "",
        members=[_member(m) for m in d.members or []],
    )


class GroupService:
    """Consumer-group admin operations on one cluster, each bounded by `timeout` seconds."""

    def __init__(self, config: Mapping[str, str], timeout: float = 5.0) -> None:
        from kcli.clients import make_admin

        self.bootstrap = config.get("bootstrap.servers", "")
        self.config = config
        self.timeout = timeout
        self.admin = make_admin(config)

    def _fail(self, exc: BaseException) -> AdminFailure:
        return admin_failure(exc, self.bootstrap, self.timeout)

    def _wait(self, future: Any) -> Any:
        try:
            return future.result(timeout=self.timeout + 5)
        except Exception as exc:
            raise self._fail(exc) from exc

    # -- queries ----------------------------------------------------------------------------
    def list_groups(self, states: Sequence[str] = (), types: Sequence[str] = ()) -> list[GroupListing]:
        """Consumer groups (classic and consumer protocol), optionally only in these states / of these types."""
        from confluent_kafka import ConsumerGroupState, ConsumerGroupType, KafkaException

        kwargs: dict[str, Any] = {"request_timeout": self.timeout}
        if states:
            by_name = {v: ConsumerGroupState[k] for k, v in STATE_NAMES.items() if k in ConsumerGroupState.__members__}
            kwargs["states"] = {by_name[s] for s in states if s in by_name}
        if types:
            by_type = {v: ConsumerGroupType[k] for k, v in TYPE_NAMES.items()}
            kwargs["types"] = {by_type[t] for t in types if t in by_type}
        result = self._wait(self.admin.list_consumer_groups(**kwargs))
        if result.errors:
            error = result.errors[0]
            raise self._fail(error if isinstance(error, BaseException) else KafkaException(error))
        return [GroupListing(g.group_id, _enum_name(getattr(g, "state", None), STATE_NAMES),
                             _enum_name(getattr(g, "type", None), TYPE_NAMES)) for g in result.valid or []]

    def describe(self, group_ids: Sequence[str]) -> dict[str, GroupInfo]:
        """DescribeConsumerGroups for every id (one request per coordinator)."""
        if not group_ids:
            return {}
        try:
            futures = self.admin.describe_consumer_groups(list(dict.fromkeys(group_ids)),
                                                          request_timeout=self.timeout)
        except Exception as exc:
            raise self._fail(exc) from exc
        return {g: _group(self._wait(f)) for g, f in futures.items()}

    def committed(self, group_id: str) -> dict[TopicPartitionKey, Committed]:
        return committed_offsets(self.admin, group_id, self.timeout, self.bootstrap)

    def log_end_offsets(self, partitions: Iterable[TopicPartitionKey]) -> dict[TopicPartitionKey, int | None]:
        """One ListOffsets request for every partition given."""
        return log_end_offsets(self.admin, partitions, self.timeout, self.bootstrap)

    # -- changes ----------------------------------------------------------------------------
    def delete_groups(self, group_ids: Sequence[str]) -> dict[str, str | None]:
        """DeleteGroups; per group None (deleted) or the librdkafka error name (NON_EMPTY_GROUP…)."""
        try:
            futures = self.admin.delete_consumer_groups(list(dict.fromkeys(group_ids)), request_timeout=self.timeout)
        except Exception as exc:
            raise self._fail(exc) from exc
        out: dict[str, str | None] = {}
        for group_id, future in futures.items():
            try:
                future.result(timeout=self.timeout + 5)
                out[group_id] = None
            except Exception as exc:
                failure = self._fail(exc)
                if failure.code in ("_TIMED_OUT", "_TRANSPORT", "_ALL_BROKERS_DOWN", "_RESOLVE"):
                    raise failure from exc
                out[group_id] = failure.code or "UNKNOWN"
        return out

    def topic_partitions(self, topics: Sequence[str]) -> dict[str, list[int] | str]:
        """Partition ids of each topic, or the error name (UNKNOWN_TOPIC_OR_PART…) for one that cannot be described."""
        from confluent_kafka import TopicCollection

        if not topics:
            return {}
        try:
            futures = self.admin.describe_topics(TopicCollection(list(topics)), request_timeout=self.timeout)
        except Exception as exc:
            raise self._fail(exc) from exc
        out: dict[str, list[int] | str] = {}
        for topic in topics:
            try:
                out[topic] = sorted(p.id for p in futures[topic].result(timeout=self.timeout + 5).partitions)
            except Exception as exc:
                failure = self._fail(exc)
                if failure.code in ("_TIMED_OUT", "_TRANSPORT", "_ALL_BROKERS_DOWN", "_RESOLVE"):
                    raise failure from exc
                out[topic] = "UNKNOWN_TOPIC_OR_PARTITION" if failure.code == "UNKNOWN_TOPIC_OR_PART" else failure.code
        return out

    def delete_offsets(self, group_id: str, partitions: Sequence[TopicPartitionKey]
                       ) -> tuple[str | None, dict[TopicPartitionKey, str | None]]:
        """OffsetDelete (librdkafka's Python binding has none: kafka-python's admin client sends it).

        Returns (top-level error name or None, per partition None or its error name)."""
        from kafka.errors import KafkaError
        from kafka.structs import TopicPartition

        if not partitions:
            return None, {}
        client = self._kafka_python()
        try:
            result = client.delete_group_offsets(group_id, [TopicPartition(t, p) for t, p in partitions])
        except KafkaError as exc:
            name = str(getattr(exc, "message", "") or type(exc).__name__)
            if name in ("KafkaTimeoutError", "NoBrokersAvailable") or "Timeout" in type(exc).__name__:
                raise AdminFailure(f"could not reach the Kafka broker at {self.bootstrap} within {self.timeout:g}s "
                                   f"({exc})", "_TIMED_OUT") from exc
            return name, dict.fromkeys(partitions, name)
        finally:
            client.close()
        per = {(tp.topic, tp.partition): (None if err.errno == 0 else err.message) for tp, err in result.items()}
        errors = [e for e in per.values() if e]
        return (errors[0] if errors else None), per

    def _kafka_python(self) -> Any:
        from kafka.admin import KafkaAdminClient
        from kafka.errors import KafkaError

        from kcli.clients.kafka_python import kafka_python_config

        cfg = kafka_python_config(self.config, "kcli-groups")
        cfg["request_timeout_ms"] = int(self.timeout * 1000)
        try:
            return KafkaAdminClient(**cfg)
        except KafkaError as exc:
            raise AdminFailure(f"could not reach the Kafka broker at {self.bootstrap} within {self.timeout:g}s "
                               f"({exc})", "_TRANSPORT") from exc
