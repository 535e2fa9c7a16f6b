"""The client options every Kafka command shares: --bootstrap-server, --command-config, -X."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import click

DEFAULT_BOOTSTRAP = "localhost:9092"


class ClientConfig(dict[str, str]):
    """The merged Java-style client settings, remembering where each key was given (`origins`).

    A plain dict to every caller; kcli.clients uses `origins` to say in which file a bad key is.
    """

    def __init__(self, data: dict[str, str], origins: dict[str, str] | None = None) -> None:
        super().__init__(data)
        self.origins: dict[str, str] = origins or {}


@dataclass
class ClientOptions:
    bootstrap_server: str | None = None
    command_config: Sequence[str] = ()
    properties: Sequence[str] = field(default_factory=tuple)

    def config(self, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
        """Defaults < --command-config files < -X k=v < --bootstrap-server (and extra options)."""
        from kcli.config import load_config  # lazy: keeps `--help` of every Kafka command fast

        explicit: dict[str, str | None] = {"bootstrap.servers": self.bootstrap_server}
        explicit.update(extra or {})
        cfg = load_config(self.command_config, self.properties, explicit=explicit)
        cfg.setdefault("bootstrap.servers", os.environ.get("KCLI_BOOTSTRAP_SERVER") or DEFAULT_BOOTSTRAP)
        return ClientConfig(cfg, self._origins())

    def _origins(self) -> dict[str, str]:
        """key -> the --command-config file or `-X` that gave it (the last one wins, as in the merge)."""
        from kcli.config import load_file

        origins: dict[str, str] = {}
        for path in self.command_config:
            origins.update(dict.fromkeys(load_file(path), str(path)))
        for item in self.properties:
            origins[item.partition("=")[0].strip()] = "-X"
        return origins

    @property
    def bootstrap(self) -> str:
        return self.config().get("bootstrap.servers", DEFAULT_BOOTSTRAP)


def client_options(
    config_aliases: Iterable[str] = (),
    property_flag: str | None = "--property",
    property_help: str = "Client setting k=v (repeatable).",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a click command with the shared Kafka client options.

    The command receives `client: ClientOptions` instead of the raw option values.
    `config_aliases` adds the Apache spellings of --command-config (e.g. --consumer.config);
    `property_flag=None` keeps `--property` free for a tool that gives it another meaning.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        prop_decls = ["-X", "client_properties"] + ([property_flag] if property_flag else [])
        cfg_decls = ["--command-config", *config_aliases, "command_config"]

        @click.option("--bootstrap-server", "bootstrap_server", envvar="KCLI_BOOTSTRAP_SERVER",
                      metavar="HOST:PORT", help=f"Kafka bootstrap servers (default {DEFAULT_BOOTSTRAP}).")
        @click.option(*cfg_decls, multiple=True, metavar="FILE",
                      type=click.Path(dir_okay=False), help="Client settings file (.properties/.yaml/.json).")
        @click.option(*prop_decls, multiple=True, metavar="K=V", help=property_help)
        def wrapper(*args: Any, bootstrap_server: str | None, command_config: tuple[str, ...],
                    client_properties: tuple[str, ...], **kwargs: Any) -> Any:
            if bootstrap_server is not None and not bootstrap_server.strip(" ,"):
                from kcli.errors import UsageError

                raise UsageError("--bootstrap-server must name at least one HOST:PORT, got an empty value")
            kwargs["client"] = ClientOptions(bootstrap_server, command_config, client_properties)
            return fn(*args, **kwargs)

        wrapper.__name__ = fn.__name__
        wrapper.__doc__ = fn.__doc__
        return wrapper

    return decorate
