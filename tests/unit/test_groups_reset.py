"""--reset-offsets planning without a broker: scope parsing, each strategy's new offsets, Apache's clamping,
fall-backs and notices, and the plan text byte for byte as kafka-consumer-groups 4.3.1 printed it."""

from __future__ import annotations

import pytest

from kcli.errors import KafkaOperationError, UsageError
from kcli.groups.reset import (
    MISSING_STRATEGY,
    GroupPlan,
    Offsets,
    Strategy,
    choose_strategy,
    empty_partition_notice,
    parse_scope,
    plan_group,
    plan_rows,
    plan_text,
    scope_partitions,
)
from kcli.java_order import default_capacity, string_order, topic_partition_order

T = "orders"
PARTS = [(T, 0), (T, 1), (T, 2)]


def facts(earliest: int = 2, latest: int = 10, for_time: dict | None = None) -> Offsets:
    return Offsets(earliest={tp: earliest for tp in PARTS}, latest={tp: latest for tp in PARTS},
                   for_time=for_time or {})


def test_scope_parses_topics_and_partitions_as_apache() -> None:
    scope = parse_scope(False, ["a:0,2", "b", "c:1,"])
    assert scope.partitions == (("a", 0), ("a", 2), ("c", 1)) and scope.topics == ("b",)
    assert parse_scope(True, []).all_topics and parse_scope(False, []).empty


@pytest.mark.parametrize(("arg", "message"), [
    ("t:1:2", "Invalid topic arg 't:1:2', expected topic name and partitions"),
    ("t:", "Invalid topic arg 't:', expected topic name and partitions"),
    ("t:x", "Invalid partition 'x' specified in topic arg 't:x'"),
    ("t:0,,1", "Invalid partition '' specified in topic arg 't:0,,1'"),
    ("t:2147483648", "Invalid partition '2147483648' specified in topic arg 't:2147483648'"),
])
def test_bad_topic_args_are_usage_errors_in_apaches_words(arg: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_scope(False, [arg])
    assert err.value.message == message


def test_all_topics_with_topic_is_refused() -> None:
    with pytest.raises(UsageError, match="all-topics"):
        parse_scope(True, ["t"])


def test_scope_partitions_all_topics_and_whole_topics() -> None:
    committed = {("b", 1): 5, ("a", 0): 3}
    assert scope_partitions(parse_scope(True, []), committed, {}) == [("a", 0), ("b", 1)]
    scope = parse_scope(False, ["x:3", "y", "x:3"])
    assert scope_partitions(scope, committed, {"y": [1, 0]}) == [("x", 3), ("y", 0), ("y", 1)]


def test_choose_strategy_needs_exactly_one() -> None:
    assert choose_strategy({"earliest": True, "offset": None}) == "earliest"
    with pytest.raises(UsageError) as err:
        choose_strategy({"earliest": False})
    assert err.value.message == MISSING_STRATEGY
    with pytest.raises(UsageError) as err:
        choose_strategy({"latest": True, "earliest": True})
    assert err.value.message == "Option \"[to-earliest]\" can't be used with option \"[to-latest]\""


def test_earliest_latest_and_current() -> None:
    f = facts()
    assert plan_group("g", Strategy("earliest"), PARTS, {}, f).offsets == dict.fromkeys(PARTS, 2)
    assert plan_group("g", Strategy("latest"), PARTS, {}, f).offsets == dict.fromkeys(PARTS, 10)
    # --to-current keeps a committed offset (even one below the log start) and takes the latest elsewhere
    current = plan_group("g", Strategy("current"), PARTS, {(T, 0): 1, (T, 1): 7}, f)
    assert current.offsets == {(T, 0): 1, (T, 1): 7, (T, 2): 10} and not current.clamps


def test_to_offset_is_clamped_with_apaches_warnings() -> None:
    plan = plan_group("g", Strategy("offset", 70), PARTS[:1], {}, facts())
    assert plan.offsets == {(T, 0): 10}
    assert [c.message for c in plan.clamps] == [
        "New offset (70) is higher than latest offset for topic partition orders-0. Value will be set to 10"]
    low = plan_group("g", Strategy("offset", -3), PARTS[:1], {}, facts())
    assert low.offsets == {(T, 0): 2}
    assert low.clamps[0].message == ("New offset (-3) is lower than earliest offset for topic partition orders-0. "
                                     "Value will be set to 2")


def test_shift_by_moves_from_the_committed_offset_and_clamps() -> None:
    plan = plan_group("g", Strategy("shift", -4), PARTS[:2], {(T, 0): 5, (T, 1): 9}, facts(earliest=2))
    assert plan.offsets == {(T, 0): 2, (T, 1): 5} and [c.tp for c in plan.clamps] == [(T, 0)]
    with pytest.raises(UsageError) as err:
        plan_group("g", Strategy("shift", 1), PARTS, {(T, 0): 5}, facts())
    assert err.value.message == ("Cannot shift offset for partition orders-1 since there is no current committed "
                                 "offset")


def test_datetime_falls_back_to_latest_where_no_record_is_that_recent() -> None:
    plan = plan_group("g", Strategy("datetime", 123), PARTS, {}, facts(for_time={(T, 0): 4, (T, 1): -1}))
    assert plan.offsets == {(T, 0): 4, (T, 1): 10, (T, 2): 10}
    assert set(plan.no_record_after) == {(T, 1), (T, 2)}
    assert empty_partition_notice((T, 1)) == "Warn: Partition 1 from topic orders is empty. Falling back to latest " \
                                             "known offset."


def test_from_file_takes_the_groups_lines_and_clamps() -> None:
    strategy = Strategy("file", plan={"g": {(T, 0): 99, (T, 1): 3}})
    plan = plan_group("g", strategy, [], {}, facts())
    assert plan.offsets == {(T, 0): 10, (T, 1): 3}
    with pytest.raises(UsageError, match="No reset plan for group other found"):
        plan_group("other", strategy, [], {}, facts())


def test_unknown_log_offsets_are_kafka_errors() -> None:
    with pytest.raises(KafkaOperationError, match="Error getting starting offset of topic partition: orders-0"):
        plan_group("g", Strategy("earliest"), PARTS[:1], {}, Offsets())


def test_topic_partition_order_is_javas_hashmap_order() -> None:
    # observed from kafka-consumer-groups 4.3.1: rs-a prints 1, 2, 0 and rs-b prints 2, 0, 1
    assert topic_partition_order([("rs-a", p) for p in range(3)]) == [("rs-a", 1), ("rs-a", 2), ("rs-a", 0)]
    assert topic_partition_order([("rs-b", p) for p in range(3)]) == [("rs-b", 2), ("rs-b", 0), ("rs-b", 1)]
    assert string_order(["rs-gb", "rs-nosuch2"]) == ["rs-nosuch2", "rs-gb"]
    assert [default_capacity(n) for n in (0, 12, 13, 24, 25)] == [16, 16, 32, 32, 64]


def test_plan_text_is_byte_for_byte_apaches() -> None:
    plans = [GroupPlan("rs-gb", {("rs-b", p): 4 for p in range(3)}), GroupPlan("rs-nosuch2", {("rs-b", 0): 4})]
    assert plan_text(plans) == (
        "\nGROUP           TOPIC           PARTITION  NEW-OFFSET"
        "\nrs-nosuch2      rs-b            0          4"
        "\nrs-gb           rs-b            2          4"
        "\nrs-gb           rs-b            0          4"
        "\nrs-gb           rs-b            1          4\n")
    wide = plan_text([GroupPlan("rs-gl", {("rs-long-topic-name-abcdefghij", 1): 0})])
    assert wide == ("\nGROUP           TOPIC                         PARTITION  NEW-OFFSET"
                    "\nrs-gl           rs-long-topic-name-abcdefghij 1          0\n")
    # an active group is an empty entry: the header still prints; no group at all is one empty line
    assert plan_text([GroupPlan("g", refused="…")]) == "\nGROUP           TOPIC           PARTITION  NEW-OFFSET\n"
    assert plan_text([]) == "\n"


def test_plan_rows_carry_the_offset_before_the_reset() -> None:
    rows = plan_rows([GroupPlan("g", {(T, 0): 3})], {"g": {(T, 0): 7}}, executed=False)
    assert rows == [{"group": "g", "topic": T, "partition": 0, "current_offset": 7, "new_offset": 3,
                     "executed": False}]
