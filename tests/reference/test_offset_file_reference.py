"""kcli's offsets-file codec and Java's ObjectOutputStream/ObjectInputStream agree both ways.

A tiny Java program (compiled once per module) writes a HashMap<byte[], byte[]> the way Apache's
FileOffsetBackingStore does, and reads any such file back, printing its entries.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from kcli.connect.storage.offset_file_format import (
    offset_key,
    offset_value,
    read_offsets_file,
    write_offsets_file,
)
from tests.java_ref import compile_java

pytestmark = [pytest.mark.java, pytest.mark.slow]

JAVA = r"""
import java.io.*;
import java.nio.file.*;
import java.util.*;

public class OffsetsRef {
  // write FILE [key value]...   (base64; "-" means a null value)   |   read FILE...
  public static void main(String[] args) throws Exception {
    Base64.Decoder dec = Base64.getDecoder();
    Base64.Encoder enc = Base64.getEncoder();
    int i = 0;
    while (i < args.length) {
      String cmd = args[i++];
      String file = args[i++];
      if (cmd.equals("write")) {
        int n = Integer.parseInt(args[i++]);
        Map<byte[], byte[]> raw = new HashMap<>();
        for (int k = 0; k < n; k++) {
          byte[] key = dec.decode(args[i++]);
          String v = args[i++];
          raw.put(key, v.equals("-") ? null : dec.decode(v));
        }
        try (ObjectOutputStream os = new ObjectOutputStream(Files.newOutputStream(Paths.get(file)))) {
          os.writeObject(raw);
        }
      } else {
        try (ObjectInputStream is = new ObjectInputStream(Files.newInputStream(Paths.get(file)))) {
          Object obj = is.readObject();
          Map<byte[], byte[]> raw = (Map<byte[], byte[]>) obj;
          List<String> lines = new ArrayList<>();
          for (Map.Entry<byte[], byte[]> e : raw.entrySet())
            lines.add(enc.encodeToString(e.getKey()) + " "
                + (e.getValue() == null ? "-" : enc.encodeToString(e.getValue())));
          Collections.sort(lines);
          System.out.println(file + " " + obj.getClass().getName() + " " + lines.size());
          for (String l : lines) System.out.println(l);
        }
      }
    }
  }
}
"""

ENTRIES: dict[bytes, bytes | None] = {
    offset_key("local-file-source", {"filename": "/tmp/test.txt"}): offset_value({"position": 30}),
    offset_key("other", {"filename": "/tmp/é ü.txt"}): offset_value({"position": 1 << 40}),
    offset_key("gone", {"filename": "/x"}): None,
}
ONE = dict(list(ENTRIES.items())[:1])
MANY = {offset_key("c", {"n": i}): offset_value({"position": i}) for i in range(40)}


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _write_args(path: Path, entries: dict[bytes, bytes | None]) -> list[str]:
    args = ["write", str(path), str(len(entries))]
    for k, v in entries.items():
        args += [_b64(k), "-" if v is None else _b64(v)]
    return args


def _parse_java_dump(text: str) -> dict[str, tuple[str, dict[bytes, bytes | None]]]:
    out: dict[str, tuple[str, dict[bytes, bytes | None]]] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        path, cls, n = lines[i].rsplit(" ", 2)
        entries: dict[bytes, bytes | None] = {}
        for line in lines[i + 1:i + 1 + int(n)]:
            k, v = line.split(" ")
            entries[base64.b64decode(k)] = None if v == "-" else base64.b64decode(v)
        out[path] = (cls, entries)
        i += 1 + int(n)
    return out


@pytest.fixture(scope="module")
def java_round(kafka_libs: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Java writes two files, then (in the same JVM) reads the files kcli wrote."""
    program = compile_java(tmp_path_factory, "offsetsref", "OffsetsRef", JAVA)
    work = program.work
    kcli_small, kcli_many, kcli_empty = work / "kcli-small", work / "kcli-many", work / "kcli-empty"
    write_offsets_file(kcli_small, ENTRIES)
    write_offsets_file(kcli_many, MANY)
    write_offsets_file(kcli_empty, {})
    java_small, java_many, java_empty = work / "java-small", work / "java-many", work / "java-empty"
    java_one = work / "java-one"
    args = (_write_args(java_small, ENTRIES) + _write_args(java_many, MANY) + _write_args(java_empty, {})
            + _write_args(java_one, ONE)
            + ["read", str(kcli_small), "read", str(kcli_many), "read", str(kcli_empty)])
    proc = program.run(args)
    return {"java_read": _parse_java_dump(proc.stdout), "java_small": java_small, "java_many": java_many,
            "java_empty": java_empty, "java_one": java_one, "kcli_small": kcli_small, "kcli_many": kcli_many,
            "kcli_empty": kcli_empty}


@pytest.mark.parametrize(("name", "entries"), [("small", ENTRIES), ("many", MANY), ("empty", {})])
def test_kcli_reads_java_files(java_round: dict[str, object], name: str, entries: dict) -> None:
    assert read_offsets_file(java_round[f"java_{name}"]) == entries


@pytest.mark.parametrize(("name", "entries"), [("small", ENTRIES), ("many", MANY), ("empty", {})])
def test_java_reads_kcli_files(java_round: dict[str, object], name: str, entries: dict) -> None:
    cls, read = java_round["java_read"][str(java_round[f"kcli_{name}"])]
    assert cls == "java.util.HashMap"
    assert read == entries


def test_same_bytes_as_java(java_round: dict[str, object], tmp_path: Path) -> None:
    """With at most one entry the order is fixed, so the files are byte-identical; with more, the header
    (class descriptor, loadFactor, threshold, capacity, size) is."""
    path = tmp_path / "one"
    write_offsets_file(path, ONE)
    assert path.read_bytes() == Path(java_round["java_one"]).read_bytes()
    assert Path(java_round["kcli_empty"]).read_bytes() == Path(java_round["java_empty"]).read_bytes()
    for name in ("small", "many"):
        java_bytes = Path(java_round[f"java_{name}"]).read_bytes()
        kcli_bytes = Path(java_round[f"kcli_{name}"]).read_bytes()
        header_end = java_bytes.index(bytes([0x77, 0x08])) + 10
        assert kcli_bytes[:header_end] == java_bytes[:header_end]
        assert len(kcli_bytes) == len(java_bytes)
