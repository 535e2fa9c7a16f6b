"""Compact JSON text exactly as Jackson writes it (the ObjectMapper behind Apache's JsonConverter).

Differences from Python's json module: doubles print like Java's Double.toString (`1.0`, `1.0E20`),
FLOAT32 values like Float.toString, NaN/Infinity as quoted strings, control characters as `\\u00XX`
with upper-case hex, characters beyond U+FFFF as escaped surrogate pairs, other non-ASCII raw in UTF-8.
"""

from __future__ import annotations

import base64
import decimal
import math
import re
from typing import Any

from kcli.connect.java_numbers import java_double_str


class Float32(float):
    """A float written with Java's Float.toString (the JSON of a FLOAT32 value)."""


_ESCAPE_RE = re.compile('[\\x00-\\x1f"\\\\\U00010000-\U0010ffff]')
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\f": "\\f", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    c = match.group(0)
    code = ord(c)
    if code > 0xFFFF:  # Jackson writes a supplementary character as its escaped UTF-16 surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"
    return _SHORT_ESCAPES.get(c) or f"\\u{code:04X}"


def quote(text: str) -> str:
    """A JSON string literal, escaped like Jackson."""
    return '"' + _ESCAPE_RE.sub(_escape, text) + '"'


def write_json(node: Any) -> str:
    """Compact JSON of a tree of None/bool/int/float/Float32/Decimal/str/bytes/list/dict."""
    parts: list[str] = []
    _write(node, parts)
    return "".join(parts)


def dumps_bytes(node: Any) -> bytes:
    """write_json as UTF-8 bytes."""
    return write_json(node).encode("utf-8", "surrogatepass")


def _write(node: Any, out: list[str]) -> None:
    if node is None:
        out.append("null")
    elif node is True:
        out.append("true")
    elif node is False:
        out.append("false")
    elif isinstance(node, str):
        out.append(quote(node))
    elif isinstance(node, int):
        out.append(str(int(node)))
    elif isinstance(node, float):
        if math.isnan(node) or math.isinf(node):
            out.append('"' + java_double_str(node) + '"')
        else:
            out.append(java_double_str(node, isinstance(node, Float32)))
    elif isinstance(node, decimal.Decimal):
        out.append(str(node))
    elif isinstance(node, (bytes, bytearray, memoryview)):
        out.append('"' + base64.b64encode(bytes(node)).decode("ascii") + '"')
    elif isinstance(node, dict):
        out.append("{")
        first = True
        for k, v in node.items():
            if not first:
                out.append(",")
            first = False
            out.append(quote(str(k)))
            out.append(":")
            _write(v, out)
        out.append("}")
    elif isinstance(node, (list, tuple)):
        out.append("[")
        for i, v in enumerate(node):
            if i:
                out.append(",")
            _write(v, out)
        out.append("]")
    else:
        raise TypeError(f"cannot write {type(node).__name__} as JSON")
