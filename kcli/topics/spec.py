"""Parsing of what users type for topics: Apache's regex filter, config pairs, replica
assignments and the `NAME:PARTITIONS:REPLICAS[:cleanup.policy]` form of KAFKA_CREATE_TOPICS."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kcli.errors import UsageError
from kcli.java_order import copy_capacity, hashmap_order, java_string_hash, sized_capacity

# Topics the broker itself flags as internal (org.apache.kafka.common.internals.Topic).
INTERNAL_TOPICS = frozenset({"__consumer_offsets", "__transaction_state", "__share_group_state"})

COLLISION_WARNING = (
    "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could "
    "collide. To avoid issues it is best to use either, but not both."
)


def is_internal(topic: str) -> bool:
    return topic in INTERNAL_TOPICS


def has_collision_chars(topic: str) -> bool:
    """Apache warns on create when a name holds '.' or '_' (metric names map both to '_')."""
    return "." in topic or "_" in topic


def _java_to_python_regex(regex: str) -> str:
    """The few Java-only constructs users type in topic filters, rewritten for Python's `re`."""
    out = regex.replace(r"\p{Alnum}", "[A-Za-z0-9]").replace(r"\p{Alpha}", "[A-Za-z]")
    out = out.replace(r"\p{Digit}", "[0-9]").replace(r"\Q", "").replace(r"\E", "")
    return re.sub(r"\(\?<([A-Za-z][A-Za-z0-9]*)>", r"(?P<\1>", out)


@dataclass(frozen=True)
class TopicFilter:
    """Apache's IncludeList: trimmed, ',' means '|', spaces and surrounding quotes dropped, full match."""

    raw: str
    pattern: re.Pattern[str] = field(compare=False, repr=False)

    @classmethod
    def parse(cls, raw: str) -> TopicFilter:
        regex = raw.strip().replace(",", "|").replace(" ", "")
        regex = re.sub(r"^[\"']+", "", regex)
        regex = re.sub(r"[\"']+$", "", regex)
        try:
            pattern = re.compile(_java_to_python_regex(regex))
        except re.error:
            raise UsageError(f"{regex} is an invalid regex.") from None
        return cls(raw, pattern)

    def allows(self, topic: str, exclude_internal: bool = False) -> bool:
        return bool(self.pattern.fullmatch(topic)) and not (exclude_internal and is_internal(topic))


def select_topics(names: Iterable[str], topic: str | None, exclude_internal: bool) -> list[str]:
    """Sorted names that pass the --topic filter (all when None) and the internal-topic rule."""
    flt = TopicFilter.parse(topic) if topic else None
    out = []
    for name in sorted(names):
        if flt is not None:
            if flt.allows(name, exclude_internal):
                out.append(name)
        elif not (exclude_internal and is_internal(name)):
            out.append(name)
    return out


def parse_configs(items: Iterable[str]) -> dict[str, str]:
    """`--config k=v` pairs as Apache splits them (on '=' with surrounding spaces, exactly two parts)."""
    out: dict[str, str] = {}
    for item in items:
        parts = re.split(r"\s*=\s*", item)
        while parts and parts[-1] == "":  # Java's String.split drops trailing empty strings
            parts.pop()
        if len(parts) != 2:
            raise UsageError(f"invalid topic config '{item}': all configs must be in the format \"key=val\"")
        out[parts[0].strip()] = parts[1].strip()
    return out


def parse_replica_assignment(text: str) -> list[list[int]]:
    """`b1:b2,b3:b4` → [[b1, b2], [b3, b4]]: one broker list per partition, all the same length."""
    result: list[list[int]] = []
    for index, part in enumerate(text.split(",")):
        try:
            brokers = [int(b.strip()) for b in part.split(":")]
        except ValueError:
            raise UsageError(f"invalid --replica-assignment '{text}': broker ids must be integers") from None
        dupes = sorted({b for b in brokers if brokers.count(b) > 1})
        if dupes:
            raise UsageError("Partition replica lists may not contain duplicate entries: " + ",".join(map(str, dupes)))
        if result and len(brokers) != len(result[0]):
            raise UsageError(f"Partition {index} has different replication factor: {brokers}")
        result.append(brokers)
    return result


@dataclass
class TopicSpec:
    """One topic to create: name, optional partitions / replication factor / configs / assignment."""

    name: str
    partitions: int | None = None
    replication_factor: int | None = None
    configs: dict[str, str] = field(default_factory=dict)
    replica_assignment: list[list[int]] | None = None


def _spec_int(text: str, what: str, spec: str) -> int | None:
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"invalid topic spec '{spec}': {what} '{text}' is not a number "
                         "(expected NAME:PARTITIONS:REPLICAS[:cleanup.policy])") from None


def parse_topic_spec(spec: str) -> TopicSpec:
    """`NAME[:PARTITIONS[:REPLICAS[:cleanup.policy]]]`, the KAFKA_CREATE_TOPICS entry form."""
    parts = spec.split(":")
    if not parts[0] or len(parts) > 4:
        raise UsageError(f"invalid topic spec '{spec}' (expected NAME:PARTITIONS:REPLICAS[:cleanup.policy])")
    result = TopicSpec(parts[0])
    if len(parts) > 1:
        result.partitions = _spec_int(parts[1], "partitions", spec)
    if len(parts) > 2:
        result.replication_factor = _spec_int(parts[2], "replicas", spec)
    if len(parts) > 3 and parts[3]:
        result.configs["cleanup.policy"] = parts[3]
    return result


def parse_topic_specs(items: Sequence[str]) -> list[TopicSpec]:
    """Specs separated by spaces or commas (KAFKA_CREATE_TOPICS uses commas)."""
    return [parse_topic_spec(s) for item in items for s in item.split(",") if s.strip()]


def java_hashmap_order(sorted_names: list[str]) -> list[str]:
    """The order kafka-topics --describe prints topics in: the admin client hands back a HashMap
    (built from a HashMap copy of a HashMap filled in sorted order), and Java iterates by bucket."""
    n = len(sorted_names)
    order = hashmap_order(sorted_names, java_string_hash, sized_capacity(n))
    order = hashmap_order(order, java_string_hash, copy_capacity(n))
    return hashmap_order(order, java_string_hash, sized_capacity(n))
