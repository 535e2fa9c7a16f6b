"""kcli's C paths (kcli/native/csrc, KCLI_NATIVE=1) beside its pure-Python ones (KCLI_NATIVE=0): the same
records, options and input through both; stdout bytes, stderr lines, exit codes and the records on the topic
must be identical. KCLI_NATIVE=1 makes a fallback to Python an error, so every "1" run below is the C loop."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import run_kcli
from tests.integration.test_consume import create_topic, produce_raw, read_raw

PYTHON, C = {"KCLI_NATIVE": "0"}, {"KCLI_NATIVE": "1"}
BASE_TS = 1_700_000_000_000

# Every shape of record a layout has a case for: null/empty key and value, binary bytes, no headers, headers with
# a null value, several headers, three partitions.
RECORDS: list[dict[str, Any]] = [
    {"partition": 0, "key": b"k0", "value": b"plain", "timestamp": BASE_TS},
    {"partition": 0, "key": None, "value": None, "timestamp": BASE_TS + 1},
    {"partition": 0, "key": b"", "value": b"", "timestamp": BASE_TS + 2, "headers": [("h", b"x")]},
    {"partition": 1, "key": b"\x00\xff", "value": "ünïcode\ttab".encode(), "timestamp": BASE_TS + 3,
     "headers": [("a", b"1"), ("b", None), ("c", b"")]},
    {"partition": 1, "key": b"k4", "value": b"line\nbreak", "timestamp": BASE_TS + 4},
    {"partition": 2, "key": None, "value": b"v" * 3000, "timestamp": BASE_TS + 5, "headers": [("big", b"y" * 200)]},
    *({"partition": p, "key": f"key-{p}-{i}".encode(), "value": f"value-{p}-{i}".encode(),
       "timestamp": BASE_TS + 10 + i} for p in range(3) for i in range(40)),
]

def _props(*items: str) -> list[str]:
    return [part for item in items for part in ("--formatter-property", item)]


LAYOUTS = {
    "values": [],
    "apache-every-column": _props("print.timestamp=true", "print.partition=true", "print.offset=true",
                                  "print.delivery=true", "print.headers=true", "print.key=true"),
    "apache-separators": _props("print.key=true", "print.headers=true", "key.separator=|", "line.separator=;\n",
                                "headers.separator=&", "null.literal=<nil>"),
    "apache-no-value": _props("print.value=false", "print.key=true", "print.offset=true"),
    "apache-nothing": _props("print.value=false"),
    "noop": ["--formatter", "NoOpMessageFormatter"],
    "kcat-every-token": ["-f", "%t|%p|%o|%k|%K|%s|%S|%T|%h|%%|\\t\\x41\\\\\\n"],
    "kcat-bare": ["-f", "%s"],
}

POSITIONS = {
    "from-beginning -e": ["--from-beginning", "-e"],
    "offset 3 until 20": ["--offset", "3", "--until", "20"],
    "tail 5 -e": ["--offset", "-5", "-e"],
    "time -e": ["--offset", f"@{BASE_TS + 4}", "-e"],
    "one partition -e": ["--partition", "1", "--from-beginning", "-e"],
    "max-messages": ["--from-beginning", "--max-messages", "50"],
    "until 0": ["--from-beginning", "--until", "0"],
    "latest -e": ["--offset", "latest", "-e"],
}


@pytest.fixture(scope="module")
def records_topic(bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    topic = f"native-ref-{tmp_path_factory.getbasetemp().name}"
    create_topic(bootstrap, topic, partitions=3)
    produce_raw(bootstrap, topic, RECORDS)
    return topic


def _consume(bootstrap: str, topic: str, args: list[str], env: dict[str, str]) -> tuple[bytes, bytes, int]:
    proc = run_kcli(["consume", "--bootstrap-server", bootstrap, "--topic", topic, *args], input=b"", env=env)
    return proc.stdout, proc.stderr, proc.returncode


def _sorted_lines(data: bytes) -> list[bytes]:
    """Partitions interleave in whatever order their fetches come back: compare each partition's lines."""
    return sorted(data.split(b"\n"))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_prints_the_same_bytes(bootstrap: str, records_topic: str, layout: str) -> None:
    args = ["--partition", "1", "--from-beginning", "-e", *LAYOUTS[layout]]  # one partition: a fixed order
    c_out, c_err, c_rc = _consume(bootstrap, records_topic, args, C)
    py_out, py_err, py_rc = _consume(bootstrap, records_topic, args, PYTHON)
    assert (c_rc, c_err) == (py_rc, py_err) == (0, b"Processed a total of 42 messages\n")
    assert c_out == py_out
    if layout not in ("noop", "apache-nothing"):
        assert c_out  # a layout that prints something printed it


@pytest.mark.parametrize("position", POSITIONS)
def test_every_start_and_stop_gives_the_same_records(bootstrap: str, records_topic: str, position: str) -> None:
    args = [*POSITIONS[position], "-f", "%p %o %k %s\n"]
    c_out, c_err, c_rc = _consume(bootstrap, records_topic, args, C)
    py_out, py_err, py_rc = _consume(bootstrap, records_topic, args, PYTHON)
    assert (c_rc, c_err) == (py_rc, py_err)
    assert c_rc == 0, c_err
    if position == "max-messages":  # which 50 depends on fetch order: the count and each line's validity
        assert c_err == b"Processed a total of 50 messages\n"
        every = set(_consume(bootstrap, records_topic, ["--from-beginning", "-e", "-f", "%p %o %k %s\n"], PYTHON)[0]
                    .split(b"\n"))
        assert set(c_out.split(b"\n")) <= every
        return
    assert _sorted_lines(c_out) == _sorted_lines(py_out)


def test_all_partitions_with_every_column(bootstrap: str, records_topic: str) -> None:
    args = ["--from-beginning", "-e", *LAYOUTS["apache-every-column"]]
    c_out, c_err, _ = _consume(bootstrap, records_topic, args, C)
    py_out, py_err, _ = _consume(bootstrap, records_topic, args, PYTHON)
    assert c_err == py_err == f"Processed a total of {len(RECORDS)} messages\n".encode()
    assert _sorted_lines(c_out) == _sorted_lines(py_out)


def test_log_append_time_and_a_missing_topic(bootstrap: str, topic_name: str) -> None:
    proc = run_kcli(["topics", "--bootstrap-server", bootstrap, "--create", "--topic", topic_name,
                     "--config", "message.timestamp.type=LogAppendTime"])
    assert proc.returncode == 0, proc.stderr
    produce_raw(bootstrap, topic_name, [{"value": b"a", "timestamp": BASE_TS}])
    for args in (["--from-beginning", "-e", "--formatter-property", "print.timestamp=true"],
                 ["--from-beginning", "-e", "-f", "%T %s\n"]):
        c_out, c_err, _ = _consume(bootstrap, topic_name, args, C)
        py_out, py_err, _ = _consume(bootstrap, topic_name, args, PYTHON)
        assert (c_out, c_err) == (py_out, py_err)
        assert b"LogAppendTime:" in c_out or args[-1] == "%T %s\n"
    missing = ["--from-beginning", "-e", "--timeout-ms", "2000"]
    c_missing = _consume(bootstrap, f"{topic_name}-missing", missing, C)
    py_missing = _consume(bootstrap, f"{topic_name}-missing", missing, PYTHON)
    assert c_missing == py_missing
    assert c_missing[2] == 1 and b"is not available" in c_missing[1]


# -- produce ---------------------------------------------------------------------------------------------------

INPUT = (b"first\r\nsecond\rthird\n\n" + b"long-" * 50_000 + b"\n" + "ünï\n".encode() + b"\r\r"
         + b"\n".join(b"line-%d" % i for i in range(3000)) + b"\nno-newline-at-end")


def _produced(bootstrap: str, topic: str, env: dict[str, str], data: bytes, *args: str) -> tuple[bytes, int]:
    proc = run_kcli(["produce", "--bootstrap-server", bootstrap, "--topic", topic, *args], input=data, env=env)
    return proc.stderr, proc.returncode


def test_produce_sends_the_same_records(bootstrap: str, topic_name: str) -> None:
    expected = INPUT.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")  # Java's readLine
    values = {}
    for name, env in (("c", C), ("python", PYTHON)):
        topic = f"{topic_name}-{name}"
        create_topic(bootstrap, topic)
        assert _produced(bootstrap, topic, env, INPUT) == (b"", 0)
        values[name] = [m.value() for m in read_raw(bootstrap, topic, len(expected))]
    assert values["c"] == values["python"] == expected


def test_produce_reports_failed_deliveries_alike(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    data = b"".join(b"record-%d\n" % i for i in range(30))
    c_err, c_rc = _produced(bootstrap, topic_name, C, data, "--partition", "3")
    py_err, py_rc = _produced(bootstrap, topic_name, PYTHON, data, "--partition", "3")
    assert (c_rc, c_err) == (py_rc, py_err)
    lines = c_err.decode().splitlines()
    assert c_rc == 1
    assert lines[0] == (f"kcli: delivery failed to {topic_name} [partition 3]: Local: Unknown partition "
                        "(value 'record-0')")
    assert lines[20] == "kcli: more deliveries failed; only the first 20 are shown"
    assert lines[-1] == f"kcli: error: 30 of 30 records were not delivered to '{topic_name}'"


def test_produce_to_a_broker_that_does_not_answer(topic_name: str) -> None:
    args = ["--bootstrap-server", "127.0.0.1:1", "--max-block-ms", "1500"]
    c = run_kcli(["produce", "--topic", topic_name, *args], input=b"x\n", env=C)
    py = run_kcli(["produce", "--topic", topic_name, *args], input=b"x\n", env=PYTHON)
    assert (c.returncode, c.stderr) == (py.returncode, py.stderr)
    assert c.returncode == 1 and b"could not reach the Kafka broker at 127.0.0.1:1 within 1.5s" in c.stderr


def test_shapes_the_c_loop_does_not_take_say_so_under_kcli_native_1(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    for args, why in ((["consume", "--topic", topic_name, "--output", "json"], "not a layout of fields"),
                      (["consume", "--topic", topic_name, "--group", "g"], "group subscription"),
                      (["produce", "--topic", topic_name, "--reader-property", "parse.key=true"], "keys")):
        proc = run_kcli([*args, "--bootstrap-server", bootstrap], input="", env=C)
        assert proc.returncode == 2
        assert proc.stderr.startswith("kcli: error: KCLI_NATIVE=1, but this ") and why in proc.stderr


# -- topics --list ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--list"], ["--list", "--exclude-internal"], ["--list", "--topic", "native-.*"],
                                  ["list", "-o", "json"], ["--list", "--topic", "no-such-topic-.*"]])
def test_topic_listing_alike(bootstrap: str, records_topic: str, args: list[str]) -> None:
    c = run_kcli(["topics", "--bootstrap-server", bootstrap, *args], env=C)
    py = run_kcli(["topics", "--bootstrap-server", bootstrap, *args], env=PYTHON)
    assert (c.returncode, c.stdout, c.stderr) == (py.returncode, py.stdout, py.stderr)
    assert c.returncode == 0, c.stderr
    if args == ["--list"]:
        assert records_topic in c.stdout.splitlines() and "__consumer_offsets" in c.stdout.splitlines()


def test_topic_listing_of_a_broker_that_does_not_answer() -> None:
    args = ["topics", "--bootstrap-server", "127.0.0.1:1", "--list", "--timeout", "1500ms"]
    c, py = run_kcli(args, env=C), run_kcli(args, env=PYTHON)
    assert (c.returncode, c.stderr) == (py.returncode, py.stderr)
    assert c.returncode == 1 and "could not reach the Kafka broker at 127.0.0.1:1 within 1.5s" in c.stderr
