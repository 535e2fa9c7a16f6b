"""Reference: `kcli cluster config get` prints what Apache's kafka-configs --entity-type brokers --describe
prints for the same broker, byte for byte, and what kcli sets and deletes is what Apache's tool then reads.

The configs changed here are harmless to the other tests sharing the broker (a connection limit per IP
raised far above anything a test opens) and are deleted again in a fixture's teardown."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest

from tests.helpers import concurrently, run_kcli, run_tool

pytestmark = [pytest.mark.broker, pytest.mark.java]

KEY = "max.connections.per.ip"  # default Java's Integer.MAX_VALUE
HIGH = "1888888888"
DEFAULT_HIGH = "1777777777"


def kcli(bootstrap: str, *args: str):
    return run_kcli(["cluster", "config", *args, "--bootstrap-server", bootstrap])


def apache(bootstrap: str, *args: str):
    return run_tool("kafka-configs", ["--bootstrap-server", bootstrap, "--entity-type", "brokers", *args])


def same(bootstrap: str, kcli_args: list[str], apache_args: list[str]) -> str:
    k, a = concurrently(lambda: kcli(bootstrap, "get", *kcli_args),
                        lambda: apache(bootstrap, *apache_args, "--describe"))
    assert (k.returncode, a.returncode) == (0, 0), (k.stderr, a.stderr[-2000:])
    assert k.stdout == a.stdout
    return a.stdout


@pytest.fixture(scope="module")
def broker_id(bootstrap: str) -> str:
    """The id of a broker of the cluster (kafka-dev's node.id=1), as Apache's kafka-broker-api-versions shows it."""
    proc = run_tool("kafka-broker-api-versions", ["--bootstrap-server", bootstrap])
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split("(id: ", 1)[1].split(" ", 1)[0]


@pytest.fixture
def broker(bootstrap: str, broker_id: str) -> Iterator[str]:
    """broker_id; KEY is off that broker and off the defaults after the test (both deleted side by side)."""
    yield broker_id
    done = concurrently(*(lambda target=target: apache(bootstrap, *target, "--alter", "--delete-config", KEY)
                          for target in (["--entity-name", broker_id], ["--entity-default"])))
    for proc in done:
        assert proc.returncode == 0, proc.stderr[-2000:]


def test_get_is_kafka_configs_describe(bootstrap: str, broker: str) -> None:
    _, everything, defaults, _ = concurrently(  # two pairs at a time: nothing changes the configs meanwhile
        partial(same, bootstrap, ["--broker", broker], ["--entity-name", broker]),
        partial(same, bootstrap, ["--broker", broker, "--all"], ["--entity-name", broker, "--all"]),
        partial(same, bootstrap, ["--broker-defaults"], ["--entity-default"]),
        partial(same, bootstrap, [], []),  # every broker, then the defaults
        limit=2)
    assert f"All configs for broker {broker} are:\n" in everything and everything.count("\n") > 100
    assert defaults.startswith("Default configs for brokers in the cluster are:\n")


def test_set_and_delete_round_trip_through_apaches_tool(bootstrap: str, broker: str) -> None:
    k = kcli(bootstrap, "set", "--broker", broker, f"{KEY}={HIGH}")
    assert k.returncode == 0 and k.stdout == f"Completed updating config for broker {broker}.\n", k.stderr
    shown = same(bootstrap, ["--broker", broker], ["--entity-name", broker])
    assert f"  {KEY}={HIGH} sensitive=false synonyms={{DYNAMIC_BROKER_CONFIG:{KEY}={HIGH}, " in shown

    k = kcli(bootstrap, "set", "--broker-defaults", f"{KEY}={DEFAULT_HIGH}")
    assert k.stdout == "Completed updating default config for brokers in the cluster.\n", k.stderr
    shown = same(bootstrap, ["--broker-defaults"], ["--entity-default"])
    assert f"  {KEY}={DEFAULT_HIGH} " in shown
    # the per-broker value now has the cluster default among its synonyms, between it and Kafka's default
    shown = same(bootstrap, ["--broker", broker], ["--entity-name", broker])
    assert f"DYNAMIC_BROKER_CONFIG:{KEY}={HIGH}, DYNAMIC_DEFAULT_BROKER_CONFIG:{KEY}={DEFAULT_HIGH}, " in shown
    same(bootstrap, ["--broker", broker, "--all"], ["--entity-name", broker, "--all"])

    for target, apache_target in ((["--broker", broker], ["--entity-name", broker]),
                                  (["--broker-defaults"], ["--entity-default"])):
        k = kcli(bootstrap, "delete", *target, KEY)
        assert k.returncode == 0, k.stderr
        assert f"{KEY}=" not in same(bootstrap, target, apache_target)


def test_apaches_changes_read_the_same_in_kcli(bootstrap: str, broker: str) -> None:
    a = apache(bootstrap, "--entity-name", broker, "--alter", "--add-config", f"{KEY}={HIGH}")
    assert a.returncode == 0 and a.stdout == f"Completed updating config for broker {broker}.\n"
    assert f"  {KEY}={HIGH} " in same(bootstrap, ["--broker", broker], ["--entity-name", broker])
