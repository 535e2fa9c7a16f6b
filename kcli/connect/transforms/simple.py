"""Record-level transforms: Filter, RegexRouter, TimestampRouter, DropHeaders, InsertHeader, ValueToKey."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from kcli.connect.api.data import DataException, SchemaBuilder, Struct
from kcli.connect.api.records import Header
from kcli.connect.configdef import ConfigDef, Importance, NonNullValidator, Type
from kcli.connect.configdef.validators import LambdaValidator, RegexValidator, Validator
from kcli.connect.converters.values import parse_string
from kcli.connect.errors import ConfigException
from kcli.connect.transforms.base import (
    SchemaCache,
    Transformation,
    define_replace_null,
    field_value,
    require_map,
    require_struct,
)


def java_replacement(replacement: str) -> str:
    """A java.util.regex replacement (`$1`, `${name}`, `\\$`) as a Python match.expand template."""
    out: list[str] = []
    i = 0
    while i < len(replacement):
        c = replacement[i]
        if c == "\\" and i + 1 < len(replacement):
            out.append(replacement[i + 1].replace("\\", "\\\\"))
            i += 2
        elif c == "$" and i + 1 < len(replacement) and replacement[i + 1] == "{":
            end = replacement.index("}", i)
            out.append(f"\\g<{replacement[i + 2:end]}>")
            i = end + 1
        elif c == "$":
            j = i + 1
            while j < len(replacement) and replacement[j].isdigit():
                j += 1
            if j == i + 1:
                raise ValueError("Illegal group reference")
            out.append(f"\\g<{replacement[i + 1:j]}>")
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Filter(Transformation):
    """Drops every record (use it with a predicate)."""

    def apply(self, record: Any) -> Any:
        return None


class RegexRouter(Transformation):
    """Renames the topic when the whole topic name matches `regex`."""

    def config_def(self) -> ConfigDef:
        return (ConfigDef()
                .define("regex", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, RegexValidator(), Importance.HIGH,
                        "Regular expression to use for matching.")
                .define("replacement", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, None, Importance.HIGH,
                        "Replacement string."))

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = self.config_def().parse(configs)
        self.pattern = re.compile(parsed["regex"])
        self.template = java_replacement(parsed["replacement"])

    def apply(self, record: Any) -> Any:
        match = self.pattern.fullmatch(record.topic or "")
        if match is None:
            return record
        return record.new_record(match.expand(self.template), record.partition, record.key_schema, record.key,
                                 record.value_schema, record.value, record.timestamp)


_DATE_LETTERS = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


def simple_date_format(pattern: str, moment: datetime.datetime) -> str:
    """Format a UTC datetime with the common java.text.SimpleDateFormat letters (y M d H m s S, 'quoted')."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            end = pattern.find("'", i + 1)
            end = len(pattern) if end < 0 else end
            out.append(pattern[i + 1:end] or "'")
            i = end + 1
            continue
        j = i
        while j < len(pattern) and pattern[j] == c:
            j += 1
        run = pattern[i:j]
        if c == "y":
            out.append(moment.strftime("%Y") if len(run) != 2 else moment.strftime("%y"))
        elif c in "MdHms":
            num = {"M": moment.month, "d": moment.day, "H": moment.hour, "m": moment.minute, "s": moment.second}[c]
            out.append(str(num).zfill(len(run)))
        elif c == "S":
            out.append(str(moment.microsecond // 1000).zfill(len(run)))
        else:
            out.append(run)
        i = j
    return "".join(out)


class TimestampRouter(Transformation):
    """Rewrites the topic to `topic.format` with `${topic}` and `${timestamp}` (UTC, `timestamp.format`)."""

    def config_def(self) -> ConfigDef:
        return (ConfigDef()
                .define("topic.format", Type.STRING, "${topic}-${timestamp}", None, Importance.HIGH,
                        "Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as "
                        "placeholders for the topic and timestamp, respectively.")
                .define("timestamp.format", Type.STRING, "yyyyMMdd", None, Importance.HIGH,
                        "Format string for the timestamp that is compatible with "
                        "<code>java.text.SimpleDateFormat</code>."))

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = self.config_def().parse(configs)
        self.topic_format = parsed["topic.format"]
        self.timestamp_format = parsed["timestamp.format"]

    def apply(self, record: Any) -> Any:
        if record.timestamp is None:
            raise DataException(f"Timestamp missing on record: {record}")
        moment = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + \
            datetime.timedelta(milliseconds=record.timestamp)
        topic = self.topic_format.replace("${topic}", record.topic).replace(
            "${timestamp}", simple_date_format(self.timestamp_format, moment))
        return record.new_record(topic, None, record.key_schema, record.key, record.value_schema, record.value,
                                 record.timestamp)


class DropHeaders(Transformation):
    """Removes the headers with the listed keys."""

    def config_def(self) -> ConfigDef:
        return ConfigDef().define("headers", Type.LIST, ConfigDef.NO_DEFAULT_VALUE, non_empty_list(),
                                  Importance.HIGH, "The name of the headers to be removed.")

    def configure(self, configs: Mapping[str, Any]) -> None:
        self.names = set(self.config_def().parse(configs)["headers"])

    def apply(self, record: Any) -> Any:
        kept = [h for h in (record.headers or []) if h.key not in self.names]
        return record.new_record(record.topic, record.partition, record.key_schema, record.key, record.value_schema,
                                 record.value, record.timestamp, kept)


class InsertHeader(Transformation):
    """Adds a header whose value is `value.literal` parsed like SimpleHeaderConverter does."""

    def config_def(self) -> ConfigDef:
        return (ConfigDef()
                .define("header", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, NonNullValidator(), Importance.HIGH,
                        "The name of the header.")
                .define("value.literal", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, NonNullValidator(),
                        Importance.HIGH, "The literal value that is to be set as the header value on all records."))

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = self.config_def().parse(configs)
        self.header = parsed["header"]
        self.literal = parse_string(parsed["value.literal"])

    def apply(self, record: Any) -> Any:
        headers = [*(record.headers or []), Header(self.header, self.literal.schema, self.literal.value)]
        return record.new_record(record.topic, record.partition, record.key_schema, record.key, record.value_schema,
                                 record.value, record.timestamp, headers)


def non_empty_list() -> Validator:
    """A list with at least one item."""

    def check(name: str, value: Any) -> None:
        if not value:
            raise ConfigException(name, "", "Empty list")

    return LambdaValidator(check, "")


class ValueToKey(Transformation):
    """Replaces the key with a struct/map of the listed value fields."""

    purpose = "copying fields from value to key"

    def config_def(self) -> ConfigDef:
        return define_replace_null(ConfigDef().define(
            "fields", Type.LIST, ConfigDef.NO_DEFAULT_VALUE, non_empty_list(), Importance.HIGH,
            "Field names on the record value to extract as the record key."))

    def configure(self, configs: Mapping[str, Any]) -> None:
        parsed = self.config_def().parse(configs)
        self.fields = parsed["fields"]
        self.replace_null = parsed["replace.null.with.default"]
        self.cache = SchemaCache()

    def apply(self, record: Any) -> Any:
        if record.value_schema is None:
            value_map = require_map(record.value, self.purpose)
            key_map = {f: value_map.get(f) for f in self.fields}
            return record.new_record(record.topic, record.partition, None, key_map, record.value_schema, record.value,
                                     record.timestamp)
        value = require_struct(record.value, self.purpose)
        key_schema = self.cache.get(value.schema)
        if key_schema is None:
            builder = SchemaBuilder.struct()
            for name in self.fields:
                field = value.schema.field(name)
                if field is None:
                    raise DataException(f"Field does not exist: {name}")
                builder.field(name, field.schema)
            key_schema = builder.build()
            self.cache.put(value.schema, key_schema)
        key = Struct(key_schema)
        for name in self.fields:
            key.put(name, field_value(value, name, self.replace_null))
        return record.new_record(record.topic, record.partition, key_schema, key, record.value.schema, record.value,
                                 record.timestamp)

