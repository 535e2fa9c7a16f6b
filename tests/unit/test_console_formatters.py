"""Formatters: Apache's DefaultMessageFormatter golden strings, JSON envelopes, kcat format strings."""

from __future__ import annotations

import base64
import json

import pytest
from confluent_kafka import Message

from kcli.console import envelope
from kcli.console.formatters import (
    DefaultFormatter,
    FormatFailure,
    JsonFormatter,
    KcatFormatter,
    NoOpFormatter,
    make_formatter,
)
from kcli.errors import UsageError


def msg(key: bytes | None = b"key", value: bytes | None = b"value", headers=None, ts=(1, 123), offset=123,
        partition=0, topic="t") -> Message:
    return Message(topic=topic, partition=partition, offset=offset, key=key, value=value, headers=headers,
                   timestamp=ts)


def fmt(props: dict[str, str], m: Message) -> bytes:
    return DefaultFormatter(props).format_batch([m])[0]


ALL = {"print.timestamp": "true", "print.partition": "true", "print.offset": "true", "print.headers": "true",
       "print.key": "true"}


def test_default_golden_strings_from_apache() -> None:
    assert fmt({}, msg()) == b"value\n"
    assert fmt({"print.key": "true"}, msg()) == b"key\tvalue\n"
    assert fmt(ALL, msg(ts=(0, -1))) == b"NO_TIMESTAMP\tPartition:0\tOffset:123\tNO_HEADERS\tkey\tvalue\n"
    assert fmt(ALL, msg(headers=[("h1", b"v1"), ("h2", b"v2")])) == \
        b"CreateTime:123\tPartition:0\tOffset:123\th1:v1,h2:v2\tkey\tvalue\n"
    props = {**ALL, "key.separator": "<sep>", "line.separator": "<end>", "headers.separator": "|",
             "print.value": "false"}
    assert fmt(props, msg(headers=[("h1", b"v1"), ("h2", b"v2")])) == \
        b"CreateTime:123<sep>Partition:0<sep>Offset:123<sep>h1:v1|h2:v2<sep>key<end>"


def test_log_append_time_nulls_and_null_literal() -> None:
    props = {"print.timestamp": "true", "print.key": "true", "print.headers": "true"}
    assert fmt(props, msg(key=None, value=None, ts=(2, 5), headers=[("h", None)])) == \
        b"LogAppendTime:5\th:null\tnull\tnull\n"
    assert fmt({**props, "null.literal": "NULL"}, msg(key=None, value=None, ts=(2, 5))) == \
        b"LogAppendTime:5\tNO_HEADERS\tNULL\tNULL\n"


def test_batch_fast_path_matches_per_record() -> None:
    batch = [msg(value=b"a"), msg(value=None), msg(value=b"\xff\x00")]
    assert DefaultFormatter({}).format_batch(batch) == (b"a\nnull\n\xff\x00\n", 3)
    assert DefaultFormatter({"line.separator": "|"}).format_batch(batch) == (b"a|null|\xff\x00|", 3)


def test_deserializers_render_like_java() -> None:
    props = {"print.key": "true", "key.deserializer": "org.apache.kafka.common.serialization.IntegerDeserializer",
             "value.deserializer": "DoubleDeserializer"}
    m = msg(key=(-2).to_bytes(4, "big", signed=True), value=bytes.fromhex("3ff0000000000000"))
    assert fmt(props, m) == b"-2\t1.0\n"


def test_deserializer_failure_stops_or_skips() -> None:
    props = {"value.deserializer": "Long"}
    batch = [msg(value=(7).to_bytes(8, "big")), msg(value=b"abc", offset=9), msg(value=(8).to_bytes(8, "big"))]
    with pytest.raises(FormatFailure) as info:
        DefaultFormatter(props).format_batch(batch)
    assert info.value.output == b"7\n" and info.value.printed == 1
    assert "LongDeserializer is not 8" in str(info.value) and "offset 9" in str(info.value)
    skipped: list[int] = []
    out = DefaultFormatter(props, on_error=lambda m, e: skipped.append(m.offset())).format_batch(batch)
    assert out == (b"7\n8\n", 2) and skipped == [9]


def test_json_envelope_marks_non_utf8_bytes() -> None:
    line = JsonFormatter().format_batch([msg(key=b"\xff\xfe", value=b"v", headers=[("h", b"\x00\xff"),
                                                                                   ("n", None)])])[0]
    obj = json.loads(line)
    assert obj["topic"] == "t" and obj["partition"] == 0 and obj["offset"] == 123
    assert obj["timestamp"] == 123 and obj["timestamp_type"] == "CreateTime"
    assert obj["key_encoding"] == "base64" and base64.b64decode(obj["key"]) == b"\xff\xfe"
    assert obj["value"] == "v" and "value_encoding" not in obj
    assert obj["headers"] == [{"key": "h", "value": "AP8=", "value_encoding": "base64"}, {"key": "n", "value": None}]
    back = envelope.decode(line)
    assert (back.key, back.value, back.headers, back.timestamp) == (b"\xff\xfe", b"v", [("h", b"\x00\xff"),
                                                                                        ("n", None)], 123)


def test_envelope_rejects_garbage() -> None:
    for bad in (b"nope", b"[1]", b'{"value": "x", "value_encoding": "base64"}', b'{"headers": [{"value": "x"}]}'):
        with pytest.raises(envelope.EnvelopeError):
            envelope.decode(bad)


def test_kcat_format_tokens() -> None:
    f = KcatFormatter(r"%t|%p|%o|%k|%s|%h|%T|%K|%S|%%\t\x41\n")
    m = msg(headers=[("a", b"1"), ("b", b"2")])
    assert f.format_batch([m])[0] == b"t|0|123|key|value|a=1,b=2|123|3|5|%\tA\n"
    assert f.format_batch([msg(key=None, value=None)])[0] == b"t|0|123||||123|-1|-1|%\tA\n"


def test_make_formatter_choices() -> None:
    assert isinstance(make_formatter("kafka.tools.NoOpMessageFormatter", {}, None, None, None), NoOpFormatter)
    assert isinstance(make_formatter(None, {}, "json", None, None), JsonFormatter)
    with pytest.raises(UsageError):
        make_formatter("com.example.Custom", {}, None, None, None)
    with pytest.raises(UsageError):
        make_formatter(None, {}, "json", "%s", None)
