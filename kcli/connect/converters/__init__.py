"""Converters and header converters, with the Apache class names and aliases that select them."""

from __future__ import annotations

from kcli.connect.converters.base import Converter, HeaderConverter
from kcli.connect.converters.json_converter import JsonConverter, schemaless_json_bytes, schemaless_json_loads
from kcli.connect.converters.numeric import (
    BooleanConverter,
    ByteArrayConverter,
    DoubleConverter,
    FloatConverter,
    IntegerConverter,
    LongConverter,
    ShortConverter,
)
from kcli.connect.converters.simple_header import SimpleHeaderConverter
from kcli.connect.converters.string_converter import StringConverter

_APACHE_NAMES: dict[str, type] = {
    "org.apache.kafka.connect.json.JsonConverter": JsonConverter,
    "org.apache.kafka.connect.storage.StringConverter": StringConverter,
    "org.apache.kafka.connect.converters.ByteArrayConverter": ByteArrayConverter,
    "org.apache.kafka.connect.converters.ShortConverter": ShortConverter,
    "org.apache.kafka.connect.converters.IntegerConverter": IntegerConverter,
    "org.apache.kafka.connect.converters.LongConverter": LongConverter,
    "org.apache.kafka.connect.converters.FloatConverter": FloatConverter,
    "org.apache.kafka.connect.converters.DoubleConverter": DoubleConverter,
    "org.apache.kafka.connect.converters.BooleanConverter": BooleanConverter,
}
_APACHE_HEADER_NAMES: dict[str, type] = {
    **_APACHE_NAMES,
    "org.apache.kafka.connect.storage.SimpleHeaderConverter": SimpleHeaderConverter,
}


def _with_aliases(names: dict[str, type], suffixes: tuple[str, ...]) -> dict[str, type]:
    """Full names, simple names, pruned names (simple name without the type suffix), Python paths."""
    table = dict(names)
    for full, cls in names.items():
        simple = full.rsplit(".", 1)[-1]
        table.setdefault(simple, cls)
        for suffix in suffixes:
            idx = simple.rfind(suffix)
            if idx > 0:
                table.setdefault(simple[:idx], cls)
                break
        table.setdefault(f"{cls.__module__}.{cls.__qualname__}", cls)
    return table


CONVERTER_ALIASES: dict[str, type] = _with_aliases(_APACHE_NAMES, ("Converter",))
HEADER_CONVERTER_ALIASES: dict[str, type] = _with_aliases(_APACHE_HEADER_NAMES, ("HeaderConverter", "Converter"))

__all__ = [
    "CONVERTER_ALIASES",
    "HEADER_CONVERTER_ALIASES",
    "BooleanConverter",
    "ByteArrayConverter",
    "Converter",
    "DoubleConverter",
    "FloatConverter",
    "HeaderConverter",
    "IntegerConverter",
    "JsonConverter",
    "LongConverter",
    "ShortConverter",
    "SimpleHeaderConverter",
    "StringConverter",
    "schemaless_json_bytes",
    "schemaless_json_loads",
]
