"""The connection and output options of every `kcli connectors` subcommand, and the client they make."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from kcli.connectors import contexts
from kcli.connectors.client import DEFAULT_URL, ConnectClient
from kcli.durations import parse_duration
from kcli.errors import UsageError

OUTPUTS = ("text", "table", "json", "yaml")


@dataclass
class ConnOptions:
    """What the user said about the connection and the output (None/() = not said).

    `ask_password(user)` asks for the password on a TTY when only a user is known (the command line
    gives it); without it a missing password is a usage error.
    """

    urls: tuple[str, ...] = ()
    context: str | None = None
    user: str | None = None
    password: str | None = None
    cacert: str | None = None
    cert: str | None = None
    key: str | None = None
    insecure: bool | None = None
    timeout: float | None = None
    output: str | None = None
    ask_password: Callable[[str], str] | None = None

    def over(self, base: ConnOptions | None) -> ConnOptions:
        """These options, with what is unset taken from `base` (the `kcli connectors` group's)."""
        if base is None:
            return self
        merged = {}
        for f in fields(self):
            mine = getattr(self, f.name)
            merged[f.name] = mine if mine not in (None, ()) else getattr(base, f.name)
        return ConnOptions(**merged)


def resolve(conn: ConnOptions) -> dict[str, Any]:
    """Flags beat the environment, which beats the context (the profile named by --context/--profile, KCLI_CONTEXT,
    KCLI_PROFILE, else the current one), which beats the defaults."""
    ctx_name = conn.context or os.environ.get("KCLI_CONTEXT") or None
    ctx = contexts.get(ctx_name)
    urls: list[str] = list(conn.urls)
    if not urls and os.environ.get("KCLI_CONNECT_URL"):
        urls = [u for u in os.environ["KCLI_CONNECT_URL"].split(",") if u.strip()]
    if not urls and ctx.get("url"):
        urls = list(ctx["url"]) if isinstance(ctx["url"], list) else [str(ctx["url"])]
    timeout = conn.timeout
    if timeout is None and ctx.get("timeout") is not None:
        timeout = parse_duration(ctx["timeout"], option="timeout (context)")
    return {
        "urls": urls or [DEFAULT_URL],
        "user": conn.user or os.environ.get("KCLI_CONNECT_USER") or ctx.get("user"),
        "password": conn.password or os.environ.get("KCLI_CONNECT_PASSWORD") or ctx.get("password"),
        "cacert": conn.cacert or ctx.get("cacert"),
        "cert": conn.cert or ctx.get("cert"),
        "key": conn.key or ctx.get("key"),
        "insecure": bool(conn.insecure if conn.insecure is not None else ctx.get("insecure", False)),
        "timeout": timeout,
    }


def make_client(conn: ConnOptions) -> ConnectClient:
    """A ConnectClient from the merged options; asks for the password on a TTY when only a user is known."""
    settings = resolve(conn)
    if settings["user"] and settings["password"] is None:
        if sys.stdin.isatty() and conn.ask_password is not None:
            settings["password"] = conn.ask_password(settings["user"])
        else:
            raise UsageError("--user needs a password: --password, KCLI_CONNECT_PASSWORD or a TTY to prompt on")
    if settings["key"] and not settings["cert"]:
        raise UsageError("--key needs --cert")
    return ConnectClient(**settings)
