"""How far a sink connector is behind its topics: the lag of its consumer group, per partition and in total.

A sink connector's progress is the consumer group its tasks commit to: `connect-NAME`, unless its config
sets `consumer.override.group.id`. The config (over REST) says which; the offsets come from Kafka through
kcli.groups.offsets, so the command needs a bootstrap server as well as the worker's URL (a worker does not
expose its `bootstrap.servers` over REST).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kcli.errors import KcliError, UsageError

if TYPE_CHECKING:
    from kcli.clients import ClientOptions
    from kcli.connectors.client import ConnectClient
    from kcli.groups.offsets import PartitionLag

GROUP_PREFIX = "connect-"  # Apache's SinkUtils.consumerGroupId
GROUP_OVERRIDE = "consumer.override.group.id"
BOOTSTRAP_OVERRIDE = "consumer.override.bootstrap.servers"
INTERNAL_TOPICS = ("__consumer_offsets", "__transaction_state", "__share_group_state")
KAFKA_TIMEOUT = 30.0  # seconds a Kafka call may take unless --timeout says less
POLL = 1.0  # seconds between two looks while --wait-caught-up


@dataclass(frozen=True)
class SinkLag:
    """The lag of one sink connector's group. A partition without a committed offset has an unknown lag
    (shown `-`, as kafka-consumer-groups.sh does) and counts as caught up only when it is empty."""

    connector: str
    group: str
    partitions: Sequence[PartitionLag]

    @property
    def total(self) -> int:
        return sum(p.lag for p in self.partitions if p.lag is not None)

    @property
    def unknown(self) -> int:
        """Partitions with records whose lag is unknown (nothing committed there yet)."""
        return sum(1 for p in self.partitions if p.lag is None and p.log_end != 0)

    @property
    def caught_up(self) -> bool:
        return self.unknown == 0 and all(p.lag is None or p.lag <= 0 for p in self.partitions)

    def summary(self) -> str:
        text = f"lag {self.total} over {len(self.partitions)} partition{'s' * (len(self.partitions) != 1)}"
        if self.unknown:
            text += f", {self.unknown} with nothing committed yet"
        return text

    def as_json(self) -> dict[str, Any]:
        return {"connector": self.connector, "group": self.group, "total_lag": self.total,
                "caught_up": self.caught_up,
                "partitions": [{"topic": p.topic, "partition": p.partition, "current_offset": p.committed,
                                "log_end_offset": p.log_end, "lag": p.lag} for p in self.partitions]}


def group_of(name: str, config: Mapping[str, str]) -> str:
    """The consumer group of sink connector `name`."""
    return config.get(GROUP_OVERRIDE) or f"{GROUP_PREFIX}{name}"


def sink_config(client: ConnectClient, name: str) -> dict[str, str]:
    """The config of sink connector `name` (GET /connectors/NAME); a source connector is an error (exit 1)."""
    body = client.get(name).body or {}
    kind = body.get("type")
    if kind != "sink":
        raise KcliError(f"connector {name} is a {kind or 'non-sink'} connector: only a sink connector has a "
                        f"consumer group and a lag (a source connector's position: kcli connectors offsets get "
                        f"{name})")
    return dict(body.get("config") or {})


def given_kafka_config(client: ClientOptions) -> dict[str, str] | None:
    """The client config when a bootstrap server was given (flag, KCLI_BOOTSTRAP_SERVER, --command-config
    or -X); None otherwise (kcli's localhost:9092 default is no answer for a worker's cluster)."""
    cfg = client.config()
    origins: Mapping[str, str] = getattr(cfg, "origins", {})
    if client.bootstrap_server or os.environ.get("KCLI_BOOTSTRAP_SERVER") or "bootstrap.servers" in origins:
        return cfg
    return None


def kafka_config(client: ClientOptions, name: str, config: Mapping[str, str]) -> dict[str, str]:
    """The client config for the connector's cluster: the given bootstrap server, else the connector's
    consumer.override.bootstrap.servers; a usage error (exit 2) naming what to pass when neither is known."""
    cfg = given_kafka_config(client)
    if cfg is not None:
        return cfg
    if config.get(BOOTSTRAP_OVERRIDE):
        cfg = client.config()
        cfg["bootstrap.servers"] = config[BOOTSTRAP_OVERRIDE]
        return cfg
    raise UsageError(f"the lag of connector {name} is read from Kafka: pass --bootstrap-server HOST:PORT (or set "
                     "KCLI_BOOTSTRAP_SERVER) with the worker's bootstrap.servers, which the Connect REST API does "
                     "not expose")


def _topic_partitions(admin: Any, config: Mapping[str, str], timeout: float) -> list[tuple[str, int]]:
    """The partitions of the topics the connector reads (`topics` or `topics.regex`), as the cluster has them."""
    from kcli.groups.offsets import admin_failure

    names = [t.strip() for t in (config.get("topics") or "").split(",") if t.strip()]
    regex = (config.get("topics.regex") or "").strip()
    try:
        meta = admin.list_topics(timeout=timeout)
    except Exception as exc:
        raise admin_failure(exc, "", timeout) from exc
    try:
        pattern = re.compile(regex) if regex else None
    except re.error:
        pattern = None  # the worker validated it as a Java regex; its committed offsets still show up
    out: list[tuple[str, int]] = []
    for topic, info in meta.topics.items():
        wanted = topic in names or (pattern is not None and topic not in INTERNAL_TOPICS
                                    and pattern.fullmatch(topic) is not None)
        if wanted and info.error is None:
            out.extend((topic, p) for p in info.partitions)
    return out


def measure(kafka: Mapping[str, str], name: str, config: Mapping[str, str], timeout: float = KAFKA_TIMEOUT,
            admin: Any = None) -> SinkLag:
    """The lag of the connector's group: every partition it committed to and every partition of its topics,
    with one OffsetFetch and one ListOffsets (kcli.groups.offsets)."""
    from kcli.groups.offsets import committed_offsets, lag_rows, log_end_offsets

    if admin is None:
        from kcli.clients import make_admin

        admin = make_admin(kafka)
    bootstrap = kafka.get("bootstrap.servers", "")
    group = group_of(name, config)
    committed = committed_offsets(admin, group, timeout, bootstrap)
    partitions = set(committed) | set(_topic_partitions(admin, config, timeout))
    ends = log_end_offsets(admin, partitions, timeout, bootstrap)
    return SinkLag(name, group, lag_rows(committed, partitions, ends))


def wait_caught_up(measure_once: Callable[[], SinkLag], timeout: float, interval: float = POLL,
                   clock: Callable[[], float] = time.monotonic,
                   sleep: Callable[[float], None] = time.sleep) -> tuple[SinkLag, bool]:
    """Measure until the lag is 0 everywhere or `timeout` seconds passed: (the last measure, caught up)."""
    deadline = clock() + timeout
    while True:
        lag = measure_once()
        if lag.caught_up:
            return lag, True
        left = deadline - clock()
        if left <= 0:
            return lag, False
        sleep(min(interval, left))
