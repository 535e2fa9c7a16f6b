"""FileStreamSource: one record per line of a file (or stdin), resumable by byte position."""

from __future__ import annotations

import logging
import os
import select
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, BinaryIO

from kcli.connect.api.connector import SUPPORTED, UNSUPPORTED, SourceConnector
from kcli.connect.api.records import SourceRecord
from kcli.connect.api.task import SourceTask
from kcli.connect.errors import ConnectError

if TYPE_CHECKING:
    from kcli.connect.configdef import ConfigDef

log = logging.getLogger("kcli.connect.file.FileStreamSourceTask")

FILE_CONFIG, TOPIC_CONFIG, BATCH_SIZE_CONFIG = "file", "topic", "batch.size"
DEFAULT_BATCH_SIZE = 2000
WAIT_SECONDS = 1.0  # as Apache: wait this long when there is no data or no file yet
READ_SIZE = 1 << 20


def file_config_def() -> ConfigDef:
    from kcli.connect.configdef import ConfigDef, Importance, NonEmptyString, Type

    cd = ConfigDef()
    cd.define(FILE_CONFIG, Type.STRING, None, importance=Importance.HIGH,
              documentation="Source filename. If not specified, the standard input will be used")
    cd.define(TOPIC_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, validator=NonEmptyString(),
              importance=Importance.HIGH, documentation="The topic to publish data to")
    cd.define(BATCH_SIZE_CONFIG, Type.INT, DEFAULT_BATCH_SIZE, importance=Importance.LOW,
              documentation="The maximum number of records the source task can read from the file each time it "
                            "is polled")
    return cd


def _is_line_start(stream: BinaryIO, pos: int) -> bool:
    if pos <= 0:
        return True
    stream.seek(pos - 1)
    prev = stream.read(1)
    return prev in (b"\n", b"\r", b"")


def _line_start(stream: BinaryIO, pos: int) -> int:
    """The byte position to resume at for a stored position.

    kcli stores byte positions. Apache's worker stores a count of Java chars (UTF-16 units), which
    differs after non-ASCII text: when `pos` bytes is not at a line start but `pos` chars is, the
    offset came from Apache's worker and the char count is converted to bytes.
    """
    if _is_line_start(stream, pos):
        return pos
    stream.seek(0)
    head = stream.read(pos * 4 + 4)
    units = consumed = 0
    for ch in head.decode("utf-8", "replace"):
        if units >= pos:
            break
        units += 2 if ord(ch) > 0xFFFF else 1
        consumed += len(ch.encode("utf-8")) if ch != "\ufffd" else 1
    if units == pos and _is_line_start(stream, consumed):
        log.info("Stored position %d is a character count (written by Apache's worker): resuming at byte %d",
                 pos, consumed)
        return consumed
    return pos


class FileStreamSourceConnector(SourceConnector):
    """Reads lines from a file (or stdin) into one topic."""

    def start(self, props: dict[str, str]) -> None:
        topic = (props.get(TOPIC_CONFIG) or "").strip()
        if not topic:
            raise ConnectError(f"Invalid value {props.get(TOPIC_CONFIG)} for configuration topic: "
                               "String must be non-empty")
        batch = props.get(BATCH_SIZE_CONFIG, str(DEFAULT_BATCH_SIZE))
        try:
            int(batch)
        except ValueError:
            raise ConnectError(f"Invalid value {batch} for configuration batch.size: Not a number of type INT") \
                from None
        self._props = dict(props)

    def stop(self) -> None:
        pass

    def task_class(self) -> type[SourceTask]:
        return FileStreamSourceTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self._props)]  # one task, whatever tasks.max says (as Apache)

    def config_def(self) -> ConfigDef:
        return file_config_def()

    def exactly_once_support(self, props: dict[str, str]) -> str | None:
        return SUPPORTED if props.get(FILE_CONFIG) else UNSUPPORTED

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        if not connector_config.get(FILE_CONFIG):
            raise ConnectError("Offsets cannot be modified if the 'file' configuration is unspecified. This is "
                               "because stdin is used for input and offsets are not tracked.", status=400)
        for partition, offset in offsets.items():
            part = dict(partition) if not isinstance(partition, dict) else partition
            if "filename" not in part:
                raise ConnectError("Partition objects for this connector must contain the key 'filename'", 400)
            if offset is None:
                continue
            pos = offset.get("position") if isinstance(offset, dict) else None
            if isinstance(offset, dict) and "position" not in offset:
                raise ConnectError("Offset objects should either be null or contain the key 'position'", 400)
            if isinstance(pos, bool) or not isinstance(pos, int):
                raise ConnectError("The value for the 'position' key in the offset is expected to be a Long value",
                                   400)
            if pos < 0:
                raise ConnectError("The value for the 'position' key in the offset should be a non-negative value",
                                   400)
        return True


class FileStreamSourceTask(SourceTask):
    """Emits each complete line once; the offset is the byte position after the line's terminator."""

    def start(self, props: dict[str, str]) -> None:
        from kcli.connect.api.data import Schema

        self._filename = props.get(FILE_CONFIG) or None
        self._topic = props[TOPIC_CONFIG]
        self._batch_size = int(props.get(BATCH_SIZE_CONFIG, DEFAULT_BATCH_SIZE))
        self._schema = Schema.STRING_SCHEMA
        self._partition: dict[str, Any] = {"filename": self._filename}
        self._stream: BinaryIO | None = None
        self._fd: int | None = None
        self._buf = b""
        self._lines: list[bytes] = []  # complete lines not yet emitted, with their end positions
        self._ends: list[int] = []
        self._line_index = 0
        self._position = 0  # byte position just after the buffered data
        self._stopping = threading.Event()
        self._warned_missing = False
        self._stdin_eof = False

    # -- opening -------------------------------------------------------------------------------
    def _open(self) -> bool:
        if self._filename is None:
            self._fd = sys.stdin.fileno()
            log.debug("Reading from stdin")
            return True
        try:
            stream = open(self._filename, "rb", buffering=0)  # noqa: SIM115 - kept open across polls
        except FileNotFoundError:
            if not self._warned_missing:
                log.warning("Couldn't find file %s for FileStreamSourceTask, sleeping to wait for it to be created",
                            self._filename)
                self._warned_missing = True
            return False
        except OSError as exc:
            raise ConnectError(f"Error while trying to open file {self._filename}: {exc.strerror}") from exc
        position = 0
        reader = self.context.offset_storage_reader if self.context else None
        offset = reader.offset(self._partition) if reader else None
        if offset:
            pos = offset.get("position")
            if pos is not None:
                if isinstance(pos, bool) or not isinstance(pos, int):
                    stream.close()
                    raise ConnectError("Offset position is the incorrect type")
                log.debug("Found previous offset, trying to skip to file offset %d", pos)
                position = _line_start(stream, pos)
                stream.seek(position)
        self._stream = stream
        self._fd = stream.fileno()
        self._position = position
        log.debug("Opened %s for reading", self._filename)
        return True

    # -- reading -------------------------------------------------------------------------------
    def _read(self) -> bool:
        """Read what is available into the line list; False when nothing new arrived."""
        fd = self._fd
        assert fd is not None
        if self._stream is None:  # stdin: do not block past the wait
            if self._stdin_eof:
                return False
            ready, _, _ = select.select([fd], [], [], WAIT_SECONDS)
            if not ready:
                return False
        chunk = os.read(fd, READ_SIZE)
        if not chunk:
            self._stdin_eof = self._stream is None
            return False
        buf = self._buf + chunk if self._buf else chunk
        start_pos = self._position - len(self._buf)
        self._position += len(chunk)
        if b"\r" not in buf:
            parts = buf.split(b"\n")
            self._buf = parts.pop()
            pos = start_pos
            ends: list[int] = []
            append = ends.append
            for line in parts:
                pos += len(line) + 1
                append(pos)
            self._lines, self._ends, self._line_index = parts, ends, 0
            return True
        lines: list[bytes] = []
        ends = []
        i, n = 0, len(buf)
        while i < n:
            j_n = buf.find(b"\n", i)
            j_r = buf.find(b"\r", i)
            if j_r != -1 and (j_n == -1 or j_r < j_n):
                if j_r + 1 >= n:  # a trailing '\r' may be the first half of "\r\n": wait for more
                    break
                lines.append(buf[i:j_r])
                i = j_r + 2 if buf[j_r + 1] == 0x0A else j_r + 1
            elif j_n != -1:
                lines.append(buf[i:j_n])
                i = j_n + 1
            else:
                break
            ends.append(start_pos + i)
        self._buf = buf[i:]
        self._lines, self._ends, self._line_index = lines, ends, 0
        return True

    def poll(self) -> list[SourceRecord] | None:
        if self._fd is None and not self._open():
            self._stopping.wait(WAIT_SECONDS)
            return None
        if self._line_index >= len(self._lines):
            self._lines, self._ends = [], []
            try:
                got = self._read()
            except OSError as exc:
                raise ConnectError(f"Error reading {self._filename or 'stdin'}: {exc.strerror}") from exc
            if not got or not self._lines:
                if self._stream is not None or self._stdin_eof:
                    self._stopping.wait(WAIT_SECONDS)
                return None
        start = self._line_index
        stop = min(len(self._lines), start + self._batch_size)
        self._line_index = stop
        partition, topic, schema = self._partition, self._topic, self._schema
        stdin = self._stream is None
        now = int(time.time() * 1000)
        out: list[SourceRecord] = []
        append = out.append
        ends = self._ends
        for k, line in enumerate(self._lines[start:stop], start):
            append(SourceRecord(partition, {"position": None if stdin else ends[k]}, topic, None, None, None,
                                schema, line.decode("utf-8", "replace"), now))
        return out

    def stop(self) -> None:
        self._stopping.set()
        if self._stream is not None:
            try:
                self._stream.close()
            except OSError:
                pass
            self._stream = None
