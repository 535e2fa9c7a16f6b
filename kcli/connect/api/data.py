"""Connect's data model: Type, Schema, SchemaBuilder, Field, Struct (Apache's org.apache.kafka.connect.data).

Python values per type: INT8..INT64 → int, FLOAT32/FLOAT64 → float, BOOLEAN → bool, STRING → str,
BYTES → bytes, ARRAY → list, MAP → dict, STRUCT → Struct. The logical types (Decimal, Date, Time,
Timestamp, in kcli.connect.api.logical) use decimal.Decimal, datetime.date, datetime.time and
datetime.datetime.
"""

from __future__ import annotations

import datetime
import decimal
import enum
from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple

from kcli.connect.errors import ConnectError


class DataException(ConnectError):
    """A value that does not fit its schema, or a schema that cannot be built (Apache's DataException)."""


class SchemaBuilderException(DataException):
    """An invalid SchemaBuilder call."""


class Type(enum.Enum):
    """Schema types; the value is Apache's lowercase name."""

    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    BOOLEAN = "boolean"
    STRING = "string"
    BYTES = "bytes"
    ARRAY = "array"
    MAP = "map"
    STRUCT = "struct"

    @property
    def is_primitive(self) -> bool:
        return self not in (Type.ARRAY, Type.MAP, Type.STRUCT)

    def __str__(self) -> str:
        return self.name


_INT_RANGES = {
    Type.INT8: (-(1 << 7), (1 << 7) - 1),
    Type.INT16: (-(1 << 15), (1 << 15) - 1),
    Type.INT32: (-(1 << 31), (1 << 31) - 1),
    Type.INT64: (-(1 << 63), (1 << 63) - 1),
}
_BYTES_TYPES = (bytes, bytearray, memoryview)
# Python classes accepted for a logical type, by schema name (checked instead of the base type).
_LOGICAL_CLASSES: dict[str, tuple[type, ...]] = {
    "org.apache.kafka.connect.data.Decimal": (decimal.Decimal,),
    "org.apache.kafka.connect.data.Date": (datetime.date,),
    "org.apache.kafka.connect.data.Time": (datetime.time,),
    "org.apache.kafka.connect.data.Timestamp": (datetime.datetime,),
}


def _deep_equal(a: Any, b: Any) -> bool:
    """Equality that treats bytes-like values by content and bool apart from int (Java's semantics)."""
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    if isinstance(a, _BYTES_TYPES) and isinstance(b, _BYTES_TYPES):
        return bytes(a) == bytes(b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return len(a) == len(b) and all(k in b and _deep_equal(v, b[k]) for k, v in a.items())
    return a == b


class Field:
    """A named, indexed field of a struct schema."""

    __slots__ = ("index", "name", "schema")

    def __init__(self, name: str, index: int, schema: Schema) -> None:
        self.name = name
        self.index = index
        self.schema = schema

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Field) and self.name == other.name and self.index == other.index
                and self.schema == other.schema)

    def __hash__(self) -> int:
        return hash((self.name, self.index))

    def __repr__(self) -> str:
        return f"Field{{name={self.name}, index={self.index}, schema={self.schema}}}"


class Schema:
    """An immutable schema (Apache's ConnectSchema); build one with SchemaBuilder."""

    # Constants set after the class body, as in Apache's Schema interface.
    INT8_SCHEMA: ClassVar[Schema]
    INT16_SCHEMA: ClassVar[Schema]
    INT32_SCHEMA: ClassVar[Schema]
    INT64_SCHEMA: ClassVar[Schema]
    FLOAT32_SCHEMA: ClassVar[Schema]
    FLOAT64_SCHEMA: ClassVar[Schema]
    BOOLEAN_SCHEMA: ClassVar[Schema]
    STRING_SCHEMA: ClassVar[Schema]
    BYTES_SCHEMA: ClassVar[Schema]
    OPTIONAL_INT8_SCHEMA: ClassVar[Schema]
    OPTIONAL_INT16_SCHEMA: ClassVar[Schema]
    OPTIONAL_INT32_SCHEMA: ClassVar[Schema]
    OPTIONAL_INT64_SCHEMA: ClassVar[Schema]
    OPTIONAL_FLOAT32_SCHEMA: ClassVar[Schema]
    OPTIONAL_FLOAT64_SCHEMA: ClassVar[Schema]
    OPTIONAL_BOOLEAN_SCHEMA: ClassVar[Schema]
    OPTIONAL_STRING_SCHEMA: ClassVar[Schema]
    OPTIONAL_BYTES_SCHEMA: ClassVar[Schema]

    __slots__ = ("_fields", "_fields_by_name", "default_value", "doc", "key_schema", "name", "optional",
                 "parameters", "type", "value_schema", "version")

    def __init__(self, type: Type, optional: bool = False, default_value: Any = None, name: str | None = None,
                 version: int | None = None, doc: str | None = None, parameters: Mapping[str, str] | None = None,
                 fields: list[Field] | None = None, key_schema: Schema | None = None,
                 value_schema: Schema | None = None) -> None:
        self.type = type
        self.optional = optional
        self.default_value = default_value
        self.name = name
        self.version = version
        self.doc = doc
        self.parameters = dict(parameters) if parameters else None
        self._fields = (list(fields) if fields is not None else []) if type is Type.STRUCT else None
        self._fields_by_name = {f.name: f for f in self._fields} if self._fields is not None else None
        self.key_schema = key_schema
        self.value_schema = value_schema

    @property
    def fields(self) -> list[Field]:
        """The fields of a struct schema, in order."""
        if self._fields is None:
            raise DataException("Cannot list fields on non-struct type")
        return list(self._fields)

    def field(self, name: str) -> Field | None:
        """The struct field of that name, or None."""
        if self._fields_by_name is None:
            raise DataException("Cannot look up fields on non-struct type")
        return self._fields_by_name.get(name)

    @property
    def is_optional(self) -> bool:
        return self.optional

    def schema(self) -> Schema:
        return self

    def _key(self) -> tuple[Type, bool, str | None, int | None, str | None]:
        return (self.type, self.optional, self.name, self.version, self.doc)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Schema):
            return NotImplemented
        return (self._key() == other._key() and _deep_equal(self.default_value, other.default_value)
                and self._fields == other._fields and self.key_schema == other.key_schema
                and self.value_schema == other.value_schema and (self.parameters or None) == (other.parameters or None))

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Schema{{{self.name}:{self.type}}}" if self.name is not None else f"Schema{{{self.type}}}"

    # -- validation ------------------------------------------------------------------------------
    @staticmethod
    def validate_value(schema: Schema, value: Any, field_name: str | None = None) -> None:
        """Raise DataException unless `value` fits `schema` (Apache's ConnectSchema.validateValue)."""
        location = "value" if field_name is None else f'field: "{field_name}"'
        _validate(schema, value, location)


ConnectSchema = Schema


def _validate(schema: Schema, value: Any, location: str) -> None:
    if value is None:
        if not schema.optional:
            raise DataException(f"Invalid value: null used for required {location}, schema type: {schema.type}")
        return
    logical = _LOGICAL_CLASSES.get(schema.name) if schema.name else None
    ok: bool
    if logical is not None:
        ok = isinstance(value, logical)
        if schema.name == "org.apache.kafka.connect.data.Date" and isinstance(value, datetime.datetime):
            ok = True  # a datetime is a date; Date.from_logical checks the time part
    else:
        t = schema.type
        if t in _INT_RANGES:
            lo, hi = _INT_RANGES[t]
            ok = isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi
        elif t in (Type.FLOAT32, Type.FLOAT64):
            ok = isinstance(value, (float, int)) and not isinstance(value, bool)
        elif t is Type.BOOLEAN:
            ok = isinstance(value, bool)
        elif t is Type.STRING:
            ok = isinstance(value, str)
        elif t is Type.BYTES:
            ok = isinstance(value, _BYTES_TYPES)
        elif t is Type.ARRAY:
            ok = isinstance(value, (list, tuple))
        elif t is Type.MAP:
            ok = isinstance(value, Mapping)
        else:
            ok = isinstance(value, Struct)
    if not ok:
        raise DataException(f'Invalid Java object for schema "{schema.name}" with type {schema.type}: '
                            f"{type(value)} for {location}")
    if schema.type is Type.STRUCT and logical is None:
        if value.schema != schema:
            raise DataException("Struct schemas do not match.")
        value.validate()
    elif schema.type is Type.ARRAY and logical is None:
        value_schema = schema.value_schema
        assert value_schema is not None, "an ARRAY schema has a value schema"  # SchemaBuilder.array sets it
        for item in value:
            _validate(value_schema, item, "element of array " + location)
    elif schema.type is Type.MAP and logical is None:
        key_schema, value_schema = schema.key_schema, schema.value_schema
        assert key_schema is not None and value_schema is not None, "a MAP schema has key and value schemas"
        for k, v in value.items():
            _validate(key_schema, k, "key of map " + location)
            _validate(value_schema, v, "value of map " + location)


_UNSET = object()


class SchemaBuilder:
    """Fluent builder of Schema objects: `SchemaBuilder.struct().name("x").field("a", Schema.INT32_SCHEMA).build()`."""

    def __init__(self, type: Type) -> None:
        self.type = type
        self._optional: bool | None = None
        self._default: Any = _UNSET
        self._name: str | None = None
        self._version: int | None = None
        self._doc: str | None = None
        self._parameters: dict[str, str] | None = None
        self._fields: dict[str, Field] | None = {} if type is Type.STRUCT else None
        self._key_schema: Schema | None = None
        self._value_schema: Schema | None = None

    # -- factories ------------------------------------------------------------------------------
    @classmethod
    def int8(cls) -> SchemaBuilder:
        return cls(Type.INT8)

    @classmethod
    def int16(cls) -> SchemaBuilder:
        return cls(Type.INT16)

    @classmethod
    def int32(cls) -> SchemaBuilder:
        return cls(Type.INT32)

    @classmethod
    def int64(cls) -> SchemaBuilder:
        return cls(Type.INT64)

    @classmethod
    def float32(cls) -> SchemaBuilder:
        return cls(Type.FLOAT32)

    @classmethod
    def float64(cls) -> SchemaBuilder:
        return cls(Type.FLOAT64)

    @classmethod
    def bool(cls) -> SchemaBuilder:
        return cls(Type.BOOLEAN)

    boolean = bool

    @classmethod
    def string(cls) -> SchemaBuilder:
        return cls(Type.STRING)

    @classmethod
    def bytes(cls) -> SchemaBuilder:
        return cls(Type.BYTES)

    @classmethod
    def struct(cls) -> SchemaBuilder:
        return cls(Type.STRUCT)

    @classmethod
    def type_(cls, type: Type) -> SchemaBuilder:
        return cls(type)

    @classmethod
    def array(cls, value_schema: Schema | SchemaBuilder | None) -> SchemaBuilder:
        if value_schema is None:
            raise SchemaBuilderException("value schema cannot be null.")
        b = cls(Type.ARRAY)
        b._value_schema = _built(value_schema)
        return b

    @classmethod
    def map(cls, key_schema: Schema | SchemaBuilder | None,
            value_schema: Schema | SchemaBuilder | None) -> SchemaBuilder:
        if key_schema is None or value_schema is None:
            raise SchemaBuilderException("key schema cannot be null." if key_schema is None
                                         else "value schema cannot be null.")
        b = cls(Type.MAP)
        b._key_schema = _built(key_schema)
        b._value_schema = _built(value_schema)
        return b

    # -- fluent setters -------------------------------------------------------------------------
    def _check_unset(self, what: str, current: Any, value: Any) -> None:
        if current is not None and current is not _UNSET and current != value:
            raise SchemaBuilderException(f"Invalid SchemaBuilder call: {what} has already been set.")

    def optional(self) -> SchemaBuilder:
        self._check_unset("optional", self._optional, True)
        self._optional = True
        return self

    def required(self) -> SchemaBuilder:
        self._check_unset("optional", self._optional, False)
        self._optional = False
        return self

    def name(self, name: str) -> SchemaBuilder:
        self._check_unset("name", self._name, name)
        self._name = name
        return self

    def version(self, version: int) -> SchemaBuilder:
        self._check_unset("version", self._version, version)
        self._version = version
        return self

    def doc(self, doc: str) -> SchemaBuilder:
        self._check_unset("doc", self._doc, doc)
        self._doc = doc
        return self

    def parameter(self, key: str, value: str) -> SchemaBuilder:
        if self._parameters is None:
            self._parameters = {}
        self._parameters[key] = value
        return self

    def parameters(self, params: Mapping[str, str]) -> SchemaBuilder:
        for k, v in params.items():
            self.parameter(k, v)
        return self

    def default_value(self, value: Any) -> SchemaBuilder:
        if self._default is not _UNSET:
            raise SchemaBuilderException("Invalid SchemaBuilder call: default has already been set.")
        try:
            Schema.validate_value(self._snapshot(None), value)
        except DataException as e:
            raise SchemaBuilderException(f"Invalid default value: {e.message}") from e
        self._default = value
        return self

    def field(self, name: str, schema: Schema | SchemaBuilder | None) -> SchemaBuilder:
        if self._fields is None:
            raise SchemaBuilderException("Cannot create fields on type " + str(self.type))
        if name is None or name == "":
            raise SchemaBuilderException("fieldName cannot be null.")
        if schema is None:
            raise SchemaBuilderException("fieldSchema for field " + name + " cannot be null.")
        if name in self._fields:
            raise SchemaBuilderException("Cannot create field because of field name duplication " + name)
        self._fields[name] = Field(name, len(self._fields), _built(schema))
        return self

    # -- read access (a builder can be inspected like a schema) ---------------------------------
    @property
    def fields(self) -> list[Field]:
        if self._fields is None:
            raise DataException("Cannot list fields on non-struct type")
        return list(self._fields.values())

    def get_field(self, name: str) -> Field | None:
        if self._fields is None:
            raise DataException("Cannot look up fields on non-struct type")
        return self._fields.get(name)

    def _snapshot(self, default: Any) -> Schema:
        return Schema(self.type, bool(self._optional), default, self._name, self._version, self._doc,
                      self._parameters, list(self._fields.values()) if self._fields is not None else None,
                      self._key_schema, self._value_schema)

    def build(self) -> Schema:
        """The immutable Schema."""
        return self._snapshot(None if self._default is _UNSET else self._default)

    def schema(self) -> Schema:
        return self.build()


def _built(schema: Schema | SchemaBuilder) -> Schema:
    return schema.build() if isinstance(schema, SchemaBuilder) else schema


for _t, _attr in ((Type.INT8, "INT8"), (Type.INT16, "INT16"), (Type.INT32, "INT32"), (Type.INT64, "INT64"),
                  (Type.FLOAT32, "FLOAT32"), (Type.FLOAT64, "FLOAT64"), (Type.BOOLEAN, "BOOLEAN"),
                  (Type.STRING, "STRING"), (Type.BYTES, "BYTES")):
    setattr(Schema, f"{_attr}_SCHEMA", Schema(_t))
    setattr(Schema, f"OPTIONAL_{_attr}_SCHEMA", Schema(_t, optional=True))


class Struct:
    """A structured record value with a STRUCT schema."""

    __slots__ = ("_values", "schema")

    def __init__(self, schema: Schema) -> None:
        if schema is None or schema.type is not Type.STRUCT:
            raise DataException(f"Not a struct schema: {schema}")
        self.schema = schema
        self._values: list[Any] = [None] * len(schema.fields)

    def _lookup(self, name: str) -> Field:
        f = self.schema.field(name)
        if f is None:
            raise DataException(f"{name} is not a valid field name")
        return f

    def put(self, field: str | Field, value: Any) -> Struct:
        """Set a field after validating the value against the field's schema; returns self."""
        f = field if isinstance(field, Field) else self._lookup(field)
        Schema.validate_value(f.schema, value, f.name)
        self._values[f.index] = value
        return self

    def get(self, field: str | Field) -> Any:
        """The field's value, or the field schema's default when unset."""
        f = field if isinstance(field, Field) else self._lookup(field)
        v = self._values[f.index]
        return f.schema.default_value if v is None else v

    def get_without_default(self, name: str) -> Any:
        return self._values[self._lookup(name).index]

    def validate(self) -> None:
        """Raise DataException if a required field without a default is missing, or a value does not fit."""
        for f in self.schema.fields:
            v = self._values[f.index]
            if v is None and (f.schema.optional or f.schema.default_value is not None):
                continue
            Schema.validate_value(f.schema, v, f.name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Struct):
            return NotImplemented
        return self.schema == other.schema and _deep_equal(self._values, other._values)

    def __hash__(self) -> int:
        return hash(self.schema)

    def __repr__(self) -> str:
        parts = [f"{f.name}={self._values[f.index]}" for f in self.schema.fields if self._values[f.index] is not None]
        return "Struct{" + ",".join(parts) + "}"


class SchemaAndValue(NamedTuple):
    """A schema (or None) and a value, as converters return them."""

    schema: Schema | None
    value: Any


SchemaAndValue.NULL = SchemaAndValue(None, None)  # type: ignore[attr-defined]  # a NamedTuple cannot declare a ClassVar


def infer_schema_type(value: Any) -> Type | None:
    """The schema type Apache infers for a schemaless value (ConnectSchema.schemaType), or None."""
    if isinstance(value, bool):
        return Type.BOOLEAN
    if isinstance(value, int):
        return Type.INT64
    if isinstance(value, float):
        return Type.FLOAT64
    if isinstance(value, str):
        return Type.STRING
    if isinstance(value, _BYTES_TYPES):
        return Type.BYTES
    if isinstance(value, (list, tuple)):
        return Type.ARRAY
    if isinstance(value, Mapping):
        return Type.MAP
    if isinstance(value, Struct):
        return Type.STRUCT
    return None


def __getattr__(name: str) -> Any:
    """Decimal, Date, Time and Timestamp live in kcli.connect.api.logical; importable from here too."""
    if name in ("Date", "Decimal", "Time", "Timestamp", "LOGICAL_TYPES"):
        from kcli.connect.api import logical

        return getattr(logical, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ConnectSchema", "DataException", "Field", "Schema", "SchemaAndValue", "SchemaBuilder",
    "SchemaBuilderException", "Struct", "Type", "infer_schema_type",
]
__all__.extend(["Date", "Decimal", "Time", "Timestamp"])  # served by __getattr__ from kcli.connect.api.logical
