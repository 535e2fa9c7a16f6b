"""Old/new option spellings (Kafka 4.2, KIP-1147): accept both, warn on the old one, refuse both at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kcli.clients import ClientOptions
from kcli.errors import UsageError
from kcli.output import echo


@dataclass(frozen=True)
class Renamed:
    """One renamed option: `new`/`old` are the flags, `new_param`/`old_param` their click parameter names."""

    new: str
    old: str
    new_param: str
    old_param: str


def _given(value: object) -> bool:
    return value not in (None, (), [], False)


def resolve_spellings(params: Mapping[str, Any], pairs: Sequence[Renamed]) -> dict[str, Any]:
    """Return {new_param: value} for every pair, taking whichever spelling the user gave.

    An old spelling prints one deprecation line on stderr; both spellings together are a usage error.
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        new_value, old_value = params.get(pair.new_param), params.get(pair.old_param)
        if _given(new_value) and _given(old_value):
            raise UsageError(f"Option {pair.new} and {pair.old} cannot be specified together")
        if _given(old_value):
            echo(f"Option {pair.old} is deprecated and will be removed in a future version. "
                 f"Use {pair.new} instead.", err=True)
            out[pair.new_param] = old_value
        else:
            out[pair.new_param] = new_value
    return out


def resolve_client_spellings(client: ClientOptions, params: dict[str, Any],
                             pairs: Sequence[Renamed]) -> tuple[ClientOptions, dict[str, Any]]:
    """Resolve the spellings of a console command (`pairs` must rename `command_config_new` and
    `command_property`) and fold the chosen --command-config/--command-property into the client options."""
    params["command_config_new"] = client.command_config
    chosen = resolve_spellings(params, pairs)
    client = replace(client, command_config=tuple(chosen["command_config_new"] or ()),
                     properties=(*client.properties, *(chosen["command_property"] or ())))
    return client, chosen
