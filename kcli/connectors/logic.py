"""What `kcli connectors` decides, apart from HTTP and printing: status exit codes, waiting, apply plans."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kcli.config import load_connector_file, mask_secrets, read_text
from kcli.connectors.client import ConnectClient, RestError
from kcli.errors import ConfigError, KcliError, UsageError

EXIT_RUNNING = 0
EXIT_FAILED = 3
EXIT_NOT_RUNNING = 4
NOT_RUNNING = ("PAUSED", "STOPPED", "UNASSIGNED", "RESTARTING")
TARGET_STATES = ("RUNNING", "PAUSED", "STOPPED")  # what `create --initial-state` and `status --wait` take
CONFIG_SUFFIXES = (".properties", ".json", ".yaml", ".yml")
DEFAULT_WAIT = 60.0
STDIN = "-"  # `-f -`: the connector config comes from standard input (as kcctl reads it)
STDIN_NAME = "stdin"  # how messages name it: `malformed JSON: … (stdin:1:15)`


def read_stdin() -> str:
    """All of standard input as UTF-8 text (a hint on stderr when it is a terminal)."""
    if sys.stdin is None:
        raise ConfigError("-f - reads the connector config from standard input, but there is none")
    if sys.stdin.isatty():
        print("kcli: reading the connector config from stdin (end it with Ctrl-D)", file=sys.stderr)
    stream = getattr(sys.stdin, "buffer", None)
    try:
        data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read standard input: {exc.strerror or exc} ({STDIN_NAME})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"standard input is not UTF-8 text: {exc.reason} at byte {exc.start} "
                          f"({STDIN_NAME})") from None


def source_name(path: Path | str) -> str:
    """How messages name a connector file: its path, or `stdin` for `-`."""
    return STDIN_NAME if str(path) == STDIN else str(path)


def read_source(path: Path | str) -> str:
    """The text of a file, or of standard input for `-`."""
    return read_stdin() if str(path) == STDIN else read_text(path)


def parse_config_text(text: str, source: str = STDIN_NAME) -> tuple[dict[str, str], str | None]:
    """A connector's config and initial state from text of unknown type, as the file it came from would be
    read: JSON when it starts with `{`, else YAML when it is a YAML mapping, else .properties."""
    from kcli.config.loader import connector_request, json_mapping, parse_properties, parse_yaml

    where = Path(source)
    body = text.lstrip()
    if not body:
        raise ConfigError(f"no connector config given ({source} is empty)")
    if body.startswith(("{", "[")):  # JSON (a top-level list is reported as not being a mapping)
        return connector_request(json_mapping(text, where), where)
    try:
        return parse_yaml(text, where), None
    except ConfigError:  # not YAML, or YAML that is not a mapping (`k=v` lines read as one string)
        return parse_properties(text, where), None


def load_config_source(path: Path | str) -> tuple[dict[str, str], str | None]:
    """A connector's config and initial state from a file (as `connect standalone` reads it) or `-` (stdin)."""
    if str(path) == STDIN:
        return parse_config_text(read_stdin())
    return load_connector_file(path)


def load_offsets(file: str | None, offsets: str | None) -> dict[str, Any]:
    """The body of `offsets alter`: KIP-875's {"offsets": [...]} (a bare list is wrapped) from a file, `-` (stdin)
    or the --offsets text."""
    if bool(file) == bool(offsets):
        raise UsageError("offsets alter needs one of -f FILE or --offsets JSON")
    source = source_name(file) if file else "--offsets"
    text = read_source(file) if file else offsets
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError as exc:
        raise ConfigError(f"malformed JSON: {exc.msg} ({source}:{exc.lineno}:{exc.colno})") from None
    if isinstance(data, list):
        data = {"offsets": data}
    if not isinstance(data, dict) or not isinstance(data.get("offsets"), list):
        raise ConfigError(f'expected {{"offsets": [{{"partition": …, "offset": …}}]}} ({source})')
    return data


def not_found(name: str, exc: RestError) -> KcliError:
    """A 404 about one connector, as a script reads it: `connector X not found at URL (HTTP 404: …)`."""
    return KcliError(f"connector {name} not found at {exc.base_url} ({exc.reason})")


def evaluate(status: Mapping[str, Any]) -> tuple[int, str]:
    """Exit code of a ConnectorStateInfo (0 all RUNNING, 3 any FAILED, 4 otherwise) and why, in one line."""
    name = status.get("name", "?")
    items = [(f"connector {name}", status.get("connector") or {})]
    items += [(f"connector {name} task {t.get('id')}", t) for t in status.get("tasks") or []]
    for label, item in items:
        if item.get("state") == "FAILED":
            trace = (item.get("trace") or "").strip()
            return EXIT_FAILED, f"{label} is FAILED" + (f": {trace.splitlines()[0]}" if trace else "")
    for label, item in items:
        if item.get("state") != "RUNNING":
            return EXIT_NOT_RUNNING, f"{label} is {item.get('state')}"
    return EXIT_RUNNING, f"connector {name} is RUNNING"


def evaluate_task(task: Mapping[str, Any], name: str) -> tuple[int, str]:
    return evaluate({"name": name, "connector": {"state": "RUNNING"}, "tasks": [task]})


def reached(status: Mapping[str, Any], want: str) -> bool:
    """Whether the connector and every task are in `want` (RUNNING needs at least one task)."""
    conn_state = (status.get("connector") or {}).get("state")
    tasks = status.get("tasks") or []
    if want == "STOPPED":
        return conn_state == "STOPPED" and all(t.get("state") in ("STOPPED",) for t in tasks)
    if conn_state != want or not all(t.get("state") == want for t in tasks):
        return False
    return bool(tasks) if want == "RUNNING" else True


@dataclass
class WaitResult:
    code: int
    message: str
    status: Any


def wait_for_state(client: ConnectClient, name: str, want: str, timeout: float | None,
                   interval: float = 0.25, clock: Callable[[], float] = time.monotonic,
                   sleep: Callable[[float], None] = time.sleep) -> WaitResult:
    """Poll the status until the connector and all tasks are `want`; FAILED ends the wait at once (3).

    A 404 just after creation is waited through; on timeout the code is 4 (or 1 when still unknown).
    """
    deadline = clock() + (timeout if timeout is not None else DEFAULT_WAIT)
    last: Any = None
    while True:
        left = deadline - clock()
        resp = client.status(name, ok_404=True, limit=max(left, 0.5))
        if resp.status != 404:
            last = resp.body
            code, why = evaluate(last)
            if code == EXIT_FAILED and want != "FAILED":
                return WaitResult(EXIT_FAILED, why, last)
            if reached(last, want):
                return WaitResult(EXIT_RUNNING, f"connector {name} is {want}", last)
        if clock() >= deadline:
            waited = timeout if timeout is not None else DEFAULT_WAIT
            if last is None:
                return WaitResult(1, f"connector {name} not found after waiting {waited:g}s", None)
            _, why = evaluate(last)
            return WaitResult(EXIT_NOT_RUNNING, f"timed out after {waited:g}s waiting for {want}: {why}", last)
        sleep(min(interval, max(deadline - clock(), 0.0)))


# -- apply ---------------------------------------------------------------------------------------

@dataclass
class Change:
    """One connector of an apply: what the file wants, what the cluster has, and the action."""

    name: str
    source: str
    desired: dict[str, str]
    current: dict[str, str] | None = None
    action: str = "unchanged"  # create | update | unchanged
    diff: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "file": self.source, "action": self.action,
                "changes": [{"op": op, "key": k, "old": o, "new": n} for op, k, o, n in self.diff]}


def config_files(paths: Iterable[str]) -> list[Path | str]:
    """The connector files named, a directory standing for its .properties/.json/.yaml files (sorted); `-` is
    standard input (once)."""
    files: list[Path | str] = []
    for raw in paths:
        if raw == STDIN:
            if STDIN in files:
                raise ConfigError("-f - (standard input) can be given only once")
            files.append(STDIN)
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in CONFIG_SUFFIXES)
            if not found:
                raise ConfigError(f"no .properties, .json or .yaml connector files in directory {path}")
            files += found
        elif path.exists():
            files.append(path)
        else:
            raise ConfigError(f"no such file or directory: {path}")
    return files


def load_connector(path: Path | str, name: str | None = None) -> tuple[str, dict[str, str], str | None]:
    """A connector's name, config and initial state from a file (any form `connect standalone` reads) or `-`."""
    config, initial_state = load_config_source(path)
    where = source_name(path)
    file_name = config.get("name")
    if name and file_name and file_name != name:
        raise ConfigError(f"the file names connector '{file_name}', not '{name}' ({where})")
    chosen = name or file_name
    if not chosen:
        raise ConfigError(f"missing required key 'name' ({where})")
    config["name"] = chosen
    return chosen, config, initial_state


def diff_configs(current: Mapping[str, str] | None,
                 desired: Mapping[str, str]) -> list[tuple[str, str, str | None, str | None]]:
    """(op, key, old, new) for every key that differs; op is '+', '-' or '~'."""
    current = current or {}
    out: list[tuple[str, str, str | None, str | None]] = []
    for key in sorted(set(current) | set(desired)):
        old, new = current.get(key), desired.get(key)
        if old == new:
            continue
        op = "+" if old is None else "-" if new is None else "~"
        out.append((op, key, old, new))
    return out


def plan(client: ConnectClient, paths: Iterable[str]) -> list[Change]:
    """Compare every file with the cluster: create, update or leave alone."""
    changes: list[Change] = []
    seen: dict[str, str] = {}
    for path in config_files(paths):
        name, desired, _ = load_connector(path)
        source = source_name(path)
        if name in seen:
            raise ConfigError(f"connector '{name}' is defined twice ({seen[name]} and {source})")
        seen[name] = source
        current = client.config(name, ok_404=True).body
        change = Change(name, source, desired, current)
        change.diff = diff_configs(current, desired)
        change.action = "create" if current is None else ("update" if change.diff else "unchanged")
        changes.append(change)
    return changes


def diff_lines(change: Change) -> list[str]:
    """The dry-run form of one change; secret values are masked."""
    head = {"create": "+", "update": "~", "unchanged": "="}[change.action]
    lines = [f"{head} {change.name} ({change.action}, {change.source})"]
    masked_old = mask_secrets({k: o for _, k, o, _ in change.diff if o is not None})
    masked_new = mask_secrets({k: n for _, k, _, n in change.diff if n is not None})
    for op, key, _old, _new in change.diff:
        if op == "+":
            lines.append(f"    + {key}={masked_new[key]}")
        elif op == "-":
            lines.append(f"    - {key}={masked_old[key]}")
        else:
            lines.append(f"    ~ {key}: {masked_old[key]} -> {masked_new[key]}")
    return lines
