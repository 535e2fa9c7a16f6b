"""The JSON envelope one record becomes (`consume --output json`) and is read back from (`produce --input json`)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

TIMESTAMP_TYPES = {0: "NoTimestampType", 1: "CreateTime", 2: "LogAppendTime"}
BASE64 = "base64"


class EnvelopeError(ValueError):
    """A JSON input line that is not a record envelope."""


def _text(data: bytes | None) -> tuple[str | None, bool]:
    """(text, is_base64): UTF-8 text when the bytes are valid UTF-8, else base64."""
    if data is None:
        return None, False
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), True


def encode(topic: str, partition: int, offset: int, ts_type: int, ts: int, key: bytes | None,
           value: bytes | None, headers: list[tuple[str, bytes | None]] | None) -> str:
    """One record as a one-line JSON object; non-UTF-8 bytes are base64 with a `*_encoding` marker."""
    obj: dict[str, Any] = {"topic": topic, "partition": partition, "offset": offset,
                           "timestamp": ts if ts_type else None,
                           "timestamp_type": TIMESTAMP_TYPES.get(ts_type, "NoTimestampType")}
    text, b64 = _text(key)
    obj["key"] = text
    if b64:
        obj["key_encoding"] = BASE64
    text, b64 = _text(value)
    obj["value"] = text
    if b64:
        obj["value_encoding"] = BASE64
    out_headers = []
    for name, data in headers or ():
        text, b64 = _text(data)
        item: dict[str, Any] = {"key": name, "value": text}
        if b64:
            item["value_encoding"] = BASE64
        out_headers.append(item)
    obj["headers"] = out_headers
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Envelope:
    """What a JSON input line asks to produce."""

    key: bytes | None = None
    value: bytes | None = None
    headers: list[tuple[str, bytes | None]] = field(default_factory=list)
    timestamp: int | None = None


def _bytes(obj: dict[str, Any], name: str, encoding_key: str) -> bytes | None:
    data = obj.get(name)
    if data is None:
        return None
    encoding = obj.get(encoding_key)
    if encoding == BASE64:
        if not isinstance(data, str):
            raise EnvelopeError(f"'{name}' marked base64 must be a string")
        try:
            return base64.b64decode(data, validate=True)
        except ValueError:
            raise EnvelopeError(f"'{name}' is not valid base64") from None
    if encoding not in (None, "utf-8", "utf8", "string"):
        raise EnvelopeError(f"unknown {encoding_key} '{encoding}'")
    if isinstance(data, str):
        return data.encode("utf-8")
    # A number, object or list: its JSON text.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(line: bytes | str) -> Envelope:
    """Parse one envelope line (fields other than key, value, headers and timestamp are ignored)."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise EnvelopeError(f"not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise EnvelopeError("expected a JSON object")
    env = Envelope(key=_bytes(obj, "key", "key_encoding"), value=_bytes(obj, "value", "value_encoding"))
    headers = obj.get("headers") or []
    if isinstance(headers, dict):
        headers = [{"key": k, "value": v} for k, v in headers.items()]
    if not isinstance(headers, list):
        raise EnvelopeError("'headers' must be a list of {\"key\", \"value\"} objects")
    for item in headers:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise EnvelopeError("each header must be an object with a string 'key'")
        env.headers.append((item["key"], _bytes(item, "value", "value_encoding")))
    ts, ts_type = obj.get("timestamp"), obj.get("timestamp_type", "CreateTime")
    if ts is not None and ts_type == "CreateTime":
        if not isinstance(ts, int) or isinstance(ts, bool):
            raise EnvelopeError("'timestamp' must be an integer (epoch milliseconds)")
        env.timestamp = ts
    return env
