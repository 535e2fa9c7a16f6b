"""`kcli connectors context set|use|list|delete`: named connection settings, as kcctl keeps them."""

from __future__ import annotations

import click

from kcli.connectors import actions
from kcli.connectors.options import OUTPUTS
from kcli.durations import Duration

CODES = "Exit codes: 0 success; 2 unknown context or malformed contexts file."


@click.group("context", epilog=CODES)
def context_group() -> None:
    """Named connection contexts: the Connect part of profiles (config.yaml, see `kcli profile`)."""


@context_group.command("set", epilog=CODES)
@click.argument("name")
@click.option("--url", "urls", multiple=True, help="Worker URL (repeat for failover).")
@click.option("--user", help="Basic-auth user.")
@click.option("--password", help="Basic-auth password (stored in the file, mode 600).")
@click.option("--cacert", help="CA bundle.")
@click.option("--cert", help="Client certificate.")
@click.option("--key", help="Client key.")
@click.option("--insecure/--secure", default=None, help="Skip / do TLS verification.")
@click.option("--timeout", type=Duration(positive=True), default=None, help="Default --timeout (30s, 5m, 1500ms).")
@click.option("--use/--no-use", "make_current", default=False, help="Also make it the current context.")
def context_set(name: str, urls: tuple[str, ...], user: str | None, password: str | None, cacert: str | None,
                cert: str | None, key: str | None, insecure: bool | None, timeout: float | None,
                make_current: bool) -> None:
    """Create or update context NAME (the first one becomes current)."""
    settings = {"url": urls, "user": user, "password": password, "cacert": cacert, "cert": cert, "key": key,
                "insecure": insecure}
    actions.context_set(name, settings, timeout, make_current)


@context_group.command("use", epilog=CODES)
@click.argument("name")
def context_use(name: str) -> None:
    """Make NAME the current context."""
    actions.context_use(name)


@context_group.command("delete", epilog=CODES)
@click.argument("name")
def context_delete(name: str) -> None:
    """Delete context NAME."""
    actions.context_delete(name)


@context_group.command("list", epilog=CODES)
@click.option("-o", "--output", type=click.Choice(OUTPUTS), default=None, help="Output format.")
def context_list(output: str | None) -> None:
    """List contexts: name, URLs, user; the current one is marked with *."""
    actions.context_list(output)
