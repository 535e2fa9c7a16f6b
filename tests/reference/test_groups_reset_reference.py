"""Reference: `kcli groups --reset-offsets` beside Apache's kafka-consumer-groups 4.3.1 on the same broker.

Every strategy in dry run (same group, byte-compared stdout, the same WARN lines) and executed (twin groups with
the same committed offsets, one reset by each tool: the same stdout, then the same `--describe` from Apache's tool
and the same offsets on the broker); --export / --from-file both ways; an active group, an unknown group, usage and
Kafka-side errors (Apache prints those on stdout and exits 0 or 1; kcli one line on stderr, exit 2 or 1); and the
--to-datetime / --by-duration parsers against the jar's Utils.getDateTime and java.time.Duration."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from kcli.errors import UsageError
from kcli.groups.reset_time import parse_datetime, parse_duration_nanos
from tests.helpers import concurrently, run_tool
from tests.integration.test_groups_reset import (
    active_member,
    commit,
    committed,
    delete_records,
    drop,
    groups_cmd,
    seed,
)
from tests.java_ref import compile_java

pytestmark = [pytest.mark.broker, pytest.mark.java]

COMMITTED = {0: 2, 1: 5, 2: 6}  # partition 2's log starts at 3 (records deleted), partition 3 has no commit
PARTITIONS = 4
WARN_LINE = re.compile(r"^\[[0-9-]+ [0-9:,]+\] WARN (.*) \((?:org\.apache\.kafka\.tools\.OffsetsUtils|kcli\.groups"
                       r"\.reset)\)$", re.M)
ERROR_LINE = re.compile(r"\nError: (.*)\n")


def apache(bootstrap: str, *args: str):
    return run_tool("kafka-consumer-groups", ["--bootstrap-server", bootstrap, *args])


def kcli(bootstrap: str, *args: str):
    return groups_cmd(bootstrap, *args)


def both(bootstrap: str, *args: str):
    """(kcli, Apache) given the same arguments at the same moment."""
    k, a = concurrently(lambda: kcli(bootstrap, *args), lambda: apache(bootstrap, *args))
    return k, a


def describe(bootstrap: str, group: str) -> str:
    """What Apache's tool shows of a group after a reset."""
    proc = apache(bootstrap, "--describe", "--group", group)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def describe_twins(bootstrap: str, group_k: str, group_a: str) -> tuple[str, str]:
    """describe() of kcli's twin (its name replaced by the other's) and of Apache's, run side by side."""
    k, a = concurrently(lambda: describe(bootstrap, group_k), lambda: describe(bootstrap, group_a))
    return k.replace(group_k, group_a), a


def stamp(ms: float, zone: str = "") -> str:
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{int(ms % 1000):03d}"
    return text + zone


def _world(bootstrap: str, topic: str) -> Iterator[tuple[str, int, list[str]]]:
    """A topic of 4 partitions x 10 records (partition 2 starting at offset 3) and twin groups (same length ids)
    holding the same committed offsets."""
    base = seed(bootstrap, topic, partitions=PARTITIONS)
    delete_records(bootstrap, topic, 2, 3)
    tag = uuid.uuid4().hex[:10]
    twins = [f"ga-{tag}", f"gk-{tag}"]
    for group in twins:
        commit(bootstrap, group, {(topic, p): o for p, o in COMMITTED.items()})
    yield topic, base, twins
    drop(bootstrap, topic, twins)


@pytest.fixture
def world(bootstrap: str, topic_name: str) -> Iterator[tuple[str, int, list[str]]]:
    """A world of its own, for a test that changes offsets or group members."""
    yield from _world(bootstrap, topic_name)


@pytest.fixture(scope="module")
def seen_world(bootstrap: str) -> Iterator[tuple[str, int, list[str]]]:
    """One world the dry runs and the refused commands share: they change nothing on the broker (the dry runs
    check that the offsets are still the same)."""
    yield from _world(bootstrap, f"t-reset-reference-{uuid.uuid4().hex[:8]}")


def strategy_cases(topic: str, base: int) -> list[list[str]]:
    return [
        ["--all-topics", "--to-earliest"],
        ["--topic", topic, "--to-latest"],
        ["--topic", topic, "--to-current"],
        ["--all-topics", "--to-offset", "1"],
        ["--all-topics", "--to-offset", "70"],
        ["--all-topics", "--shift-by", "-4"],
        ["--topic", f"{topic}:0,2", "--shift-by", "3"],
        ["--all-topics", "--to-datetime", stamp(base + 3500)],
        ["--topic", topic, "--to-datetime", stamp(base + 7200000 + 4000, "+02:00")],
        ["--all-topics", "--by-duration", "PT1M"],
        ["--topic", f"{topic}:1,3", "--by-duration", "P1D"],
    ]


CASE_IDS = ["earliest", "latest", "current", "offset-low", "offset-high", "shift-back", "shift-partitions",
            "datetime", "datetime-zone", "duration-empty", "duration-day"]


def warn_messages(stderr: str) -> list[str]:
    return WARN_LINE.findall(stderr)


# -- what the read-only tests compare: every command run once, up front, side by side ----------------------------
USAGE_CASES = [
    ["--all-topics"],
    ["--to-earliest"],
    ["--all-topics", "--to-earliest", "--to-latest"],
    ["--all-topics", "--to-earliest", "--dry-run", "--execute"],
    ["--topic", "TOPIC:1:2", "--to-earliest"],
    ["--topic", "TOPIC:3", "--shift-by", "1"],
]
USAGE_IDS = ["no-strategy", "no-scope", "two-strategies", "dry-run-and-execute", "bad-topic-arg", "shift-uncommitted"]
STDOUT_ERRORS = [
    (["--all-topics", "--to-datetime", "2026-01-01T10:00:00"], 2),  # no milliseconds: Apache cannot parse it
    (["--all-topics", "--to-datetime", "yesterday"], 2),
    (["--all-topics", "--by-duration", "1d"], 2),
    (["--topic", "TOPIC:0,9", "--to-earliest"], 1),
    (["--topic", "TOPIC-nope", "--to-earliest"], 1),
]
STDOUT_ERROR_IDS = ["datetime-no-millis", "datetime-words", "duration", "missing-partition", "missing-topic"]
Runs = tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]


def dry_run_args(world: tuple[str, int, list[str]], case: int) -> list[str]:
    topic, base, (group, _) = world
    return ["--reset-offsets", "--group", group, *strategy_cases(topic, base)[case]]


def usage_args(world: tuple[str, int, list[str]], args: list[str]) -> list[str]:
    topic, _, (group, _) = world
    return ["--reset-offsets", "--group", group, *(a.replace("TOPIC", topic) for a in args)]


def stdout_error_args(world: tuple[str, int, list[str]], args: list[str]) -> list[str]:
    return [*usage_args(world, args), "--dry-run"]


@pytest.fixture(scope="module")
def seen_runs(bootstrap: str, seen_world: tuple[str, int, list[str]]) -> dict[tuple[str, ...], Runs]:
    """(kcli, Apache) of every dry run, usage error and refused reset the tests below compare, keyed by the
    arguments: all run at the start, side by side (at most four processes at once), on the shared world, which none
    of them changes (each dry-run test checks the offsets once they have all run)."""
    commands = [*(dry_run_args(seen_world, case) for case in range(len(CASE_IDS))),
                *(usage_args(seen_world, args) for args in USAGE_CASES),
                *(stdout_error_args(seen_world, args) for args, _ in STDOUT_ERRORS)]
    runs = concurrently(*(partial(tool, bootstrap, *args) for args in commands for tool in (kcli, apache)))
    return {tuple(args): (k, a) for args, k, a in zip(commands, runs[::2], runs[1::2], strict=True)}


@pytest.mark.parametrize("case", range(len(CASE_IDS)), ids=CASE_IDS)
def test_dry_run_matches_apache(bootstrap: str, seen_world: tuple[str, int, list[str]],
                                seen_runs: dict[tuple[str, ...], Runs], case: int) -> None:
    topic, _, (group, _) = seen_world
    k, a = seen_runs[tuple(dry_run_args(seen_world, case))]
    assert (k.returncode, a.returncode) == (0, 0), (k.stderr, a.stdout, a.stderr)
    assert "\nGROUP " in a.stdout and k.stdout == a.stdout
    assert k.stderr.splitlines()[0] == a.stderr.splitlines()[0]  # Apache's WARN: no action without --execute
    assert warn_messages(k.stderr) == warn_messages(a.stderr)
    assert committed(bootstrap, group) == {(topic, p): o for p, o in COMMITTED.items()}


@dataclass(frozen=True)
class Executed:
    """One strategy executed on twin groups (Apache's reset `group_a`, kcli's `group_k`) and what followed."""

    group_a: str
    group_k: str
    runs: Runs  # (kcli, Apache) of the --execute
    committed: tuple[dict[tuple[str, int], int], dict[tuple[str, int], int]]  # (group_k's, group_a's)
    described: Runs  # Apache's --describe of (group_k, group_a)


@pytest.fixture(scope="module")
def executed(bootstrap: str) -> Iterator[list[Executed]]:
    """Every strategy executed, each on its own twin groups with the same committed offsets on one topic (as
    `_world` makes it): the resets all at once (at most four processes at a time), then the --describe runs."""
    topic = f"t-reset-execute-{uuid.uuid4().hex[:8]}"
    base = seed(bootstrap, topic, partitions=PARTITIONS)
    delete_records(bootstrap, topic, 2, 3)
    tag = uuid.uuid4().hex[:8]
    twins = [(f"ga-{tag}-{case:02d}", f"gk-{tag}-{case:02d}") for case in range(len(CASE_IDS))]
    for group in (g for pair in twins for g in pair):
        commit(bootstrap, group, {(topic, p): o for p, o in COMMITTED.items()})
    try:
        specs = strategy_cases(topic, base)
        resets = concurrently(*(partial(tool, bootstrap, "--reset-offsets", "--group", group, *spec, "--execute")
                                for (group_a, group_k), spec in zip(twins, specs, strict=True)
                                for tool, group in ((kcli, group_k), (apache, group_a))))
        shown = concurrently(*(partial(apache, bootstrap, "--describe", "--group", group)
                               for group_a, group_k in twins for group in (group_k, group_a)))
        yield [Executed(group_a, group_k, (resets[2 * i], resets[2 * i + 1]),
                        (committed(bootstrap, group_k), committed(bootstrap, group_a)),
                        (shown[2 * i], shown[2 * i + 1])) for i, (group_a, group_k) in enumerate(twins)]
    finally:
        drop(bootstrap, topic, [g for pair in twins for g in pair])


@pytest.mark.parametrize("case", range(len(CASE_IDS)), ids=CASE_IDS)
def test_execute_matches_apache(executed: list[Executed], case: int) -> None:
    run = executed[case]
    group_a, group_k = run.group_a, run.group_k
    k, a = run.runs
    assert (k.returncode, a.returncode) == (0, 0), (k.stderr, a.stdout, a.stderr)
    assert k.stdout.replace(group_k, group_a) == a.stdout
    assert warn_messages(k.stderr) == warn_messages(a.stderr)
    assert run.committed[0] == run.committed[1]
    k_shown, a_shown = run.described
    assert (k_shown.returncode, a_shown.returncode) == (0, 0), (k_shown.stdout + k_shown.stderr,
                                                                a_shown.stdout + a_shown.stderr)
    assert k_shown.stdout.replace(group_k, group_a) == a_shown.stdout


def test_two_groups_and_their_export_match_apache(bootstrap: str, seen_world: tuple[str, int, list[str]]) -> None:
    topic, _, twins = seen_world
    groups = [flag for g in twins for flag in ("--group", g)]
    for extra in ([], ["--export"]):
        args = ["--reset-offsets", *groups, "--topic", topic, "--to-offset", "4", "--dry-run", *extra]
        k, a = both(bootstrap, *args)
        assert (k.returncode, a.returncode) == (0, 0), (k.stderr, a.stdout)
        assert k.stdout == a.stdout and k.stdout.count("\n") == (9 if extra else 10)


def test_export_and_from_file_round_trip_both_ways(bootstrap: str, world: tuple[str, int, list[str]],
                                                   tmp_path: Path) -> None:
    topic, _, (group_a, group_k) = world
    spec = ["--all-topics", "--shift-by", "2", "--dry-run", "--export"]
    k, a = both(bootstrap, "--reset-offsets", "--group", group_a, *spec)
    assert (a.returncode, k.returncode) == (0, 0) and k.stdout == a.stdout
    assert a.stdout.startswith(f'"{topic}",')  # long names quoted by Jackson, and by kcli
    apache_csv, kcli_csv = tmp_path / "apache.csv", tmp_path / "kcli.csv"
    apache_csv.write_text(a.stdout)
    kcli_csv.write_text(k.stdout)
    # kcli executes Apache's file on one twin, Apache executes kcli's file on the other
    k, a = concurrently(
        lambda: kcli(bootstrap, "--reset-offsets", "--group", group_k, "--from-file", str(apache_csv), "--execute"),
        lambda: apache(bootstrap, "--reset-offsets", "--group", group_a, "--from-file", str(kcli_csv), "--execute"))
    assert (k.returncode, a.returncode) == (0, 0), (k.stderr, a.stdout)
    assert k.stdout.replace(group_k, group_a) == a.stdout
    expected = {(topic, p): o + 2 for p, o in COMMITTED.items()}
    assert committed(bootstrap, group_k) == committed(bootstrap, group_a) == expected
    k_shown, a_shown = describe_twins(bootstrap, group_k, group_a)
    assert k_shown == a_shown
    # the form with the group column (several groups): each tool reads the other's
    twins = ["--group", group_a, "--group", group_k]
    a = apache(bootstrap, "--reset-offsets", *twins, "--all-topics", "--to-earliest", "--dry-run", "--export")
    multi = tmp_path / "multi.csv"
    multi.write_text(a.stdout)
    k = kcli(bootstrap, "--reset-offsets", *twins, "--from-file", str(multi), "--execute")
    assert k.returncode == 0, k.stderr
    earliest = {(topic, p): (3 if p == 2 else 0) for p in COMMITTED}
    assert committed(bootstrap, group_a) == committed(bootstrap, group_k) == earliest
    k = kcli(bootstrap, "--reset-offsets", *twins, "--all-topics", "--to-latest", "--dry-run", "--export")
    multi.write_text(k.stdout)
    a = apache(bootstrap, "--reset-offsets", *twins, "--from-file", str(multi), "--execute")
    assert a.returncode == 0 and "Error" not in a.stdout, a.stdout
    latest = {(topic, p): 10 for p in COMMITTED}
    assert committed(bootstrap, group_a) == committed(bootstrap, group_k) == latest


def test_active_group_is_refused_with_apaches_message(bootstrap: str, world: tuple[str, int, list[str]]) -> None:
    topic, _, (active, idle) = world
    with active_member(bootstrap, active, topic):
        for args in (["--group", active, "--all-topics"], ["--group", active, "--group", idle, "--topic", topic]):
            full = ["--reset-offsets", *args, "--to-earliest", "--dry-run"]
            k, a = both(bootstrap, *full)
            assert (k.returncode, a.returncode) == (1, 0), (k.stderr, a.stdout)
            message = ERROR_LINE.search(a.stdout)
            assert message is not None and "is inactive, but the current state is Stable." in message.group(1)
            assert k.stderr.splitlines()[-1] == f"kcli: error: {message.group(1)}"
            assert k.stdout == ERROR_LINE.sub("", a.stdout, count=1)  # the rest of Apache's stdout, byte for byte
    assert committed(bootstrap, active) == {(topic, p): o for p, o in COMMITTED.items()}


def test_unknown_group_matches_apache(bootstrap: str, seen_world: tuple[str, int, list[str]]) -> None:
    topic, _, _ = seen_world
    unknown = f"nobody-{uuid.uuid4().hex[:8]}"
    for scope in (["--all-topics"], ["--topic", f"{topic}:0,3"]):
        args = ["--reset-offsets", "--group", unknown, *scope, "--to-latest", "--dry-run"]
        k, a = both(bootstrap, *args)
        assert (k.returncode, a.returncode) == (0, 0), (k.stderr, a.stdout)
        assert k.stdout == a.stdout and "GROUP" in a.stdout


@pytest.mark.parametrize("args", USAGE_CASES, ids=USAGE_IDS)
def test_usage_errors_carry_apaches_message(seen_world: tuple[str, int, list[str]],
                                            seen_runs: dict[tuple[str, ...], Runs], args: list[str]) -> None:
    k, a = seen_runs[tuple(usage_args(seen_world, args))]
    assert (k.returncode, a.returncode) == (2, 1), (k.stderr, a.stderr)
    apache_message = [line for line in a.stderr.splitlines() if not line.startswith("WARN: No action")][0]
    assert unordered(k.stderr.splitlines()[-1]) == unordered(f"kcli: error: {apache_message}")


def unordered(message: str) -> str:
    """Apache names options out of a HashSet (`[group], [all-groups]`, the strategies), in an order that changes
    from run to run: compare such lists sorted."""
    return re.sub(r"\[[^\[\]]+\](?:, \[[^\[\]]+\])+",
                  lambda m: ", ".join(sorted(m.group(0).split(", "))), message)


def test_no_group_is_a_usage_error_in_both(bootstrap: str) -> None:
    args = ["--reset-offsets", "--all-topics", "--to-earliest", "--dry-run"]
    k, a = both(bootstrap, *args)
    assert (k.returncode, a.returncode) == (2, 1)
    assert unordered(k.stderr) == unordered(f"kcli: error: {a.stderr.splitlines()[0]}\n")


@pytest.mark.parametrize(("args", "exit_code"), STDOUT_ERRORS, ids=STDOUT_ERROR_IDS)
def test_errors_apache_prints_on_stdout_are_one_line_and_an_exit_code(
        seen_world: tuple[str, int, list[str]], seen_runs: dict[tuple[str, ...], Runs], args: list[str],
        exit_code: int) -> None:
    topic = seen_world[0]
    k, a = seen_runs[tuple(stdout_error_args(seen_world, args))]
    assert a.returncode == 0 and "\nError: Executing consumer group command failed due to " in a.stdout, a.stdout
    assert k.returncode == exit_code and k.stdout == "", k.stdout
    assert k.stderr.count("\n") == 1 and k.stderr.startswith("kcli: error: "), k.stderr
    if args[1] == "TOPIC:0,9":
        assert f'The partitions "{topic}-9" do not exist' in a.stdout and f'"{topic}-9" do not exist' in k.stderr


# -- the parsers against the jar -----------------------------------------------------------------
JAVA = """
import java.time.Duration;
import org.apache.kafka.common.utils.Utils;

public class ResetInputs {
    public static void main(String[] args) {
        for (String arg : args) {
            String kind = arg.substring(0, 1), text = arg.substring(2);
            try {
                if (kind.equals("t")) {
                    System.out.println(Utils.getDateTime(text));
                } else {
                    Duration d = Duration.parse(text);
                    System.out.println(d.getSeconds() + " " + d.getNano());
                }
            } catch (Exception e) {
                System.out.println("ERR");
            }
        }
    }
}
"""

DATETIMES = [
    "2026-12-01T23:48:03.500", "2026-12-01T23:48:03.500Z", "2026-12-02T01:48:03.500+02:00",
    "2026-12-02T01:48:03.500+0200", "2026-12-02T01:48:03.500+02", "2026-12-01T20:48:03.500-03:00",
    "2026-12-02T01:48:03.500+02:30", "2026-12-02T05:18:03.500+0530", "2026-12-01T23:48:03.5", "2026-12-01T23:48:03.05",
    "2026-12-01T23:48:03.500Zjunk", "2026-12-01T 23:48:03.500", "2026-12-01T23:48:03", "2026-12-01", "garbage",
    "2026-13-01T00:00:00.000", "2026-02-29T00:00:00.000", "2024-02-29T00:00:00.000", "2026-12-01T24:00:00.000",
    "2026-12-01T23:60:00.000", "2026-12-01T23:48:60.000", "2026-12-01T23:48:03.1000", "2026-12-01T23:48:03.500+2",
    "2026-12-01T23:48:03.500+24:00", "1970-01-01T00:00:00.000", "1969-12-31T23:59:59.999", "0001-01-01T00:00:00.000",
    "1582-10-04T12:00:00.000", "1582-10-15T00:00:00.000", "1582-10-10T00:00:00.000", "1500-02-29T00:00:00.000",
    "9999-12-31T23:59:59.999", "26-12-01T10:00:00.000", "2026-1-2T3:4:5.6", "2026-12-01t10:00:00.000",
    "2026-12-01TT10:00:00.000", "2026-12-01T10:00:00.000T", "2026-12-01T10:00:00.000-", "T10:00:00.000",
]
DURATIONS = [
    "P1D", "PT1H30M", "pt0.5s", "PT-0.5S", "-PT1S", "P1DT2H3M4.000000005S", "PT+3M", "-P-1DT1H", "PT1,5S",
    "P0D", "PT0S", "P1H", "PT1.5M", "P", "PT", "P1DT", "1d", "", "P106751991167300D", "P106751991167301D",
    "PT9223372036854775807S", "PT9223372036854775808S", "PT-9223372036854775808S", "PT0.1234567891S", " P1D",
]


def _kcli_datetime(text: str) -> str:
    try:
        return str(parse_datetime(text))
    except UsageError:
        return "ERR"


def _kcli_duration(text: str) -> str:
    try:
        seconds, nanos = divmod(parse_duration_nanos(text), 1_000_000_000)
    except UsageError:
        return "ERR"
    return f"{seconds} {nanos}"


def test_datetime_and_duration_parsing_match_the_jar(tmp_path_factory: pytest.TempPathFactory,
                                                    kafka_libs: str) -> None:
    program = compile_java(tmp_path_factory, "reset-inputs", "ResetInputs", JAVA, kafka_libs)
    java = program.run([*(f"t:{t}" for t in DATETIMES), *(f"d:{d}" for d in DURATIONS)]).stdout.splitlines()
    ours = [*(_kcli_datetime(t) for t in DATETIMES), *(_kcli_duration(d) for d in DURATIONS)]
    assert len(java) == len(ours), java
    mismatches = [(text, j, o) for text, j, o in zip([*DATETIMES, *DURATIONS], java, ours, strict=True) if j != o]
    assert not mismatches
    assert java.count("ERR") > 20 and len(set(java)) > 25  # both accepted and rejected forms were exercised
