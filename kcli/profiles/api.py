"""Changing profiles: create or update, use, delete — for `kcli profile` and for other commands
(`kcli dev up` writes its `dev` profile with save_profile)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kcli.errors import ConfigError, UsageError
from kcli.profiles import store
from kcli.profiles.model import CONNECT_FIELDS, Profile, check_name


def _write(doc: store.Document) -> Path:
    try:
        return store.save(doc)
    except OSError as exc:
        raise ConfigError(f"cannot write the profiles file: {exc.strerror or exc} ({doc.path})") from None


def save_profile(
    name: str,
    *,
    bootstrap: str | None = None,
    client: Mapping[str, str] | None = None,
    connect_url: str | Sequence[str] | None = None,
    connect: Mapping[str, Any] | None = None,
    make_current: bool = False,
    replace: bool = True,
) -> Path:
    """Write profile `name` and return the file's path.

    `bootstrap` is bootstrap.servers; `client` Java client properties; `connect_url` the Connect REST URL(s);
    `connect` more Connect settings (user, password, cacert, cert, key, insecure, timeout). With `replace`
    (the default) the profile is exactly what is given; otherwise given values update an existing profile
    and the rest stays. `make_current` (or a file with no current profile) makes it the current one.
    """
    check_name(name)
    doc = store.load()
    old = doc.profiles.get(name) if not replace else None
    settings: dict[str, Any] = dict(old.connect if old else {})
    for key, value in (connect or {}).items():
        if key not in CONNECT_FIELDS:
            raise UsageError(f"unknown Connect setting '{key}' (known: {', '.join(CONNECT_FIELDS)})")
        if value is not None and value != ():
            settings[key] = value
    if connect_url:
        settings["url"] = [connect_url] if isinstance(connect_url, str) else list(connect_url)
    if isinstance(settings.get("url"), (tuple, str)):
        settings["url"] = [settings["url"]] if isinstance(settings["url"], str) else list(settings["url"])
    profile = Profile(
        name,
        bootstrap or (old.bootstrap if old else None),
        {**(old.client if old else {}), **(client or {})},
        settings,
    )
    # Read back through the same checks as the file: what is saved can always be loaded.
    doc.profiles[name] = Profile.from_mapping(name, profile.to_mapping(), doc.path)
    if make_current or not doc.current:
        doc.current = name
    return _write(doc)


def exists(name: str) -> bool:
    return name in store.load().profiles


def get_profile(name: str) -> Profile:
    return store.load().get(name)


def use_profile(name: str) -> Path:
    doc = store.load()
    doc.get(name)
    doc.current = name
    return _write(doc)


def delete_profile(name: str) -> Path:
    doc = store.load()
    doc.get(name)
    del doc.profiles[name]
    if doc.current == name:
        doc.current = None
    return _write(doc)


def replace_connect(name: str, connect: Mapping[str, Any] | None) -> Path:
    """Set (or, with None, drop) the Connect side of profile `name`; a profile left empty is deleted."""
    doc = store.load()
    old = doc.get(name)
    profile = Profile(name, old.bootstrap, old.client, dict(connect or {}))
    if profile.empty:
        del doc.profiles[name]
        if doc.current == name:
            doc.current = None
    else:
        doc.profiles[name] = profile
    return _write(doc)


def names(incomplete: str = "") -> list[str]:
    """Profile names starting with `incomplete`, sorted (for shell completion: nothing on any error)."""
    from kcli.errors import KcliError

    try:
        found = store.load().profiles
    except (KcliError, OSError):
        return []
    return sorted(n for n in found if n.startswith(incomplete))
