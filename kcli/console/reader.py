"""Apache's LineMessageReader: one record per input line, optional headers and key; and a chunked line splitter."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from kcli.errors import UsageError

Headers = list[tuple[str, bytes | None]]
CHUNK = 1 << 20


class Read1(Protocol):
    """A byte stream that returns what one read gives (kcli.console.produce's interruptible stdin)."""

    def read1(self, size: int, /) -> bytes: ...


class LineError(ValueError):
    """A malformed input line; the message names its line number like Apache's."""


def _flag(props: Mapping[str, str], key: str) -> bool:
    return props.get(key, "false").strip().lower() == "true"


def _java_split(pattern: re.Pattern[bytes] | bytes, text: bytes) -> list[bytes]:
    """Java's String.split(regex): trailing empty strings are dropped; no match gives [text]."""
    parts = text.split(pattern) if isinstance(pattern, bytes) else pattern.split(text)
    if len(parts) == 1:
        return parts
    while parts and not parts[-1]:
        parts.pop()
    return parts


@dataclass
class LineReader:
    """Parse `headers<headers.delimiter>key<key.separator>value` lines (LineMessageReader semantics)."""

    parse_key: bool = False
    key_separator: bytes = b"\t"
    parse_headers: bool = False
    headers_delimiter: bytes = b"\t"
    headers_separator: bytes = b","
    headers_key_separator: bytes = b":"
    null_marker: bytes | None = None
    ignore_error: bool = False

    @classmethod
    def from_properties(cls, props: Mapping[str, str]) -> LineReader:
        reader = cls(
            parse_key=_flag(props, "parse.key"),
            key_separator=props.get("key.separator", "\t").encode(),
            parse_headers=_flag(props, "parse.headers"),
            headers_delimiter=props.get("headers.delimiter", "\t").encode(),
            headers_separator=props.get("headers.separator", ",").encode(),
            headers_key_separator=props.get("headers.key.separator", ":").encode(),
            null_marker=props["null.marker"].encode() if "null.marker" in props else None,
            ignore_error=_flag(props, "ignore.error"),
        )
        reader.validate()
        return reader

    def validate(self) -> None:
        """Refuse separators that would make lines ambiguous (Apache's start-up checks)."""
        named = [("headers.delimiter", self.headers_delimiter), ("headers.separator", self.headers_separator),
                 ("headers.key.separator", self.headers_key_separator)]
        for i, (a, va) in enumerate(named):
            for b, vb in named[i + 1:]:
                if va == vb:
                    raise UsageError(f"{a} and {b} may not be equal")
        if self.null_marker is not None:
            for name, value in [("key.separator", self.key_separator), *named]:
                if value == self.null_marker:
                    raise UsageError(f"null.marker and {name} may not be equal")
        try:
            sep = self.headers_separator.decode()
            self._hsplit: re.Pattern[bytes] | bytes = (self.headers_separator if re.escape(sep) == sep
                                                        else re.compile(sep.encode()))
        except re.error as exc:
            raise UsageError(f"headers.separator '{self.headers_separator.decode()}' is not a valid "
                             f"regular expression: {exc}") from None

    @property
    def plain(self) -> bool:
        """True when a line is just a value (the fast path)."""
        return not (self.parse_key or self.parse_headers) and self.null_marker is None

    def _find(self, line: bytes, start: int, sep: bytes, what: str, lineno: int) -> int:
        index = line.find(sep, start)
        if index == -1 and not self.ignore_error:
            raise LineError(f"No {what} found on line number {lineno}: '{line.decode('utf-8', 'replace')}'")
        return index

    def parse(self, line: bytes, lineno: int) -> tuple[bytes | None, bytes | None, Headers | None]:
        """(key, value, headers) of one line; LineError when it is malformed."""
        start = 0
        header_block: bytes | None = None
        if self.parse_headers:
            index = self._find(line, 0, self.headers_delimiter, "headers delimiter", lineno)
            if index != -1:
                header_block = line[:index]
                start = index + len(self.headers_delimiter)
        key: bytes | None = None
        if self.parse_key:
            index = self._find(line, start, self.key_separator, "key separator", lineno)
            if index != -1:
                key = line[start:index]
                start = index + len(self.key_separator)
        value: bytes | None = line[start:]
        marker = self.null_marker
        if marker is not None:
            key = None if key == marker else key
            value = None if value == marker else value
        headers = None
        if header_block is not None and header_block != marker:
            headers = self._headers(header_block, lineno)
        return key, value, headers

    def _headers(self, block: bytes, lineno: int) -> Headers:
        out: Headers = []
        for pair in _java_split(self._hsplit, block):
            index = pair.find(self.headers_key_separator)
            if index == -1:
                if self.ignore_error:
                    out.append((pair.decode("utf-8", "replace"), None))
                    continue
                raise LineError(f"No header key separator found in pair '{pair.decode('utf-8', 'replace')}' "
                                f"on line number {lineno}")
            name = pair[:index]
            if self.null_marker is not None and name == self.null_marker:
                raise LineError(f"Header keys should not be equal to the null marker "
                                f"'{self.null_marker.decode()}' as they can't be null (line number {lineno})")
            data: bytes | None = pair[index + len(self.headers_key_separator):]
            out.append((name.decode("utf-8", "replace"), None if data == self.null_marker else data))
        return out


def line_batches(stream: BinaryIO | Read1) -> Iterator[list[bytes]]:
    """Lines of a byte stream in batches, without their terminators (\\n, \\r\\n or \\r, like Java's readLine).

    Each batch is what one read returned, so an interactive writer sees its lines sent at once.
    """
    read = stream.read1 if hasattr(stream, "read1") else stream.read
    rest = b""
    while True:
        chunk = read(CHUNK)
        if not chunk:
            break
        if b"\r" not in chunk and not rest.endswith(b"\r"):  # the usual case: the chunk is not copied
            lines = chunk.split(b"\n")
            if rest:
                lines[0] = rest + lines[0]
            rest = lines.pop()
        else:
            data = rest + chunk
            if data.endswith(b"\r"):  # a \r\n may be split across two reads
                data, rest_cr = data[:-1], b"\r"
            else:
                rest_cr = b""
            lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
            rest = lines.pop() + rest_cr
        if lines:
            yield lines
    if rest:
        yield [rest.rstrip(b"\r")]
