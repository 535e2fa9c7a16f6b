"""The `kcli` entry point: a root group whose subcommands are imported only when run."""

from __future__ import annotations

import importlib
import os
import sys
import traceback

import click

from kcli.errors import EXIT_FAILED, EXIT_INTERRUPTED, KcliError, kafka_reason, one_line
from kcli.logs import debug_enabled

# name -> (module, short help). Each module exposes `command`, a click.Command.
COMMANDS: dict[str, tuple[str, str]] = {
    "topics": ("kcli.cli.topics", "Create, list, describe, alter and delete topics (kafka-topics.sh)."),
    "groups": ("kcli.cli.groups", "List, describe and delete consumer groups and offsets (kafka-consumer-groups.sh)."),
    "consume": ("kcli.cli.consume", "Read records from a topic (kafka-console-consumer.sh)."),
    "produce": ("kcli.cli.produce", "Write lines from stdin to a topic (kafka-console-producer.sh)."),
    "connect": ("kcli.cli.connect", "Run an embedded Kafka Connect worker (connect-standalone/distributed.sh)."),
    "connectors": ("kcli.cli.connectors", "Manage connectors through the Connect REST API."),
    "config": ("kcli.cli.config", "Show the effective configuration of .properties/YAML/JSON files."),
    "cluster": ("kcli.cli.cluster", "Describe the cluster and its brokers; dynamic broker configs (kafka-configs.sh)."),
    "dev": ("kcli.cli.dev", "A real local Apache Kafka broker (KRaft) for development, and Apache's tools."),
    "profile": ("kcli.cli.profile", "Named profiles: bootstrap servers, client settings, Connect URL and auth."),
    "completion": ("kcli.cli.completion", "Print the shell completion script for bash, zsh or fish."),
}


class StdoutClosed(Exception):
    """stdout's reader went away; carried past click, which would turn EPIPE into exit 1."""


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand runs."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:  # `kcli --help | head -1`: the help is printed while parsing
            return super().parse_args(ctx, args)
        except BrokenPipeError:
            raise StdoutClosed from None

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise StdoutClosed from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, _ = COMMANDS[cmd_name]
        cmd: click.Command = importlib.import_module(module_name).command
        cmd.name = cmd_name
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing the commands must not import them: keep `kcli --help` fast.
        rows = [(name, help_text) for name, (_, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _check_level(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from kcli.logs import LEVELS

    if value is None or value == "":
        return None
    if value.strip().upper() not in LEVELS:
        raise click.BadParameter(f"'{value}' is not one of {', '.join(LEVELS)}", ctx, param)
    return value.strip().upper()


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from kcli.versions import version_line

    click.echo(version_line())
    ctx.exit()


def _complete_profiles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from kcli.profiles import names

    return names(incomplete)


EPILOG = """Exit codes: 0 success; 1 the operation failed on the Kafka or REST side; 2 usage or
input error; 3/4 `connectors status` FAILED / not running; 130 interrupted.
`--debug` (or KCLI_DEBUG=1) shows the traceback behind an error. Settings: flags > environment
(KCLI_BOOTSTRAP_SERVER, KCLI_CONNECT_URL, …) > the profile (--profile, KCLI_PROFILE, `kcli profile use`)
> defaults."""


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.option("-V", "--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show kcli's version and the Kafka client library's (no broker is contacted).")
@click.option("--debug", is_flag=True, envvar="KCLI_DEBUG", help="Show tracebacks behind errors.")
@click.option("--no-color", is_flag=True, help="Never colour the output (NO_COLOR works too).")
@click.option("--log-level", envvar="KCLI_LOG_LEVEL", metavar="LEVEL", callback=_check_level,
              help="Log level on stderr: TRACE, DEBUG, INFO, WARN, ERROR, OFF (env KCLI_LOG_LEVEL).")
@click.option("--profile", metavar="NAME", shell_complete=_complete_profiles,
              help="Use this profile (env KCLI_PROFILE): flags > environment > profile > defaults.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, no_color: bool, log_level: str | None, profile: str | None) -> None:
    """kcli — the Apache Kafka scripts in one fast Python command."""
    ctx.ensure_object(dict)
    if profile:
        from kcli.profiles.resolve import PROFILE_META

        ctx.meta[PROFILE_META] = profile
    if debug:
        os.environ["KCLI_DEBUG"] = "1"
    if no_color:
        os.environ["NO_COLOR"] = "1"
    if log_level:
        from kcli.logs import setup_logging

        # Subcommands with their own --log-level (connect standalone) read the same variable.
        os.environ["KCLI_LOG_LEVEL"] = log_level
        setup_logging(log_level)


def _quiet_broken_pipe() -> None:
    """stdout's reader went away (`| head`): end quietly, without Python's own complaint."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def _click_message(exc: click.ClickException) -> str:
    """click's usage error as one line, pointing at the --help of the command it came from."""
    message = " ".join(line.strip() for line in exc.format_message().splitlines() if line.strip())
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        message = f"{message.rstrip('.')} (see '{ctx.command_path} --help')"
    return message


UNEXPECTED_HINT = "(--debug shows the traceback)"  # tests look for it: no command should end here


def unexpected_message(exc: BaseException) -> str:
    """The one line for an exception no command anticipated (a Kafka error as its reason, not its repr)."""
    return f"unexpected {type(exc).__name__}: {one_line(kafka_reason(exc))} {UNEXPECTED_HINT}"


def main(argv: list[str] | None = None) -> None:
    """Run kcli; errors become one line on stderr and a meaningful exit code."""
    try:
        code = cli.main(args=argv, prog_name="kcli", standalone_mode=False)
    except KcliError as exc:
        if debug_enabled():
            traceback.print_exc()
        click.echo(f"kcli: error: {one_line(exc.message)}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        click.echo(f"kcli: error: {_click_message(exc)}", err=True)
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (BrokenPipeError, StdoutClosed):
        _quiet_broken_pipe()
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # nobody turned it into a KcliError: still one line, the traceback only with --debug
        if debug_enabled():
            traceback.print_exc()
        click.echo(f"kcli: error: {unexpected_message(exc)}", err=True)
        sys.exit(EXIT_FAILED)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
        sys.exit(0)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
