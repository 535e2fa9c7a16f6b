"""Worker configuration (Apache's WorkerConfig / StandaloneConfig): keys, defaults, checks."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from kcli.errors import ConfigError

DEFAULT_LISTENER = "http://localhost:8083"  # Apache: http://:8083 (all interfaces); kcli: loopback

DEFAULTS: dict[str, str] = {
    "bootstrap.servers": "localhost:9092",
    "header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter",
    "offset.flush.interval.ms": "60000",
    "offset.flush.timeout.ms": "5000",
    "task.shutdown.graceful.timeout.ms": "5000",
    "connector.client.config.override.policy": "All",
    "topic.creation.enable": "true",
    "topic.tracking.enable": "true",
    "topic.tracking.allow.reset": "true",
    "listeners": DEFAULT_LISTENER,
    "plugin.discovery": "hybrid_warn",
}

OVERRIDE_POLICIES = {
    "all": "All", "none": "None", "principal": "Principal", "allowlist": "Allowlist",
    "org.apache.kafka.connect.connector.policy.AllowlistConnectorClientConfigOverridePolicy": "Allowlist",
    "allowlistconnectorclientconfigoverridepolicy": "Allowlist",
    "org.apache.kafka.connect.connector.policy.AllConnectorClientConfigOverridePolicy": "All",
    "org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy": "None",
    "org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy": "Principal",
    "allconnectorclientconfigoverridepolicy": "All",
    "noneconnectorclientconfigoverridepolicy": "None",
    "principalconnectorclientconfigoverridepolicy": "Principal",
}


def _long(props: Mapping[str, str], key: str, minimum: int | None = 0, kind: str = "LONG") -> int:
    """A whole-number setting; the message names the key (and Apache's type: LONG or INT)."""
    raw = props[key].strip()
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"Invalid value {raw} for configuration {key}: Not a number of type {kind} (key '{key}')") \
            from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"Invalid value {value} for configuration {key}: must be at least {minimum} (key '{key}')")
    return value


def _bool(props: Mapping[str, str], key: str) -> bool:
    raw = props[key].strip().lower()
    if raw not in ("true", "false"):
        raise ConfigError(f"Invalid value {props[key]} for configuration {key}: Expected value to be either true "
                          f"or false (key '{key}')")
    return raw == "true"


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@dataclass
class WorkerConfig:
    """The parsed worker properties; `props` keeps every original key (for client prefixes)."""

    props: dict[str, str]
    mode: str = "standalone"
    offset_flush_interval_ms: int = 60000
    offset_flush_timeout_ms: int = 5000
    task_shutdown_timeout_ms: int = 5000
    override_policy: str = "All"
    topic_tracking: bool = True
    topic_tracking_reset: bool = True
    listeners: list[str] = field(default_factory=list)
    plugin_path: list[str] = field(default_factory=list)
    offsets_file: str | None = None
    override_allowlist: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, raw: Mapping[str, str], mode: str = "standalone") -> WorkerConfig:
        props = {**DEFAULTS, **raw}
        for key in ("key.converter", "value.converter"):
            if not props.get(key, "").strip():
                raise ConfigError(f"Missing required configuration \"{key}\" which has no default value. "
                                  f"(key '{key}')")
        if mode == "standalone" and not props.get("offset.storage.file.filename", "").strip():
            raise ConfigError("Missing required configuration \"offset.storage.file.filename\" which has no default "
                              "value. (key 'offset.storage.file.filename')")
        policy_raw = props["connector.client.config.override.policy"].strip()
        policy = OVERRIDE_POLICIES.get(policy_raw) or OVERRIDE_POLICIES.get(policy_raw.lower())
        if policy is None:
            raise ConfigError(f"Invalid value {policy_raw} for configuration connector.client.config.override.policy: "
                              "use All, Allowlist, None or Principal (key 'connector.client.config.override.policy')")
        listeners = _list(props["listeners"]) or [DEFAULT_LISTENER]
        for listener in listeners:
            parts = urlsplit(listener)
            if parts.scheme not in ("http", "https"):
                raise ConfigError(f"Invalid listener {listener}: use http://host:port (key 'listeners')")
        return cls(
            props=props,
            mode=mode,
            offset_flush_interval_ms=_long(props, "offset.flush.interval.ms"),
            offset_flush_timeout_ms=_long(props, "offset.flush.timeout.ms"),
            task_shutdown_timeout_ms=_long(props, "task.shutdown.graceful.timeout.ms"),
            override_policy=policy,
            topic_tracking=_bool(props, "topic.tracking.enable"),
            topic_tracking_reset=_bool(props, "topic.tracking.allow.reset"),
            listeners=listeners,
            plugin_path=_list(props.get("plugin.path")),
            offsets_file=props.get("offset.storage.file.filename", "").strip() or None,
            override_allowlist=_list(props.get("connector.client.config.override.allowlist")),
        )

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.props.get(key, default)

    def with_prefix(self, prefix: str) -> dict[str, str]:
        """The keys under `prefix`, with the prefix cut off (Apache's originalsWithPrefix)."""
        n = len(prefix)
        return {k[n:]: v for k, v in self.props.items() if k.startswith(prefix) and len(k) > n}

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(_list(self.props["bootstrap.servers"]))

    def advertised(self, bound_port: int | None = None) -> tuple[str, str, int]:
        """(scheme, host, port) other parties use to reach this worker; the worker id is host:port."""
        first = urlsplit(self.listeners[0])
        scheme = self.props.get("rest.advertised.listener") or first.scheme or "http"
        host = self.props.get("rest.advertised.host.name") or first.hostname or socket.gethostname()
        port_text = self.props.get("rest.advertised.port")
        port = int(port_text) if port_text else (bound_port or first.port or 8083)
        return scheme, host, port

    def worker_id(self, bound_port: int | None = None) -> str:
        _, host, port = self.advertised(bound_port)
        return f"{host}:{port}"


DISTRIBUTED_DEFAULTS: dict[str, str] = {
    "config.storage.replication.factor": "3",
    "offset.storage.partitions": "25",
    "offset.storage.replication.factor": "3",
    "status.storage.partitions": "5",
    "status.storage.replication.factor": "3",
    "connect.protocol": "sessioned",
    "scheduled.rebalance.max.delay.ms": "300000",
    "session.timeout.ms": "10000",
    "heartbeat.interval.ms": "3000",
    "rebalance.timeout.ms": "60000",
    "worker.sync.timeout.ms": "3000",
    "worker.unsync.backoff.ms": "300000",
    "exactly.once.source.support": "disabled",
    "inter.worker.key.generation.algorithm": "HmacSHA256",
    "inter.worker.key.ttl.ms": "3600000",
    "inter.worker.signature.algorithm": "HmacSHA256",
    "inter.worker.verification.algorithms": "HmacSHA256",
}
HMAC_ALGORITHMS = {"HmacSHA256": "sha256", "HmacSHA384": "sha384", "HmacSHA512": "sha512", "HmacSHA1": "sha1"}


def _int(props: Mapping[str, str], key: str, minimum: int | None = 0) -> int:
    return _long(props, key, minimum, kind="INT")


def _count(props: Mapping[str, str], key: str) -> int:
    """A partition count or replication factor: positive, or -1 for the broker's default."""
    value = _int(props, key, minimum=None)
    if value == 0 or value < -1:
        raise ConfigError(f"Invalid value {value} for configuration {key}: Value must be -1 (use the broker's "
                          f"default) or positive (key '{key}')")
    return value


@dataclass
class DistributedConfig:
    """The distributed-only keys of a worker file (Apache's DistributedConfig), checked."""

    group_id: str
    config_topic: str
    offset_topic: str
    status_topic: str
    config_replication: int
    offset_partitions: int
    offset_replication: int
    status_partitions: int
    status_replication: int
    protocol: str
    max_delay_ms: int
    session_timeout_ms: int
    heartbeat_interval_ms: int
    rebalance_timeout_ms: int
    sync_timeout_ms: int
    unsync_backoff_ms: int
    key_algorithm: str
    key_size: int | None
    key_ttl_ms: int
    signature_algorithm: str
    verification_algorithms: list[str]
    client_id: str

    @classmethod
    def parse(cls, props: Mapping[str, str]) -> DistributedConfig:
        p = {**DISTRIBUTED_DEFAULTS, **props}
        for key in ("group.id", "config.storage.topic", "offset.storage.topic", "status.storage.topic"):
            if not p.get(key, "").strip():
                raise ConfigError(f"Missing required configuration \"{key}\" which has no default value. "
                                  f"(key '{key}')")
        protocol = p["connect.protocol"].strip().lower()
        if protocol not in ("eager", "compatible", "sessioned"):
            raise ConfigError(f"Invalid value {p['connect.protocol']} for configuration connect.protocol: String must "
                              "be one of (case insensitive): EAGER, COMPATIBLE, SESSIONED (key 'connect.protocol')")
        eos = p["exactly.once.source.support"].strip().lower()
        if eos not in ("disabled", "preparing", "enabled"):
            raise ConfigError(f"Invalid value {p['exactly.once.source.support']} for configuration "
                              "exactly.once.source.support: String must be one of (case insensitive): DISABLED, "
                              "PREPARING, ENABLED (key 'exactly.once.source.support')")
        if eos != "disabled":
            raise ConfigError("exactly.once.source.support=" + eos + " is not supported by kcli's worker; use "
                              "'disabled' (key 'exactly.once.source.support')")
        algorithms = {}
        for key in ("inter.worker.key.generation.algorithm", "inter.worker.signature.algorithm"):
            value = p[key].strip()
            if value not in HMAC_ALGORITHMS:
                raise ConfigError(f"Invalid value {value} for configuration {key}: use one of "
                                  f"{', '.join(HMAC_ALGORITHMS)} (key '{key}')")
            algorithms[key] = value
        verification = _list(p["inter.worker.verification.algorithms"])
        for value in verification:
            if value not in HMAC_ALGORITHMS:
                raise ConfigError(f"Invalid value {value} for configuration inter.worker.verification.algorithms: "
                                  f"use {', '.join(HMAC_ALGORITHMS)} (key 'inter.worker.verification.algorithms')")
        if algorithms["inter.worker.signature.algorithm"] not in verification:
            raise ConfigError("Signature algorithm '" + algorithms["inter.worker.signature.algorithm"] + "' must be "
                              "present in inter.worker.verification.algorithms list. (key "
                              "'inter.worker.verification.algorithms')")
        size = p.get("inter.worker.key.size", "").strip()
        session = _int(p, "session.timeout.ms", 1)
        heartbeat = _int(p, "heartbeat.interval.ms", 1)
        if heartbeat >= session:
            raise ConfigError("heartbeat.interval.ms must be lower than session.timeout.ms "
                              "(key 'heartbeat.interval.ms')")
        return cls(
            group_id=p["group.id"].strip(), config_topic=p["config.storage.topic"].strip(),
            offset_topic=p["offset.storage.topic"].strip(), status_topic=p["status.storage.topic"].strip(),
            config_replication=_count(p, "config.storage.replication.factor"),
            offset_partitions=_count(p, "offset.storage.partitions"),
            offset_replication=_count(p, "offset.storage.replication.factor"),
            status_partitions=_count(p, "status.storage.partitions"),
            status_replication=_count(p, "status.storage.replication.factor"),
            protocol=protocol, max_delay_ms=_int(p, "scheduled.rebalance.max.delay.ms"),
            session_timeout_ms=session, heartbeat_interval_ms=heartbeat,
            rebalance_timeout_ms=_int(p, "rebalance.timeout.ms", 1),
            sync_timeout_ms=_int(p, "worker.sync.timeout.ms", 1), unsync_backoff_ms=_int(p, "worker.unsync.backoff.ms"),
            key_algorithm=algorithms["inter.worker.key.generation.algorithm"],
            key_size=_int(p, "inter.worker.key.size", 8) if size else None,
            key_ttl_ms=_int(p, "inter.worker.key.ttl.ms"),
            signature_algorithm=algorithms["inter.worker.signature.algorithm"],
            verification_algorithms=verification, client_id=p.get("client.id", "").strip())

    def client_id_base(self) -> str:
        """`<group.id>-[<client.id>-]`, the prefix of the internal clients' ids (Apache's clientIdBase)."""
        return f"{self.group_id}-" + (f"{self.client_id}-" if self.client_id else "")


def topic_settings(props: Mapping[str, str], prefix: str) -> dict[str, str]:
    """The `<prefix><topic config>` keys passed on when an internal topic is created."""
    out = {k[len(prefix):]: v for k, v in props.items() if k.startswith(prefix)}
    for known in ("topic", "replication.factor", "partitions", "cleanup.policy"):
        out.pop(known, None)
    return out
