"""Predicates for conditional transforms: TopicNameMatches, HasHeaderKey, RecordIsTombstone."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kcli.connect.configdef import CompositeValidator, ConfigDef, Importance, NonEmptyString, Type
from kcli.connect.configdef.validators import RegexValidator

if TYPE_CHECKING:
    from kcli.connect.api.records import ConnectRecord


class Predicate:
    """`test(record)` says whether a transform applies to the record."""

    def config_def(self) -> ConfigDef:
        return ConfigDef()

    def configure(self, configs: Mapping[str, Any]) -> None:
        """Apply the predicate's own configs (the `predicates.<alias>.` prefix removed)."""

    def test(self, record: ConnectRecord) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        """Release resources."""


class TopicNameMatches(Predicate):
    """True when the whole topic name matches `pattern`."""

    def config_def(self) -> ConfigDef:
        return ConfigDef().define("pattern", Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                                  CompositeValidator.of(NonEmptyString(), RegexValidator()), Importance.MEDIUM,
                                  "A Java regular expression for matching against the name of a record's topic.")

    def configure(self, configs: Mapping[str, Any]) -> None:
        self.pattern = re.compile(self.config_def().parse(configs)["pattern"])

    def test(self, record: ConnectRecord) -> bool:
        return record.topic is not None and self.pattern.fullmatch(record.topic) is not None


class HasHeaderKey(Predicate):
    """True when the record has at least one header with key `name`."""

    def config_def(self) -> ConfigDef:
        return ConfigDef().define("name", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, NonEmptyString(),
                                  Importance.MEDIUM, "The header name.")

    def configure(self, configs: Mapping[str, Any]) -> None:
        self.name = self.config_def().parse(configs)["name"]

    def test(self, record: ConnectRecord) -> bool:
        return any(h.key == self.name for h in (record.headers or []))


class RecordIsTombstone(Predicate):
    """True when the record value is null."""

    def test(self, record: ConnectRecord) -> bool:
        return record.value is None


_PACKAGE = "org.apache.kafka.connect.transforms.predicates."
PREDICATE_ALIASES: dict[str, type] = {}
for _cls in (TopicNameMatches, HasHeaderKey, RecordIsTombstone):
    PREDICATE_ALIASES[_PACKAGE + _cls.__name__] = _cls
    PREDICATE_ALIASES[_cls.__name__] = _cls

__all__ = ["PREDICATE_ALIASES", "HasHeaderKey", "Predicate", "RecordIsTombstone", "TopicNameMatches"]
