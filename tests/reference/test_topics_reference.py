"""Reference: `kcli topics` and Apache's kafka-topics on the same broker print the same stdout
(create, list, describe) and exit with the same codes on Kafka-side errors."""

from __future__ import annotations

from functools import partial

import pytest

from tests.helpers import concurrently, run_kcli, run_tool

pytestmark = [pytest.mark.broker, pytest.mark.java]


def kcli(bootstrap: str, *args: str):
    return run_kcli(["topics", "--bootstrap-server", bootstrap, *args])


def apache(bootstrap: str, *args: str):
    return run_tool("kafka-topics", ["--bootstrap-server", bootstrap, *args])


def both(bootstrap: str, *args: str):
    """(kcli, Apache) given the same arguments at the same moment."""
    k, a = concurrently(lambda: kcli(bootstrap, *args), lambda: apache(bootstrap, *args))
    return k, a


@pytest.fixture
def topics(bootstrap: str, topic_name: str):
    """A unique prefix; every topic under it is deleted afterwards."""
    yield topic_name
    run_kcli(["topics", "--bootstrap-server", bootstrap, "--delete", "--topic", f"{topic_name}.*", "--if-exists"])


def test_create_output_is_identical(bootstrap: str, topics: str) -> None:
    for suffix, extra in (("-plain", []), ("_under.score", ["--partitions", "2", "--config", "retention.ms=999"])):
        k, a = concurrently(partial(kcli, bootstrap, "--create", "--topic", f"{topics}{suffix}-k", *extra),
                            partial(apache, bootstrap, "--create", "--topic", f"{topics}{suffix}-a", *extra))
        assert (k.returncode, a.returncode) == (0, 0), (k.stderr, a.stdout)
        assert k.stdout.replace(f"{suffix}-k", f"{suffix}-a") == a.stdout
    assert "WARNING: Due to limitations in metric names" in a.stdout


def test_list_output_is_identical(bootstrap: str, topics: str) -> None:
    run_kcli(["topics", "--bootstrap-server", bootstrap, "create",
              *(f"{topics}-{n}:1:1" for n in ("b", "a", "c_1", "C"))], check=True)
    k, a = both(bootstrap, "--list", "--topic", f"{topics}-.*")
    assert (k.returncode, a.returncode) == (0, 0)
    assert k.stdout == a.stdout and k.stdout.count("\n") == 4
    k, a = both(bootstrap, "--list", "--exclude-internal", "--topic", f"{topics}-[ab]|{topics}-C")
    assert k.stdout == a.stdout and k.stdout.count("\n") == 3
    k, a = both(bootstrap, "--list", "--topic", f"{topics}-nothing")  # no match: one empty line
    assert k.stdout == a.stdout == "\n"


def test_describe_output_is_identical(bootstrap: str, topics: str) -> None:
    run_kcli(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", f"{topics}-cfg", "--partitions", "3",
              "--config", "cleanup.policy=compact", "--config", "retention.ms=1000", "--config",
              "max.message.bytes=2000000"], check=True)
    k, a = both(bootstrap, "--describe", "--topic", f"{topics}-cfg")
    assert (k.returncode, a.returncode) == (0, 0), (k.stderr, a.stderr)
    assert "TopicId: " in a.stdout and "cleanup.policy=compact" in a.stdout
    assert k.stdout == a.stdout
    k, a = both(bootstrap, "--describe", "--topic", f"{topics}-cfg", "--topics-with-overrides")
    assert k.stdout == a.stdout
    k, a = both(bootstrap, "--describe", "--topic", f"{topics}-cfg", "--at-min-isr-partitions")
    assert k.stdout == a.stdout


def test_describe_many_topics_in_apaches_order(bootstrap: str, topics: str) -> None:
    names = [f"{topics}-m{i}{s}" for i, s in enumerate(("", "x", "_y", "zz", ".q", "w", "r", "st", "u", "v"))]
    run_kcli(["topics", "--bootstrap-server", bootstrap, "create", *(f"{n}:2:1" for n in names)], check=True)
    k, a = both(bootstrap, "--describe", "--topic", f"{topics}-m.*")
    assert (k.returncode, a.returncode) == (0, 0)
    assert k.stdout == a.stdout and k.stdout.count("\n") == 30


@pytest.mark.slow
def test_error_exit_codes_match(bootstrap: str, topics: str) -> None:
    existing = f"{topics}-exists"
    run_kcli(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", existing, "--partitions", "2"],
             check=True)
    missing = f"{topics}-missing"
    cases = [
        ["--create", "--topic", existing],
        ["--describe", "--topic", missing],
        ["--delete", "--topic", missing],
        ["--alter", "--topic", missing, "--partitions", "3"],
        ["--alter", "--topic", existing, "--partitions", "1"],
        ["--create", "--topic", f"{topics}-zero", "--partitions", "0"],
        ["--create", "--topic", f"{topics}-rf", "--replication-factor", "9"],
        ["--create", "--topic", f"{topics}-cfg", "--config", "no.such.config=1"],
    ]
    ok = [["--create", "--topic", existing, "--if-not-exists"], ["--delete", "--topic", missing, "--if-exists"],
          ["--describe", "--topic", missing, "--if-exists"]]
    # every case leaves the topics as they were: two pairs at a time
    runs = concurrently(*(partial(both, bootstrap, *args) for args in cases + ok), limit=2)
    for args, (k, a) in zip(cases, runs[:len(cases)], strict=True):
        assert k.returncode == a.returncode == 1, (args, k.stderr, a.stdout)
        assert k.stderr.startswith("kcli: error: ") and k.stderr.count("\n") == 1, k.stderr
        reason = a.stdout.split("Error while executing topic command : ", 1)[-1].strip()
        if "does not exist" in reason or "partitions must be" in reason or "already exists" in reason:
            assert reason in k.stderr  # Kafka's (or Apache's) own words
    for args, (k, a) in zip(ok, runs[len(cases):], strict=True):
        assert k.returncode == a.returncode == 0, (args, k.stderr, a.stdout)
        assert k.stdout == a.stdout
