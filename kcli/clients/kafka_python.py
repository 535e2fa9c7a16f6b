"""kafka-python's client settings from Java-style client properties (security included).

kcli's clients are confluent-kafka's; kafka-python serves only where librdkafka exposes nothing: Connect's
group membership (a custom protocol type), broker configs librdkafka cannot name or fully describe, and the
group requests of kcli.admin.groups_wire (ListGroups in the brokers' order, ConsumerGroupDescribe).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kcli.errors import ConfigError

_SIMPLE = {"security.protocol": "security_protocol", "sasl.mechanism": "sasl_mechanism",
           "ssl.key.password": "ssl_password", "client.dns.lookup": "client_dns_lookup"}
_NUMBERS = {"request.timeout.ms": "request_timeout_ms", "retry.backoff.ms": "retry_backoff_ms",
            "reconnect.backoff.ms": "reconnect_backoff_ms", "reconnect.backoff.max.ms": "reconnect_backoff_max_ms",
            "metadata.max.age.ms": "metadata_max_age_ms", "connections.max.idle.ms": "connections_max_idle_ms"}


def kafka_python_config(props: Mapping[str, str], client_id: str) -> dict[str, Any]:
    """kafka-python's keyword settings for the Java client properties `props`; a malformed number is a
    ConfigError naming the key."""
    from kcli.clients.translate import parse_jaas

    cfg: dict[str, Any] = {
        "bootstrap_servers": [s.strip() for s in props.get("bootstrap.servers", "localhost:9092").split(",")
                              if s.strip()],
        "client_id": client_id,
    }
    for key, value in props.items():
        if key in _SIMPLE:
            cfg[_SIMPLE[key]] = value.strip()
        elif key in _NUMBERS:
            try:
                cfg[_NUMBERS[key]] = int(value)
            except ValueError:
                raise ConfigError(f"Invalid value {value} for configuration {key} (key '{key}')") from None
    if "sasl.jaas.config" in props:
        _, options = parse_jaas(props["sasl.jaas.config"])
        if "username" in options:
            cfg["sasl_plain_username"] = options["username"]
        if "password" in options:
            cfg["sasl_plain_password"] = options["password"]
    if "ssl.truststore.location" in props:
        cfg["ssl_cafile"] = props["ssl.truststore.location"]
    if "ssl.keystore.location" in props:
        cfg["ssl_certfile"] = cfg["ssl_keyfile"] = props["ssl.keystore.location"]
    if "ssl.endpoint.identification.algorithm" in props:
        cfg["ssl_check_hostname"] = props["ssl.endpoint.identification.algorithm"].strip().lower() == "https"
    return cfg
