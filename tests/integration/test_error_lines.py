"""Errors that only come after the broker answered are one line too (no traceback), worded as Apache's."""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_kcli, run_tool

pytestmark = pytest.mark.broker

APACHE_PREFIX = "Error while executing topic command : "


def _one_error_line(proc) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("kcli: error: "), proc.stderr
    return proc.stderr.removeprefix("kcli: error: ").rstrip("\n")


@pytest.fixture
def two_partitions(bootstrap: str, topic_name: str):
    run_kcli(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", topic_name, "--partitions", "2",
              "--replication-factor", "1"], check=True)
    yield topic_name
    run_kcli(["topics", "--bootstrap-server", bootstrap, "--delete", "--topic", topic_name])


def _partition_count(bootstrap: str, topic: str) -> int:
    out = run_kcli(["topics", "--bootstrap-server", bootstrap, "--describe", "--topic", topic, "-o", "json"],
                   check=True).stdout
    return len(json.loads(out)[0]["partitions"])


@pytest.mark.parametrize("count", ["0", "-1"])
def test_alter_to_no_partitions_is_apaches_line(bootstrap: str, two_partitions: str, count: str) -> None:
    """`--alter --partitions 0|-1`: librdkafka refuses the request, kcli words it as Apache's broker does (exit 1)."""
    kcli = run_kcli(["topics", "--bootstrap-server", bootstrap, "--alter", "--topic", two_partitions,
                     "--partitions", count])
    apache = run_tool("kafka-topics", ["--bootstrap-server", bootstrap, "--alter", "--topic", two_partitions,
                                       "--partitions", count])
    expected = next(line for line in apache.stdout.splitlines() if line.startswith(APACHE_PREFIX))
    assert kcli.returncode == apache.returncode == 1
    assert _one_error_line(kcli) == expected.removeprefix(APACHE_PREFIX)
    assert _one_error_line(kcli) == (f"The topic {two_partitions} currently has 2 partition(s); "
                                     f"{count} would not be an increase.")


def test_alter_partitions_out_of_range(bootstrap: str, two_partitions: str) -> None:
    """More than librdkafka can request is exit 1 (Apache: the broker fails it), past Java's int a usage error
    (Apache cannot parse it); the subcommand form says the same; nothing changes on the topic."""
    too_many = run_kcli(["topics", "--bootstrap-server", bootstrap, "--alter", "--topic", two_partitions,
                         "--partitions", "200000"])
    assert too_many.returncode == 1
    assert _one_error_line(too_many) == (f"The topic {two_partitions} currently has 2 partition(s); 200000 is "
                                         "more than the 100000 partitions librdkafka can ask for.")
    overflow = run_kcli(["topics", "--bootstrap-server", bootstrap, "--alter", "--topic", two_partitions,
                         "--partitions", str(2**31)])
    assert overflow.returncode == 2 and "2147483648 is more than 2147483647" in _one_error_line(overflow)
    sub = run_kcli(["topics", "--bootstrap-server", bootstrap, "alter", two_partitions, "--partitions", "0"])
    assert sub.returncode == 1 and _one_error_line(sub).endswith("; 0 would not be an increase.")
    assert _partition_count(bootstrap, two_partitions) == 2


def test_consume_a_partition_the_topic_lacks(bootstrap: str, two_partitions: str) -> None:
    proc = run_kcli(["consume", "--bootstrap-server", bootstrap, "--topic", two_partitions, "--partition", "5",
                     "--timeout-ms", "2s"], timeout=30)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1] == f"kcli: error: topic '{two_partitions}' has no partition 5 (it has 2: 0..1)"
    ok = run_kcli(["consume", "--bootstrap-server", bootstrap, "--topic", two_partitions, "--partition", "1",
                   "--timeout-ms", "500ms"], timeout=30)
    assert ok.returncode == 0 and "Processed a total of 0 messages" in ok.stderr
