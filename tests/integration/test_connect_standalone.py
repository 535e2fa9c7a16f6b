"""`kcli connect standalone` against the real broker: the tutorial, restarts, sink, Python connectors."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import pytest

from kcli.connect.storage.offset_file_format import read_offsets_file
from tests.helpers import ACCEPTANCE, run_kcli, wait_for
from tests.integration.test_connect_standalone_support import (
    WorkerProcess,
    create_topic,
    new_port,
    read_topic,
    write_source,
    write_worker,
)


def _start(tmp_path: Path, bootstrap: str, files: list[Path], port: int, name: str = "file-source-connector",
           log: str = "worker.log") -> WorkerProcess:
    return WorkerProcess.start_running(files, port, tmp_path / log, name)


def test_tutorial_end_to_end(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    """The seed tutorial as its README runs it: kcli topics, kcli connect standalone, kcli consume, REST."""
    run_kcli(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", topic_name, "--partitions", "1",
              "--replication-factor", "1"], check=True)
    source = tmp_path / "my-source-file.txt"
    port = new_port()
    worker_file = write_worker(tmp_path, bootstrap, port, tmp_path / "connect.offsets")
    conn_file = write_source(tmp_path, source, topic_name)
    worker = _start(tmp_path, bootstrap, [worker_file, conn_file], port)
    try:
        lines = [f"hello {i}" for i in range(20)] + ["héllo wörld ✓"]
        with source.open("a", encoding="utf-8") as f:  # the file appears after the worker started
            for line in lines:
                f.write(line + "\n")
        consumed = run_kcli(["consume", "--bootstrap-server", bootstrap, "--topic", topic_name, "--from-beginning",
                             "--max-messages", str(len(lines)), "--timeout-ms", "30000"], check=True)
        assert consumed.stdout.splitlines() == lines
        assert worker.get("/connectors").json() == ["file-source-connector"]
        status = worker.get("/connectors/file-source-connector/status").json()
        assert status["connector"] == {"state": "RUNNING", "worker_id": f"localhost:{port}",
                                       "version": status["connector"]["version"]}
        assert status["type"] == "source"
        info = worker.get("/connectors/file-source-connector").json()
        assert info["tasks"] == [{"connector": "file-source-connector", "task": 0}]
        assert worker.get("/connectors/file-source-connector/config").json()["file"] == str(source)
        tasks = worker.get("/connectors/file-source-connector/tasks").json()
        assert tasks[0]["id"] == {"connector": "file-source-connector", "task": 0}
        assert tasks[0]["config"]["topic"] == topic_name
        task_status = worker.get("/connectors/file-source-connector/tasks/0/status").json()
        assert {k: task_status[k] for k in ("id", "state", "worker_id")} == {
            "id": 0, "state": "RUNNING", "worker_id": f"localhost:{port}"}
        plugins = {p["class"]: p["type"] for p in worker.get("/connector-plugins").json()}
        assert plugins["org.apache.kafka.connect.file.FileStreamSourceConnector"] == "source"
        assert worker.get("/connectors/file-source-connector/topics").json() == {
            "file-source-connector": {"topics": [topic_name]}}
    finally:
        code = worker.stop()
    assert code == 0, worker.output()[-2000:]
    log = worker.output()
    assert "Kafka Connect stopped" in log and "Traceback" not in log
    stored = read_offsets_file(tmp_path / "connect.offsets")
    key = json.dumps(["file-source-connector", {"filename": str(source)}], separators=(",", ":")).encode()
    assert json.loads(stored[key]) == {"position": source.stat().st_size}


class Appender:
    """Appends numbered lines to a file in a background thread, a few at a time."""

    def __init__(self, path: Path, total: int, per_tick: int = 20, tick: float = 0.01) -> None:
        self.path, self.total, self.per_tick, self.tick = path, total, per_tick, tick
        self.written = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.path.open("a") as f:
            while self.written < self.total:
                n = min(self.per_tick, self.total - self.written)
                f.write("".join(f"line-{self.written + i:06d}\n" for i in range(n)))
                f.flush()
                self.written += n
                time.sleep(self.tick)

    def start(self) -> Appender:
        self.thread.start()
        return self

    def join(self) -> None:
        self.thread.join(60)


def _expected(total: int) -> list[str]:
    return [f"line-{i:06d}" for i in range(total)]


@pytest.mark.slow
def test_graceful_restart_loses_nothing_and_duplicates_nothing(tmp_path: Path, bootstrap: str,
                                                               topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    source, offsets = tmp_path / "src.txt", tmp_path / "connect.offsets"
    total = 3000
    port = new_port()
    files = [write_worker(tmp_path, bootstrap, port, offsets, flush_ms=60000), write_source(tmp_path, source,
                                                                                           topic_name)]
    worker = _start(tmp_path, bootstrap, files, port)
    appender = Appender(source, total).start()
    try:
        wait_for(lambda: appender.written >= total // 3, timeout=30, message="a third of the lines written")
    finally:
        assert worker.stop() == 0  # SIGTERM mid-stream: flushes what was acked
    worker = _start(tmp_path, bootstrap, files, port, log="worker2.log")
    try:
        appender.join()
        values = read_topic(bootstrap, topic_name, total, timeout=60)
    finally:
        worker.stop()
    assert [v.decode() for v in values] == _expected(total)


@pytest.mark.slow
def test_kill9_restart_loses_nothing(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    """kill -9: no line is lost; duplicates are only lines after the last flushed offset (one replay)."""
    create_topic(bootstrap, topic_name)
    source, offsets = tmp_path / "src.txt", tmp_path / "connect.offsets"
    total = 3000
    port = new_port()
    files = [write_worker(tmp_path, bootstrap, port, offsets, flush_ms=500),
             write_source(tmp_path, source, topic_name)]
    worker = _start(tmp_path, bootstrap, files, port)
    appender = Appender(source, total).start()
    try:
        wait_for(lambda: offsets.exists() and appender.written >= total // 3, timeout=30,
                 message="an offset flush and a third of the lines")
    finally:
        worker.stop(signal.SIGKILL)
    stored = read_offsets_file(offsets)
    flushed_position = json.loads(next(iter(stored.values())))["position"]
    flushed_lines = flushed_position // len("line-000000\n")
    worker = _start(tmp_path, bootstrap, files, port, log="worker2.log")
    try:
        appender.join()
        values = [v.decode() for v in read_topic(bootstrap, topic_name, total, timeout=60)]
    finally:
        worker.stop()
    expected = _expected(total)
    assert set(values) == set(expected), "a line was lost"
    # One replay: values = expected[:k] + expected[j:] with j >= the last flushed line (the bound).
    k = next((i for i in range(1, len(values)) if values[i] <= values[i - 1]), len(values))
    assert values[:k] == expected[:k]
    j = expected.index(values[k]) if k < len(values) else k
    assert values[k:] == expected[j:]
    assert j >= flushed_lines, f"replayed from line {j}, before the last flushed offset (line {flushed_lines})"


def test_sink_round_trip(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    source, sink = tmp_path / "in.txt", tmp_path / "test.sink.txt"
    source.write_text("".join(f"row {i}\n" for i in range(50)))
    port = new_port()
    sink_file = tmp_path / "sink.properties"
    text = (ACCEPTANCE / "connect-file-sink.properties").read_text()
    sink_file.write_text(text.replace("test.sink.txt", str(sink)).replace("connect-test", topic_name))
    # the source writes with the worker's converters (JsonConverter, schemas on), the sink reads them back
    json_source = tmp_path / "json-source.properties"
    json_source.write_text("".join(line + "\n" for line in write_source(tmp_path, source, topic_name)
                                   .read_text().splitlines() if ".converter" not in line))
    files = [write_worker(tmp_path, bootstrap, port, tmp_path / "offsets", flush_ms=500), json_source, sink_file]
    worker = _start(tmp_path, bootstrap, files, port)
    try:
        worker.wait_running("local-file-sink")
        expected = [f"row {i}" for i in range(50)]
        wait_for(lambda: sink.exists() and sink.read_text().splitlines() == expected, timeout=30,
                 message="the sink file holds every row")
        # the sink's group connect-local-file-sink commits what was flushed
        def ours() -> list:  # the group may hold offsets of earlier runs' topics too
            return [o for o in worker.get("/connectors/local-file-sink/offsets").json()["offsets"]
                    if o["partition"]["kafka_topic"] == topic_name]

        offs = wait_for(ours, timeout=30)
        assert offs == [{"partition": {"kafka_topic": topic_name, "kafka_partition": 0},
                         "offset": {"kafka_offset": 50}}]
    finally:
        assert worker.stop() == 0


PLUGIN_MODULE = """
from kcli.connect.api import SinkConnector, SinkTask

class NullSinkConnector(SinkConnector):
    def start(self, props): self.props = props
    def stop(self): pass
    def task_class(self): return NullSinkTask
    def task_configs(self, max_tasks): return [self.props]

class NullSinkTask(SinkTask):
    def start(self, props): pass
    def put(self, records): pass
    def stop(self): pass
"""


def test_python_connectors_by_dotted_path_and_plugin_path(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    """A connector class defined in a test module (dotted path) and one in a plugin.path directory."""
    create_topic(bootstrap, topic_name)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "kcli_test_plugins.py").write_text(PLUGIN_MODULE)
    port = new_port()
    counter = tmp_path / "counter.json"
    counter.write_text(json.dumps({"name": "counter", "config": {
        "connector.class": "tests.integration.test_connect_standalone_support.CounterConnector", "tasks.max": "2",
        "topic": topic_name, "value.converter": "org.apache.kafka.connect.storage.StringConverter"}}))
    null_sink = tmp_path / "null.yaml"
    null_sink.write_text(f"name: null-sink\nconnector.class: NullSink\ntopics: {topic_name}\n"
                         "value.converter: org.apache.kafka.connect.storage.StringConverter\n")
    worker_file = write_worker(tmp_path, bootstrap, port, tmp_path / "offsets", flush_ms=500,
                               extra=f"plugin.path={plugins}\n")
    worker = _start(tmp_path, bootstrap, [worker_file, counter, null_sink], port, name="counter")
    try:
        values = sorted(v.decode() for v in read_topic(bootstrap, topic_name, 10))
        assert values == sorted([f"count-{i}" for i in range(1, 6)] + [f"count-{i}" for i in range(1001, 1006)])
        worker.wait_running("null-sink")
        classes = {p["class"]: p["type"] for p in worker.get("/connector-plugins").json()}
        assert classes["kcli_test_plugins.NullSinkConnector"] == "sink"
        offsets = worker.get("/connectors/counter/offsets").json()["offsets"]
        wait_for(lambda: sorted(o["offset"]["n"] for o in worker.get("/connectors/counter/offsets").json()[
            "offsets"]) == [5, 1005], timeout=20, message=f"counter offsets (last seen {offsets})")
    finally:
        assert worker.stop() == 0


def test_bad_connector_file_exits_3(tmp_path: Path, bootstrap: str) -> None:
    port = new_port()
    worker_file = write_worker(tmp_path, bootstrap, port, tmp_path / "offsets")
    bad = tmp_path / "bad.properties"
    bad.write_text("name=bad\nconnector.class=NoSuchConnector\ntopic=x\n")
    proc = run_kcli(["connect", "standalone", str(worker_file), str(bad)], timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert "Failed to find any class that implements Connector and which name matches NoSuchConnector" in proc.stderr
    invalid = tmp_path / "invalid.properties"
    invalid.write_text("name=inv\nconnector.class=FileStreamSource\ntasks.max=zero\ntopic=t\n")
    proc = run_kcli(["connect", "standalone", str(worker_file), str(invalid)], timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert "tasks.max" in proc.stderr.splitlines()[-1]


def test_startup_errors_exit_2_and_usage_exit_1(tmp_path: Path, bootstrap: str) -> None:
    assert run_kcli(["connect", "standalone"]).returncode == 1
    port = new_port()
    offsets = tmp_path / "offsets"
    offsets.write_bytes(b"\xac\xed\x00\x05garbage")
    worker_file = write_worker(tmp_path, bootstrap, port, offsets)
    proc = run_kcli(["connect", "standalone", str(worker_file)], timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("kcli: error:")
    assert "Traceback" not in proc.stderr
    assert offsets.read_bytes() == b"\xac\xed\x00\x05garbage"  # never overwritten
    no_conv = tmp_path / "w.properties"
    no_conv.write_text(f"bootstrap.servers={bootstrap}\noffset.storage.file.filename={offsets}\n")
    proc = run_kcli(["connect", "standalone", str(no_conv)], timeout=60)
    assert proc.returncode == 2 and "key.converter" in proc.stderr


def test_sink_errors_tolerated_go_to_the_dead_letter_queue(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    from confluent_kafka import Consumer, Producer

    create_topic(bootstrap, topic_name)
    dlq = f"{topic_name}-dlq"
    producer = Producer({"bootstrap.servers": bootstrap})
    for value in (b'{"schema":{"type":"string","optional":false},"payload":"good 1"}', b"not json",
                  b'{"schema":{"type":"string","optional":false},"payload":"good 2"}'):
        producer.produce(topic_name, value, headers=[("h", b"v")])
    producer.flush(10)
    sink = tmp_path / "sink.txt"
    conn = tmp_path / "dlq-sink.properties"
    conn.write_text(f"name=dlq-sink-{topic_name}\nconnector.class=FileStreamSink\nfile={sink}\ntopics={topic_name}\n"
                    f"errors.tolerance=all\nerrors.deadletterqueue.topic.name={dlq}\n"
                    "errors.deadletterqueue.topic.replication.factor=1\n"
                    "errors.deadletterqueue.context.headers.enable=true\n")
    port = new_port()
    worker = _start(tmp_path, bootstrap, [write_worker(tmp_path, bootstrap, port, tmp_path / "o", flush_ms=500),
                                          conn], port, name=f"dlq-sink-{topic_name}")
    try:
        wait_for(lambda: sink.exists() and sink.read_text() == "good 1\ngood 2\n", timeout=30,
                 message="the valid records in the sink file")
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{dlq}-reader",
                             "auto.offset.reset": "earliest"})
        consumer.subscribe([dlq])
        msg = wait_for(lambda: next((m for m in consumer.consume(1, 0.5) if m.error() is None), None), timeout=30,
                       message="the failed record on the DLQ topic")
        consumer.close()
        assert msg.value() == b"not json"
        headers = dict(msg.headers())
        assert headers["h"] == b"v"
        assert headers["__connect.errors.topic"] == topic_name.encode()
        assert headers["__connect.errors.partition"] == b"0" and headers["__connect.errors.offset"] == b"1"
        assert headers["__connect.errors.stage"] == b"VALUE_CONVERTER"
        assert headers["__connect.errors.class.name"] == b"org.apache.kafka.connect.json.JsonConverter"
        assert headers["__connect.errors.connector.name"] == f"dlq-sink-{topic_name}".encode()
        assert headers["__connect.errors.task.id"] == b"0"
        assert b"Converting byte[] to Kafka Connect data failed" in headers["__connect.errors.exception.message"]
    finally:
        assert worker.stop() == 0


def test_source_topic_creation(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    """topic.creation.*: the first record's topic is created with the matching group's settings."""
    from confluent_kafka.admin import AdminClient, ConfigResource

    source = tmp_path / "src.txt"
    source.write_text("one\ntwo\n")
    conn = write_source(tmp_path, source, topic_name, extra=(
        "\ntopic.creation.default.replication.factor=1\ntopic.creation.default.partitions=1\n"
        f"topic.creation.groups=special\ntopic.creation.special.include={topic_name}\n"
        "topic.creation.special.partitions=2\ntopic.creation.special.retention.ms=123456789\n"))
    port = new_port()
    worker = _start(tmp_path, bootstrap, [write_worker(tmp_path, bootstrap, port, tmp_path / "o"), conn], port)
    try:
        assert sorted(v.decode() for v in read_topic(bootstrap, topic_name, 2)) == ["one", "two"]
        admin = AdminClient({"bootstrap.servers": bootstrap})
        assert len(admin.list_topics(topic_name, timeout=10).topics[topic_name].partitions) == 2
        resource = ConfigResource("topic", topic_name)
        configs = admin.describe_configs([resource])[resource].result(10)
        assert configs["retention.ms"].value == "123456789"
    finally:
        assert worker.stop() == 0


def test_stop_alter_offsets_and_resume_over_rest(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    """KIP-875 on the real data path: stop, rewind the file position, resume: the lines come again."""
    import requests

    create_topic(bootstrap, topic_name)
    source = tmp_path / "src.txt"
    source.write_text("a\nb\nc\n")
    port = new_port()
    files = [write_worker(tmp_path, bootstrap, port, tmp_path / "offsets", flush_ms=500),
             write_source(tmp_path, source, topic_name)]
    worker = _start(tmp_path, bootstrap, files, port)
    base = f"{worker.url}/connectors/file-source-connector"
    try:
        assert len(read_topic(bootstrap, topic_name, 3)) == 3
        resp = requests.delete(f"{base}/offsets", timeout=10)
        assert resp.status_code == 400 and "STOPPED state" in resp.json()["message"]
        assert requests.put(f"{base}/stop", timeout=30).status_code == 204
        status = worker.get("/connectors/file-source-connector/status").json()
        assert status["connector"]["state"] == "STOPPED" and status["tasks"] == []
        assert worker.get("/connectors/file-source-connector/offsets").json() == {
            "offsets": [{"partition": {"filename": str(source)}, "offset": {"position": 6}}]}
        body = {"offsets": [{"partition": {"filename": str(source)}, "offset": {"position": 2}}]}
        resp = requests.patch(f"{base}/offsets", json=body, timeout=30)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"message": "The offsets for this connector have been altered successfully"}
        assert requests.put(f"{base}/resume", timeout=30).status_code == 202
        worker.wait_running("file-source-connector")
        values = [v.decode() for v in read_topic(bootstrap, topic_name, 5)]
        assert values == ["a", "b", "c", "b", "c"]
    finally:
        assert worker.stop() == 0


def test_sink_topics_regex(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    from confluent_kafka import Producer

    create_topic(bootstrap, topic_name)
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(3):
        producer.produce(topic_name, f"r{i}".encode())
    producer.flush(10)
    sink = tmp_path / "regex-sink.txt"
    conn = tmp_path / "regex.properties"
    conn.write_text(f"name=regex-{topic_name}\nconnector.class=FileStreamSink\nfile={sink}\n"
                    f"topics.regex={topic_name[:-2]}..\nvalue.converter=org.apache.kafka.connect.storage.StringConverter\n")
    port = new_port()
    worker = _start(tmp_path, bootstrap, [write_worker(tmp_path, bootstrap, port, tmp_path / "o", flush_ms=500), conn],
                    port, name=f"regex-{topic_name}")
    try:
        wait_for(lambda: sink.exists() and sink.read_text() == "r0\nr1\nr2\n", timeout=30, message="the regex sink")
        topics = worker.get(f"/connectors/regex-{topic_name}/topics").json()[f"regex-{topic_name}"]["topics"]
        assert topics == [topic_name]
    finally:
        assert worker.stop() == 0


def test_file_sink_writes_each_record_as_it_arrives(tmp_path: Path, bootstrap: str, topic_name: str) -> None:
    """FileStreamSink writes what put() receives at once (as Apache's), not at the offset commit: with a
    60 s offset.flush.interval.ms a record shows up in the file within seconds."""
    from confluent_kafka import Producer

    create_topic(bootstrap, topic_name)
    sink = tmp_path / "sink.txt"
    conn = tmp_path / "through-sink.properties"
    conn.write_text(f"name=through-sink\nconnector.class=FileStreamSink\nfile={sink}\ntopics={topic_name}\n"
                    "value.converter=org.apache.kafka.connect.storage.StringConverter\n")
    port = new_port()
    worker = _start(tmp_path, bootstrap, [write_worker(tmp_path, bootstrap, port, tmp_path / "o", flush_ms=60000),
                                          conn], port, name="through-sink")
    try:
        producer = Producer({"bootstrap.servers": bootstrap})
        producer.produce(topic_name, b"right away")
        producer.flush(10)
        started = time.monotonic()
        wait_for(lambda: sink.exists() and sink.read_text() == "right away\n", timeout=30,
                 message="the record in the sink file")
        assert time.monotonic() - started < 20, "written long before the 60 s offset commit"
    finally:
        assert worker.stop() == 0
