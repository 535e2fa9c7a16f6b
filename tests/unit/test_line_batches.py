"""kcli.console.reader.line_batches against Java's readLine on any data cut into reads of any size."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcli.console import reader
from kcli.console.reader import line_batches

if TYPE_CHECKING:
    from kcli.native._ext import Producer


def _java_lines(data: bytes) -> list[bytes]:
    """BufferedReader.readLine until null: \\n, \\r\\n and \\r end a line; no empty line after the last end."""
    lines = re.split(rb"\r\n|\r|\n", data)
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


class _Reads:
    """A stream whose reads return the given sizes in turn (what a pipe or a terminal does)."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes = data, sizes or [1]
        self.i = 0

    def read1(self, size: int, /) -> bytes:
        n = min(size, self.sizes[self.i % len(self.sizes)])
        self.i += 1
        chunk, self.data = self.data[:n], self.data[n:]
        return chunk


@given(st.lists(st.sampled_from([b"a", b"bc", b"\n", b"\r", b"\r\n", b"", b"\n\n"]), max_size=40).map(b"".join),
       st.lists(st.integers(min_value=1, max_value=7), max_size=5))
def test_any_cut_gives_javas_lines(data: bytes, sizes: list[int]) -> None:
    got = [line for batch in line_batches(_Reads(data, sizes)) for line in batch]
    assert got == _java_lines(data)


def test_big_reads_cut_lines_between_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "CHUNK", 5)
    data = b"0123456789\nab\r\ncd\n" * 3 + b"tail"
    got = [line for batch in line_batches(_Reads(data, [100])) for line in batch]
    assert got == _java_lines(data)


def _c_producer() -> Producer:
    """The C loop's producer (kcli/native/csrc/producer.c), only for its line splitter: no broker is asked."""
    from kcli import native

    c_loops = native.module()
    if c_loops is None:
        pytest.fail("the C loops are not built (scripts/dev-env compiles kcli/native/csrc)")
    made: Producer = c_loops.Producer([("bootstrap.servers", "127.0.0.1:1"), ("log_level", "0")], "t")
    return made


@given(st.lists(st.sampled_from([b"a", b"bc", b"\n", b"\r", b"\r\n", b"", b"\n\n"]), max_size=40).map(b"".join),
       st.lists(st.integers(min_value=1, max_value=7), max_size=5))
def test_the_c_splitter_gives_javas_lines_on_any_cut(data: bytes, sizes: list[int]) -> None:
    reads = _Reads(data, sizes)
    chunks = []
    while chunk := reads.read1(1 << 20):
        chunks.append(chunk)
    producer = _c_producer()
    try:
        assert producer.split_lines(chunks) == _java_lines(data)
    finally:
        producer.close()
