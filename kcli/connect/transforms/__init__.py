"""Single message transforms, with the Apache class names that select them."""

from __future__ import annotations

from kcli.connect.transforms.base import Transformation
from kcli.connect.transforms.fields import (
    ExtractFieldKey,
    ExtractFieldValue,
    HoistFieldKey,
    HoistFieldValue,
    InsertFieldKey,
    InsertFieldValue,
    MaskFieldKey,
    MaskFieldValue,
    ReplaceFieldKey,
    ReplaceFieldValue,
    SetSchemaMetadataKey,
    SetSchemaMetadataValue,
)
from kcli.connect.transforms.simple import DropHeaders, Filter, InsertHeader, RegexRouter, TimestampRouter, ValueToKey
from kcli.connect.transforms.structural import (
    CastKey,
    CastValue,
    FlattenKey,
    FlattenValue,
    HeaderFromKey,
    HeaderFromValue,
)

_PACKAGE = "org.apache.kafka.connect.transforms."
_TOP_LEVEL: dict[str, type] = {
    "Filter": Filter, "RegexRouter": RegexRouter, "TimestampRouter": TimestampRouter, "DropHeaders": DropHeaders,
    "InsertHeader": InsertHeader, "ValueToKey": ValueToKey,
}
_KEY_VALUE: dict[str, tuple[type, type]] = {
    "InsertField": (InsertFieldKey, InsertFieldValue), "ReplaceField": (ReplaceFieldKey, ReplaceFieldValue),
    "ExtractField": (ExtractFieldKey, ExtractFieldValue), "HoistField": (HoistFieldKey, HoistFieldValue),
    "MaskField": (MaskFieldKey, MaskFieldValue), "SetSchemaMetadata": (SetSchemaMetadataKey, SetSchemaMetadataValue),
    "Cast": (CastKey, CastValue), "Flatten": (FlattenKey, FlattenValue), "HeaderFrom": (HeaderFromKey, HeaderFromValue),
}

# Apache full names (nested K/V classes as `X$Key`/`X$Value`), and the simple names of top-level classes.
# `Key`/`Value` are no aliases: they are ambiguous in Apache too.
TRANSFORM_ALIASES: dict[str, type] = {}
for _name, _cls in _TOP_LEVEL.items():
    TRANSFORM_ALIASES[_PACKAGE + _name] = _cls
    TRANSFORM_ALIASES[_name] = _cls
for _name, (_key, _value) in _KEY_VALUE.items():
    TRANSFORM_ALIASES[f"{_PACKAGE}{_name}$Key"] = _key
    TRANSFORM_ALIASES[f"{_PACKAGE}{_name}$Value"] = _value

__all__ = ["TRANSFORM_ALIASES", "Transformation", *sorted(c.__name__ for c in set(TRANSFORM_ALIASES.values()))]
