"""The iteration order of Java's HashMap, for outputs that Apache's tools print straight out of one.

Apache's tools often print a `java.util.HashMap` as they filled it; to print the same bytes kcli
orders its keys the way Java iterates them: by bucket (the spread hash masked by the table size),
insertion order within a bucket.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

_K = TypeVar("_K")


def java_string_hash(text: str) -> int:
    """Java's String.hashCode over UTF-16 code units, as an unsigned 32-bit value."""
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h


def sized_capacity(n: int) -> int:
    """Table size of a `new HashMap<>(n)` after n insertions."""
    cap = 1
    while cap < max(n, 1):
        cap <<= 1
    while n > int(cap * 0.75):
        cap <<= 1
    return cap


def copy_capacity(n: int) -> int:
    """Table size of `new HashMap<>(otherMapOfSizeN)`."""
    cap = 1
    while cap < int(n / 0.75 + 1.0):
        cap <<= 1
    while n > int(cap * 0.75):
        cap <<= 1
    return cap


def default_capacity(size: int) -> int:
    """Table size of a `new HashMap<>()` (16, doubled whenever more than 3/4 full) after `size` insertions."""
    cap = 16
    while size > cap * 3 // 4:
        cap <<= 1
    return cap


def hashmap_order(keys: Sequence[_K], hash_of: Callable[[_K], int], capacity: int | None = None) -> list[_K]:
    """`keys`, inserted in this order into a HashMap of `capacity` (default: a default-built map's), as Java
    iterates them. `hash_of` gives Java's hashCode as an unsigned or signed 32-bit value."""
    cap = capacity or default_capacity(len(keys))

    def bucket(key: _K) -> int:
        h = hash_of(key) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (cap - 1)

    return sorted(keys, key=bucket)  # stable: insertion order within a bucket, as a resize keeps it


def topic_partition_hash(key: tuple[str, int]) -> int:
    """org.apache.kafka.common.TopicPartition.hashCode: 31 * (31 + partition) + topic.hashCode()."""
    topic, partition = key
    return (31 * (31 + partition) + java_string_hash(topic)) & 0xFFFFFFFF


def string_order(keys: Sequence[str]) -> list[str]:
    """A HashMap<String, …> filled with `keys` in this order, as Java iterates it."""
    return hashmap_order(keys, java_string_hash)


def topic_partition_order(keys: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """A HashMap<TopicPartition, …> filled with `keys` in this order, as Java iterates it."""
    return hashmap_order(keys, topic_partition_hash)
