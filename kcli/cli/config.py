"""`kcli config show`: the effective merged configuration of .properties/YAML/JSON files."""

from __future__ import annotations

import click

from kcli.config.loader import render_properties
from kcli.output import emit_structured


@click.group(name="config", help="Inspect configuration files the way kcli and Apache read them.",
             epilog="Exit codes: 0 success; 2 a missing, unreadable or malformed file, or a bad -X/provider "
                    "reference.")
def command() -> None:
    pass


@command.command("show")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-X", "--property", "properties", multiple=True, metavar="K=V",
              help="Setting that overrides the files (repeatable).")
@click.option("-o", "--output", type=click.Choice(["properties", "json", "yaml"]), default="properties",
              show_default=True, help="Output format.")
@click.option("--show-secrets", is_flag=True, help="Print secret values instead of masking them.")
@click.option("--no-resolve", is_flag=True, help="Leave ${provider:…} references unresolved.")
def show(files: tuple[str, ...], properties: tuple[str, ...], output: str, show_secrets: bool,
         no_resolve: bool) -> None:
    """Print the effective config of FILES (later files win, then -X k=v).

    Values of keys holding secrets (password, secret, sasl.jaas.config, *.key) are masked
    unless --show-secrets. Exit codes: 0 success; 2 a missing, unreadable or malformed file,
    an unknown file type, or a config provider reference that cannot be resolved.
    """
    from kcli.config import load_config, mask_secrets  # lazy: `kcli config --help` stays fast

    config = load_config(files, properties, resolve=not no_resolve)
    if not show_secrets:
        config = mask_secrets(config)
    if not emit_structured(config, output):
        click.echo(render_properties(config), nl=False)
