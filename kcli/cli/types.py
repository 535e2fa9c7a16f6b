"""Click parameter types shared by the commands: whole numbers as Apache's tools read them (a Java int)."""

from __future__ import annotations

from typing import Any

import click

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1  # Java's Integer.MAX_VALUE: Apache rejects more ("Cannot parse argument"), librdkafka overflows


class JavaInt(click.ParamType[int]):
    """An integer option or argument in [minimum, maximum] (by default Java's int range); a usage error (exit 2)
    otherwise, never a number that overflows in librdkafka."""

    name = "integer"

    def __init__(self, minimum: int = INT_MIN, maximum: int = INT_MAX) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, bool):
            self.fail(f"'{value}' is not a valid integer", param, ctx)
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            try:
                number = int(text, 10)
            except ValueError:
                self.fail(f"'{value}' is not a valid integer", param, ctx)
        if number < self.minimum:
            self.fail(f"{number} is less than {self.minimum}", param, ctx)
        if number > self.maximum:
            self.fail(f"{number} is more than {self.maximum}" +
                      (" (the largest Java int)" if self.maximum == INT_MAX else ""), param, ctx)
        return number

    def __repr__(self) -> str:
        return f"JavaInt({self.minimum}, {self.maximum})"
