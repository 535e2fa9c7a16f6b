"""Apache's JSON shapes: key order of the entities, and request bodies parsed the way Jackson does."""

from __future__ import annotations

import json
from typing import Any

from kcli.connect.errors import BadRequestError

JSON = dict[str, Any]

_ORDER = {
    "info": ("name", "config", "tasks", "type"),
    "status": ("name", "connector", "tasks", "type"),
    "state": ("state", "trace", "worker_id"),
    "task_state": ("id", "state", "trace", "worker_id"),
    "task_info": ("id", "config"),
    "task_id": ("connector", "task"),
    "plugin": ("class", "type", "version"),
}


def ordered(kind: str, data: Any) -> Any:
    """`data` with Apache's key order for entity `kind` first (unknown keys kept, after)."""
    if not isinstance(data, dict):
        return data
    keys = _ORDER[kind]
    out = {k: data[k] for k in keys if k in data}
    out.update((k, v) for k, v in data.items() if k not in out)
    if "trace" in out and not out["trace"]:
        del out["trace"]  # Apache leaves out a null or empty trace
    return out


def connector_info(info: JSON) -> JSON:
    out = ordered("info", info)
    if isinstance(out.get("tasks"), list):
        out["tasks"] = [ordered("task_id", t) for t in out["tasks"]]
    return out


def task_state(state: JSON) -> JSON:
    return ordered("task_state", state)


def connector_status(status: JSON) -> JSON:
    out = ordered("status", status)
    if isinstance(out.get("connector"), dict):
        out["connector"] = ordered("state", out["connector"])
    if isinstance(out.get("tasks"), list):
        out["tasks"] = sorted((task_state(t) for t in out["tasks"]), key=lambda t: t.get("id", 0))
    return out


def task_infos(tasks: list[JSON]) -> list[JSON]:
    out = []
    for task in tasks:
        item = ordered("task_info", task)
        if isinstance(item.get("id"), dict):
            item["id"] = ordered("task_id", item["id"])
        out.append(item)
    return out


def plugin_infos(plugins: list[JSON]) -> list[JSON]:
    out = []
    for plugin in plugins:
        item = ordered("plugin", plugin)
        if item.get("version") in (None, "undefined"):
            item.pop("version", None)
        out.append(item)
    return out


# -- request bodies ----------------------------------------------------------------------------

def parse_json(raw: bytes) -> Any:
    """The request body as JSON; an empty body is None; malformed JSON is a 400."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequestError(f"Malformed JSON in request body: {exc}") from None
    except RecursionError:
        raise BadRequestError("Malformed JSON in request body: nested too deeply") from None


def _string_value(key: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    raise BadRequestError(f"Cannot deserialize value of type `java.lang.String` from {_json_kind(value)} value "
                          f"for configuration key '{key}'")


def _json_kind(value: Any) -> str:
    return "Array" if isinstance(value, list) else "Object"


def config_map(data: Any, what: str = "request body", allow_null: bool = False) -> dict[str, Any]:
    """A flat map of config strings as Jackson reads `Map<String,String>`: numbers and booleans
    become strings, nested values are a 400, null values are a 400 unless `allow_null` (PATCH)."""
    if not isinstance(data, dict):
        kind = "null" if data is None else ("Array" if isinstance(data, list) else type(data).__name__)
        raise BadRequestError(f"Expected a JSON object of configuration strings as the {what}, got {kind}")
    out: dict[str, Any] = {}
    nulls = []
    for key, value in data.items():
        out[key] = _string_value(key, value)
        if out[key] is None:
            nulls.append(key)
    if nulls and not allow_null:
        raise BadRequestError(invalid_config_message(["Null value can not be supplied as the configuration value."]))
    return out


def invalid_config_message(errors: list[str]) -> str:
    """Apache's text for a config that failed validation."""
    return (f"Connector configuration is invalid and contains the following {len(errors)} error(s):\n"
            + "".join(f"{e}\n" for e in errors)
            + "You can also find the above list of errors at the endpoint "
              "`/connector-plugins/{connectorType}/config/validate`")


def query_flag(value: str | None, default: bool = False) -> bool:
    """A boolean query parameter as JAX-RS reads it: "true" in any case is true, anything else false."""
    if value is None:
        return default
    return value.strip().lower() == "true"
