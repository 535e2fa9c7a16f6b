"""The client options every Kafka command shares: --bootstrap-server, --command-config, -X, --profile.

Precedence: flags (--bootstrap-server, -X, --command-config files) > environment (KCLI_BOOTSTRAP_SERVER) >
the active profile (kcli/profiles) > defaults.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import click
from click.core import ParameterSource

from kcli.profiles.resolve import PROFILE_META

DEFAULT_BOOTSTRAP = "localhost:9092"
BOOTSTRAP_ENV = "KCLI_BOOTSTRAP_SERVER"


class ClientConfig(dict[str, str]):
    """The merged Java-style client settings, remembering where each key was given (`origins`).

    A plain dict to every caller; kcli.clients uses `origins` to say in which file a bad key is.
    """

    def __init__(self, data: dict[str, str], origins: dict[str, str] | None = None) -> None:
        super().__init__(data)
        self.origins: dict[str, str] = origins or {}


@dataclass
class ClientOptions:
    """What the user said: `bootstrap_server` is the flag's value (None when not given on the command line),
    `profile` the --profile flag's (None: KCLI_PROFILE, else the profiles file's current one)."""

    bootstrap_server: str | None = None
    command_config: Sequence[str] = ()
    properties: Sequence[str] = field(default_factory=tuple)
    profile: str | None = None

    def config(self, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
        """Defaults < profile < KCLI_BOOTSTRAP_SERVER < --command-config files < -X k=v < --bootstrap-server
        (and extra options)."""
        from kcli.config import load_config  # lazy: keeps `--help` of every Kafka command fast

        profile = self._profile_layer()
        env_bootstrap = os.environ.get(BOOTSTRAP_ENV, "").strip()
        base = {"bootstrap.servers": DEFAULT_BOOTSTRAP, **profile}
        if env_bootstrap:
            base["bootstrap.servers"] = env_bootstrap
        explicit: dict[str, str | None] = {"bootstrap.servers": self.bootstrap_server}
        explicit.update(extra or {})
        cfg = load_config(self.command_config, self.properties, explicit=explicit, defaults=base)
        return ClientConfig(cfg, self._origins(profile))

    def _profile_layer(self) -> dict[str, str]:
        from kcli.profiles import active, client_layer  # lazy, as load_config

        return client_layer(active(self.profile))

    def _origins(self, profile: Mapping[str, str]) -> dict[str, str]:
        """key -> the profile, --command-config file or `-X` that gave it (the last one wins, as in the merge)."""
        from kcli.config import load_file

        origins: dict[str, str] = {}
        if profile:
            from kcli.profiles import active_name, config_file

            origins.update(dict.fromkeys(profile, f"profile '{active_name(self.profile)}' ({config_file()})"))
        for path in self.command_config:
            origins.update(dict.fromkeys(load_file(path), str(path)))
        for item in self.properties:
            origins[item.partition("=")[0].strip()] = "-X"
        return origins

    @property
    def bootstrap(self) -> str:
        return self.config().get("bootstrap.servers", DEFAULT_BOOTSTRAP)


def _complete_profiles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from kcli.profiles import names  # lazy: only a shell completion needs it

    return names(incomplete)


def client_options(
    config_aliases: Iterable[str] = (),
    property_flag: str | None = "--property",
    property_help: str = "Client setting k=v (repeatable).",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a click command with the shared Kafka client options.

    The command receives `client: ClientOptions` instead of the raw option values; --profile is among them
    (a --profile given on `kcli` itself or on a parent group counts when the command has none).
    `config_aliases` adds the Apache spellings of --command-config (e.g. --consumer.config);
    `property_flag=None` keeps `--property` free for a tool that gives it another meaning.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        prop_decls = ["-X", "client_properties"] + ([property_flag] if property_flag else [])
        cfg_decls = ["--command-config", *config_aliases, "command_config"]

        @click.option("--bootstrap-server", "bootstrap_server", envvar="KCLI_BOOTSTRAP_SERVER",
                      metavar="HOST:PORT",
                      help=f"Kafka bootstrap servers (env KCLI_BOOTSTRAP_SERVER, else the profile's, else "
                           f"{DEFAULT_BOOTSTRAP}).")
        @click.option(*cfg_decls, multiple=True, metavar="FILE",
                      type=click.Path(dir_okay=False), help="Client settings file (.properties/.yaml/.json).")
        @click.option(*prop_decls, multiple=True, metavar="K=V", help=property_help)
        @click.option("--profile", "profile", metavar="NAME", shell_complete=_complete_profiles,
                      help="Use this profile's settings (env KCLI_PROFILE; see `kcli profile`).")
        def wrapper(*args: Any, bootstrap_server: str | None, command_config: tuple[str, ...],
                    client_properties: tuple[str, ...], profile: str | None, **kwargs: Any) -> Any:
            ctx = click.get_current_context()
            if ctx.get_parameter_source("bootstrap_server") is ParameterSource.ENVIRONMENT:
                bootstrap_server = None  # KCLI_BOOTSTRAP_SERVER: ranked below the flags by config()
            if bootstrap_server is not None and not bootstrap_server.strip(" ,"):
                from kcli.errors import UsageError

                raise UsageError("--bootstrap-server must name at least one HOST:PORT, got an empty value")
            if profile:
                ctx.meta[PROFILE_META] = profile  # a subcommand of this group inherits it
            kwargs["client"] = ClientOptions(bootstrap_server, command_config, client_properties,
                                             profile or ctx.meta.get(PROFILE_META))
            return fn(*args, **kwargs)

        wrapper.__name__ = fn.__name__
        wrapper.__doc__ = fn.__doc__
        return wrapper

    return decorate
