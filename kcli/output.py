"""The output layer: structured formats (json/yaml), TTY detection, colour policy."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

_F = TypeVar("_F", bound=Callable[..., Any])

FORMATS = ("text", "json", "yaml", "table")


def output_option(choices: tuple[str, ...] = ("text", "json", "yaml"),
                  default: str | None = None) -> Callable[[_F], _F]:
    """`-o/--output` for a listing; None as default means: table on a TTY when offered, else text."""
    return click.option("-o", "--output", "output", type=click.Choice(choices), default=default,
                        help=f"Output format: {', '.join(choices)}.")


def is_tty(stream: IO[str] | None = None) -> bool:
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def use_color(stream: IO[str] | None = None) -> bool:
    return is_tty(stream) and not os.environ.get("NO_COLOR")


def default_format(output: str | None, table_available: bool = False) -> str:
    if output:
        return output
    return "table" if table_available and is_tty() else "text"


def to_json(data: Any, indent: int | None = 2) -> str:
    return json.dumps(data, indent=indent, ensure_ascii=False)


def to_yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """Print a line on stdout (stderr with err=True), flushed, ANSI codes dropped off a TTY (click's echo):
    the one print of the feature packages, which do not import click themselves."""
    click.echo(message, err=err, nl=nl)


def emit_structured(data: Any, fmt: str) -> bool:
    """Print data as json or yaml on stdout; False when fmt is not a structured format."""
    if fmt == "json":
        click.echo(to_json(data))
    elif fmt == "yaml":
        click.echo(to_yaml(data), nl=False)
    else:
        return False
    return True


def stderr_console() -> Console:
    """A rich console on stderr (progress, notices) honouring NO_COLOR."""
    from rich.console import Console

    return Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))


def stdout_console() -> Console:
    """A rich console on stdout honouring NO_COLOR; a closed pipe ends kcli quietly (exit 0).

    rich's own reaction to a closed stdout is `SystemExit(1)`; re-raising BrokenPipeError lets
    kcli.cli.main end the command as CONVENTIONS.md says (`| head` is not a failure).
    """
    from rich.console import Console

    class _PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _PipeConsole(no_color=bool(os.environ.get("NO_COLOR")))


def print_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> None:
    """A rich table on stdout (the `-o table` form of every listing); None cells print empty."""
    from rich.table import Table

    table = Table(title=title or None, header_style="bold", show_edge=False, pad_edge=False)
    for col in columns:
        table.add_column(str(col), overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    stdout_console().print(table)
