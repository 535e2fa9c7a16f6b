"""Apache's deserializers (String, ByteArray, Integer, …) turning record bytes into the bytes a formatter prints."""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable

from kcli.connect.java_numbers import java_double_str as java_float_str
from kcli.errors import UsageError

Deserializer = Callable[[bytes], bytes]

PACKAGE = "org.apache.kafka.common.serialization."


class DeserializationError(Exception):
    """The bytes of one record cannot be read by the chosen deserializer."""


def _sized(name: str, size: int, fmt: str, render: Callable[[float], str]) -> Deserializer:
    """`render` gets the unpacked int or float (an int is a float to the type checker)."""
    unpack = struct.Struct(fmt).unpack

    def read(data: bytes) -> bytes:
        if len(data) != size:
            raise DeserializationError(f"Size of data received by {name} is not {size}")
        return render(unpack(data)[0]).encode()

    return read


def _string(data: bytes) -> bytes:
    return data.decode("utf-8", "replace").encode("utf-8")


def _bytes_repr(data: bytes) -> bytes:
    """Kafka's Bytes.toString: printable ASCII as is, everything else as \\xHH."""
    return "".join(chr(b) if 32 <= b < 127 else f"\\x{b:02X}" for b in data).encode()


def _uuid(data: bytes) -> bytes:
    try:
        return str(uuid.UUID(data.decode("utf-8"))).encode()
    except (ValueError, UnicodeDecodeError):
        raise DeserializationError("Error parsing data into UUID") from None


def _raw(data: bytes) -> bytes:
    return data


DESERIALIZERS: dict[str, Deserializer] = {
    "StringDeserializer": _string,
    "ByteArrayDeserializer": _raw,
    "ByteBufferDeserializer": _raw,
    "BytesDeserializer": _bytes_repr,
    "IntegerDeserializer": _sized("IntegerDeserializer", 4, ">i", str),
    "LongDeserializer": _sized("LongDeserializer", 8, ">q", str),
    "ShortDeserializer": _sized("ShortDeserializer", 2, ">h", str),
    "FloatDeserializer": _sized("FloatDeserializer", 4, ">f", lambda v: java_float_str(v, single=True)),
    "DoubleDeserializer": _sized("DoubleDeserializer", 8, ">d", java_float_str),
    "UUIDDeserializer": _uuid,
}


def deserializer_for(name: str | None) -> Deserializer | None:
    """Resolve `String`, `StringDeserializer` or the full Apache class name; None when no name is given."""
    if not name:
        return None
    short = name.strip()
    if short.startswith(PACKAGE):
        short = short[len(PACKAGE):]
    if not short.endswith("Deserializer"):
        short += "Deserializer"
    if short not in DESERIALIZERS:
        known = ", ".join(k[: -len("Deserializer")] for k in DESERIALIZERS)
        raise UsageError(f"unknown deserializer '{name}' (known: {known})")
    return DESERIALIZERS[short]
