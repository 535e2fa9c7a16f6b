"""`kcli groups --reset-offsets` / `kcli groups reset` against the real broker: what it prints, its exit code and
the offsets the broker holds afterwards. Also the seeding helpers the reference test shares."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import run_kcli, wait_for

pytestmark = pytest.mark.broker

TP = tuple[str, int]
RECORDS = 10
HEADER = "\nGROUP           TOPIC           PARTITION  NEW-OFFSET"


def admin(bootstrap: str):
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": bootstrap})


def seed(bootstrap: str, topic: str, partitions: int = 3, records: int = RECORDS) -> int:
    """A topic whose every partition holds `records` records, record i stamped base + i seconds; returns base (ms),
    an hour ago (recent enough for the broker's retention)."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import NewTopic

    client = admin(bootstrap)  # kept referenced until its futures are done
    for future in client.create_topics([NewTopic(topic, partitions, 1)]).values():
        future.result(timeout=60)
    base = (int(time.time()) // 60 * 60 - 3600) * 1000
    producer = Producer({"bootstrap.servers": bootstrap})
    for partition in range(partitions):
        for i in range(records):
            producer.produce(topic, value=f"v{i}".encode(), partition=partition, timestamp=base + i * 1000)
    assert producer.flush(60) == 0
    return base


def commit(bootstrap: str, group: str, offsets: Mapping[TP, int]) -> None:
    """Commit offsets for a group that has no members (it becomes Empty)."""
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

    request = ConsumerGroupTopicPartitions(group, [TopicPartition(t, p, o) for (t, p), o in offsets.items()])
    client = admin(bootstrap)
    client.alter_consumer_group_offsets([request])[group].result(timeout=60)


def committed(bootstrap: str, group: str) -> dict[TP, int]:
    """The offsets the broker holds for the group."""
    from confluent_kafka import ConsumerGroupTopicPartitions

    client = admin(bootstrap)
    result = client.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(timeout=60)
    return {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions if tp.offset >= 0}


def delete_records(bootstrap: str, topic: str, partition: int, before: int) -> None:
    """Move the log start of a partition to `before` (records below it are gone)."""
    from confluent_kafka import TopicPartition

    client = admin(bootstrap)
    for future in client.delete_records([TopicPartition(topic, partition, before)]).values():
        future.result(timeout=60)


def group_state(bootstrap: str, group: str) -> str:
    client = admin(bootstrap)
    return client.describe_consumer_groups([group])[group].result(timeout=30).state.name


@contextmanager
def active_member(bootstrap: str, group: str, topic: str) -> Iterator[None]:
    """A consumer in `group` polling `topic` until the block ends; the group is Stable inside."""
    from confluent_kafka import Consumer

    stop = threading.Event()
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "session.timeout.ms": 45000})
    consumer.subscribe([topic])

    def poll() -> None:
        while not stop.is_set():
            consumer.poll(0.2)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        wait_for(lambda: group_state(bootstrap, group) == "STABLE", timeout=90, message=f"{group} to be Stable")
        yield
    finally:
        stop.set()
        thread.join(timeout=30)
        consumer.close()


def groups_cmd(bootstrap: str, *args: str, input: str | None = None):
    return run_kcli(["groups", "--bootstrap-server", bootstrap, *args], input=input, timeout=120)


def drop(bootstrap: str, topic: str, groups: list[str]) -> None:
    """Delete what a test made (best effort: a group that was never created, or is still active, stays)."""
    client = admin(bootstrap)
    for future in [*client.delete_consumer_groups(groups).values(), *client.delete_topics([topic]).values()]:
        try:
            future.result(timeout=60)
        except Exception:
            pass


@pytest.fixture
def names(bootstrap: str, topic_name: str) -> Iterator[tuple[str, str]]:
    """A fresh topic and group name for one test, deleted afterwards."""
    group = f"g-{uuid.uuid4().hex[:10]}"
    yield topic_name, group
    drop(bootstrap, topic_name, [group])


def test_execute_moves_the_offsets_and_dry_run_does_not(bootstrap: str, names: tuple[str, str]) -> None:
    topic, group = names
    seed(bootstrap, topic)
    commit(bootstrap, group, {(topic, 0): 2, (topic, 1): 5})
    plan = groups_cmd(bootstrap, "--reset-offsets", "--group", group, "--all-topics", "--to-earliest")
    assert plan.returncode == 0, plan.stderr
    assert plan.stderr.startswith("WARN: No action will be performed as the --execute option is missing.")
    assert committed(bootstrap, group) == {(topic, 0): 2, (topic, 1): 5}
    done = groups_cmd(bootstrap, "--reset-offsets", "--group", group, "--all-topics", "--to-offset", "7",
                      "--execute")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert committed(bootstrap, group) == {(topic, 0): 7, (topic, 1): 7}
    assert done.stdout.startswith("\nGROUP ") and done.stdout.count("\n") == 4


def test_subcommand_form_with_json_plan(bootstrap: str, names: tuple[str, str]) -> None:
    topic, group = names
    seed(bootstrap, topic, partitions=2)
    commit(bootstrap, group, {(topic, 0): 4, (topic, 1): 9})
    proc = groups_cmd(bootstrap, "reset", group, "--topic", f"{topic}:1", "--shift-by", "-3", "-o", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [{"group": group, "topic": topic, "partition": 1, "current_offset": 9,
                                        "new_offset": 6, "executed": False}]
    assert "Dry run: nothing was changed" in proc.stderr and "WARN: No action" not in proc.stderr
    proc = groups_cmd(bootstrap, "reset", group, "--topic", topic, "--to-latest", "--execute", "-o", "yaml")
    assert proc.returncode == 0, proc.stderr
    assert "new_offset: 10" in proc.stdout and "executed: true" in proc.stdout
    assert committed(bootstrap, group) == {(topic, 0): 10, (topic, 1): 10}


def test_clamped_offsets_warn_in_log4j_layout(bootstrap: str, names: tuple[str, str]) -> None:
    topic, group = names
    seed(bootstrap, topic, partitions=1)
    delete_records(bootstrap, topic, 0, 3)
    commit(bootstrap, group, {(topic, 0): 5})
    proc = groups_cmd(bootstrap, "reset", group, "--all-topics", "--shift-by", "-4", "--execute")
    assert proc.returncode == 0, proc.stderr
    assert f"WARN New offset (1) is lower than earliest offset for topic partition {topic}-0. Value will be set " \
           "to 3 (kcli.groups.reset)" in proc.stderr
    assert committed(bootstrap, group) == {(topic, 0): 3}


def test_to_datetime_and_duration(bootstrap: str, names: tuple[str, str]) -> None:
    topic, group = names
    base = seed(bootstrap, topic, partitions=1)
    commit(bootstrap, group, {(topic, 0): 0})
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base / 1000 + 3)) + ".500"
    proc = groups_cmd(bootstrap, "reset", group, "--all-topics", "--to-datetime", stamp, "--execute")
    assert proc.returncode == 0, proc.stderr
    assert committed(bootstrap, group) == {(topic, 0): 4}
    # nothing is as recent as one minute ago: Apache's notice on stdout, the latest offset
    proc = groups_cmd(bootstrap, "reset", group, "--all-topics", "--by-duration", "PT1M", "--execute")
    assert f"\nWarn: Partition 0 from topic {topic} is empty. Falling back to latest known offset.\n" in proc.stdout
    assert committed(bootstrap, group) == {(topic, 0): RECORDS}
    # with --export the notice goes to stderr, so the CSV stays readable by --from-file
    proc = groups_cmd(bootstrap, "reset", group, "--all-topics", "--by-duration", "PT1M", "--export")
    assert proc.stdout == f'"{topic}",0,{RECORDS}\n\n'  # a name longer than 24 characters is quoted, as Jackson does
    assert "Warn: Partition 0" in proc.stderr


def test_from_file_reads_stdin_and_files(bootstrap: str, names: tuple[str, str], tmp_path: Path) -> None:
    topic, group = names
    seed(bootstrap, topic, partitions=2)
    commit(bootstrap, group, {(topic, 0): 1, (topic, 1): 1})
    proc = groups_cmd(bootstrap, "reset", group, "--from-file", "-", "--execute", input=f"{topic},0,6\n{topic},1,99\n")
    assert proc.returncode == 0, proc.stderr
    assert committed(bootstrap, group) == {(topic, 0): 6, (topic, 1): RECORDS}
    plan = tmp_path / "plan.csv"
    plan.write_text(f"{group},{topic},1,2\n")
    proc = groups_cmd(bootstrap, "--reset-offsets", "--group", group, "--from-file", str(plan), "--execute")
    assert proc.returncode == 0, proc.stderr
    assert committed(bootstrap, group) == {(topic, 0): 6, (topic, 1): 2}


def test_active_group_is_refused(bootstrap: str, names: tuple[str, str]) -> None:
    topic, group = names
    seed(bootstrap, topic, partitions=1)
    commit(bootstrap, group, {(topic, 0): 3})
    with active_member(bootstrap, group, topic):
        proc = groups_cmd(bootstrap, "reset", group, "--all-topics", "--to-earliest", "--execute")
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (f"kcli: error: Assignments can only be reset if the group '{group}' is "
                                            "inactive, but the current state is Stable.")
    assert committed(bootstrap, group) == {(topic, 0): 3}


def test_unknown_group_and_missing_partitions(bootstrap: str, names: tuple[str, str]) -> None:
    topic, group = names
    seed(bootstrap, topic, partitions=1)
    proc = groups_cmd(bootstrap, "reset", group, "--all-topics", "--to-earliest")
    assert proc.returncode == 0 and proc.stdout == HEADER + "\n"
    assert f"Consumer group '{group}' has no committed offsets" in proc.stderr
    proc = groups_cmd(bootstrap, "reset", group, "--topic", f"{topic}:0,4", "--to-earliest")
    assert proc.returncode == 1 and proc.stderr == f'kcli: error: The partitions "{topic}-4" do not exist\n'
    proc = groups_cmd(bootstrap, "reset", group, "--topic", f"{topic}-nope", "--to-earliest")
    assert proc.returncode == 1 and proc.stderr.startswith("kcli: error: This server does not host this")
    assert committed(bootstrap, group) == {}


@pytest.mark.parametrize(("args", "message"), [
    (["--all-topics", "--to-datetime", "yesterday"], "--to-datetime 'yesterday'"),
    (["--all-topics", "--by-duration", "1d"], "--by-duration '1d'"),
    (["--to-earliest"], "One of the reset scopes should be defined: --all-topics, --topic."),
    (["--all-topics"], "Option '[reset-offsets]' requires one of the following scenarios"),
    (["--all-topics", "--to-earliest", "--to-latest"], "Option \"[to-earliest]\" can't be used with"),
    (["--all-topics", "--to-earliest", "--dry-run", "--execute"], "only accepts one of [execute] and [dry-run]"),
    (["--all-topics", "--from-file", "/nonexistent/plan.csv"], "cannot read the reset plan"),
    (["--topic", "t:x", "--to-earliest"], "Invalid partition 'x' specified in topic arg 't:x'"),
])
def test_usage_errors_exit_2_before_anything_is_asked(bootstrap: str, args: list[str], message: str) -> None:
    proc = groups_cmd(bootstrap, "--reset-offsets", "--group", "any", *args)
    assert proc.returncode == 2, proc.stderr
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("kcli: error: ") and message in last, proc.stderr
    assert "Traceback" not in proc.stderr
