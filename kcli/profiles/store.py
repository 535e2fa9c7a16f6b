"""config.yaml on disk: where it is, reading it (once per process and change), writing it atomically,
and moving the old contexts.yaml into it the first time kcli looks.

    current: prod
    profiles:
      prod: {bootstrap-server: …, client: {…}, connect: {…}}     # see kcli/profiles/model.py

The file is `$KCLI_CONFIG`, else `config.yaml` in `$KCLI_CONFIG_DIR`, `$XDG_CONFIG_HOME/kcli` or
`~/.config/kcli`. Top-level keys kcli does not know are kept as they are.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kcli.errors import ConfigError, UsageError
from kcli.profiles.model import Profile

CONFIG_NAME = "config.yaml"
LEGACY_CONTEXTS = "contexts.yaml"


def config_dir() -> Path:
    """The kcli configuration directory (KCLI_CONFIG_DIR > XDG_CONFIG_HOME/kcli > ~/.config/kcli)."""
    override = os.environ.get("KCLI_CONFIG_DIR")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "kcli"


def config_file() -> Path:
    """The profiles file: KCLI_CONFIG, else config.yaml in config_dir()."""
    override = os.environ.get("KCLI_CONFIG")
    return Path(override) if override else config_dir() / CONFIG_NAME


def legacy_contexts_file() -> Path:
    """The contexts file of kcli before profiles (`kcli connectors context`), read when config.yaml is missing."""
    return config_dir() / LEGACY_CONTEXTS


@dataclass
class Document:
    """The whole profiles file: the current profile's name, the profiles, other top-level keys as found."""

    path: Path
    current: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Profile:
        """Profile `name`; a name the file does not hold is a usage error naming the file."""
        found = self.profiles.get(name)
        if found is None:
            raise UsageError(f"no profile named '{name}' ({self.path})")
        return found

    def to_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {"current": self.current}
        out["profiles"] = {name: p.to_mapping() for name, p in self.profiles.items()}
        out.update(self.extra)
        return out


_cache: dict[Path, tuple[tuple[int, int], Document]] = {}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _yaml_mapping(path: Path, what: str) -> dict[str, Any]:
    import yaml

    from kcli.config import read_text

    text = read_text(path)  # unreadable, not UTF-8…: a ConfigError naming the file
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot read {what}: {str(exc).splitlines()[0]} ({path})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"malformed {what} file: expected a mapping at the top level ({path})")
    return data


def _parse(path: Path) -> Document:
    data = _yaml_mapping(path, "profiles")
    profiles = data.pop("profiles", None) or {}
    if not isinstance(profiles, dict):
        raise ConfigError(f"malformed profiles file: 'profiles' must be a mapping of names ({path})")
    current = data.pop("current", None)
    doc = Document(path, None if current is None else str(current), extra=data)
    doc.profiles = {str(name): Profile.from_mapping(str(name), body, path) for name, body in profiles.items()}
    return doc


def _from_contexts(legacy: Path, target: Path) -> Document:
    """The old contexts.yaml as a Document: each context a profile holding only Connect settings."""
    data = _yaml_mapping(legacy, "contexts")
    contexts = data.get("contexts") or {}
    if not isinstance(contexts, dict):
        raise ConfigError(f"malformed contexts file: expected a mapping with 'contexts' ({legacy})")
    doc = Document(target, data.get("current") or None)
    for name, ctx in contexts.items():
        if not isinstance(ctx, dict):
            raise ConfigError(f"malformed context '{name}': expected a mapping ({legacy})")
        doc.profiles[str(name)] = Profile.from_mapping(str(name), {"connect": ctx}, legacy)
    return doc


def load() -> Document:
    """The profiles document. Without config.yaml, an old contexts.yaml is moved into it (the old file is
    left in place for older kcli versions; if config.yaml cannot be written, the old file is read as it is)."""
    path = config_file()
    stamp = _stamp(path)
    cached = _cache.get(path)
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    if stamp is not None:
        doc = _parse(path)
        _cache[path] = (stamp, doc)
        return doc
    legacy = legacy_contexts_file()
    if not legacy.exists():
        return Document(path)
    doc = _from_contexts(legacy, path)
    try:
        save(doc)
    except OSError:
        return doc
    if not os.environ.get("_KCLI_COMPLETE"):  # not in the middle of a shell completion
        print(f"kcli: moved the contexts of {legacy} into {path} as profiles", file=sys.stderr)
    return doc


def save(doc: Document) -> Path:
    """Write the document atomically, readable by the user only (it may hold passwords)."""
    import tempfile

    import yaml

    path = doc.path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yaml.safe_dump(doc.to_mapping(), fh, sort_keys=False, default_flow_style=False, allow_unicode=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _cache.pop(path, None)
    return path
