"""The `kcli connectors` click commands: parse flags, call the REST client, hand the JSON to a formatter."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from kcli.cli.types import JavaInt
from kcli.config import parse_assignments, read_text
from kcli.connectors_view import logic, render
from kcli.connectors_view.options import ConnOptions, connection_options, make_client, resolve
from kcli.errors import ConfigError, KcliError, UsageError
from kcli.rest_client import ConnectClient, Response, RestError

T = TypeVar("T")

EXIT_REST = "1 REST error or worker unreachable (404: connector not found)"
CODES_PLAIN = f"Exit codes: 0 success; {EXIT_REST}; 2 usage or input error."
CODES_STATUS = (f"Exit codes: 0 the connector and all its tasks are RUNNING (--wait: reached STATE); 3 the "
                f"connector or a task is FAILED (first trace line on stderr); 4 PAUSED, STOPPED, UNASSIGNED or "
                f"RESTARTING (--wait: timed out); {EXIT_REST}; 2 usage error.")
CODES_VALIDATE = f"Exit codes: 0 the config is valid; 1 it has errors (listed), or {EXIT_REST}; 2 usage error."
CODES_CREATE = (f"Exit codes: 0 created (--wait: and RUNNING); {EXIT_REST}, 409 when it exists; 2 usage or "
                f"input error; with --wait 3 a task FAILED, 4 not RUNNING in time.")
CODES_APPLY = f"Exit codes: 0 applied (or diff printed); {EXIT_REST}; 2 malformed file or usage error."


def _echo_err(message: str) -> None:
    click.echo(f"kcli: {message}", err=True)


def _named(name: str, call: Callable[[], T]) -> T:
    """Run a call about connector `name`; a 404 becomes `connector NAME not found (HTTP 404 …)`."""
    try:
        return call()
    except RestError as exc:
        if exc.status == 404 and "task" not in exc.server_message.lower():
            raise logic.not_found(name, exc) from exc
        raise


def _client(conn: ConnOptions) -> ConnectClient:
    return make_client(conn)


def _structured(conn: ConnOptions) -> bool:
    return render.fmt_of(conn.output) in ("json", "yaml")


def _emit_body(resp: Response, conn: ConnOptions, notice: str) -> None:
    """A write command: the worker's JSON on -o json/yaml, else a notice on stderr."""
    if not render.emit_raw(resp.body, conn.output):
        _echo_err(notice)


def _assignments(items: tuple[str, ...], option: str = "-c") -> dict[str, str]:
    return parse_assignments(items, option=option)


def _complete_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of connector names, asked of the worker (quietly nothing when it does not answer)."""
    try:
        outer = (ctx.parent.params if ctx.parent else None) or {}
        conn = ConnOptions(urls=tuple(ctx.params.get("urls") or outer.get("urls") or ()),
                           context=ctx.params.get("context") or outer.get("context"), timeout=2.0)
        names = ConnectClient(**resolve(conn)).list().body or []  # never prompts for a password
    except (KcliError, OSError, ValueError):
        return []
    return [n for n in sorted(names) if n.startswith(incomplete)]


NAME = click.argument("name", shell_complete=_complete_names)


class _Group(click.Group):
    """The connectors group: a worker's JSON of an unexpected shape is one error line, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (AttributeError, TypeError, KeyError, IndexError) as exc:
            raise KcliError(f"the worker's answer does not have the shape of the Connect REST API "
                            f"({type(exc).__name__}: {exc}); --debug shows where") from exc


GROUP_EPILOG = ("Exit codes: 0 success; 1 REST error or worker unreachable; 2 usage or input error; 3/4 "
                "`status`: FAILED / not RUNNING. Every subcommand lists its own in its --help. ")


@click.group(name="connectors", cls=_Group, epilog=GROUP_EPILOG +
             "Contexts live in $KCLI_CONFIG_DIR, $XDG_CONFIG_HOME/kcli or ~/.config/kcli (contexts.yaml).")
@connection_options
@click.pass_context
def group(ctx: click.Context, conn: ConnOptions) -> None:
    """Manage connectors through the Connect REST API (any Apache or kcli worker)."""
    ctx.ensure_object(dict)
    ctx.obj["conn"] = conn


@group.command("list", epilog=CODES_PLAIN)
@click.option("--expand", type=click.Choice(["status", "info"]), multiple=True, help="Add status and/or info.")
@connection_options
def list_cmd(expand: tuple[str, ...], conn: ConnOptions) -> None:
    """List connectors (one name per line; --expand adds type, state, tasks, class)."""
    render.emit(_client(conn).list(expand).body, conn.output, render.list_rows)


@group.command("get", epilog=CODES_PLAIN)
@NAME
@connection_options
def get_cmd(name: str, conn: ConnOptions) -> None:
    """Show a connector: name, type, tasks and config."""
    body = _named(name, lambda: _client(conn).get(name)).body
    if render.emit_raw(body, conn.output):
        return
    flat = {"name": body.get("name"), "type": body.get("type"),
            "tasks": ",".join(str(t.get("task")) for t in body.get("tasks") or [])}
    flat.update({f"config.{k}": v for k, v in sorted((body.get("config") or {}).items())})
    render.emit_kv(flat, conn.output, title=f"connector {name}")


@group.command("config", epilog=CODES_PLAIN)
@NAME
@connection_options
def config_cmd(name: str, conn: ConnOptions) -> None:
    """Print a connector's config (as .properties lines on a pipe)."""
    render.emit_config(_named(name, lambda: _client(conn).config(name)).body, conn.output, title=name)


def _finish_status(status: Any, code: int, why: str) -> None:
    if code == logic.EXIT_FAILED:
        raise KcliError(why, exit_code=code)
    if code:
        _echo_err(why)
        click.get_current_context().exit(code)


@group.command("status", epilog=CODES_STATUS)
@NAME
@click.option("--wait", "wait", type=click.Choice(logic.WAIT_STATES, case_sensitive=False), default=None,
              metavar="STATE", help="Poll until the connector and every task are STATE (RUNNING, PAUSED, STOPPED); "
                                    "FAILED ends the wait at once (exit 3). Bounded by --timeout (default 60s).")
@connection_options
def status_cmd(name: str, wait: str | None, conn: ConnOptions) -> None:
    """Show a connector's state and its tasks'; the exit code says whether all are RUNNING."""
    client = _client(conn)
    if wait:
        result = _named(name, lambda: logic.wait_for_state(client, name, wait.upper(), conn.timeout))
        if result.status is None:
            raise KcliError(result.message)
        render.emit_status(result.status, conn.output)
        if result.code == logic.EXIT_RUNNING:
            return
        _finish_status(result.status, result.code, result.message)
        return
    status = _named(name, lambda: client.status(name)).body
    render.emit_status(status, conn.output)
    _finish_status(status, *logic.evaluate(status))


@group.command("tasks", epilog=CODES_PLAIN)
@NAME
@connection_options
def tasks_cmd(name: str, conn: ConnOptions) -> None:
    """List a connector's tasks and their configs."""
    render.emit(_named(name, lambda: _client(conn).tasks(name)).body, conn.output, render.tasks_rows)


@group.command("task-status", epilog=CODES_STATUS.replace("the connector and all its tasks are", "the task is"))
@NAME
@click.argument("task_id", metavar="ID", type=JavaInt(minimum=0))
@connection_options
def task_status_cmd(name: str, task_id: int, conn: ConnOptions) -> None:
    """Show one task's state (exit codes as `status`)."""
    body = _named(name, lambda: _client(conn).task_status(name, task_id)).body
    render.emit(body, conn.output, render.task_status_rows)
    _finish_status(body, *logic.evaluate_task(body, name))


@group.command("topics", epilog=CODES_PLAIN)
@NAME
@click.option("--reset", is_flag=True, help="Forget the topics the connector used (PUT …/topics/reset).")
@connection_options
def topics_cmd(name: str, reset: bool, conn: ConnOptions) -> None:
    """List the topics a connector has used (one per line)."""
    client = _client(conn)
    if reset:
        _named(name, lambda: client.reset_topics(name))
        _echo_err(f"reset the active topics of connector {name}")
        return
    render.emit(_named(name, lambda: client.topics(name)).body, conn.output, render.topics_rows)


def _wait_after(client: ConnectClient, name: str, conn: ConnOptions) -> None:
    result = logic.wait_for_state(client, name, "RUNNING", conn.timeout)
    if result.code == logic.EXIT_RUNNING:
        _echo_err(result.message)
        return
    if result.status is None:
        raise KcliError(result.message)
    _finish_status(result.status, result.code, result.message)


@group.command("create", epilog=CODES_CREATE)
@click.argument("name", required=False)
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Connector file: .properties, .json ({name, config} or flat) or .yaml; - reads stdin.")
@click.option("-c", "--config", "assignments", multiple=True, metavar="KEY=VALUE", help="A config entry (repeat).")
@click.option("--initial-state", type=click.Choice(["RUNNING", "PAUSED", "STOPPED"], case_sensitive=False),
              help="State to create the connector in (Kafka 3.7+ workers).")
@click.option("--wait", is_flag=True, help="Then wait until the connector and its tasks are RUNNING.")
@connection_options
def create_cmd(name: str | None, file: str | None, assignments: tuple[str, ...], initial_state: str | None,
               wait: bool, conn: ConnOptions) -> None:
    """Create a connector from a file (-f) or from NAME and -c key=value entries."""
    if not file and not assignments:
        raise UsageError("create needs -f FILE or NAME with -c key=value entries")
    config: dict[str, str] = {}
    if file:
        name, config = logic.load_connector(file, name)
    if not name:
        raise UsageError("create needs a connector NAME (or a file with a 'name' key)")
    config.update(_assignments(assignments))
    config["name"] = name
    client = _client(conn)
    resp = client.create(name, config, initial_state.upper() if initial_state else None)
    tasks = len((resp.body or {}).get("tasks") or [])
    _emit_body(resp, conn, f"created connector {name} ({(resp.body or {}).get('type', '?')}, {tasks} task(s))")
    if wait:
        _wait_after(client, name, conn)


@group.command("update", epilog=CODES_PLAIN)
@NAME
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False, allow_dash=True), required=True,
              help="The new full config (.properties, .json or .yaml; - reads stdin).")
@connection_options
def update_cmd(name: str, file: str, conn: ConnOptions) -> None:
    """Replace a connector's config (PUT; creates the connector when it does not exist)."""
    _, config = logic.load_connector(file, name)
    resp = _client(conn).put_config(name, config)
    _emit_body(resp, conn, f"{'created' if resp.status == 201 else 'updated'} connector {name}")


@group.command("patch", epilog=CODES_PLAIN)
@NAME
@click.option("-c", "--config", "assignments", multiple=True, metavar="KEY=VALUE", help="Set a key (repeat).")
@click.option("--remove", multiple=True, metavar="KEY", help="Remove a key (repeat).")
@connection_options
def patch_cmd(name: str, assignments: tuple[str, ...], remove: tuple[str, ...], conn: ConnOptions) -> None:
    """Change some keys of a connector's config (PATCH, Kafka 3.8+ workers)."""
    changes: dict[str, str | None] = dict(_assignments(assignments))
    changes.update({key: None for key in remove})
    if not changes:
        raise UsageError("patch needs -c key=value or --remove KEY")
    resp = _named(name, lambda: _client(conn).patch_config(name, changes))
    _emit_body(resp, conn, f"patched connector {name}")


def _simple(verb: str, doc: str, call: Callable[[ConnectClient, str], Response], done: str) -> None:
    @group.command(verb, epilog=CODES_PLAIN, help=doc)
    @NAME
    @connection_options
    def _cmd(name: str, conn: ConnOptions) -> None:
        resp = _named(name, lambda: call(_client(conn), name))
        _emit_body(resp, conn, f"{done} connector {name}")


_simple("delete", "Delete a connector.", lambda c, n: c.delete(n), "deleted")
_simple("pause", "Pause a connector and its tasks.", lambda c, n: c.pause(n), "paused")
_simple("resume", "Resume a paused or stopped connector.", lambda c, n: c.resume(n), "resumed")
_simple("stop", "Stop a connector: shut its tasks down, keep its config (Kafka 3.5+).", lambda c, n: c.stop(n),
        "stopped")


@group.command("restart", epilog=CODES_PLAIN)
@NAME
@click.option("--include-tasks", is_flag=True, help="Restart the tasks too.")
@click.option("--only-failed", is_flag=True, help="Restart only the FAILED instances.")
@connection_options
def restart_cmd(name: str, include_tasks: bool, only_failed: bool, conn: ConnOptions) -> None:
    """Restart a connector (and with --include-tasks its tasks)."""
    resp = _named(name, lambda: _client(conn).restart(name, include_tasks, only_failed))
    if resp.body is not None and not _structured(conn):
        render.emit_status(resp.body, conn.output)
    _emit_body(resp, conn, f"restarting connector {name}")


@group.command("restart-task", epilog=CODES_PLAIN)
@NAME
@click.argument("task_id", metavar="ID", type=JavaInt(minimum=0))
@connection_options
def restart_task_cmd(name: str, task_id: int, conn: ConnOptions) -> None:
    """Restart one task of a connector."""
    resp = _named(name, lambda: _client(conn).restart_task(name, task_id))
    _emit_body(resp, conn, f"restarted task {task_id} of connector {name}")


@group.command("plugins", epilog=CODES_PLAIN)
@click.option("--all", "all_", is_flag=True, help="Include converters, transforms and predicates.")
@connection_options
def plugins_cmd(all_: bool, conn: ConnOptions) -> None:
    """List the plugins the worker has (class, type, version)."""
    render.emit(_client(conn).plugins(connectors_only=not all_).body, conn.output, render.plugins_rows)


@group.command("plugin-config", epilog=CODES_PLAIN)
@click.argument("plugin")
@connection_options
def plugin_config_cmd(plugin: str, conn: ConnOptions) -> None:
    """List the config keys of a plugin (name, type, required, default, importance)."""
    render.emit(_client(conn).plugin_config(plugin).body, conn.output, render.plugin_config_rows)


@group.command("validate", epilog=CODES_VALIDATE)
@click.argument("plugin")
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False, allow_dash=True),
              help="The connector config to check (.properties, .json or .yaml; - reads stdin).")
@click.option("-c", "--config", "assignments", multiple=True, metavar="KEY=VALUE", help="A config entry (repeat).")
@connection_options
def validate_cmd(plugin: str, file: str | None, assignments: tuple[str, ...], conn: ConnOptions) -> None:
    """Check a config against a connector plugin; the errors are listed one per line."""
    config = logic.load_config_source(file) if file else {}
    config.update(_assignments(assignments))
    if not config:
        raise UsageError("validate needs -f FILE or -c key=value entries")
    config.setdefault("connector.class", plugin)
    body = _client(conn).validate(plugin, config).body
    render.emit(body, conn.output, render.validate_rows)
    count = int((body or {}).get("error_count") or 0)
    if count:
        raise KcliError(f"the config has {count} error(s) for {plugin}")
    if not _structured(conn):
        _echo_err(f"the config is valid for {plugin}")


@group.group("offsets", epilog=CODES_PLAIN)
def offsets_group() -> None:
    """Read, alter or reset a connector's offsets (Kafka 3.5+/3.6+ workers; alter/reset need it STOPPED)."""


@offsets_group.command("get", epilog=CODES_PLAIN)
@NAME
@connection_options
def offsets_get(name: str, conn: ConnOptions) -> None:
    """Print the offsets: one `partition<TAB>offset` line (JSON) per partition."""
    render.emit(_named(name, lambda: _client(conn).offsets(name)).body, conn.output, render.offsets_rows)


def _read_offsets(file: str | None, offsets: str | None) -> Any:
    if bool(file) == bool(offsets):
        raise UsageError("offsets alter needs one of -f FILE or --offsets JSON")
    source = (logic.STDIN_NAME if file == logic.STDIN else str(file)) if file else "--offsets"
    text = (logic.read_stdin() if file == logic.STDIN else read_text(file)) if file else offsets
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError as exc:
        raise ConfigError(f"malformed JSON: {exc.msg} ({source}:{exc.lineno}:{exc.colno})") from None
    if isinstance(data, list):
        data = {"offsets": data}
    if not isinstance(data, dict) or not isinstance(data.get("offsets"), list):
        raise ConfigError(f'expected {{"offsets": [{{"partition": …, "offset": …}}]}} ({source})')
    return data


@offsets_group.command("alter", epilog=CODES_PLAIN)
@NAME
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False, allow_dash=True),
              help='JSON {"offsets": [...]} (KIP-875); - reads stdin.')
@click.option("--offsets", "offsets", metavar="JSON", help="The same JSON inline.")
@connection_options
def offsets_alter(name: str, file: str | None, offsets: str | None, conn: ConnOptions) -> None:
    """Alter a stopped connector's offsets."""
    body = _read_offsets(file, offsets)
    resp = _named(name, lambda: _client(conn).alter_offsets(name, body))
    _emit_body(resp, conn, (resp.body or {}).get("message", f"altered the offsets of {name}"))


@offsets_group.command("reset", epilog=CODES_PLAIN)
@NAME
@connection_options
def offsets_reset(name: str, conn: ConnOptions) -> None:
    """Reset (delete) a stopped connector's offsets."""
    resp = _named(name, lambda: _client(conn).reset_offsets(name))
    _emit_body(resp, conn, (resp.body or {}).get("message", f"reset the offsets of {name}"))


@group.group("loggers", invoke_without_command=True, epilog=CODES_PLAIN)
@connection_options
@click.pass_context
def loggers_group(ctx: click.Context, conn: ConnOptions) -> None:
    """List the worker's loggers and levels; `get LOGGER`, `set LOGGER LEVEL` for one."""
    if ctx.invoked_subcommand is None:
        render.emit(_client(conn).loggers().body, conn.output, render.loggers_rows)
    else:
        ctx.obj["conn"] = conn


@loggers_group.command("get", epilog=CODES_PLAIN)
@click.argument("logger")
@connection_options
def loggers_get(logger: str, conn: ConnOptions) -> None:
    """Show one logger's level."""
    render.emit_kv(_client(conn).logger(logger).body, conn.output, title=logger)


@loggers_group.command("set", epilog=CODES_PLAIN)
@click.argument("logger")
@click.argument("level")
@click.option("--scope", type=click.Choice(["worker", "cluster"]), default=None, help="worker (default) or cluster.")
@connection_options
def loggers_set(logger: str, level: str, scope: str | None, conn: ConnOptions) -> None:
    """Set a logger's level; prints the loggers changed, one per line."""
    resp = _client(conn).set_logger(logger, level.upper(), scope)
    if resp.body is None and not _structured(conn):
        _echo_err(f"set {logger} to {level.upper()} across the cluster")
    render.emit(resp.body, conn.output, render.names_rows)


@group.command("info", epilog=CODES_PLAIN)
@connection_options
def info_cmd(conn: ConnOptions) -> None:
    """Show the worker's version, commit and Kafka cluster id (GET /)."""
    render.emit_kv(_client(conn).info().body, conn.output, title="worker")


@group.command("apply", epilog=CODES_APPLY)
@click.option("-f", "--file", "files", multiple=True, required=True, type=click.Path(allow_dash=True),
              help="A connector file, or a directory of them (.properties/.json/.yaml), - for stdin; repeatable.")
@click.option("--dry-run", is_flag=True, help="Print what would change (a config diff), change nothing.")
@connection_options
def apply_cmd(files: tuple[str, ...], dry_run: bool, conn: ConnOptions) -> None:
    """Create or update every connector so the cluster matches the files; unchanged ones are not touched."""
    client = _client(conn)
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
                click.echo(line)
        else:
            click.echo(f"{done[change.action]}\t{change.name}")


from kcli.connectors_view.context_cmds import context_group  # noqa: E402

group.add_command(context_group)
