"""Connection and output options shared by every `kcli connectors` subcommand."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from kcli.connectors_view import contexts
from kcli.durations import Duration, parse_duration  # re-exported: older imports use this module
from kcli.errors import UsageError
from kcli.rest_client import DEFAULT_URL, ConnectClient


@dataclass
class ConnOptions:
    """What the user said about the connection and the output (None/() = not said)."""

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
    extra: dict[str, Any] = field(default_factory=dict)

    def over(self, base: ConnOptions | None) -> ConnOptions:
        """These options, with what is unset taken from `base` (the `kcli connectors` group's)."""
        if base is None:
            return self
        merged = {}
        for name in ("urls", "context", "user", "password", "cacert", "cert", "key", "insecure", "timeout", "output"):
            mine = getattr(self, name)
            merged[name] = mine if mine not in (None, ()) else getattr(base, name)
        return ConnOptions(**merged, extra=self.extra)


OUTPUTS = ("text", "table", "json", "yaml")

_OPTION_NAMES = ("urls", "context", "user", "password", "cacert", "cert", "key", "insecure", "timeout", "output")


def connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --url/--context/--user/--password/--cacert/--cert/--key/--insecure/--timeout/-o to a command.

    The command receives `conn: ConnOptions` (merged with the group's options) instead of those flags.
    """
    decorators = [
        click.option("--url", "urls", multiple=True, metavar="URL",
                     help=f"Connect worker URL; repeat it to try the next one when a worker does not answer "
                          f"(env KCLI_CONNECT_URL, comma-separated; default {DEFAULT_URL})."),
        click.option("--context", "context", metavar="NAME", help="Use this named context (env KCLI_CONTEXT)."),
        click.option("--user", "user", help="User for HTTP basic auth (env KCLI_CONNECT_USER)."),
        click.option("--password", "password",
                     help="Password for basic auth (env KCLI_CONNECT_PASSWORD; prompted when missing on a TTY)."),
        click.option("--cacert", type=click.Path(dir_okay=False), help="CA bundle to verify the worker's TLS cert."),
        click.option("--cert", type=click.Path(dir_okay=False), help="Client certificate (PEM) for TLS."),
        click.option("--key", type=click.Path(dir_okay=False), help="Private key of --cert."),
        click.option("--insecure", is_flag=True, default=None, help="Do not verify the worker's TLS certificate."),
        click.option("--timeout", type=Duration(), default=None,
                     help="Give up after this long (30s, 5m, 1500ms, bare ms): caps each request, and bounds --wait "
                          "(default 60s for --wait)."),
        click.option("-o", "--output", type=click.Choice(OUTPUTS), default=None,
                     help="Output: json/yaml print the worker's JSON untouched; default: table on a TTY, text "
                          "(one line per item) on a pipe."),
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mine = ConnOptions(**{name: kwargs.pop(name) for name in _OPTION_NAMES})
        ctx = click.get_current_context()
        parent = ctx.find_object(dict) or {}
        kwargs["conn"] = mine.over(parent.get("conn"))
        return func(*args, **kwargs)

    for deco in reversed(decorators):
        wrapper = deco(wrapper)
    return wrapper


def resolve(conn: ConnOptions) -> dict[str, Any]:
    """Flags beat the environment, which beats the context, which beats the defaults."""
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
        if sys.stdin.isatty():
            settings["password"] = click.prompt(f"Password for {settings['user']}", hide_input=True, err=True)
        else:
            raise UsageError("--user needs a password: --password, KCLI_CONNECT_PASSWORD or a TTY to prompt on")
    if settings["key"] and not settings["cert"]:
        raise UsageError("--key needs --cert")
    return ConnectClient(**settings)
