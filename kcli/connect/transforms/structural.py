"""Cast, Flatten and HeaderFrom (Key and Value variants, as Apache's `X$Key` / `X$Value`)."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Mapping
from typing import Any

from kcli.connect.api.data import DataException, Schema, SchemaBuilder, Struct
from kcli.connect.api.data import Type as SType
from kcli.connect.api.records import Header
from kcli.connect.configdef import ConfigDef, Importance, Type, ValidString
from kcli.connect.configdef.validators import LambdaValidator
from kcli.connect.converters.string_converter import to_text
from kcli.connect.converters.values import convert_to_string
from kcli.connect.errors import ConfigException
from kcli.connect.transforms.base import (
    KeyOrValue,
    SchemaCache,
    copy_schema_basics,
    define_replace_null,
    field_value,
    key_value_variants,
    require_map,
    require_struct,
)
from kcli.connect.transforms.simple import non_empty_list

_CAST_TARGETS = {"int8": SType.INT8, "int16": SType.INT16, "int32": SType.INT32, "int64": SType.INT64,
                 "float32": SType.FLOAT32, "float64": SType.FLOAT64, "boolean": SType.BOOLEAN, "string": SType.STRING}
_INT_BITS = {SType.INT8: 8, SType.INT16: 16, SType.INT32: 32, SType.INT64: 64}


def _parse_spec(value: list[str]) -> tuple[SType | None, dict[str, SType]]:
    """(whole-value type, per-field types) of a Cast `spec`."""
    if not value:
        raise ConfigException("spec", "", "Must specify at least one field to cast.")
    fields: dict[str, SType] = {}
    whole: SType | None = None
    for item in value:
        parts = item.split(":")
        if len(parts) == 1:
            if len(value) > 1:
                raise ConfigException("spec", ",".join(value),
                                      "Cast transformations that specify a type to cast the entire value to may "
                                      "only specify a single cast in their spec")
            name, target = None, parts[0]
        elif len(parts) == 2:
            name, target = parts
        else:
            raise ConfigException("spec", ",".join(value), f"Invalid cast mapping: {item}")
        stype = _CAST_TARGETS.get(target.strip().lower())
        if stype is None:
            raise ConfigException("spec", ",".join(value), f"Invalid type found in casting spec: {target.strip()}")
        if name is None:
            whole = stype
        else:
            fields[name.strip()] = stype
    return whole, fields


def _wrap(n: int, bits: int) -> int:
    n &= (1 << bits) - 1
    return n - (1 << bits) if n >> (bits - 1) else n


def cast_value(value: Any, target: SType) -> Any:
    """One value cast like Apache's Cast.castValueToType."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        if target is not SType.STRING:
            raise DataException(f"Unexpected type in Cast transformation: {type(value).__name__}")
        return base64.b64encode(bytes(value)).decode("ascii")
    if target is SType.STRING:
        if isinstance(value, (datetime.date, datetime.time)):
            return convert_to_string(None, value)
        return to_text(value)
    if target is SType.BOOLEAN:
        if isinstance(value, str):
            return value.strip().lower() == "true"
        return value != 0
    if target in _INT_BITS:
        if isinstance(value, bool):
            return 1 if value else 0
        if isinstance(value, str):
            try:
                n = int(value.strip())
            except ValueError:
                raise DataException(f"Value {value} could not be cast to {target}") from None
            if n != _wrap(n, _INT_BITS[target]):
                raise DataException(f"Value {value} out of range for {target}")
            return n
        if isinstance(value, float):
            return _wrap(int(value) if value == value and abs(value) != float("inf") else 0, _INT_BITS[target])
        return _wrap(int(value), _INT_BITS[target])
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        return float(value)
    except ValueError:
        raise DataException(f"Value {value} could not be cast to {target}") from None


def _cast_schema_builder(source: Schema, target: SType) -> SchemaBuilder:
    builder = SchemaBuilder(target)
    if source.optional:
        builder.optional()
    if source.default_value is not None:
        builder.default_value(cast_value(source.default_value, target))
    return builder


class Cast(KeyOrValue):
    """Casts the whole key/value, or the listed fields, to int8..int64, float32/64, boolean or string."""

    purpose = "cast types"

    def config_def(self) -> ConfigDef:
        return define_replace_null(ConfigDef().define(
            "spec", Type.LIST, ConfigDef.NO_DEFAULT_VALUE,
            LambdaValidator(lambda n, v: _parse_spec(v), "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz"
                                                         "</code>"),
            Importance.HIGH,
            "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps "
            "or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, "
            "float64, boolean, and string. Note that binary fields can only be cast to string."))

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = self.config_def().parse(configs)
        self.whole, self.casts = _parse_spec(parsed["spec"])
        self.replace_null = parsed["replace.null.with.default"]
        self.cache = SchemaCache()

    def apply(self, record: Any) -> Any:
        schema = self.operating_schema(record)
        value = self.operating_value(record)
        if schema is None:
            if self.whole is not None:
                return self.new_record(record, None, cast_value(value, self.whole))
            updated = require_map(value, self.purpose)
            for name, target in self.casts.items():
                if name in updated:
                    updated[name] = cast_value(updated[name], target)
            return self.new_record(record, None, updated)
        new_schema = self.cache.get(schema)
        if new_schema is None:
            new_schema = self._schema(schema)
            self.cache.put(schema, new_schema)
        if self.whole is not None:
            return self.new_record(record, new_schema, cast_value(value, self.whole))
        if value is None:
            return self.new_record(record, new_schema, None)
        struct = require_struct(value, self.purpose)
        updated_struct = Struct(new_schema)
        for f in struct.schema.fields:
            v = field_value(struct, f.name, self.replace_null)
            updated_struct.put(f.name, cast_value(v, self.casts[f.name]) if f.name in self.casts else v)
        return self.new_record(record, new_schema, updated_struct)

    def _schema(self, schema: Schema) -> Schema:
        if self.whole is not None:
            return copy_schema_basics(schema, _cast_schema_builder(schema, self.whole)).build()
        if schema.type is not SType.STRUCT:
            raise DataException(f"Only Struct objects supported for [{self.purpose}], found: {schema.type}")
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        for f in schema.fields:
            target = self.casts.get(f.name)
            builder.field(f.name, f.schema if target is None else _cast_schema_builder(f.schema, target).build())
        return builder.build()


class Flatten(KeyOrValue):
    """Flattens nested structs/maps into top-level fields named `outer<delimiter>inner`."""

    purpose = "flattening"

    def config_def(self) -> ConfigDef:
        return ConfigDef().define("delimiter", Type.STRING, ".", None, Importance.MEDIUM,
                                  "Delimiter to insert between field names from the input record when generating "
                                  "field names for the output record")

    def configure(self, configs: Mapping[str, Any]) -> None:
        self.delimiter = self.config_def().parse(configs)["delimiter"]
        self.cache = SchemaCache()

    def _name(self, prefix: str, name: str) -> str:
        return name if not prefix else prefix + self.delimiter + name

    def apply(self, record: Any) -> Any:
        schema = self.operating_schema(record)
        value = self.operating_value(record)
        if schema is None:
            if value is None:
                return self.new_record(record, None, None)
            out: dict[str, Any] = {}
            self._flatten_map(require_map(value, self.purpose), "", out)
            return self.new_record(record, None, out)
        if schema.type is not SType.STRUCT:
            return record
        new_schema = self.cache.get(schema)
        if new_schema is None:
            builder = copy_schema_basics(schema, SchemaBuilder.struct())
            self._flatten_schema(schema, "", builder, schema.optional)
            new_schema = builder.build()
            self.cache.put(schema, new_schema)
        if value is None:
            return self.new_record(record, new_schema, None)
        updated = Struct(new_schema)
        self._flatten_struct(require_struct(value, self.purpose), "", updated)
        return self.new_record(record, new_schema, updated)

    def _flatten_map(self, value: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
        for k, v in value.items():
            name = self._name(prefix, str(k))
            if isinstance(v, Mapping):
                self._flatten_map(v, name, out)
            else:
                out[name] = v

    def _flatten_schema(self, schema: Schema, prefix: str, builder: SchemaBuilder, optional: bool) -> None:
        for f in schema.fields:
            name = self._name(prefix, f.name)
            field_optional = optional or f.schema.optional
            if f.schema.type is SType.STRUCT:
                self._flatten_schema(f.schema, name, builder, field_optional)
                continue
            fb = copy_schema_basics(f.schema, SchemaBuilder(f.schema.type) if f.schema.type.is_primitive else
                                    (SchemaBuilder.array(f.schema.value_schema) if f.schema.type is SType.ARRAY
                                     else SchemaBuilder.map(f.schema.key_schema, f.schema.value_schema)))
            if field_optional and not f.schema.optional:
                fb.optional()
            if f.schema.default_value is not None:
                fb.default_value(f.schema.default_value)
            builder.field(name, fb.build())

    def _flatten_struct(self, struct: Struct, prefix: str, out: Struct) -> None:
        for f in struct.schema.fields:
            name = self._name(prefix, f.name)
            v = struct.get_without_default(f.name)
            if f.schema.type is SType.STRUCT:
                if v is not None:
                    self._flatten_struct(v, name, out)
            else:
                out.put(name, v)


class HeaderFrom(KeyOrValue):
    """Copies or moves fields into headers."""

    purpose = "header from field"

    def config_def(self) -> ConfigDef:
        return define_replace_null(
            ConfigDef()
            .define("fields", Type.LIST, ConfigDef.NO_DEFAULT_VALUE, non_empty_list(), Importance.HIGH,
                    "Field names in the record whose values are to be copied or moved to headers.")
            .define("headers", Type.LIST, ConfigDef.NO_DEFAULT_VALUE, non_empty_list(), Importance.HIGH,
                    "Header names, in the same order as the field names listed in the fields configuration property.")
            .define("operation", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, ValidString.in_("move", "copy"),
                    Importance.HIGH, "Either <code>move</code> if the fields are to be moved to the headers (removed "
                    "from the key/value), or <code>copy</code> if the fields are to be copied to the headers "
                    "(retained in the key/value)."))

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = self.config_def().parse(configs)
        self.fields, self.headers = parsed["fields"], parsed["headers"]
        if len(self.fields) != len(self.headers):
            raise ConfigException("headers", ",".join(self.headers),
                                  "'fields' config must have the same number of elements as 'headers' config.")
        self.move = parsed["operation"] == "move"
        self.replace_null = parsed["replace.null.with.default"]
        self.cache = SchemaCache()

    def apply(self, record: Any) -> Any:
        schema = self.operating_schema(record)
        value = self.operating_value(record)
        headers = list(record.headers or [])
        if schema is None:
            updated = require_map(value, self.purpose)
            for name, header in zip(self.fields, self.headers, strict=True):
                headers.append(Header(header, None, updated.get(name)))
                if self.move:
                    updated.pop(name, None)
            return self._with_headers(record, None, updated, headers)
        struct = require_struct(value, self.purpose)
        for name, header in zip(self.fields, self.headers, strict=True):
            field = struct.schema.field(name)
            if field is None:
                raise DataException(f"{name} is not a valid field name")
            headers.append(Header(header, field.schema, field_value(struct, name, self.replace_null)))
        if not self.move:
            return self._with_headers(record, schema, value, headers)
        new_schema = self.cache.get(struct.schema)
        if new_schema is None:
            builder = copy_schema_basics(struct.schema, SchemaBuilder.struct())
            for f in struct.schema.fields:
                if f.name not in self.fields:
                    builder.field(f.name, f.schema)
            new_schema = builder.build()
            self.cache.put(struct.schema, new_schema)
        updated_struct = Struct(new_schema)
        for f in new_schema.fields:
            updated_struct.put(f.name, field_value(struct, f.name, self.replace_null))
        return self._with_headers(record, new_schema, updated_struct, headers)

    def _with_headers(self, record: Any, schema: Schema | None, value: Any, headers: list[Header]) -> Any:
        if self.is_key:
            return record.new_record(record.topic, record.partition, schema, value, record.value_schema,
                                     record.value, record.timestamp, headers)
        return record.new_record(record.topic, record.partition, record.key_schema, record.key, schema, value,
                                 record.timestamp, headers)


CastKey, CastValue = key_value_variants(Cast)
FlattenKey, FlattenValue = key_value_variants(Flatten)
HeaderFromKey, HeaderFromValue = key_value_variants(HeaderFrom)
