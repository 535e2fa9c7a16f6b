"""Committed offsets, log-end offsets and lag of consumer groups, for any command that needs them.

`group_lag` is the one entry point for callers outside `kcli groups` (e.g. `kcli connectors lag`):
one OffsetFetch per group, then ONE ListOffsets request for every partition of every group.
confluent_kafka is imported only inside the functions (CLI start-up stays small).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kcli.admin.session import UNREACHABLE, err_text
from kcli.errors import KafkaOperationError

if TYPE_CHECKING:
    from confluent_kafka.admin import AdminClient

TopicPartitionKey = tuple[str, int]  # (topic, partition)


@dataclass(frozen=True)
class Committed:
    """A group's committed position in one partition."""

    offset: int
    leader_epoch: int | None = None
    metadata: str | None = None


@dataclass(frozen=True)
class PartitionLag:
    """One partition of one group: committed offset, log-end offset and the lag between them.

    `committed` is None when the group has no committed offset there (an assigned partition the
    consumer has not committed yet); `log_end` is None when the broker could not say (no leader,
    topic gone). `lag` is None whenever either is unknown, as Apache's tool prints `-`.
    """

    topic: str
    partition: int
    committed: int | None
    log_end: int | None
    leader_epoch: int | None = None

    @property
    def lag(self) -> int | None:
        if self.committed is None or self.committed < 0 or self.log_end is None:
            return None
        return self.log_end - self.committed


class AdminFailure(KafkaOperationError):
    """A Kafka-side failure of a group admin call (exit 1); `code` is librdkafka's error name."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def admin_failure(exc: BaseException, bootstrap: str, timeout: float) -> AdminFailure:
    """A librdkafka error (or a timeout) as one line; an unreachable cluster names the bootstrap."""
    from concurrent.futures import TimeoutError as FutureTimeout

    code, text = err_text(exc)
    if isinstance(exc, (TimeoutError, FutureTimeout)):
        code, text = "_TIMED_OUT", "no answer"
    if code in UNREACHABLE or "timed out" in text.lower():
        return AdminFailure(f"could not reach the Kafka broker at {bootstrap} within {timeout:g}s ({text})", code)
    return AdminFailure(text, code)


def committed_offsets(admin: AdminClient, group_id: str, timeout: float,
                      bootstrap: str = "") -> dict[TopicPartitionKey, Committed]:
    """Every committed offset of one group (OffsetFetch for all its partitions); {} for an unknown group."""
    from confluent_kafka import ConsumerGroupTopicPartitions

    try:
        futures = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group_id)],
                                                    request_timeout=timeout)
        result = futures[group_id].result(timeout=timeout + 5)
    except Exception as exc:
        raise admin_failure(exc, bootstrap, timeout) from exc
    out: dict[TopicPartitionKey, Committed] = {}
    for tp in result.topic_partitions or []:
        if tp.error is not None or tp.offset < 0:
            continue  # librdkafka reports "no offset" as -1001
        epoch = tp.leader_epoch if tp.leader_epoch is not None and tp.leader_epoch >= 0 else None
        out[(tp.topic, tp.partition)] = Committed(tp.offset, epoch, tp.metadata or None)
    return out


def log_end_offsets(admin: AdminClient, partitions: Iterable[TopicPartitionKey], timeout: float,
                    bootstrap: str = "") -> dict[TopicPartitionKey, int | None]:
    """The log-end (latest) offset of every partition, in ONE ListOffsets call; None where unknown.

    A partition whose leader is missing, or whose topic is gone, maps to None (Apache prints `-`);
    an unreachable cluster raises AdminFailure.
    """
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import OffsetSpec

    wanted = sorted(set(partitions))
    if not wanted:
        return {}
    try:
        futures = admin.list_offsets({TopicPartition(t, p): OffsetSpec.latest() for t, p in wanted},
                                     request_timeout=timeout)
    except Exception as exc:
        raise admin_failure(exc, bootstrap, timeout) from exc
    out: dict[TopicPartitionKey, int | None] = {}
    for tp, future in futures.items():
        try:
            out[(tp.topic, tp.partition)] = future.result(timeout=timeout + 5).offset
        except Exception as exc:
            code, _ = err_text(exc)
            if code in UNREACHABLE:
                raise admin_failure(exc, bootstrap, timeout) from exc
            out[(tp.topic, tp.partition)] = None
    return out


def lag_rows(committed: Mapping[TopicPartitionKey, Committed], partitions: Iterable[TopicPartitionKey],
             log_end: Mapping[TopicPartitionKey, int | None]) -> list[PartitionLag]:
    """PartitionLag rows for `partitions`, sorted by topic then partition."""
    rows = []
    for key in sorted(set(partitions)):
        c = committed.get(key)
        rows.append(PartitionLag(key[0], key[1], c.offset if c else None, log_end.get(key),
                                 c.leader_epoch if c else None))
    return rows


def group_lag(config: Mapping[str, str], group_ids: Sequence[str], timeout: float = 30.0,
              admin: AdminClient | None = None) -> dict[str, list[PartitionLag]]:
    """Per group id, every partition the group has committed an offset for, with its log-end offset and lag.

    `config` holds Java-style client properties (`ClientOptions.config()`; bootstrap.servers at least);
    pass `admin` to reuse an AdminClient you already have. One OffsetFetch per group, then a single
    ListOffsets request for all partitions of all groups. A group without committed offsets (unknown,
    or never committed) maps to []. Raises AdminFailure (a KafkaOperationError, exit 1) when the
    cluster cannot be reached within `timeout` seconds.
    """
    bootstrap = config.get("bootstrap.servers", "")
    if admin is None:
        from kcli.clients import make_admin

        admin = make_admin(config)
    committed = {g: committed_offsets(admin, g, timeout, bootstrap) for g in dict.fromkeys(group_ids)}
    ends = log_end_offsets(admin, (k for c in committed.values() for k in c), timeout, bootstrap)
    return {g: lag_rows(c, c, ends) for g, c in committed.items()}
