"""`kcli groups`: kafka-consumer-groups.sh in Apache's flag form and in a subcommand form.

This module only declares options; validation, admin calls and formatting live in kcli.groups.

Where another action plugs in (e.g. --reset-offsets): add its flag to FLAG_ACTIONS, its options to
OPTIONS and PER_ACTION, a subcommand with _subcommand(), and its run function to
kcli.groups.actions.ACTIONS. Options unknown to GroupArgs reach the run function in `args.extra`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from kcli.cli.forms import action_flags, apply_options, chosen_actions, inherited_client
from kcli.cli.types import JavaInt
from kcli.clients import ClientOptions, client_options
from kcli.errors import UsageError
from kcli.output import output_option

OUTPUTS = ("text", "json", "yaml")
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1  # Java's long, as Apache reads --to-offset and --shift-by

HELP = """List, describe and delete consumer groups and their offsets, as kafka-consumer-groups.sh does.

\b
Apache's flag form (existing scripts port by renaming the command):
  kcli groups --list [--state [STATES]] [--type [TYPES]]
  kcli groups --describe (--group G… | --all-groups) [--offsets | --members | --state] [--verbose]
  kcli groups --delete (--group G… | --all-groups)
  kcli groups --delete-offsets --group G --topic T[:P,P…]…
  kcli groups --reset-offsets (--group G… | --all-groups) (--all-topics | --topic T[:P,P…]…)
              (--to-earliest | --to-latest | --to-current | --to-offset N | --shift-by ±N |
               --to-datetime YYYY-MM-DDTHH:mm:SS.sss[TZ] | --by-duration PnDTnHnMnS | --from-file CSV)
              [--dry-run | --execute] [--export]
\b
Subcommand form, same options; groups may also be given as arguments:
  kcli groups list --state stable,empty
  kcli groups describe G1 G2 --members --verbose
  kcli groups delete G1 G2
  kcli groups delete-offsets G --topic T
  kcli groups reset G --all-topics --to-earliest --execute

Output: text is byte for byte what kafka-consumer-groups prints on stdout (its notices, such as
"Consumer group 'G' has no active members.", on stderr as Apache prints them); -o json|yaml gives
the same facts as data (lag per partition, members, state, coordinator). Lag needs the log-end
offsets: kcli asks for all partitions of all described groups in one request.
Errors are one line on stderr (Apache prints them on stdout and exits 0).

\b
Exit codes: 0 success; 1 Kafka-side failure (unknown group, group not empty, authorization,
broker unreachable within --timeout); 2 usage error (Apache uses 1).
"""

EXIT_CODES = ("Exit codes: 0 success; 1 Kafka-side failure (unknown group, group not empty, authorization, "
              "broker unreachable within --timeout); 2 usage error.")


def _opt(*decls: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(*decls, **kwargs)


# name -> option decorator; subcommands pick the ones that apply to them.
OPTIONS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "group": _opt("--group", "groups", multiple=True, metavar="GROUP",
                  help="The consumer group (repeatable for describe and delete)."),
    "all_groups": _opt("--all-groups", is_flag=True, help="Every consumer group (describe, delete)."),
    "topic": _opt("--topic", "topics", multiple=True, metavar="TOPIC[:P,P…]",
                  help="delete-offsets: the topic whose offsets go; reset-offsets: a topic to reset; optionally "
                       "only some partitions (repeatable)."),
    "offsets": _opt("--offsets", is_flag=True,
                    help="describe: every partition with its committed offset, log-end offset and lag (default)."),
    "members": _opt("--members", is_flag=True, help="describe: the members of the group and their partitions."),
    "state": _opt("--state", "state", is_flag=False, flag_value="", default=None, metavar="[STATES]",
                  help="describe: the group's state and coordinator; list: show states, or only groups in "
                       "these states (comma-separated, e.g. stable,empty)."),
    "type": _opt("--type", "group_type", is_flag=False, flag_value="", default=None, metavar="[TYPES]",
                 help="list: show group types, or only groups of these types (classic,consumer)."),
    "verbose": _opt("--verbose", is_flag=True,
                    help="describe: more columns (leader epochs, member epochs and assignments, group epochs)."),
    # --reset-offsets (kcli.groups.reset_run): scope, one strategy, mode
    "all_topics": _opt("--all-topics", is_flag=True,
                       help="reset: every partition the group has committed an offset for."),
    "to_earliest": _opt("--to-earliest", is_flag=True, help="reset: to the earliest offset."),
    "to_latest": _opt("--to-latest", is_flag=True, help="reset: to the latest (log-end) offset."),
    "to_current": _opt("--to-current", is_flag=True,
                       help="reset: to the committed offset (the latest where none is committed)."),
    "to_offset": _opt("--to-offset", type=JavaInt(LONG_MIN, LONG_MAX), metavar="N",
                      help="reset: to offset N (kept between the earliest and latest offsets)."),
    "shift_by": _opt("--shift-by", type=JavaInt(LONG_MIN, LONG_MAX), metavar="±N",
                     help="reset: the committed offset moved by N (kept between the earliest and latest offsets)."),
    "to_datetime": _opt("--to-datetime", metavar="YYYY-MM-DDTHH:mm:SS.sss[TZ]",
                        help="reset: to the first offset at or after this time (Z, +hh:mm, -hh:mm; default UTC)."),
    "by_duration": _opt("--by-duration", metavar="PnDTnHnMnS",
                        help="reset: to the first offset at or after now minus this ISO-8601 duration."),
    "from_file": _opt("--from-file", metavar="CSV",
                      help="reset: to the offsets of a CSV file (as --export writes it; - reads stdin)."),
    "dry_run": _opt("--dry-run", is_flag=True, help="reset: only print the plan (the default)."),
    "execute": _opt("--execute", is_flag=True, help="reset: commit the new offsets."),
    "export": _opt("--export", is_flag=True, help="reset: print the plan as CSV (for --from-file)."),
    "output": output_option(OUTPUTS),
    "timeout": _opt("--timeout", metavar="DURATION",
                    help="Give up when the cluster does not answer within this time (default 30000 ms, as Apache; "
                         "30s, 5m, 1500ms, bare ms)."),
}

PER_ACTION: dict[str, tuple[str, ...]] = {
    "list": ("state", "type"),
    "describe": ("group", "all_groups", "offsets", "members", "state", "verbose"),
    "delete": ("group", "all_groups"),
    "delete-offsets": ("group", "topic"),
    "reset": ("group", "all_groups", "topic", "all_topics", "to_earliest", "to_latest", "to_current", "to_offset",
              "shift_by", "to_datetime", "by_duration", "from_file", "dry_run", "execute", "export"),
}
COMMON = ("output", "timeout")

# Apache's action flags, in the order its usage message names them (reset-offsets plugs in here).
FLAG_ACTIONS = ("list", "describe", "delete", "reset-offsets", "delete-offsets")


@click.group(invoke_without_command=True, help=HELP, epilog=None,
             context_settings={"help_option_names": ["-h", "--help"]})
@action_flags(FLAG_ACTIONS)
@apply_options(OPTIONS, OPTIONS)
@client_options(property_flag=None, property_help="Admin client setting k=v (repeatable).")
@click.pass_context
def command(ctx: click.Context, /, client: ClientOptions, **params: Any) -> None:
    from kcli.groups.actions import GroupArgs, run

    actions = chosen_actions(params, FLAG_ACTIONS)
    args = GroupArgs.from_params(params)
    if ctx.invoked_subcommand is not None:
        if actions:
            raise UsageError(f"--{actions[0]} cannot be combined with the '{ctx.invoked_subcommand}' subcommand")
        ctx.obj = {**(ctx.obj or {}), "groups_args": args, "groups_client": client}
        return
    if len(actions) != 1:
        raise UsageError("Command must include exactly one action: " + ", ".join(f"--{a}" for a in FLAG_ACTIONS))
    if actions[0] == "reset-offsets":
        from kcli.groups.reset_run import run_reset

        run_reset(args, client, flag_form=True)
        return
    run(actions[0], args, client, flag_form=True)


def _subcommand(action: str, arg_help: str, short: str, metavar: str = "[GROUP]…") -> click.Command:
    @command.command(name=action, help=f"{short}\n\n{arg_help}", short_help=short, epilog=EXIT_CODES)
    @click.argument("names", nargs=-1, metavar=metavar)
    @apply_options(OPTIONS, PER_ACTION[action] + COMMON)
    @client_options(property_flag=None, property_help="Admin client setting k=v (repeatable).")
    @click.pass_context
    def sub(ctx: click.Context, /, client: ClientOptions, names: tuple[str, ...], **params: Any) -> None:
        from kcli.groups.actions import GroupArgs, run

        args = GroupArgs.from_params({**params, "names": names})
        parent = (ctx.obj or {}).get("groups_args")
        if parent is not None:
            args.fill_from(parent)
        run(action, args, inherited_client(ctx, client, "groups_client"), flag_form=False)

    return sub


_subcommand("list", "Without --state/--type: the group ids, one a line.", "List consumer groups.", metavar="")
_subcommand("describe", "GROUP: group ids (or --group, --all-groups).", "Describe groups: offsets and lag, "
            "members or state.")
_subcommand("delete", "GROUP: group ids (or --group, --all-groups); each must be empty.", "Delete consumer groups.")
_subcommand("delete-offsets", "GROUP: one group id (or --group); --topic T[:P,P…] says which offsets.",
            "Delete committed offsets of a group.", metavar="[GROUP]")


@command.command(name="reset", short_help="Reset committed offsets of inactive groups.", epilog=EXIT_CODES)
@click.argument("names", nargs=-1, metavar="[GROUP]…")
@apply_options(OPTIONS, PER_ACTION["reset"] + COMMON)
@client_options(property_flag=None, property_help="Admin client setting k=v (repeatable).")
@click.pass_context
def reset(ctx: click.Context, /, client: ClientOptions, names: tuple[str, ...], **params: Any) -> None:
    """Reset committed offsets of inactive groups (--reset-offsets).

    GROUP: group ids (or --group, --all-groups). Scope: --all-topics or --topic T[:P,P…]; one strategy
    (--to-earliest, --to-latest, --to-current, --to-offset, --shift-by, --to-datetime, --by-duration,
    --from-file). Without --execute only the plan is printed.
    """
    from kcli.groups.actions import GroupArgs
    from kcli.groups.reset_run import run_reset

    args = GroupArgs.from_params({**params, "names": names})
    parent = (ctx.obj or {}).get("groups_args")
    if parent is not None:
        args.fill_from(parent)
    run_reset(args, inherited_client(ctx, client, "groups_client"), flag_form=False)
