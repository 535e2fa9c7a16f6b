"""PAUSED means the task no longer processes records (Apache's WorkerTask): once `GET /connectors/NAME/status` shows
PAUSED for the connector and every task, a FileStreamSink's file and its group's committed offsets stop growing while
records keep arriving, a FileStreamSource sends nothing more to its topic while lines keep being appended, and a
source paused inside a slow poll() reports PAUSED only after that poll() returned and its records were sent;
RUNNING again after the resume, and they move on. A kcli standalone worker on the real broker."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from kcli.connect.api import Schema, SourceConnector, SourceRecord, SourceTask
from tests.helpers import wait_for
from tests.integration.test_connect_standalone_support import (
    WorkerProcess,
    create_topic,
    new_port,
    write_source,
    write_worker,
)

pytestmark = [pytest.mark.broker]

QUIET_S = 3.0  # how long a paused connector is watched: six of the sink's 0.5 s polls, three source waits


@dataclass
class Rest:
    """The REST calls of these tests, against one worker."""

    url: str

    def status(self, name: str) -> tuple[str, list[str]]:
        body = requests.get(f"{self.url}/connectors/{name}/status", timeout=10).json()
        return body["connector"]["state"], [t["state"] for t in body["tasks"]]

    def put(self, name: str, action: str) -> None:
        answer = requests.put(f"{self.url}/connectors/{name}/{action}", timeout=10)
        assert answer.status_code == 202, answer.text

    def await_state(self, name: str, state: str) -> None:
        wait_for(lambda: (s := self.status(name))[0] == state and s[1] and set(s[1]) == {state}, timeout=60,
                 interval=0.05, message=f"{name} and its tasks {state}")


@dataclass
class Pipeline:
    worker: WorkerProcess
    rest: Rest
    bootstrap: str
    sink: str
    sink_topic: str  # records keep being produced to it
    sink_file: Path
    source: str
    source_file: Path  # lines keep being appended to it
    source_topic: str
    slow: str  # SlowPollConnector: each poll() takes 0.8 s and notes its return in slow_log
    slow_log: Path
    slow_topic: str


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _committed(bootstrap: str, group: str, topic: str) -> int:
    """The group's committed offset of partition 0, read from the broker (0 when none)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        offset = consumer.committed([TopicPartition(topic, 0)], timeout=30)[0].offset
        return max(offset, 0)
    finally:
        consumer.close()


def _end_offset(bootstrap: str, topic: str) -> int:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"pause-ends-{uuid.uuid4().hex[:6]}"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=30)[1]
    finally:
        consumer.close()


def _stays(sample: Callable[[], Any], seconds: float, what: str) -> Any:
    """Sample for `seconds` (every 0.1 s); fail at the first value that differs from the first one."""
    first = sample()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = sample()
        assert now == first, f"{what} changed while paused: {first} -> {now}"
    return first


def _keep_producing(bootstrap: str, topic: str, stop: threading.Event) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    n = 0
    while not stop.wait(0.005):
        producer.produce(topic, f"k-{n}".encode())
        producer.poll(0)
        n += 1
    producer.flush(30)


def _keep_appending(path: Path, stop: threading.Event) -> None:
    n = 0
    with path.open("a", encoding="utf-8") as f:
        while not stop.wait(0.005):
            f.write(f"line-{n}\n")
            f.flush()
            n += 1


class SlowPollConnector(SourceConnector):
    """A source whose task spends its time inside poll(), so that a pause arrives while it is blocked there."""

    def start(self, props: dict[str, str]) -> None:
        self.props = props

    def stop(self) -> None: ...

    def task_class(self) -> type[SourceTask]:
        return SlowPollTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self.props)]


class SlowPollTask(SourceTask):
    def start(self, props: dict[str, str]) -> None:
        self.topic, self.log = props["topic"], Path(props["poll.log"])
        stored = self.context.offset_storage_reader.offset({"slow": 0})
        self.n = stored["n"] if stored else 0
        self.stopping = threading.Event()

    def poll(self) -> list[SourceRecord] | None:
        if self.stopping.wait(0.8):
            return None
        self.n += 1
        with self.log.open("a") as f:  # noted before poll() returns: before the records are even sent
            f.write(f"{self.n}\n")
        return [SourceRecord({"slow": 0}, {"n": self.n}, self.topic, None, None, None, Schema.STRING_SCHEMA,
                             f"slow-{self.n}")]

    def stop(self) -> None:
        self.stopping.set()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, bootstrap: str) -> Iterator[Pipeline]:
    tmp = tmp_path_factory.mktemp("pause")
    tag = uuid.uuid4().hex[:8]
    sink, source, slow = f"pause-sink-{tag}", f"pause-source-{tag}", f"pause-slow-{tag}"
    sink_topic, source_topic, slow_topic = f"t-pause-sink-{tag}", f"t-pause-source-{tag}", f"t-pause-slow-{tag}"
    for topic in (sink_topic, source_topic, slow_topic):
        create_topic(bootstrap, topic)
    sink_file, source_file = tmp / "sink.txt", tmp / "source.txt"
    source_file.write_text("")
    sink_props = tmp / "sink.properties"
    sink_props.write_text(f"name={sink}\nconnector.class=FileStreamSink\ntasks.max=1\nfile={sink_file}\n"
                          f"topics={sink_topic}\nkey.converter=org.apache.kafka.connect.storage.StringConverter\n"
                          "value.converter=org.apache.kafka.connect.storage.StringConverter\n")
    slow_log, slow_props = tmp / "polls.txt", tmp / "slow.properties"
    slow_props.write_text(f"name={slow}\nconnector.class={__name__}.SlowPollConnector\ntopic={slow_topic}\n"
                          f"poll.log={slow_log}\n")
    port = new_port()
    files = [write_worker(tmp, bootstrap, port, tmp / "offsets", flush_ms=500), sink_props,
             write_source(tmp, source_file, source_topic, name=source), slow_props]
    stop = threading.Event()
    feeders = [threading.Thread(target=_keep_producing, args=(bootstrap, sink_topic, stop), daemon=True),
               threading.Thread(target=_keep_appending, args=(source_file, stop), daemon=True)]
    for t in feeders:
        t.start()
    worker = WorkerProcess.start_running(files, port, tmp / "worker.log", name=sink)
    try:
        worker.wait_running(source)
        worker.wait_running(slow)
        yield Pipeline(worker, Rest(worker.url), bootstrap, sink, sink_topic, sink_file, source, source_file,
                       source_topic, slow, slow_log, slow_topic)
    finally:
        stop.set()
        for t in feeders:
            t.join(30)
        assert worker.stop() == 0, worker.output()[-3000:]


def check_sink_pause(rest: Rest, bootstrap: str, sink: str, topic: str, sink_file: Path) -> None:
    """Pause a FileStreamSink fed without a break: once PAUSED, its file and committed offset stay put (after the
    one commit the pause asks for); RUNNING again after the resume, and both grow."""
    group = f"connect-{sink}"
    wait_for(lambda: _lines(sink_file) > 0 and _committed(bootstrap, group, topic) > 0, timeout=60,
             message="the sink writing and committing")
    rest.put(sink, "pause")
    rest.await_state(sink, "PAUSED")
    at_paused = _lines(sink_file)
    # the pause asks for one commit of what was already written (Apache requests it after onPause) ...
    wait_for(lambda: _committed(bootstrap, group, topic) == _lines(sink_file), timeout=60,
             message="the commit that follows the pause")
    assert _lines(sink_file) == at_paused, "records were written after the task reported PAUSED"
    # ... then nothing moves, while the topic keeps growing
    end_before = _end_offset(bootstrap, topic)
    assert _stays(lambda: (_lines(sink_file), _committed(bootstrap, group, topic)), QUIET_S,
                  "the sink file / committed offset") == (at_paused, at_paused)
    assert _end_offset(bootstrap, topic) > end_before > at_paused

    rest.put(sink, "resume")
    rest.await_state(sink, "RUNNING")
    wait_for(lambda: _lines(sink_file) > at_paused and _committed(bootstrap, group, topic) > at_paused,
             timeout=60, message="the sink writing and committing again")


def test_a_paused_sink_puts_and_commits_nothing_more(pipeline: Pipeline) -> None:
    p = pipeline
    check_sink_pause(p.rest, p.bootstrap, p.sink, p.sink_topic, p.sink_file)


def test_a_paused_source_sends_nothing_more(pipeline: Pipeline) -> None:
    p = pipeline

    def position() -> int:
        offsets = p.worker.get(f"/connectors/{p.source}/offsets").json()["offsets"]
        return offsets[0]["offset"]["position"] if offsets else 0

    def settled() -> int | None:  # every record sent so far is on the topic and its offset is committed
        end = _end_offset(p.bootstrap, p.source_topic)
        lines = p.source_file.read_bytes()[:position()].count(b"\n")
        return end if end == lines and end > 0 else None

    wait_for(lambda: _end_offset(p.bootstrap, p.source_topic) > 0, timeout=60, message="the source sending")
    p.rest.put(p.source, "pause")
    p.rest.await_state(p.source, "PAUSED")
    # records handed to the producer before PAUSED may still be acknowledged; none is polled after it
    sent = wait_for(settled, timeout=60, message="the records sent before the pause acknowledged and committed")
    appended_before = _lines(p.source_file)
    assert _stays(lambda: (_end_offset(p.bootstrap, p.source_topic), position()), QUIET_S,
                  "the topic's end offset / source offset")[0] == sent
    assert _lines(p.source_file) > appended_before > sent  # lines kept coming

    p.rest.put(p.source, "resume")
    p.rest.await_state(p.source, "RUNNING")
    wait_for(lambda: _end_offset(p.bootstrap, p.source_topic) > sent, timeout=60,
             message="the source sending again")


def test_a_source_paused_inside_poll_reports_paused_once_poll_returned(pipeline: Pipeline) -> None:
    p = pipeline
    wait_for(lambda: _lines(p.slow_log) >= 2, timeout=60, message="polls returning")
    p.rest.put(p.slow, "pause")
    p.rest.await_state(p.slow, "PAUSED")
    polls = _lines(p.slow_log)  # the poll() under way when the pause came has returned before PAUSED
    wait_for(lambda: _end_offset(p.bootstrap, p.slow_topic) == polls, timeout=60,
             message="the records of every returned poll() on the topic")
    assert _stays(lambda: (_lines(p.slow_log), _end_offset(p.bootstrap, p.slow_topic)), QUIET_S,
                  "the number of poll() calls returned / the topic's end offset") == (polls, polls)
    p.rest.put(p.slow, "resume")
    p.rest.await_state(p.slow, "RUNNING")
    wait_for(lambda: _end_offset(p.bootstrap, p.slow_topic) > polls, timeout=60, message="polls again")


@pytest.mark.slow
def test_a_paused_sink_on_a_distributed_worker(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    """The same on `kcli connect distributed`, where the task's statuses go through the status topic."""
    from tests.integration.distributed_support import Cluster

    create_topic(bootstrap, topic_name)
    stop = threading.Event()
    feeder = threading.Thread(target=_keep_producing, args=(bootstrap, topic_name, stop), daemon=True)
    feeder.start()
    cluster = Cluster(tmp_path, bootstrap, "pause")
    try:
        worker = cluster.start()
        sink_file, sink = tmp_path / "sink.txt", f"dist-sink-{uuid.uuid4().hex[:8]}"
        cluster.create(sink, {"connector.class": "FileStreamSink", "file": str(sink_file),
                                     "topics": topic_name,
                                     "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                                     "value.converter": "org.apache.kafka.connect.storage.StringConverter"})
        rest = Rest(worker.url)
        rest.await_state(sink, "RUNNING")
        check_sink_pause(rest, bootstrap, sink, topic_name, sink_file)
    finally:
        stop.set()
        feeder.join(30)
        cluster.stop()
