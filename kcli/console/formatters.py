"""Message formatters: a batch of consumed records in, the bytes to write to stdout out.

Formatters know nothing about the transport; they see confluent-kafka Message objects only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Protocol, TypeAlias, cast

from kcli.console import envelope
from kcli.console.deserializers import DeserializationError, Deserializer, deserializer_for
from kcli.errors import UsageError

if TYPE_CHECKING:
    from kcli.clients.records import KafkaRecord

DEFAULT_FORMATTERS = frozenset({
    "DefaultMessageFormatter", "org.apache.kafka.tools.consumer.DefaultMessageFormatter",
    "kafka.tools.DefaultMessageFormatter",
})
NOOP_FORMATTERS = frozenset({
    "NoOpMessageFormatter", "org.apache.kafka.tools.consumer.NoOpMessageFormatter", "kafka.tools.NoOpMessageFormatter",
})
TS_NAMES = {1: b"CreateTime:", 2: b"LogAppendTime:"}

# A formatter's layout as the ops of the C loop (kcli/native/csrc/): (kind, a, b, c, d), b"" where unused.
Op: TypeAlias = "tuple[int, bytes, bytes, bytes, bytes]"
(LITERAL, TOPIC, PARTITION, OFFSET, KEY, VALUE, KEY_LENGTH, VALUE_LENGTH, TIMESTAMP, TIMESTAMP_TYPED,
 HEADERS) = range(11)


def _op(kind: int, a: bytes = b"", b: bytes = b"", c: bytes = b"", d: bytes = b"") -> Op:
    return (kind, a, b, c, d)


@cache
def _message_value() -> Callable[[KafkaRecord], bytes | None]:
    """confluent-kafka's Message.value, imported on first use (the C loop needs no confluent-kafka)."""
    from confluent_kafka import Message

    # an unbound C method: map() over it avoids a Python-level loop
    return cast("Callable[[KafkaRecord], bytes | None]", Message.value)


class FormatFailure(Exception):
    """A record could not be formatted; `output` holds what the batch produced before it."""

    def __init__(self, message: str, output: bytes, printed: int) -> None:
        super().__init__(message)
        self.output = output
        self.printed = printed


ErrorHook: TypeAlias = "Callable[[KafkaRecord, Exception], None]"


class Formatter(Protocol):
    def format_batch(self, msgs: Sequence[KafkaRecord]) -> tuple[bytes, int]:
        """Return (bytes to write, number of records printed)."""
        ...

    def program(self) -> list[Op] | None:
        """The same layout as ops for the C loop; None when it is more than a layout of fields (it decodes)."""
        ...


def _describe(msg: KafkaRecord, exc: Exception) -> str:
    return f"{exc} (topic {msg.topic()}, partition {msg.partition()}, offset {msg.offset()})"


class _PerRecord:
    """Shared per-record loop: format each record, skip or stop on a failure."""

    on_error: ErrorHook | None = None

    def render(self, msg: KafkaRecord) -> bytes:
        raise NotImplementedError

    def format_batch(self, msgs: Sequence[KafkaRecord]) -> tuple[bytes, int]:
        render = self.render
        try:
            return b"".join([render(m) for m in msgs]), len(msgs)
        except (DeserializationError, UnicodeError, ValueError):
            pass
        parts: list[bytes] = []
        for msg in msgs:
            try:
                parts.append(render(msg))
            except (DeserializationError, UnicodeError, ValueError) as exc:
                if self.on_error is None:
                    raise FormatFailure(_describe(msg, exc), b"".join(parts), len(parts)) from None
                self.on_error(msg, exc)
        return b"".join(parts), len(parts)


def _flag(props: Mapping[str, str], key: str, default: bool) -> bool:
    return props[key].strip().lower() == "true" if key in props else default


class DefaultFormatter(_PerRecord):
    """Apache's DefaultMessageFormatter, byte for byte (field order: timestamp, partition, offset, headers, key,
    value; `key.separator` between every printed column)."""

    def __init__(self, props: Mapping[str, str], on_error: ErrorHook | None = None) -> None:
        self.on_error = on_error
        self.print_ts = _flag(props, "print.timestamp", False)
        self.print_partition = _flag(props, "print.partition", False)
        self.print_offset = _flag(props, "print.offset", False)
        self.print_delivery = _flag(props, "print.delivery", False)
        self.print_headers = _flag(props, "print.headers", False)
        self.print_key = _flag(props, "print.key", False)
        self.print_value = _flag(props, "print.value", True)
        self.sep = props.get("key.separator", "\t").encode()
        self.end = props.get("line.separator", "\n").encode()
        self.hsep = props.get("headers.separator", ",").encode()
        self.null = props.get("null.literal", "null").encode()
        self.key_deser = deserializer_for(props.get("key.deserializer"))
        self.value_deser = deserializer_for(props.get("value.deserializer"))
        self.headers_deser = deserializer_for(props.get("headers.deserializer"))
        self.plain_value = (self.print_value and not (self.print_ts or self.print_partition or self.print_offset
                            or self.print_delivery or self.print_headers or self.print_key)
                            and self.value_deser is None)

    def _bytes(self, deser: Deserializer | None, data: bytes | None) -> bytes:
        data = self.null if data is None else data
        return deser(data) if deser else data

    def format_batch(self, msgs: Sequence[KafkaRecord]) -> tuple[bytes, int]:
        if self.plain_value and msgs:  # the hot path: values only, one join per batch
            values: list[bytes | None] = list(map(_message_value(), msgs))
            count = len(values)
            values.append(b"")  # the line separator after the last value, without copying the batch again
            try:
                return self.end.join(values), count  # type: ignore[arg-type]  # a None raises TypeError
            except TypeError:  # a null value prints null.literal; scanning for None first costs every batch
                null = self.null
                return self.end.join([null if v is None else v for v in values]), count
        return super().format_batch(msgs)

    def program(self) -> list[Op] | None:
        if ((self.print_key and self.key_deser) or (self.print_value and self.value_deser)
                or (self.print_headers and self.headers_deser)):
            return None
        cols: list[list[Op]] = []
        if self.print_ts:
            cols.append([_op(TIMESTAMP_TYPED, TS_NAMES[1], TS_NAMES[2], b"NO_TIMESTAMP")])
        if self.print_partition:
            cols.append([_op(LITERAL, b"Partition:"), _op(PARTITION)])
        if self.print_offset:
            cols.append([_op(LITERAL, b"Offset:"), _op(OFFSET)])
        if self.print_delivery:
            cols.append([_op(LITERAL, b"Delivery:NOT_PRESENT")])
        if self.print_headers:
            cols.append([_op(HEADERS, b":", self.hsep, self.null, b"NO_HEADERS")])
        if self.print_key:
            cols.append([_op(KEY, self.null)])
        if self.print_value:
            cols.append([_op(VALUE, self.null)])
        ops: list[Op] = []
        for i, col in enumerate(cols):
            if i:
                ops.append(_op(LITERAL, self.sep))
            ops.extend(col)
        return [*ops, _op(LITERAL, self.end)] if cols else []

    def render(self, msg: KafkaRecord) -> bytes:
        cols: list[bytes] = []
        if self.print_ts:
            ts_type, ts = msg.timestamp()
            cols.append(TS_NAMES[ts_type] + str(ts).encode() if ts_type in TS_NAMES else b"NO_TIMESTAMP")
        if self.print_partition:
            cols.append(b"Partition:%d" % msg.partition())
        if self.print_offset:
            cols.append(b"Offset:%d" % msg.offset())
        if self.print_delivery:
            cols.append(b"Delivery:NOT_PRESENT")
        if self.print_headers:
            headers = msg.headers()
            if headers:
                cols.append(self.hsep.join([k.encode() + b":" + self._bytes(self.headers_deser, v)
                                            for k, v in headers]))
            else:
                cols.append(b"NO_HEADERS")
        if self.print_key:
            cols.append(self._bytes(self.key_deser, msg.key()))
        if self.print_value:
            cols.append(self._bytes(self.value_deser, msg.value()))
            return self.sep.join(cols) + self.end
        # Apache ends a record without a value with the line separator after its last column.
        return self.sep.join(cols) + self.end if cols else b""


class NoOpFormatter:
    """Apache's NoOpMessageFormatter: prints nothing (counts records)."""

    def format_batch(self, msgs: Sequence[KafkaRecord]) -> tuple[bytes, int]:
        return b"", len(msgs)

    def program(self) -> list[Op]:
        return []


class JsonFormatter(_PerRecord):
    """One JSON envelope per record (see kcli.console.envelope)."""

    def __init__(self, end: bytes = b"\n", on_error: ErrorHook | None = None) -> None:
        self.end = end
        self.on_error = on_error

    def program(self) -> None:
        return None  # JSON escaping is not a layout of fields

    def render(self, msg: KafkaRecord) -> bytes:
        ts_type, ts = msg.timestamp()
        return envelope.encode(msg.topic(), msg.partition(), msg.offset(), ts_type, ts, msg.key(), msg.value(),
                               msg.headers()).encode("utf-8") + self.end


_TOKEN = re.compile(rb"%[tpokshTKS%]|\\(?:x[0-9a-fA-F]{2}|[nrt\\])|[^%\\]+|[%\\]")
_ESCAPES = {b"\\n": b"\n", b"\\r": b"\r", b"\\t": b"\t", b"\\\\": b"\\"}


def _kcat_len(data: bytes | None) -> bytes:
    return b"-1" if data is None else str(len(data)).encode()


def _kcat_headers(msg: KafkaRecord) -> bytes:
    return b",".join(k.encode() + b"=" + (v if v is not None else b"") for k, v in msg.headers() or ())


_FIELD_OPS: dict[bytes, Op] = {
    b"%t": _op(TOPIC), b"%p": _op(PARTITION), b"%o": _op(OFFSET), b"%k": _op(KEY), b"%s": _op(VALUE),
    b"%h": _op(HEADERS, b"=", b","), b"%T": _op(TIMESTAMP), b"%K": _op(KEY_LENGTH), b"%S": _op(VALUE_LENGTH),
}
_FIELDS: dict[bytes, Callable[[KafkaRecord], bytes]] = {
    b"%t": lambda m: m.topic().encode(),
    b"%p": lambda m: str(m.partition()).encode(),
    b"%o": lambda m: str(m.offset()).encode(),
    b"%k": lambda m: m.key() or b"",
    b"%s": lambda m: m.value() or b"",
    b"%h": _kcat_headers,
    b"%T": lambda m: str(m.timestamp()[1]).encode(),
    b"%K": lambda m: _kcat_len(m.key()),
    b"%S": lambda m: _kcat_len(m.value()),
}


class KcatFormatter(_PerRecord):
    """kcat's `-f` format string: %t %p %o %k %s %h %T %K %S %% and escapes \\n \\r \\t \\xXX."""

    def __init__(self, fmt: str, on_error: ErrorHook | None = None) -> None:
        self.on_error = on_error
        pieces: list[bytes | Callable[[KafkaRecord], bytes]] = []
        ops: list[Op] = []
        for token in _TOKEN.findall(fmt.encode("utf-8")):
            if token in _FIELDS:
                pieces.append(_FIELDS[token])
                ops.append(_FIELD_OPS[token])
                continue
            if token == b"%%":
                text = b"%"
            elif token.startswith(b"\\x"):
                text = bytes([int(token[2:], 16)])
            else:
                text = _ESCAPES.get(token, token)
            pieces.append(text)
            ops.append(_op(LITERAL, text))
        self.pieces = pieces
        self.ops = ops

    def program(self) -> list[Op]:
        return self.ops

    def render(self, msg: KafkaRecord) -> bytes:
        return b"".join([p if isinstance(p, bytes) else p(msg) for p in self.pieces])


def make_formatter(formatter: str | None, props: Mapping[str, str], output: str | None, fmt: str | None,
                   on_error: ErrorHook | None) -> Formatter:
    """Choose the formatter from --formatter / --output / -f."""
    if fmt is not None:
        if output == "json":
            raise UsageError("-f/--format and --output json cannot be used together")
        return KcatFormatter(fmt, on_error)
    if output == "json":
        return JsonFormatter(props.get("line.separator", "\n").encode(), on_error)
    name = (formatter or "DefaultMessageFormatter").strip()
    if name in DEFAULT_FORMATTERS:
        return DefaultFormatter(props, on_error)
    if name in NOOP_FORMATTERS:
        return NoOpFormatter()
    raise UsageError(f"unknown formatter '{name}' (kcli has DefaultMessageFormatter and NoOpMessageFormatter; "
                     "use --output json or -f FORMAT for other layouts)")
