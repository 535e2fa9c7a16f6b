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
    from confluent_kafka.admin import AdminClient, ConsumerGroupDescription, MemberDescription

    from kcli.admin.groups_wire import GroupWire

# Apache's GroupState names (GroupState.toString), from librdkafka's enum names.
STATE_NAMES = {"UNKNOWN": "Unknown", "PREPARING_REBALANCING": "PreparingRebalance",
               "COMPLETING_REBALANCING": "CompletingRebalance", "STABLE": "Stable", "DEAD": "Dead",
               "EMPTY": "Empty", "ASSIGNING": "Assigning", "RECONCILING": "Reconciling"}
TYPE_NAMES = {"UNKNOWN": "Unknown", "CONSUMER": "Consumer", "CLASSIC": "Classic"}
# The protocol types of the groups Apache's tool lists (ListGroupsOptions.forConsumerGroups): "" is a group
# that only commits offsets.
CONSUMER_PROTOCOL_TYPES = ("consumer", "")


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


_STATES_BY_UPPER = {v.upper(): v for v in STATE_NAMES.values()}
_TYPES_BY_UPPER = {v.upper(): v for v in TYPE_NAMES.values()}


def broker_state(text: str) -> str:
    """A state as the broker spells it, in Apache's spelling (GroupState.parse: any case; else Unknown)."""
    return _STATES_BY_UPPER.get(text.upper(), "Unknown")


def broker_type(text: str) -> str:
    """A group type as the broker spells it (`classic`, `consumer`), in Apache's spelling."""
    return _TYPES_BY_UPPER.get(text.upper(), "Unknown")


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


def _wire_tps(assignment: Any) -> list[TopicPartitionKey]:
    return [(t.topic_name, p) for t in assignment.topic_partitions for p in t.partitions]


def _wire_member(m: Any) -> Member:
    """A member of a ConsumerGroupDescribe answer; `upgraded` as Apache's admin client reads the member type
    (-1 unknown: None, 1 consumer protocol: True, else False)."""
    member_type = getattr(m, "member_type", -1)
    return Member(
        consumer_id=m.member_id,
        client_id=m.client_id,
        host=m.client_host,
        group_instance_id=m.instance_id or None,
        assignment=_wire_tps(m.assignment),
        target_assignment=_wire_tps(m.target_assignment),
        member_epoch=m.member_epoch,
        upgraded=None if member_type == -1 else member_type == 1,
    )


def _wire_group(d: Any, coordinator: Coordinator | None) -> GroupInfo:
    """A group of a ConsumerGroupDescribe answer (the coordinator is the one librdkafka found)."""
    return GroupInfo(
        group_id=d.group_id,
        state=broker_state(d.group_state),
        group_type="Consumer",
        coordinator=coordinator,
        assignor=d.assignor_name or "",
        members=[_wire_member(m) for m in d.members],
        group_epoch=d.group_epoch,
        target_assignment_epoch=d.assignment_epoch,
    )


class GroupService:
    """Consumer-group admin operations on one cluster, each bounded by `timeout` seconds."""

    def __init__(self, config: Mapping[str, str], timeout: float = 5.0) -> None:
        self.bootstrap = config.get("bootstrap.servers", "")
        self.config = config
        self.timeout = timeout
        self._admin: AdminClient | None = None
        self._wire: GroupWire | None = None

    @property
    def admin(self) -> AdminClient:
        """librdkafka's admin client, made on first use (--list needs none)."""
        if self._admin is None:
            from kcli.clients import make_admin

            self._admin = make_admin(self.config)
        return self._admin

    def _wire_admin(self) -> GroupWire:
        """kafka-python's connection (kcli.admin.groups_wire), opened on first use."""
        if self._wire is None:
            from kcli.admin.groups_wire import GroupWire

            self._wire = GroupWire(self.config, self.timeout)
        return self._wire

    def close(self) -> None:
        if self._wire is not None:
            self._wire.close()
            self._wire = None

    def _fail(self, exc: BaseException) -> AdminFailure:
        return admin_failure(exc, self.bootstrap, self.timeout)

    def _wait(self, future: Any) -> Any:
        try:
            return future.result(timeout=self.timeout + 5)
        except Exception as exc:
            raise self._fail(exc) from exc

    # -- queries ----------------------------------------------------------------------------
    def list_groups(self, states: Sequence[str] = (), types: Sequence[str] = ()) -> list[GroupListing]:
        """Consumer groups (classic and consumer protocol, protocol type `consumer` or none, as Apache's
        admin client keeps), optionally only in these states / of these types, in the order the brokers
        sent them (kafka-python's ListGroups: librdkafka's binding sorts them) and each group once."""
        listed = self._wire_admin().list_groups(states, [t.lower() for t in types or ("Classic", "Consumer")])
        found: dict[str, GroupListing] = {}
        for g in listed:
            if g.protocol_type in CONSUMER_PROTOCOL_TYPES:
                found[g.group_id] = GroupListing(g.group_id, broker_state(g.state), broker_type(g.group_type))
        return list(found.values())

    def describe(self, group_ids: Sequence[str], epochs: bool = False) -> dict[str, GroupInfo]:
        """DescribeConsumerGroups for every id (one request per coordinator). A consumer-protocol group is
        described again with ConsumerGroupDescribe where librdkafka falls short: when `epochs` are wanted
        (member and group epochs, member types) and when its state is one librdkafka cannot name
        (Assigning, Reconciling come back Unknown)."""
        if not group_ids:
            return {}
        try:
            futures = self.admin.describe_consumer_groups(list(dict.fromkeys(group_ids)),
                                                          request_timeout=self.timeout)
        except Exception as exc:
            raise self._fail(exc) from exc
        infos = {g: _group(self._wait(f)) for g, f in futures.items()}
        again = [g for g, i in infos.items() if i.group_type == "Consumer" and (epochs or i.state == "Unknown")]
        if again:
            for group_id, described in self._wire_admin().describe_consumer_groups(again).items():
                infos[group_id] = _wire_group(described, infos[group_id].coordinator)
        return infos

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
        client = self._wire_admin().admin
        try:
            result = client.delete_group_offsets(group_id, [TopicPartition(t, p) for t, p in partitions])
        except KafkaError as exc:
            name = str(getattr(exc, "message", "") or type(exc).__name__)
            if name in ("KafkaTimeoutError", "NoBrokersAvailable") or "Timeout" in type(exc).__name__:
                raise AdminFailure(f"could not reach the Kafka broker at {self.bootstrap} within {self.timeout:g}s "
                                   f"({exc})", "_TIMED_OUT") from exc
            return name, dict.fromkeys(partitions, name)
        per = {(tp.topic, tp.partition): (None if err.errno == 0 else err.message) for tp, err in result.items()}
        errors = [e for e in per.values() if e]
        return (errors[0] if errors else None), per
