"""The `kcli connectors` subcommands: call the REST client, hand the JSON to a formatter, say what happened.

Each run function takes the parsed options (`ConnOptions` and the subcommand's own values); the ones whose
exit code says something (`status`, `task-status`, `create --wait`) return it: 0, or 4 (not RUNNING) after a
notice on stderr; FAILED (3) and every error are raised as KcliError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from kcli.config import parse_assignments
from kcli.connectors import contexts, lag, logic, render
from kcli.connectors.client import ConnectClient, Response, RestError
from kcli.connectors.options import ConnOptions, make_client, resolve
from kcli.errors import KcliError, UsageError
from kcli.output import echo, emit_structured

if TYPE_CHECKING:
    from kcli.clients import ClientOptions

T = TypeVar("T")

# verb -> what the notice says it did (`kcli: paused connector NAME`)
STATE_CHANGES = {"delete": "deleted", "pause": "paused", "resume": "resumed", "stop": "stopped"}


def _echo_err(message: str) -> None:
    echo(f"kcli: {message}", err=True)


def _named(name: str, call: Callable[[], T]) -> T:
    """Run a call about connector `name`; a 404 becomes `connector NAME not found (HTTP 404 …)`."""
    try:
        return call()
    except RestError as exc:
        if exc.status == 404 and "task" not in exc.server_message.lower():
            raise logic.not_found(name, exc) from exc
        raise


def _structured(conn: ConnOptions) -> bool:
    return render.fmt_of(conn.output) in ("json", "yaml")


def _emit_body(resp: Response, conn: ConnOptions, notice: str) -> None:
    """A write command: the worker's JSON on -o json/yaml, else a notice on stderr."""
    if not render.emit_raw(resp.body, conn.output):
        _echo_err(notice)


def _assignments(items: tuple[str, ...]) -> dict[str, str]:
    return parse_assignments(items, option="-c")


def _finish_status(code: int, why: str) -> int:
    """The exit code of a status: FAILED is an error (3), another state a notice and 4."""
    if code == logic.EXIT_FAILED:
        raise KcliError(why, exit_code=code)
    if code:
        _echo_err(why)
    return code


def complete_names(conn: ConnOptions, incomplete: str) -> list[str]:
    """Connector names for shell completion, asked of the worker (quietly none when it does not answer)."""
    try:
        names = ConnectClient(**resolve(conn)).list().body or []  # never prompts for a password
    except (KcliError, OSError, ValueError):
        return []
    return [n for n in sorted(names) if n.startswith(incomplete)]


# -- reading ---------------------------------------------------------------------------------------

def list_connectors(conn: ConnOptions, expand: tuple[str, ...]) -> None:
    render.emit(make_client(conn).list(expand).body, conn.output, render.list_rows)


def get(conn: ConnOptions, name: str) -> None:
    body = _named(name, lambda: make_client(conn).get(name)).body
    if render.emit_raw(body, conn.output):
        return
    flat = {"name": body.get("name"), "type": body.get("type"),
            "tasks": ",".join(str(t.get("task")) for t in body.get("tasks") or [])}
    flat.update({f"config.{k}": v for k, v in sorted((body.get("config") or {}).items())})
    render.emit_kv(flat, conn.output, title=f"connector {name}")


def config(conn: ConnOptions, name: str) -> None:
    render.emit_config(_named(name, lambda: make_client(conn).config(name)).body, conn.output, title=name)


def status(conn: ConnOptions, name: str, wait: str | None, kafka: ClientOptions | None = None) -> int:
    """Print the status (after waiting for state `wait`, when given); the exit code of what it shows.

    With a bootstrap server in `kafka`, a sink's status also shows its lag (a "lag" object in JSON).
    """
    client = make_client(conn)
    if wait:
        result = _named(name, lambda: logic.wait_for_state(client, name, wait.upper(), conn.timeout))
        if result.status is None:
            raise KcliError(result.message)
        _add_lag(client, name, result.status, kafka, conn.timeout)
        render.emit_status(result.status, conn.output)
        if result.code == logic.EXIT_RUNNING:
            return 0
        return _finish_status(result.code, result.message)
    body = _named(name, lambda: client.status(name)).body
    _add_lag(client, name, body, kafka, conn.timeout)
    render.emit_status(body, conn.output)
    return _finish_status(*logic.evaluate(body))


def _add_lag(client: ConnectClient, name: str, body: Any, kafka: ClientOptions | None, timeout: float | None) -> None:
    """Put a sink's lag into its status when a bootstrap server was given; a failure is a warning (the exit
    code stays the status')."""
    if kafka is None or not isinstance(body, dict) or body.get("type") != "sink":
        return
    cfg = lag.given_kafka_config(kafka)
    if cfg is None:
        return
    try:
        config = client.config(name).body or {}
        body["lag"] = lag.measure(cfg, name, config, min(timeout or lag.KAFKA_TIMEOUT, lag.KAFKA_TIMEOUT)).as_json()
    except KcliError as exc:
        _echo_err(f"warning: no lag for connector {name}: {exc}")
        body["lag"] = {"connector": name, "total_lag": None, "error": str(exc)}


def sink_lag(conn: ConnOptions, name: str, kafka: ClientOptions, wait_caught_up: bool) -> None:
    """Print a sink connector's lag per partition and in total; with `wait_caught_up`, first wait (up to
    --timeout, default 60s) until it is 0, and fail (exit 1) after printing it when it is not."""
    client = make_client(conn)
    config = _named(name, lambda: lag.sink_config(client, name))
    cfg = lag.kafka_config(kafka, name, config)
    from kcli.clients import make_admin

    admin = make_admin(cfg)
    kafka_timeout = min(conn.timeout or lag.KAFKA_TIMEOUT, lag.KAFKA_TIMEOUT)

    def once() -> lag.SinkLag:
        return lag.measure(cfg, name, config, kafka_timeout, admin=admin)

    if not wait_caught_up:
        result = once()
        render.emit(result.as_json(), conn.output, render.lag_rows, title=f"connector {name}, group {result.group}")
        return
    waited = conn.timeout if conn.timeout is not None else logic.DEFAULT_WAIT
    result, caught_up = lag.wait_caught_up(once, waited)
    render.emit(result.as_json(), conn.output, render.lag_rows, title=f"connector {name}, group {result.group}")
    if not caught_up:
        raise KcliError(f"connector {name} did not catch up within {waited:g}s ({result.summary()})")
    _echo_err(f"connector {name} is caught up (group {result.group})")


def tasks(conn: ConnOptions, name: str) -> None:
    render.emit(_named(name, lambda: make_client(conn).tasks(name)).body, conn.output, render.tasks_rows)


def task_status(conn: ConnOptions, name: str, task_id: int) -> int:
    body = _named(name, lambda: make_client(conn).task_status(name, task_id)).body
    render.emit(body, conn.output, render.task_status_rows)
    return _finish_status(*logic.evaluate_task(body, name))


def topics(conn: ConnOptions, name: str, reset: bool) -> None:
    client = make_client(conn)
    if reset:
        _named(name, lambda: client.reset_topics(name))
        _echo_err(f"reset the active topics of connector {name}")
        return
    render.emit(_named(name, lambda: client.topics(name)).body, conn.output, render.topics_rows)


# -- writing ---------------------------------------------------------------------------------------

def _wait_after(client: ConnectClient, name: str, conn: ConnOptions) -> int:
    result = logic.wait_for_state(client, name, "RUNNING", conn.timeout)
    if result.code == logic.EXIT_RUNNING:
        _echo_err(result.message)
        return 0
    if result.status is None:
        raise KcliError(result.message)
    return _finish_status(result.code, result.message)


def create(conn: ConnOptions, name: str | None, file: str | None, assignments: tuple[str, ...],
           initial_state: str | None, wait: bool) -> int:
    """Create a connector from a file and/or NAME with -c entries; with `wait`, the exit code of its status."""
    if not file and not assignments:
        raise UsageError("create needs -f FILE or NAME with -c key=value entries")
    config: dict[str, str] = {}
    if file:
        name, config, file_state = logic.load_connector(file, name)
        initial_state = initial_state or file_state
    if not name:
        raise UsageError("create needs a connector NAME (or a file with a 'name' key)")
    config.update(_assignments(assignments))
    config["name"] = name
    client = make_client(conn)
    resp = client.create(name, config, initial_state.upper() if initial_state else None)
    count = len((resp.body or {}).get("tasks") or [])
    _emit_body(resp, conn, f"created connector {name} ({(resp.body or {}).get('type', '?')}, {count} task(s))")
    return _wait_after(client, name, conn) if wait else 0


def update(conn: ConnOptions, name: str, file: str) -> None:
    _, config, _ = logic.load_connector(file, name)
    resp = make_client(conn).put_config(name, config)
    _emit_body(resp, conn, f"{'created' if resp.status == 201 else 'updated'} connector {name}")


def patch(conn: ConnOptions, name: str, assignments: tuple[str, ...], remove: tuple[str, ...]) -> None:
    changes: dict[str, str | None] = dict(_assignments(assignments))
    changes.update({key: None for key in remove})
    if not changes:
        raise UsageError("patch needs -c key=value or --remove KEY")
    resp = _named(name, lambda: make_client(conn).patch_config(name, changes))
    _emit_body(resp, conn, f"patched connector {name}")


def change_state(conn: ConnOptions, verb: str, name: str) -> None:
    """delete, pause, resume or stop (a key of STATE_CHANGES) connector `name`."""
    resp = _named(name, lambda: getattr(make_client(conn), verb)(name))
    _emit_body(resp, conn, f"{STATE_CHANGES[verb]} connector {name}")


def restart(conn: ConnOptions, name: str, include_tasks: bool, only_failed: bool) -> None:
    resp = _named(name, lambda: make_client(conn).restart(name, include_tasks, only_failed))
    if resp.body is not None and not _structured(conn):
        render.emit_status(resp.body, conn.output)
    _emit_body(resp, conn, f"restarting connector {name}")


def restart_task(conn: ConnOptions, name: str, task_id: int) -> None:
    resp = _named(name, lambda: make_client(conn).restart_task(name, task_id))
    _emit_body(resp, conn, f"restarted task {task_id} of connector {name}")


# -- plugins ---------------------------------------------------------------------------------------

def plugins(conn: ConnOptions, all_: bool) -> None:
    render.emit(make_client(conn).plugins(connectors_only=not all_).body, conn.output, render.plugins_rows)


def plugin_config(conn: ConnOptions, plugin: str) -> None:
    render.emit(make_client(conn).plugin_config(plugin).body, conn.output, render.plugin_config_rows)


def validate(conn: ConnOptions, plugin: str, file: str | None, assignments: tuple[str, ...]) -> None:
    """Validate a config against a plugin; errors listed, and a KcliError when there are any."""
    config = logic.load_config_source(file)[0] if file else {}
    config.update(_assignments(assignments))
    if not config:
        raise UsageError("validate needs -f FILE or -c key=value entries")
    config.setdefault("connector.class", plugin)
    body = make_client(conn).validate(plugin, config).body
    render.emit(body, conn.output, render.validate_rows)
    count = int((body or {}).get("error_count") or 0)
    if count:
        raise KcliError(f"the config has {count} error(s) for {plugin}")
    if not _structured(conn):
        _echo_err(f"the config is valid for {plugin}")


# -- offsets ---------------------------------------------------------------------------------------

def offsets_get(conn: ConnOptions, name: str) -> None:
    render.emit(_named(name, lambda: make_client(conn).offsets(name)).body, conn.output, render.offsets_rows)


def offsets_alter(conn: ConnOptions, name: str, file: str | None, offsets: str | None) -> None:
    body = logic.load_offsets(file, offsets)
    resp = _named(name, lambda: make_client(conn).alter_offsets(name, body))
    _emit_body(resp, conn, (resp.body or {}).get("message", f"altered the offsets of {name}"))


def offsets_reset(conn: ConnOptions, name: str) -> None:
    resp = _named(name, lambda: make_client(conn).reset_offsets(name))
    _emit_body(resp, conn, (resp.body or {}).get("message", f"reset the offsets of {name}"))


# -- loggers and the worker ------------------------------------------------------------------------

def loggers_list(conn: ConnOptions) -> None:
    render.emit(make_client(conn).loggers().body, conn.output, render.loggers_rows)


def loggers_get(conn: ConnOptions, logger: str) -> None:
    render.emit_kv(make_client(conn).logger(logger).body, conn.output, title=logger)


def loggers_set(conn: ConnOptions, logger: str, level: str, scope: str | None) -> None:
    resp = make_client(conn).set_logger(logger, level.upper(), scope)
    if resp.body is None and not _structured(conn):
        _echo_err(f"set {logger} to {level.upper()} across the cluster")
    render.emit(resp.body, conn.output, render.names_rows)


def info(conn: ConnOptions) -> None:
    render.emit_kv(make_client(conn).info().body, conn.output, title="worker")


# -- apply -----------------------------------------------------------------------------------------

def apply(conn: ConnOptions, files: tuple[str, ...], dry_run: bool) -> None:
    """Create or update every connector so the cluster matches the files (print the diff with dry_run)."""
    client = make_client(conn)
    changes = logic.plan(client, files)
    if not dry_run:
        for change in changes:
            if change.action != "unchanged":
                client.put_config(change.name, change.desired)
    if render.emit_raw([c.as_json() for c in changes], conn.output):
        return
    done = {"create": "created", "update": "updated", "unchanged": "unchanged"}
    for change in changes:
        if dry_run:
            for line in logic.diff_lines(change):
                echo(line)
        else:
            echo(f"{done[change.action]}\t{change.name}")


# -- contexts --------------------------------------------------------------------------------------

def context_set(name: str, settings: dict[str, Any], timeout: float | None, make_current: bool) -> None:
    """Create or update context `name` from `settings` (contexts.FIELDS but timeout, None = leave as it is)."""
    settings = {**settings, "timeout": f"{int(timeout * 1000)}ms" if timeout is not None else None}
    path = contexts.set_context(name, settings, make_current)
    echo(f"kcli: context {name} saved ({path})", err=True)


def context_use(name: str) -> None:
    contexts.use(name)
    echo(f"kcli: now using context {name}", err=True)


def context_delete(name: str) -> None:
    contexts.delete(name)
    echo(f"kcli: context {name} deleted", err=True)


def context_list(output: str | None) -> None:
    doc = contexts.load()
    safe = {name: {k: v for k, v in ctx.items() if k != "password"} for name, ctx in doc["contexts"].items()}
    if emit_structured({"current": doc.get("current"), "contexts": safe}, render.fmt_of(output)):
        return
    rows = []
    for name, ctx in sorted(doc["contexts"].items()):
        url = ctx.get("url") or []
        rows.append(("*" if name == doc.get("current") else "", name,
                     ",".join(url) if isinstance(url, list) else str(url), ctx.get("user") or ""))
    render.emit(rows, output, lambda r: (("CURRENT", "NAME", "URL", "USER"), r))
