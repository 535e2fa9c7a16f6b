"""JSON schemas of Apache's REST entities, for the OpenAPI document (`openapi.json`)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from kcli.connect.storage.config_store import INITIAL_STATES

JSON = dict[str, Any]


def _obj(props: JSON, required: tuple[str, ...] = (), extra: Any = None) -> JSON:
    schema: JSON = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    if extra is not None:
        schema["additionalProperties"] = extra
    return schema


STR = {"type": "string"}
INT = {"type": "integer"}
ERROR = _obj({"error_code": INT, "message": STR}, ("error_code", "message"))
CONFIG_MAP = {"type": "object", "additionalProperties": STR}
# Request bodies: like Jackson, numbers and booleans are taken as their string form.
CONFIG_INPUT = {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}
PATCH_MAP = {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}
TASK_ID = _obj({"connector": STR, "task": INT}, ("connector", "task"))
CONNECTOR_TYPE = {"type": "string", "enum": ["source", "sink", "unknown"]}
CONNECTOR_INFO = _obj({"name": STR, "config": CONFIG_MAP, "tasks": {"type": "array", "items": TASK_ID},
                       "type": CONNECTOR_TYPE}, ("name", "config", "tasks"))
STATE = {"type": "string", "enum": ["UNASSIGNED", "RUNNING", "PAUSED", "FAILED", "RESTARTING", "STOPPED"]}
CONNECTOR_STATE = _obj({"state": STATE, "worker_id": STR, "version": STR, "trace": STR}, ("state", "worker_id"))
TASK_STATE = _obj({"id": INT, "state": STATE, "worker_id": STR, "version": STR, "trace": STR},
                  ("id", "state", "worker_id"))
CONNECTOR_STATUS = _obj({"name": STR, "connector": CONNECTOR_STATE, "tasks": {"type": "array", "items": TASK_STATE},
                         "type": CONNECTOR_TYPE}, ("name", "connector", "tasks"))
TASK_INFOS = {"type": "array", "items": _obj({"id": TASK_ID, "config": CONFIG_MAP}, ("id", "config"))}
LIST_CONNECTORS = {"oneOf": [{"type": "array", "items": STR},
                             {"type": "object", "additionalProperties": _obj(
                                 {"status": CONNECTOR_STATUS, "info": CONNECTOR_INFO})}]}
CREATE_BODY = _obj({"name": STR, "config": CONFIG_INPUT,
                    "initial_state": {"type": "string", "enum": list(INITIAL_STATES)}},
                   ("name", "config"))
ACTIVE_TOPICS = {"type": "object", "additionalProperties": _obj({"topics": {"type": "array", "items": STR}})}
OFFSET_ENTRY = _obj({"partition": {"type": "object"}, "offset": {"type": ["object", "null"]}}, ("partition", "offset"))
OFFSETS = _obj({"offsets": {"type": "array", "items": OFFSET_ENTRY}}, ("offsets",))
MESSAGE = _obj({"message": STR}, ("message",))
SERVER_INFO = _obj({"version": STR, "commit": STR, "kafka_cluster_id": {"type": ["string", "null"]}},
                   ("version", "commit"))
HEALTH = _obj({"status": STR, "message": STR}, ("status", "message"))
PLUGINS = {"type": "array", "items": _obj({"class": STR, "type": STR, "version": STR}, ("class", "type"))}
CONFIG_KEY = _obj({"name": STR, "type": STR, "required": {"type": "boolean"},
                   "default_value": {"type": ["string", "null"]}, "importance": STR, "documentation": STR,
                   "group": {"type": ["string", "null"]}, "order_in_group": INT, "width": STR, "display_name": STR,
                   "dependents": {"type": "array", "items": STR}}, ("name", "type"))
CONFIG_KEYS = {"type": "array", "items": CONFIG_KEY}
CONFIG_INFOS = _obj({"name": STR, "error_count": INT, "groups": {"type": "array", "items": STR},
                     "configs": {"type": "array", "items": {"type": "object"}}},
                    ("name", "error_count", "groups", "configs"))
LOGGER_LEVEL = _obj({"level": STR, "last_modified": {"type": ["integer", "null"]}}, ("level", "last_modified"))
LOGGERS = {"type": "object", "additionalProperties": LOGGER_LEVEL}
LEVEL_BODY = _obj({"level": {"type": "string", "enum": ["OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE",
                                                        "ALL"]}}, ("level",))
NAMES = {"type": "array", "items": STR}

_ERROR_TEXT = {400: "Bad request", 403: "Forbidden", 404: "Not found", 409: "Conflict",
               500: "Internal error", 503: "Unavailable"}


def _json(schema: JSON | None, description: str) -> JSON:
    out: JSON = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def op(summary: str, schema: JSON | None, body: JSON | None = None, errors: tuple[int, ...] = (),
       extra: dict[int, JSON | None] | None = None, ok: int | None = None) -> dict[str, Any]:
    """Route keyword arguments documenting an operation: its success schema, body and error answers."""
    responses: dict[int | str, JSON] = {}
    if ok is not None or schema is not None:
        responses[ok or 200] = _json(schema, "Success")
    for status, extra_schema in (extra or {}).items():
        responses[status] = _json(extra_schema, "Success")
    for status in (*errors, 500):
        responses[status] = _json(ERROR, _ERROR_TEXT.get(status, "Error"))
    kwargs: dict[str, Any] = {"summary": summary, "response_model": None, "responses": responses,
                              "response_class": Response}  # bodies are documented in `responses` only
    if body is not None:
        kwargs["openapi_extra"] = {"requestBody": {"required": True,
                                                   "content": {"application/json": {"schema": body}}}}
    return kwargs
