"""Which profile is active, and its settings with ${env:…}/${file:…}/${directory:…} references resolved.

The active profile: --profile NAME (on the command or on `kcli` itself) > KCLI_PROFILE > the file's
`current`. In a profile the providers env, file and directory need no `config.providers` line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from kcli.errors import ConfigError
from kcli.profiles import store
from kcli.profiles.model import Profile

PROFILE_ENV = "KCLI_PROFILE"
PROFILE_META = "kcli.profile"  # click's ctx.meta key: a --profile given on `kcli` or on a parent group
PROVIDERS = "env,file,directory"


def active_name(flag: str | None = None) -> str | None:
    """The name of the active profile, or None when neither a flag, KCLI_PROFILE nor `current` names one."""
    return flag or os.environ.get(PROFILE_ENV) or store.load().current or None


def active(flag: str | None = None) -> Profile | None:
    """The active profile; a name that is given but not in the file is a usage error naming the file."""
    doc = store.load()
    name = flag or os.environ.get(PROFILE_ENV) or None
    if name:
        return doc.get(name)
    if doc.current:
        return doc.profiles.get(doc.current)  # a `current` left dangling by hand is no profile, not an error
    return None


def resolve_values(values: Mapping[str, str], profile: Profile, prefix: str = "") -> dict[str, str]:
    """`values` with provider references resolved; an unresolvable one names the key, the profile and the file."""
    from kcli.config.providers import resolve_providers

    own = any(k.startswith("config.providers") for k in values)
    layer = dict(values) if own else {**values, "config.providers": PROVIDERS}
    try:
        resolved = resolve_providers({f"{prefix}{k}" if not k.startswith("config.providers") else k: v
                                      for k, v in layer.items()})
    except ConfigError as exc:
        raise ConfigError(f"{exc.message.rstrip(')')} of profile '{profile.name}' in {store.config_file()})") \
            from None
    return {k[len(prefix):]: v for k, v in resolved.items() if not k.startswith("config.providers")}


def client_layer(profile: Profile | None) -> dict[str, str]:
    """The profile's Kafka settings as Java client properties (bootstrap.servers included), resolved."""
    if profile is None:
        return {}
    layer = dict(profile.client)
    if profile.bootstrap:
        layer["bootstrap.servers"] = profile.bootstrap
    return resolve_values(layer, profile)


def connect_settings(profile: Profile | None) -> dict[str, Any]:
    """The profile's Connect REST settings (kcli/profiles/model.py CONNECT_FIELDS), strings resolved."""
    if profile is None:
        return {}
    strings = {k: v for k, v in profile.connect.items() if isinstance(v, str)}
    out: dict[str, Any] = dict(profile.connect)
    out.update(resolve_values(strings, profile, prefix="connect."))
    if out.get("url"):
        out["url"] = [u for u in resolve_values({str(i): u for i, u in enumerate(out["url"])}, profile,
                                                prefix="connect.url.").values()]
    return out
