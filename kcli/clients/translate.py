"""Translate Java client properties (what client.properties files hold) into librdkafka's names."""

from __future__ import annotations

from collections.abc import Mapping

from kcli.clients.jaas import parse_jaas
from kcli.errors import ConfigError

# Keys only the Java client understands; dropped quietly (they have no librdkafka meaning). make_producer reads
# partitioner.class and partitioner.ignore.keys (producer_partitioner) before they are dropped.
JAVA_ONLY = frozenset(
    {
        "key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
        "interceptor.classes", "partitioner.class", "partitioner.ignore.keys",
        "partitioner.adaptive.partitioning.enable", "partitioner.availability.timeout.ms",
        "buffer.memory", "max.block.ms", "default.api.timeout.ms", "client.dns.lookup",
        "exclude.internal.topics", "max.poll.records", "metric.reporters", "metrics.num.samples",
        "metrics.sample.window.ms", "metrics.recording.level", "auto.include.jmx.reporter",
        "security.providers", "ssl.truststore.type", "ssl.keystore.type", "ssl.protocol",
        "ssl.enabled.protocols", "ssl.trustmanager.algorithm", "ssl.keymanager.algorithm",
        "ssl.secure.random.implementation", "ssl.engine.factory.class", "ssl.provider",
        "sasl.login.callback.handler.class", "sasl.client.callback.handler.class", "sasl.login.class",
        "sasl.kerberos.ticket.renew.window.factor", "sasl.kerberos.ticket.renew.jitter",
        "sasl.kerberos.min.time.before.relogin", "send.buffer.bytes", "receive.buffer.bytes",
        "retry.backoff.max.ms", "reconnect.backoff.max.ms", "socket.connection.setup.timeout.ms",
        "socket.connection.setup.timeout.max.ms", "check.crcs", "client.rack",
        "request.timeout.ms", "enable.metrics.push", "metadata.recovery.strategy",
        "metadata.recovery.rebootstrap.trigger.ms", "allow.auto.create.topics",
        "transaction.timeout.ms",
    }
)

PROVIDER_PREFIX = "config.providers"  # config.providers and config.providers.NAME.class / .param.*

RENAMED = {
    "sasl.mechanism": "sasl.mechanisms",
    "ssl.truststore.certificates": "ssl.ca.pem",
    "ssl.keystore.certificate.chain": "ssl.certificate.pem",
    "ssl.keystore.key": "ssl.key.pem",
}

ASSIGNORS = {
    "org.apache.kafka.clients.consumer.RangeAssignor": "range",
    "org.apache.kafka.clients.consumer.RoundRobinAssignor": "roundrobin",
    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor": "cooperative-sticky",
    "range": "range",
    "roundrobin": "roundrobin",
    "cooperative-sticky": "cooperative-sticky",
}

# partitioner.class values with a librdkafka partitioner that places records as they do. Java's built-in
# partitioner (no partitioner.class) sends a keyed record to murmur2(key) % partitions, as librdkafka's
# murmur2_random does; the two classes below were removed in Kafka 4.0 but are still in 3.x client files.
PARTITIONERS = {
    "org.apache.kafka.clients.producer.internals.DefaultPartitioner": "murmur2_random",
    # keys ignored; librdkafka's `random` spreads records as uniformly, though one by one rather than in batches
    "org.apache.kafka.clients.producer.UniformStickyPartitioner": "random",
}
DEFAULT_PARTITIONER = "murmur2_random"


def producer_partitioner(config: Mapping[str, str]) -> str:
    """librdkafka's `partitioner` for a producer with this Java-style config (partitioner.class and
    partitioner.ignore.keys); ConfigError naming the key for a class librdkafka cannot imitate."""
    cls = config.get("partitioner.class", "").strip()
    if cls:
        if cls in PARTITIONERS:
            return PARTITIONERS[cls]
        # RoundRobinPartitioner (and any class of one's own) included: librdkafka has no round-robin partitioner
        raise ConfigError(f"partitioner {cls} has no librdkafka equivalent: unset it, or set librdkafka's "
                          "partitioner (murmur2_random, random, consistent_random, fnv1a, …) (key 'partitioner.class')")
    ignore_keys = config.get("partitioner.ignore.keys", "false").strip().lower()
    if ignore_keys not in ("true", "false"):
        raise ConfigError(f"Invalid value {config['partitioner.ignore.keys']} for configuration "
                          "partitioner.ignore.keys: Expected value to be either true or false "
                          "(key 'partitioner.ignore.keys')")
    return "random" if ignore_keys == "true" else DEFAULT_PARTITIONER


def _jaas_to_librdkafka(value: str) -> dict[str, str]:
    module, options = parse_jaas(value)
    short = module.rsplit(".", 1)[-1]
    if short in ("PlainLoginModule", "ScramLoginModule"):
        out = {}
        if "username" in options:
            out["sasl.username"] = options["username"]
        if "password" in options:
            out["sasl.password"] = options["password"]
        return out
    if short == "OAuthBearerLoginModule":
        return {}  # librdkafka handles OAUTHBEARER with its own sasl.oauthbearer.* keys
    raise ConfigError(f"login module {module} has no librdkafka equivalent (key 'sasl.jaas.config')")


def _store_is_pem(config: Mapping[str, str], type_key: str, location: str) -> bool:
    store_type = config.get(type_key, "").strip().upper()
    if store_type:
        return store_type == "PEM"
    return location.lower().endswith((".pem", ".crt", ".cer"))


def to_librdkafka(config: Mapping[str, str]) -> dict[str, str]:
    """Translate a Java-style client config to librdkafka's; raise ConfigError naming the key."""
    out: dict[str, str] = {}
    for key, value in config.items():
        if key in JAVA_ONLY or key.startswith(PROVIDER_PREFIX):  # providers are resolved by kcli.config
            continue
        if key == "sasl.jaas.config":
            out.update(_jaas_to_librdkafka(value))
        elif key == "ssl.truststore.location":
            if not _store_is_pem(config, "ssl.truststore.type", value):
                raise ConfigError(
                    "a JKS/PKCS12 truststore cannot be read by librdkafka: convert it to PEM and set "
                    "ssl.truststore.type=PEM (key 'ssl.truststore.location')"
                )
            out["ssl.ca.location"] = value
        elif key == "ssl.truststore.password":
            continue
        elif key == "ssl.keystore.location":
            store_type = config.get("ssl.keystore.type", "").strip().upper()
            if _store_is_pem(config, "ssl.keystore.type", value):
                out["ssl.certificate.location"] = value
                out.setdefault("ssl.key.location", value)
            elif store_type == "PKCS12" or value.lower().endswith((".p12", ".pfx")):
                out["ssl.keystore.location"] = value
            else:
                raise ConfigError(
                    "a JKS keystore cannot be read by librdkafka: use PKCS12 or PEM "
                    "(key 'ssl.keystore.location')"
                )
        elif key == "ssl.keystore.password":
            if config.get("ssl.keystore.type", "").strip().upper() == "PEM":
                continue
            out["ssl.keystore.password"] = value
        elif key == "ssl.endpoint.identification.algorithm":
            out[key] = "https" if value.strip().lower() == "https" else "none"
        elif key == "partition.assignment.strategy":
            names = []
            for cls in (c.strip() for c in value.split(",") if c.strip()):
                if cls not in ASSIGNORS:
                    raise ConfigError(f"assignor {cls} has no librdkafka equivalent "
                                      "(key 'partition.assignment.strategy')")
                names.append(ASSIGNORS[cls])
            out[key] = ",".join(names)
        else:
            out[RENAMED.get(key, key)] = value
    return out
