"""ByteArrayConverter and the big-endian number/boolean converters (org.apache.kafka.connect.converters.*)."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from kcli.connect.api.data import DataException, Schema, SchemaAndValue, Type
from kcli.connect.converters.base import Converter, HeaderConverter


class ByteArrayConverter(Converter, HeaderConverter):
    """Pass-through of bytes; reads OPTIONAL_BYTES."""

    def configure(self, configs: Mapping[str, str], is_key: bool = False) -> None:
        pass

    def from_connect_data(self, topic: str, schema: Schema | None, value: Any, headers: Any = None) -> bytes | None:
        if schema is not None and schema.type is not Type.BYTES:
            raise DataException(f"Invalid schema type for ByteArrayConverter: {schema.type}")
        if value is None:
            return None
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise DataException(f"ByteArrayConverter is not compatible with objects of type {type(value)}")
        return bytes(value)

    def to_connect_data(self, topic: str, value: bytes | None, headers: Any = None) -> SchemaAndValue:
        return SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, None if value is None else bytes(value))

    def from_connect_header(self, topic: str, header_key: str, schema: Schema | None, value: Any) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)


class _NumberConverter(Converter, HeaderConverter):
    """A fixed-width big-endian value, as Kafka's Short/Integer/Long/Float/Double/Boolean serializers write it."""

    fmt = ">i"
    schema: Schema = Schema.OPTIONAL_INT32_SCHEMA
    type_name = "Integer"

    def configure(self, configs: Mapping[str, str], is_key: bool = False) -> None:
        pass

    def _check(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DataException(f"Failed to serialize to {self.type_name} (was {type(value)}): ")
        return value

    def from_connect_data(self, topic: str, schema: Schema | None, value: Any, headers: Any = None) -> bytes | None:
        if value is None:
            return None
        try:
            return struct.pack(self.fmt, self._check(value))
        except struct.error as e:
            raise DataException(f"Failed to serialize to {self.type_name} (was {type(value)}): {e}") from e

    def to_connect_data(self, topic: str, value: bytes | None, headers: Any = None) -> SchemaAndValue:
        if value is None:
            return SchemaAndValue(self.schema, None)
        size = struct.calcsize(self.fmt)
        if len(value) != size:
            raise DataException(f"Failed to deserialize {self.type_name}: Size of data received by "
                                f"{self.type_name}Deserializer is not {size}")
        return SchemaAndValue(self.schema, self._unpack(bytes(value)))

    def _unpack(self, data: bytes) -> Any:
        return struct.unpack(self.fmt, data)[0]

    def from_connect_header(self, topic: str, header_key: str, schema: Schema | None, value: Any) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)


class ShortConverter(_NumberConverter):
    fmt, schema, type_name = ">h", Schema.OPTIONAL_INT16_SCHEMA, "Short"


class IntegerConverter(_NumberConverter):
    fmt, schema, type_name = ">i", Schema.OPTIONAL_INT32_SCHEMA, "Integer"


class LongConverter(_NumberConverter):
    fmt, schema, type_name = ">q", Schema.OPTIONAL_INT64_SCHEMA, "Long"


class FloatConverter(_NumberConverter):
    fmt, schema, type_name = ">f", Schema.OPTIONAL_FLOAT32_SCHEMA, "Float"

    def _check(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DataException(f"Failed to serialize to {self.type_name} (was {type(value)}): ")
        return float(value)


class DoubleConverter(FloatConverter):
    fmt, schema, type_name = ">d", Schema.OPTIONAL_FLOAT64_SCHEMA, "Double"


class BooleanConverter(_NumberConverter):
    fmt, schema, type_name = ">?", Schema.OPTIONAL_BOOLEAN_SCHEMA, "Boolean"

    def _check(self, value: Any) -> Any:
        if not isinstance(value, bool):
            raise DataException(f"Failed to serialize to {self.type_name} (was {type(value)}): ")
        return value

    def _unpack(self, data: bytes) -> Any:
        if data not in (b"\x00", b"\x01"):
            raise DataException("Failed to deserialize Boolean: Unexpected byte received by BooleanDeserializer: "
                                + str(data[0] if data[0] < 128 else data[0] - 256))
        return data == b"\x01"
