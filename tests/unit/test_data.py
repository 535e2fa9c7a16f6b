"""The Connect data model: schemas, builders, structs, validation, logical types."""

from __future__ import annotations

import datetime
import decimal

import pytest

from kcli.connect.api.data import (
    DataException,
    Schema,
    SchemaAndValue,
    SchemaBuilder,
    SchemaBuilderException,
    Struct,
    Type,
)
from kcli.connect.api.logical import Date, Decimal, Time, Timestamp
from kcli.connect.errors import ConnectError


def user_schema() -> Schema:
    return (SchemaBuilder.struct().name("com.acme.User").version(2).doc("a user")
            .field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
            .field("score", SchemaBuilder.float64().default_value(1.5).build())
            .build())


def test_type_values_are_apache_names() -> None:
    assert Type.INT32.value == "int32"
    assert Type.STRUCT.value == "struct"
    assert str(Type.FLOAT64) == "FLOAT64"


def test_constants() -> None:
    assert Schema.STRING_SCHEMA.type is Type.STRING and not Schema.STRING_SCHEMA.optional
    assert Schema.OPTIONAL_BYTES_SCHEMA.optional
    assert Schema.INT8_SCHEMA != Schema.OPTIONAL_INT8_SCHEMA
    assert SchemaBuilder.bool().build() == Schema.BOOLEAN_SCHEMA


def test_builder_and_schema_attributes() -> None:
    s = user_schema()
    assert s.type is Type.STRUCT and s.name == "com.acme.User" and s.version == 2 and s.doc == "a user"
    assert [f.name for f in s.fields] == ["id", "name", "tags", "score"]
    assert s.field("tags").index == 2
    assert s.field("tags").schema.value_schema == Schema.STRING_SCHEMA
    assert s.field("missing") is None
    assert s == user_schema() and hash(s) == hash(user_schema())
    m = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).parameter("k", "v").build()
    assert m.key_schema == Schema.STRING_SCHEMA and m.parameters == {"k": "v"}
    with pytest.raises(DataException):
        _ = Schema.INT32_SCHEMA.fields


def test_builder_errors() -> None:
    with pytest.raises(SchemaBuilderException, match="duplication"):
        SchemaBuilder.struct().field("a", Schema.INT8_SCHEMA).field("a", Schema.INT8_SCHEMA)
    with pytest.raises(SchemaBuilderException, match="Invalid default value"):
        SchemaBuilder.int32().default_value("x")
    with pytest.raises(SchemaBuilderException, match="name has already been set"):
        SchemaBuilder.int32().name("a").name("b")
    with pytest.raises(SchemaBuilderException):
        SchemaBuilder.int32().field("a", Schema.INT8_SCHEMA)
    assert issubclass(DataException, ConnectError)


def test_struct_put_get_validate_equality() -> None:
    s = user_schema()
    st = Struct(s).put("id", 7).put("name", "ann")
    assert st.get("id") == 7 and st.get("score") == 1.5 and st.get_without_default("score") is None
    st.validate()
    assert st == Struct(s).put("id", 7).put("name", "ann")
    assert st != Struct(s).put("id", 8)
    assert repr(st) == "Struct{id=7,name=ann}"
    with pytest.raises(DataException, match="not a valid field name"):
        st.put("nope", 1)
    with pytest.raises(DataException, match="Invalid Java object"):
        st.put("id", "seven")
    with pytest.raises(DataException, match='null used for required field: "id", schema type: INT32'):
        Struct(s).validate()
    with pytest.raises(DataException, match="Not a struct schema"):
        Struct(Schema.INT32_SCHEMA)


@pytest.mark.parametrize(("schema", "value", "ok"), [
    (Schema.INT8_SCHEMA, 127, True),
    (Schema.INT8_SCHEMA, 128, False),
    (Schema.INT64_SCHEMA, True, False),
    (Schema.BOOLEAN_SCHEMA, True, True),
    (Schema.FLOAT32_SCHEMA, 1.5, True),
    (Schema.STRING_SCHEMA, b"x", False),
    (Schema.BYTES_SCHEMA, b"x", True),
    (Schema.STRING_SCHEMA, None, False),
    (Schema.OPTIONAL_STRING_SCHEMA, None, True),
    (SchemaBuilder.array(Schema.INT32_SCHEMA).build(), [1, 2], True),
    (SchemaBuilder.array(Schema.INT32_SCHEMA).build(), [1, "2"], False),
    (SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), {"a": 1}, True),
    (SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), {1: 1}, False),
    (Decimal.schema(2), decimal.Decimal("1.25"), True),
    (Decimal.schema(2), b"\x01", False),
    (Date.SCHEMA, datetime.date(2024, 1, 2), True),
    (Timestamp.SCHEMA, datetime.date(2024, 1, 2), False),
])
def test_validate_value(schema: Schema, value: object, ok: bool) -> None:
    if ok:
        Schema.validate_value(schema, value)
    else:
        with pytest.raises(DataException):
            Schema.validate_value(schema, value)


def test_schema_and_value() -> None:
    sv = SchemaAndValue(Schema.STRING_SCHEMA, "x")
    assert sv.schema is Schema.STRING_SCHEMA and sv.value == "x"
    assert SchemaAndValue.NULL == (None, None)


@pytest.mark.parametrize(("text", "scale", "raw"), [
    ("0", 0, b"\x00"), ("1.27", 2, b"\x7f"), ("1.28", 2, b"\x00\x80"), ("-1.28", 2, b"\x80"),
    ("-1.29", 2, b"\xff\x7f"),
    ("-0.01", 2, b"\xff"),
    ("123456789012345678901234567890", 0, (123456789012345678901234567890).to_bytes(13, "big")),
])
def test_decimal_two_complement(text: str, scale: int, raw: bytes) -> None:
    schema = Decimal.schema(scale)
    assert schema.name == Decimal.LOGICAL_NAME and schema.parameters == {"scale": str(scale)} and schema.version == 1
    assert Decimal.from_logical(schema, decimal.Decimal(text)) == raw
    assert Decimal.to_logical(schema, raw) == decimal.Decimal(text)


def test_decimal_scale_mismatch() -> None:
    with pytest.raises(DataException, match="mismatching scale"):
        Decimal.from_logical(Decimal.schema(2), decimal.Decimal("1.5"))


def test_date_time_timestamp() -> None:
    assert Date.from_logical(Date.SCHEMA, datetime.date(1970, 1, 11)) == 10
    assert Date.to_logical(Date.SCHEMA, -1) == datetime.date(1969, 12, 31)
    assert Time.from_logical(Time.SCHEMA, datetime.time(1, 0, 0, 5000)) == 3_600_005
    assert Time.to_logical(Time.SCHEMA, 3_600_005) == datetime.time(1, 0, 0, 5000)
    ts = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=datetime.timezone.utc)
    assert Timestamp.to_logical(Timestamp.SCHEMA, Timestamp.from_logical(Timestamp.SCHEMA, ts)) == ts
    assert Timestamp.from_logical(Timestamp.SCHEMA, datetime.datetime(1970, 1, 1, 0, 0, 1)) == 1000
    with pytest.raises(DataException, match="time fields"):
        Date.from_logical(Date.SCHEMA, datetime.datetime(2024, 1, 1, 5))
    with pytest.raises(DataException, match="schema does not match"):
        Date.from_logical(Time.SCHEMA, datetime.date(2024, 1, 1))
    with pytest.raises(DataException):
        Time.to_logical(Time.SCHEMA, -5)
