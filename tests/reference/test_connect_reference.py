"""kcli's standalone worker beside Apache's connect-standalone: same records, shared offsets file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_connect_standalone_support import (
    WorkerProcess,
    create_topic,
    new_port,
    read_topic,
    write_source,
    write_worker,
)


def _run(tmp_path: Path, files: list[Path], port: int, log: str, apache: bool) -> WorkerProcess:
    return WorkerProcess.start_running(files, port, tmp_path / log, apache=apache, timeout=120)


@pytest.mark.slow
def test_same_records_as_apache_with_json_envelopes(tmp_path: Path, bootstrap: str, topic_name: str,
                                                     kafka_libs: str) -> None:
    """JsonConverter schemas.enable=true (the tutorial worker's converters): byte-identical envelopes."""
    lines = ["hello", "", "a \"quoted\" \\ line\twith tab", "héllo wörld ✓", "x" * 300, "last"]
    source = tmp_path / "src.txt"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    results, workers, topics = {}, {}, {}
    try:
        for who in ("apache", "kcli"):  # each its own topic and offsets file: both run side by side
            topics[who] = topic = f"{topic_name}-{who}"
            create_topic(bootstrap, topic)
            port = new_port()
            conn = tmp_path / f"{who}.properties"
            conn.write_text("".join(ln + "\n" for ln in write_source(tmp_path, source, topic).read_text().splitlines()
                                    if ".converter" not in ln))  # use the worker's JsonConverter
            worker_file = write_worker(tmp_path, bootstrap, port, tmp_path / f"{who}.offsets")
            workers[who] = WorkerProcess([str(worker_file), str(conn)], port, tmp_path / f"{who}.log",
                                         apache=who == "apache")
        for who, worker in workers.items():
            worker.wait_running("file-source-connector", timeout=120)
            results[who] = read_topic(bootstrap, topics[who], len(lines), timeout=60)
    finally:
        for worker in workers.values():
            worker.stop()
    assert len(results["kcli"]) == len(lines)
    assert results["kcli"] == results["apache"]


@pytest.mark.slow
def test_offsets_file_carries_over_between_apache_and_kcli(tmp_path: Path, bootstrap: str, topic_name: str,
                                                            kafka_libs: str) -> None:
    """Apache streams part of a file and stops; kcli continues from the next line; then Apache again."""
    create_topic(bootstrap, topic_name)
    source, offsets = tmp_path / "src.txt", tmp_path / "connect.offsets"
    conn = write_source(tmp_path, source, topic_name)
    expected: list[str] = []

    def append(n: int) -> None:
        with source.open("a") as f:
            for _ in range(n):
                expected.append(f"line {len(expected)} ü")
                f.write(expected[-1] + "\n")

    for round_no, apache in enumerate((True, False, True)):
        append(25)
        port = new_port()
        worker_file = write_worker(tmp_path, bootstrap, port, offsets)
        worker = _run(tmp_path, [worker_file, conn], port, f"round{round_no}.log", apache=apache)
        try:
            values = read_topic(bootstrap, topic_name, len(expected), timeout=60, settle=2.0)
        finally:
            assert worker.stop() in (0, 130, 143), worker.output()[-2000:]
        assert [v.decode() for v in values] == expected, f"round {round_no} ({'apache' if apache else 'kcli'})"
