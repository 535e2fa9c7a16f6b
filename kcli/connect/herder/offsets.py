"""Offsets of connectors for the REST API (KIP-875): read, alter and reset; plugin config defs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kcli.connect.errors import BadRequestError, ConnectError
from kcli.connect.plugins import Plugins
from kcli.connect.storage.offset_store import canonical

if TYPE_CHECKING:
    from confluent_kafka.admin import AdminClient

    from kcli.connect.api.connector import Connector
    from kcli.connect.herder.abstract import AbstractHerder
    from kcli.connect.herder.base import JSON

ALTERED = "The offsets for this connector have been altered successfully"
RESET = "The offsets for this connector have been reset successfully"
EXTERNAL = ("The Connect framework-managed offsets for this connector have been {0} successfully. However, if this "
            "connector manages offsets externally, they will need to be manually {0} in the system that the "
            "connector uses.")


def _kind(herder: AbstractHerder, cfg: dict[str, str]) -> tuple[str, type[Connector]]:
    _, cls = herder.registry.connector_class(cfg.get("connector.class", ""))
    return Plugins.connector_type(cls), cls


def _group(cfg: dict[str, str]) -> str:
    return cfg.get("consumer.override.group.id") or f"connect-{cfg['name']}"


def _admin(herder: AbstractHerder, cfg: dict[str, str]) -> AdminClient:
    from kcli.connect.runtime.clients import admin_config, new_admin

    return new_admin(admin_config(herder.config, cfg))


def connector_offsets(herder: AbstractHerder, cfg: dict[str, str]) -> JSON:
    kind, _ = _kind(herder, cfg)
    if kind == "source":
        entries = herder.worker.offset_store.connector_offsets(cfg["name"])
        return {"offsets": [{"partition": p, "offset": o} for p, o in entries]}
    from confluent_kafka import ConsumerGroupTopicPartitions

    admin = _admin(herder, cfg)
    futures = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(_group(cfg))])
    try:
        result = next(iter(futures.values())).result(timeout=30)
    except Exception as exc:
        raise ConnectError(f"Failed to retrieve consumer group offsets for sink connector {cfg['name']}: {exc}") \
            from exc
    out = [{"partition": {"kafka_topic": tp.topic, "kafka_partition": tp.partition},
            "offset": {"kafka_offset": tp.offset}} for tp in result.topic_partitions or [] if tp.offset >= 0]
    return {"offsets": out}


def _sink_entries(offsets: list[JSON]) -> list[tuple[str, int, int | None]]:
    out = []
    for item in offsets:
        part, off = item.get("partition") or {}, item.get("offset")
        if "kafka_topic" not in part or "kafka_partition" not in part:
            raise BadRequestError("Partitions for sink connectors must contain the keys 'kafka_topic' and "
                                  "'kafka_partition'")
        try:
            partition = int(part["kafka_partition"])
        except (TypeError, ValueError):
            raise BadRequestError("Failed to parse the following Kafka partition value in the provided offsets: "
                                  f"'{part['kafka_partition']}'. Partition values for sink connectors need to be "
                                  "integers.") from None
        value = None
        if off is not None:
            if not isinstance(off, dict) or "kafka_offset" not in off:
                raise BadRequestError("Offsets for sink connectors must contain the key 'kafka_offset'")
            try:
                value = int(off["kafka_offset"])
            except (TypeError, ValueError):
                raise BadRequestError("Failed to parse the following Kafka offset value in the provided offsets: "
                                      f"'{off['kafka_offset']}'. Offset values for sink connectors need to be "
                                      "integers.") from None
            if value < 0:
                raise BadRequestError("Kafka offsets must be non-negative")
        out.append((str(part["kafka_topic"]), partition, value))
    return out


def _hook(cls: type[Connector], cfg: dict[str, str], offsets: dict[Any, Any]) -> bool:
    try:
        return bool(cls().alter_offsets(dict(cfg), offsets))
    except ConnectError:
        raise
    except Exception as exc:
        raise BadRequestError(f"Failed to alter offsets: {exc}") from exc


def alter(herder: AbstractHerder, cfg: dict[str, str], offsets: list[JSON]) -> dict[str, str]:
    if not offsets:
        raise BadRequestError("Partitions / offsets need to be provided for an alter offsets request")
    kind, cls = _kind(herder, cfg)
    if kind == "source":
        hook_offsets = {}
        changes = {}
        for item in offsets:
            part, off = item.get("partition"), item.get("offset")
            if not isinstance(part, dict):
                raise BadRequestError("Source partitions may not be null")
            hook_offsets[canonical(part)] = off
            changes[canonical(part)] = (part, off)
        managed = _hook(cls, cfg, {_Frozen(p): o for p, o in changes.values()})
        herder.worker.offset_store.set(cfg["name"], changes)
        return {"message": ALTERED if managed else EXTERNAL.format("altered")}
    entries = _sink_entries(offsets)
    from kcli.connect.api.records import TopicPartition

    managed = _hook(cls, cfg, {TopicPartition(t, p): o for t, p, o in entries})
    from confluent_kafka import ConsumerGroupTopicPartitions
    from confluent_kafka import TopicPartition as KTP

    to_set = [KTP(t, p, o) for t, p, o in entries if o is not None]
    if any(o is None for _, _, o in entries):
        raise ConnectError("Resetting single partitions of a sink connector is not supported by kcli yet; "
                           "use DELETE /connectors/{name}/offsets")
    admin = _admin(herder, cfg)
    futures = admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(_group(cfg), to_set)])
    try:
        for f in futures.values():
            f.result(timeout=30)
    except Exception as exc:
        raise ConnectError(f"Failed to alter consumer group offsets for connector {cfg['name']}: {exc}") from exc
    return {"message": ALTERED if managed else EXTERNAL.format("altered")}


def reset(herder: AbstractHerder, cfg: dict[str, str]) -> dict[str, str]:
    kind, cls = _kind(herder, cfg)
    if kind == "source":
        current = herder.worker.offset_store.connector_offsets(cfg["name"])
        managed = _hook(cls, cfg, {_Frozen(p): None for p, _ in current})
        herder.worker.offset_store.set(cfg["name"], {canonical(p): (p, None) for p, _ in current})
        return {"message": RESET if managed else EXTERNAL.format("reset")}
    managed = _hook(cls, cfg, {})
    admin = _admin(herder, cfg)
    futures = admin.delete_consumer_groups([_group(cfg)])
    for f in futures.values():
        try:
            f.result(timeout=30)
        except Exception as exc:
            text = str(exc)
            if "GROUP_ID_NOT_FOUND" in text:
                continue
            if "NON_EMPTY_GROUP" in text:
                raise ConnectError("Failed to reset consumer group offsets for connector: the connector's tasks "
                                   "haven't stopped completely yet") from exc
            raise ConnectError(f"Failed to reset consumer group offsets for connector {cfg['name']}: {exc}") \
                from exc
    return {"message": RESET if managed else EXTERNAL.format("reset")}


class _Frozen(dict[str, Any]):
    """A partition map usable as a dict key in the alter_offsets hook argument."""

    def __hash__(self) -> int:  # type: ignore[override]  # dict sets __hash__ = None (unhashable)
        return hash(canonical(self))


def plugin_config(registry: Plugins, plugin: str) -> list[JSON]:
    from kcli.connect.configdef import ConfigDef, config_def_json

    full, kind, cls = registry.plugin(plugin)
    instance = cls()
    own = instance.config_def() if hasattr(instance, "config_def") else None
    cd = ConfigDef(own) if own is not None else ConfigDef()
    if kind in ("source", "sink"):
        from kcli.connect.herder.validation import _framework_def

        cd.define_all(_framework_def(kind))
    return config_def_json(cd)
