"""Bounded reads with `kcli consume`: -e/--exit-at-end (the end offsets of the start) and --until OFFSET|@TIME,
against the real broker, alone and with --partition, --offset, --group, --max-messages and --timeout-ms."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from tests.helpers import run_kcli, wait_for
from tests.integration.test_consume import consume, create_topic, produce_raw, running_kcli

BASE_TS = 1_700_000_000_000  # record timestamps of the --until @T tests: BASE_TS + i seconds


def end_offsets(bootstrap: str, topic: str, partitions: int) -> list[int]:
    """The high watermark of every partition, from the broker."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "end-offsets"})
    try:
        return [consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in range(partitions)]
    finally:
        consumer.close()


def committed(bootstrap: str, group: str, topic: str, partitions: int) -> list[int]:
    """The group's committed offsets of the topic's partitions (-1001 where nothing is committed)."""
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive while its futures run
    request = [ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in range(partitions)])]
    result = next(iter(admin.list_consumer_group_offsets(request).values())).result(30)
    return [tp.offset for tp in sorted(result.topic_partitions, key=lambda tp: tp.partition)]


def broker_records(bootstrap: str, topic: str, ends: list[int]) -> dict[int, list[tuple[int, str]]]:
    """(offset, value) of every record below ends[p] in each partition p, read with confluent-kafka directly."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "broker-records", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p, end in enumerate(ends) if end > 0])
    out: dict[int, list[tuple[int, str]]] = {p: [] for p in range(len(ends))}
    try:
        def complete() -> bool:
            for m in consumer.consume(10_000, 0.5):
                if m.error() is None and m.offset() < ends[m.partition()]:
                    out[m.partition()].append((m.offset(), m.value().decode()))
            return all(len(out[p]) >= end for p, end in enumerate(ends))
        wait_for(complete, timeout=60, interval=0, message="the broker's records")
    finally:
        consumer.close()
    return out


class LiveProducer:
    """Writes `live-N` records round-robin to every partition until stopped (a topic being written to)."""

    def __init__(self, bootstrap: str, topic: str, partitions: int) -> None:
        from confluent_kafka import Producer

        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
        self.topic, self.partitions = topic, partitions
        self.stopped = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stopped.is_set():
            for _ in range(50):
                self.producer.produce(self.topic, f"live-{self.sent}".encode(), partition=self.sent % self.partitions)
                self.sent += 1
            self.producer.flush(30)
            self.stopped.wait(0.02)

    def __enter__(self) -> LiveProducer:
        self.thread.start()
        wait_for(lambda: self.sent >= 200, message="the live producer's first records")
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        self.thread.join(60)
        self.producer.flush(30)


def printed(stdout: str) -> dict[int, list[tuple[int, str]]]:
    """Lines `PARTITION OFFSET VALUE` (-f '%p %o %s\\n') grouped by partition, in order."""
    out: dict[int, list[tuple[int, str]]] = {}
    for line in stdout.splitlines():
        p, o, v = line.split(" ", 2)
        out.setdefault(int(p), []).append((int(o), v))
    return out


def total(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


@pytest.fixture
def ten(bootstrap: str, topic_name: str) -> str:
    """One partition, v0..v9 stamped BASE_TS + i seconds."""
    create_topic(bootstrap, topic_name)
    produce_raw(bootstrap, topic_name, [{"value": f"v{i}".encode(), "timestamp": BASE_TS + i * 1000}
                                        for i in range(10)])
    return topic_name


@pytest.fixture
def live_topic(bootstrap: str, topic_name: str) -> Iterator[tuple[str, list[int]]]:
    """Three partitions with a backlog of 3 x 5,000 records (the end offsets are returned), then a live producer."""
    create_topic(bootstrap, topic_name, partitions=3)
    produce_raw(bootstrap, topic_name, [{"value": f"old-{p}-{i}".encode(), "partition": p}
                                        for p in range(3) for i in range(5000)])
    before = end_offsets(bootstrap, topic_name, 3)
    with LiveProducer(bootstrap, topic_name, 3):
        yield topic_name, before


def _assert_stopped_at_the_start(bootstrap: str, topic: str, args: list[str], before: list[int]) -> list[int]:
    """Run a bounded consume while the producer writes; the records it printed are exactly those of the broker
    below end offsets taken between `before` and its first line (its start). Returns those end offsets."""
    with running_kcli(["consume", "--bootstrap-server", bootstrap, "--topic", topic, "-f", "%p %o %s\n", *args],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0) as proc:
        assert proc.stdout is not None
        first = b""
        while not first.endswith(b"\n"):  # byte by byte: communicate() reads the pipe, not a file buffer
            byte = os.read(proc.stdout.fileno(), 1)
            assert byte, "kcli printed nothing"
            first += byte
        at_first_line = end_offsets(bootstrap, topic, 3)  # kcli looked the ends up before printing anything
        produce_raw(bootstrap, topic, [{"value": f"after-{p}".encode(), "partition": p} for p in range(3)] * 100)
        rest_bytes, err_bytes = proc.communicate(timeout=120)
    err = err_bytes.decode()
    assert proc.returncode == 0, err
    got = printed((first + rest_bytes).decode())
    ends = [len(got.get(p, [])) for p in range(3)]
    for p in range(3):
        assert before[p] <= ends[p] <= at_first_line[p], (p, before, ends, at_first_line)
    expected = broker_records(bootstrap, topic, ends)
    for p in range(3):  # offsets 0..end-1, every record, in order
        rows = got.get(p, [])
        if rows != expected[p]:
            diff = next((pair for pair in zip(rows, expected[p], strict=False) if pair[0] != pair[1]), None)
            pytest.fail(f"partition {p}: printed {len(rows)} records, the broker has {len(expected[p])} below "
                        f"{ends[p]}; first difference (printed, broker): {diff}")
    assert not any(v.startswith("after-") for rows in got.values() for _, v in rows)
    assert total(err) == f"Processed a total of {sum(ends)} messages"
    return ends


def test_exit_at_end_stops_at_the_end_offsets_of_the_start(bootstrap: str, live_topic: tuple[str, list[int]]) -> None:
    topic, before = live_topic
    _assert_stopped_at_the_start(bootstrap, topic, ["--from-beginning", "-e"], before)


def test_exit_at_end_with_a_group_commits_what_it_printed(bootstrap: str,
                                                          live_topic: tuple[str, list[int]]) -> None:
    topic, before = live_topic
    group = f"g-{topic}"
    ends = _assert_stopped_at_the_start(bootstrap, topic, ["--group", group, "--from-beginning", "--exit-at-end"],
                                        before)
    assert committed(bootstrap, group, topic, 3) == ends


def test_exit_at_end_on_an_empty_topic_or_partition_exits_at_once(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name, partitions=2)
    empty = consume(bootstrap, topic_name, "-e")  # no --timeout-ms: waiting would hit run_kcli's timeout
    assert (empty.returncode, empty.stdout, total(empty.stderr)) == (0, "", "Processed a total of 0 messages")
    produce_raw(bootstrap, topic_name, [{"value": b"only-in-0", "partition": 0}])
    other = consume(bootstrap, topic_name, "--partition", "1", "--from-beginning", "-e")
    assert (other.returncode, other.stdout, total(other.stderr)) == (0, "", "Processed a total of 0 messages")
    grouped = consume(bootstrap, topic_name, "--group", f"g-{topic_name}", "-e")  # starts at the end: nothing
    assert (grouped.returncode, grouped.stdout) == (0, ""), grouped.stderr
    both = consume(bootstrap, topic_name, "--from-beginning", "-e")
    assert (both.returncode, both.stdout, total(both.stderr)) == (0, "only-in-0\n", "Processed a total of 1 messages")


def test_until_offset_is_exclusive_and_combines_with_the_other_stops(bootstrap: str, ten: str) -> None:
    def lines(*args: str) -> list[str]:
        proc = consume(bootstrap, ten, *args)
        assert proc.returncode == 0, proc.stderr
        assert total(proc.stderr) == f"Processed a total of {len(proc.stdout.splitlines())} messages"
        return proc.stdout.splitlines()

    assert lines("--from-beginning", "--until", "5") == ["v0", "v1", "v2", "v3", "v4"]
    assert lines("--offset", "3", "--until", "5") == ["v3", "v4"]
    assert lines("--offset", "4", "--until", "4") == []
    assert lines("--from-beginning", "--until", "0") == []
    assert lines("--partition", "0", "--offset", "earliest", "--until", "2") == ["v0", "v1"]
    assert lines("--from-beginning", "--until", "5", "--max-messages", "2") == ["v0", "v1"]  # the first stop wins
    assert lines("--from-beginning", "--until", "50", "-e") == [f"v{i}" for i in range(10)]
    assert lines("--from-beginning", "--until", "50", "--timeout-ms", "1s") == [f"v{i}" for i in range(10)]


def test_until_offset_waits_for_records_below_it(bootstrap: str, ten: str) -> None:
    with running_kcli(["consume", "--bootstrap-server", bootstrap, "--topic", ten, "--from-beginning",
                       "--until", "12"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        assert [proc.stdout.readline() for _ in range(10)] == [f"v{i}\n" for i in range(10)]
        produce_raw(bootstrap, ten, [{"value": f"new{i}".encode()} for i in range(5)])
        rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert rest == "new0\nnew1\n"
    assert total(err) == "Processed a total of 12 messages"


def test_until_timestamp_in_epoch_ms_and_iso(bootstrap: str, ten: str) -> None:
    iso = datetime.fromtimestamp((BASE_TS + 5000) / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for until in (f"@{BASE_TS + 5000}", f"@{iso}", f"@{BASE_TS + 4001}"):
        proc = consume(bootstrap, ten, "--from-beginning", "--until", until)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == ["v0", "v1", "v2", "v3", "v4"], until
    ranged = consume(bootstrap, ten, "--offset", f"@{BASE_TS + 2000}", "--until", f"@{BASE_TS + 5000}")
    assert ranged.stdout.splitlines() == ["v2", "v3", "v4"]
    later = consume(bootstrap, ten, "--from-beginning", "--until", "@2999-01-01T00:00:00Z", "-e")
    assert later.stdout.splitlines() == [f"v{i}" for i in range(10)]  # no record that late: -e ends it


def test_until_timestamp_seen_after_the_start(bootstrap: str, ten: str) -> None:
    """T later than every record at start: records keep printing until the first one stamped T or later."""
    with running_kcli(["consume", "--bootstrap-server", bootstrap, "--topic", ten, "--from-beginning",
                       "--until", f"@{BASE_TS + 20_000}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                      text=True) as proc:
        assert proc.stdout is not None
        assert [proc.stdout.readline() for _ in range(10)] == [f"v{i}\n" for i in range(10)]
        produce_raw(bootstrap, ten, [{"value": f"n{i}".encode(), "timestamp": BASE_TS + (18 + i) * 1000}
                                     for i in range(5)])
        rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert rest == "n0\nn1\n"


def test_until_in_several_partitions(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name, partitions=3)
    produce_raw(bootstrap, topic_name, [{"value": f"p{p}-{i}".encode(), "partition": p,
                                         "timestamp": BASE_TS + (i + p) * 1000}
                                        for p in range(3) for i in range(6)])
    by_offset = consume(bootstrap, topic_name, "--from-beginning", "--until", "2", "-f", "%p %o %s\n")
    assert by_offset.returncode == 0, by_offset.stderr
    assert printed(by_offset.stdout) == {p: [(0, f"p{p}-0"), (1, f"p{p}-1")] for p in range(3)}
    by_time = consume(bootstrap, topic_name, "--from-beginning", "--until", f"@{BASE_TS + 3000}", "-f", "%p %o %s\n")
    assert by_time.returncode == 0, by_time.stderr
    assert printed(by_time.stdout) == {0: [(i, f"p0-{i}") for i in range(3)], 1: [(0, "p1-0"), (1, "p1-1")],
                                       2: [(0, "p2-0")]}
    group = f"g-{topic_name}"
    grouped = consume(bootstrap, topic_name, "--group", group, "--from-beginning", "--until", "4")
    assert grouped.returncode == 0, grouped.stderr
    assert total(grouped.stderr) == "Processed a total of 12 messages"
    assert committed(bootstrap, group, topic_name, 3) == [4, 4, 4]
    again = consume(bootstrap, topic_name, "--group", group, "--until", "4")  # every partition is at its stop
    assert (again.returncode, again.stdout) == (0, ""), again.stderr
    rest = consume(bootstrap, topic_name, "--group", group, "-e")
    assert sorted(rest.stdout.splitlines()) == sorted(f"p{p}-{i}" for p in range(3) for i in (4, 5))


def test_exit_at_end_with_include(bootstrap: str, topic_name: str) -> None:
    for suffix in ("a", "b"):
        create_topic(bootstrap, f"{topic_name}-{suffix}")
        produce_raw(bootstrap, f"{topic_name}-{suffix}", [{"value": f"{suffix}{i}".encode()} for i in range(3)])
    out = run_kcli(["consume", "--bootstrap-server", bootstrap, "--include", f"{topic_name}-.*", "--from-beginning",
                    "-e"])
    assert out.returncode == 0, out.stderr
    assert sorted(out.stdout.splitlines()) == ["a0", "a1", "a2", "b0", "b1", "b2"]


@pytest.mark.parametrize(("args", "needle"), [
    (["--until", "x"], "--until 'x': expected an offset N"),
    (["--until", "-3"], "--until '-3': expected an offset N"),
    (["--until", "@yesterday"], "--until @yesterday: expected epoch milliseconds or an ISO-8601 time"),
    (["--until", "99999999999999999999"], "--until 99999999999999999999: 99999999999999999999 is out of range"),
    (["--offset", "9", "--until", "5"], "--until 5 is before --offset 9"),
    (["--offset", "@2000", "--until", "@1000"], "--until @1000 is before --offset @2000"),
])
def test_bad_bounds_are_usage_errors(bootstrap: str, ten: str, args: list[str], needle: str) -> None:
    proc = consume(bootstrap, ten, *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kcli: error: "), proc.stderr
    assert needle in lines[0]
