"""--to-datetime and --by-duration as Kafka 4.3.1 reads them (values checked against the jar's
Utils.getDateTime and java.time.Duration in tests/reference/test_groups_reset_reference.py), and the
CSV of --export / --from-file as Apache's Jackson writer and reader handle it."""

from __future__ import annotations

import pytest

from kcli.errors import UsageError
from kcli.groups.reset import GroupPlan
from kcli.groups.reset_csv import csv_value, export_csv, parse_plan
from kcli.groups.reset_time import duration_timestamp, parse_datetime, parse_duration_nanos

BASE = 1796168883500  # 2026-12-01T23:48:03.500Z


@pytest.mark.parametrize("text", [
    "2026-12-01T23:48:03.500", "2026-12-01T23:48:03.500Z", "2026-12-02T01:48:03.500+02:00",
    "2026-12-02T01:48:03.500+0200", "2026-12-02T01:48:03.500+02", "2026-12-01T20:48:03.500-03:00",
    "2026-12-01T23:48:03.500Ztrailing text", "2026-12-01T 23:48:03.500",
])
def test_datetime_forms_apache_accepts(text: str) -> None:
    assert parse_datetime(text) == BASE


def test_datetime_millis_are_a_number_not_a_fraction() -> None:
    assert parse_datetime("2026-12-01T23:48:03.5") == BASE - 500 + 5  # SimpleDateFormat's SSS reads "5" as 5 ms


@pytest.mark.parametrize("text", [
    "2026-12-01T23:48:03", "2026-12-01", "garbage", "2026-13-01T00:00:00.000", "2026-02-29T00:00:00.000",
    "2026-12-01T24:00:00.000", "2026-12-01T23:48:03.1000", "2026-12-01T23:48:03.500+2", "1582-10-10T00:00:00.000",
])
def test_datetime_forms_apache_rejects_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--to-datetime"):
        parse_datetime(text)


def test_datetime_before_the_gregorian_cutover_is_julian_as_in_java() -> None:
    assert parse_datetime("1582-10-15T00:00:00.000") - parse_datetime("1582-10-04T00:00:00.000") == 86_400_000
    assert parse_datetime("1970-01-01T00:00:00.000") == 0


@pytest.mark.parametrize(("text", "nanos"), [
    ("P1D", 86_400 * 10**9), ("PT1H30M", 5_400 * 10**9), ("pt0.5s", 5 * 10**8), ("PT-0.5S", -5 * 10**8),
    ("-PT1S", -(10**9)), ("P1DT2H3M4.000000005S", (86_400 + 7_384) * 10**9 + 5), ("PT+3M", 180 * 10**9),
])
def test_durations_java_parses(text: str, nanos: int) -> None:
    assert parse_duration_nanos(text) == nanos


@pytest.mark.parametrize("text", ["1d", "P", "PT", "P1DT", "P1H", "PT1.5M", "P106751991167301D", ""])
def test_durations_java_rejects_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--by-duration"):
        parse_duration_nanos(text)


def test_by_duration_is_now_minus_the_duration() -> None:
    assert duration_timestamp("PT1H", BASE) == BASE - 3_600_000
    assert duration_timestamp("PT0.0005S", BASE) == BASE - 1  # floored as Instant.toEpochMilli floors


@pytest.mark.parametrize(("value", "written"), [
    ("rs-b", "rs-b"), ("x y", '"x y"'), ("a,b", '"a,b"'), ('q"x', '"q""x"'), ("#h", '"#h"'), ("semi;c", "semi;c"),
    ("back\\x", '"back\\x"'), ("é", "é"), ("g" * 24, "g" * 24), ("h" * 25, '"' + "h" * 25 + '"'), ("-lead", "-lead"),
])
def test_csv_values_are_quoted_as_jackson_quotes_them(value: str, written: str) -> None:
    # each pair observed in kafka-consumer-groups 4.3.1 --export output
    assert csv_value(value) == written


def test_export_with_and_without_the_group_column() -> None:
    plans = [GroupPlan("rs-gb", {("rs-b", 0): 3, ("rs-b", 1): 10}), GroupPlan("rs-nosuch3", {("rs-b", 2): 0})]
    assert export_csv(plans[:1], with_group=False) == "rs-b,0,3\nrs-b,1,10\n\n"
    assert export_csv(plans, with_group=True) == "rs-nosuch3,rs-b,2,0\nrs-gb,rs-b,0,3\nrs-gb,rs-b,1,10\n\n"
    assert export_csv([GroupPlan("g", refused="active")], with_group=False) == "\n"


def test_plan_round_trips_both_forms() -> None:
    plans = [GroupPlan("a,b", {("t" * 30, 0): 3}), GroupPlan("g2", {("t2", 5): 0})]
    text = export_csv(plans, with_group=True)
    assert parse_plan(text, ["a,b", "g2"], "f.csv") == {"a,b": {("t" * 30, 0): 3}, "g2": {("t2", 5): 0}}
    one = export_csv(plans[:1], with_group=False)
    assert parse_plan(one, ["a,b"], "f.csv") == {"a,b": {("t" * 30, 0): 3}}


def test_plan_reading_follows_apache() -> None:
    assert parse_plan("t,0,3\r\nt,1,4\r\n", ["g"], "f") == {"g": {("t", 0): 3, ("t", 1): 4}}
    assert parse_plan("t, 0, 3\n", ["g"], "f") == {"g": {("t", 0): 3}}
    assert parse_plan('"t","0","3"\n', ["g"], "f") == {"g": {("t", 0): 3}}
    assert parse_plan("t,0,3\nt,0,6\n", ["g"], "f") == {"g": {("t", 0): 6}}  # the last line wins
    # one group named, a file with the group column: read with it (other groups' lines are kept, unused)
    assert parse_plan("g,t,0,3\nother,t,1,4\n", ["g"], "f") == {"g": {("t", 0): 3}, "other": {("t", 1): 4}}


@pytest.mark.parametrize(("text", "groups", "message"), [
    ("", ["g"], "the reset plan is empty (f.csv)"),
    ("t,0,3\n\nt,1,4\n", ["g"], "empty line in the reset plan (f.csv:2)"),
    ("topic,partition,offset\nt,0,3\n", ["g"], "expected GROUP,TOPIC,PARTITION,OFFSET"),
    ("t,0,3\n", ["g", "h"], "needs exactly one --group"),
    ("t,0,3\ng,t,1,4\n", ["g"], "TOPIC,PARTITION,OFFSET, as on the first line"),
    ("t,0,-5\n", ["g"], "Invalid negative offset -5 in the reset plan (f.csv:1)"),
    ("g,t,x,5\n", ["g"], "invalid partition 'x' in the reset plan (f.csv:1)"),
])
def test_bad_plans_are_usage_errors_naming_the_line(text: str, groups: list[str], message: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_plan(text, groups, "f.csv")
    assert message in err.value.message
