"""`kcli connectors context set|use|list|show|delete`: named connection settings, as kcctl keeps them."""

from __future__ import annotations

import click

from kcli.connectors_view import contexts, render
from kcli.connectors_view.options import OUTPUTS, Duration
from kcli.output import emit_structured

CODES = "Exit codes: 0 success; 2 unknown context or malformed contexts file."


@click.group("context", epilog=CODES)
def context_group() -> None:
    """Named connection contexts (stored in contexts.yaml)."""


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
                "insecure": insecure, "timeout": f"{int(timeout * 1000)}ms" if timeout is not None else None}
    path = contexts.set_context(name, settings, make_current)
    click.echo(f"kcli: context {name} saved ({path})", err=True)


@context_group.command("use", epilog=CODES)
@click.argument("name")
def context_use(name: str) -> None:
    """Make NAME the current context."""
    contexts.use(name)
    click.echo(f"kcli: now using context {name}", err=True)


@context_group.command("delete", epilog=CODES)
@click.argument("name")
def context_delete(name: str) -> None:
    """Delete context NAME."""
    contexts.delete(name)
    click.echo(f"kcli: context {name} deleted", err=True)


@context_group.command("list", epilog=CODES)
@click.option("-o", "--output", type=click.Choice(OUTPUTS), default=None, help="Output format.")
def context_list(output: str | None) -> None:
    """List contexts: name, URLs, user; the current one is marked with *."""
    doc = contexts.load()
    safe = {name: {k: v for k, v in ctx.items() if k != "password"} for name, ctx in doc["contexts"].items()}
    if emit_structured({"current": doc.get("current"), "contexts": safe}, render.fmt_of(output)):
        return
    rows = []
    for name, ctx in sorted(doc["contexts"].items()):
        url = ctx.get("url") or []
        rows.append(("*" if name == doc.get("current") else "", name,
                     ",".join(url) if isinstance(url, list) else str(url), ctx.get("user") or ""))
    render.emit(rows, output, lambda r: (("CURRENT", "NAME", "URL", "USER"), r))
