"""JsonConverter (org.apache.kafka.connect.json.JsonConverter): the same bytes as Apache's for the same data.

With `schemas.enable=true` (default) a record is `{"schema":<schema JSON>,"payload":<value JSON>}`;
otherwise the bare value. Output is Jackson's compact form (see kcli.connect.converters.jackson).
"""

from __future__ import annotations

import base64
import binascii
import decimal
import json
import struct
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, TypeVar, overload

from kcli.connect.api import logical
from kcli.connect.api.data import DataException, Schema, SchemaAndValue, SchemaBuilder, Struct, Type, infer_schema_type
from kcli.connect.configdef import CaseInsensitiveValidString, ConfigDef, Importance, Width
from kcli.connect.configdef import Type as CType
from kcli.connect.converters.base import Converter, HeaderConverter, converter_config_def
from kcli.connect.converters.jackson import Float32, dumps_bytes, write_json

SCHEMAS_ENABLE_CONFIG = "schemas.enable"
SCHEMAS_CACHE_SIZE_CONFIG = "schemas.cache.size"
DECIMAL_FORMAT_CONFIG = "decimal.format"
REPLACE_NULL_WITH_DEFAULT_CONFIG = "replace.null.with.default"

_ENVELOPE_ERROR = ('JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain '
                   "additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in "
                   "your converter configuration.")

_TYPE_NAMES = {Type.BOOLEAN: "boolean", Type.INT8: "int8", Type.INT16: "int16", Type.INT32: "int32",
               Type.INT64: "int64", Type.FLOAT32: "float", Type.FLOAT64: "double", Type.BYTES: "bytes",
               Type.STRING: "string", Type.ARRAY: "array", Type.MAP: "map", Type.STRUCT: "struct"}
_TYPES_BY_NAME = {v: k for k, v in _TYPE_NAMES.items()}
_INT_BITS = {Type.INT8: 8, Type.INT16: 16, Type.INT32: 32, Type.INT64: 64}


def json_converter_config_def() -> ConfigDef:
    """Apache's JsonConverterConfig."""
    return (converter_config_def()
            .define(SCHEMAS_ENABLE_CONFIG, CType.BOOLEAN, True, None, Importance.HIGH,
                    "Include schemas within each of the serialized values and keys.", "Schemas", 0, Width.MEDIUM,
                    "Enable Schemas")
            .define(SCHEMAS_CACHE_SIZE_CONFIG, CType.INT, 1000, None, Importance.HIGH,
                    "The maximum number of schemas that can be cached in this converter instance.", "Schemas", 1,
                    Width.MEDIUM, "Schema Cache Size")
            .define(DECIMAL_FORMAT_CONFIG, CType.STRING, "BASE64", CaseInsensitiveValidString.in_("BASE64", "NUMERIC"),
                    Importance.LOW, "Controls which format this converter will serialize decimals in. This value is "
                    "case insensitive and can be either 'BASE64' (default) or 'NUMERIC'", "Serialization", 0,
                    Width.MEDIUM, "Decimal Format")
            .define(REPLACE_NULL_WITH_DEFAULT_CONFIG, CType.BOOLEAN, True, None, Importance.LOW,
                    "Whether to replace fields that have a default value and that are null to the default value. "
                    "When set to true, the default value is used, otherwise null is used.", "Serialization", 1,
                    Width.MEDIUM, "Replace null with default"))


_K = TypeVar("_K")
_V = TypeVar("_V")


class _LRU(OrderedDict[_K, _V]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: _K, value: _V) -> None:
        if self.size <= 0:
            return
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class JsonConverter(Converter, HeaderConverter):
    """Apache's JsonConverter: envelopes, schema JSON, logical types, schemaless inference."""

    def __init__(self) -> None:
        self.schemas_enabled = True
        self.decimal_numeric = False
        self.replace_null_with_default = True
        self._from_cache: _LRU[Schema, dict[str, Any]] = _LRU(1000)
        self._to_cache: _LRU[str, Schema] = _LRU(1000)
        self._text_cache: _LRU[Schema, str] = _LRU(1000)

    def config_def(self) -> ConfigDef:
        return json_converter_config_def()

    def configure(self, configs: Mapping[str, Any], is_key: bool = False) -> None:
        props = {k: v for k, v in configs.items() if k in json_converter_config_def().config_keys}
        props.setdefault("converter.type", "key" if is_key else "value")
        parsed = json_converter_config_def().parse(props)
        self.schemas_enabled = parsed[SCHEMAS_ENABLE_CONFIG]
        self.decimal_numeric = parsed[DECIMAL_FORMAT_CONFIG].upper() == "NUMERIC"
        self.replace_null_with_default = parsed[REPLACE_NULL_WITH_DEFAULT_CONFIG]
        self._from_cache = _LRU(parsed[SCHEMAS_CACHE_SIZE_CONFIG])
        self._to_cache = _LRU(parsed[SCHEMAS_CACHE_SIZE_CONFIG])
        self._text_cache = _LRU(parsed[SCHEMAS_CACHE_SIZE_CONFIG])

    # -- Connect → bytes -----------------------------------------------------------------------------
    def from_connect_data(self, topic: str, schema: Schema | None, value: Any, headers: Any = None) -> bytes | None:
        if schema is None and value is None:
            return None
        payload = write_json(self.convert_to_json(schema, value))
        if self.schemas_enabled:
            payload = '{"schema":' + self._schema_text(schema) + ',"payload":' + payload + "}"
        return payload.encode("utf-8", "surrogatepass")

    def _schema_text(self, schema: Schema | None) -> str:
        """The compact JSON of a schema, cached per schema."""
        if schema is None:
            return "null"
        text = self._text_cache.get(schema)
        if text is None:
            text = write_json(self.as_json_schema(schema))
            self._text_cache.put(schema, text)
        return text

    def from_connect_header(self, topic: str, header_key: str, schema: Schema | None, value: Any) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    @overload
    def as_json_schema(self, schema: Schema) -> dict[str, Any]: ...

    @overload
    def as_json_schema(self, schema: Schema | None) -> dict[str, Any] | None: ...

    def as_json_schema(self, schema: Schema | None) -> dict[str, Any] | None:
        """The JSON object describing `schema` (Apache's JsonConverter.asJsonSchema)."""
        if schema is None:
            return None
        cached = self._from_cache.get(schema)
        if cached is not None:
            return cached
        node: dict[str, Any] = {"type": _TYPE_NAMES[schema.type]}
        if schema.type is Type.STRUCT:
            fields = []
            for f in schema.fields:
                fnode = dict(self.as_json_schema(f.schema))
                fnode["field"] = f.name
                fields.append(fnode)
            node["fields"] = fields
        elif schema.type is Type.ARRAY:
            node["items"] = self.as_json_schema(schema.value_schema)
        elif schema.type is Type.MAP:
            node["keys"] = self.as_json_schema(schema.key_schema)
            node["values"] = self.as_json_schema(schema.value_schema)
        node["optional"] = schema.optional
        if schema.name is not None:
            node["name"] = schema.name
        if schema.version is not None:
            node["version"] = schema.version
        if schema.doc is not None:
            node["doc"] = schema.doc
        if schema.parameters is not None:
            node["parameters"] = dict(schema.parameters)
        if schema.default_value is not None:
            node["default"] = self.convert_to_json(schema, schema.default_value)
        self._from_cache.put(schema, node)
        return node

    def convert_to_json(self, schema: Schema | None, value: Any) -> Any:
        """The JSON tree of a Connect value (Apache's JsonConverter.convertToJson)."""
        if value is None:
            if schema is None:
                return None
            if schema.default_value is not None and self.replace_null_with_default:
                return self.convert_to_json(schema, schema.default_value)
            if schema.optional:
                return None
            raise DataException("Conversion error: null value for field that is required and has no default value")
        if schema is not None and schema.name is not None and schema.name in logical.LOGICAL_TYPES:
            return self._logical_to_json(schema, value)
        stype = schema.type if schema is not None else infer_schema_type(value)
        if stype is None:
            raise DataException(f"Java class {type(value)} does not have corresponding schema type.")
        type_desc = str(stype) if schema is not None else "unknown schema"
        if stype in _INT_BITS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise DataException(f"Invalid type for {type_desc}: {type(value)}")
            return value
        if stype in (Type.FLOAT32, Type.FLOAT64):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DataException(f"Invalid type for {type_desc}: {type(value)}")
            if stype is Type.FLOAT32:
                return Float32(_to_float32(float(value)))
            return float(value)
        if stype is Type.BOOLEAN:
            if not isinstance(value, bool):
                raise DataException(f"Invalid type for {type_desc}: {type(value)}")
            return value
        if stype is Type.STRING:
            if not isinstance(value, str):
                raise DataException(f"Invalid type for {type_desc}: {type(value)}")
            return value
        if stype is Type.BYTES:
            if not isinstance(value, (bytes, bytearray, memoryview)):
                raise DataException(f"Invalid type for bytes type: {type(value)}")
            return bytes(value)
        if stype is Type.ARRAY:
            if not isinstance(value, (list, tuple)):
                raise DataException(f"Invalid type for {type_desc}: {type(value)}")
            elem = schema.value_schema if schema is not None else None
            return [self.convert_to_json(elem, v) for v in value]
        if stype is Type.MAP:
            if not isinstance(value, Mapping):
                raise DataException(f"Invalid type for {type_desc}: {type(value)}")
            ks = schema.key_schema if schema is not None else None
            vs = schema.value_schema if schema is not None else None
            if schema is None:
                object_mode = all(isinstance(k, str) for k in value)
            else:
                assert ks is not None, "a MAP schema has a key schema"  # SchemaBuilder.map sets it
                object_mode = ks.type is Type.STRING
            if object_mode:
                return {_as_text(self.convert_to_json(ks, k)): self.convert_to_json(vs, v) for k, v in value.items()}
            return [[self.convert_to_json(ks, k), self.convert_to_json(vs, v)] for k, v in value.items()]
        if not isinstance(value, Struct):
            raise DataException(f"Invalid type for {type_desc}: {type(value)}")
        if value.schema != schema:
            raise DataException("Mismatching schema.")
        return {f.name: self.convert_to_json(f.schema, value.get_without_default(f.name)) for f in schema.fields}

    def _logical_to_json(self, schema: Schema, value: Any) -> Any:
        import datetime

        name = schema.name
        if name == logical.Decimal.LOGICAL_NAME:
            if not isinstance(value, decimal.Decimal):
                raise DataException(f"Invalid type for Decimal, expected BigDecimal but was {type(value)}")
            if self.decimal_numeric:
                return value
            return logical.Decimal.from_logical(schema, value)
        if name == logical.Date.LOGICAL_NAME:
            if not isinstance(value, datetime.date):
                raise DataException(f"Invalid type for Date, expected Date but was {type(value)}")
            return logical.Date.from_logical(schema, value)
        if name == logical.Time.LOGICAL_NAME:
            if not isinstance(value, (datetime.time, datetime.datetime)):
                raise DataException(f"Invalid type for Time, expected Date but was {type(value)}")
            return logical.Time.from_logical(schema, value)
        if not isinstance(value, datetime.datetime):
            raise DataException(f"Invalid type for Timestamp, expected Date but was {type(value)}")
        return logical.Timestamp.from_logical(schema, value)

    # -- bytes → Connect -----------------------------------------------------------------------------
    def to_connect_data(self, topic: str, value: bytes | None, headers: Any = None) -> SchemaAndValue:
        if value is None:
            return SchemaAndValue(None, None)
        try:
            text = bytes(value).decode("utf-8")
            node = json.loads(text, parse_float=decimal.Decimal, parse_constant=_reject_constant) \
                if text.strip() else _MISSING
        except (UnicodeDecodeError, ValueError) as e:
            raise DataException(f"Converting byte[] to Kafka Connect data failed due to serialization error: {e}") \
                from e
        if self.schemas_enabled:
            if not (isinstance(node, dict) and len(node) == 2 and "schema" in node and "payload" in node):
                raise DataException(_ENVELOPE_ERROR)
            schema = self.as_connect_schema(node["schema"])
            return SchemaAndValue(schema, self.convert_to_connect(schema, node["payload"]))
        return SchemaAndValue(None, self.convert_to_connect(None, node))

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)

    def as_connect_schema(self, node: Any) -> Schema | None:
        """The Schema a schema JSON object describes (Apache's JsonConverter.asConnectSchema)."""
        if node is None:
            return None
        key = None
        try:
            key = json.dumps(node, sort_keys=False, default=str)
            cached = self._to_cache.get(key)
            if cached is not None:
                return cached
        except TypeError:
            pass
        if not isinstance(node, dict):
            raise DataException("Schema must contain 'type' field")
        tname = node.get("type")
        if not isinstance(tname, str):
            raise DataException("Schema must contain 'type' field")
        stype = _TYPES_BY_NAME.get(tname)
        if stype is None:
            raise DataException(f"Unknown schema type: {tname}")
        if stype is Type.ARRAY:
            items = node.get("items")
            if items is None:
                raise DataException("Array schema did not specify the element type")
            builder = SchemaBuilder.array(self.as_connect_schema(items))
        elif stype is Type.MAP:
            keys, values = node.get("keys"), node.get("values")
            if keys is None:
                raise DataException("Map schema did not specify the key type")
            if values is None:
                raise DataException("Map schema did not specify the value type")
            builder = SchemaBuilder.map(self.as_connect_schema(keys), self.as_connect_schema(values))
        elif stype is Type.STRUCT:
            builder = SchemaBuilder.struct()
            fields = node.get("fields")
            if not isinstance(fields, list):
                raise DataException("Struct schema's \"fields\" argument is not an array.")
            for f in fields:
                fname = f.get("field") if isinstance(f, dict) else None
                if not isinstance(fname, str):
                    raise DataException("Struct schema's field name not specified properly")
                builder.field(fname, self.as_connect_schema(f))
        else:
            builder = SchemaBuilder(stype)
        if node.get("optional") is True:
            builder.optional()
        else:
            builder.required()
        if isinstance(node.get("name"), str):
            builder.name(node["name"])
        version = node.get("version")
        if isinstance(version, int) and not isinstance(version, bool):
            builder.version(version)
        if isinstance(node.get("doc"), str):
            builder.doc(node["doc"])
        params = node.get("parameters")
        if isinstance(params, dict):
            for k, v in params.items():
                if not isinstance(v, str):
                    raise DataException("Schema parameters must have string values.")
                builder.parameter(k, v)
        if "default" in node:
            default = self.convert_to_connect(builder.build(), node["default"])
            if default is not None:
                builder.default_value(default)
        result = builder.build()
        if key is not None:
            self._to_cache.put(key, result)
        return result

    def convert_to_connect(self, schema: Schema | None, node: Any) -> Any:
        """A Connect value from a JSON tree (Apache's JsonConverter.convertToConnect)."""
        if schema is not None:
            if node is None or node is _MISSING:
                if schema.default_value is not None and self.replace_null_with_default:
                    return schema.default_value
                if schema.optional:
                    return None
                raise DataException(f"Invalid null value for required {schema.type} field")
            stype = schema.type
            if schema.name is not None and schema.name in logical.LOGICAL_TYPES:
                return self._logical_to_connect(schema, node)
        else:
            if node is None or node is _MISSING:
                return None
            if isinstance(node, bool):
                stype = Type.BOOLEAN
            elif isinstance(node, int):
                stype = Type.INT64
            elif isinstance(node, decimal.Decimal):
                stype = Type.FLOAT64
            elif isinstance(node, list):
                stype = Type.ARRAY
            elif isinstance(node, dict):
                stype = Type.MAP
            else:
                stype = Type.STRING
        if stype is Type.BOOLEAN:
            return node if isinstance(node, bool) else False
        if stype in _INT_BITS:
            return _java_int(node, _INT_BITS[stype])
        if stype is Type.FLOAT32:
            return _to_float32(_number(node))
        if stype is Type.FLOAT64:
            return _number(node)
        if stype is Type.STRING:
            return node if isinstance(node, str) else None
        if stype is Type.BYTES:
            return _binary(node)
        if stype is Type.ARRAY:
            elem = schema.value_schema if schema is not None else None
            if not isinstance(node, list):
                return []
            return [self.convert_to_connect(elem, v) for v in node]
        if stype is Type.MAP:
            ks = schema.key_schema if schema is not None else None
            vs = schema.value_schema if schema is not None else None
            if schema is None:
                string_keys = True
            else:
                assert ks is not None, "a MAP schema has a key schema"  # SchemaBuilder.map sets it
                string_keys = ks.type is Type.STRING
            if string_keys:
                if not isinstance(node, dict):
                    raise DataException("Maps with string fields should be encoded as JSON objects, but found "
                                        + _node_type(node))
                return {k: self.convert_to_connect(vs, v) for k, v in node.items()}
            if not isinstance(node, list):
                raise DataException("Maps with non-string fields should be encoded as JSON array of tuples, but found "
                                    + _node_type(node))
            result: dict[Any, Any] = {}
            for entry in node:
                if not isinstance(entry, list):
                    raise DataException("Found invalid map entry instead of array tuple: " + _node_type(entry))
                if len(entry) != 2:
                    raise DataException(f"Found invalid map entry, expected length 2 but found :{len(entry)}")
                result[_hashable(self.convert_to_connect(ks, entry[0]))] = self.convert_to_connect(vs, entry[1])
            return result
        if not isinstance(node, dict):
            raise DataException("Structs should be encoded as JSON objects, but found " + _node_type(node))
        assert schema is not None  # a schemaless value is never read as a struct (an object is a map)
        struct = Struct(schema)
        for f in schema.fields:
            struct.put(f, self.convert_to_connect(f.schema, node.get(f.name)))
        return struct

    def _logical_to_connect(self, schema: Schema, node: Any) -> Any:
        name = schema.name
        if name == logical.Decimal.LOGICAL_NAME:
            if isinstance(node, (int, decimal.Decimal)) and not isinstance(node, bool):
                return decimal.Decimal(node)
            if isinstance(node, str):
                return logical.Decimal.to_logical(schema, _base64(node))
            raise DataException("Invalid type for Decimal, underlying representation should be numeric or bytes but "
                                f"was {_node_type(node)}")
        if name == logical.Timestamp.LOGICAL_NAME:
            if not isinstance(node, int) or isinstance(node, bool):
                raise DataException("Invalid type for Timestamp, underlying representation should be integral but "
                                    f"was {_node_type(node)}")
            return logical.Timestamp.to_logical(schema, node)
        kind = "Date" if name == logical.Date.LOGICAL_NAME else "Time"
        if not isinstance(node, int) or isinstance(node, bool) or not -(1 << 31) <= node < (1 << 31):
            raise DataException(f"Invalid type for {kind}, underlying representation should be integer but was "
                                f"{_node_type(node)}")
        return (logical.Date if kind == "Date" else logical.Time).to_logical(schema, node)


class _Missing:
    """Jackson's MissingNode: what empty input parses to."""


_MISSING = _Missing()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Non-standard token '{name}'")


def _node_type(node: Any) -> str:
    if node is None:
        return "NULL"
    if isinstance(node, bool):
        return "BOOLEAN"
    if isinstance(node, (int, decimal.Decimal)):
        return "NUMBER"
    if isinstance(node, str):
        return "STRING"
    if isinstance(node, list):
        return "ARRAY"
    if isinstance(node, dict):
        return "OBJECT"
    return "MISSING"


def _as_text(node: Any) -> str:
    """Jackson's JsonNode.asText of a map key node."""
    from kcli.connect.converters.jackson import write_json

    if isinstance(node, str):
        return node
    if isinstance(node, bytes):
        return base64.b64encode(node).decode("ascii")
    if node is None:
        return "null"
    return write_json(node).strip('"')


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value


def _java_int(node: Any, bits: int) -> int:
    """Jackson's intValue/longValue then Java's narrowing cast: non-numbers give 0."""
    if isinstance(node, bool) or not isinstance(node, (int, decimal.Decimal)):
        return 0
    n = int(node)
    mask = (1 << bits) - 1
    n &= mask
    return n - (1 << bits) if n >> (bits - 1) else n


def _number(node: Any) -> float:
    """Jackson's doubleValue of a number read as BigDecimal (so "-0.0" reads as 0.0); non-numbers give 0.0."""
    if isinstance(node, bool) or not isinstance(node, (int, decimal.Decimal)):
        return 0.0
    return float(node) + 0.0


def _to_float32(value: float) -> float:
    try:
        return struct.unpack(">f", struct.pack(">f", value))[0]
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def _binary(node: Any) -> bytes | None:
    if node is None:
        return None
    if not isinstance(node, str):
        raise DataException("Invalid bytes field")
    return _base64(node)


def _base64(node: str) -> bytes:
    try:
        return base64.b64decode(node, validate=True)
    except (binascii.Error, ValueError) as e:
        raise DataException("Invalid bytes field") from e


_SCHEMALESS = JsonConverter()
_SCHEMALESS.schemas_enabled = False


def schemaless_json_bytes(value: Any) -> bytes:
    """What Apache's JsonConverter with schemas.enable=false writes for a plain dict/list/str/number value."""
    return dumps_bytes(_SCHEMALESS.convert_to_json(None, value))


def schemaless_json_loads(data: bytes | None) -> Any:
    """The plain value of schemaless JSON bytes (the internal converter's read side)."""
    return _SCHEMALESS.to_connect_data("", data).value
