"""Apache's standalone offsets file: a Java-serialised `java.util.HashMap<byte[], byte[]>`.

Keys are the JSON `["<connector>",{<partition>}]`, values the JSON offset or null (see
Apache's FileOffsetBackingStore). The codec is hand-written for exactly this object graph.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kcli.connect.api.data import DataException
from kcli.connect.converters.json_converter import schemaless_json_bytes, schemaless_json_loads
from kcli.errors import ConfigError

STREAM_MAGIC = 0xACED
STREAM_VERSION = 5
TC_NULL, TC_REFERENCE, TC_CLASSDESC, TC_OBJECT, TC_STRING = 0x70, 0x71, 0x72, 0x73, 0x74
TC_ARRAY, TC_BLOCKDATA, TC_ENDBLOCKDATA, TC_BLOCKDATALONG, TC_LONGSTRING = 0x75, 0x77, 0x78, 0x7A, 0x7C
BASE_HANDLE = 0x7E0000
HASHMAP_CLASS = "java.util.HashMap"
HASHMAP_SUID = 362498820763181265
BYTE_ARRAY_CLASS = "[B"
BYTE_ARRAY_SUID = -5984413125824719648  # 0xACF317F8060854E0
SC_WRITE_METHOD, SC_SERIALIZABLE = 0x01, 0x02


class CorruptOffsetsFile(ConfigError):
    """The offsets file exists but is not a serialised HashMap<byte[], byte[]>."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"offsets file {path} cannot be read: {reason}")
        self.path = str(path)
        self.reason = reason


class _FormatError(ValueError):
    pass


# -- encoding -----------------------------------------------------------------------------------


def _utf(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">H", len(data)) + data


def encode_offsets(entries: Mapping[bytes, bytes | None]) -> bytes:
    """The bytes Java's ObjectOutputStream writes for a HashMap<byte[], byte[]> with these entries."""
    size = len(entries)
    capacity = 16
    while size > capacity * 0.75:
        capacity *= 2
    threshold = int(capacity * 0.75) if size else 0
    out = bytearray(struct.pack(">HH", STREAM_MAGIC, STREAM_VERSION))
    out += bytes([TC_OBJECT, TC_CLASSDESC]) + _utf(HASHMAP_CLASS) + struct.pack(">q", HASHMAP_SUID)
    out += bytes([SC_WRITE_METHOD | SC_SERIALIZABLE]) + struct.pack(">H", 2)
    out += b"F" + _utf("loadFactor") + b"I" + _utf("threshold")
    out += bytes([TC_ENDBLOCKDATA, TC_NULL])  # no class annotation; superclass not serializable
    out += struct.pack(">fi", 0.75, threshold)
    out += bytes([TC_BLOCKDATA, 8]) + struct.pack(">ii", capacity, size)
    # handles: 0 = HashMap classdesc, 1 = the map, 2 = [B classdesc, then one per array
    first_array = True
    for key, value in entries.items():
        for arr in (key, value):
            if arr is None:
                out.append(TC_NULL)
                continue
            out.append(TC_ARRAY)
            if first_array:
                out += bytes([TC_CLASSDESC]) + _utf(BYTE_ARRAY_CLASS) + struct.pack(">q", BYTE_ARRAY_SUID)
                out += bytes([SC_SERIALIZABLE]) + struct.pack(">H", 0) + bytes([TC_ENDBLOCKDATA, TC_NULL])
                first_array = False
            else:
                out += bytes([TC_REFERENCE]) + struct.pack(">I", BASE_HANDLE + 2)
            out += struct.pack(">i", len(arr)) + bytes(arr)
    out.append(TC_ENDBLOCKDATA)
    return bytes(out)


# -- decoding -----------------------------------------------------------------------------------


class _ClassDesc:
    def __init__(self, name: str, flags: int, fields: list[tuple[str, str]], parent: _ClassDesc | None) -> None:
        self.name = name
        self.flags = flags
        self.fields = fields
        self.parent = parent


class _Reader:
    """Just enough of the Java serialisation grammar for a HashMap of byte arrays."""

    _PRIM_SIZES = {"B": 1, "C": 2, "D": 8, "F": 4, "I": 4, "J": 8, "S": 2, "Z": 1}

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.handles: list[Any] = []

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise _FormatError("unexpected end of file")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def utf(self) -> str:
        return self.take(self.unpack(">H")).decode("utf-8", "replace")

    def new_handle(self, obj: Any) -> int:
        self.handles.append(obj)
        return len(self.handles) - 1

    def ref(self) -> Any:
        idx = self.unpack(">I") - BASE_HANDLE
        if not 0 <= idx < len(self.handles):
            raise _FormatError(f"bad back-reference {idx + BASE_HANDLE:#x}")
        return self.handles[idx]

    def class_desc(self) -> _ClassDesc | None:
        tc = self.u8()
        if tc == TC_NULL:
            return None
        if tc == TC_REFERENCE:
            desc = self.ref()
            if not isinstance(desc, _ClassDesc):
                raise _FormatError("reference to a non-class descriptor")
            return desc
        if tc != TC_CLASSDESC:
            raise _FormatError(f"expected a class descriptor, found tag {tc:#04x}")
        name = self.utf()
        self.take(8)  # serialVersionUID
        desc = _ClassDesc(name, 0, [], None)
        self.new_handle(desc)
        desc.flags = self.u8()
        for _ in range(self.unpack(">H")):
            code = chr(self.u8())
            fname = self.utf()
            if code in "L[":
                self.object()  # the field's class name string
            desc.fields.append((code, fname))
        self.skip_annotation()
        desc.parent = self.class_desc()
        return desc

    def skip_annotation(self) -> None:
        while True:
            if self.data[self.pos:self.pos + 1] == bytes([TC_ENDBLOCKDATA]):
                self.pos += 1
                return
            self.content()

    def content(self) -> Any:
        """One object or a block of data (returned as a _Block)."""
        if self.pos >= len(self.data):
            raise _FormatError("unexpected end of file")
        tc = self.data[self.pos]
        if tc == TC_BLOCKDATA:
            self.pos += 1
            return _Block(self.take(self.u8()))
        if tc == TC_BLOCKDATALONG:
            self.pos += 1
            return _Block(self.take(self.unpack(">i")))
        return self.object()

    def object(self) -> Any:
        tc = self.u8()
        if tc == TC_NULL:
            return None
        if tc == TC_REFERENCE:
            return self.ref()
        if tc == TC_STRING:
            s = self.utf()
            self.new_handle(s)
            return s
        if tc == TC_LONGSTRING:
            s = self.take(self.unpack(">q")).decode("utf-8", "replace")
            self.new_handle(s)
            return s
        if tc == TC_ARRAY:
            desc = self.class_desc()
            if desc is None or desc.name != BYTE_ARRAY_CLASS:
                raise _FormatError(f"expected byte[] entries, found {desc.name if desc else 'null'} array")
            handle = self.new_handle(None)
            length = self.unpack(">i")
            if length < 0:
                raise _FormatError("negative array length")
            arr = self.take(length)
            self.handles[handle] = arr
            return arr
        if tc == TC_OBJECT:
            return self.hashmap()
        raise _FormatError(f"unsupported serialisation tag {tc:#04x}")

    def hashmap(self) -> dict[bytes, bytes | None]:
        desc = self.class_desc()
        if desc is None or desc.name != HASHMAP_CLASS:
            raise _FormatError(f"expected java.util.HashMap, found {desc.name if desc else 'null'}")
        result: dict[bytes, bytes | None] = {}
        self.new_handle(result)
        for code, _name in desc.fields:
            if code not in self._PRIM_SIZES:
                raise _FormatError("unexpected object field in HashMap")
            self.take(self._PRIM_SIZES[code])
        block = b""
        objects: list[Any] = []
        while True:
            if self.pos >= len(self.data):
                raise _FormatError("unexpected end of file")
            if self.data[self.pos] == TC_ENDBLOCKDATA:
                self.pos += 1
                break
            item = self.content()
            if isinstance(item, _Block):
                block += item.data
            else:
                objects.append(item)
        if len(block) < 8:
            raise _FormatError("HashMap without its size")
        size = struct.unpack(">i", block[4:8])[0]
        if size < 0 or len(objects) != 2 * size:
            raise _FormatError(f"HashMap announces {size} entries but holds {len(objects) // 2}")
        for i in range(0, len(objects), 2):
            key, value = objects[i], objects[i + 1]
            if not isinstance(key, bytes) or not (value is None or isinstance(value, bytes)):
                raise _FormatError("HashMap entries are not byte arrays")
            result[key] = value
        return result


class _Block:
    def __init__(self, data: bytes) -> None:
        self.data = data


def decode_offsets(data: bytes) -> dict[bytes, bytes | None]:
    """The entries of a serialised HashMap<byte[], byte[]>; empty input gives {}. Raises ValueError."""
    if not data:
        return {}
    reader = _Reader(data)
    if reader.unpack(">H") != STREAM_MAGIC:
        raise _FormatError("not a Java serialisation stream (bad magic)")
    if reader.unpack(">H") != STREAM_VERSION:
        raise _FormatError("unsupported serialisation stream version")
    if reader.u8() != TC_OBJECT:
        raise _FormatError("the stream does not start with an object")
    result = reader.hashmap()
    return result


# -- files --------------------------------------------------------------------------------------


def read_offsets_file(path: str | os.PathLike[str]) -> dict[bytes, bytes | None]:
    """The entries of an offsets file; a missing file gives {}; raises CorruptOffsetsFile."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise CorruptOffsetsFile(path, e.strerror or str(e)) from e
    try:
        return decode_offsets(data)
    except (ValueError, struct.error) as e:
        raise CorruptOffsetsFile(path, str(e)) from e


def write_offsets_file(path: str | os.PathLike[str], entries: Mapping[bytes, bytes | None]) -> None:
    """Replace the file atomically: a temp file in the same directory, fsync, rename, fsync of the directory."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    data = encode_offsets(entries)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


# -- keys and values ----------------------------------------------------------------------------


def offset_key(connector: str, partition: Mapping[str, Any]) -> bytes:
    """The key bytes Apache writes: compact JSON `["<connector>",{partition}]`."""
    return schemaless_json_bytes([connector, dict(partition)])


def offset_value(offset: Mapping[str, Any] | None) -> bytes | None:
    """The value bytes Apache writes for an offset map; None (a tombstone) stays None."""
    return None if offset is None else schemaless_json_bytes(dict(offset))


def parse_offset_key(key: bytes) -> tuple[str, dict[str, Any]]:
    """(connector, partition) from key bytes; raises DataException for anything else."""
    try:
        parsed = schemaless_json_loads(key)
    except DataException as e:
        raise DataException(f"Offset key is not JSON: {e.message}") from e
    if not (isinstance(parsed, list) and len(parsed) == 2 and isinstance(parsed[0], str)
            and isinstance(parsed[1], dict)):
        raise DataException(f"Offset key is not a [connector, partition] pair: {key!r}")
    return parsed[0], parsed[1]


def parse_offset_value(value: bytes | None) -> dict[str, Any] | None:
    """The offset map of value bytes (None for a tombstone)."""
    if value is None:
        return None
    parsed = schemaless_json_loads(value)
    if parsed is not None and not isinstance(parsed, dict):
        raise DataException(f"Offset value is not a JSON object: {value!r}")
    return parsed
