"""`kcli profile create|use|list|show|delete|effective`: named settings in ~/.config/kcli/config.yaml."""

from __future__ import annotations

from typing import Any

import click

from kcli.clients import ClientOptions, client_options
from kcli.durations import Duration
from kcli.output import output_option

CODES = "Exit codes: 0 success; 2 unknown profile, malformed profiles file or bad option."

HELP = """Named profiles: bootstrap servers, client properties, Connect URL(s) and auth.

\b
Profiles live in $KCLI_CONFIG, else config.yaml in $KCLI_CONFIG_DIR, $XDG_CONFIG_HOME/kcli or
~/.config/kcli (an old contexts.yaml there is moved in as profiles). Every Kafka command takes
--profile NAME (so does `kcli` itself and `kcli connectors`, where --context is the same thing);
KCLI_PROFILE names one too, else the current profile (`kcli profile use`) is used.

\b
Precedence: flags (--bootstrap-server, --command-config, -X, --url, …) > environment
(KCLI_BOOTSTRAP_SERVER, KCLI_CONNECT_URL, …) > the profile > defaults.

\b
Values may keep secrets elsewhere: ${env:VAR}, ${file:/path.properties:key}, ${directory:/dir:file}
are resolved when the profile is used (no config.providers line needed). `show` masks literal
secrets (password, secret, sasl.jaas.config, *.key values) but shows references.
"""


def _complete_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from kcli.profiles import names

    return names(incomplete)


NAME = click.argument("name", shell_complete=_complete_names)


@click.group(name="profile", help=HELP, epilog=CODES, context_settings={"help_option_names": ["-h", "--help"]})
def command() -> None:
    pass


@command.command("create", epilog=CODES)
@click.argument("name")
@click.option("--bootstrap-server", metavar="HOST:PORT", help="bootstrap.servers of the profile.")
@click.option("--command-config", multiple=True, metavar="FILE", type=click.Path(dir_okay=False),
              help="Take client properties from this file (.properties/.yaml/.json; repeatable).")
@click.option("-X", "--property", "properties", multiple=True, metavar="K=V",
              help="Client property k=v, e.g. security.protocol=SASL_SSL (repeatable).")
@click.option("--connect-url", "urls", multiple=True, metavar="URL", help="Connect worker URL (repeat for failover).")
@click.option("--connect-user", help="Connect basic-auth user.")
@click.option("--connect-password", help="Connect basic-auth password, or a reference such as ${env:VAR}.")
@click.option("--connect-cacert", type=click.Path(dir_okay=False), help="CA bundle of the Connect worker's TLS.")
@click.option("--connect-cert", type=click.Path(dir_okay=False), help="Client certificate (PEM) for Connect.")
@click.option("--connect-key", type=click.Path(dir_okay=False), help="Private key of --connect-cert.")
@click.option("--connect-insecure/--connect-secure", "insecure", default=None,
              help="Skip / do TLS verification of the Connect worker.")
@click.option("--connect-timeout", type=Duration(positive=True), default=None,
              help="Default --timeout of `kcli connectors` (30s, 5m, 1500ms).")
@click.option("--use", "make_current", is_flag=True, help="Also make it the current profile.")
@click.option("--update", is_flag=True, help="Change an existing profile: given settings replace, the rest stays.")
def create(name: str, bootstrap_server: str | None, command_config: tuple[str, ...], properties: tuple[str, ...],
           urls: tuple[str, ...], connect_user: str | None, connect_password: str | None, connect_cacert: str | None,
           connect_cert: str | None, connect_key: str | None, insecure: bool | None, connect_timeout: float | None,
           make_current: bool, update: bool) -> None:
    """Create profile NAME (the first profile becomes the current one).

    Client properties use the Java client's names (security.protocol, sasl.mechanism,
    sasl.jaas.config, ssl.truststore.location, …), as in a client.properties file.
    """
    from kcli.profiles import actions

    connect: dict[str, Any] = {
        "url": urls, "user": connect_user, "password": connect_password, "cacert": connect_cacert,
        "cert": connect_cert, "key": connect_key, "insecure": insecure,
        "timeout": f"{int(connect_timeout * 1000)}ms" if connect_timeout is not None else None,
    }
    actions.create(name, bootstrap_server, command_config, properties, connect, make_current, update)


@command.command("use", epilog=CODES)
@NAME
def use(name: str) -> None:
    """Make NAME the current profile."""
    from kcli.profiles import actions

    actions.use(name)


@command.command("delete", epilog=CODES)
@NAME
def delete(name: str) -> None:
    """Delete profile NAME."""
    from kcli.profiles import actions

    actions.delete(name)


@command.command("list", epilog=CODES)
@output_option(("text", "table", "json", "yaml"))
def list_(output: str | None) -> None:
    """List profiles: name, bootstrap servers, Connect URLs; the current one is marked with *."""
    from kcli.profiles import actions

    actions.list_profiles(output)


@command.command("show", epilog=CODES)
@click.argument("name", required=False, shell_complete=_complete_names)
@output_option(("yaml", "json"))
@click.option("--show-secrets", is_flag=True, help="Print literal secret values instead of masking them.")
def show(name: str | None, output: str | None, show_secrets: bool) -> None:
    """Print profile NAME (default: the active one) as config.yaml holds it."""
    from kcli.profiles import actions

    actions.show(name, output, show_secrets)


@command.command("effective", epilog=CODES)
@output_option(("properties", "json", "yaml"), default="properties")
@click.option("--show-secrets", is_flag=True, help="Print secret values instead of masking them.")
@client_options(property_flag="--property")
def effective(client: ClientOptions, output: str, show_secrets: bool) -> None:
    """Print the client settings a Kafka command would use with these options (flags > environment >
    profile > defaults), references resolved; json/yaml add the profile's name and the Connect settings."""
    from kcli.profiles import actions

    actions.effective(client, output, show_secrets)
