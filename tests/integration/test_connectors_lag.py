"""`kcli connectors lag` (and the LAG column of `connectors status`) against a kcli standalone worker running a
FileStreamSink on a topic produced before it started, on the real broker."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import run_kcli, wait_for
from tests.integration.test_connect_standalone_support import WorkerProcess, new_port, write_source, write_worker
from tests.integration.test_consume import create_topic, produce_raw

pytestmark = [pytest.mark.broker, pytest.mark.slow]

PER_PARTITION = 10_000  # records in each of the 2 partitions before the worker starts
LATER = 1_500  # records per partition written while the sink is paused


@dataclass
class Setup:
    worker: WorkerProcess
    bootstrap: str
    topic: str
    sink: str  # the connector using the default group connect-NAME
    sink_file: Path
    custom: str  # a sink with consumer.override.group.id
    custom_group: str
    custom_file: Path
    source: str

    def kc(self, *args: str, bootstrap: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        """`kcli connectors ARGS` against the worker; with `bootstrap`, the broker is passed as --bootstrap-server."""
        extra = ["--bootstrap-server", self.bootstrap] if bootstrap else []
        return run_kcli(["connectors", "--url", self.worker.url, *args, *extra], timeout=timeout,
                        env={"KCLI_BOOTSTRAP_SERVER": ""})

    def lag(self, name: str) -> dict:
        proc = self.kc("lag", name, "-o", "json")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)


def sink_properties(tmp: Path, name: str, topic: str, out: Path, extra: str = "") -> Path:
    path = tmp / f"{name}.properties"
    path.write_text(f"name={name}\nconnector.class=FileStreamSink\ntasks.max=1\nfile={out}\ntopics={topic}\n"
                    "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
                    "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
                    f"consumer.override.max.poll.records=100\n{extra}")
    return path


def values(partition: int, start: int, count: int) -> list[str]:
    return [f"r-{partition}-{i}" for i in range(start, start + count)]


@pytest.fixture
def setup(tmp_path: Path, bootstrap: str, topic_name: str) -> Iterator[Setup]:
    create_topic(bootstrap, topic_name, partitions=2)
    produce_raw(bootstrap, topic_name, [{"value": v.encode(), "partition": p}
                                        for p in (0, 1) for v in values(p, 0, PER_PARTITION)])
    tag = uuid.uuid4().hex[:8]
    sink, custom, source = f"lag-sink-{tag}", f"lag-custom-{tag}", f"lag-source-{tag}"
    sink_file, custom_file = tmp_path / "sink.txt", tmp_path / "custom.txt"
    port = new_port()
    files = [write_worker(tmp_path, bootstrap, port, tmp_path / "offsets", flush_ms=500),
             sink_properties(tmp_path, sink, topic_name, sink_file),
             sink_properties(tmp_path, custom, topic_name, custom_file, f"consumer.override.group.id=g-{tag}\n"),
             write_source(tmp_path, tmp_path / "source.txt", f"{topic_name}-src", name=source)]
    (tmp_path / "source.txt").write_text("")
    worker = WorkerProcess.start_running(files, port, tmp_path / "worker.log", name=sink)
    try:
        yield Setup(worker, bootstrap, topic_name, sink, sink_file, custom, f"g-{tag}", custom_file, source)
    finally:
        assert worker.stop() == 0, worker.output()[-3000:]


def end_offsets(bootstrap: str, topic: str) -> list[int]:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "lag-test-ends"})
    try:
        return [consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in (0, 1)]
    finally:
        consumer.close()


def test_lag_while_paused_then_wait_caught_up(setup: Setup) -> None:
    s = setup
    # Once the sink committed in both partitions, pause it and write more: it then lags in both, by every record
    # written after PAUSED (the task reports PAUSED once its consumer is paused, as Apache's does).
    wait_for(lambda: all(p["current_offset"] is not None for p in s.lag(s.sink)["partitions"]), timeout=120,
             message="the sink's first commit in every partition")
    paused = s.kc("pause", s.sink, bootstrap=False)
    assert paused.returncode == 0, paused.stderr
    waited = s.kc("status", s.sink, "--wait", "PAUSED", bootstrap=False)
    assert waited.returncode == 0, waited.stderr
    produce_raw(s.bootstrap, s.topic, [{"value": v.encode(), "partition": p}
                                       for p in (0, 1) for v in values(p, PER_PARTITION, LATER)])
    ends = end_offsets(s.bootstrap, s.topic)

    text = s.kc("lag", s.sink)  # a pipe: tab-separated lines, the TOTAL last
    assert text.returncode == 0, text.stderr
    *rows, total = [line.split("\t") for line in text.stdout.splitlines()]
    assert [(r[0], r[1]) for r in rows] == [(s.topic, "0"), (s.topic, "1")]
    for (_, partition, current, log_end, lag) in rows:
        assert int(log_end) == ends[int(partition)]
        assert int(lag) == int(log_end) - int(current) >= LATER
    assert total == ["TOTAL", "", "", "", str(sum(int(r[4]) for r in rows))]

    doc = s.lag(s.sink)
    assert doc["connector"] == s.sink and doc["group"] == f"connect-{s.sink}"
    assert doc["total_lag"] >= 2 * LATER and doc["caught_up"] is False
    assert [(p["topic"], p["partition"], p["log_end_offset"]) for p in doc["partitions"]] == [
        (s.topic, 0, ends[0]), (s.topic, 1, ends[1])]

    short = s.kc("lag", s.sink, "--wait-caught-up", "--timeout", "2s")  # paused: it cannot catch up
    assert short.returncode == 1
    err = short.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"kcli: error: connector {s.sink} did not catch up within 2s (lag ")
    assert short.stdout.splitlines()[-1].startswith("TOTAL\t")

    status = s.kc("status", s.sink)  # PAUSED: exit 4, and the connector line has its LAG
    assert status.returncode == 4, status.stderr
    connector_line = status.stdout.splitlines()[0].split("\t")
    assert connector_line[:3] == ["connector", s.sink, "PAUSED"] and int(connector_line[4]) >= 2 * LATER
    plain = s.kc("status", s.sink, bootstrap=False)
    assert len(plain.stdout.splitlines()[0].split("\t")) == 5  # no bootstrap server: Apache's fields only
    as_json = json.loads(s.kc("status", s.sink, "-o", "json").stdout)
    assert as_json["lag"]["group"] == f"connect-{s.sink}" and as_json["lag"]["total_lag"] >= 2 * LATER

    resumed = s.kc("resume", s.sink, bootstrap=False)
    assert resumed.returncode == 0, resumed.stderr
    done = s.kc("lag", s.sink, "--wait-caught-up", "--timeout", "150s")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "TOTAL\t\t\t\t0"
    assert f"connector {s.sink} is caught up" in done.stderr
    # Committed means flushed: the sink file holds every record, once.
    expected = [v for p in (0, 1) for v in values(p, 0, PER_PARTITION + LATER)]
    assert sorted(s.sink_file.read_text().splitlines()) == sorted(expected)


def test_group_override_source_and_usage_errors(setup: Setup) -> None:
    s = setup
    done = s.kc("lag", s.custom, "--wait-caught-up", "--timeout", "150s", "-o", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["group"] == s.custom_group and doc["total_lag"] == 0 and doc["caught_up"] is True
    assert [p["current_offset"] for p in doc["partitions"]] == [PER_PARTITION, PER_PARTITION]
    assert len(s.custom_file.read_text().splitlines()) == 2 * PER_PARTITION

    source = s.kc("lag", s.source)
    assert source.returncode == 1
    assert source.stderr.strip().splitlines() == [
        f"kcli: error: connector {s.source} is a source connector: only a sink connector has a consumer group "
        f"and a lag (a source connector's position: kcli connectors offsets get {s.source})"]
    source_status = s.kc("status", s.source)
    assert source_status.returncode == 0 and len(source_status.stdout.splitlines()[0].split("\t")) == 5

    missing = s.kc("lag", "no-such-connector")
    assert missing.returncode == 1 and "not found" in missing.stderr

    no_kafka = s.kc("lag", s.sink, bootstrap=False)
    assert no_kafka.returncode == 2
    lines = no_kafka.stderr.strip().splitlines()
    assert len(lines) == 1 and "pass --bootstrap-server HOST:PORT" in lines[0], no_kafka.stderr
