"""`kcli produce` against the real broker: line parsing, errors with line numbers, delivery, Ctrl-C, flags."""

from __future__ import annotations

import array
import fcntl
import socket
import subprocess
import termios
import time
from typing import Any

import pytest

from tests.helpers import run_kcli, wait_for
from tests.integration.test_consume import create_topic, interrupt, read_raw, running_kcli


def _unread(pipe: Any) -> int:
    """Bytes still waiting in a pipe (FIONREAD works on its write end too)."""
    buf = array.array("i", [0])
    fcntl.ioctl(pipe.fileno(), termios.FIONREAD, buf)
    return buf[0]


def produce(bootstrap: str, topic: str, *args: str, input: str | bytes | None = None) -> subprocess.CompletedProcess:
    return run_kcli(["produce", "--bootstrap-server", bootstrap, "--topic", topic, *args], input=input)


def test_plain_lines_including_empty_and_crlf(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    proc = produce(bootstrap, topic_name, input=b"one\r\ntwo\n\nthree")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b""
    assert [m.value() for m in read_raw(bootstrap, topic_name, 4)] == [b"one", b"two", b"", b"three"]


def test_keys_headers_and_null_marker(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    lines = "h1:v1,h2:NULL\tk1\tv1\nNULL\tk2\tNULL\nh:x\tNULL\tv3\n"
    proc = produce(bootstrap, topic_name, "--reader-property", "parse.key=true", "--reader-property",
                   "parse.headers=true", "--reader-property", "null.marker=NULL", input=lines)
    assert proc.returncode == 0, proc.stderr
    got = [(m.headers(), m.key(), m.value()) for m in read_raw(bootstrap, topic_name, 3)]
    assert got == [([("h1", b"v1"), ("h2", None)], b"k1", b"v1"), (None, b"k2", None), ([("h", b"x")], None, b"v3")]


def test_malformed_line_stops_with_its_number(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    proc = produce(bootstrap, topic_name, "--property", "parse.key=true", input="a\t1\nb\t2\nbroken\nc\t3\n")
    assert proc.returncode == 1
    assert "No key separator found on line number 3: 'broken'" in proc.stderr
    assert "--property is deprecated" in proc.stderr and "Traceback" not in proc.stderr
    assert [(m.key(), m.value()) for m in read_raw(bootstrap, topic_name, 2)] == [(b"a", b"1"), (b"b", b"2")]


def test_ignore_error_goes_on(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    proc = produce(bootstrap, topic_name, "--reader-property", "parse.key=true", "--reader-property",
                   "ignore.error=true", input="a\t1\nbroken\nc\t3\n")
    assert proc.returncode == 0, proc.stderr
    assert [(m.key(), m.value()) for m in read_raw(bootstrap, topic_name, 3)] == \
        [(b"a", b"1"), (None, b"broken"), (b"c", b"3")]


def test_partition_file_and_flags(bootstrap: str, topic_name: str, tmp_path) -> None:
    create_topic(bootstrap, topic_name, partitions=3)
    data = tmp_path / "in.txt"
    data.write_text("x\ny\n")
    proc = produce(bootstrap, topic_name, "--file", str(data), "--partition", "2", "--compression-codec",
                   "--sync", "--request-required-acks", "1", "--linger-ms", "0", "--batch-size", "16384",
                   "--message-send-max-retries", "3", "--retry-backoff-ms", "100")
    assert proc.returncode == 0, proc.stderr
    assert [(m.partition(), m.value()) for m in read_raw(bootstrap, topic_name, 2)] == [(2, b"x"), (2, b"y")]


def test_failed_delivery_is_reported_and_exit_nonzero(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    proc = produce(bootstrap, topic_name, "--partition", "7", input="lost1\nlost2\n")
    assert proc.returncode == 1
    assert proc.stderr.count("delivery failed") == 2 and "lost1" in proc.stderr
    assert "2 of 2 records were not delivered" in proc.stderr


def test_json_input_errors_name_the_line(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    proc = produce(bootstrap, topic_name, "--input", "json", input='{"value": "ok"}\nnot json\n')
    assert proc.returncode == 1 and "line 2: not JSON" in proc.stderr
    assert [m.value() for m in read_raw(bootstrap, topic_name, 1)] == [b"ok"]


def test_usage_errors(bootstrap: str, topic_name: str) -> None:
    both = produce(bootstrap, topic_name, "--producer-property", "acks=1", "--command-property", "acks=1", input="")
    assert both.returncode == 2 and "cannot be specified together" in both.stderr
    same = produce(bootstrap, topic_name, "--reader-property", "headers.separator=\t", input="")
    assert same.returncode == 2 and "headers.delimiter and headers.separator may not be equal" in same.stderr
    bad = produce(bootstrap, topic_name, "--command-property", "no.such.key=1", input="")
    assert bad.returncode == 2 and "no.such.key" in bad.stderr


def test_sigint_flushes_what_was_read(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    with running_kcli(["produce", "--bootstrap-server", bootstrap, "--topic", topic_name, "--linger-ms", "5000"],
                      stdin=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdin is not None
        proc.stdin.write(b"a\nb\nc\n")
        proc.stdin.flush()
        # linger.ms=5000 keeps the records in kcli's queue; Ctrl-C must still deliver them.
        wait_for(lambda: _unread(proc.stdin) == 0, message="kcli to read its stdin")
        err = interrupt(proc)
    assert proc.returncode == 0, err
    assert b"Traceback" not in err
    assert [m.value() for m in read_raw(bootstrap, topic_name, 3)] == [b"a", b"b", b"c"]


def _one_error_line(stderr: str) -> str:
    """The stderr of a failed run: exactly one `kcli: error:` line and no traceback."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert "Traceback" not in stderr and len(lines) == 1, stderr
    assert lines[0].startswith("kcli: error: "), stderr
    return lines[0]


@pytest.mark.parametrize("limit", [["--max-block-ms", "2s"], ["-X", "max.block.ms=2000"],
                                   ["--command-property", "max.block.ms=1500ms"]])
def test_down_broker_fails_within_max_block(limit: list[str]) -> None:
    started = time.monotonic()
    proc = produce("127.0.0.1:1", "t", *limit, input="a\nb\n")
    took = time.monotonic() - started
    assert proc.returncode == 1
    line = _one_error_line(proc.stderr)
    assert "could not reach the Kafka broker at 127.0.0.1:1 within " in line, line
    assert took < 15, took


def test_silent_broker_fails_within_max_block() -> None:
    """A port that accepts connections but never answers (a hung broker) also ends the run."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        proc = produce(address, "t", "--max-block-ms", "2s", input="a\n")
        took = time.monotonic() - started
    assert proc.returncode == 1
    assert f"could not reach the Kafka broker at {address} within 2s" in _one_error_line(proc.stderr)
    assert took < 15, took


def test_durations_are_accepted(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    proc = produce(bootstrap, topic_name, "--timeout", "1s", "--retry-backoff-ms", "0.2s", "--request-timeout-ms",
                   "30s", "--metadata-expiry-ms", "5m", "--max-block-ms", "20s", input="a\nb\n")
    assert proc.returncode == 0, proc.stderr
    assert [m.value() for m in read_raw(bootstrap, topic_name, 2)] == [b"a", b"b"]
    fast = produce(bootstrap, topic_name, "--linger-ms", "5ms", input="c\n")
    assert fast.returncode == 0, fast.stderr
    bad = produce(bootstrap, topic_name, "--timeout", "soon", input="")
    assert bad.returncode == 2 and "--timeout expects a duration" in bad.stderr and "Traceback" not in bad.stderr
    bad_key = produce(bootstrap, topic_name, "-X", "max.block.ms=forever", input="")
    assert bad_key.returncode == 2 and "max.block.ms" in bad_key.stderr


def test_empty_bootstrap_is_a_usage_error() -> None:
    proc = produce("", "t", input="a\n")
    assert proc.returncode == 2
    assert "--bootstrap-server" in _one_error_line(proc.stderr)


def test_help_states_exit_codes_and_max_block() -> None:
    out = run_kcli(["produce", "--help"]).stdout
    assert "Exit codes:" in out and "--max-block-ms" in out
    for code in ("0  every record", "1  a record", "2  usage", "130"):
        assert code in out, code
