"""Durations on the command line: `30s`, `5m`, `1h`, `1500ms`, or bare milliseconds (CONVENTIONS.md).

One parser for every command, so `--timeout 5000` means the same thing everywhere.
"""

from __future__ import annotations

import re
from typing import Any

import click

from kcli.errors import UsageError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNITS = {None: 0.001, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
# The longest duration a Kafka client takes: Java's Integer.MAX_VALUE milliseconds (librdkafka's too), ~24.8 days.
MAX_SECONDS = (2**31 - 1) / 1000.0


def describe(seconds: float) -> str:
    """A duration the way a user would type it: `1h`, `5m`, `30s`, `1500ms`."""
    ms = round(seconds * 1000)
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def parse_duration(text: str | float | int, option: str = "--timeout", positive: bool = False,
                   maximum: float | None = MAX_SECONDS) -> float:
    """Seconds from `30s`, `5m`, `1h`, `1500ms` or bare milliseconds (`1500`); numbers are milliseconds.

    A malformed value, one above `maximum` seconds (default: 2147483647 ms, the most a Kafka client
    takes) or, with `positive`, zero is a UsageError naming the option.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text) / 1000.0
    else:
        match = _DURATION.match(str(text))
        if not match:
            raise UsageError(f"{option} expects a duration such as 30s, 5m, 1500ms or bare milliseconds, "
                             f"got '{text}'")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if positive and seconds <= 0:
        raise UsageError(f"{option} must be greater than zero, got '{text}'")
    if maximum is not None and seconds > maximum:
        limit = "2147483647ms" if maximum == MAX_SECONDS else describe(maximum)
        raise UsageError(f"{option} must be at most {limit}, got '{text}'")
    return seconds


class Duration(click.ParamType[float]):
    """A click type for durations, converted to seconds (bad values are click usage errors, exit 2)."""

    name = "DURATION"

    def __init__(self, positive: bool = False, maximum: float | None = MAX_SECONDS) -> None:
        self.positive = positive
        self.maximum = maximum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        try:
            return parse_duration(value, option=param.opts[-1] if param else "duration", positive=self.positive,
                                  maximum=self.maximum)
        except UsageError as exc:
            self.fail(exc.message, param, ctx)
