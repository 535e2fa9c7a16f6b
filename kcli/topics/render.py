"""Formatters for `kcli topics`: Apache's text layout byte for byte, structured data, rich tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kcli.admin import render as admin_render
from kcli.admin.configs import ConfigItem
from kcli.topics.service import PartitionInfo, TopicInfo


def _ids(ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in ids)


def _elr(ids: list[int] | None) -> str:
    return "N/A" if ids is None else _ids(ids)


def _pairs(items: Iterable[ConfigItem]) -> str:
    """`k=v,k=v`; a sensitive (hidden) value prints as Java prints a null: `null`."""
    return ",".join(f"{c.name}={'null' if c.value is None else c.value}" for c in items)


def topic_line(topic: TopicInfo) -> str:
    """`Topic: t\\tTopicId: …\\tPartitionCount: n\\tReplicationFactor: r\\tConfigs: k=v,…`."""
    configs = _pairs(topic.overrides)
    tid = f"\tTopicId: {topic.topic_id}" if topic.topic_id else ""
    return (f"Topic: {topic.name}{tid}\tPartitionCount: {len(topic.partitions)}"
            f"\tReplicationFactor: {topic.replication_factor}\tConfigs: {configs}")


def partition_line(topic: str, p: PartitionInfo) -> str:
    leader = "none" if p.leader is None else str(p.leader)
    return (f"\tTopic: {topic}\tPartition: {p.partition}\tLeader: {leader}\tReplicas: {_ids(p.replicas)}"
            f"\tIsr: {_ids(p.isr)}\tElr: {_elr(p.elr)}\tLastKnownElr: {_elr(p.last_known_elr)}")


def describe_text(rows: Sequence[tuple[TopicInfo, bool, list[PartitionInfo]]]) -> str:
    """Lines for (topic, print its topic line, partitions to print) rows, as kafka-topics prints them."""
    lines: list[str] = []
    for topic, show_topic, parts in rows:
        if show_topic:
            lines.append(topic_line(topic))
        lines.extend(partition_line(topic.name, p) for p in parts)
    return "".join(line + "\n" for line in lines)


def describe_tables(rows: Sequence[tuple[TopicInfo, bool, list[PartitionInfo]]]) -> None:
    """The `-o table` describe: one table of topics, one of partitions."""
    print_table("Topics", ["Topic", "TopicId", "PartitionCount", "ReplicationFactor", "Configs"],
                [(t.name, t.topic_id, len(t.partitions), t.replication_factor,
                  _pairs(t.overrides)) for t, show, _ in rows if show])
    print_table("Partitions", ["Topic", "Partition", "Leader", "Replicas", "Isr", "Elr", "LastKnownElr"],
                [(t.name, p.partition, "none" if p.leader is None else p.leader, _ids(p.replicas), _ids(p.isr),
                  _elr(p.elr), _elr(p.last_known_elr)) for t, _, parts in rows for p in parts])


def partition_dict(p: PartitionInfo) -> dict[str, Any]:
    return {"partition": p.partition, "leader": p.leader, "replicas": p.replicas, "isr": p.isr,
            "elr": p.elr, "last_known_elr": p.last_known_elr}


def topic_dict(topic: TopicInfo, parts: Sequence[PartitionInfo] | None = None) -> dict[str, Any]:
    """The facts of the describe text as data (configs: the same non-default entries)."""
    return {
        "name": topic.name,
        "topic_id": topic.topic_id or None,
        "partition_count": len(topic.partitions),
        "replication_factor": topic.replication_factor,
        "configs": {c.name: c.value for c in topic.overrides},
        "partitions": [partition_dict(p) for p in (topic.partitions if parts is None else parts)],
    }


def configs_text(topic: str, items: Sequence[ConfigItem], show_all: bool) -> str:
    """kafka-configs --describe layout of one topic (kcli.admin.render)."""
    return admin_render.configs_text(admin_render.entity_header("topic", topic, show_all), items)


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A rich table on stdout (the `--output table` form), drawn by kcli.output."""
    from kcli.output import print_table as draw

    draw(columns, rows, title or None)
