"""LineMessageReader semantics, the chunked line splitter, deserializers and option spellings."""

from __future__ import annotations

import io

import pytest

from kcli.console.deserializers import DeserializationError, deserializer_for, java_float_str
from kcli.console.positions import StartSpec, parse_offset, parse_timestamp
from kcli.console.reader import LineError, LineReader, line_batches
from kcli.console.spelling import Renamed, resolve_spellings
from kcli.errors import UsageError


def reader(**props: str) -> LineReader:
    return LineReader.from_properties(props)


def test_plain_lines_are_values() -> None:
    assert reader().parse(b"a\tb", 1) == (None, b"a\tb", None)
    assert reader().plain


def test_key_headers_and_null_marker() -> None:
    r = reader(**{"parse.key": "true", "parse.headers": "true", "null.marker": "N"})
    assert r.parse(b"h1:v1,h2:N\tk\tv", 1) == (b"k", b"v", [("h1", b"v1"), ("h2", None)])
    assert r.parse(b"N\tN\tN", 2) == (None, None, None)
    assert r.parse(b"h:1\tk\tv\twith\ttabs", 3) == (b"k", b"v\twith\ttabs", [("h", b"1")])


def test_errors_name_the_line_like_apache() -> None:
    r = reader(**{"parse.key": "true"})
    with pytest.raises(LineError, match=r"No key separator found on line number 7: 'novalue'"):
        r.parse(b"novalue", 7)
    rh = reader(**{"parse.headers": "true"})
    with pytest.raises(LineError, match=r"No header key separator found in pair 'x' on line number 2"):
        rh.parse(b"x\tv", 2)
    with pytest.raises(LineError, match="null marker"):
        reader(**{"parse.headers": "true", "null.marker": "N"}).parse(b"N:v\tx", 1)


def test_ignore_error_keeps_going() -> None:
    r = reader(**{"parse.key": "true", "parse.headers": "true", "ignore.error": "true"})
    assert r.parse(b"onlyvalue", 1) == (None, b"onlyvalue", None)
    assert r.parse(b"x\tk\tv", 1) == (b"k", b"v", [("x", None)])


def test_headers_separator_is_a_java_regex_and_trailing_empties_drop() -> None:
    r = reader(**{"parse.headers": "true", "headers.separator": "[,;]"})
    assert r.parse(b"a:1;b:2,\tv", 1)[2] == [("a", b"1"), ("b", b"2")]


def test_separators_must_differ() -> None:
    with pytest.raises(UsageError, match="headers.delimiter and headers.separator may not be equal"):
        reader(**{"headers.separator": "\t"})
    with pytest.raises(UsageError, match="null.marker and key.separator"):
        reader(**{"null.marker": "\t"})


def test_line_batches_handle_crlf_cr_and_last_line() -> None:
    class Dribble(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def read1(self, n: int) -> bytes:
            chunk, self.data = self.data[:3], self.data[3:]
            return chunk

    data = b"ab\r\ncd\ref\n\ngh"
    lines = [line for batch in line_batches(Dribble(data)) for line in batch]  # type: ignore[arg-type]
    assert lines == [b"ab", b"cd", b"ef", b"", b"gh"]
    assert [x for b in line_batches(io.BytesIO(b"a\nb\n")) for x in b] == [b"a", b"b"]


def test_deserializers() -> None:
    assert deserializer_for("Integer")((258).to_bytes(4, "big")) == b"258"
    assert deserializer_for("Short")(b"\xff\xff") == b"-1"
    assert deserializer_for("LongDeserializer")((1 << 40).to_bytes(8, "big")) == str(1 << 40).encode()
    assert deserializer_for("UUID")(b"6F1D5A8E-0000-4000-8000-000000000001") == b"6f1d5a8e-0000-4000-8000-000000000001"
    assert deserializer_for("String")(b"\xffok") == "\ufffdok".encode()
    assert deserializer_for("ByteArray")(b"\x00") == b"\x00"
    assert deserializer_for(None) is None
    with pytest.raises(DeserializationError):
        deserializer_for("Integer")(b"abc")
    with pytest.raises(UsageError):
        deserializer_for("Avro")


@pytest.mark.parametrize(("value", "single", "text"), [
    (1.0, False, "1.0"), (0.1, False, "0.1"), (1e7, False, "1.0E7"), (1.5e-4, False, "1.5E-4"),
    (123456.789, False, "123456.789"), (-0.0, False, "-0.0"), (float("nan"), False, "NaN"),
    (float("-inf"), False, "-Infinity"), (0.001, False, "0.001"), (1.100000023841858, True, "1.1"),
])
def test_java_float_rendering(value: float, single: bool, text: str) -> None:
    assert java_float_str(value, single) == text


def test_offset_specs() -> None:
    assert parse_offset("earliest") == StartSpec("earliest")
    assert parse_offset("latest") == StartSpec("latest")
    assert parse_offset("42") == StartSpec("absolute", 42)
    assert parse_offset("-5") == StartSpec("tail", 5)
    assert parse_offset("@1700000000000") == StartSpec("time", 1700000000000)
    assert parse_timestamp("2023-11-14T22:13:20Z") == 1700000000000
    assert parse_timestamp("2023-11-14T23:13:20+01:00") == 1700000000000
    for bad in ("soon", "@yesterday", "1.5"):
        with pytest.raises(UsageError):
            parse_offset(bad)


def test_spellings(capsys: pytest.CaptureFixture[str]) -> None:
    pair = Renamed("--new", "--old", "new", "old")
    assert resolve_spellings({"new": ("a",), "old": ()}, [pair]) == {"new": ("a",)}
    assert capsys.readouterr().err == ""
    assert resolve_spellings({"new": (), "old": ("b",)}, [pair]) == {"new": ("b",)}
    captured = capsys.readouterr()
    assert captured.out == "" and "--old is deprecated" in captured.err and "Use --new" in captured.err
    with pytest.raises(UsageError, match="cannot be specified together"):
        resolve_spellings({"new": ("a",), "old": ("b",)}, [pair])
