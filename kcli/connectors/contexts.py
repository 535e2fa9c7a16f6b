"""Named connection contexts in `contexts.yaml` (as kcctl keeps them), one file per user.

The file lives in `$KCLI_CONFIG_DIR`, else `$XDG_CONFIG_HOME/kcli`, else `~/.config/kcli`:

    current: local
    contexts:
      local:
        url: [http://localhost:8083]
        user: admin            # optional; password, cacert, cert, key, insecure, timeout too
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from kcli.errors import ConfigError, UsageError

FIELDS = ("url", "user", "password", "cacert", "cert", "key", "insecure", "timeout")


def config_dir() -> Path:
    """The kcli configuration directory (KCLI_CONFIG_DIR > XDG_CONFIG_HOME/kcli > ~/.config/kcli)."""
    override = os.environ.get("KCLI_CONFIG_DIR")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "kcli"


def contexts_file() -> Path:
    return config_dir() / "contexts.yaml"


def load() -> dict[str, Any]:
    """The whole contexts document: {"current": name|None, "contexts": {name: {...}}}."""
    import yaml

    from kcli.config import read_text

    path = contexts_file()
    if not path.exists():
        return {"current": None, "contexts": {}}
    text = read_text(path)  # unreadable, not UTF-8…: a ConfigError naming the file
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot read contexts: {str(exc).splitlines()[0]} ({path})") from None
    if not isinstance(data, dict) or not isinstance(data.get("contexts", {}) or {}, dict):
        raise ConfigError(f"malformed contexts file: expected a mapping with 'contexts' ({path})")
    contexts = data.get("contexts") or {}
    for name, ctx in contexts.items():
        if not isinstance(ctx, dict):
            raise ConfigError(f"malformed context '{name}': expected a mapping ({path})")
    return {"current": data.get("current"), "contexts": contexts}


def save(doc: dict[str, Any]) -> Path:
    """Write the contexts document atomically, readable by the user only (it may hold passwords)."""
    import yaml

    path = contexts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".contexts-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yaml.safe_dump(doc, fh, sort_keys=False, default_flow_style=False)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def get(name: str | None) -> dict[str, Any]:
    """The settings of context `name` (or of the current one when name is None; {} when none is set)."""
    doc = load()
    chosen = name or doc.get("current")
    if not chosen:
        return {}
    return dict(_existing(doc, chosen))


def set_context(name: str, settings: dict[str, Any], make_current: bool) -> Path:
    """Create or update a context; None values leave a field as it was."""
    doc = load()
    ctx = dict(doc["contexts"].get(name) or {})
    for key, value in settings.items():
        if key not in FIELDS:
            raise UsageError(f"unknown context field '{key}'")
        if value is not None and value != ():
            ctx[key] = list(value) if isinstance(value, tuple) else value
    doc["contexts"][name] = ctx
    if make_current or not doc.get("current"):
        doc["current"] = name
    return save(doc)


def _existing(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """Context `name` of the loaded file; a name it does not hold is a usage error naming the file."""
    ctx = doc["contexts"].get(name)
    if ctx is None:
        raise UsageError(f"no context named '{name}' ({contexts_file()})")
    return ctx


def use(name: str) -> Path:
    doc = load()
    _existing(doc, name)
    doc["current"] = name
    return save(doc)


def delete(name: str) -> Path:
    doc = load()
    _existing(doc, name)
    del doc["contexts"][name]
    if doc.get("current") == name:
        doc["current"] = None
    return save(doc)
