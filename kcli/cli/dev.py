"""`kcli dev`: a real local Apache Kafka broker (KRaft) for development, and Apache's tools from its jars.

This module only declares options; the work is in kcli.dev.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from kcli.cli.types import JavaInt
from kcli.output import output_option

HELP = """A real single-node Apache Kafka 4.3.1 broker (KRaft) on 127.0.0.1, for development.

\b
  kcli dev up [--port 9092] [--connect] [--fresh]   start it (a second `up` is harmless)
  kcli dev status                                   running or not (exit 0 / 1)
  kcli dev env                                      export lines: eval "$(kcli dev env)"
  kcli dev logs [--connect] [-f]                    the broker's (or worker's) log
  kcli dev down                                     stop what `up` started (data kept)
  kcli dev tool kafka-topics --list …               Apache's own tools from the same jars

\b
Needs Java 17+. The jars come from $KAFKA_HOME/libs when it is set, else the pinned Apache
Kafka 4.3.1 set is downloaded once from Maven Central ($KCLI_MAVEN_REPO for a mirror),
each jar checked against its SHA-256, into $XDG_CACHE_HOME/kcli (~/.cache/kcli;
$KAFKA_DEV_CACHE overrides). State (server.properties, data, logs, PID files) lives in
--state-dir (env KAFKA_DEV_STATE, default ~/.cache/kcli/dev-broker).
"""

EXIT_CODES = "Exit codes: 0 success; 1 the broker could not be started or stopped (the reason in one line); 2 usage."


def _state_dir(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--state-dir", "state_dir", envvar="KAFKA_DEV_STATE", metavar="DIR",
                        help="The broker's state directory (env KAFKA_DEV_STATE; default "
                             "~/.cache/kcli/dev-broker).")(fn)


@click.group(help=HELP, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES)
def command() -> None:
    """kcli dev up|down|status|env|logs|libs|tool."""


@command.command(name="up", epilog=EXIT_CODES)
@click.option("--port", type=JavaInt(minimum=1, maximum=65534), default=9092, show_default=True,
              envvar="KAFKA_DEV_PORT", help="The broker's port on 127.0.0.1 (its KRaft controller takes PORT+1; "
                                            "env KAFKA_DEV_PORT).")
@click.option("--connect", "with_connect", is_flag=True,
              help="Also start `kcli connect distributed` against it (worker file in the state dir).")
@click.option("--connect-port", "connect_port", type=JavaInt(minimum=1, maximum=65535), default=8083,
              show_default=True, help="The Connect worker's REST port on 127.0.0.1.")
@click.option("--fresh", is_flag=True, help="Wipe the broker's data and format it again (stops a running broker).")
@click.option("--no-profile", "no_profile", is_flag=True,
              help="Do not write the `dev` profile (where kcli has profiles); `kcli dev env` still tells the address.")
@_state_dir
@click.pass_context
def up(ctx: click.Context, port: int, with_connect: bool, connect_port: int, fresh: bool, no_profile: bool,
       state_dir: str | None) -> None:
    """Start the broker (and with --connect a Connect worker) and wait until it answers.

    Data survives `down`/`up`; --fresh starts from empty storage. When it already runs, `up`
    says so and exits 0 (it starts the worker if --connect asks for one that is not running).
    """
    from kcli.dev.actions import up as run

    port_given = ctx.get_parameter_source("port") not in (click.core.ParameterSource.DEFAULT, None)
    run(state_dir, port, port_given, with_connect, connect_port, fresh, profile=not no_profile)


@command.command(name="down", epilog=EXIT_CODES)
@_state_dir
def down(state_dir: str | None) -> None:
    """Stop the Connect worker and the broker `up` started (by their PID files); the data is kept."""
    from kcli.dev.actions import down as run

    run(state_dir)


@command.command(name="status", epilog="Exit codes: 0 everything `up` started is running; 1 it is not; 2 usage.")
@output_option(("text", "json", "yaml"))
@_state_dir
def status(output: str | None, state_dir: str | None) -> None:
    """`running pid=… bootstrap=…` (and the worker's line), or `stopped`."""
    from kcli.dev.actions import status as run

    sys.exit(run(state_dir, output or "text"))


@command.command(name="env", epilog=EXIT_CODES)
@_state_dir
def env(state_dir: str | None) -> None:
    """Export lines for a shell (KCLI_BOOTSTRAP_SERVER, KCLI_CONNECT_URL, …): eval "$(kcli dev env)"."""
    from kcli.dev.actions import env as run

    run(state_dir)


@command.command(name="logs", epilog=EXIT_CODES)
@click.option("--connect", "of_connect", is_flag=True, help="The Connect worker's log instead of the broker's.")
@click.option("-n", "--lines", type=JavaInt(minimum=0), metavar="N", help="Only the last N lines.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing what is appended, until Ctrl-C or the process stops.")
@_state_dir
def logs(of_connect: bool, lines: int | None, follow: bool, state_dir: str | None) -> None:
    """Print the broker's log (or the Connect worker's) on stdout."""
    from kcli.dev.actions import logs as run

    run(state_dir, of_connect, lines, follow)


@command.command(name="libs", epilog=EXIT_CODES)
@click.option("--verify", is_flag=True, help="Hash every cached jar against the lock list (not only size and time).")
def libs(verify: bool) -> None:
    """Fetch the Apache jars if needed and print their directory."""
    from kcli.dev.actions import libs as run

    run(verify)


TOOL_HELP = """Run one of Apache's tools from the same jars, with ARGS as they are.

\b
NAME: kafka-topics, kafka-console-consumer, kafka-console-producer, kafka-consumer-groups,
kafka-configs, kafka-cluster, kafka-broker-api-versions, kafka-producer-perf-test,
kafka-get-offsets, kafka-storage, connect-standalone, connect-distributed (a `.sh` suffix is
accepted). The tool replaces kcli's process: its output and exit code are its own.
"""


@command.command(name="tool", help=TOOL_HELP, epilog="Exit codes: the tool's own; 2 an unknown NAME.",
                 context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def tool(name: str, args: tuple[str, ...]) -> None:
    from kcli.dev.actions import tool as run

    run(name, list(args))
