"""Dynamic configs as kafka-configs.sh sees them: one entry of DescribeConfigs, and the describe and
incremental-alter calls on a resource (a topic or a broker)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from confluent_kafka.admin import ConfigEntry, ConfigSource

    from kcli.admin.session import AdminSession


@dataclass
class ConfigItem:
    """One config entry of a resource as DescribeConfigs returns it; synonyms are (source, name, value)."""

    name: str
    value: str | None
    source: str
    is_default: bool
    sensitive: bool = False
    read_only: bool = False
    synonyms: list[tuple[str, str, str | None]] = field(default_factory=list)


def source_name(source: ConfigSource | int) -> str:
    """Kafka's name of a config source (DYNAMIC_BROKER_CONFIG…), as Java's ConfigSource prints it."""
    from confluent_kafka.admin import ConfigSource

    try:
        return ConfigSource(source).name
    except ValueError:
        return str(source)


def config_item(entry: ConfigEntry) -> ConfigItem:
    synonyms = [(source_name(s.source), s.name, s.value) for s in (entry.synonyms or {}).values()]
    return ConfigItem(
        name=entry.name,
        value=entry.value,
        source=source_name(entry.source),
        is_default=bool(entry.is_default),
        sensitive=bool(entry.is_sensitive),
        read_only=bool(entry.is_read_only),
        synonyms=synonyms,
    )


def describe_configs(session: AdminSession, restype: str, name: str, subject: str | None = None) -> list[ConfigItem]:
    """Every config entry of one resource ("topic", "broker"), with its synonyms."""
    from confluent_kafka.admin import ConfigResource

    futs = session._submit(session.admin.describe_configs, [ConfigResource(restype, name)], **session._opts())
    entries = session._result(next(iter(futs.values())), subject)
    return [config_item(e) for e in entries.values()]


def alter_configs(session: AdminSession, restype: str, name: str, set_items: Mapping[str, str],
                  delete_keys: Sequence[str], subject: str | None = None) -> None:
    """kafka-configs --alter --add-config/--delete-config as one incremental alter of one resource."""
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource

    entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in set_items.items()]
    entries += [ConfigEntry(k, None, incremental_operation=AlterConfigOpType.DELETE) for k in delete_keys]
    res = ConfigResource(restype, name, incremental_configs=entries)
    futs = session._submit(session.admin.incremental_alter_configs, [res], **session._opts())
    for fut in futs.values():
        session._result(fut, subject)
