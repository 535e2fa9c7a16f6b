"""Connector config validation shared by the herders (Apache's AbstractHerder.validateConnectorConfig)."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from kcli.connect.errors import BadRequestError
from kcli.connect.plugins import Plugins
from kcli.connect.runtime.clients import override_errors

if TYPE_CHECKING:
    from kcli.connect.configdef import ConfigDef
    from kcli.connect.herder.base import JSON


def _framework_def(kind: str) -> ConfigDef:
    from kcli.connect import configdef

    return configdef.sink_connector_config_def() if kind == "sink" else configdef.source_connector_config_def()


def _sink_topic_errors(config: Mapping[str, str]) -> dict[str, list[str]]:
    topics = [t.strip() for t in config.get("topics", "").split(",") if t.strip()]
    regex = config.get("topics.regex", "").strip()
    if topics and regex:
        msg = "topics and topics.regex are mutually exclusive options, but both are set."
        return {"topics": [msg], "topics.regex": [msg]}
    if not topics and not regex:
        msg = "Must configure one of topics or topics.regex"
        return {"topics": [msg], "topics.regex": [msg]}
    if regex:
        try:
            re.compile(regex)
        except re.error as exc:
            return {"topics.regex": [f"Invalid value {regex} for configuration topics.regex: {exc}"]}
    dlq = config.get("errors.deadletterqueue.topic.name", "").strip()
    if dlq and (dlq in topics or (regex and re.fullmatch(regex, dlq))):
        msg = f"The DLQ topic '{dlq}' may not be included in the list of topics ('topics'/'topics.regex') to " \
              "consume from"
        return {"errors.deadletterqueue.topic.name": [msg]}
    return {}


def validate(plugins: Plugins, override_policy: str, config: Mapping[str, str],
             allowlist: Collection[str] = ()) -> tuple[str, JSON]:
    """(connector type, ConfigInfos) for a connector config; raises BadRequestError when no class."""
    from kcli.connect.configdef import ConfigDef, validation_result

    class_name = config.get("connector.class")
    if not class_name:
        raise BadRequestError(f"Connector config {json.dumps(dict(config))} contains no connector type")
    _, cls = plugins.connector_class(class_name)
    kind = Plugins.connector_type(cls)
    connector = cls()
    own = connector.config_def()
    full = ConfigDef(own) if own is not None else ConfigDef()
    full.define_all(_framework_def(kind))
    extra: dict[str, list[str]] = {}

    def add(errors: Mapping[str, Any]) -> None:
        for key, msgs in errors.items():
            extra.setdefault(key, []).extend([msgs] if isinstance(msgs, str) else list(msgs))

    add(override_errors(override_policy, config, allowlist))
    if kind == "sink":
        add(_sink_topic_errors(config))
    try:
        add(connector.validate(dict(config)) or {})
    except Exception as exc:
        extra.setdefault("connector.class", []).append(str(exc))
    return kind, validation_result(class_name, full, config, extra)


def error_messages(infos: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for item in infos.get("configs", []):
        out.extend(item["value"].get("errors") or [])
    return out


def check(plugins: Plugins, override_policy: str, config: Mapping[str, str], allowlist: Collection[str] = ()) -> str:
    """Validate for create/update; raise BadRequestError with Apache's message; return the type."""
    kind, infos = validate(plugins, override_policy, config, allowlist)
    if infos["error_count"]:
        errors = error_messages(infos)
        raise BadRequestError(
            f"Connector configuration is invalid and contains the following {len(errors)} error(s):\n"
            + "".join(e + "\n" for e in errors)
            + "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/"
              "validate`")
    return kind
