"""Build confluent-kafka Admin/Producer/Consumer clients from Java-style client settings."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from kcli.clients.translate import RENAMED, producer_partitioner, to_librdkafka
from kcli.errors import ConfigError
from kcli.logs import debug_enabled, logging_configured

if TYPE_CHECKING:
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient

_Client = TypeVar("_Client")

_NO_SUCH_KEY = re.compile(r'No such configuration property: "([^"]+)"')
_BAD_VALUE = re.compile(r'(?:Invalid value|Expected) .*?for configuration property "([^"]+)"')


_KEY_AT_END = re.compile(r"\(key '([^']+)'\)$")

# librdkafka drops the bootstrap connection once the first metadata names the broker, then waits half of
# reconnect.backoff.ms (its default: 100 ms) before it connects to that broker: 50 ms of every short command
# (kcat -L too). The first reconnect sooner; the backoff still doubles up to reconnect.backoff.max.ms.
RECONNECT_BACKOFF_MS = "20"


def _where(error: ConfigError, config: Mapping[str, str]) -> ConfigError:
    """Add the file (or -X) that gave the key an error names, when the config remembers it."""
    origins: Mapping[str, str] = getattr(config, "origins", {})
    m = _KEY_AT_END.search(error.message)
    if not m:
        return error
    key = m.group(1)
    java_key = next((j for j, r in RENAMED.items() if r == key), key)
    origin = origins.get(key) or origins.get(java_key)
    if not origin:
        return error
    return ConfigError(error.message[:m.start()] + f"(key '{key}' in {origin})")


def client_settings(config: Mapping[str, str], kwargs: Mapping[str, Any], producer: bool = False) -> dict[str, Any]:
    """librdkafka's settings for a client of these Java-style settings, plus kcli's defaults."""
    try:
        conf: dict[str, Any] = dict(to_librdkafka(config))
        conf.update(kwargs)
        if producer and "partitioner" not in conf:
            # keys go to the partitions Java's producers pick (librdkafka's own default is consistent_random)
            conf["partitioner"] = producer_partitioner(config)
    except ConfigError as exc:
        raise _where(exc, config) from None
    conf.setdefault("reconnect.backoff.ms", RECONNECT_BACKOFF_MS)
    if "log_level" not in conf and "logger" not in conf:
        conf.update(_librdkafka_logging())
    return conf


def refused(text: str, config: Mapping[str, str]) -> ConfigError:
    """The one-line error for settings librdkafka refused with `text`, naming the key and where it was set."""
    m = _NO_SUCH_KEY.search(text)
    if m:
        error = ConfigError(f"librdkafka does not know this client setting (key '{m.group(1)}')")
    elif "sasl.username and sasl.password must be set" in text:
        error = ConfigError("SASL PLAIN/SCRAM needs a user and password: set sasl.jaas.config to '…LoginModule "
                            "required username=\"…\" password=\"…\";' (key 'sasl.jaas.config')")
    elif m := _BAD_VALUE.search(text):
        error = ConfigError(f"{text} (key '{m.group(1)}')")
    else:
        error = ConfigError(f"invalid client configuration: {text}")
    return _where(error, config)


def _construct(cls: Callable[[dict[str, Any]], _Client], config: Mapping[str, str], kwargs: dict[str, Any],
               producer: bool = False) -> _Client:
    from confluent_kafka import KafkaException

    try:
        return cls(client_settings(config, kwargs, producer))
    except (KafkaException, ValueError, TypeError) as exc:
        text = str(exc.args[0].str() if exc.args and hasattr(exc.args[0], "str") else exc)
        raise refused(text, config) from None


def _librdkafka_logging() -> dict[str, Any]:
    """Where librdkafka's own log lines go: nowhere by default (errors reach the user through the
    command's one-line error), through kcli's log4j layout where a command set up logging (the
    Connect worker), and raw on stderr with --debug or --log-level DEBUG/TRACE."""
    if debug_enabled() or os.environ.get("KCLI_LOG_LEVEL", "").upper() in ("DEBUG", "TRACE"):
        return {}
    if logging_configured():
        return {"logger": logging.getLogger("librdkafka")}
    return {"log_level": 0}


def make_admin(config: Mapping[str, str], **kwargs: Any) -> AdminClient:
    from confluent_kafka.admin import AdminClient

    return _construct(AdminClient, config, kwargs)


def make_producer(config: Mapping[str, str], **kwargs: Any) -> Producer:
    """A Producer; unless `partitioner` is set (config or kwargs), keyed records are partitioned as Java does."""
    from confluent_kafka import Producer

    return _construct(Producer, config, kwargs, producer=True)


def make_consumer(config: Mapping[str, str], **kwargs: Any) -> Consumer:
    from confluent_kafka import Consumer

    return _construct(Consumer, config, kwargs)
