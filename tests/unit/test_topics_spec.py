"""Parsing of topic filters, specs, configs and replica assignments (no broker)."""

from __future__ import annotations

import pytest

from kcli.errors import UsageError
from kcli.java_order import java_string_hash
from kcli.topics.spec import (
    TopicFilter,
    has_collision_chars,
    java_hashmap_order,
    parse_configs,
    parse_replica_assignment,
    parse_topic_spec,
    parse_topic_specs,
    select_topics,
)


def test_filter_is_a_full_match_regex_with_apache_rewrites() -> None:
    assert TopicFilter.parse("orders-.*").allows("orders-eu")
    assert not TopicFilter.parse("orders").allows("orders-eu")  # full match, not search
    assert TopicFilter.parse("a, b").allows("b")  # ',' means '|', spaces dropped
    assert TopicFilter.parse("'quoted'").allows("quoted")
    assert not TopicFilter.parse(".*").allows("__consumer_offsets", exclude_internal=True)


def test_invalid_regex_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="is an invalid regex"):
        TopicFilter.parse("(unclosed")


def test_select_topics_sorts_and_filters_internal() -> None:
    names = ["b", "__consumer_offsets", "a"]
    assert select_topics(names, None, False) == ["__consumer_offsets", "a", "b"]
    assert select_topics(names, None, True) == ["a", "b"]
    assert select_topics(names, "[ab]", False) == ["a", "b"]


def test_topic_spec_forms() -> None:
    spec = parse_topic_spec("events:3:1:compact")
    assert (spec.name, spec.partitions, spec.replication_factor, spec.configs) == (
        "events", 3, 1, {"cleanup.policy": "compact"})
    assert parse_topic_spec("plain").partitions is None
    assert [s.name for s in parse_topic_specs(["a:1:1,b:2:1", "c"])] == ["a", "b", "c"]


@pytest.mark.parametrize("bad", ["x:one:1", ":1:1", "a:1:1:compact:extra"])
def test_bad_topic_spec(bad: str) -> None:
    with pytest.raises(UsageError, match="invalid topic spec"):
        parse_topic_spec(bad)


def test_configs_follow_apache_split() -> None:
    assert parse_configs(["retention.ms = 1000", "cleanup.policy=compact"]) == {
        "retention.ms": "1000", "cleanup.policy": "compact"}
    for bad in ("novalue", "k=", "a=b=c"):
        with pytest.raises(UsageError, match="key=val"):
            parse_configs([bad])


def test_replica_assignment() -> None:
    assert parse_replica_assignment("1:2, 3:4") == [[1, 2], [3, 4]]
    with pytest.raises(UsageError, match="duplicate"):
        parse_replica_assignment("1:1")
    with pytest.raises(UsageError, match="different replication factor"):
        parse_replica_assignment("1:2,3")


def test_collision_chars() -> None:
    assert has_collision_chars("a.b") and has_collision_chars("a_b")
    assert not has_collision_chars("a-b")


def test_java_string_hash_matches_java() -> None:
    assert java_string_hash("hello") == 99162322
    assert java_string_hash("polygenelubricants") == 0x80000000  # Integer.MIN_VALUE, unsigned
    assert java_string_hash("") == 0


def test_java_hashmap_order_is_a_permutation_in_bucket_order() -> None:
    names = sorted(f"topic-{i}" for i in range(20))
    order = java_hashmap_order(names)
    assert sorted(order) == names
    assert java_hashmap_order(["only"]) == ["only"]
    assert java_hashmap_order([]) == []
