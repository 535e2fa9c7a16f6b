"""Client settings of task producers/consumers: worker defaults < `producer.`/`consumer.` < overrides."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from kcli.connect.worker_config import WorkerConfig

if TYPE_CHECKING:
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient

PRINCIPAL_KEYS = frozenset({"security.protocol", "sasl.jaas.config", "sasl.mechanism"})


def override_errors(policy: str, connector_config: Mapping[str, str],
                    allowlist: Collection[str] = ()) -> dict[str, str]:
    """Keys the override policy (All, None, Principal, Allowlist) rejects, with Apache's message."""
    out: dict[str, str] = {}
    for key in connector_config:
        for prefix in ("producer.override.", "consumer.override.", "admin.override."):
            if key.startswith(prefix):
                client_key = key[len(prefix):]
                if policy == "None" or (policy == "Principal" and client_key not in PRINCIPAL_KEYS) or (
                        policy == "Allowlist" and client_key not in allowlist):
                    out[key] = f"The '{policy}' policy does not allow '{client_key}' to be overridden in the " \
                               "connector configuration."
    return out


def _overrides(connector_config: Mapping[str, str], prefix: str) -> dict[str, str]:
    n = len(prefix)
    return {k[n:]: v for k, v in connector_config.items() if k.startswith(prefix) and len(k) > n}


def producer_config(worker: WorkerConfig, connector: str, task: int,
                    connector_config: Mapping[str, str]) -> dict[str, str]:
    """The Java-style producer config of a source task (Apache's Worker.baseProducerConfigs + overrides)."""
    cfg = {
        "bootstrap.servers": worker.bootstrap_servers,
        "acks": "all",
        "max.in.flight.requests.per.connection": "1",
        "enable.idempotence": "false",
        "delivery.timeout.ms": "2147483647",
        "client.id": f"connector-producer-{connector}-{task}",
        # librdkafka batching: larger batches than the Java defaults, still low latency
        "linger.ms": "5",
    }
    cfg.update(worker.with_prefix("producer."))
    cfg.update(_overrides(connector_config, "producer.override."))
    return cfg


def consumer_config(worker: WorkerConfig, connector: str, task: int,
                    connector_config: Mapping[str, str]) -> dict[str, str]:
    """The Java-style consumer config of a sink task."""
    cfg = {
        "bootstrap.servers": worker.bootstrap_servers,
        "group.id": f"connect-{connector}",
        "enable.auto.commit": "false",
        "auto.offset.reset": "earliest",
        "client.id": f"connector-consumer-{connector}-{task}",
    }
    cfg.update(worker.with_prefix("consumer."))
    cfg.update(_overrides(connector_config, "consumer.override."))
    return cfg


SECURITY_PREFIXES = ("security.protocol", "ssl.", "sasl.")


def _worker_client(worker: WorkerConfig) -> dict[str, str]:
    """What every client of the worker itself uses: the bootstrap and the top-level security settings."""
    cfg = {"bootstrap.servers": worker.bootstrap_servers}
    cfg.update({k: v for k, v in worker.props.items() if k.startswith(SECURITY_PREFIXES)})
    return cfg


def admin_config(worker: WorkerConfig, connector_config: Mapping[str, str] | None = None) -> dict[str, str]:
    """The worker's own admin client: bootstrap and top-level security settings, then `admin.` keys."""
    cfg = _worker_client(worker)
    cfg.update(worker.with_prefix("admin."))
    if connector_config:
        cfg.update(_overrides(connector_config, "admin.override."))
    return cfg


def internal_client_configs(worker: WorkerConfig, client_id: str) -> tuple[dict[str, str], dict[str, str],
                                                                          dict[str, str]]:
    """(admin, producer, consumer) configs of the clients on Connect's internal topics.

    The producer partitions keys with murmur2, as Java's default partitioner does, so kcli and Apache
    workers write a key to the same partition; the consumer is assigned partitions, it joins no group."""
    base = {**_worker_client(worker), "client.id": client_id}
    producer = {**base, "acks": "all", "enable.idempotence": "false", "max.in.flight.requests.per.connection": "1",
                "delivery.timeout.ms": "2147483647", "partitioner": "murmur2_random", "linger.ms": "0"}
    consumer = {**base, "group.id": client_id, "enable.auto.commit": "false", "auto.offset.reset": "earliest"}
    return base, producer, consumer


RDKAFKA_LOG = logging.getLogger("kcli.connect.rdkafka")


def librdkafka_extras(java: Mapping[str, str]) -> dict[str, object]:
    """Settings that need a librdkafka spelling (values Java expresses differently); librdkafka's own
    log lines go through Python logging (log4j layout on stderr) instead of its raw stderr output."""
    out: dict[str, object] = {"logger": RDKAFKA_LOG}
    if java.get("delivery.timeout.ms") == "2147483647":
        out["delivery.timeout.ms"] = 0  # librdkafka: 0 = infinite
    return out


def new_admin(java: Mapping[str, str]) -> AdminClient:
    """An admin client from a Java-style config, with the librdkafka extras."""
    from kcli.clients import make_admin

    return make_admin(java, **librdkafka_extras(java))


def new_producer(java: Mapping[str, str]) -> Producer:
    """A producer from a Java-style config, with the librdkafka extras."""
    from kcli.clients import make_producer

    return make_producer(java, **librdkafka_extras(java))


def new_consumer(java: Mapping[str, str]) -> Consumer:
    """A consumer from a Java-style config, with the librdkafka extras."""
    from kcli.clients import make_consumer

    return make_consumer(java, **librdkafka_extras(java))
