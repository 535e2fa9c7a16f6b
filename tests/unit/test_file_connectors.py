"""FileStreamSource / FileStreamSink tasks without a broker: lines, offsets, resume, sink output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kcli.connect.api import OffsetStorageReader, SourceTaskContext
from kcli.connect.api.data import Schema
from kcli.connect.connectors import file_source
from kcli.connect.connectors.file_sink import FileStreamSinkConnector, FileStreamSinkTask, java_string
from kcli.connect.connectors.file_source import FileStreamSourceConnector, FileStreamSourceTask
from kcli.connect.errors import ConnectError


class Reader(OffsetStorageReader):
    def __init__(self, stored: dict[str, Any] | None = None) -> None:
        self.stored = stored

    def offsets(self, partitions: Any) -> list:
        return [(p, self.stored) for p in partitions]


class Context(SourceTaskContext):
    def __init__(self, stored: dict[str, Any] | None = None) -> None:
        self._reader = Reader(stored)

    def configs(self) -> dict[str, str]:
        return {}

    @property
    def offset_storage_reader(self) -> OffsetStorageReader:
        return self._reader


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_source, "WAIT_SECONDS", 0.01)


def _task(path: Path, stored: dict[str, Any] | None = None, batch: int = 2000) -> FileStreamSourceTask:
    task = FileStreamSourceTask()
    task.initialize(Context(stored))
    task.start({"file": str(path), "topic": "t", "batch.size": str(batch)})
    return task


def _drain(task: FileStreamSourceTask, polls: int = 5) -> list:
    out = []
    for _ in range(polls):
        out += task.poll() or []
    return out


def test_lines_and_byte_positions(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes("a\r\nbé\rc\n\nlast-partial".encode())
    task = _task(path)
    records = _drain(task)
    assert [r.value for r in records] == ["a", "bé", "c", ""]
    assert [r.source_offset["position"] for r in records] == [3, 7, 9, 10]
    r = records[0]
    assert r.source_partition == {"filename": str(path)} and r.topic == "t"
    assert r.value_schema is Schema.STRING_SCHEMA and r.key is None and r.key_schema is None
    assert r.partition is None and isinstance(r.timestamp, int)
    with path.open("ab") as f:  # the partial line completes later
        f.write(b"-done\n")
    more = _drain(task)
    assert [(m.value, m.source_offset["position"]) for m in more] == [("last-partial-done", path.stat().st_size)]
    task.stop()


def test_trailing_cr_waits_for_a_possible_lf(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"x\r")
    task = _task(path)
    assert _drain(task) == []
    with path.open("ab") as f:
        f.write(b"\ny\n")
    assert [(r.value, r.source_offset["position"]) for r in _drain(task)] == [("x", 3), ("y", 5)]


def test_resume_from_stored_offset_and_batch_size(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("".join(f"{i}\n" for i in range(10)))
    task = _task(path, {"position": 4}, batch=3)  # after "0\n1\n"
    first = task.poll()
    assert [r.value for r in first] == ["2", "3", "4"]
    assert [r.value for r in _drain(task)] == ["5", "6", "7", "8", "9"]


def test_resume_from_an_apache_char_count(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("ü1\nü2\nü3\n", encoding="utf-8")
    task = _task(path, {"position": 6})  # Apache counted 6 chars = two lines (8 bytes)
    assert [r.value for r in _drain(task)] == ["ü3"]


def test_bad_stored_position_fails(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("a\n")
    task = _task(path, {"position": "x"})
    with pytest.raises(ConnectError, match="Offset position is the incorrect type"):
        task.poll()


def test_waits_for_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "later.txt"
    task = _task(path)
    assert task.poll() is None
    path.write_text("now\n")
    assert [r.value for r in _drain(task)] == ["now"]


def test_connector_task_configs_and_alter_offsets() -> None:
    c = FileStreamSourceConnector()
    c.start({"file": "/x", "topic": "t"})
    assert c.task_configs(5) == [{"file": "/x", "topic": "t"}]
    cfg = {"file": "/x", "topic": "t"}
    assert c.alter_offsets(cfg, {frozenset({"filename": "/x"}.items()): {"position": 3}}) is True
    with pytest.raises(ConnectError, match="non-negative"):
        c.alter_offsets(cfg, {frozenset({"filename": "/x"}.items()): {"position": -1}})
    with pytest.raises(ConnectError, match="stdin"):
        c.alter_offsets({"topic": "t"}, {})
    with pytest.raises(ConnectError, match="topic"):
        FileStreamSourceConnector().start({"file": "/x"})


def test_sink_writes_one_value_per_line(tmp_path: Path) -> None:
    from kcli.connect.api import SinkRecord

    c = FileStreamSinkConnector()
    c.start({"file": "x", "topics": "t"})
    assert len(c.task_configs(3)) == 3
    out = tmp_path / "sink.txt"
    task = FileStreamSinkTask()
    task.start({"file": str(out)})
    task.put([SinkRecord("t", 0, None, None, None, v, i) for i, v in enumerate(["a", None, 5, True, {"k": 1}])])
    task.flush({})
    task.stop()
    assert out.read_text() == "a\nnull\n5\ntrue\n{k=1}\n"
    assert java_string([1.5, "x"]) == "[1.5, x]"


def test_stdin_source_has_no_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import sys

    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"one\ntwo\n")
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as reader:
        monkeypatch.setattr(sys, "stdin", reader)
        task = FileStreamSourceTask()
        task.initialize(Context())
        task.start({"topic": "t"})
        records = _drain(task, polls=3)
    assert [(r.value, r.source_partition, r.source_offset) for r in records] == [
        ("one", {"filename": None}, {"position": None}), ("two", {"filename": None}, {"position": None})]
