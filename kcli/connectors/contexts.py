"""Named Connect contexts (as kcctl keeps them): since profiles, a context is the `connect:` part of a profile
in config.yaml (kcli/profiles). The old `contexts.yaml` is moved into config.yaml the first time it is read.

    current: local
    profiles:
      local:
        connect:
          url: [http://localhost:8083]
          user: admin            # optional; password, cacert, cert, key, insecure, timeout too
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kcli.errors import UsageError
from kcli.profiles import CONNECT_FIELDS as FIELDS
from kcli.profiles import config_dir, legacy_contexts_file
from kcli.profiles import store as _store

__all__ = ["FIELDS", "config_dir", "contexts_file", "delete", "get", "load", "set_context", "use"]


def contexts_file() -> Path:
    """The pre-profiles contexts file (still read when config.yaml does not exist yet)."""
    return legacy_contexts_file()


def load() -> dict[str, Any]:
    """The contexts: {"current": name|None, "contexts": {name: connect settings}} of the profiles that have some."""
    doc = _store.load()
    contexts = {name: dict(p.connect) for name, p in doc.profiles.items() if p.connect}
    return {"current": doc.current, "contexts": contexts}


def _existing(name: str) -> None:
    doc = _store.load()
    if name not in doc.profiles:
        raise UsageError(f"no context named '{name}' ({doc.path})")


def get(name: str | None) -> dict[str, Any]:
    """The Connect settings of context `name`, or of the active profile when None ({} when there is none);
    ${env:…}/${file:…} references resolved."""
    from kcli.profiles import active, connect_settings

    if name:
        _existing(name)
    return connect_settings(active(name))


def set_context(name: str, settings: dict[str, Any], make_current: bool) -> Path:
    """Create or update a context; None values leave a field as it was."""
    from kcli.profiles import save_profile

    for key in settings:
        if key not in FIELDS:
            raise UsageError(f"unknown context field '{key}'")
    return save_profile(name, connect=settings, make_current=make_current, replace=False)


def use(name: str) -> Path:
    from kcli.profiles import use_profile

    _existing(name)
    return use_profile(name)


def delete(name: str) -> Path:
    """Drop the Connect settings of `name` (the profile too when nothing else is left in it)."""
    from kcli.profiles import replace_connect

    _existing(name)
    return replace_connect(name, None)
