"""DescribeConfigs and IncrementalAlterConfigs through kafka-python, for what librdkafka's binding cannot do.

confluent-kafka keys an entry's synonyms by name, so `DYNAMIC_BROKER_CONFIG:x=1, DEFAULT_CONFIG:x=2` comes
back as one synonym, and librdkafka refuses the empty resource name of the cluster-wide broker defaults.
kafka-python (already pinned for Connect's group membership) sends both requests as Kafka defines them;
its connection manager is internal API, which the exact version pin in pyproject.toml covers.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from kcli.admin.configs import ConfigItem
from kcli.errors import KafkaOperationError

BROKER = 4  # ConfigResource.Type.BROKER on the wire
TOPIC = 2
_SOURCES = {0: "UNKNOWN", 1: "DYNAMIC_TOPIC_CONFIG", 2: "DYNAMIC_BROKER_CONFIG", 3: "DYNAMIC_DEFAULT_BROKER_CONFIG",
            4: "STATIC_BROKER_CONFIG", 5: "DEFAULT_CONFIG", 6: "DYNAMIC_BROKER_LOGGER_CONFIG",
            7: "DYNAMIC_CLIENT_METRICS_CONFIG", 8: "DYNAMIC_GROUP_CONFIG"}
_SET, _DELETE = 0, 1


def _source(code: int) -> str:
    return _SOURCES.get(code, str(code))


def wire_item(config: Mapping[str, Any]) -> ConfigItem:
    """A ConfigItem from one DescribeConfigs result entry (kafka-python's dict of it)."""
    source = _source(int(config.get("config_source", 0)))
    return ConfigItem(
        name=config["name"],
        value=config.get("value"),
        source=source,
        is_default=source == "DEFAULT_CONFIG",
        sensitive=bool(config.get("is_sensitive")),
        read_only=bool(config.get("read_only")),
        synonyms=[(_source(int(s["source"])), s["name"], s.get("value")) for s in config.get("synonyms") or []],
    )


class WireAdmin:
    """A kafka-python admin client on one cluster; every request is bounded by `timeout` seconds."""

    def __init__(self, props: Mapping[str, str], timeout: float) -> None:
        self.bootstrap = props.get("bootstrap.servers", "")
        self.timeout = timeout
        ms = max(1, int(timeout * 1000))
        from kcli.clients.kafka_python import kafka_python_config

        cfg = kafka_python_config(props, "kcli-admin")
        cfg.update(request_timeout_ms=ms, bootstrap_timeout_ms=ms)
        import kafka.errors
        from kafka.admin import KafkaAdminClient

        self._errors = kafka.errors
        try:
            self.admin = KafkaAdminClient(**cfg)
        except kafka.errors.KafkaConfigurationError as exc:
            from kcli.errors import ConfigError

            raise ConfigError(f"client settings kafka-python cannot use: {exc}") from None
        except Exception as exc:
            raise self._fail(exc) from exc

    def close(self) -> None:
        try:
            self.admin.close()
        except Exception:  # closing is best effort: the command's answer is already in
            pass

    def _fail(self, exc: BaseException) -> KafkaOperationError:
        errors = self._errors
        if isinstance(exc, (errors.KafkaTimeoutError, errors.KafkaConnectionError, TimeoutError)):
            return KafkaOperationError(f"could not reach the Kafka broker at {self.bootstrap} within "
                                       f"{self.timeout:g}s ({exc})")
        return KafkaOperationError(str(exc) or type(exc).__name__)

    def _send(self, request: Any, node_id: int | None = None) -> Any:
        manager = self.admin._manager
        try:
            return manager.run(functools.partial(manager.send, node_id=node_id), request)
        except Exception as exc:
            raise self._fail(exc) from exc

    def broker_ids(self) -> list[int]:
        try:
            cluster = self.admin.describe_cluster()
        except Exception as exc:
            raise self._fail(exc) from exc
        return sorted(int(b["broker_id"]) for b in cluster.get("brokers") or [])

    def _check(self, code: int, message: str | None, subject: str) -> None:
        if code:
            reason = message or self._errors.for_code(code).message
            raise KafkaOperationError(reason if subject in reason else f"{reason} ({subject})")

    def describe_configs(self, restype: int, name: str, subject: str, node_id: int | None = None) -> list[ConfigItem]:
        """Every entry of one resource with all its synonyms (the default broker resource is name "")."""
        from kafka.protocol.admin import DescribeConfigsRequest

        request = DescribeConfigsRequest(resources=[(restype, name, None)], include_synonyms=True, min_version=1)
        response = self._send(request, node_id)
        items: list[ConfigItem] = []
        for result in response.results:
            self._check(result.error_code, result.error_message, subject)
            items += [wire_item(c.to_dict()) for c in result.configs]
        return items

    def alter_configs(self, restype: int, name: str, set_items: Mapping[str, str], delete_keys: Sequence[str],
                      subject: str, node_id: int | None = None) -> None:
        """One incremental alter (SET and DELETE) of one resource."""
        from kafka.protocol.admin import IncrementalAlterConfigsRequest

        ops = [(k, _DELETE, None) for k in delete_keys] + [(k, _SET, v) for k, v in set_items.items()]
        request = IncrementalAlterConfigsRequest(resources=[(restype, name, ops)], validate_only=False)
        response = self._send(request, node_id)
        for result in response.responses:
            self._check(result.error_code, result.error_message, subject)
