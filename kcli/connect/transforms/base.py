"""The Transformation interface and the helpers of Apache's key/value transforms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kcli.connect.api.data import DataException, Schema, SchemaBuilder, Struct
from kcli.connect.configdef import ConfigDef, Importance, Type

REPLACE_NULL_WITH_DEFAULT_DOC = ("Whether to replace fields that have a default value and that are null to the default "
                                 "value. When set to true, the default value is used, otherwise null is used.")


class Transformation:
    """A single message transform: `apply(record)` returns a new record, the same one, or None (drop it)."""

    def config_def(self) -> ConfigDef:
        return ConfigDef()

    def configure(self, configs: Mapping[str, Any]) -> None:
        """Apply the transform's own configs (the `transforms.<alias>.` prefix removed)."""

    def apply(self, record: Any) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        """Release resources."""


def define_replace_null(config_def: ConfigDef) -> ConfigDef:
    return config_def.define("replace.null.with.default", Type.BOOLEAN, True, None, Importance.MEDIUM,
                             REPLACE_NULL_WITH_DEFAULT_DOC)


class KeyOrValue(Transformation):
    """A transform that works on the record key (`Key` subclasses) or value (`Value` subclasses)."""

    is_key = False

    def operating_schema(self, record: Any) -> Schema | None:
        return record.key_schema if self.is_key else record.value_schema

    def operating_value(self, record: Any) -> Any:
        return record.key if self.is_key else record.value

    def new_record(self, record: Any, schema: Schema | None, value: Any) -> Any:
        if self.is_key:
            return record.new_record(record.topic, record.partition, schema, value, record.value_schema,
                                     record.value, record.timestamp)
        return record.new_record(record.topic, record.partition, record.key_schema, record.key, schema, value,
                                 record.timestamp)


def key_value_variants(base: type[KeyOrValue]) -> tuple[type[KeyOrValue], type[KeyOrValue]]:
    """The `<Base>Key` and `<Base>Value` subclasses of a transform (Apache's nested `$Key`/`$Value` classes)."""
    name = base.__name__

    def variant(suffix: str, is_key: bool) -> type[KeyOrValue]:
        doc = f"{name} on the record {suffix.lower()} (Apache's {name}${suffix})."
        return type(f"{name}{suffix}", (base,), {"is_key": is_key, "__doc__": doc, "__module__": base.__module__,
                                                 "__qualname__": f"{name}{suffix}"})

    return variant("Key", True), variant("Value", False)


def require_map(value: Any, purpose: str) -> dict[Any, Any]:
    if not isinstance(value, Mapping):
        raise DataException(f"Only Map objects supported in absence of schema for [{purpose}], found: "
                            f"{_class_name(value)}")
    return dict(value)


def require_struct(value: Any, purpose: str) -> Struct:
    if not isinstance(value, Struct):
        raise DataException(f"Only Struct objects supported for [{purpose}], found: {_class_name(value)}")
    return value


def require_schema(schema: Schema | None, purpose: str) -> Schema:
    if schema is None:
        raise DataException(f"Schema required for [{purpose}]")
    return schema


def _class_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def copy_schema_basics(source: Schema, builder: SchemaBuilder, name: str | None = None,
                       version: int | None = None) -> SchemaBuilder:
    """Name, version, doc, parameters and optionality of `source` onto `builder` (Apache's SchemaUtil);
    `name`/`version`, when given, replace the source's."""
    name = name if name is not None else source.name
    if name is not None:
        builder.name(name)
    version = version if version is not None else source.version
    if version is not None:
        builder.version(version)
    if source.doc is not None:
        builder.doc(source.doc)
    if source.parameters:
        builder.parameters(source.parameters)
    if source.optional:
        builder.optional()
    return builder


def field_value(struct: Struct, name: str, replace_null_with_default: bool) -> Any:
    return struct.get(name) if replace_null_with_default else struct.get_without_default(name)


class SchemaCache:
    """A small cache of derived schemas (Apache keeps an LRU of 16)."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: dict[Schema, Schema] = {}

    def get(self, schema: Schema) -> Schema | None:
        return self._items.get(schema)

    def put(self, schema: Schema, derived: Schema) -> None:
        if len(self._items) >= self.size:
            self._items.pop(next(iter(self._items)))
        self._items[schema] = derived
