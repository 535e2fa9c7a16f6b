"""Built-in transforms and predicates on schemaless and schema'd records."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from kcli.connect.api.data import DataException, Schema, SchemaBuilder, Struct
from kcli.connect.api.logical import Timestamp
from kcli.connect.api.records import Header, SinkRecord, SourceRecord
from kcli.connect.errors import ConfigException
from kcli.connect.predicates import PREDICATE_ALIASES, HasHeaderKey, RecordIsTombstone, TopicNameMatches
from kcli.connect.transforms import TRANSFORM_ALIASES

P = "org.apache.kafka.connect.transforms."


def make(name: str, **configs: str) -> Any:
    t = TRANSFORM_ALIASES[name]()
    t.configure(configs)
    return t


def src(value: object = None, schema: Schema | None = None, topic: str = "orders-raw", **kw: object) -> SourceRecord:
    return SourceRecord({"f": 1}, {"p": 2}, topic, kw.get("partition", 0), None, kw.get("key"), schema, value,
                        kw.get("timestamp", 1_700_000_000_000), kw.get("headers"))


PERSON = SchemaBuilder.struct().name("Person").field("id", Schema.INT32_SCHEMA) \
    .field("name", Schema.OPTIONAL_STRING_SCHEMA).field("ssn", Schema.OPTIONAL_STRING_SCHEMA).build()


def person() -> Struct:
    return Struct(PERSON).put("id", 7).put("name", "ann").put("ssn", "123")


def test_aliases() -> None:
    assert TRANSFORM_ALIASES["RegexRouter"] is TRANSFORM_ALIASES[P + "RegexRouter"]
    assert P + "InsertField$Value" in TRANSFORM_ALIASES and "Value" not in TRANSFORM_ALIASES
    assert PREDICATE_ALIASES["TopicNameMatches"] is TopicNameMatches


def test_filter_and_regex_router() -> None:
    assert make("Filter").apply(src("x")) is None
    router = make("RegexRouter", regex="(.*)-raw", replacement="$1-clean")
    routed = router.apply(src("x"))
    assert routed.topic == "orders-clean" and routed.source_offset == {"p": 2} and routed.value == "x"
    assert router.apply(src("x", topic="other")).topic == "other"
    with pytest.raises(ConfigException, match="regex"):
        make("RegexRouter", replacement="x")


def test_timestamp_router() -> None:
    out = make("TimestampRouter", **{"topic.format": "${topic}_${timestamp}", "timestamp.format": "yyyy-MM-dd'T'HH"})
    assert out.apply(src("x", timestamp=0)).topic == "orders-raw_1970-01-01T00"
    with pytest.raises(DataException, match="Timestamp missing"):
        make("TimestampRouter").apply(src("x", timestamp=None))


def test_headers() -> None:
    rec = src("x", headers=[Header("a", None, "1"), Header("b", None, "2")])
    assert [h.key for h in make("DropHeaders", headers="a").apply(rec).headers] == ["b"]
    added = make("InsertHeader", header="n", **{"value.literal": "42"}).apply(rec).headers[-1]
    assert added.key == "n" and added.value == 42 and added.schema == Schema.INT8_SCHEMA


def test_insert_field_schemaless_and_struct() -> None:
    t = make(P + "InsertField$Value", **{"topic.field": "t", "partition.field": "p!", "static.field": "s",
                                         "static.value": "v", "timestamp.field": "ts"})
    assert t.apply(src({"a": 1})).value == {"a": 1, "t": "orders-raw", "p": 0, "s": "v", "ts": 1_700_000_000_000}
    out = t.apply(src(person(), PERSON))
    assert [f.name for f in out.value_schema.fields] == ["id", "name", "ssn", "t", "p", "ts", "s"]
    assert out.value_schema.field("p").schema == Schema.INT32_SCHEMA
    assert out.value_schema.field("t").schema == Schema.OPTIONAL_STRING_SCHEMA
    assert out.value.get("ts") == datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc)
    assert out.value_schema.field("ts").schema.name == Timestamp.LOGICAL_NAME
    assert t.apply(src(None)).value is None
    sink = SinkRecord("t", 3, None, None, None, {"a": 1}, kafka_offset=42)
    assert make(P + "InsertField$Value", **{"offset.field": "o"}).apply(sink).value == {"a": 1, "o": 42}


def test_replace_extract_hoist_mask() -> None:
    replace = make(P + "ReplaceField$Value", exclude="ssn", renames="name:full_name")
    out = replace.apply(src(person(), PERSON))
    assert [f.name for f in out.value_schema.fields] == ["id", "full_name"] and out.value.get("full_name") == "ann"
    assert replace.apply(src({"id": 1, "ssn": 2, "name": 3})).value == {"id": 1, "full_name": 3}
    assert make(P + "ExtractField$Value", field="name").apply(src(person(), PERSON)).value == "ann"
    assert make(P + "ExtractField$Value", field="a").apply(src({"a": 5})).value == 5
    nested = make(P + "ExtractField$Value", field="a.b", **{"field.syntax.version": "V2"})
    assert nested.apply(src({"a": {"b": 9}})).value == 9
    hoisted = make(P + "HoistField$Key", field="k").apply(src("v", key=5))
    assert hoisted.key == {"k": 5} and hoisted.value == "v"
    masked = make(P + "MaskField$Value", fields="ssn,id").apply(src(person(), PERSON))
    assert masked.value.get("ssn") == "" and masked.value.get("id") == 0 and masked.value.get("name") == "ann"
    custom = make(P + "MaskField$Value", fields="ssn", replacement="***").apply(src({"ssn": "1"}))
    assert custom.value == {"ssn": "***"}
    with pytest.raises(DataException, match="Only Map objects supported"):
        replace.apply(src("not a map"))


def test_value_to_key_and_set_schema_metadata() -> None:
    out = make("ValueToKey", fields="id").apply(src(person(), PERSON))
    assert out.key_schema.fields[0].name == "id" and out.key.get("id") == 7
    assert make("ValueToKey", fields="id").apply(src({"id": 3, "x": 1})).key == {"id": 3}
    meta = make(P + "SetSchemaMetadata$Value", **{"schema.name": "com.acme.P", "schema.version": "4"})
    out = meta.apply(src(person(), PERSON))
    assert out.value_schema.name == "com.acme.P" and out.value_schema.version == 4 and out.value.get("id") == 7
    with pytest.raises(DataException, match="Schema required"):
        meta.apply(src({"a": 1}))


def test_predicates() -> None:
    p = TopicNameMatches()
    p.configure({"pattern": "orders-.*"})
    assert p.test(src("x")) and not p.test(src("x", topic="x-orders-raw"))
    h = HasHeaderKey()
    h.configure({"name": "a"})
    assert h.test(src("x", headers=[Header("a", None, 1)])) and not h.test(src("x"))
    assert RecordIsTombstone().test(src(None)) and not RecordIsTombstone().test(src("x"))
    with pytest.raises(ConfigException):
        TopicNameMatches().configure({"pattern": ""})


def test_cast_flatten_header_from() -> None:
    cast = make(P + "Cast$Value", spec="id:string,name:int32")
    assert cast.apply(src({"id": 7, "name": "12"})).value == {"id": "7", "name": 12}
    out = make(P + "Cast$Value", spec="id:float64").apply(src(person(), PERSON))
    assert out.value.get("id") == 7.0 and out.value_schema.field("id").schema == Schema.FLOAT64_SCHEMA
    assert make(P + "Cast$Value", spec="boolean").apply(src("TRUE")).value is True
    with pytest.raises(ConfigException, match="Invalid type found in casting spec"):
        make(P + "Cast$Value", spec="a:decimal")
    flat = make(P + "Flatten$Value", delimiter="_").apply(src({"a": {"b": {"c": 1}}, "d": 2}))
    assert flat.value == {"a_b_c": 1, "d": 2}
    moved = make(P + "HeaderFrom$Value", fields="ssn", headers="h", operation="move").apply(src(person(), PERSON))
    assert [f.name for f in moved.value_schema.fields] == ["id", "name"]
    assert moved.headers[-1] == Header("h", Schema.OPTIONAL_STRING_SCHEMA, "123")
