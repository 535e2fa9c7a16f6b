"""Config providers (KIP-297, KIP-887): ${env:VAR}, ${file:/path:key}, ${directory:/dir:name}.

As in Apache, a provider works only when named in `config.providers`; its class is given by
`config.providers.<name>.class` (Apache's class names are understood) or inferred from the name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from kcli.errors import ConfigError

# Apache's pattern: ${provider:[path:]key}
_VARIABLE = re.compile(r"\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}")

Lookup = Callable[[str | None, str], str | None]


def _env(path: str | None, key: str) -> str | None:
    return os.environ.get(key)


def _file(path: str | None, key: str) -> str | None:
    if not path:
        return None
    from kcli.config.loader import parse_properties  # lazy: loader imports this module

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"config provider 'file' cannot read {path}: {why}") from None
    return parse_properties(text, Path(path)).get(key)


def _directory(path: str | None, key: str) -> str | None:
    if not path:
        return None
    target = Path(path) / key
    if target.parent.resolve() != Path(path).resolve():
        return None
    try:
        return target.read_text(encoding="utf-8")
    except OSError:
        return None


_BY_CLASS: dict[str, Lookup] = {
    "org.apache.kafka.common.config.provider.EnvVarConfigProvider": _env,
    "org.apache.kafka.common.config.provider.FileConfigProvider": _file,
    "org.apache.kafka.common.config.provider.DirectoryConfigProvider": _directory,
    "EnvVarConfigProvider": _env,
    "FileConfigProvider": _file,
    "DirectoryConfigProvider": _directory,
}
_BY_NAME: dict[str, Lookup] = {"env": _env, "file": _file, "directory": _directory, "dir": _directory}


def enabled_providers(config: Mapping[str, str]) -> dict[str, Lookup]:
    names = [n.strip() for n in config.get("config.providers", "").split(",") if n.strip()]
    providers: dict[str, Lookup] = {}
    for name in names:
        cls = config.get(f"config.providers.{name}.class", "").strip()
        lookup = _BY_CLASS.get(cls) if cls else _BY_NAME.get(name)
        if lookup is None:
            key = f"config.providers.{name}.class"
            what = f"unknown config provider class '{cls}'" if cls else "no class for config provider"
            raise ConfigError(f"{what} (key '{key}')")
        providers[name] = lookup
    return providers


def resolve_providers(config: Mapping[str, str]) -> dict[str, str]:
    """Replace ${provider:[path:]key} references; an unresolvable one is an error naming the key."""
    providers = enabled_providers(config)
    if not providers:
        return dict(config)
    resolved: dict[str, str] = {}
    for key, value in config.items():
        if key.startswith("config.providers") or "${" not in value:
            resolved[key] = value
            continue

        def substitute(match: re.Match[str], key: str = key) -> str:
            name, path, var = match.group(1), match.group(2), match.group(3)
            lookup = providers.get(name)
            if lookup is None:
                return match.group(0)  # not a provider reference: Apache leaves it as it is
            try:
                found = lookup(path, var)
            except ConfigError as exc:
                raise ConfigError(f"{exc.message} (key '{key}')") from None
            if found is None:
                raise ConfigError(f"cannot resolve {match.group(0)} (key '{key}')")
            return found

        resolved[key] = _VARIABLE.sub(substitute, value)
    return resolved
