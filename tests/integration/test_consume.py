"""`kcli consume` against the real broker: limits, clean endings, groups, start positions, JSON round trip."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import ROOT, run_kcli, wait_for


def create_topic(bootstrap: str, topic: str, partitions: int = 1) -> None:
    """Create a topic with the admin client and wait until its metadata shows it."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for fut in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        fut.result(30)
    wait_for(lambda: len(admin.list_topics(topic, timeout=5).topics[topic].partitions) == partitions,
             message=f"topic {topic}")


def produce_raw(bootstrap: str, topic: str, records: list[dict[str, Any]]) -> None:
    """Write records with confluent-kafka directly (kwargs of Producer.produce)."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap})
    for rec in records:
        producer.produce(topic, **rec)
    assert producer.flush(30) == 0


def read_raw(bootstrap: str, topic: str, count: int, timeout: float = 30) -> list[Any]:
    """Read `count` records from the beginning with confluent-kafka directly."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{topic}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    out: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(out) < count and time.monotonic() < deadline:
            out.extend(m for m in consumer.consume(count - len(out), 0.5) if m.error() is None)
    finally:
        consumer.close()
    return sorted(out, key=lambda m: (m.partition(), m.offset()))


def consume(bootstrap: str, topic: str, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return run_kcli(["consume", "--bootstrap-server", bootstrap, "--topic", topic, *args], input=input)


@contextlib.contextmanager
def running_kcli(args: list[str], **kwargs: Any) -> Iterator[subprocess.Popen]:
    """Start `python -m kcli ARGS`; kill it on the way out if it is still running."""
    proc = subprocess.Popen([sys.executable, "-m", "kcli", *args], cwd=ROOT, **kwargs)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def interrupt(proc: subprocess.Popen) -> bytes:
    """Ctrl-C the process and wait for it to end; returns its stderr."""
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    return err


@pytest.fixture
def ten(bootstrap: str, topic_name: str) -> str:
    create_topic(bootstrap, topic_name)
    produce_raw(bootstrap, topic_name, [{"value": f"v{i}".encode(), "key": f"k{i}".encode()} for i in range(10)])
    return topic_name


def test_max_messages_stops_and_reports_total(bootstrap: str, ten: str) -> None:
    proc = consume(bootstrap, ten, "--from-beginning", "--max-messages", "3")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "v0\nv1\nv2\n"
    assert proc.stderr.strip().splitlines()[-1] == "Processed a total of 3 messages"


def test_timeout_ms_ends_after_silence(bootstrap: str, ten: str) -> None:
    started = time.monotonic()
    proc = consume(bootstrap, ten, "--from-beginning", "--timeout-ms", "1000",
                   "--formatter-property", "print.key=true")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"k{i}\tv{i}" for i in range(10)]
    assert "Processed a total of 10 messages" in proc.stderr
    assert time.monotonic() - started < 20


def test_closed_stdout_ends_quietly(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    produce_raw(bootstrap, topic_name, [{"value": b"x" * 100} for _ in range(20000)])
    cmd = (f"'{sys.executable}' -m kcli consume --bootstrap-server {bootstrap} --topic {topic_name} "
           f"--from-beginning --timeout-ms 10000 | head -n 2")
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ("x" * 100 + "\n") * 2
    assert "Traceback" not in proc.stderr and "Broken pipe" not in proc.stderr, proc.stderr


def test_sigint_exits_zero_with_total(bootstrap: str, ten: str) -> None:
    with running_kcli(["consume", "--bootstrap-server", bootstrap, "--topic", ten, "--from-beginning"],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(10)]
        assert lines[-1] == b"v9\n"
        err = interrupt(proc)
    assert proc.returncode == 0, err
    assert b"Processed a total of 10 messages" in err and b"Traceback" not in err


def test_group_commits_and_resumes(bootstrap: str, ten: str) -> None:
    group = f"g-{ten}"
    first = consume(bootstrap, ten, "--group", group, "--from-beginning", "--max-messages", "4")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["v0", "v1", "v2", "v3"]
    second = consume(bootstrap, ten, "--group", group, "--timeout-ms", "3000")
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == [f"v{i}" for i in range(4, 10)]


@pytest.mark.parametrize("protocol", ["classic", "consumer"])
def test_group_protocol_is_the_one_asked_for(bootstrap: str, ten: str, protocol: str) -> None:
    """group.protocol reaches librdkafka: `consumer` joins as a KIP-848 group, as Apache's console consumer does."""
    from confluent_kafka.admin import AdminClient

    group = f"{protocol}-{ten}"
    proc = consume(bootstrap, ten, "--group", group, "--from-beginning", "--max-messages", "3",
                   "--command-property", f"group.protocol={protocol}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["v0", "v1", "v2"]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    listed = {g.group_id: g.type.name for g in admin.list_consumer_groups().result(30).valid}
    assert listed[group] == protocol.upper()


def test_auto_commit_off_commits_nothing(bootstrap: str, ten: str) -> None:
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
    from confluent_kafka.admin import AdminClient

    group = f"nocommit-{ten}"
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive while its futures run

    def committed() -> list[int]:
        request = [ConsumerGroupTopicPartitions(group, [TopicPartition(ten, 0)])]
        result = next(iter(admin.list_consumer_group_offsets(request).values())).result(30)
        return [tp.offset for tp in result.topic_partitions]

    proc = consume(bootstrap, ten, "--from-beginning", "--max-messages", "2", "--group", group,
                   "--command-property", "enable.auto.commit=false")
    assert proc.returncode == 0, proc.stderr
    assert committed() == [-1001]  # OFFSET_INVALID: nothing committed
    again = consume(bootstrap, ten, "--from-beginning", "--max-messages", "2", "--group", group)
    assert again.stdout == proc.stdout == "v0\nv1\n"
    assert committed() == [2]  # the default (auto-commit) run commits exactly what it printed


def test_offset_tail_and_timestamp(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name, partitions=2)
    base = 1_700_000_000_000
    produce_raw(bootstrap, topic_name, [{"value": f"p{p}-{i}".encode(), "partition": p, "timestamp": base + i * 1000}
                                        for p in (0, 1) for i in range(5)])
    tail = consume(bootstrap, topic_name, "--offset", "-2", "--timeout-ms", "1000")
    assert tail.returncode == 0, tail.stderr
    assert sorted(tail.stdout.splitlines()) == ["p0-3", "p0-4", "p1-3", "p1-4"]
    one = consume(bootstrap, topic_name, "--partition", "1", "--offset", "-1", "--timeout-ms", "1000")
    assert one.stdout == "p1-4\n"
    at = consume(bootstrap, topic_name, "--partition", "0", "--offset", f"@{base + 3000}", "--timeout-ms", "1000")
    assert at.stdout == "p0-3\np0-4\n"
    iso = consume(bootstrap, topic_name, "--partition", "0", "--offset", "@2023-11-14T22:13:24Z",
                  "--timeout-ms", "1000")
    assert iso.stdout == "p0-4\n"
    absolute = consume(bootstrap, topic_name, "--partition", "0", "--offset", "2", "--max-messages", "1")
    assert absolute.stdout == "p0-2\n"


def test_json_round_trip_through_produce(bootstrap: str, topic_name: str) -> None:
    source, copy = topic_name, topic_name + "-copy"
    create_topic(bootstrap, source)
    create_topic(bootstrap, copy)
    records = [
        {"key": b"k1", "value": b"hello", "headers": [("h", b"1"), ("h", b"2")], "timestamp": 1_700_000_000_123},
        {"key": b"\xff\x00bin", "value": b"\x80\x81", "headers": [("bin", b"\xfe"), ("nul", None)]},
        {"key": None, "value": None},
        {"key": b"unicode", "value": "grüße ✓".encode()},
    ]
    produce_raw(bootstrap, source, records)
    dumped = consume(bootstrap, source, "--from-beginning", "--max-messages", "4", "--output", "json")
    assert dumped.returncode == 0, dumped.stderr
    envelopes = [json.loads(line) for line in dumped.stdout.splitlines()]
    assert envelopes[1]["key_encoding"] == "base64" and envelopes[1]["value_encoding"] == "base64"
    assert envelopes[2]["key"] is None and envelopes[2]["value"] is None
    loaded = run_kcli(["produce", "--bootstrap-server", bootstrap, "--topic", copy, "--input", "json"],
                      input=dumped.stdout)
    assert loaded.returncode == 0, loaded.stderr
    got = read_raw(bootstrap, copy, 4)
    assert [(m.key(), m.value(), m.headers() or []) for m in got] == \
        [(r.get("key"), r.get("value"), r.get("headers", [])) for r in records]
    assert got[0].timestamp() == (1, 1_700_000_000_123)
    again = consume(bootstrap, copy, "--from-beginning", "--max-messages", "4", "--output", "json")
    strip = [{k: v for k, v in json.loads(line).items() if k not in ("topic", "timestamp")}
             for line in again.stdout.splitlines()]
    assert strip == [{k: v for k, v in e.items() if k not in ("topic", "timestamp")} for e in envelopes]


def test_include_regex_and_kcat_format(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name + "-a")
    create_topic(bootstrap, topic_name + "-b")
    produce_raw(bootstrap, topic_name + "-a", [{"key": b"ka", "value": b"a"}])
    produce_raw(bootstrap, topic_name + "-b", [{"key": b"kb", "value": b"b"}])
    proc = run_kcli(["consume", "--bootstrap-server", bootstrap, "--include", f"{topic_name}-(a|b)",
                     "--from-beginning", "--max-messages", "2", "-f", r"%t:%k=%s\n"], timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.splitlines()) == [f"{topic_name}-a:ka=a", f"{topic_name}-b:kb=b"]


def test_old_spellings_warn_on_stderr_and_clash(bootstrap: str, ten: str) -> None:
    old = consume(bootstrap, ten, "--from-beginning", "--max-messages", "1", "--property", "print.key=true",
                  "--consumer-property", "client.id=old-names")
    assert old.returncode == 0, old.stderr
    assert old.stdout == "k0\tv0\n"
    assert "Option --property is deprecated" in old.stderr and "--consumer-property is deprecated" in old.stderr
    both = consume(bootstrap, ten, "--property", "print.key=true", "--formatter-property", "print.key=true")
    assert both.returncode == 2 and "cannot be specified together" in both.stderr and both.stdout == ""


@pytest.mark.parametrize(("args", "needle"), [
    (["--offset", "soon"], "--offset 'soon'"),
    (["--offset", "1", "--from-beginning"], "cannot be specified together"),
    (["--key-deserializer", "Avro"], "unknown deserializer"),
    (["--formatter", "com.example.F"], "unknown formatter"),
])
def test_usage_errors_are_one_line(bootstrap: str, topic_name: str, args: list[str], needle: str) -> None:
    proc = consume(bootstrap, topic_name, *args)
    assert proc.returncode == 2
    assert needle in proc.stderr and "Traceback" not in proc.stderr and proc.stdout == ""


def test_missing_topic_fails_cleanly(bootstrap: str, topic_name: str) -> None:
    proc = consume(bootstrap, topic_name, "--from-beginning", "--timeout-ms", "1000")
    assert proc.returncode == 1 and "kcli: error:" in proc.stderr and "Traceback" not in proc.stderr
    assert os.environ.get("KCLI_DEBUG", "") in ("", "0")


def test_config_files_both_spellings(bootstrap: str, ten: str, tmp_path) -> None:
    client = tmp_path / "client.properties"
    client.write_text("client.id=from-file\n")
    fmt = tmp_path / "fmt.properties"
    fmt.write_text("print.key=true\nkey.separator=\\u0020=>\\u0020\n")
    old = consume(bootstrap, ten, "--from-beginning", "--max-messages", "1", "--consumer.config", str(client),
                  "--formatter-config", str(fmt))
    assert old.returncode == 0, old.stderr
    assert old.stdout == "k0 => v0\n" and "--consumer.config is deprecated" in old.stderr
    both = consume(bootstrap, ten, "--consumer.config", str(client), "--command-config", str(client))
    assert both.returncode == 2 and "cannot be specified together" in both.stderr


@pytest.mark.parametrize("how", [["--topic", "x"], ["--include", "x.*"], ["--topic", "x", "--group", "g1"]])
def test_down_broker_names_the_bootstrap(how: list[str]) -> None:
    started = time.monotonic()
    proc = run_kcli(["consume", "--bootstrap-server", "127.0.0.1:1", *how, "--timeout-ms", "1s",
                     "-X", "default.api.timeout.ms=2s"])
    took = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.splitlines()[-1] == ("kcli: error: could not reach the Kafka broker at 127.0.0.1:1 within 2s "
                                            "(Failed to get metadata: Local: Broker transport failure)"), proc.stderr
    assert took < 15, took


def test_timeout_ms_takes_durations(bootstrap: str, ten: str) -> None:
    proc = consume(bootstrap, ten, "--from-beginning", "--timeout-ms", "1s")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"v{i}" for i in range(10)]
    bad = consume(bootstrap, ten, "--timeout-ms", "1 fortnight")
    assert bad.returncode == 2 and "--timeout-ms expects a duration" in bad.stderr and "Traceback" not in bad.stderr


def test_empty_bootstrap_is_a_usage_error() -> None:
    proc = run_kcli(["consume", "--bootstrap-server", "", "--topic", "x"])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "kcli: error: --bootstrap-server must name at least one HOST:PORT, got an empty value"


@pytest.mark.parametrize(("cmd", "codes"), [
    (["consume"], ["0  stopped by --max-messages", "1  the broker was unreachable", "2  usage"]),
    (["connect"], ["0  stopped by SIGINT/SIGTERM", "1  usage error", "2  start-up error", "3  a connector file"]),
])
def test_help_states_exit_codes(cmd: list[str], codes: list[str]) -> None:
    out = run_kcli([*cmd, "--help"]).stdout
    assert "Exit codes" in out
    for code in codes:
        assert code in out, code
