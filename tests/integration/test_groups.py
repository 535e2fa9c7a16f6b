"""`kcli groups` against the real broker: every action, both forms, output formats, errors and exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import yaml

from tests.helpers import run_kcli, tool_command, wait_for

pytestmark = pytest.mark.broker

PER_PARTITION = 5
COMMIT_MS = 500  # auto.commit.interval.ms of the consumers the tests start


def kg(bootstrap: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return run_kcli(["groups", "--bootstrap-server", bootstrap, *args], **kwargs)


def make_topic(bootstrap: str, topic: str, partitions: int = 3, records: int = PER_PARTITION) -> None:
    """A topic with `records` records in each partition."""
    run_kcli(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", topic, "--partitions",
              str(partitions)], check=True)
    for p in range(partitions):
        run_kcli(["produce", "--bootstrap-server", bootstrap, "--topic", topic, "--partition", str(p)],
                 input="".join(f"r{p}-{i}\n" for i in range(records)), check=True)


def commit(bootstrap: str, group: str, topic: str, offsets: dict[int, int]) -> None:
    """Commit offsets for an inactive group (it is created by the commit)."""
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})
    request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p, o) for p, o in offsets.items()])
    admin.alter_consumer_group_offsets([request])[group].result(timeout=30)


def delete_groups(bootstrap: str, *groups: str) -> None:
    kg(bootstrap, "--delete", *(x for g in groups for x in ("--group", g)))


@contextmanager
def _stopped_after(proc: subprocess.Popen) -> Iterator[None]:
    """Stop `proc` and its whole process group (SIGTERM, then SIGKILL) when the block ends."""
    try:
        yield
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@contextmanager
def apache_consumer(bootstrap: str, topic: str, group: str, protocol: str = "classic") -> Iterator[None]:
    """Apache's console consumer in `group`, reading from the beginning, stopped (its whole process group) after.
    It commits every COMMIT_MS (not the default 5 s), so that `caught_up` holds soon after it has read."""
    proc = subprocess.Popen([*tool_command("kafka-console-consumer"), "--bootstrap-server", bootstrap,
                             "--topic", topic, "--group", group, "--from-beginning",
                             "--consumer-property", f"group.protocol={protocol}",
                             "--consumer-property", f"auto.commit.interval.ms={COMMIT_MS}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    with _stopped_after(proc):
        yield


@contextmanager
def kcli_consumer(bootstrap: str, topic: str, group: str, protocol: str = "classic") -> Iterator[None]:
    """`kcli consume` in `group` (group.protocol as given), reading from the beginning, committing every COMMIT_MS,
    stopped after."""
    proc = subprocess.Popen([sys.executable, "-m", "kcli", "consume", "--bootstrap-server", bootstrap, "--topic", topic,
                             "--group", group, "--from-beginning", "--command-property", f"group.protocol={protocol}",
                             "--command-property", f"auto.commit.interval.ms={COMMIT_MS}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    with _stopped_after(proc):
        yield


def members_settled(bootstrap: str, group: str, count: int) -> bool:
    """The group is Stable with `count` members, each owning a partition and exactly its target assignment."""
    data = json.loads(kg(bootstrap, "--describe", "--group", group, "--members", "-o", "json").stdout or "[]")
    if not data or data[0]["state"] != "Stable" or len(data[0]["members"]) != count:
        return False
    return all(m["partitions"] and m["target_partitions"] in (None, m["partitions"]) for m in data[0]["members"])


def caught_up(bootstrap: str, group: str, partitions: int) -> bool:
    """The group is Stable, every partition is assigned and its committed offset is the log end."""
    data = json.loads(kg(bootstrap, "--describe", "--group", group, "-o", "json").stdout or "[]")
    if not data or data[0]["state"] != "Stable":
        return False
    rows = data[0]["offsets"]
    return len(rows) == partitions and all(r["lag"] == 0 and r["consumer_id"] for r in rows)


def test_describe_an_inactive_group_with_lag(bootstrap: str, topic_name: str) -> None:
    group = f"g-{topic_name}"
    make_topic(bootstrap, topic_name)
    commit(bootstrap, group, topic_name, {0: 1, 1: 2, 2: 5})
    try:
        out = kg(bootstrap, "--describe", "--group", group, check=True)
        lines = out.stdout.splitlines()
        assert lines[0] == "" and lines[1].split() == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET",
                                                       "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"]
        assert [line.split() for line in lines[2:]] == [[group, topic_name, str(p), str(c), "5", str(5 - c), "-", "-",
                                                         "-"] for p, c in ((0, 1), (1, 2), (2, 5))]
        assert out.stderr == f"\nConsumer group '{group}' has no active members.\n"
        data = yaml.safe_load(kg(bootstrap, "describe", group, "-o", "yaml", check=True).stdout)
        assert data[0]["state"] == "Empty" and data[0]["total_lag"] == 7
        assert [(r["partition"], r["current_offset"], r["log_end_offset"], r["lag"]) for r in data[0]["offsets"]] == [
            (0, 1, 5, 4), (1, 2, 5, 3), (2, 5, 5, 0)]
    finally:
        delete_groups(bootstrap, group)


def test_group_lag_function_for_other_commands(bootstrap: str, topic_name: str) -> None:
    from kcli.groups.offsets import group_lag

    group = f"g-{topic_name}"
    make_topic(bootstrap, topic_name)
    commit(bootstrap, group, topic_name, {0: 4, 2: 0})
    try:
        lags = group_lag({"bootstrap.servers": bootstrap}, [group, f"{group}-never"], timeout=30)
        assert [(r.partition, r.committed, r.log_end, r.lag) for r in lags[group]] == [(0, 4, 5, 1), (2, 0, 5, 5)]
        assert lags[f"{group}-never"] == []
    finally:
        delete_groups(bootstrap, group)


def test_active_group_members_state_and_delete_refused(bootstrap: str, topic_name: str) -> None:
    group = f"g-{topic_name}"
    make_topic(bootstrap, topic_name)
    with apache_consumer(bootstrap, topic_name, group):
        wait_for(lambda: caught_up(bootstrap, group, 3), timeout=90, message="the consumer to catch up")
        state = kg(bootstrap, "describe", group, "--state", check=True)
        assert state.stderr == ""
        assert state.stdout.splitlines()[2].split()[-2:] == ["Stable", "1"]
        members = json.loads(kg(bootstrap, "--describe", "--group", group, "--members", "-o", "json",
                                check=True).stdout)
        assert len(members[0]["members"]) == 1 and len(members[0]["members"][0]["partitions"]) == 3
        refused = kg(bootstrap, "--delete", "--group", group)
        assert refused.returncode == 1 and refused.stdout == ""
        assert refused.stderr == (f"kcli: error: Group '{group}' could not be deleted due to: "
                                  "org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.\n")
        subscribed = kg(bootstrap, "delete-offsets", group, "--topic", topic_name)
        assert subscribed.returncode == 1 and "GroupSubscribedToTopicException" in subscribed.stdout
    wait_for(lambda: kg(bootstrap, "describe", group, "--state", "-o", "json").stdout.count('"Empty"'),
             timeout=90, message="the group to empty")
    gone = kg(bootstrap, "delete", group, check=True)
    assert gone.stdout == f"Deletion of requested consumer groups ('{group}') was successful.\n"


def test_delete_offsets_of_some_partitions(bootstrap: str, topic_name: str) -> None:
    group = f"g-{topic_name}"
    make_topic(bootstrap, topic_name)
    commit(bootstrap, group, topic_name, {0: 1, 1: 1, 2: 1})
    try:
        out = kg(bootstrap, "--delete-offsets", "--group", group, "--topic", f"{topic_name}:0,2", check=True)
        assert out.stdout.startswith(f"Request succeeded for deleting offsets from group {group}.\n")
        data = json.loads(kg(bootstrap, "describe", group, "-o", "json", check=True).stdout)
        assert [r["partition"] for r in data[0]["offsets"]] == [1]
    finally:
        delete_groups(bootstrap, group)


def test_errors_and_exit_codes(bootstrap: str, topic_name: str) -> None:
    missing = f"g-{topic_name}-missing"
    described = kg(bootstrap, "--describe", "--group", missing)
    assert (described.returncode, described.stdout) == (1, "")
    assert described.stderr == f"kcli: error: Group {missing} not found.\n"
    for args, message in (
        ([], "Command must include exactly one action"),
        (["--describe"], "takes one of these options: [all-groups], [group]"),
        (["--describe", "--group", "g", "--members", "--state"], "takes at most one of these options"),
        (["--describe", "--group", "g", "--state", "Stable"], "does not take a value for [state]"),
        (["--list", "--state", "nosuch"], "Invalid state list 'nosuch'"),
        (["--list", "--type", "share"], "Invalid type list 'share'"),
        (["--delete-offsets", "--group", "g"], "takes the following options: [group], [topic]"),
        (["--delete", "--group", "g", "--topic", "t"], "does not support topic-specific offset deletion"),
        (["--list", "--timeout", "abc"], "--timeout expects a duration"),
    ):
        proc = kg(bootstrap, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.startswith("kcli: error: ") and proc.stderr.count("\n") == 1 and message in proc.stderr
    unreachable = run_kcli(["groups", "--bootstrap-server", "127.0.0.1:1", "--list", "--timeout", "500ms"])
    assert unreachable.returncode == 1 and "could not reach the Kafka broker at 127.0.0.1:1" in unreachable.stderr


def test_list_filters_and_structured(bootstrap: str, topic_name: str) -> None:
    group = f"g-{topic_name}"
    make_topic(bootstrap, topic_name, records=1)
    commit(bootstrap, group, topic_name, {0: 0})
    try:
        assert group in kg(bootstrap, "--list", check=True).stdout.splitlines()
        listed = json.loads(kg(bootstrap, "list", "--state", "empty", "--type", "classic", "-o", "json",
                               check=True).stdout)
        assert {"group": group, "type": "Classic", "state": "Empty"} in listed
        stable = kg(bootstrap, "list", "--state", "Stable", check=True).stdout.splitlines()
        assert stable[0].startswith("GROUP ") and group not in [line.split()[0] for line in stable[1:]]
    finally:
        delete_groups(bootstrap, group)
