"""Converters: round-trips (hypothesis), Apache's exact bytes for known cases, errors."""

from __future__ import annotations

import datetime
import decimal
import math
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcli.connect.api.data import DataException, Schema, SchemaAndValue, SchemaBuilder, Struct, Type
from kcli.connect.api.logical import Date, Decimal, Time, Timestamp
from kcli.connect.converters import (
    CONVERTER_ALIASES,
    HEADER_CONVERTER_ALIASES,
    BooleanConverter,
    ByteArrayConverter,
    DoubleConverter,
    FloatConverter,
    IntegerConverter,
    JsonConverter,
    LongConverter,
    ShortConverter,
    SimpleHeaderConverter,
    StringConverter,
    schemaless_json_bytes,
)
from kcli.connect.converters.jackson import java_double_str

UTC = datetime.timezone.utc


def json_converter(**configs: str) -> JsonConverter:
    conv = JsonConverter()
    conv.configure(configs, False)
    return conv


# -- strategies ------------------------------------------------------------------------------------

INT_RANGES = {Type.INT8: 8, Type.INT16: 16, Type.INT32: 32, Type.INT64: 64}


def _optional(builder: SchemaBuilder, optional: bool) -> Schema:
    return (builder.optional() if optional else builder).build()


primitive_builders = st.sampled_from([
    SchemaBuilder.int8, SchemaBuilder.int16, SchemaBuilder.int32, SchemaBuilder.int64, SchemaBuilder.float32,
    SchemaBuilder.float64, SchemaBuilder.bool, SchemaBuilder.string, SchemaBuilder.bytes, Date.builder,
    Time.builder, Timestamp.builder,
])
primitive_schemas = st.one_of(
    st.builds(lambda f, o: _optional(f(), o), primitive_builders, st.booleans()),
    st.builds(lambda s, o: _optional(Decimal.builder(s), o), st.integers(0, 6), st.booleans()),
)
field_names = st.text(alphabet="abcdefgh_", min_size=1, max_size=6)


def _extend(children: st.SearchStrategy[Schema]) -> st.SearchStrategy[Schema]:
    return st.one_of(
        st.builds(lambda c, o: _optional(SchemaBuilder.array(c), o), children, st.booleans()),
        st.builds(lambda k, v: SchemaBuilder.map(k, v).build(),
                  st.sampled_from([Schema.STRING_SCHEMA, Schema.INT32_SCHEMA, Schema.INT64_SCHEMA]), children),
        st.builds(_struct, st.lists(st.tuples(field_names, children), max_size=4, unique_by=lambda t: t[0]),
                  st.booleans(), st.one_of(st.none(), st.just("com.acme.Rec"))),
    )


def _struct(fields: list[tuple[str, Schema]], optional: bool, name: str | None) -> Schema:
    b = SchemaBuilder.struct()
    if name:
        b.name(name).version(1).doc("doc \"quoted\"").parameter("p", "v")
    for fname, fschema in fields:
        b.field(fname, fschema)
    return _optional(b, optional)


schemas = st.recursive(primitive_schemas, _extend, max_leaves=8)


def value_for(schema: Schema) -> st.SearchStrategy[Any]:
    base = _value_for(schema)
    return st.one_of(st.none(), base) if schema.optional else base


def _value_for(schema: Schema) -> st.SearchStrategy[Any]:
    name = schema.name
    if name == Decimal.LOGICAL_NAME:
        scale = int(schema.parameters["scale"])
        return st.integers(-(10**20), 10**20).map(lambda n: decimal.Decimal(n).scaleb(-scale))
    if name == Date.LOGICAL_NAME:
        return st.dates(datetime.date(1900, 1, 1), datetime.date(2200, 1, 1))
    if name == Time.LOGICAL_NAME:
        return st.times().map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))
    if name == Timestamp.LOGICAL_NAME:
        return st.datetimes(datetime.datetime(1900, 1, 1), datetime.datetime(2200, 1, 1)).map(
            lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000, tzinfo=UTC))
    t = schema.type
    if t in INT_RANGES:
        bits = INT_RANGES[t]
        return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    if t is Type.FLOAT32:
        return st.floats(width=32, allow_nan=False, allow_infinity=False).map(_no_negative_zero)
    if t is Type.FLOAT64:
        return st.floats(allow_nan=False, allow_infinity=False).map(_no_negative_zero)
    if t is Type.BOOLEAN:
        return st.booleans()
    if t is Type.STRING:
        return st.text(max_size=20)
    if t is Type.BYTES:
        return st.binary(max_size=20)
    if t is Type.ARRAY:
        return st.lists(value_for(schema.value_schema), max_size=4)
    if t is Type.MAP:
        return st.dictionaries(_value_for(schema.key_schema), value_for(schema.value_schema), max_size=4)
    return st.tuples(*[value_for(f.schema) for f in schema.fields]).map(lambda vs: _fill(schema, vs))


def _no_negative_zero(f: float) -> float:
    """Apache reads JSON numbers as BigDecimal, which has no -0.0, so -0.0 comes back as 0.0 (as in kcli)."""
    return f + 0.0


def _fill(schema: Schema, values: tuple[Any, ...]) -> Struct:
    s = Struct(schema)
    for f, v in zip(schema.fields, values, strict=True):
        s.put(f, v)
    return s


@st.composite
def schema_and_value(draw: st.DrawFn) -> tuple[Schema, Any]:
    schema = draw(schemas)
    return schema, draw(value_for(schema))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(1 << 63), (1 << 63) - 1)
    | st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f + 0.0) | st.text(max_size=10),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=4),
    max_leaves=10,
)


# -- JsonConverter -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(schema_and_value())
def test_json_round_trip_with_schemas(sv: tuple[Schema, Any]) -> None:
    schema, value = sv
    conv = json_converter()
    data = conv.from_connect_data("t", schema, value)
    assert data is not None
    back = conv.to_connect_data("t", data)
    assert back.schema == schema
    assert back == SchemaAndValue(schema, value)
    assert conv.from_connect_data("t", back.schema, back.value) == data


@settings(max_examples=200, deadline=None)
@given(schema_and_value())
def test_json_round_trip_numeric_decimals(sv: tuple[Schema, Any]) -> None:
    schema, value = sv
    conv = json_converter(**{"decimal.format": "NUMERIC"})
    data = conv.from_connect_data("t", schema, value)
    back = conv.to_connect_data("t", data)
    assert back.schema == schema
    assert conv.from_connect_data("t", back.schema, back.value) == data


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_json_round_trip_schemaless(value: Any) -> None:
    conv = json_converter(**{"schemas.enable": "false"})
    data = conv.from_connect_data("t", None, value)
    if value is None:
        assert data is None
        return
    assert conv.to_connect_data("t", data) == SchemaAndValue(None, value)


@pytest.mark.parametrize(("schema", "value", "expected"), [
    (Schema.STRING_SCHEMA, "hello", b'{"schema":{"type":"string","optional":false},"payload":"hello"}'),
    (None, None, None),
    (Schema.OPTIONAL_STRING_SCHEMA, None, b'{"schema":{"type":"string","optional":true},"payload":null}'),
    (Schema.FLOAT64_SCHEMA, 1.0, b'{"schema":{"type":"double","optional":false},"payload":1.0}'),
    (Schema.FLOAT64_SCHEMA, 1e20, b'{"schema":{"type":"double","optional":false},"payload":1.0E20}'),
    (Schema.FLOAT32_SCHEMA, 0.1, b'{"schema":{"type":"float","optional":false},"payload":0.1}'),
    (Schema.BYTES_SCHEMA, b"\x00\xff", b'{"schema":{"type":"bytes","optional":false},"payload":"AP8="}'),
    (None, {"a": [1, 2.5, "x", None, True]}, b'{"schema":null,"payload":{"a":[1,2.5,"x",null,true]}}'),
])
def test_json_known_bytes(schema: Schema | None, value: Any, expected: bytes | None) -> None:
    assert json_converter().from_connect_data("t", schema, value) == expected


def test_json_struct_example_from_reference() -> None:
    schema = (SchemaBuilder.struct().name("com.acme.User").field("id", Schema.INT32_SCHEMA)
              .field("name", Schema.OPTIONAL_STRING_SCHEMA).build())
    data = json_converter().from_connect_data("t", schema, Struct(schema).put("id", 1).put("name", "ann"))
    assert data == (b'{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},'
                    b'{"type":"string","optional":true,"field":"name"}],"optional":false,"name":"com.acme.User"},'
                    b'"payload":{"id":1,"name":"ann"}}')


def test_json_schema_attribute_order_and_default() -> None:
    schema = (SchemaBuilder.int32().optional().name("n").version(3).doc("d").parameter("a", "b")
              .default_value(5).build())
    conv = json_converter()
    assert conv.from_connect_data("t", schema, None) == (
        b'{"schema":{"type":"int32","optional":true,"name":"n","version":3,"doc":"d","parameters":{"a":"b"},'
        b'"default":5},"payload":5}')
    no_replace = json_converter(**{"replace.null.with.default": "false"})
    assert no_replace.from_connect_data("t", schema, None).endswith(b'"payload":null}')
    assert no_replace.to_connect_data("t", b'{"schema":{"type":"int32","optional":true,"default":5},'
                                           b'"payload":null}').value is None
    assert conv.to_connect_data("t", b'{"schema":{"type":"int32","optional":true,"default":5},'
                                     b'"payload":null}').value == 5


def test_json_maps_with_non_string_keys_are_pairs() -> None:
    schema = SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build()
    conv = json_converter(**{"schemas.enable": "false"})
    assert conv.from_connect_data("t", schema, {1: "a", 2: "b"}) == b'[[1,"a"],[2,"b"]]'
    assert conv.from_connect_data("t", None, {1: "a"}) == b'[[1,"a"]]'


def test_json_logical_types() -> None:
    conv = json_converter(**{"schemas.enable": "false"})
    assert conv.from_connect_data("t", Decimal.schema(2), decimal.Decimal("-1.28")) == b'"gA=="'
    numeric = json_converter(**{"schemas.enable": "false", "decimal.format": "numeric"})
    assert numeric.from_connect_data("t", Decimal.schema(2), decimal.Decimal("-1.28")) == b"-1.28"
    assert conv.from_connect_data("t", Date.SCHEMA, datetime.date(1970, 1, 3)) == b"2"
    assert conv.from_connect_data("t", Time.SCHEMA, datetime.time(0, 0, 1)) == b"1000"
    assert conv.from_connect_data("t", Timestamp.SCHEMA, datetime.datetime(1970, 1, 1, 0, 0, 2, tzinfo=UTC)) == b"2000"


def test_json_envelope_errors() -> None:
    conv = json_converter()
    with pytest.raises(DataException, match='requires "schema" and "payload" fields'):
        conv.to_connect_data("t", b'{"a":1}')
    with pytest.raises(DataException, match="serialization error"):
        conv.to_connect_data("t", b"{not json")
    with pytest.raises(DataException, match="Unknown schema type: foo"):
        conv.to_connect_data("t", b'{"schema":{"type":"foo"},"payload":1}')
    with pytest.raises(DataException, match="Invalid null value for required INT32 field"):
        conv.to_connect_data("t", b'{"schema":{"type":"int32"},"payload":null}')
    with pytest.raises(DataException, match="null value for field that is required"):
        conv.from_connect_data("t", Schema.INT32_SCHEMA, None)
    with pytest.raises(DataException):
        conv.from_connect_data("t", Schema.INT32_SCHEMA, "x")
    assert conv.to_connect_data("t", None) == SchemaAndValue(None, None)


def test_json_schemaless_inference() -> None:
    conv = json_converter(**{"schemas.enable": "false"})
    assert conv.to_connect_data("t", b'{"a":1,"b":[1.5,true,null]}').value == {"a": 1, "b": [1.5, True, None]}
    assert conv.to_connect_data("t", b"") == SchemaAndValue(None, None)


def test_schemaless_json_bytes_matches_offsets_format() -> None:
    assert schemaless_json_bytes(["local-file-source", {"filename": "/tmp/test.txt"}]) == \
        b'["local-file-source",{"filename":"/tmp/test.txt"}]'
    assert schemaless_json_bytes({"position": 30}) == b'{"position":30}'
    assert schemaless_json_bytes("é\n\x01") == '"é\\n\\u0001"'.encode()


@pytest.mark.parametrize(("value", "text"), [
    (1.0, "1.0"), (0.001, "0.001"), (1e-4, "1.0E-4"), (1e7, "1.0E7"), (9999999.0, "9999999.0"),
    (123.456, "123.456"), (-0.0, "-0.0"), (math.inf, "Infinity"), (1.7976931348623157e308, "1.7976931348623157E308"),
])
def test_java_double_str(value: float, text: str) -> None:
    assert java_double_str(value) == text


# -- the other converters ----------------------------------------------------------------------


@given(st.text())
def test_string_converter_round_trip(text: str) -> None:
    conv = StringConverter()
    conv.configure({}, False)
    data = conv.from_connect_data("t", Schema.STRING_SCHEMA, text.encode("utf-8", "replace").decode("utf-8"))
    assert conv.to_connect_data("t", data).schema == Schema.OPTIONAL_STRING_SCHEMA
    assert conv.to_connect_data("t", data).value.encode() == data


def test_string_converter_encoding_and_null() -> None:
    conv = StringConverter()
    conv.configure({"converter.encoding": "ISO-8859-1"}, False)
    assert conv.from_connect_data("t", None, "é") == b"\xe9"
    assert conv.from_connect_data("t", None, None) is None
    assert conv.to_connect_data("t", None) == SchemaAndValue(Schema.OPTIONAL_STRING_SCHEMA, None)
    assert conv.from_connect_data("t", None, 5) == b"5"


@pytest.mark.parametrize(("cls", "strategy", "size"), [
    (ShortConverter, st.integers(-(1 << 15), (1 << 15) - 1), 2),
    (IntegerConverter, st.integers(-(1 << 31), (1 << 31) - 1), 4),
    (LongConverter, st.integers(-(1 << 63), (1 << 63) - 1), 8),
    (FloatConverter, st.floats(width=32, allow_nan=False), 4),
    (DoubleConverter, st.floats(allow_nan=False), 8),
    (BooleanConverter, st.booleans(), 1),
])
def test_number_converters_round_trip(cls: type, strategy: st.SearchStrategy[Any], size: int) -> None:
    conv = cls()
    conv.configure({}, False)

    @given(strategy)
    def check(v: Any) -> None:
        data = conv.from_connect_data("t", None, v)
        assert len(data) == size
        assert conv.to_connect_data("t", data).value == v
        assert conv.to_connect_data("t", data).schema.optional

    check()
    assert conv.from_connect_data("t", None, None) is None


def test_number_converters_big_endian_and_errors() -> None:
    assert IntegerConverter().from_connect_data("t", None, 1) == b"\x00\x00\x00\x01"
    assert DoubleConverter().from_connect_data("t", None, 1.0) == struct.pack(">d", 1.0)
    assert BooleanConverter().from_connect_data("t", None, True) == b"\x01"
    with pytest.raises(DataException):
        IntegerConverter().to_connect_data("t", b"\x00")
    with pytest.raises(DataException):
        IntegerConverter().from_connect_data("t", None, "x")


def test_byte_array_converter() -> None:
    conv = ByteArrayConverter()
    assert conv.from_connect_data("t", Schema.BYTES_SCHEMA, b"ab") == b"ab"
    assert conv.to_connect_data("t", b"ab") == SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, b"ab")
    with pytest.raises(DataException):
        conv.from_connect_data("t", Schema.STRING_SCHEMA, b"ab")
    with pytest.raises(DataException):
        conv.from_connect_data("t", None, "ab")


@pytest.mark.parametrize(("schema", "value", "text", "parsed_schema"), [
    (Schema.STRING_SCHEMA, "hello", "hello", Schema.STRING_SCHEMA),
    (Schema.INT32_SCHEMA, 5, "5", Schema.INT8_SCHEMA),
    (Schema.INT64_SCHEMA, 70000, "70000", Schema.INT32_SCHEMA),
    (Schema.BOOLEAN_SCHEMA, True, "true", Schema.BOOLEAN_SCHEMA),
    (Schema.FLOAT64_SCHEMA, 1.5, "1.5", Schema.FLOAT32_SCHEMA),
    (SchemaBuilder.array(Schema.INT32_SCHEMA).build(), [1, 2], "[1,2]", None),
    (SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), {"a": 1}, '{"a":1}', None),
    (Date.SCHEMA, datetime.date(2024, 1, 2), "2024-01-02", Date.SCHEMA),
])
def test_simple_header_converter(schema: Schema, value: Any, text: str, parsed_schema: Schema | None) -> None:
    conv = SimpleHeaderConverter()
    conv.configure({})
    data = conv.from_connect_header("t", "h", schema, value)
    assert data == text.encode()
    back = conv.to_connect_header("t", "h", data)
    assert back.value == value
    if parsed_schema is not None:
        assert back.schema == parsed_schema
    assert conv.to_connect_header("t", "h", None) == SchemaAndValue(None, None)
    assert conv.to_connect_header("t", "h", b"") == SchemaAndValue(Schema.STRING_SCHEMA, "")


def test_aliases() -> None:
    assert CONVERTER_ALIASES["org.apache.kafka.connect.json.JsonConverter"] is JsonConverter
    assert CONVERTER_ALIASES["JsonConverter"] is JsonConverter
    assert CONVERTER_ALIASES["Json"] is JsonConverter
    assert CONVERTER_ALIASES["org.apache.kafka.connect.storage.StringConverter"] is StringConverter
    assert CONVERTER_ALIASES["org.apache.kafka.connect.converters.IntegerConverter"] is IntegerConverter
    assert "SimpleHeaderConverter" not in CONVERTER_ALIASES
    assert HEADER_CONVERTER_ALIASES["org.apache.kafka.connect.storage.SimpleHeaderConverter"] is SimpleHeaderConverter
    assert HEADER_CONVERTER_ALIASES["Simple"] is SimpleHeaderConverter
    assert HEADER_CONVERTER_ALIASES["StringConverter"] is StringConverter
