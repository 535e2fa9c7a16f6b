"""ConfigDef: typed config keys with defaults, validators, docs and groups (Apache's org.apache.kafka.common.config).

`parse(props)` gives typed values or raises ConfigException with Apache's messages; `validate(props)` gives
one ConfigValue per key with its errors; `config_def_json` / `validation_result` give the REST shapes of
`GET /connector-plugins/{p}/config` and `PUT /connector-plugins/{p}/config/validate`.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from kcli.connect.configdef.validators import (
    CaseInsensitiveValidString,
    CompositeValidator,
    LambdaValidator,
    NonEmptyString,
    NonEmptyStringWithoutControlChars,
    NonNullValidator,
    Range,
    Recommender,
    Validator,
    ValidatorFunction,
    ValidList,
    ValidString,
    _java_str,
)
from kcli.connect.errors import ConfigException

__all__ = [
    "NO_DEFAULT_VALUE", "CaseInsensitiveValidString", "CompositeValidator", "ConfigDef", "ConfigKey", "ConfigValue",
    "Importance", "LambdaValidator", "NonEmptyString", "NonEmptyStringWithoutControlChars", "NonNullValidator",
    "Password", "Range", "Recommender", "Type", "ValidList", "ValidString", "Validator", "Width", "config_def_json",
    "config_exception", "config_key_info", "config_value_info", "connector_config_def", "convert_to_string",
    "generate_result", "merge_config_infos", "parse_type", "sink_connector_config_def",
    "source_connector_config_def", "validation_result",
]


class _NoDefault:
    """The NO_DEFAULT_VALUE sentinel: the key is required."""

    def __repr__(self) -> str:
        return "NO_DEFAULT_VALUE"


NO_DEFAULT_VALUE: Any = _NoDefault()


class Type(enum.Enum):
    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    INT = "INT"
    SHORT = "SHORT"
    LONG = "LONG"
    DOUBLE = "DOUBLE"
    LIST = "LIST"
    CLASS = "CLASS"
    PASSWORD = "PASSWORD"


class Importance(enum.Enum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class Width(enum.Enum):
    NONE = "NONE"
    SHORT = "SHORT"
    MEDIUM = "MEDIUM"
    LONG = "LONG"


class Password:
    """A secret value; prints as [hidden] (Apache's Password)."""

    HIDDEN = "[hidden]"

    def __init__(self, value: str) -> None:
        self.value = value

    def __str__(self) -> str:
        return self.HIDDEN

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Password) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def config_exception(message: str, key: str | None = None, value: Any = None) -> ConfigException:
    """A ConfigException whose whole message is `message` (Apache's ConfigException(String) form)."""
    exc = ConfigException(key or "", value, "")
    exc.message = message
    exc.args = (message,)
    return exc


# -- parsing ------------------------------------------------------------------------------------

_INT_BOUNDS = {Type.SHORT: 16, Type.INT: 32, Type.LONG: 64}
_TYPE_WORDS = {Type.SHORT: "a 16-bit integer", Type.INT: "a 32-bit integer", Type.LONG: "a 64-bit integer"}
_LIST_SPLIT = re.compile(r"\s*,\s*")


def parse_type(name: str, value: Any, type: Type) -> Any:
    """Convert a raw (usually string) value to the key's type, as Apache's ConfigDef.parseType does."""
    if value is None:
        return None
    trimmed = value.strip() if isinstance(value, str) else ""  # read only where `value` is a str
    if type is Type.BOOLEAN:
        if isinstance(value, str):
            if trimmed.lower() in ("true", "false"):
                return trimmed.lower() == "true"
            raise ConfigException(name, value, "Expected value to be either true or false")
        if isinstance(value, bool):
            return value
        raise ConfigException(name, value, "Expected value to be either true or false")
    if type is Type.PASSWORD:
        if isinstance(value, Password):
            return value
        if isinstance(value, str):
            return Password(trimmed)
        raise ConfigException(name, value, "Expected value to be a string, but it was a " + _cls(value))
    if type in (Type.STRING, Type.CLASS):
        if isinstance(value, str):
            return trimmed
        if type is Type.CLASS and isinstance(value, type_):
            return value
        raise ConfigException(name, value, "Expected value to be a string, but it was a " + _cls(value))
    if type in _INT_BOUNDS:
        bits = _INT_BOUNDS[type]
        if isinstance(value, int) and not isinstance(value, bool):
            n = value
        elif isinstance(value, str):
            if not re.fullmatch(r"[+-]?\d+", trimmed):
                raise ConfigException(name, value, f"Not a number of type {type.value}")
            n = int(trimmed)
        else:
            raise ConfigException(name, value, f"Expected value to be {_TYPE_WORDS[type]}, but it was a {_cls(value)}")
        if not -(1 << (bits - 1)) <= n < (1 << (bits - 1)):
            raise ConfigException(name, value, f"Not a number of type {type.value}")
        return n
    if type is Type.DOUBLE:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(trimmed.rstrip("dDfF") if re.fullmatch(r".*\d[dDfF]", trimmed) else trimmed)
            except ValueError:
                raise ConfigException(name, value, f"Not a number of type {type.value}") from None
        raise ConfigException(name, value, "Expected value to be a double, but it was a " + _cls(value))
    if type is Type.LIST:
        if isinstance(value, (list, tuple)):
            return list(value)
        if isinstance(value, str):
            return [] if trimmed == "" else _LIST_SPLIT.split(trimmed)
        raise ConfigException(name, value, "Expected a comma separated list.")
    raise ConfigException(name, value, "Unknown type.")


type_ = type


def _cls(value: Any) -> str:
    return type_(value).__name__


def convert_to_string(value: Any, type: Type | None) -> str | None:
    """A parsed value as the string the REST API shows (Apache's ConfigDef.convertToString)."""
    if value is None or value is NO_DEFAULT_VALUE:
        return None
    if type is Type.LIST and isinstance(value, (list, tuple)):
        return ",".join(_java_str(v) for v in value)
    if type is Type.CLASS and isinstance(value, type_):
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return _java_str(value)


# -- definitions --------------------------------------------------------------------------------


@dataclass
class ConfigKey:
    name: str
    type: Type
    default_value: Any = NO_DEFAULT_VALUE
    validator: Validator | ValidatorFunction | None = None
    importance: Importance = Importance.MEDIUM
    documentation: str = ""
    group: str | None = None
    order_in_group: int = -1
    width: Width = Width.NONE
    display_name: str | None = None
    dependents: list[str] = field(default_factory=list)
    recommender: Recommender | None = None
    internal_config: bool = False

    @property
    def has_default(self) -> bool:
        return self.default_value is not NO_DEFAULT_VALUE

    @property
    def required(self) -> bool:
        return not self.has_default


@dataclass
class ConfigValue:
    """The validation outcome of one key."""

    name: str
    value: Any = None
    recommended_values: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    visible: bool = True

    def add_error_message(self, message: str) -> None:
        self.errors.append(message)


class ConfigDef:
    """An ordered set of ConfigKeys (Apache's ConfigDef)."""

    Type: TypeAlias = Type
    Importance: TypeAlias = Importance
    Width: TypeAlias = Width
    NO_DEFAULT_VALUE = NO_DEFAULT_VALUE

    def __init__(self, base: ConfigDef | None = None) -> None:
        self.config_keys: dict[str, ConfigKey] = dict(base.config_keys) if base else {}
        self.groups: list[str] = list(base.groups) if base else []

    def define(self, name: str, type: Type, default: Any = NO_DEFAULT_VALUE,
               validator: Validator | ValidatorFunction | None = None,
               importance: Importance = Importance.MEDIUM, documentation: str = "", group: str | None = None,
               order_in_group: int = -1, width: Width = Width.NONE, display_name: str | None = None,
               dependents: Iterable[str] = (), recommender: Recommender | None = None,
               internal_config: bool = False) -> ConfigDef:
        """Add a key; raises ValueError when it is already defined or its default does not parse."""
        if name in self.config_keys:
            raise ValueError(f"Configuration {name} is defined twice.")
        if group is not None and group not in self.groups:
            self.groups.append(group)
        if default is not NO_DEFAULT_VALUE and default is not None:
            default = parse_type(name, default, type)
            if validator is not None:
                _run_validator(validator, name, default)
        self.config_keys[name] = ConfigKey(name, type, default, validator, importance, documentation, group,
                                           order_in_group, width, display_name if display_name is not None else name,
                                           list(dependents), recommender, internal_config)
        return self

    def define_internal(self, name: str, type: Type, default: Any = NO_DEFAULT_VALUE,
                        validator: Validator | ValidatorFunction | None = None,
                        importance: Importance = Importance.LOW, documentation: str = "") -> ConfigDef:
        return self.define(name, type, default, validator, importance, documentation, internal_config=True)

    def define_key(self, key: ConfigKey) -> ConfigDef:
        if key.name in self.config_keys:
            raise ValueError(f"Configuration {key.name} is defined twice.")
        if key.group is not None and key.group not in self.groups:
            self.groups.append(key.group)
        self.config_keys[key.name] = key
        return self

    def define_all(self, other: ConfigDef) -> ConfigDef:
        """Add every key of `other` that this def does not define yet (chainable)."""
        for key in other.config_keys.values():
            if key.name not in self.config_keys:
                self.define_key(key)
        return self

    def merge(self, other: ConfigDef) -> ConfigDef:
        """A new ConfigDef: this one's keys, then `other`'s keys this one does not define."""
        return ConfigDef(self).define_all(other)

    def names(self) -> list[str]:
        return list(self.config_keys)

    def default_values(self) -> dict[str, Any]:
        return {k.name: k.default_value for k in self.config_keys.values() if k.has_default}

    def __contains__(self, name: str) -> bool:
        return name in self.config_keys

    def __len__(self) -> int:
        return len(self.config_keys)

    # -- parse / validate -----------------------------------------------------------------------
    def parse(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Typed values of every defined key; raises ConfigException for a missing or bad value."""
        parsed: dict[str, Any] = {}
        for key in self.config_keys.values():
            if key.name in props:
                value = parse_type(key.name, props[key.name], key.type)
            elif key.has_default:
                value = key.default_value
            else:
                raise config_exception(f'Missing required configuration "{key.name}" which has no default value.',
                                       key.name)
            if key.validator is not None:
                _run_validator(key.validator, key.name, value)
            parsed[key.name] = value
        return parsed

    def validate_all(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        """A ConfigValue per defined key (and per undefined dependent), keyed by name."""
        values = {name: ConfigValue(name) for name in self.config_keys}
        for dep in self._undefined_dependents():
            cv = ConfigValue(dep, visible=False)
            cv.add_error_message(f"{dep} is referred in the dependents, but not defined.")
            values[dep] = cv
        parsed: dict[str, Any] = {}
        for key in self.config_keys.values():
            cv = values[key.name]
            value = None
            if key.name in props:
                try:
                    value = parse_type(key.name, props[key.name], key.type)
                except ConfigException as e:
                    cv.add_error_message(e.message)
            elif not key.has_default:
                cv.add_error_message(f'Missing required configuration "{key.name}" which has no default value.')
            else:
                value = key.default_value
            if key.validator is not None:
                try:
                    _run_validator(key.validator, key.name, value)
                except ConfigException as e:
                    cv.add_error_message(e.message)
                    if getattr(key.validator, "parse_failure", False):
                        value = None  # a class that cannot be loaded fails parsing in Apache: no value
            cv.value = value
            parsed[key.name] = value
        for key in self.config_keys.values():
            if key.recommender is not None:
                cv = values[key.name]
                try:
                    rec = list(key.recommender.valid_values(key.name, parsed))
                    if cv.recommended_values:
                        rec = [r for r in rec if r in cv.recommended_values]
                    cv.recommended_values = rec
                    cv.visible = key.recommender.visible(key.name, parsed)
                except ConfigException as e:
                    cv.add_error_message(e.message)
        return values

    def validate(self, props: Mapping[str, Any]) -> list[ConfigValue]:
        return list(self.validate_all(props).values())

    def _undefined_dependents(self) -> list[str]:
        seen: list[str] = []
        for key in self.config_keys.values():
            for dep in key.dependents:
                if dep not in self.config_keys and dep not in seen:
                    seen.append(dep)
        return seen


def _run_validator(validator: Validator | ValidatorFunction, name: str, value: Any) -> None:
    if isinstance(validator, Validator):
        validator.ensure_valid(name, value)
    else:
        validator(name, value)


# -- REST shapes --------------------------------------------------------------------------------


def config_key_info(key: ConfigKey) -> dict[str, Any]:
    """One ConfigKeyInfo object (Apache's AbstractHerder.convertConfigKey)."""
    return {
        "name": key.name,
        "type": key.type.value,
        "required": key.required,
        "default_value": None if key.required else convert_to_string(key.default_value, key.type),
        "importance": key.importance.value,
        "documentation": key.documentation,
        "group": key.group,
        "order_in_group": key.order_in_group,
        "width": key.width.value,
        "display_name": key.display_name,
        "dependents": list(key.dependents),
    }


def config_value_info(value: ConfigValue, type: Type | None) -> dict[str, Any]:
    """One ConfigValueInfo object (Apache's AbstractHerder.convertConfigValue)."""
    rec_type = Type.STRING if type is Type.LIST else type
    return {
        "name": value.name,
        "value": convert_to_string(value.value, type),
        "recommended_values": [convert_to_string(v, rec_type) for v in value.recommended_values],
        "errors": list(value.errors),
        "visible": value.visible,
    }


def config_def_json(config_def: ConfigDef) -> list[dict[str, Any]]:
    """The body of GET /connector-plugins/{plugin}/config: a ConfigKeyInfo per non-internal key."""
    return [config_key_info(k) for k in config_def.config_keys.values() if not k.internal_config]


def generate_result(name: str, config_keys: Mapping[str, ConfigKey], values: Iterable[ConfigValue],
                    groups: Iterable[str]) -> dict[str, Any]:
    """A ConfigInfos object (Apache's AbstractHerder.generateResult): undefined values first, then each key."""
    error_count = 0
    configs: list[dict[str, Any]] = []
    by_name: dict[str, ConfigValue] = {}
    for cv in values:
        by_name[cv.name] = cv
        if cv.name not in config_keys:
            configs.append({"definition": None, "value": config_value_info(cv, None)})
            error_count += len(cv.errors)
    for key_name, key in config_keys.items():
        info = None
        if key_name in by_name:
            info = config_value_info(by_name[key_name], key.type)
            error_count += len(by_name[key_name].errors)
        configs.append({"definition": config_key_info(key), "value": info})
    return {"name": name, "error_count": error_count, "groups": list(groups), "configs": configs}


def validation_result(plugin_class_name: str, config_def: ConfigDef, props: Mapping[str, str],
                      extra_errors: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """The body of PUT /connector-plugins/{p}/config/validate for a combined ConfigDef.

    `extra_errors` adds messages (e.g. from a connector's own validate()) to the named keys; a name that
    is not defined appears with `"definition": null`.
    """
    values = config_def.validate_all(props)
    for name, errors in (extra_errors or {}).items():
        cv = values.get(name)
        if cv is None:
            cv = values[name] = ConfigValue(name, props.get(name))
        for err in errors:
            if err not in cv.errors:
                cv.add_error_message(err)
    return generate_result(plugin_class_name, config_def.config_keys, values.values(), config_def.groups)


def merge_config_infos(name: str, *infos: dict[str, Any] | None) -> dict[str, Any]:
    """Concatenate ConfigInfos objects (Apache's AbstractHerder.mergeConfigInfos)."""
    groups: list[str] = []
    configs: list[dict[str, Any]] = []
    errors = 0
    for info in infos:
        if info is None:
            continue
        errors += info["error_count"]
        groups.extend(info["groups"])
        configs.extend(info["configs"])
    return {"name": name, "error_count": errors, "groups": groups, "configs": configs}


def connector_config_def() -> ConfigDef:
    """Apache's ConnectorConfig.configDef(): the keys every connector has."""
    from kcli.connect.configdef.connector_defs import connector_config_def as build

    return build()


def sink_connector_config_def() -> ConfigDef:
    """Apache's SinkConnectorConfig.configDef()."""
    from kcli.connect.configdef.connector_defs import sink_connector_config_def as build

    return build()


def source_connector_config_def() -> ConfigDef:
    """Apache's SourceConnectorConfig.configDef() (without the per-group topic-creation keys)."""
    from kcli.connect.configdef.connector_defs import source_connector_config_def as build

    return build()
