"""Formatters for `kcli connectors`: the worker's JSON as json/yaml (untouched), text lines, rich tables.

Text (the default on a pipe) prints one line per item, fields separated by a tab, no header; a single
object prints `key=value` lines. Table (the default on a TTY) shows the same rows under a header.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from kcli import output
from kcli.output import default_format, echo, emit_structured, stdout_console

Rows = tuple[Sequence[str], Sequence[Sequence[Any]]]


def fmt_of(output: str | None) -> str:
    return default_format(output, table_available=True)


def compact(value: Any) -> str:
    """A JSON value on one line (strings stay bare)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def first_line(trace: str | None) -> str:
    return (trace or "").strip().splitlines()[0] if (trace or "").strip() else ""


def emit(data: Any, output: str | None, rows: Callable[[Any], Rows], title: str | None = None) -> None:
    """Print data as json/yaml (untouched), text lines, or a rich table built from rows(data)."""
    fmt = fmt_of(output)
    if data is None:
        return
    if emit_structured(data, fmt):
        return
    headers, body = rows(data)
    if fmt == "table":
        print_table(headers, body, title)
    else:
        for row in body:
            echo("\t".join("" if v is None else str(v) for v in row))


def emit_raw(data: Any, output: str | None) -> bool:
    """The worker's JSON untouched, when json/yaml was asked for; False otherwise (nothing printed)."""
    fmt = fmt_of(output)
    if fmt not in ("json", "yaml"):
        return False
    if data is not None:
        emit_structured(data, fmt)
    return True


def emit_kv(data: Mapping[str, Any] | None, output: str | None, title: str | None = None) -> None:
    """A single object: `key=value` lines on a pipe, a two-column table on a TTY."""
    fmt = fmt_of(output)
    if data is None or emit_structured(data, fmt):
        return
    if fmt == "table":
        print_table(("KEY", "VALUE"), [(k, compact(v)) for k, v in data.items()], title)
        return
    for key, value in data.items():
        echo(f"{key}={'' if value is None else compact(value)}")


def emit_config(data: Mapping[str, str] | None, output: str | None, title: str | None = None) -> None:
    """A connector config: sorted `key=value` lines (a .properties file) on a pipe."""
    if data is not None and fmt_of(output) not in ("json", "yaml"):
        data = dict(sorted(data.items()))
    emit_kv(data, output, title)


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> None:
    output.print_table(headers, rows, title)


# -- rows of each listing ------------------------------------------------------------------------

MISSING = "-"  # an unknown offset or lag, as kafka-consumer-groups.sh prints it
STATE_STYLE = {"RUNNING": "green", "FAILED": "bold red", "PAUSED": "yellow", "STOPPED": "yellow",
               "UNASSIGNED": "magenta", "RESTARTING": "cyan"}


def task_summary(status: Mapping[str, Any]) -> str:
    return ",".join(f"{t.get('id')}:{t.get('state')}" for t in status.get("tasks") or []) or "-"


def list_rows(data: Any) -> Rows:
    """GET /connectors: a list of names, or with ?expand a map name -> {status, info}."""
    if isinstance(data, list):
        return ("NAME",), [(n,) for n in sorted(data)]
    rows = []
    for name in sorted(data):
        item = data[name] or {}
        status, info = item.get("status"), item.get("info")
        kind = (status or info or {}).get("type", "")
        row: list[Any] = [name, kind]
        if status is not None:
            row += [(status.get("connector") or {}).get("state", ""), task_summary(status)]
        if info is not None:
            row += [(info.get("config") or {}).get("connector.class", ""), len(info.get("tasks") or [])]
        rows.append(row)
    headers = ["NAME", "TYPE"]
    sample: Mapping[str, Any] = next(iter(data.values()), {}) or {}
    if "status" in sample:
        headers += ["STATE", "TASKS"]
    if "info" in sample:
        headers += ["CLASS", "TASK COUNT"]
    return headers, rows


def status_rows(data: Mapping[str, Any]) -> Rows:
    """ConnectorStateInfo: the connector line, then one line per task (FAILED ones with the trace's first line).

    A sink's status that kcli gave a "lag" (`status --bootstrap-server`) has a LAG column: the connector's total.
    """
    conn = data.get("connector") or {}
    lag = data.get("lag")
    rows: list[Sequence[Any]] = [("connector", data.get("name"), conn.get("state"), conn.get("worker_id"),
                                  first_line(conn.get("trace")))]
    for task in data.get("tasks") or []:
        rows.append(("task", task.get("id"), task.get("state"), task.get("worker_id"), first_line(task.get("trace"))))
    headers: tuple[str, ...] = ("KIND", "NAME/ID", "STATE", "WORKER", "TRACE")
    if isinstance(lag, Mapping):
        headers = ("KIND", "NAME/ID", "STATE", "WORKER", "LAG", "TRACE")
        total = lag_total(lag)
        rows = [(*row[:4], total if i == 0 else "", row[4]) for i, row in enumerate(rows)]
    return headers, rows


def lag_total(lag: Mapping[str, Any]) -> str:
    """A SinkLag's total as shown: the number, `-` when nothing could be measured, `N+` when some partitions
    have records but nothing committed yet."""
    if lag.get("total_lag") is None:
        return MISSING
    unknown = any(p.get("lag") is None and p.get("log_end_offset") != 0 for p in lag.get("partitions") or [])
    return f"{lag['total_lag']}+" if unknown else str(lag["total_lag"])


def lag_rows(data: Mapping[str, Any]) -> Rows:
    """`connectors lag`: one line per partition (`-` where unknown), then the TOTAL line."""
    rows: list[Sequence[Any]] = [(p.get("topic"), p.get("partition"), _dash(p.get("current_offset")),
                                  _dash(p.get("log_end_offset")), _dash(p.get("lag")))
                                 for p in data.get("partitions") or []]
    rows.append(("TOTAL", "", "", "", lag_total(data)))
    return ("TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"), rows


def _dash(value: Any) -> Any:
    return MISSING if value is None else value


def task_status_rows(data: Mapping[str, Any]) -> Rows:
    return ("ID", "STATE", "WORKER", "TRACE"), [(data.get("id"), data.get("state"), data.get("worker_id"),
                                                 first_line(data.get("trace")))]


def emit_status(data: Mapping[str, Any] | None, output: str | None) -> None:
    """Connector status: a rich tree on a TTY, text lines on a pipe, JSON/YAML untouched."""
    fmt = fmt_of(output)
    if data is None or emit_structured(data, fmt):
        return
    if fmt != "table":
        emit(data, "text", status_rows)
        return
    from rich.tree import Tree

    def label(kind: str, ident: Any, item: Mapping[str, Any], extra: str = "") -> str:
        state = item.get("state", "")
        style = STATE_STYLE.get(state, "")
        text = f"{kind} [bold]{ident}[/] [{style}]{state}[/]" if style else f"{kind} {ident} {state}"
        if item.get("worker_id"):
            text += f" [dim]on {item['worker_id']}[/]"
        text += extra
        if item.get("trace"):
            text += f"\n[red]{first_line(item['trace'])}[/]"
        return text

    lag = data.get("lag")
    extra = f" lag [bold]{lag_total(lag)}[/]" if isinstance(lag, Mapping) else ""
    tree = Tree(label(f"{data.get('type', '')} connector", data.get("name"), data.get("connector") or {}, extra))
    for task in data.get("tasks") or []:
        tree.add(label("task", task.get("id"), task))
    stdout_console().print(tree, highlight=False)


def tasks_rows(data: Sequence[Mapping[str, Any]]) -> Rows:
    rows = [((t.get("id") or {}).get("task"), (t.get("config") or {}).get("task.class", ""),
             compact({k: v for k, v in (t.get("config") or {}).items() if k != "task.class"}))
            for t in data]
    return ("TASK", "CLASS", "CONFIG"), rows


def topics_rows(data: Mapping[str, Any]) -> Rows:
    rows = [(topic,) for item in data.values() for topic in sorted((item or {}).get("topics") or [])]
    return ("TOPIC",), rows


def plugins_rows(data: Sequence[Mapping[str, Any]]) -> Rows:
    return ("CLASS", "TYPE", "VERSION"), [(p.get("class"), p.get("type"), p.get("version", "")) for p in data]


def plugin_config_rows(data: Sequence[Mapping[str, Any]]) -> Rows:
    rows = [(k.get("name"), k.get("type"), "yes" if k.get("required") else "no", k.get("default_value"),
             k.get("importance"), (k.get("documentation") or "").splitlines()[0] if k.get("documentation") else "")
            for k in data]
    return ("NAME", "TYPE", "REQUIRED", "DEFAULT", "IMPORTANCE", "DOCUMENTATION"), rows


def validate_rows(data: Mapping[str, Any]) -> Rows:
    """The keys with errors, one line per error; nothing when the config is valid."""
    rows = []
    for item in data.get("configs") or []:
        value = item.get("value") or {}
        for error in value.get("errors") or []:
            rows.append((value.get("name"), error))
    return ("KEY", "ERROR"), rows


def offsets_rows(data: Mapping[str, Any]) -> Rows:
    rows = [(compact(o.get("partition")), compact(o.get("offset"))) for o in data.get("offsets") or []]
    return ("PARTITION", "OFFSET"), rows


def loggers_rows(data: Mapping[str, Any]) -> Rows:
    rows = [(name, (v or {}).get("level"), (v or {}).get("last_modified")) for name, v in sorted(data.items())]
    return ("LOGGER", "LEVEL", "LAST MODIFIED"), rows


def names_rows(data: Sequence[Any]) -> Rows:
    return ("NAME",), [(n,) for n in data]
