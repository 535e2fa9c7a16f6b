"""StringConverter (org.apache.kafka.connect.storage.StringConverter): str(value) in `converter.encoding`."""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import Any

from kcli.connect.api.data import DataException, Schema, SchemaAndValue
from kcli.connect.configdef import ConfigDef, Importance, Type, Width
from kcli.connect.converters.base import Converter, HeaderConverter, converter_config_def

ENCODING_CONFIG = "converter.encoding"
_JAVA_CHARSETS = {"UTF8": "utf-8", "ISO8859_1": "latin-1", "US-ASCII": "ascii"}


def _python_encoding(name: str) -> str:
    name = _JAVA_CHARSETS.get(name.upper(), name)
    try:
        return codecs.lookup(name).name
    except LookupError as e:
        raise DataException(f"Unsupported encoding: {name}") from e


def to_text(value: Any) -> str:
    """A value as Java's toString would show it for the common types (bools lower-case, floats Java-style)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        from kcli.connect.converters.jackson import java_double_str

        return java_double_str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


class StringConverter(Converter, HeaderConverter):
    """Writes `str(value)` encoded with `converter.encoding` (default UTF-8); reads OPTIONAL_STRING."""

    def __init__(self) -> None:
        self.encoding = "utf-8"

    def config_def(self) -> ConfigDef:
        return converter_config_def().define(
            ENCODING_CONFIG, Type.STRING, "UTF8", None, Importance.HIGH,
            "The name of the Java character set to use for encoding strings as byte arrays.",
            "Converter", 1, Width.MEDIUM, "Character encoding")

    def configure(self, configs: Mapping[str, str], is_key: bool = False) -> None:
        enc = configs.get(ENCODING_CONFIG) or configs.get(("key" if is_key else "value") + ".converter.encoding")
        if enc:
            self.encoding = _python_encoding(str(enc).strip())

    def from_connect_data(self, topic: str, schema: Schema | None, value: Any, headers: Any = None) -> bytes | None:
        if value is None:
            return None
        try:
            return to_text(value).encode(self.encoding)
        except UnicodeEncodeError as e:
            raise DataException(f"Failed to serialize to a string: {e}") from e

    def to_connect_data(self, topic: str, value: bytes | None, headers: Any = None) -> SchemaAndValue:
        if value is None:
            return SchemaAndValue(Schema.OPTIONAL_STRING_SCHEMA, None)
        try:
            return SchemaAndValue(Schema.OPTIONAL_STRING_SCHEMA, bytes(value).decode(self.encoding))
        except UnicodeDecodeError as e:
            raise DataException(f"Failed to deserialize string: {e}") from e

    def from_connect_header(self, topic: str, header_key: str, schema: Schema | None, value: Any) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)
