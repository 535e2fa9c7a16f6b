"""`kcli completion bash|zsh|fish`, and the completers that ask a live broker or worker for names.

The script is click's completion protocol for `kcli` (`_KCLI_COMPLETE`), made from the click app at run
time, so an installed kcli needs no data file for it; scripts/gen-completions writes the same text into
completions/. Every completer answers within about TIMEOUT seconds and answers nothing when the broker or
worker does not (a shell completion must never print an error).
"""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import CompletionItem

SHELLS = ("bash", "zsh", "fish")
PROG = "kcli"
COMPLETE_VAR = "_KCLI_COMPLETE"
TIMEOUT = 1.5  # seconds a completer waits for the broker or the Connect worker

HELP = """Print the shell completion script for SHELL (bash, zsh or fish).

\b
Install it with one line:
  bash:  echo 'eval "$(kcli completion bash)"' >> ~/.bashrc
  zsh:   echo 'eval "$(kcli completion zsh)"' >> ~/.zshrc        (after compinit)
  fish:  kcli completion fish > ~/.config/fish/completions/kcli.fish

Commands and options complete from kcli itself; connector names (`kcli connectors status <TAB>`),
topic names (`--topic <TAB>`) and profile names are asked of the worker, the broker and the profiles
file of the command line so far (--url/--context, --bootstrap-server/--profile), for at most 1.5 s.
"""


def script(shell: str) -> str:
    """The completion script for `shell`, exactly as click's `_KCLI_COMPLETE={shell}_source kcli` prints it."""
    from click.shell_completion import get_completion_class

    from kcli.cli.main import cli

    cls = get_completion_class(shell)
    if cls is None:
        raise click.BadParameter(f"no completion for shell '{shell}'")
    return cls(cli, {}, PROG, COMPLETE_VAR).source()


@click.command(name="completion", help=HELP, epilog="Exit codes: 0 success; 2 an unknown shell.")
@click.argument("shell", type=click.Choice(SHELLS))
def command(shell: str) -> None:
    click.echo(script(shell), nl=False)


def param_value(ctx: click.Context | None, *names: str) -> Any:
    """The first value given so far for any of `names`, on this command or the groups above it."""
    while ctx is not None:
        for name in names:
            value = ctx.params.get(name)
            if value not in (None, (), [], ""):
                return value
        ctx = ctx.parent
    return None


def complete_topics(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Topic names from the broker of --bootstrap-server/--command-config/--profile (or the environment and
    the active profile); internal topics (`__…`) only once the word starts with `_`."""
    try:
        from kcli.clients import ClientOptions, make_admin

        client = ClientOptions(param_value(ctx, "bootstrap_server"), tuple(param_value(ctx, "command_config") or ()),
                               tuple(param_value(ctx, "client_properties") or ()), param_value(ctx, "profile"))
        admin = make_admin(client.config())
        topics = admin.list_topics(timeout=TIMEOUT).topics
    except Exception:  # any failure (no broker, bad settings): no names, no noise
        return []
    hide_internal = not incomplete.startswith("_")
    return sorted(t for t in topics if t.startswith(incomplete) and not (hide_internal and t.startswith("__")))


def complete_files(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Let the shell complete file names (the worker and connector files of `connect standalone`)."""
    return [CompletionItem(incomplete, type="file")]
