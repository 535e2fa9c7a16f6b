"""The Converter and HeaderConverter interfaces (Apache's org.apache.kafka.connect.storage)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kcli.connect.api.data import Schema, SchemaAndValue
from kcli.connect.configdef import ConfigDef, Importance, Type, ValidString

CONVERTER_TYPE_CONFIG = "converter.type"


def converter_config_def() -> ConfigDef:
    """Apache's ConverterConfig: the `converter.type` every converter receives."""
    return ConfigDef().define(CONVERTER_TYPE_CONFIG, Type.STRING, None, ValidString.in_("key", "value", "header"),
                              Importance.LOW, "How this converter will be used.")


class Converter:
    """Turns Connect data into record bytes and back."""

    def configure(self, configs: Mapping[str, str], is_key: bool) -> None:
        """Apply the converter's configs (`converter.type` tells key from value)."""

    def from_connect_data(self, topic: str, schema: Schema | None, value: Any, headers: Any = None) -> bytes | None:
        raise NotImplementedError

    def to_connect_data(self, topic: str, value: bytes | None, headers: Any = None) -> SchemaAndValue:
        raise NotImplementedError

    def config_def(self) -> ConfigDef:
        return converter_config_def()

    def close(self) -> None:
        """Release resources."""


class HeaderConverter:
    """Turns one header value into bytes and back."""

    def configure(self, configs: Mapping[str, str]) -> None:
        """Apply the converter's configs."""

    def from_connect_header(self, topic: str, header_key: str, schema: Schema | None, value: Any) -> bytes | None:
        raise NotImplementedError

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        raise NotImplementedError

    def config_def(self) -> ConfigDef:
        return converter_config_def()

    def close(self) -> None:
        """Release resources."""
