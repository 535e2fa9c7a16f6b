"""Connect's logical types: Decimal, Date, Time, Timestamp (Apache's org.apache.kafka.connect.data.*).

Each maps a Python value to the plain value of its base schema (`from_logical`) and back (`to_logical`).
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any, ClassVar

from kcli.connect.api.data import DataException, Schema, SchemaBuilder

_EPOCH_DATE = datetime.date(1970, 1, 1)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_MS_PER_DAY = 86_400_000


def _check_name(schema: Schema, logical_name: str, what: str) -> None:
    if schema is None or schema.name != logical_name:
        raise DataException(f"Requested conversion of {what} object but the schema does not match.")


class Decimal:
    """Arbitrary-precision decimal as BYTES: the unscaled value, big-endian two's complement; parameter `scale`."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Decimal"
    SCALE_FIELD = "scale"
    SCHEMA: ClassVar[None] = None  # Decimal has no fixed schema: use Decimal.schema(scale)

    @classmethod
    def builder(cls, scale: int) -> SchemaBuilder:
        return SchemaBuilder.bytes().name(cls.LOGICAL_NAME).parameter(cls.SCALE_FIELD, str(scale)).version(1)

    @classmethod
    def schema(cls, scale: int) -> Schema:
        return cls.builder(scale).build()

    @classmethod
    def scale(cls, schema: Schema) -> int:
        raw = (schema.parameters or {}).get(cls.SCALE_FIELD)
        if raw is None:
            raise DataException("Invalid Decimal schema: scale parameter not found.")
        try:
            return int(raw)
        except ValueError as e:
            raise DataException(f"Invalid scale parameter found in Decimal schema: {raw}") from e

    @classmethod
    def from_logical(cls, schema: Schema, value: decimal.Decimal) -> bytes:
        """The unscaled value's two's-complement bytes (Java's BigInteger.toByteArray)."""
        _check_name(schema, cls.LOGICAL_NAME, "Decimal")
        sign, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int):
            raise DataException(f"Decimal value {value} cannot be encoded")
        if -exponent != cls.scale(schema):
            raise DataException("BigDecimal has mismatching scale value for given Decimal schema")
        unscaled = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        magnitude = unscaled if unscaled >= 0 else ~unscaled
        return unscaled.to_bytes(magnitude.bit_length() // 8 + 1, "big", signed=True)

    @classmethod
    def to_logical(cls, schema: Schema, value: bytes) -> decimal.Decimal:
        _check_name(schema, cls.LOGICAL_NAME, "Decimal")
        unscaled = int.from_bytes(bytes(value), "big", signed=True)
        sign = 1 if unscaled < 0 else 0
        digits = tuple(int(c) for c in str(abs(unscaled)))
        return decimal.Decimal((sign, digits, -cls.scale(schema)))


class Date:
    """A date as INT32 days since the Unix epoch."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Date"
    SCHEMA: ClassVar[Schema]  # set after the class body

    @classmethod
    def builder(cls) -> SchemaBuilder:
        return SchemaBuilder.int32().name(cls.LOGICAL_NAME).version(1)

    @classmethod
    def from_logical(cls, schema: Schema, value: datetime.date) -> int:
        _check_name(schema, cls.LOGICAL_NAME, "Date")
        if isinstance(value, datetime.datetime):
            utc = _as_utc(value)
            if utc.time() != datetime.time(0):
                raise DataException("Kafka Connect Date type should not have any time fields set to non-zero values.")
            value = utc.date()
        return (value - _EPOCH_DATE).days

    @classmethod
    def to_logical(cls, schema: Schema, value: int) -> datetime.date:
        _check_name(schema, cls.LOGICAL_NAME, "Date")
        return _EPOCH_DATE + datetime.timedelta(days=value)


class Time:
    """A time of day as INT32 milliseconds since midnight."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Time"
    SCHEMA: ClassVar[Schema]  # set after the class body

    @classmethod
    def builder(cls) -> SchemaBuilder:
        return SchemaBuilder.int32().name(cls.LOGICAL_NAME).version(1)

    @classmethod
    def from_logical(cls, schema: Schema, value: datetime.time | datetime.datetime) -> int:
        _check_name(schema, cls.LOGICAL_NAME, "Time")
        if isinstance(value, datetime.datetime):
            utc = _as_utc(value)
            if utc.date() != _EPOCH_DATE:
                raise DataException("Kafka Connect Time type should not have any date fields set to non-zero values.")
            value = utc.time()
        return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000

    @classmethod
    def to_logical(cls, schema: Schema, value: int) -> datetime.time:
        _check_name(schema, cls.LOGICAL_NAME, "Time")
        if value < 0 or value > _MS_PER_DAY:
            raise DataException("Time values must use number of milliseconds greater than 0 and less than 86400000")
        if value == _MS_PER_DAY:
            value = 0
        return (datetime.datetime.min + datetime.timedelta(milliseconds=value)).time()


class Timestamp:
    """An instant as INT64 milliseconds since the Unix epoch (UTC)."""

    LOGICAL_NAME = "org.apache.kafka.connect.data.Timestamp"
    SCHEMA: ClassVar[Schema]  # set after the class body

    @classmethod
    def builder(cls) -> SchemaBuilder:
        return SchemaBuilder.int64().name(cls.LOGICAL_NAME).version(1)

    @classmethod
    def from_logical(cls, schema: Schema, value: datetime.datetime) -> int:
        _check_name(schema, cls.LOGICAL_NAME, "Timestamp")
        delta = _as_utc(value) - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000

    @classmethod
    def to_logical(cls, schema: Schema, value: int) -> datetime.datetime:
        _check_name(schema, cls.LOGICAL_NAME, "Timestamp")
        return _EPOCH + datetime.timedelta(milliseconds=value)


def _as_utc(value: datetime.datetime) -> datetime.datetime:
    """A naive datetime is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc)


Date.SCHEMA = Date.builder().build()
Time.SCHEMA = Time.builder().build()
Timestamp.SCHEMA = Timestamp.builder().build()

LOGICAL_TYPES: dict[str, Any] = {c.LOGICAL_NAME: c for c in (Decimal, Date, Time, Timestamp)}
