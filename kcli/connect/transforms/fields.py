"""Field-level key/value transforms: InsertField, ReplaceField, ExtractField, HoistField, MaskField,
SetSchemaMetadata (each with a Key and a Value variant, as Apache's `X$Key` / `X$Value`)."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping
from typing import Any

from kcli.connect.api.data import DataException, Schema, SchemaBuilder, Struct
from kcli.connect.api.data import Type as SType
from kcli.connect.api.logical import Decimal as ConnectDecimal
from kcli.connect.api.logical import Timestamp
from kcli.connect.configdef import CaseInsensitiveValidString, ConfigDef, Importance, NonEmptyString, Type
from kcli.connect.configdef.validators import LambdaValidator
from kcli.connect.errors import ConfigException
from kcli.connect.transforms.base import (
    KeyOrValue,
    SchemaCache,
    copy_schema_basics,
    define_replace_null,
    field_value,
    key_value_variants,
    require_map,
    require_schema,
    require_struct,
)
from kcli.connect.transforms.simple import non_empty_list

_SUFFIX = (" Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional "
           "(the default).")


def _struct_like(schema: Schema) -> SchemaBuilder:
    return copy_schema_basics(schema, SchemaBuilder.struct())


class InsertField(KeyOrValue):
    """Adds topic, partition, offset, timestamp and/or a static field."""

    purpose = "field insertion"

    def config_def(self) -> ConfigDef:
        cd = ConfigDef()
        docs = {"topic.field": "Field name for Kafka topic." + _SUFFIX,
                "partition.field": "Field name for Kafka partition." + _SUFFIX,
                "offset.field": "Field name for Kafka offset - only applicable to sink connectors.<br/>"
                                + _SUFFIX.strip(),
                "timestamp.field": "Field name for record timestamp." + _SUFFIX,
                "static.field": "Field name for static data field." + _SUFFIX,
                "static.value": "Static field value, if field name configured."}
        for key, doc in docs.items():
            cd.define(key, Type.STRING, None, None, Importance.MEDIUM, doc)
        return define_replace_null(cd)

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = self.config_def().parse(configs)
        self.fields: dict[str, tuple[str, bool]] = {}
        for kind in ("topic", "partition", "offset", "timestamp", "static"):
            spec = parsed[f"{kind}.field"]
            if spec:
                optional = not spec.endswith("!")
                self.fields[kind] = (spec[:-1] if spec[-1] in "!?" else spec, optional)
        self.static_value = parsed["static.value"]
        if "static" in self.fields and self.static_value is None:
            raise ConfigException("static.value", None, "No value specified for static field: static.field")
        self.replace_null = parsed["replace.null.with.default"]
        self.cache = SchemaCache()

    def _values(self, record: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind, (name, _) in self.fields.items():
            if kind == "topic":
                out[name] = record.topic
            elif kind == "partition":
                out[name] = record.partition
            elif kind == "offset":
                if not hasattr(record, "kafka_offset"):
                    raise DataException(f"Only SinkRecord supported for [{self.purpose}], found: "
                                        f"{type(record).__name__}")
                out[name] = record.kafka_offset
            elif kind == "timestamp":
                out[name] = record.timestamp
            else:
                out[name] = self.static_value
        return out

    def apply(self, record: Any) -> Any:
        value = self.operating_value(record)
        if value is None:
            return record
        schema = self.operating_schema(record)
        inserted = self._values(record)
        if schema is None:
            updated = require_map(value, self.purpose)
            updated.update(inserted)
            return self.new_record(record, None, updated)
        struct = require_struct(value, self.purpose)
        new_schema = self.cache.get(struct.schema)
        if new_schema is None:
            builder = _struct_like(struct.schema)
            for f in struct.schema.fields:
                builder.field(f.name, f.schema)
            types = {"topic": SchemaBuilder.string, "partition": SchemaBuilder.int32, "offset": SchemaBuilder.int64,
                     "timestamp": Timestamp.builder, "static": SchemaBuilder.string}
            for kind, (name, optional) in self.fields.items():
                fb = types[kind]()
                builder.field(name, (fb.optional() if optional else fb).build())
            new_schema = builder.build()
            self.cache.put(struct.schema, new_schema)
        updated_struct = Struct(new_schema)
        for f in struct.schema.fields:
            updated_struct.put(f.name, field_value(struct, f.name, self.replace_null))
        for kind, (name, _) in self.fields.items():
            v = inserted[name]
            if kind == "timestamp" and v is not None:
                v = Timestamp.to_logical(Timestamp.SCHEMA, v)
            updated_struct.put(name, v)
        return self.new_record(record, new_schema, updated_struct)


def _renames(value: list[str]) -> dict[str, str]:
    out = {}
    for mapping in value:
        parts = mapping.split(":")
        if len(parts) != 2:
            raise ConfigException("renames", value, f"Invalid rename mapping: {mapping}")
        out[parts[0]] = parts[1]
    return out


class ReplaceField(KeyOrValue):
    """Keeps `include` (all when empty) minus `exclude` fields and applies `renames` (old:new)."""

    purpose = "field replacement"

    def config_def(self) -> ConfigDef:
        return define_replace_null(
            ConfigDef()
            .define("exclude", Type.LIST, "", None, Importance.MEDIUM,
                    "Fields to exclude. This takes precedence over the fields to include.")
            .define("include", Type.LIST, "", None, Importance.MEDIUM,
                    "Fields to include. If specified, only these fields will be used.")
            .define("renames", Type.LIST, "", LambdaValidator(lambda n, v: _renames(v),
                                                              "list of colon-delimited pairs, e.g. "
                                                              "<code>foo:bar,abc:xyz</code>"),
                    Importance.MEDIUM, "Field rename mappings."))

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = self.config_def().parse(configs)
        self.exclude = set(parsed["exclude"])
        self.include = set(parsed["include"])
        self.renames = _renames(parsed["renames"])
        self.replace_null = parsed["replace.null.with.default"]
        self.cache = SchemaCache()

    def _keep(self, name: str) -> bool:
        return name not in self.exclude and (not self.include or name in self.include)

    def apply(self, record: Any) -> Any:
        value = self.operating_value(record)
        if value is None:
            return record
        schema = self.operating_schema(record)
        if schema is None:
            old = require_map(value, self.purpose)
            return self.new_record(record, None, {self.renames.get(k, k): v for k, v in old.items() if self._keep(k)})
        struct = require_struct(value, self.purpose)
        new_schema = self.cache.get(struct.schema)
        if new_schema is None:
            builder = _struct_like(struct.schema)
            for f in struct.schema.fields:
                if self._keep(f.name):
                    builder.field(self.renames.get(f.name, f.name), f.schema)
            new_schema = builder.build()
            self.cache.put(struct.schema, new_schema)
        updated = Struct(new_schema)
        for f in struct.schema.fields:
            if self._keep(f.name):
                updated.put(self.renames.get(f.name, f.name), field_value(struct, f.name, self.replace_null))
        return self.new_record(record, new_schema, updated)


class ExtractField(KeyOrValue):
    """Replaces the key/value with one of its fields (`field.syntax.version=V2`: dotted paths)."""

    purpose = "field extraction"

    def config_def(self) -> ConfigDef:
        return define_replace_null(
            ConfigDef().define("field", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, None, Importance.MEDIUM,
                               "Field name to extract.")
        ).define("field.syntax.version", Type.STRING, "V1", CaseInsensitiveValidString.in_("V1", "V2"),
                 Importance.HIGH, "Defines the version of the syntax to access fields.")

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = self.config_def().parse(configs)
        field = parsed["field"]
        self.path = _v2_path(field) if parsed["field.syntax.version"].upper() == "V2" else [field]
        self.replace_null = parsed["replace.null.with.default"]

    def apply(self, record: Any) -> Any:
        schema = self.operating_schema(record)
        value = self.operating_value(record)
        if schema is None:
            for name in self.path:
                if value is None:
                    break
                value = require_map(value, self.purpose).get(name)
            return self.new_record(record, None, value)
        for name in self.path:
            if value is not None:
                require_struct(value, self.purpose)
            field = schema.field(name) if schema.type is SType.STRUCT else None
            if field is None:
                raise DataException(f"Unknown field: {name}")
            value = None if value is None else field_value(value, name, self.replace_null)
            schema = field.schema
        return self.new_record(record, schema, value)


def _v2_path(text: str) -> list[str]:
    """Split a V2 field path on dots; backticks quote names that contain dots."""
    parts: list[str] = []
    current = ""
    quoted = False
    for c in text:
        if c == "`":
            quoted = not quoted
        elif c == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += c
    parts.append(current)
    return parts


class HoistField(KeyOrValue):
    """Wraps the key/value in a struct/map with one field."""

    def config_def(self) -> ConfigDef:
        return ConfigDef().define("field", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, None, Importance.MEDIUM,
                                  "Field name for the single field that will be created in the resulting Struct or "
                                  "Map.")

    def configure(self, configs: Mapping[str, Any]) -> None:
        self.field = self.config_def().parse(configs)["field"]
        self.cache = SchemaCache()

    def apply(self, record: Any) -> Any:
        schema = self.operating_schema(record)
        value = self.operating_value(record)
        if schema is None:
            return self.new_record(record, None, {self.field: value})
        new_schema = self.cache.get(schema)
        if new_schema is None:
            new_schema = SchemaBuilder.struct().field(self.field, schema).build()
            self.cache.put(schema, new_schema)
        return self.new_record(record, new_schema, Struct(new_schema).put(self.field, value))


_EMPTY_BY_SCHEMA = {SType.BOOLEAN: False, SType.INT8: 0, SType.INT16: 0, SType.INT32: 0, SType.INT64: 0,
                    SType.FLOAT32: 0.0, SType.FLOAT64: 0.0, SType.STRING: ""}


def _empty_like(value: Any, schema: Schema | None) -> Any:
    if schema is not None:
        if schema.name == ConnectDecimal.LOGICAL_NAME:
            return decimal.Decimal(0).scaleb(-ConnectDecimal.scale(schema))
        if schema.name in ("org.apache.kafka.connect.data.Date", "org.apache.kafka.connect.data.Timestamp"):
            return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) if \
                schema.name.endswith("Timestamp") else datetime.date(1970, 1, 1)
        if schema.type is SType.ARRAY:
            return []
        if schema.type is SType.MAP:
            return {}
        if schema.type in _EMPTY_BY_SCHEMA:
            return _EMPTY_BY_SCHEMA[schema.type]
    for cls, empty in ((bool, False), (int, 0), (float, 0.0), (str, ""), (decimal.Decimal, decimal.Decimal(0)),
                       (list, []), (dict, {}), (datetime.datetime, datetime.datetime(1970, 1, 1))):
        if isinstance(value, cls):
            return empty
    raise DataException(f"Cannot mask value of type: {type(value).__name__}")


def _replacement_like(value: Any, schema: Schema | None, replacement: str) -> Any:
    kind = schema.type if schema is not None else None
    try:
        if isinstance(value, bool) or kind is SType.BOOLEAN:
            raise ValueError
        if kind in (SType.INT8, SType.INT16, SType.INT32, SType.INT64) or (kind is None and isinstance(value, int)):
            return int(replacement)
        if kind in (SType.FLOAT32, SType.FLOAT64) or (kind is None and isinstance(value, float)):
            return float(replacement)
        if isinstance(value, decimal.Decimal):
            return decimal.Decimal(replacement)
        if kind is SType.STRING or isinstance(value, str):
            return replacement
    except (ValueError, decimal.InvalidOperation):
        raise DataException(f"Unable to convert {replacement} ({type(replacement).__name__}) to number") from None
    raise DataException(f"Cannot mask value of type {type(value).__name__} with custom replacement.")


class MaskField(KeyOrValue):
    """Replaces the listed fields with an empty value of their type, or with `replacement`."""

    purpose = "mask fields"

    def config_def(self) -> ConfigDef:
        return define_replace_null(
            ConfigDef()
            .define("fields", Type.LIST, ConfigDef.NO_DEFAULT_VALUE, non_empty_list(), Importance.HIGH,
                    "Names of fields to mask.")
            .define("replacement", Type.STRING, None, NonEmptyString(), Importance.LOW,
                    "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty "
                    "string values only)."))

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = self.config_def().parse(configs)
        self.fields = set(parsed["fields"])
        self.replacement = parsed["replacement"]
        self.replace_null = parsed["replace.null.with.default"]

    def _masked(self, value: Any, schema: Schema | None) -> Any:
        if value is None:
            return None
        if self.replacement is None:
            return _empty_like(value, schema)
        return _replacement_like(value, schema, self.replacement)

    def apply(self, record: Any) -> Any:
        schema = self.operating_schema(record)
        value = self.operating_value(record)
        if schema is None:
            updated = require_map(value, self.purpose)
            for name in self.fields:
                if name in updated:
                    updated[name] = self._masked(updated[name], None)
            return self.new_record(record, None, updated)
        struct = require_struct(value, self.purpose)
        updated_struct = Struct(struct.schema)
        for f in struct.schema.fields:
            v = field_value(struct, f.name, self.replace_null)
            updated_struct.put(f, self._masked(v, f.schema) if f.name in self.fields else v)
        return self.new_record(record, struct.schema, updated_struct)


class SetSchemaMetadata(KeyOrValue):
    """Sets the schema name and/or version."""

    purpose = "updating schema metadata"

    def config_def(self) -> ConfigDef:
        return define_replace_null(
            ConfigDef()
            .define("schema.name", Type.STRING, None, None, Importance.HIGH, "Schema name to set.")
            .define("schema.version", Type.INT, None, None, Importance.HIGH, "Schema version to set."))

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = self.config_def().parse(configs)
        self.name = parsed["schema.name"]
        self.version = parsed["schema.version"]
        if self.name is None and self.version is None:
            raise ConfigException("", None, "Neither schema name nor version configured")
        self.replace_null = parsed["replace.null.with.default"]

    def apply(self, record: Any) -> Any:
        schema = require_schema(self.operating_schema(record), self.purpose)
        builder = SchemaBuilder(schema.type)
        if schema.type is SType.STRUCT:
            for f in schema.fields:
                builder.field(f.name, f.schema)
        elif schema.type is SType.ARRAY:
            builder = SchemaBuilder.array(schema.value_schema)
        elif schema.type is SType.MAP:
            builder = SchemaBuilder.map(schema.key_schema, schema.value_schema)
        copy_schema_basics(schema, builder, self.name, self.version)
        if schema.default_value is not None:
            builder.default_value(schema.default_value)
        new_schema = builder.build()
        value = self.operating_value(record)
        if isinstance(value, Struct):
            updated = Struct(new_schema)
            for f in schema.fields:
                updated.put(f.name, field_value(value, f.name, self.replace_null))
            value = updated
        return self.new_record(record, new_schema, value)


InsertFieldKey, InsertFieldValue = key_value_variants(InsertField)
ReplaceFieldKey, ReplaceFieldValue = key_value_variants(ReplaceField)
ExtractFieldKey, ExtractFieldValue = key_value_variants(ExtractField)
HoistFieldKey, HoistFieldValue = key_value_variants(HoistField)
MaskFieldKey, MaskFieldValue = key_value_variants(MaskField)
SetSchemaMetadataKey, SetSchemaMetadataValue = key_value_variants(SetSchemaMetadata)
