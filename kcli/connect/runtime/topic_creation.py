"""Topic creation by source connectors (KIP-158, `topic.creation.*`): create a topic before its first record."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from kcli.connect.errors import ConnectError

if TYPE_CHECKING:
    from confluent_kafka.admin import AdminClient

log = logging.getLogger(__name__)

PREFIX = "topic.creation."
RESERVED = ("include", "exclude", "replication.factor", "partitions")


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


class TopicGroup:
    def __init__(self, name: str, config: Mapping[str, str], default: TopicGroup | None = None) -> None:
        sub = {k[len(f"{PREFIX}{name}."):]: v for k, v in config.items() if k.startswith(f"{PREFIX}{name}.")}
        self.name = name
        self.include = [re.compile(p) for p in _list(sub.get("include"))]
        self.exclude = [re.compile(p) for p in _list(sub.get("exclude"))]
        try:
            rf = sub.get("replication.factor") or (str(default.replication_factor) if default else None)
            parts = sub.get("partitions") or (str(default.partitions) if default else None)
            if rf is None or parts is None:
                raise ConnectError(f"Missing required configuration \"{PREFIX}{name}."
                                   f"{'replication.factor' if rf is None else 'partitions'}\"", 400)
            self.replication_factor: int = int(rf)
            self.partitions: int = int(parts)
        except ValueError as exc:
            raise ConnectError(f"Invalid topic creation setting in group {name}: {exc}", 400) from exc
        self.topic_config: dict[str, str] = {**(default.topic_config if default else {}),
                                             **{k: v for k, v in sub.items() if k not in RESERVED}}

    def matches(self, topic: str) -> bool:
        return any(p.fullmatch(topic) for p in self.include) and not any(p.fullmatch(topic) for p in self.exclude)


class TopicCreator:
    """Creates each new topic a source task writes to, with the first matching group's settings."""

    def __init__(self, groups: list[TopicGroup], default: TopicGroup,
                 admin_factory: Callable[[], AdminClient]) -> None:
        self._groups = groups
        self._default = default
        self._admin_factory = admin_factory
        self._admin: AdminClient | None = None
        self._known: set[str] = set()

    @classmethod
    def from_config(cls, enabled: bool, config: Mapping[str, str],
                    admin_factory: Callable[[], AdminClient]) -> TopicCreator | None:
        """None when the worker disables topic creation or the connector has no topic.creation.* keys."""
        if not enabled or not any(k.startswith(PREFIX) for k in config):
            return None
        default = TopicGroup("default", config)
        groups = [TopicGroup(g, config, default) for g in _list(config.get(f"{PREFIX}groups"))]
        return cls(groups, default, admin_factory)

    def group_for(self, topic: str) -> TopicGroup:
        return next((g for g in self._groups if g.matches(topic)), self._default)

    def ensure(self, topic: str) -> None:
        if topic in self._known:
            return
        from confluent_kafka.admin import NewTopic

        if self._admin is None:
            self._admin = self._admin_factory()
        if topic in self._admin.list_topics(timeout=30).topics:
            self._known.add(topic)
            return
        group = self.group_for(topic)
        new = NewTopic(topic, group.partitions, group.replication_factor, config=dict(group.topic_config))
        try:
            self._admin.create_topics([new])[topic].result(30)
            log.info("Created topic '%s' using creation group %s", topic, group.name)
        except Exception as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise ConnectError(f"Failed to create topic '{topic}' (group {group.name}): {exc}") from exc
        self._known.add(topic)
