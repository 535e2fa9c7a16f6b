"""`kcli connectors`: the Connect REST client for shell scripts and people, as click commands.

This module only declares commands and options; the REST calls, waiting and formatting live in kcli.connectors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from kcli.cli.connectors_contexts import context_group
from kcli.cli.types import JavaInt
from kcli.clients import ClientOptions, client_options
from kcli.connectors import actions, logic
from kcli.connectors.client import DEFAULT_URL
from kcli.connectors.options import OUTPUTS, ConnOptions
from kcli.durations import Duration
from kcli.errors import KcliError
from kcli.profiles.resolve import PROFILE_META

EXIT_REST = "1 REST error or worker unreachable (404: connector not found)"
CODES_PLAIN = f"Exit codes: 0 success; {EXIT_REST}; 2 usage or input error."
CODES_STATUS = (f"Exit codes: 0 the connector and all its tasks are RUNNING (--wait: reached STATE); 3 the "
                f"connector or a task is FAILED (first trace line on stderr); 4 PAUSED, STOPPED, UNASSIGNED or "
                f"RESTARTING (--wait: timed out); {EXIT_REST}; 2 usage error.")
CODES_VALIDATE = f"Exit codes: 0 the config is valid; 1 it has errors (listed), or {EXIT_REST}; 2 usage error."
CODES_CREATE = (f"Exit codes: 0 created (--wait: and RUNNING); {EXIT_REST}, 409 when it exists; 2 usage or "
                f"input error; with --wait 3 a task FAILED, 4 not RUNNING in time.")
CODES_APPLY = f"Exit codes: 0 applied (or diff printed); {EXIT_REST}; 2 malformed file or usage error."
CODES_LAG = ("Exit codes: 0 success (--wait-caught-up: the lag reached 0); 1 not caught up within --timeout "
             "(default 60s), a source connector, Kafka or the worker unreachable, a REST error (404: connector not "
             "found); 2 usage error (no bootstrap server known).")
LAG_NOTE = ("The lag is read from Kafka: --bootstrap-server (env KCLI_BOOTSTRAP_SERVER, or bootstrap.servers in "
            "--command-config/-X) names the worker's cluster, which its REST API does not expose.")

_CONN_PARAMS = ("urls", "context", "user", "password", "cacert", "cert", "key", "insecure", "timeout", "output")


def _ask_password(user: str) -> str:
    return click.prompt(f"Password for {user}", hide_input=True, err=True)


def _complete_profiles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from kcli.profiles import names

    return names(incomplete)


def connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --url/--context/--user/--password/--cacert/--cert/--key/--insecure/--timeout/-o to a command.

    The command receives `conn: ConnOptions` (merged with the group's options) instead of those flags.
    """
    decorators = [
        click.option("--url", "urls", multiple=True, metavar="URL",
                     help=f"Connect worker URL; repeat it to try the next one when a worker does not answer "
                          f"(env KCLI_CONNECT_URL, comma-separated; default {DEFAULT_URL})."),
        click.option("--context", "context", metavar="NAME", shell_complete=_complete_profiles,
                     help="Use this profile's Connect settings (a named context; env KCLI_CONTEXT)."),
        click.option("--user", "user", help="User for HTTP basic auth (env KCLI_CONNECT_USER)."),
        click.option("--password", "password",
                     help="Password for basic auth (env KCLI_CONNECT_PASSWORD; prompted when missing on a TTY)."),
        click.option("--cacert", type=click.Path(dir_okay=False), help="CA bundle to verify the worker's TLS cert."),
        click.option("--cert", type=click.Path(dir_okay=False), help="Client certificate (PEM) for TLS."),
        click.option("--key", type=click.Path(dir_okay=False), help="Private key of --cert."),
        click.option("--insecure", is_flag=True, default=None, help="Do not verify the worker's TLS certificate."),
        click.option("--timeout", type=Duration(), default=None,
                     help="Give up after this long (30s, 5m, 1500ms, bare ms): caps each request, and bounds --wait "
                          "(default 60s for --wait)."),
        click.option("-o", "--output", type=click.Choice(OUTPUTS), default=None,
                     help="Output: json/yaml print the worker's JSON untouched; default: table on a TTY, text "
                          "(one line per item) on a pipe."),
    ]

    # --profile: the command's own when it has the Kafka client options too (they declare it), else added here.
    shared_profile = any(p.name == "profile" for p in getattr(func, "__click_params__", []))
    if not shared_profile:
        decorators.insert(2, click.option("--profile", "profile", metavar="NAME", shell_complete=_complete_profiles,
                                          help="Use this profile (env KCLI_PROFILE; --context beats it)."))

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mine = ConnOptions(**{name: kwargs.pop(name) for name in _CONN_PARAMS}, ask_password=_ask_password)
        profile = kwargs.get("profile") if shared_profile else kwargs.pop("profile")
        ctx = click.get_current_context()
        parent = ctx.find_object(dict) or {}
        if profile:
            ctx.meta[PROFILE_META] = profile
        if mine.context is None:  # --context > --profile > the group's (or `kcli --profile`'s)
            mine.context = profile or (None if parent.get("conn") else ctx.meta.get(PROFILE_META))
        kwargs["conn"] = mine.over(parent.get("conn"))
        return func(*args, **kwargs)

    for deco in reversed(decorators):
        wrapper = deco(wrapper)
    return wrapper


def _exit(code: int) -> None:
    """End the command with `code` (a status' 3/4) when it is not 0."""
    if code:
        click.get_current_context().exit(code)


def _complete_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of connector names, from the --url/--context given so far."""
    from kcli.cli.completion import TIMEOUT, param_value

    conn = ConnOptions(urls=tuple(param_value(ctx, "urls") or ()),
                       context=param_value(ctx, "context") or param_value(ctx, "profile"), timeout=TIMEOUT)
    return actions.complete_names(conn, incomplete)


NAME = click.argument("name", shell_complete=_complete_names)
FILE = click.Path(dir_okay=False, allow_dash=True)


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
             "A context is the Connect part of a profile (`kcli profile`, config.yaml in $KCLI_CONFIG_DIR, "
             "$XDG_CONFIG_HOME/kcli or ~/.config/kcli); --context and --profile name one.")
@connection_options
@click.pass_context
def command(ctx: click.Context, conn: ConnOptions) -> None:
    """Manage connectors through the Connect REST API (any Apache or kcli worker)."""
    ctx.ensure_object(dict)
    ctx.obj["conn"] = conn


@command.command("list", epilog=CODES_PLAIN)
@click.option("--expand", type=click.Choice(["status", "info"]), multiple=True, help="Add status and/or info.")
@connection_options
def list_cmd(expand: tuple[str, ...], conn: ConnOptions) -> None:
    """List connectors (one name per line; --expand adds type, state, tasks, class)."""
    actions.list_connectors(conn, expand)


@command.command("get", epilog=CODES_PLAIN)
@NAME
@connection_options
def get_cmd(name: str, conn: ConnOptions) -> None:
    """Show a connector: name, type, tasks and config."""
    actions.get(conn, name)


@command.command("config", epilog=CODES_PLAIN)
@NAME
@connection_options
def config_cmd(name: str, conn: ConnOptions) -> None:
    """Print a connector's config (as .properties lines on a pipe)."""
    actions.config(conn, name)


@command.command("status", epilog=CODES_STATUS + " With a bootstrap server (--bootstrap-server, "
                 "KCLI_BOOTSTRAP_SERVER, --command-config/-X), a sink connector's line gets a LAG column (its "
                 "group's total lag; a \"lag\" object in JSON/YAML).")
@NAME
@click.option("--wait", "wait", type=click.Choice(logic.TARGET_STATES, case_sensitive=False), default=None,
              metavar="STATE", help="Poll until the connector and every task are STATE (RUNNING, PAUSED, STOPPED); "
                                    "FAILED ends the wait at once (exit 3). Bounded by --timeout (default 60s).")
@connection_options
@client_options(property_flag=None)
def status_cmd(name: str, wait: str | None, conn: ConnOptions, client: ClientOptions) -> None:
    """Show a connector's state and its tasks'; the exit code says whether all are RUNNING."""
    _exit(actions.status(conn, name, wait, client))


@command.command("lag", epilog=CODES_LAG + " " + LAG_NOTE)
@NAME
@click.option("--wait-caught-up", is_flag=True,
              help="Poll until the lag is 0 in every partition (bounded by --timeout, default 60s; exit 1 if not).")
@connection_options
@client_options(property_flag=None)
def lag_cmd(name: str, wait_caught_up: bool, conn: ConnOptions, client: ClientOptions) -> None:
    """Show a sink connector's lag: its consumer group's offsets against the end of each partition, and the total."""
    actions.sink_lag(conn, name, client, wait_caught_up)


@command.command("tasks", epilog=CODES_PLAIN)
@NAME
@connection_options
def tasks_cmd(name: str, conn: ConnOptions) -> None:
    """List a connector's tasks and their configs."""
    actions.tasks(conn, name)


@command.command("task-status", epilog=CODES_STATUS.replace("the connector and all its tasks are", "the task is"))
@NAME
@click.argument("task_id", metavar="ID", type=JavaInt(minimum=0))
@connection_options
def task_status_cmd(name: str, task_id: int, conn: ConnOptions) -> None:
    """Show one task's state (exit codes as `status`)."""
    _exit(actions.task_status(conn, name, task_id))


@command.command("topics", epilog=CODES_PLAIN)
@NAME
@click.option("--reset", is_flag=True, help="Forget the topics the connector used (PUT …/topics/reset).")
@connection_options
def topics_cmd(name: str, reset: bool, conn: ConnOptions) -> None:
    """List the topics a connector has used (one per line)."""
    actions.topics(conn, name, reset)


@command.command("create", epilog=CODES_CREATE)
@click.argument("name", required=False)
@click.option("-f", "--file", "file", type=FILE,
              help="Connector file: .properties, .json ({name, config} or flat) or .yaml; - reads stdin.")
@click.option("-c", "--config", "assignments", multiple=True, metavar="KEY=VALUE", help="A config entry (repeat).")
@click.option("--initial-state", type=click.Choice(logic.TARGET_STATES, case_sensitive=False),
              help="State to create the connector in (Kafka 3.7+ workers).")
@click.option("--wait", is_flag=True, help="Then wait until the connector and its tasks are RUNNING.")
@connection_options
def create_cmd(name: str | None, file: str | None, assignments: tuple[str, ...], initial_state: str | None,
               wait: bool, conn: ConnOptions) -> None:
    """Create a connector from a file (-f) or from NAME and -c key=value entries."""
    _exit(actions.create(conn, name, file, assignments, initial_state, wait))


@command.command("update", epilog=CODES_PLAIN)
@NAME
@click.option("-f", "--file", "file", type=FILE, required=True,
              help="The new full config (.properties, .json or .yaml; - reads stdin).")
@connection_options
def update_cmd(name: str, file: str, conn: ConnOptions) -> None:
    """Replace a connector's config (PUT; creates the connector when it does not exist)."""
    actions.update(conn, name, file)


@command.command("patch", epilog=CODES_PLAIN)
@NAME
@click.option("-c", "--config", "assignments", multiple=True, metavar="KEY=VALUE", help="Set a key (repeat).")
@click.option("--remove", multiple=True, metavar="KEY", help="Remove a key (repeat).")
@connection_options
def patch_cmd(name: str, assignments: tuple[str, ...], remove: tuple[str, ...], conn: ConnOptions) -> None:
    """Change some keys of a connector's config (PATCH, Kafka 3.8+ workers)."""
    actions.patch(conn, name, assignments, remove)


def _state_change(verb: str, doc: str) -> None:
    @command.command(verb, epilog=CODES_PLAIN, help=doc)
    @NAME
    @connection_options
    def _cmd(name: str, conn: ConnOptions) -> None:
        actions.change_state(conn, verb, name)


_state_change("delete", "Delete a connector.")
_state_change("pause", "Pause a connector and its tasks.")
_state_change("resume", "Resume a paused or stopped connector.")
_state_change("stop", "Stop a connector: shut its tasks down, keep its config (Kafka 3.5+).")


@command.command("restart", epilog=CODES_PLAIN)
@NAME
@click.option("--include-tasks", is_flag=True, help="Restart the tasks too.")
@click.option("--only-failed", is_flag=True, help="Restart only the FAILED instances.")
@connection_options
def restart_cmd(name: str, include_tasks: bool, only_failed: bool, conn: ConnOptions) -> None:
    """Restart a connector (and with --include-tasks its tasks)."""
    actions.restart(conn, name, include_tasks, only_failed)


@command.command("restart-task", epilog=CODES_PLAIN)
@NAME
@click.argument("task_id", metavar="ID", type=JavaInt(minimum=0))
@connection_options
def restart_task_cmd(name: str, task_id: int, conn: ConnOptions) -> None:
    """Restart one task of a connector."""
    actions.restart_task(conn, name, task_id)


@command.command("plugins", epilog=CODES_PLAIN)
@click.option("--all", "all_", is_flag=True, help="Include converters, transforms and predicates.")
@connection_options
def plugins_cmd(all_: bool, conn: ConnOptions) -> None:
    """List the plugins the worker has (class, type, version)."""
    actions.plugins(conn, all_)


@command.command("plugin-config", epilog=CODES_PLAIN)
@click.argument("plugin")
@connection_options
def plugin_config_cmd(plugin: str, conn: ConnOptions) -> None:
    """List the config keys of a plugin (name, type, required, default, importance)."""
    actions.plugin_config(conn, plugin)


@command.command("validate", epilog=CODES_VALIDATE)
@click.argument("plugin")
@click.option("-f", "--file", "file", type=FILE,
              help="The connector config to check (.properties, .json or .yaml; - reads stdin).")
@click.option("-c", "--config", "assignments", multiple=True, metavar="KEY=VALUE", help="A config entry (repeat).")
@connection_options
def validate_cmd(plugin: str, file: str | None, assignments: tuple[str, ...], conn: ConnOptions) -> None:
    """Check a config against a connector plugin; the errors are listed one per line."""
    actions.validate(conn, plugin, file, assignments)


@command.group("offsets", epilog=CODES_PLAIN)
def offsets_group() -> None:
    """Read, alter or reset a connector's offsets (Kafka 3.5+/3.6+ workers; alter/reset need it STOPPED)."""


@offsets_group.command("get", epilog=CODES_PLAIN)
@NAME
@connection_options
def offsets_get(name: str, conn: ConnOptions) -> None:
    """Print the offsets: one `partition<TAB>offset` line (JSON) per partition."""
    actions.offsets_get(conn, name)


@offsets_group.command("alter", epilog=CODES_PLAIN)
@NAME
@click.option("-f", "--file", "file", type=FILE, help='JSON {"offsets": [...]} (KIP-875); - reads stdin.')
@click.option("--offsets", "offsets", metavar="JSON", help="The same JSON inline.")
@connection_options
def offsets_alter(name: str, file: str | None, offsets: str | None, conn: ConnOptions) -> None:
    """Alter a stopped connector's offsets."""
    actions.offsets_alter(conn, name, file, offsets)


@offsets_group.command("reset", epilog=CODES_PLAIN)
@NAME
@connection_options
def offsets_reset(name: str, conn: ConnOptions) -> None:
    """Reset (delete) a stopped connector's offsets."""
    actions.offsets_reset(conn, name)


@command.group("loggers", invoke_without_command=True, epilog=CODES_PLAIN)
@connection_options
@click.pass_context
def loggers_group(ctx: click.Context, conn: ConnOptions) -> None:
    """List the worker's loggers and levels; `get LOGGER`, `set LOGGER LEVEL` for one."""
    if ctx.invoked_subcommand is None:
        actions.loggers_list(conn)
    else:
        ctx.obj["conn"] = conn


@loggers_group.command("get", epilog=CODES_PLAIN)
@click.argument("logger")
@connection_options
def loggers_get(logger: str, conn: ConnOptions) -> None:
    """Show one logger's level."""
    actions.loggers_get(conn, logger)


@loggers_group.command("set", epilog=CODES_PLAIN)
@click.argument("logger")
@click.argument("level")
@click.option("--scope", type=click.Choice(["worker", "cluster"]), default=None, help="worker (default) or cluster.")
@connection_options
def loggers_set(logger: str, level: str, scope: str | None, conn: ConnOptions) -> None:
    """Set a logger's level; prints the loggers changed, one per line."""
    actions.loggers_set(conn, logger, level, scope)


@command.command("info", epilog=CODES_PLAIN)
@connection_options
def info_cmd(conn: ConnOptions) -> None:
    """Show the worker's version, commit and Kafka cluster id (GET /)."""
    actions.info(conn)


@command.command("apply", epilog=CODES_APPLY)
@click.option("-f", "--file", "files", multiple=True, required=True, type=click.Path(allow_dash=True),
              help="A connector file, or a directory of them (.properties/.json/.yaml), - for stdin; repeatable.")
@click.option("--dry-run", is_flag=True, help="Print what would change (a config diff), change nothing.")
@connection_options
def apply_cmd(files: tuple[str, ...], dry_run: bool, conn: ConnOptions) -> None:
    """Create or update every connector so the cluster matches the files; unchanged ones are not touched."""
    actions.apply(conn, files, dry_run)


command.add_command(context_group)
