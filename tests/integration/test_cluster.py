"""`kcli cluster` against the real broker: describe checked against what Apache's own tools say the cluster
is, broker configs set, read and deleted, and Kafka's refusals as one line with exit 1.

The broker is shared with other tests running at the same time: the configs set here are connection
limits raised far above anything a test opens (`max.connections` per broker and as a cluster default),
and every one is deleted again in a fixture's teardown."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import yaml

from tests.helpers import run_kcli, run_tool

pytestmark = [pytest.mark.broker, pytest.mark.java]

HARMLESS = "max.connections"  # a broker's connection limit (default Java's Integer.MAX_VALUE)
HIGH = "1999999999"


def kc(bootstrap: str, *args: str, **kwargs) -> object:
    return run_kcli(["cluster", *args, "--bootstrap-server", bootstrap], **kwargs)


def error_line(proc) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.startswith("kcli: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stdout == ""
    return proc.stderr


@pytest.fixture(scope="module")
def apache_brokers(bootstrap: str) -> dict[int, tuple[str, int, str | None]]:
    """id -> (host, port, rack) as kafka-broker-api-versions prints each broker it reached."""
    proc = run_tool("kafka-broker-api-versions", ["--bootstrap-server", bootstrap])
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.findall(r"^(\S+):(\d+) \(id: (\d+) rack: (\S+) isFenced: false\) ->", proc.stdout, re.M)
    assert found, proc.stdout[:2000]
    return {int(i): (host, int(port), None if rack == "null" else rack) for host, port, i, rack in found}


@pytest.fixture(scope="module")
def apache_cluster_id(bootstrap: str) -> str:
    proc = run_tool("kafka-cluster", ["cluster-id", "--bootstrap-server", bootstrap])
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().removeprefix("Cluster ID: ")


@pytest.fixture
def broker_id(apache_brokers: dict[int, tuple[str, int, str | None]], bootstrap: str) -> int:
    """The broker that the bootstrap address is (kafka-dev's node.id=1 on a kafka-dev broker)."""
    host, port = bootstrap.rsplit(":", 1)
    ids = [i for i, (h, p, _) in apache_brokers.items() if p == int(port) and h == host]
    return ids[0] if ids else min(apache_brokers)


@pytest.fixture
def cleanup(bootstrap: str, broker_id: int) -> Iterator[None]:
    """Whatever a test sets, the broker ends without it (deleting an unset config is no error)."""
    yield
    for target in (["--broker", str(broker_id)], ["--broker-defaults"]):
        kc(bootstrap, "config", "delete", *target, HARMLESS, check=True)


def test_describe_json_is_what_the_cluster_is(bootstrap: str, apache_cluster_id: str, broker_id: int,
                                              apache_brokers: dict[int, tuple[str, int, str | None]]) -> None:
    proc = kc(bootstrap, "describe", "-o", "json", check=True)
    data = json.loads(proc.stdout)
    assert data["cluster_id"] == apache_cluster_id
    assert {b["id"]: (b["host"], b["port"], b["rack"]) for b in data["brokers"]} == apache_brokers
    mine = next(b for b in data["brokers"] if b["id"] == broker_id)
    host, port = bootstrap.rsplit(":", 1)
    assert (mine["host"], mine["port"]) == (host, int(port))
    assert "broker" in mine["roles"]
    assert data["controller"] in apache_brokers  # in KRaft: a live broker, as Kafka names it
    assert [b["controller"] for b in data["brokers"]].count(True) == 1
    assert yaml.safe_load(kc(bootstrap, "describe", "-o", "yaml", check=True).stdout) == data


def test_describe_text(bootstrap: str, apache_cluster_id: str, broker_id: int) -> None:
    lines = kc(bootstrap, "describe", check=True).stdout.splitlines()
    assert lines[:5] == ["CLUSTER", "=======", apache_cluster_id, "", "BROKERS"]
    assert lines[6].split() == ["ID", "HOST", "PORT", "RACK", "ROLES"]
    rows = {row.split()[0].rstrip("*"): row.split() for row in lines[7:]}
    host, port = bootstrap.rsplit(":", 1)
    assert rows[str(broker_id)][1:3] == [host, port]
    ops = kc(bootstrap, "describe", "--authorized-operations", check=True).stdout
    assert "\nAUTHORIZED OPERATIONS\n=====================\n" in ops and "DESCRIBE" in ops


@pytest.mark.usefixtures("cleanup")
def test_set_get_delete_one_broker(bootstrap: str, broker_id: int) -> None:
    b = ["--broker", str(broker_id)]
    assert kc(bootstrap, "config", "set", *b, f"{HARMLESS}={HIGH}", check=True).stdout == (
        f"Completed updating config for broker {broker_id}.\n")
    data = json.loads(kc(bootstrap, "config", "get", *b, "-o", "json", check=True).stdout)
    assert data["broker"] == broker_id and data["defaults"] is False
    entry = next(c for c in data["configs"] if c["name"] == HARMLESS)
    assert (entry["value"], entry["source"]) == (HIGH, "DYNAMIC_BROKER_CONFIG")
    assert entry["synonyms"][0] == {"source": "DYNAMIC_BROKER_CONFIG", "name": HARMLESS, "value": HIGH}
    assert entry["synonyms"][-1]["source"] == "DEFAULT_CONFIG"  # every synonym, not one per name
    text = kc(bootstrap, "config", "get", *b, check=True).stdout
    assert f"\n  {HARMLESS}={HIGH} sensitive=false synonyms={{DYNAMIC_BROKER_CONFIG:{HARMLESS}={HIGH}, " in text
    deleted = kc(bootstrap, "config", "delete", *b, HARMLESS, "-o", "json", check=True)
    assert json.loads(deleted.stdout) == {"broker": broker_id, "defaults": False, "set": {}, "deleted": [HARMLESS]}
    after = json.loads(kc(bootstrap, "config", "get", *b, "-o", "json", check=True).stdout)
    assert HARMLESS not in {c["name"] for c in after["configs"]}
    everything = json.loads(kc(bootstrap, "config", "get", *b, "--all", "-o", "json", check=True).stdout)
    assert any(c["name"] == "broker.id" and c["read_only"] for c in everything["configs"])


@pytest.mark.usefixtures("cleanup")
def test_cluster_wide_default(bootstrap: str, broker_id: int) -> None:
    assert kc(bootstrap, "config", "set", "--broker-defaults", f"{HARMLESS}={HIGH}", check=True).stdout == (
        "Completed updating default config for brokers in the cluster.\n")
    data = json.loads(kc(bootstrap, "config", "get", "--broker-defaults", "-o", "json", check=True).stdout)
    assert data["defaults"] is True and data["broker"] is None
    assert {c["name"]: c["value"] for c in data["configs"]}[HARMLESS] == HIGH
    every = json.loads(kc(bootstrap, "config", "get", "-o", "json", check=True).stdout)
    assert [v["defaults"] for v in every][-1] is True and broker_id in [v["broker"] for v in every]
    kc(bootstrap, "config", "delete", "--broker-defaults", HARMLESS, check=True)
    data = json.loads(kc(bootstrap, "config", "get", "--broker-defaults", "-o", "json", check=True).stdout)
    assert HARMLESS not in {c["name"] for c in data["configs"]}


def test_kafka_refusals_are_one_line(bootstrap: str, broker_id: int) -> None:
    b = ["--broker", str(broker_id)]
    assert "Cannot update these configs dynamically: [broker.id]" in error_line(
        kc(bootstrap, "config", "set", *b, "broker.id=5"))
    assert f"Invalid value abc for configuration {HARMLESS}: Not a number of type INT" in error_line(
        kc(bootstrap, "config", "set", *b, f"{HARMLESS}=abc"))
    missing = max(broker_id, 1) * 1000 + 7
    for args in (["get", "--broker", str(missing)], ["set", "--broker", str(missing), f"{HARMLESS}={HIGH}"],
                 ["delete", "--broker", str(missing), HARMLESS]):
        assert f"The broker '{missing}' doesn't exist" in error_line(kc(bootstrap, "config", *args, timeout=30))
    unreachable = run_kcli(["cluster", "describe", "--bootstrap-server", "127.0.0.1:1", "--timeout", "1s"])
    assert "could not reach the Kafka broker at 127.0.0.1:1 within 1s" in error_line(unreachable)
    unreachable = run_kcli(["cluster", "config", "get", "--bootstrap-server", "127.0.0.1:1", "--timeout", "1s"])
    assert "could not reach the Kafka broker at 127.0.0.1:1 within 1s" in error_line(unreachable)
