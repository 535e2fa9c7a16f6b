"""The standalone offsets file: Java serialisation of HashMap<byte[], byte[]>, keys/values, atomic writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcli.connect.api.data import DataException
from kcli.connect.storage.offset_file_format import (
    CorruptOffsetsFile,
    decode_offsets,
    encode_offsets,
    offset_key,
    offset_value,
    parse_offset_key,
    read_offsets_file,
    write_offsets_file,
)
from kcli.errors import ConfigError

# Two entries as the reference documents them (§7.2): header, one [B classdesc, then back-references.
KEY = b'["local-file-source",{"filename":"/tmp/test.txt"}]'


def test_layout_matches_reference() -> None:
    data = encode_offsets({KEY: b'{"position":30}', b"k2": None})
    assert data.startswith(bytes.fromhex("aced0005 7372 0011") + b"java.util.HashMap")
    assert bytes.fromhex("0507dac1c31660d1 03 0002") in data
    assert bytes.fromhex("3f400000 0000000c 7708 00000010 00000002") in data
    assert bytes.fromhex("7572 0002") + b"[B" + bytes.fromhex("acf317f8060854e0 02 0000 7870") in data
    assert bytes.fromhex("7571 007e0002 0000000f") + b'{"position":30}' in data
    assert data.endswith(bytes.fromhex("7571007e0002 00000002") + b"k2" + bytes.fromhex("70 78"))


def test_capacity_grows_like_java() -> None:
    entries = {str(i).encode(): b"v" for i in range(13)}
    data = encode_offsets(entries)
    assert bytes.fromhex("3f400000 00000018 7708 00000020 0000000d") in data
    assert bytes.fromhex("3f400000 00000000 7708 00000010 00000000 78") in encode_offsets({})


@given(st.dictionaries(st.binary(max_size=300), st.none() | st.binary(max_size=300), max_size=20))
def test_round_trip(entries: dict[bytes, bytes | None]) -> None:
    assert decode_offsets(encode_offsets(entries)) == entries


def test_empty_input_is_empty_map() -> None:
    assert decode_offsets(b"") == {}


@pytest.mark.parametrize("data", [
    b"garbage", b"\xac\xed\x00\x05", b"\xac\xed\x00\x05\x74\x00\x01x",
    encode_offsets({b"a": b"b"})[:-5],
])
def test_corrupt_input_raises(data: bytes) -> None:
    with pytest.raises(ValueError):
        decode_offsets(data)


def test_files(tmp_path: Path) -> None:
    path = tmp_path / "connect.offsets"
    assert read_offsets_file(path) == {}
    entries = {offset_key("c", {"filename": "/x"}): offset_value({"position": 4}), b"k": None}
    write_offsets_file(path, entries)
    assert read_offsets_file(path) == entries
    write_offsets_file(path, {})
    assert read_offsets_file(path) == {}
    assert [p.name for p in tmp_path.iterdir()] == ["connect.offsets"]


def test_corrupt_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.offsets"
    path.write_bytes(b"not java")
    with pytest.raises(CorruptOffsetsFile) as info:
        read_offsets_file(path)
    assert isinstance(info.value, ConfigError)
    assert str(path) in info.value.message
    assert info.value.exit_code == 2


def test_keys_and_values() -> None:
    assert offset_key("local-file-source", {"filename": "/tmp/test.txt"}) == KEY
    assert offset_value({"position": 30}) == b'{"position":30}'
    assert offset_value(None) is None
    assert parse_offset_key(KEY) == ("local-file-source", {"filename": "/tmp/test.txt"})
    with pytest.raises(DataException):
        parse_offset_key(b'{"a":1}')
