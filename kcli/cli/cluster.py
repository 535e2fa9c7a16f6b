"""`kcli cluster`: what `kcat -L` / `rpk cluster info` tell of a cluster, and the broker part of kafka-configs.sh.

This module only declares options; admin calls and formatting live in kcli.cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from kcli.cli.types import JavaInt
from kcli.clients import ClientOptions, client_options
from kcli.output import output_option

EXIT_CODES = ("Exit codes: 0 success; 1 Kafka-side failure (unknown broker, read-only config, invalid value, "
              "authorization, broker unreachable within --timeout); 2 usage error.")

HELP = """The cluster and its brokers.

\b
  kcli cluster describe [-o text|json|yaml]        cluster id, controller, brokers
  kcli cluster config get [--broker ID | --broker-defaults] [--all]
  kcli cluster config set --broker ID k=v…
  kcli cluster config delete --broker ID k…
"""

DESCRIBE_HELP = """Show the cluster id, the controller and the brokers (id, host, port, rack, roles).

The text form is sections (CLUSTER, BROKERS, AUTHORIZED OPERATIONS with
--authorized-operations), the controller's id marked with `*`; -o json|yaml gives the same facts.
In KRaft a broker names one live broker as the controller (clients reach the quorum through it);
the quorum's own leader is not part of this answer. The brokers' software version is not part of
Kafka's protocol answers either and is not shown."""

TIMEOUT = click.option("--timeout", metavar="DURATION",
                       help="Give up when the cluster does not answer within this time (default 30s, at most 1h; "
                            "5m, 1500ms, ms).")
CLIENT = client_options(property_flag=None, property_help="Admin client setting k=v (repeatable).")


def _target(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--broker-defaults", "broker_defaults", is_flag=True,
                      help="The cluster-wide default broker configs (kafka-configs --entity-default).")(fn)
    return click.option("--broker", "broker", type=JavaInt(minimum=0), metavar="ID",
                        help="The broker (node id) whose configs to show or change.")(fn)


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    return output_option(("text", "json", "yaml"))(TIMEOUT(CLIENT(fn)))


@click.group(help=HELP, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES)
def command() -> None:
    """kcli cluster describe | config get|set|delete."""


@command.command(name="describe", help=DESCRIBE_HELP, short_help="Cluster id, controller and brokers.",
                 epilog=EXIT_CODES)
@click.option("--authorized-operations", "authorized_operations", is_flag=True,
              help="Also show what this client may do on the cluster (DescribeCluster's authorized operations).")
@_common
def describe(client: ClientOptions, authorized_operations: bool, output: str | None, timeout: str | None) -> None:
    from kcli.cluster.actions import describe as run

    run(client, output, timeout, authorized_operations)


@command.group(name="config", help="Dynamic broker configs (the broker part of kafka-configs.sh).",
               epilog=EXIT_CODES)
def config_group() -> None:
    """kcli cluster config get|set|delete."""


@config_group.command(name="get", epilog=EXIT_CODES)
@_target
@click.option("--all", "show_all", is_flag=True, help="Every config entry of the broker, static and defaults too.")
@_common
def config_get(client: ClientOptions, broker: int | None, broker_defaults: bool, show_all: bool,
               output: str | None, timeout: str | None) -> None:
    """Show dynamic broker configs (kafka-configs --entity-type brokers --describe).

    Without --broker or --broker-defaults: every broker, then the cluster-wide defaults, as Apache
    does without --entity-name."""
    from kcli.cluster.actions import config_get as run

    run(client, broker, broker_defaults, show_all, output, timeout)


@config_group.command(name="set", epilog=EXIT_CODES)
@_target
@click.argument("assignments", nargs=-1, required=True, metavar="K=V…")
@_common
def config_set(client: ClientOptions, broker: int | None, broker_defaults: bool, assignments: tuple[str, ...],
               output: str | None, timeout: str | None) -> None:
    """Set dynamic configs of one broker with an incremental alter (kafka-configs --alter --add-config).

    Each K=V is one config; its value is taken as given (commas included, no [..] grouping)."""
    from kcli.cluster.actions import config_alter
    from kcli.config import parse_assignments

    items = parse_assignments(assignments, option="config set")
    config_alter(client, broker, broker_defaults, items, [], output, timeout)


@config_group.command(name="delete", epilog=EXIT_CODES)
@_target
@click.argument("keys", nargs=-1, required=True, metavar="KEY…")
@_common
def config_delete(client: ClientOptions, broker: int | None, broker_defaults: bool, keys: tuple[str, ...],
                  output: str | None, timeout: str | None) -> None:
    """Remove dynamic configs of one broker, back to the default (kafka-configs --alter --delete-config)."""
    from kcli.cluster.actions import config_alter

    names = [k.partition("=")[0].strip() for k in keys]
    config_alter(client, broker, broker_defaults, {}, names, output, timeout)
