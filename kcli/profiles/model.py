"""What one profile holds, checked as it is read from config.yaml: a Kafka side and a Connect side.

    bootstrap-server: broker1:9092,broker2:9092     # or a list
    client:                                          # Java client.properties keys, flat or nested
      security.protocol: SASL_SSL
      sasl.mechanism: PLAIN
      sasl.jaas.config: org.apache.kafka.common.security.plain.PlainLoginModule required
        username="app" password="${env:KAFKA_PASSWORD}";
    connect:                                         # the Connect REST settings (the old contexts)
      url: [http://connect-1:8083, http://connect-2:8083]
      user: admin
      password: ${file:/run/secrets/connect.properties:password}
      cacert: /etc/ssl/ca.pem                        # cert, key, insecure, timeout too
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kcli.errors import ConfigError, UsageError

PROFILE_KEYS = ("bootstrap-server", "client", "connect")
CONNECT_FIELDS = ("url", "user", "password", "cacert", "cert", "key", "insecure", "timeout")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def check_name(name: str) -> str:
    """A profile name: letters, digits, '.', '_' and '-', starting with a letter or digit."""
    if not _NAME.fullmatch(name or ""):
        raise UsageError(f"'{name}' is not a profile name: use letters, digits, '.', '_' and '-'")
    return name


def _text(value: Any) -> str:
    from kcli.config.loader import render_scalar  # lazy: keeps `import kcli.profiles` cheap

    return render_scalar(value)


@dataclass(frozen=True)
class Profile:
    """One named profile as stored (provider references such as ${env:X} not yet resolved)."""

    name: str
    bootstrap: str | None = None
    client: Mapping[str, str] = field(default_factory=dict)
    connect: Mapping[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.bootstrap or self.client or self.connect)

    @classmethod
    def from_mapping(cls, name: str, data: Any, path: Path) -> Profile:
        """Read profile `name` of the file at `path`; a key or value kcli cannot use is a ConfigError naming both."""
        where = f"profile '{name}' in {path}"
        if data is None:
            return cls(name)
        if not isinstance(data, Mapping):
            raise ConfigError(f"malformed {where}: expected a mapping of {', '.join(PROFILE_KEYS)}")
        unknown = [k for k in data if k not in PROFILE_KEYS]
        if unknown:
            raise ConfigError(f"unknown key '{unknown[0]}' in {where} (known: {', '.join(PROFILE_KEYS)})")
        bootstrap = data.get("bootstrap-server")
        client = data.get("client") or {}
        connect = data.get("connect") or {}
        if not isinstance(client, Mapping):
            raise ConfigError(f"'client' of {where} must be a mapping of client properties")
        if not isinstance(connect, Mapping):
            raise ConfigError(f"'connect' of {where} must be a mapping ({', '.join(CONNECT_FIELDS)})")
        bad = [k for k in connect if k not in CONNECT_FIELDS]
        if bad:
            raise ConfigError(f"unknown key 'connect.{bad[0]}' in {where} (known: {', '.join(CONNECT_FIELDS)})")
        from kcli.config.loader import flatten

        return cls(name, None if bootstrap in (None, "", []) else _text(bootstrap), flatten(client),
                   _connect_values(dict(connect), where))

    def to_mapping(self) -> dict[str, Any]:
        """The profile as config.yaml stores it (only what is set)."""
        out: dict[str, Any] = {}
        if self.bootstrap:
            out["bootstrap-server"] = self.bootstrap
        if self.client:
            out["client"] = dict(self.client)
        if self.connect:
            out["connect"] = dict(self.connect)
        return out


def _connect_values(connect: dict[str, Any], where: str) -> dict[str, Any]:
    """The Connect settings with their types: url a list of strings, insecure a bool, the rest strings."""
    out: dict[str, Any] = {}
    for key, value in connect.items():
        if value is None:
            continue
        if key == "url":
            urls = value if isinstance(value, list) else str(value).split(",")
            out[key] = [str(u).strip() for u in urls if str(u).strip()]
        elif key == "insecure":
            if not isinstance(value, bool):
                raise ConfigError(f"'connect.insecure' of {where} must be true or false, got '{value}'")
            out[key] = value
        else:
            out[key] = _text(value)
    return out
