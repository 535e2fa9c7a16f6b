"""`kcli topics` against the real broker: every action, both forms, output formats, errors."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from tests.helpers import run_kcli, run_kcli_closed_stdout

pytestmark = pytest.mark.broker


def kt(bootstrap: str, *args: str, **kwargs) -> object:
    return run_kcli(["topics", *args, "--bootstrap-server", bootstrap], **kwargs)


def _error_line(proc) -> str:
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("kcli: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stderr


def test_flag_form_lifecycle(bootstrap: str, topic_name: str) -> None:
    created = kt(bootstrap, "--create", "--topic", topic_name, "--partitions", "2", "--replication-factor", "1",
                 "--config", "retention.ms=12345", check=True)
    assert created.stdout == f"Created topic {topic_name}.\n"

    listed = kt(bootstrap, "--list", "--topic", f"{topic_name}.*", check=True)
    assert listed.stdout == f"{topic_name}\n"

    described = kt(bootstrap, "--describe", "--topic", topic_name, check=True).stdout.splitlines()
    assert described[0].startswith(f"Topic: {topic_name}\tTopicId: ")
    assert "\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: " in described[0]
    assert "retention.ms=12345" in described[0]
    assert described[1] == f"\tTopic: {topic_name}\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: "
    assert len(described) == 3

    assert kt(bootstrap, "--alter", "--topic", topic_name, "--partitions", "4", check=True).stdout == ""
    data = json.loads(kt(bootstrap, "--describe", "--topic", topic_name, "-o", "json", check=True).stdout)
    assert data[0]["partition_count"] == 4 and data[0]["configs"]["retention.ms"] == "12345"

    assert kt(bootstrap, "--delete", "--topic", topic_name, check=True).stdout == ""
    again = kt(bootstrap, "--describe", "--topic", topic_name)
    assert again.returncode == 1
    assert f"Topic '{topic_name}' does not exist as expected" in _error_line(again)


def test_subcommand_form_with_create_topics_specs(bootstrap: str, topic_name: str) -> None:
    a, b = f"{topic_name}-a", f"{topic_name}-b"
    out = kt(bootstrap, "create", f"{a}:1:1", f"{b}:3:1:compact", check=True)
    assert out.stdout == f"Created topic {a}.\nCreated topic {b}.\n"
    try:
        listed = json.loads(kt(bootstrap, "list", f"{topic_name}-.*", "-o", "json", check=True).stdout)
        assert listed == [a, b]
        data = yaml.safe_load(kt(bootstrap, "describe", b, "-o", "yaml", check=True).stdout)
        assert data[0]["partition_count"] == 3
        assert data[0]["configs"]["cleanup.policy"] == "compact"
        # options before the subcommand apply too
        assert run_kcli(["topics", "--bootstrap-server", bootstrap, "--timeout", "10s", "list", a],
                        check=True).stdout == f"{a}\n"
    finally:
        kt(bootstrap, "delete", a, b, check=True)


def test_create_errors_and_if_not_exists(bootstrap: str, topic_name: str) -> None:
    kt(bootstrap, "--create", "--topic", topic_name, "--partitions", "2", check=True)
    try:
        dup = kt(bootstrap, "--create", "--topic", topic_name)
        assert dup.returncode == 1 and dup.stdout == ""
        assert "already exists" in _error_line(dup)
        quiet = kt(bootstrap, "--create", "--topic", topic_name, "--if-not-exists", check=True)
        assert quiet.stdout == "" and quiet.stderr == ""

        shrink = kt(bootstrap, "--alter", "--topic", topic_name, "--partitions", "1")
        assert shrink.returncode == 1 and "would not be an increase" in _error_line(shrink)
    finally:
        kt(bootstrap, "--delete", "--topic", topic_name, check=True)

    zero = kt(bootstrap, "--create", "--topic", topic_name, "--partitions", "0")
    assert zero.returncode == 1 and "The partitions must be greater than 0" in _error_line(zero)
    bad_cfg = kt(bootstrap, "--create", "--topic", topic_name, "--config", "no.such.config=1")
    assert bad_cfg.returncode == 1 and "no.such.config" in _error_line(bad_cfg)


def test_if_exists_and_unknown_topics(bootstrap: str, topic_name: str) -> None:
    missing = f"{topic_name}-missing"
    for action in ("--delete", "--describe"):
        proc = kt(bootstrap, action, "--topic", missing)
        assert proc.returncode == 1 and "does not exist as expected" in _error_line(proc)
        assert kt(bootstrap, action, "--topic", missing, "--if-exists", check=True).stdout == ""
    proc = kt(bootstrap, "--alter", "--topic", missing, "--partitions", "3", "--if-exists", check=True)
    assert proc.stdout == ""


def test_describe_report_filters(bootstrap: str, topic_name: str) -> None:
    kt(bootstrap, "--create", "--topic", topic_name, "--partitions", "2", check=True)
    try:
        base = ["--describe", "--topic", topic_name]
        # a healthy single-broker topic: nothing under-replicated/unavailable; ISR 1 == min.insync.replicas 1
        assert kt(bootstrap, *base, "--under-replicated-partitions", check=True).stdout == ""
        assert kt(bootstrap, *base, "--unavailable-partitions", check=True).stdout == ""
        assert kt(bootstrap, *base, "--under-min-isr-partitions", check=True).stdout == ""
        at_min = kt(bootstrap, *base, "--at-min-isr-partitions", check=True).stdout.splitlines()
        assert len(at_min) == 2 and all(line.startswith("\tTopic: ") for line in at_min)
        overrides = kt(bootstrap, *base, "--topics-with-overrides", check=True).stdout.splitlines()
        assert len(overrides) <= 1  # topic line only (the broker's static configs count as overrides)
    finally:
        kt(bootstrap, "--delete", "--topic", topic_name, check=True)


def test_config_get_set_delete(bootstrap: str, topic_name: str) -> None:
    kt(bootstrap, "create", topic_name, check=True)
    try:
        assert kt(bootstrap, "config", "get", topic_name, check=True).stdout == (
            f"Dynamic configs for topic {topic_name} are:\n")
        done = kt(bootstrap, "config", "set", topic_name, "retention.ms=5000", "cleanup.policy=compact,delete",
                  check=True)
        assert done.stdout == f"Completed updating config for topic {topic_name}.\n"
        data = json.loads(kt(bootstrap, "config", "get", topic_name, "-o", "json", check=True).stdout)
        values = {c["name"]: c["value"] for c in data["configs"]}
        assert values == {"retention.ms": "5000", "cleanup.policy": "compact,delete"}
        kt(bootstrap, "config", "delete", topic_name, "retention.ms", check=True)
        text = kt(bootstrap, "config", "get", topic_name, check=True).stdout
        assert "retention.ms" not in text and "cleanup.policy=compact,delete sensitive=false" in text
        bad = kt(bootstrap, "config", "set", topic_name, "no.such.key=1")
        assert bad.returncode == 1 and "no.such.key" in _error_line(bad)
    finally:
        kt(bootstrap, "delete", topic_name, check=True)
    gone = kt(bootstrap, "config", "get", topic_name)
    assert gone.returncode == 1 and "does not exist" in _error_line(gone)


def test_unreachable_broker_fails_within_timeout() -> None:
    start = time.monotonic()
    proc = run_kcli(["topics", "--list", "--bootstrap-server", "127.0.0.1:9", "--timeout", "2s"], timeout=30)
    elapsed = time.monotonic() - start
    assert proc.returncode == 1
    assert "127.0.0.1:9" in _error_line(proc)
    assert elapsed < 10


def test_replica_assignment_and_topic_id(bootstrap: str, topic_name: str) -> None:
    assert kt(bootstrap, "--create", "--topic", topic_name, "--replica-assignment", "1,1",
              check=True).stdout == f"Created topic {topic_name}.\n"
    try:
        kt(bootstrap, "--alter", "--topic", topic_name, "--partitions", "3", "--replica-assignment", "1,1,1",
           check=True)
        data = json.loads(kt(bootstrap, "describe", topic_name, "-o", "json", check=True).stdout)[0]
        assert data["partition_count"] == 3 and all(p["replicas"] == [1] for p in data["partitions"])
        by_id = kt(bootstrap, "--describe", "--topic-id", data["topic_id"], check=True).stdout
        assert by_id == kt(bootstrap, "--describe", "--topic", topic_name, check=True).stdout
        unknown = kt(bootstrap, "--describe", "--topic-id", "AAAAAAAAAAAAAAAAAAAAAQ")
        assert unknown.returncode == 1 and "does not exist as expected" in _error_line(unknown)
    finally:
        kt(bootstrap, "delete", topic_name, check=True)


def test_table_output_and_seed_tutorial_command(bootstrap: str, topic_name: str) -> None:
    # The seed tutorial's exact command form (bootstrap from the environment here).
    proc = run_kcli(["topics", "--create", "--topic", topic_name, "--partitions", "1", "--replication-factor", "1"],
                    env={"KCLI_BOOTSTRAP_SERVER": bootstrap}, check=True)
    assert proc.stdout == f"Created topic {topic_name}.\n"
    try:
        table = kt(bootstrap, "list", topic_name, "-o", "table", check=True).stdout
        assert topic_name in table and "Topic" in table
        table = kt(bootstrap, "describe", topic_name, "-o", "table", check=True).stdout
        assert "Partitions" in table and "Leader" in table
    finally:
        kt(bootstrap, "delete", topic_name, check=True)


def test_command_config_file(bootstrap: str, topic_name: str, tmp_path) -> None:
    props = tmp_path / "admin.properties"
    props.write_text(f"bootstrap.servers={bootstrap}\nclient.id=kcli-topics-test\nrequest.timeout.ms=20000\n")
    proc = run_kcli(["topics", "--command-config", str(props), "--create", "--topic", topic_name], check=True)
    assert proc.stdout == f"Created topic {topic_name}.\n"
    listed = run_kcli(["topics", "list", topic_name, "--command-config", str(props)], check=True)
    assert listed.stdout == f"{topic_name}\n"
    run_kcli(["topics", "delete", topic_name, "--command-config", str(props)], check=True)


@pytest.mark.parametrize("args", [["--list"], ["list", "-o", "table"], ["describe", "-o", "table"],
                                  ["describe", "-o", "json"]])
def test_closed_stdout_ends_quietly(bootstrap: str, args: list[str]) -> None:
    """`kcli topics … | head -1`: the reader is gone before kcli writes; exit 0, nothing on stderr."""
    code, err = run_kcli_closed_stdout(["topics", *args, "--bootstrap-server", bootstrap])
    assert (code, err) == (0, "")
