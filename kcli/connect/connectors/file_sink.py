"""FileStreamSink: writes each record's value as one line to a file (append) or stdout."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

from kcli.connect.api.connector import SinkConnector
from kcli.connect.api.records import SinkRecord, TopicPartition
from kcli.connect.api.task import SinkTask
from kcli.connect.errors import ConnectError

if TYPE_CHECKING:
    from kcli.connect.configdef import ConfigDef


def java_string(value: Any) -> str:
    """String.valueOf(value) as Java prints Connect values."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_string(k)}={java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(java_string(v) for v in value) + "]"
    if isinstance(value, float):
        text = repr(value)
        return {"inf": "Infinity", "-inf": "-Infinity", "nan": "NaN"}.get(text, text)
    if isinstance(value, (bytes, bytearray)):
        return "[B@" + format(id(value) & 0xFFFFFFF, "x")
    return str(value)


def sink_config_def() -> ConfigDef:
    from kcli.connect.configdef import ConfigDef, Importance, Type

    cd = ConfigDef()
    cd.define("file", Type.STRING, None, importance=Importance.HIGH,
              documentation="Destination filename. If not specified, the standard output will be used")
    return cd


class FileStreamSinkConnector(SinkConnector):
    def start(self, props: dict[str, str]) -> None:
        self._props = dict(props)

    def stop(self) -> None:
        pass

    def task_class(self) -> type[SinkTask]:
        return FileStreamSinkTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        return [dict(self._props) for _ in range(max_tasks)]

    def config_def(self) -> ConfigDef:
        return sink_config_def()

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        return True


class FileStreamSinkTask(SinkTask):
    def start(self, props: dict[str, str]) -> None:
        self._filename = props.get("file") or None
        self._out: TextIO
        if self._filename is None:
            self._out = sys.stdout
        else:
            try:
                self._out = open(self._filename, "a", encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                raise ConnectError(f"Couldn't find or create file '{self._filename}' for FileStreamSinkTask: "
                                   f"{exc.strerror}") from exc

    def put(self, records: list[SinkRecord]) -> None:
        if records:  # written through at once, as Apache's PrintStream does; flush() stays the durability point
            self._out.write("".join(java_string(r.value) + "\n" for r in records))
            self._out.flush()

    def flush(self, current_offsets: dict[TopicPartition, int]) -> None:
        self._out.flush()

    def stop(self) -> None:
        out = getattr(self, "_out", None)  # None when stopped before start (a task created paused)
        if out is not None and out is not sys.stdout and not out.closed:
            out.close()
