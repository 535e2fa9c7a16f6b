"""Header values as text and back (the rules of Apache's org.apache.kafka.connect.data.Values).

`convert_to_string` writes primitives as text, bytes as base64, lists `[a,b]`, maps `{"k":v}`, structs
`{"f":v}`, dates/times ISO-8601 in UTC. `parse_string` infers a schema: booleans, the smallest integer
type that fits, float32/float64, decimals, ISO dates/times/timestamps, arrays and maps, else a string.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import re
import struct
from collections.abc import Mapping
from typing import Any

from kcli.connect.api import logical
from kcli.connect.api.data import DataException, Schema, SchemaAndValue, SchemaBuilder, Struct, Type
from kcli.connect.converters.jackson import java_double_str

_DELIMS = set(':,{}[]"')


def convert_to_string(schema: Schema | None, value: Any) -> str | None:
    """A value as header text (Values.convertToString)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    out: list[str] = []
    _append(out, value, False, schema)
    return "".join(out)


def _append(out: list[str], value: Any, embedded: bool, schema: Schema | None = None) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, float):
        single = schema is not None and schema.type is Type.FLOAT32
        out.append(java_double_str(value, single))
    elif isinstance(value, (int, decimal.Decimal)):
        out.append(str(value))
    elif isinstance(value, str):
        out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' if embedded else value)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        text = base64.b64encode(bytes(value)).decode("ascii")
        out.append(f'"{text}"' if embedded else text)
    elif isinstance(value, (list, tuple)):
        elem = schema.value_schema if schema is not None and schema.type is Type.ARRAY else None
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(",")
            _append(out, v, True, elem)
        out.append("]")
    elif isinstance(value, Mapping):
        ks, vs = (schema.key_schema, schema.value_schema) if schema is not None and schema.type is Type.MAP \
            else (None, None)
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            _append(out, k, True, ks)
            out.append(":")
            _append(out, v, True, vs)
        out.append("}")
    elif isinstance(value, Struct):
        out.append("{")
        for i, f in enumerate(value.schema.fields):
            if i:
                out.append(",")
            _append(out, f.name, True)
            out.append(":")
            _append(out, value.get(f), True, f.schema)
        out.append("}")
    elif isinstance(value, datetime.datetime):
        utc = value.astimezone(datetime.timezone.utc) if value.tzinfo else value
        if utc.time() == datetime.time(0) and (schema is None or schema.name != logical.Timestamp.LOGICAL_NAME):
            out.append(utc.strftime("%Y-%m-%d"))
        else:
            out.append(utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z")
    elif isinstance(value, datetime.date):
        out.append(value.strftime("%Y-%m-%d"))
    elif isinstance(value, datetime.time):
        out.append(value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z")
    else:
        raise DataException(f"Failed to serialize unexpected value type {type(value).__name__}: {value}")


# -- parsing --------------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    """Split on the delimiters `: , { } [ ] "` (a backslash escapes the next character)."""
    toks: list[str] = []
    start = 0
    escaped = False
    for i, c in enumerate(text):
        if c == "\\":
            escaped = not escaped
            continue
        if c in _DELIMS and not escaped:
            if start < i:
                toks.append(text[start:i])
            toks.append(c)
            start = i + 1
        escaped = False
    if start < len(text):
        toks.append(text[start:])
    return toks


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.pos = 0

    def has_next(self) -> bool:
        return self.pos < len(self.toks)

    def peek(self) -> str | None:
        return self.toks[self.pos] if self.has_next() else None

    def can_consume(self, expected: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.strip() == expected:
            self.pos += 1
            return True
        return False

    def next(self) -> str:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok


_INT_SCHEMAS = ((Schema.INT8_SCHEMA, 8), (Schema.INT16_SCHEMA, 16), (Schema.INT32_SCHEMA, 32),
                (Schema.INT64_SCHEMA, 64))
_NUM_ORDER = [Type.INT8, Type.INT16, Type.INT32, Type.INT64, Type.FLOAT32, Type.FLOAT64]


def parse_string(text: str) -> SchemaAndValue:
    """The schema and value that header text stands for (Values.parseString)."""
    if text == "":
        return SchemaAndValue(Schema.STRING_SCHEMA, "")
    parser = _Parser(text)
    result = _parse(parser, False)
    return result if result is not None else SchemaAndValue(None, None)


def _single_literal(p: _Parser, embedded: bool, literal: str) -> bool:
    start = p.pos
    if p.can_consume(literal) and (embedded or not p.has_next()):
        return True
    p.pos = start
    return False


def _parse(p: _Parser, embedded: bool) -> SchemaAndValue | None:
    if not p.has_next():
        return None
    if embedded and p.can_consume('"'):
        parts = []
        while p.has_next():
            if p.can_consume('"'):
                break
            parts.append(p.next())
        content = "".join(parts)
        parsed = parse_string(content) if content else None
        if parsed is not None and parsed.schema is not None and parsed.schema.name in (
                logical.Date.LOGICAL_NAME, logical.Time.LOGICAL_NAME, logical.Timestamp.LOGICAL_NAME):
            return parsed
        return SchemaAndValue(Schema.STRING_SCHEMA, content)
    if _single_literal(p, embedded, "null"):
        return None
    if _single_literal(p, embedded, "true"):
        return SchemaAndValue(Schema.BOOLEAN_SCHEMA, True)
    if _single_literal(p, embedded, "false"):
        return SchemaAndValue(Schema.BOOLEAN_SCHEMA, False)
    start = p.pos
    try:
        if p.can_consume("["):
            return _parse_array(p)
        if p.can_consume("{"):
            return _parse_map(p)
    except DataException:
        p.pos = start
    token = p.next()
    if token.strip() == "":
        return SchemaAndValue(Schema.STRING_SCHEMA, token)
    token = token.strip()
    if token[0].isdigit():
        mark = p.pos
        if p.pos + 4 <= len(p.toks):
            temporal = _parse_temporal(token + "".join(p.toks[p.pos:p.pos + 4]))
            if temporal is not None:
                p.pos += 4
                return temporal
        p.pos = mark
        temporal = _parse_temporal(token)
        if temporal is not None:
            return temporal
    if token[0].isdigit() or token[0] in "+-":
        number = _parse_number(token)
        if number is not None:
            return number
    if embedded:
        raise DataException("Failed to parse embedded value")
    return SchemaAndValue(Schema.STRING_SCHEMA, p.text)


def _parse_array(p: _Parser) -> SchemaAndValue:
    values: list[Any] = []
    elem_schema: Schema | None = None
    while p.has_next():
        if p.can_consume("]"):
            schema = SchemaBuilder.array(elem_schema).build() if elem_schema is not None else \
                SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build()
            if elem_schema is not None:
                values = [_align(elem_schema, v) for v in values]
            return SchemaAndValue(schema, values)
        if p.can_consume(","):
            raise DataException(f"Unable to parse an empty array element: {p.text}")
        element = _parse(p, True)
        elem_schema = _common_schema(elem_schema, element)
        values.append(element.value if element is not None else None)
        following = p.peek()
        if following is not None and following.strip() == "]":
            continue
        if not p.can_consume(","):
            raise DataException("Array elements missing ',' delimiter")
    raise DataException(f"Array is missing terminating ']': {p.text}")


def _parse_map(p: _Parser) -> SchemaAndValue:
    result: dict[Any, Any] = {}
    ks: Schema | None = None
    vs: Schema | None = None
    while p.has_next():
        if p.can_consume("}"):
            if ks is not None and vs is not None:
                schema = SchemaBuilder.map(ks, vs).build()
                result = {_align(ks, k): _align(vs, v) for k, v in result.items()}
            elif ks is not None:
                schema = SchemaBuilder.map(ks, Schema.OPTIONAL_STRING_SCHEMA).build()
            else:
                any_schema = Schema.OPTIONAL_STRING_SCHEMA
                schema = SchemaBuilder.map(any_schema, any_schema).optional().build()
            return SchemaAndValue(schema, result)
        if p.can_consume(","):
            raise DataException(f"Unable to parse a map entry with no key or value: {p.text}")
        key = _parse(p, True)
        if key is None or key.value is None:
            raise DataException(f"Map entry may not have a null key: {p.text}")
        if not p.can_consume(":"):
            raise DataException(f"Map entry is missing ':' in {p.text}")
        value = _parse(p, True)
        result[key.value] = value.value if value is not None else None
        p.can_consume(",")
        ks = _common_schema(ks, key)
        vs = _common_schema(vs, value)
    raise DataException(f"Map is missing terminating '}}': {p.text}")


def _align(schema: Schema, value: Any) -> Any:
    if value is None:
        return None
    if schema.type in (Type.FLOAT32, Type.FLOAT64) and not isinstance(value, float):
        return float(value)
    return value


def _common_schema(previous: Schema | None, latest: SchemaAndValue | None) -> Schema | None:
    if latest is None:
        return previous
    if previous is None:
        return latest.schema
    new = latest.schema
    assert new is not None, "_parse gives every value a schema"
    if previous.type is not new.type:
        if previous.type in _NUM_ORDER and new.type in _NUM_ORDER:
            return new if _NUM_ORDER.index(new.type) > _NUM_ORDER.index(previous.type) else previous
        return None
    if previous.optional == new.optional:
        return previous if previous.optional else new
    return previous if previous == new else None


def _parse_temporal(token: str) -> SchemaAndValue | None:
    token = token.replace("\\:", ":")
    try:
        if len(token) == 13 and token.endswith("Z"):
            t = datetime.datetime.strptime(token[:-1], "%H:%M:%S.%f").time()
            return SchemaAndValue(logical.Time.SCHEMA, t)
        if len(token) == 24 and token.endswith("Z"):
            ts = datetime.datetime.strptime(token[:-1], "%Y-%m-%dT%H:%M:%S.%f")
            return SchemaAndValue(logical.Timestamp.SCHEMA, ts.replace(tzinfo=datetime.timezone.utc))
        if len(token) == 10:
            return SchemaAndValue(logical.Date.SCHEMA, datetime.datetime.strptime(token, "%Y-%m-%d").date())
    except ValueError:
        return None
    return None


_NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _parse_number(token: str) -> SchemaAndValue | None:
    if not _NUMBER_RE.fullmatch(token):
        return None
    d = decimal.Decimal(token)
    scale = -int(d.as_tuple().exponent)
    if d == d.to_integral_value():
        n = int(d)
        for schema, bits in _INT_SCHEMAS:
            if -(1 << (bits - 1)) <= n < (1 << (bits - 1)):
                return SchemaAndValue(schema, n)
    if scale != 0:
        f = float(d)
        try:
            f32 = struct.unpack(">f", struct.pack(">f", f))[0]
            return SchemaAndValue(Schema.FLOAT32_SCHEMA, f32)
        except OverflowError:
            pass
        if f not in (float("inf"), float("-inf")):
            return SchemaAndValue(Schema.FLOAT64_SCHEMA, f)
    return SchemaAndValue(logical.Decimal.schema(scale), d)
