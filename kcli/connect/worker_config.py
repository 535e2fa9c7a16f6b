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


def _long(props: Mapping[str, str], key: str, minimum: int = 0) -> int:
    raw = props[key].strip()
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"Invalid value {raw} for configuration {key}: Not a number of type LONG (key '{key}')") \
            from None
    if value < minimum:
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
