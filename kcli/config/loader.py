"""Read .properties, YAML and JSON config files into flat string maps, and merge them.

Every value comes out as the string the same setting would have in a .properties file,
so the rest of kcli (clients, the Connect worker) sees one shape whatever the file type.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kcli.config.providers import resolve_providers
from kcli.errors import ConfigError

PROPERTIES_SUFFIXES = {".properties", ".conf", ".cfg", ".config", ""}
YAML_SUFFIXES = {".yaml", ".yml"}
JSON_SUFFIXES = {".json"}


def read_text(path: str | os.PathLike[str]) -> str:
    """A config file's text; every way reading it can fail is a ConfigError naming the file."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found ({path})") from None
    except IsADirectoryError:
        raise ConfigError(f"config path is a directory, not a file ({path})") from None
    except PermissionError:
        raise ConfigError(f"config file is not readable ({path})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file is not UTF-8 text: {exc.reason} at byte {exc.start} ({path})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file: {exc.strerror} ({path})") from None


def parse_properties(text: str, path: Path | None = None) -> dict[str, str]:
    """Parse text with java.util.Properties semantics (escapes, continuations, separators).

    The one thing Java rejects, a malformed \\uXXXX escape, is a ConfigError naming the file and line.
    """
    import javaproperties  # lazy, as yaml below: importing kcli.config stays cheap for `--help`

    try:
        return dict(javaproperties.loads(text))
    except javaproperties.InvalidUEscapeError as exc:
        bad = exc.escape
        line = next((n for n, ln in enumerate(text.splitlines(), 1) if bad in ln), None)
        where = ":".join(str(part) for part in (path, line) if part) or "properties text"
        raise ConfigError(f"malformed \\uxxxx encoding '{bad}' in .properties ({where})") from None


def render_properties(config: Mapping[str, str]) -> str:
    """Render as a .properties file that java.util.Properties reads back to the same map."""
    from javaproperties import escape

    def value_text(value: str) -> str:
        # ':' and '=' need no escape inside a value; leaving them bare keeps URLs readable.
        return escape(value).replace("\\:", ":").replace("\\=", "=")

    return "".join(f"{escape(k)}={value_text(v)}\n" for k, v in config.items())


def render_scalar(value: Any) -> str:
    """Render a YAML/JSON scalar or list the way a .properties file would spell it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(render_scalar(v) for v in value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(value)
    return str(value)


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten nested mappings into dotted keys: {producer: {acks: all}} -> producer.acks=all."""
    flat: dict[str, str] = {}
    for key, value in mapping.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, prefix=f"{full}."))
        else:
            flat[full] = render_scalar(value)
    return flat


def _mapping_or_error(data: Any, path: Path, kind: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        found = "nothing" if data is None else type(data).__name__
        raise ConfigError(f"{kind} config must be a mapping at the top level, found {found} ({path})")
    return data


def parse_yaml(text: str, path: Path) -> dict[str, str]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"malformed YAML: {problem} ({where})") from None
    return flatten(_mapping_or_error(data, path, "YAML"))


def json_mapping(text: str, path: Path) -> Mapping[str, Any]:
    """A JSON document that must be an object; malformed JSON names the file, line and column."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"malformed JSON: {exc.msg} ({path}:{exc.lineno}:{exc.colno})") from None
    return _mapping_or_error(data, path, "JSON")


def parse_json(text: str, path: Path) -> dict[str, str]:
    return connector_request(json_mapping(text, path), path)[0]


CONNECTOR_REQUEST_KEYS = ("name", "config", "initial_state")  # POST /connectors' body


def connector_request(data: Mapping[str, Any], path: Path) -> tuple[dict[str, str], str | None]:
    """A connector's config and initial state from a flat object or the POST /connectors form
    {"name": N, "config": {...}, "initial_state": S}, as Apache's connect-standalone reads a .json file."""
    if not isinstance(data.get("config"), Mapping):
        return flatten(data), None
    extra = set(data) - set(CONNECTOR_REQUEST_KEYS)
    if extra:
        raise ConfigError(f"unexpected top-level key '{sorted(extra)[0]}' beside 'config' ({path})")
    config = flatten(data["config"])
    if "name" in data:
        name = render_scalar(data["name"])
        if config.setdefault("name", name) != name:
            raise ConfigError(f"the connector name in 'config' ({config['name']}) doesn't match 'name' ({name}) "
                              f"({path})")
    state = data.get("initial_state")
    return config, None if state is None else render_scalar(state)


def load_connector_file(path: str | os.PathLike[str]) -> tuple[dict[str, str], str | None]:
    """A connector file's config and initial state (only the JSON request form carries one)."""
    p = Path(path)
    if p.suffix.lower() in JSON_SUFFIXES:
        return connector_request(json_mapping(read_text(p), p), p)
    return load_file(p), None


def load_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """Load one config file, its type chosen by its suffix (.properties, .yaml/.yml, .json)."""
    p = Path(path)
    suffix = p.suffix.lower()
    text = read_text(p)
    if suffix in YAML_SUFFIXES:
        data = parse_yaml(text, p)
    elif suffix in JSON_SUFFIXES:
        data = parse_json(text, p)
    elif suffix in PROPERTIES_SUFFIXES or suffix == ".txt":
        data = parse_properties(text, p)
    else:
        raise ConfigError(
            f"unknown config file type '{suffix}': use .properties, .yaml, .yml or .json ({p})"
        )
    return data


def load_files(paths: Iterable[str | os.PathLike[str]]) -> dict[str, str]:
    """Load several files, later files overriding earlier ones."""
    return merge(*(load_file(p) for p in paths))


def parse_assignments(items: Iterable[str], option: str = "-X") -> dict[str, str]:
    """Parse `k=v` strings from the command line (a value may itself contain '=')."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"{option} expects key=value, got '{item}'")
        out[key] = value
    return out


def merge(*layers: Mapping[str, str] | None) -> dict[str, str]:
    """Merge layers left to right: later layers win."""
    merged: dict[str, str] = {}
    for layer in layers:
        if layer:
            merged.update(layer)
    return merged


def load_config(
    files: Iterable[str | os.PathLike[str]] = (),
    properties: Iterable[str] = (),
    explicit: Mapping[str, str | None] | None = None,
    defaults: Mapping[str, str] | None = None,
    resolve: bool = True,
) -> dict[str, str]:
    """Defaults < files (in order) < -X k=v < explicit options; then config providers resolve."""
    chosen = {k: v for k, v in (explicit or {}).items() if v is not None}
    config = merge(defaults, load_files(files), parse_assignments(properties), chosen)
    return resolve_providers(config) if resolve else config
