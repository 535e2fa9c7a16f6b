"""The run functions of `kcli profile create|use|list|show|delete|effective` (no click here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kcli.errors import UsageError
from kcli.output import echo, emit_structured
from kcli.profiles import api, store
from kcli.profiles.model import Profile, check_name

if TYPE_CHECKING:
    from kcli.clients import ClientOptions


def create(name: str, bootstrap: str | None, command_config: Sequence[str], properties: Sequence[str],
           connect: Mapping[str, Any], make_current: bool, update: bool) -> None:
    """Create profile `name` (or, with `update`, change the settings given and keep the others)."""
    from kcli.config import load_files, parse_assignments

    check_name(name)
    if bootstrap is not None and not bootstrap.strip(" ,"):
        raise UsageError("--bootstrap-server must name at least one HOST:PORT, got an empty value")
    existed = api.exists(name)
    if existed and not update:
        raise UsageError(f"profile '{name}' already exists ({store.config_file()}); --update changes it")
    # Files and -X as they are written: ${env:…} references stay references, resolved when the profile is used.
    client = {**load_files(command_config), **parse_assignments(properties)}
    bootstrap = bootstrap or client.pop("bootstrap.servers", None)
    client.pop("bootstrap.servers", None)
    path = api.save_profile(name, bootstrap=bootstrap, client=client, connect=connect, make_current=make_current,
                            replace=not update)
    echo(f"kcli: profile {name} {'updated' if existed else 'created'} ({path})", err=True)


def use(name: str) -> None:
    api.use_profile(name)
    echo(f"kcli: now using profile {name}", err=True)


def delete(name: str) -> None:
    path = api.delete_profile(name)
    echo(f"kcli: profile {name} deleted ({path})", err=True)


def masked(profile: Profile, show_secrets: bool = False) -> dict[str, Any]:
    """The profile as config.yaml holds it; literal secrets masked unless `show_secrets` (references shown)."""
    from kcli.config import mask_secrets

    data = profile.to_mapping()
    if show_secrets:
        return data
    if "client" in data:
        data["client"] = mask_secrets(data["client"], keep_references=True)
    if "connect" in data:
        strings = {k: v for k, v in data["connect"].items() if isinstance(v, str)}
        data["connect"] = {**data["connect"], **mask_secrets(strings, keep_references=True)}
    return data


def list_profiles(output: str | None) -> None:
    from kcli.connectors import render

    doc = store.load()
    fmt = render.fmt_of(output)
    if emit_structured({"current": doc.current,
                        "profiles": {n: masked(p) for n, p in doc.profiles.items()}}, fmt):
        return
    rows = [("*" if name == doc.current else "", name, p.bootstrap or "", ",".join(p.connect.get("url") or []))
            for name, p in sorted(doc.profiles.items())]
    render.emit(rows, fmt, lambda r: (("CURRENT", "NAME", "BOOTSTRAP", "CONNECT"), r))


def show(name: str | None, output: str | None, show_secrets: bool) -> None:
    """Print profile `name` (default: the active one) as config.yaml holds it."""
    from kcli.profiles.resolve import active_name

    chosen = name or active_name()
    if not chosen:
        raise UsageError(f"no profile is active: name one, set KCLI_PROFILE or `kcli profile use NAME` "
                         f"({store.config_file()})")
    emit_structured(masked(store.load().get(chosen), show_secrets), "json" if output == "json" else "yaml")


def effective(client: ClientOptions, output: str, show_secrets: bool) -> None:
    """The client settings (and Connect settings) a command would use with these options, here and now."""
    from kcli.config import mask_secrets, render_properties
    from kcli.connectors.options import ConnOptions, resolve
    from kcli.profiles.resolve import active_name

    config = dict(client.config())
    settings = resolve(ConnOptions(context=client.profile))
    connect = {k: v for k, v in settings.items() if v not in (None, False)}
    if not show_secrets:
        config = mask_secrets(config)
        connect = {**connect, **mask_secrets({k: v for k, v in connect.items() if isinstance(v, str)})}
    if emit_structured({"profile": active_name(client.profile), "client": config, "connect": connect}, output):
        return
    echo(render_properties(config), nl=False)
