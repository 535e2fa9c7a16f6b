"""Validators and recommenders for ConfigDef keys, with Apache's error messages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

from kcli.connect.errors import ConfigException

# A validator as a plain function: raises ConfigException for a bad value; what it returns is ignored.
ValidatorFunction: TypeAlias = Callable[[str, Any], object]


def _java_str(value: Any) -> str:
    """A value as Java's toString would print it (null, booleans, doubles, lists)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        from kcli.connect.converters.jackson import java_double_str

        return java_double_str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_java_str(v) for v in value) + "]"
    return str(value)



class Validator:
    """Checks one parsed value; raises ConfigException."""

    def ensure_valid(self, name: str, value: Any) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def __call__(self, name: str, value: Any) -> None:
        self.ensure_valid(name, value)


class Range(Validator):
    """A number within [min, max] (either bound may be None)."""

    def __init__(self, min: float | None = None, max: float | None = None) -> None:
        self.min = min
        self.max = max

    @classmethod
    def at_least(cls, min: float) -> Range:
        return cls(min, None)

    @classmethod
    def between(cls, min: float, max: float) -> Range:
        return cls(min, max)

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            raise ConfigException(name, "null", "Value must be non-null")
        if self.min is not None and value < self.min:
            raise ConfigException(name, _java_str(value), f"Value must be at least {_java_str(self.min)}")
        if self.max is not None and value > self.max:
            raise ConfigException(name, _java_str(value), f"Value must be no more than {_java_str(self.max)}")

    def __str__(self) -> str:
        if self.min is None:
            return f"[...,{_java_str(self.max)}]"
        if self.max is None:
            return f"[{_java_str(self.min)},...]"
        return f"[{_java_str(self.min)},...,{_java_str(self.max)}]"


class ValidString(Validator):
    """One of a fixed set of strings."""

    def __init__(self, valid: Iterable[str], case_insensitive: bool = False) -> None:
        self.valid = list(valid)
        self.case_insensitive = case_insensitive

    @classmethod
    def in_(cls, *valid: str) -> ValidString:
        return cls(valid)

    def ensure_valid(self, name: str, value: Any) -> None:
        if self.case_insensitive:
            if value is None or str(value).upper() not in {v.upper() for v in self.valid}:
                raise ConfigException(name, _java_str(value),
                                      "String must be one of (case insensitive): " + ", ".join(self.valid))
        elif value not in self.valid:
            raise ConfigException(name, _java_str(value), "String must be one of: " + ", ".join(self.valid))

    def __str__(self) -> str:
        return "(case insensitive) [" + ", ".join(self.valid) + "]" if self.case_insensitive else \
            "[" + ", ".join(self.valid) + "]"


class CaseInsensitiveValidString(ValidString):
    def __init__(self, valid: Iterable[str]) -> None:
        super().__init__(valid, case_insensitive=True)

    @classmethod
    def in_(cls, *valid: str) -> CaseInsensitiveValidString:
        return cls(valid)


class ValidList(Validator):
    """A list whose every item is one of a fixed set."""

    def __init__(self, valid: Iterable[str]) -> None:
        self.valid = ValidString(valid)

    @classmethod
    def in_(cls, *valid: str) -> ValidList:
        return cls(valid)

    def ensure_valid(self, name: str, value: Any) -> None:
        for item in value or []:
            self.valid.ensure_valid(name, item)

    def __str__(self) -> str:
        return str(self.valid)


class NonEmptyString(Validator):
    def ensure_valid(self, name: str, value: Any) -> None:
        if value is not None and value == "":
            raise ConfigException(name, _java_str(value), "String must be non-empty")

    def __str__(self) -> str:
        return "non-empty string"


class NonEmptyStringWithoutControlChars(Validator):
    """Apache's check of connector names."""

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            return
        if value == "":
            raise ConfigException(name, _java_str(value), "String may not be empty")
        bad = [c for c in value if ord(c) < 0x20 or ord(c) == 0x7F]
        if bad:
            codes = ", ".join(str(ord(c)) for c in bad)
            raise ConfigException(name, _java_str(value), "String may not contain control sequences but had the "
                                  f"following ASCII chars: {codes}")

    def __str__(self) -> str:
        return "non-empty string without ISO control characters"


class NonNullValidator(Validator):
    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            raise ConfigException(name, "null", "Entry must be non null")

    def __str__(self) -> str:
        return "non-null string"


class RegexValidator(Validator):
    """A regular expression that compiles (null passes)."""

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            return
        try:
            re.compile(value)
        except re.error as e:
            raise ConfigException(name, value, f"Invalid regex: {e}") from None

    def __str__(self) -> str:
        return "valid regex"


class LambdaValidator(Validator):
    """A validator from a function and a description."""

    def __init__(self, fn: ValidatorFunction, description: str = "") -> None:
        self.fn = fn
        self.description = description

    def ensure_valid(self, name: str, value: Any) -> None:
        self.fn(name, value)

    def __str__(self) -> str:
        return self.description


class CompositeValidator(Validator):
    def __init__(self, *validators: Validator) -> None:
        self.validators = validators

    @classmethod
    def of(cls, *validators: Validator) -> CompositeValidator:
        return cls(*validators)

    def ensure_valid(self, name: str, value: Any) -> None:
        for v in self.validators:
            v.ensure_valid(name, value)

    def __str__(self) -> str:
        return ", ".join(str(v) for v in self.validators if str(v))


class Recommender:
    """Recommended values and visibility of a key, given the parsed config."""

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        return []

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return True


