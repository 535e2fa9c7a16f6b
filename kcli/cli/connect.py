"""`kcli connect standalone|distributed`: run an embedded Kafka Connect worker in the foreground."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kcli.cli.completion import complete_files
from kcli.errors import KcliError

EXIT_USAGE, EXIT_STARTUP, EXIT_CONNECTOR = 1, 2, 3

STANDALONE_HELP = """Run a standalone Connect worker (connect-standalone.sh).

\b
WORKER is the worker .properties file (Apache's connect-standalone.properties works
unchanged); each CONNECTOR file (.properties, .json or .yaml) defines one connector,
created at start-up. The worker runs in the foreground, logs to stderr and serves the
Connect REST API on `listeners` (default http://localhost:8083, loopback only; Apache
binds every interface). Stop it with Ctrl-C or SIGTERM: tasks stop, offsets are flushed.

\b
Exit codes (as Apache's script):
  0  stopped by SIGINT/SIGTERM
  1  usage error (no worker file)
  2  start-up error (worker file missing or invalid, broker unreachable, corrupt offsets file, port in use)
  3  a connector file that fails (unreadable, invalid config, unknown class, connector failed)
"""


@click.group(name="connect", context_settings={"help_option_names": ["-h", "--help"]})
def command() -> None:
    """Run an embedded Kafka Connect worker (connect-standalone.sh / connect-distributed.sh).

    \b
    Exit codes (as Apache's scripts, not kcli's usual ones):
      0  stopped by SIGINT/SIGTERM
      1  usage error
      2  start-up error (worker file missing or invalid, broker unreachable, port in use)
      3  a connector file that fails
    """


@command.command("standalone", help=STANDALONE_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, metavar="WORKER.properties [CONNECTOR.properties|.json|.yaml ...]",
                shell_complete=complete_files)
@click.option("--log-level", envvar="KCLI_LOG_LEVEL", default=None, metavar="LEVEL",
              help="TRACE, DEBUG, INFO (default), WARN, ERROR.")
def standalone(files: tuple[str, ...], log_level: str | None) -> None:
    if not files:
        click.echo("Usage: kcli connect standalone WORKER.properties [CONNECTOR.properties|.json|.yaml ...]",
                   err=True)
        sys.exit(EXIT_USAGE)
    for f in files:
        if not Path(f).is_file():
            raise KcliError(f"file not found: {f}", exit_code=EXIT_STARTUP if f == files[0] else EXIT_CONNECTOR)
    from kcli.connect.launcher import run_standalone

    sys.exit(run_standalone(files[0], files[1:], log_level))


DISTRIBUTED_HELP = """Run a distributed Connect worker (connect-distributed.sh).

\b
WORKER is the worker .properties (or YAML) file; Apache's connect-distributed.properties works
unchanged. Workers with the same `group.id` form one cluster through Kafka: connectors and their
tasks are balanced over the workers (incremental cooperative rebalancing), configs, offsets and
statuses live in the `config.storage.topic`, `offset.storage.topic` and `status.storage.topic`
topics (created compacted when missing), and any worker's REST API (`listeners`, default
http://localhost:8083) serves the whole cluster. kcli and Apache workers can share one cluster.
Stop it with Ctrl-C or SIGTERM: tasks stop, offsets are flushed, the worker leaves the group.

\b
Exit codes (as Apache's script):
  0  stopped by SIGINT/SIGTERM
  1  usage error (no worker file), or the herder stopped on an error (e.g. an internal topic
     that is not compacted)
  2  start-up error (worker file missing or invalid, broker unreachable, port in use)
"""


@command.command("distributed", help=DISTRIBUTED_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, metavar="WORKER.properties", shell_complete=complete_files)
@click.option("--log-level", envvar="KCLI_LOG_LEVEL", default=None, metavar="LEVEL",
              help="TRACE, DEBUG, INFO (default), WARN, ERROR.")
def distributed(files: tuple[str, ...], log_level: str | None) -> None:
    if not files:
        click.echo("Usage: kcli connect distributed WORKER.properties", err=True)
        sys.exit(EXIT_USAGE)
    if not Path(files[0]).is_file():
        raise KcliError(f"file not found: {files[0]}", exit_code=EXIT_STARTUP)
    from kcli.connect.launcher import run_distributed

    sys.exit(run_distributed(files[0], log_level))
