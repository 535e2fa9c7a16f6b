"""What the commands mirroring an Apache flag-form tool share (topics, groups): option tables, the action flags,
and subcommands that inherit what was given on the command itself (`kcli topics --bootstrap-server B list`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import click

from kcli.clients import ClientOptions

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def apply_options(table: Mapping[str, Decorator], names: Iterable[str]) -> Decorator:
    """Decorate with the options `names` of `table`, in that order on --help."""
    chosen = list(names)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed(chosen):
            fn = table[name](fn)
        return fn

    return decorate


def action_param(action: str) -> str:
    return "do_" + action.replace("-", "_")


def action_flags(actions: Sequence[str]) -> Decorator:
    """One `--ACTION` flag per action (Apache's flag form), read back by `chosen_actions`."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for action in reversed(actions):
            fn = click.option(f"--{action}", action_param(action), is_flag=True,
                              help=f"Action: {action} (Apache flag form).")(fn)
        return fn

    return decorate


def chosen_actions(params: dict[str, Any], actions: Sequence[str]) -> list[str]:
    """The action flags given, taken out of `params`."""
    return [a for a in actions if params.pop(action_param(a))]


def inherited_client(ctx: click.Context, client: ClientOptions, key: str) -> ClientOptions:
    """A subcommand's client options, completed by those given on the command (stored in ctx.obj[key])."""
    parent = (ctx.obj or {}).get(key)
    if parent is None:
        return client
    for attr in ("bootstrap_server", "command_config", "properties"):
        if not getattr(client, attr):
            setattr(client, attr, getattr(parent, attr))
    return client
