"""SimpleHeaderConverter (org.apache.kafka.connect.storage.SimpleHeaderConverter), the default header.converter."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kcli.connect.api.data import DataException, Schema, SchemaAndValue
from kcli.connect.converters.base import HeaderConverter
from kcli.connect.converters.values import convert_to_string, parse_string

log = logging.getLogger(__name__)


class SimpleHeaderConverter(HeaderConverter):
    """Writes values as text (Values rules) in UTF-8; reads text back with an inferred schema."""

    def configure(self, configs: Mapping[str, str]) -> None:
        pass

    def from_connect_header(self, topic: str, header_key: str, schema: Schema | None, value: Any) -> bytes | None:
        if value is None:
            return None
        text = convert_to_string(schema, value)
        assert text is not None  # only a None value converts to None
        return text.encode("utf-8")

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        if value is None:
            return SchemaAndValue(None, None)
        try:
            text = bytes(value).decode("utf-8")
            if text == "":
                return SchemaAndValue(Schema.STRING_SCHEMA, text)
            return parse_string(text)
        except DataException:
            raise
        except Exception as e:  # Apache falls back to the raw bytes on any parse failure
            log.warning("Failed to deserialize value for header '%s' on topic '%s', so using byte array: %s",
                        header_key, topic, e)
            return SchemaAndValue(Schema.BYTES_SCHEMA, bytes(value))
