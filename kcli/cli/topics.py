"""`kcli topics`: kafka-topics.sh in Apache's flag form and in a subcommand form.

This module only declares options; validation, admin calls and formatting live in kcli.topics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from kcli.cli.completion import complete_topics
from kcli.cli.forms import action_flags, apply_options, chosen_actions, inherited_client
from kcli.cli.types import JavaInt
from kcli.clients import ClientOptions, client_options
from kcli.errors import UsageError
from kcli.output import output_option

OUTPUTS = ("text", "json", "yaml", "table")

HELP = """Create, list, describe, alter and delete topics, as kafka-topics.sh does.

\b
Apache's flag form (existing scripts port by renaming the command):
  kcli topics --create --topic T [--partitions N] [--replication-factor R] [--config k=v]…
  kcli topics --list [--topic REGEX] [--exclude-internal]
  kcli topics --describe [--topic REGEX] [--under-replicated-partitions | …]
  kcli topics --alter --topic REGEX --partitions N
  kcli topics --delete --topic REGEX [--if-exists]
\b
Subcommand form, same options; topics may also be given as arguments:
  kcli topics create simple-connect:1:1 events:3:1:compact   (NAME:PARTITIONS:REPLICAS[:cleanup.policy])
  kcli topics describe 'orders-.*'
  kcli topics config get|set|delete T [k=v | k]…

--topic is a regular expression (full match; ',' means '|') except for create.
Output: text is the default, also on a terminal, and is byte for byte what kafka-topics prints
(the create WARNING about '.'/'_' included, on stdout); -o json|yaml gives the same facts as data,
-o table a rich table. Errors are one line on stderr (Apache prints them on stdout).

\b
Exit codes: 0 success; 1 Kafka-side failure (topic exists, unknown topic, invalid partition
count, authorization, broker unreachable within --timeout); 2 usage error (Apache uses 1).
"""


EXIT_CODES = ("Exit codes: 0 success; 1 Kafka-side failure (topic exists, unknown topic, invalid partition count, "
              "authorization, broker unreachable within --timeout); 2 usage error.")


def _opt(*decls: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(*decls, **kwargs)


# name -> option decorator; subcommands pick the ones that apply to them.
OPTIONS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "topic": _opt("--topic", metavar="TOPIC", shell_complete=complete_topics,
                  help="The topic to create, alter, describe or delete; a regular expression except for create."),
    "topic_id": _opt("--topic-id", metavar="UUID", help="The topic id to describe."),
    "partitions": _opt("--partitions", type=JavaInt(), metavar="N",
                       help="Partitions of the topic created (default: the broker's) or its new count on alter."),
    "replication_factor": _opt("--replication-factor", type=JavaInt(), metavar="R",
                               help="Replication factor of the topic created (default: the broker's)."),
    "replica_assignment": _opt("--replica-assignment", metavar="B1:B2,B3:B4,…",
                               help="Manual partition-to-broker assignment, one entry per partition."),
    "configs": _opt("--config", "configs", multiple=True, metavar="NAME=VALUE",
                    help="Topic config override for create (repeatable)."),
    "delete_configs": _opt("--delete-config", "delete_configs", multiple=True, hidden=True,
                           help="No longer supported since Kafka 4.0 (prints Apache's notice)."),
    "if_exists": _opt("--if-exists", is_flag=True, help="alter/delete/describe: no error when no topic matches."),
    "if_not_exists": _opt("--if-not-exists", is_flag=True, help="create: no error when the topic exists."),
    "exclude_internal": _opt("--exclude-internal", is_flag=True,
                             help="Leave out internal topics (__consumer_offsets…) when listing or describing."),
    "under_replicated_partitions": _opt("--under-replicated-partitions", is_flag=True,
                                        help="describe: only partitions whose ISR is smaller than the replicas."),
    "unavailable_partitions": _opt("--unavailable-partitions", is_flag=True,
                                   help="describe: only partitions whose leader is not available."),
    "under_min_isr_partitions": _opt("--under-min-isr-partitions", is_flag=True,
                                     help="describe: only partitions whose ISR is below min.insync.replicas."),
    "at_min_isr_partitions": _opt("--at-min-isr-partitions", is_flag=True,
                                  help="describe: only partitions whose ISR equals min.insync.replicas."),
    "topics_with_overrides": _opt("--topics-with-overrides", is_flag=True,
                                  help="describe: only topics that have config overrides."),
    "partition_size_limit_per_response": _opt("--partition-size-limit-per-response", type=JavaInt(), hidden=True,
                                              help="Accepted for compatibility; librdkafka pages by itself."),
    "output": output_option(OUTPUTS),
    "timeout": _opt("--timeout", metavar="DURATION",
                    help="Give up when the cluster does not answer within this time (default 30s, at most 1h; "
                         "5m, 1500ms, ms)."),
}

PER_ACTION = {
    "create": ("topic", "partitions", "replication_factor", "replica_assignment", "configs", "if_not_exists"),
    "list": ("topic", "exclude_internal"),
    "describe": ("topic", "topic_id", "if_exists", "exclude_internal", "under_replicated_partitions",
                 "unavailable_partitions", "under_min_isr_partitions", "at_min_isr_partitions",
                 "topics_with_overrides", "partition_size_limit_per_response"),
    "alter": ("topic", "partitions", "replica_assignment", "if_exists"),
    "delete": ("topic", "if_exists"),
}
COMMON = ("output", "timeout", "delete_configs")
ACTIONS = ("create", "list", "describe", "alter", "delete")


@click.group(invoke_without_command=True, help=HELP,
             context_settings={"help_option_names": ["-h", "--help"]})
@action_flags(ACTIONS)
@apply_options(OPTIONS, OPTIONS)
@client_options(property_flag=None, property_help="Admin client setting k=v (repeatable).")
@click.pass_context
def command(ctx: click.Context, /, client: ClientOptions, **params: Any) -> None:
    from kcli.topics.actions import TopicArgs, run

    actions = chosen_actions(params, ACTIONS)
    args = TopicArgs.from_params(params)
    if ctx.invoked_subcommand is not None:
        if actions:
            raise UsageError(f"--{actions[0]} cannot be combined with the '{ctx.invoked_subcommand}' subcommand")
        ctx.obj = {**(ctx.obj or {}), "topics_args": args, "topics_client": client}
        return
    if len(actions) != 1:
        raise UsageError("Command must include exactly one action: --list, --describe, --create, --alter or --delete")
    run(actions[0], args, client)


def _subcommand(action: str, arg_help: str, short: str) -> click.Command:
    @command.command(name=action, help=f"{short}\n\n{arg_help}", short_help=short, epilog=EXIT_CODES)
    @click.argument("names", nargs=-1, metavar="[TOPIC]…",
                    shell_complete=None if action == "create" else complete_topics)
    @apply_options(OPTIONS, PER_ACTION[action] + COMMON)
    @client_options(property_flag=None, property_help="Admin client setting k=v (repeatable).")
    @click.pass_context
    def sub(ctx: click.Context, /, client: ClientOptions, names: tuple[str, ...], **params: Any) -> None:
        from kcli.topics.actions import TopicArgs, run

        args = TopicArgs.from_params({**params, "names": names})
        parent = (ctx.obj or {}).get("topics_args")
        if parent is not None:
            args.fill_from(parent)
        run(action, args, inherited_client(ctx, client, "topics_client"))

    return sub


_subcommand("create", "TOPIC is NAME[:PARTITIONS[:REPLICAS[:cleanup.policy]]] (KAFKA_CREATE_TOPICS form); "
            "several at once, separated by spaces or commas.", "Create topics.")
_subcommand("list", "TOPIC: regular expressions; a topic is listed when any matches.", "List topic names, sorted.")
_subcommand("describe", "TOPIC: regular expressions (default: every topic).", "Describe topics and partitions.")
_subcommand("alter", "TOPIC: regular expressions; --partitions N is required.", "Increase partition counts.")
_subcommand("delete", "TOPIC: regular expressions; each must match a topic unless --if-exists.", "Delete topics.")


@command.group(name="config", help="Topic config overrides (the topic part of kafka-configs.sh).",
               epilog=EXIT_CODES)
def config_group() -> None:
    """kcli topics config get|set|delete."""


def _config_common(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = client_options(property_flag=None, property_help="Admin client setting k=v (repeatable).")(fn)
    fn = OPTIONS["timeout"](fn)
    return OPTIONS["output"](fn)


@config_group.command(name="get", epilog=EXIT_CODES)
@click.argument("topic", shell_complete=complete_topics)
@click.option("--all", "show_all", is_flag=True, help="Every config entry, defaults included.")
@_config_common
@click.pass_context
def config_get(ctx: click.Context, client: ClientOptions, topic: str, show_all: bool, output: str | None,
               timeout: str | None) -> None:
    """Show a topic's config overrides (kafka-configs --describe --entity-type topics)."""
    from kcli.topics.actions import config_get as run_get

    run_get(inherited_client(ctx, client, "topics_client"), topic, show_all, output, timeout)


@config_group.command(name="set", epilog=EXIT_CODES)
@click.argument("topic", shell_complete=complete_topics)
@click.argument("assignments", nargs=-1, required=True, metavar="K=V…")
@_config_common
@click.pass_context
def config_set(ctx: click.Context, client: ClientOptions, topic: str, assignments: tuple[str, ...], output: str | None,
               timeout: str | None) -> None:
    """Set config overrides with an incremental alter (kafka-configs --alter --add-config)."""
    from kcli.config import parse_assignments
    from kcli.topics.actions import config_alter

    items = parse_assignments(assignments, option="config set")
    config_alter(inherited_client(ctx, client, "topics_client"), topic, items, [], output, timeout)


@config_group.command(name="delete", epilog=EXIT_CODES)
@click.argument("topic", shell_complete=complete_topics)
@click.argument("keys", nargs=-1, required=True, metavar="KEY…")
@_config_common
@click.pass_context
def config_delete(ctx: click.Context, client: ClientOptions, topic: str, keys: tuple[str, ...], output: str | None,
                  timeout: str | None) -> None:
    """Remove config overrides, back to the broker default (kafka-configs --alter --delete-config)."""
    from kcli.topics.actions import config_alter

    names = [k.partition("=")[0].strip() for k in keys]
    config_alter(inherited_client(ctx, client, "topics_client"), topic, {}, names, output, timeout)
