"""`/connectors/...`: Apache's ConnectorsResource over the Herder interface."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from kcli.connect.errors import BadRequestError, ConnectError, NotFoundError
from kcli.connect.rest import docs, shapes
from kcli.connect.rest.calls import call, call_or_forward, herder_of, read_json
from kcli.connect.rest.errors import ErrorMappingRoute

if TYPE_CHECKING:
    from kcli.connect.herder.base import JSON

router = APIRouter(prefix="/connectors", route_class=ErrorMappingRoute, tags=["connectors"])

Forward = Query(None, include_in_schema=False)
CREATE_FIELDS = ("name", "config", "initial_state")


def _location(request: Request, name: str) -> str:
    return str(request.base_url).rstrip("/") + "/connectors/" + quote(name, safe="")


def _with_location(request: Request, name: str, forwarded: Response) -> Response:
    """A forwarded 201 gets this worker's Location header, as Apache builds it locally."""
    if forwarded.status_code == 201:
        forwarded.headers["Location"] = _location(request, name)
    return forwarded


def _topic_tracking(request: Request, reset: bool = False) -> None:
    cfg = request.app.state.worker_config
    if not shapes.query_flag(cfg.get("topic.tracking.enable"), default=True):
        raise ConnectError("Topic tracking is disabled.", 403)
    if reset and not shapes.query_flag(cfg.get("topic.tracking.allow.reset"), default=True):
        raise ConnectError("Topic tracking reset is disabled.", 403)


@router.get("", **docs.op("List connectors (names; or a map with ?expand=status and/or ?expand=info)",
                          docs.LIST_CONNECTORS))
async def list_connectors(request: Request, expand: list[str] | None = Query(None)) -> Response:
    herder = herder_of(request)
    names = await call(herder.connectors)
    if not expand:
        return JSONResponse(names)
    out: dict[str, JSON] = {}
    for name in names:
        entry: JSON = {}
        try:
            for kind in expand:
                if kind == "status":
                    entry["status"] = shapes.connector_status(await call(herder.connector_status, name))
                elif kind == "info":
                    entry["info"] = shapes.connector_info(await call(herder.connector_info, name))
        except NotFoundError:
            continue  # deleted while we looked; Apache leaves it out
        out[name] = entry
    return JSONResponse(out)


@router.post("", status_code=201, **docs.op("Create a connector", docs.CONNECTOR_INFO, body=docs.CREATE_BODY,
                                            errors=(400, 409), ok=201))
async def create_connector(request: Request, forward: str | None = Forward) -> Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadRequestError("Request body must be a JSON object with \"name\" and \"config\"")
    unknown = [key for key in body if key not in CREATE_FIELDS]
    if unknown:
        raise BadRequestError(f"Unrecognized field \"{unknown[0]}\" in the request body (known properties: "
                              + ", ".join(f'"{k}"' for k in CREATE_FIELDS) + ")")
    name = body.get("name")
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        name = json.dumps(name)  # Jackson reads a number into the String field: {"name": 12} creates "12"
    name = name.strip() if isinstance(name, str) else ""
    if body.get("config") is None:
        raise BadRequestError("Connector configuration is missing: the request body needs a \"config\" object")
    config = shapes.config_map(body["config"], what="\"config\"")
    initial = body.get("initial_state")  # checked with the name by the herder, before any forwarding
    initial = None if initial is None else str(initial)
    result = await call_or_forward(request, herder_of(request).put_connector_config, name, config, False, initial)
    if isinstance(result, Response):
        return _with_location(request, name, result)
    return JSONResponse(shapes.connector_info(result[1]), status_code=201,
                        headers={"Location": _location(request, name)})


@router.get("/{name}", **docs.op("Connector info", docs.CONNECTOR_INFO, errors=(404,)))
async def get_connector(request: Request, name: str, forward: str | None = Forward) -> Response:
    return JSONResponse(shapes.connector_info(await call(herder_of(request).connector_info, name)))


@router.delete("/{name}", status_code=204, **docs.op("Delete a connector", None, errors=(404, 409)))
async def delete_connector(request: Request, name: str, forward: str | None = Forward) -> Response:
    result = await call_or_forward(request, herder_of(request).delete_connector, name)
    return result if isinstance(result, Response) else Response(status_code=204)


@router.get("/{name}/config", **docs.op("Connector config", docs.CONFIG_MAP, errors=(404,)))
async def get_config(request: Request, name: str, forward: str | None = Forward) -> Response:
    return JSONResponse(await call(herder_of(request).connector_config, name))


@router.put("/{name}/config", **docs.op("Create or replace a connector's config", docs.CONNECTOR_INFO,
                                        body=docs.CONFIG_INPUT, errors=(400, 409), extra={201: docs.CONNECTOR_INFO}))
async def put_config(request: Request, name: str, forward: str | None = Forward) -> Response:
    config = shapes.config_map(await read_json(request))
    result = await call_or_forward(request, herder_of(request).put_connector_config, name, config, True)
    if isinstance(result, Response):
        return _with_location(request, name, result)
    created, info = result
    if created:
        return JSONResponse(shapes.connector_info(info), status_code=201,
                            headers={"Location": _location(request, name)})
    return JSONResponse(shapes.connector_info(info))


@router.patch("/{name}/config", **docs.op("Merge into a connector's config (null removes a key)", docs.CONNECTOR_INFO,
                                          body=docs.PATCH_MAP, errors=(400, 404)))
async def patch_config(request: Request, name: str, forward: str | None = Forward) -> Response:
    patch = shapes.config_map(await read_json(request), allow_null=True)
    result = await call_or_forward(request, herder_of(request).patch_connector_config, name, patch)
    return result if isinstance(result, Response) else JSONResponse(shapes.connector_info(result))


@router.get("/{name}/status", **docs.op("Connector and task states", docs.CONNECTOR_STATUS, errors=(404,)))
async def get_status(request: Request, name: str) -> Response:
    return JSONResponse(shapes.connector_status(await call(herder_of(request).connector_status, name)))


@router.get("/{name}/tasks", **docs.op("Task configs", docs.TASK_INFOS, errors=(404,)))
async def get_tasks(request: Request, name: str, forward: str | None = Forward) -> Response:
    return JSONResponse(shapes.task_infos(await call(herder_of(request).task_configs, name)))


@router.get("/{name}/tasks/{task}/status", **docs.op("One task's state", docs.TASK_STATE, errors=(404,)))
async def get_task_status(request: Request, name: str, task: int) -> Response:
    return JSONResponse(shapes.task_state(await call(herder_of(request).task_status, name, task)))


@router.post("/{name}/tasks/{task}/restart", status_code=204, **docs.op("Restart a task", None, errors=(404, 409)))
async def restart_task(request: Request, name: str, task: int, forward: str | None = Forward) -> Response:
    result = await call_or_forward(request, herder_of(request).restart_task, name, task)
    return result if isinstance(result, Response) else Response(status_code=204)


@router.post("/{name}/restart", status_code=204,
             **docs.op("Restart a connector (204), or it and its tasks (202 with the states)", None,
                       errors=(404, 409), extra={202: docs.CONNECTOR_STATUS}))
async def restart_connector(request: Request, name: str, includeTasks: str | None = Query(None),
                            onlyFailed: str | None = Query(None), forward: str | None = Forward) -> Response:
    include_tasks, only_failed = shapes.query_flag(includeTasks), shapes.query_flag(onlyFailed)
    result = await call_or_forward(request, herder_of(request).restart_connector, name, include_tasks, only_failed)
    if isinstance(result, Response):
        return result
    if not include_tasks and not only_failed or result is None:
        return Response(status_code=204)
    return JSONResponse(shapes.connector_status(result), status_code=202)


@router.put("/{name}/pause", status_code=202, **docs.op("Pause a connector and its tasks", None, errors=(404,)))
async def pause_connector(request: Request, name: str, forward: str | None = Forward) -> Response:
    await call(herder_of(request).pause_connector, name)
    return Response(status_code=202)


@router.put("/{name}/resume", status_code=202, **docs.op("Resume a paused or stopped connector", None,
                                                         errors=(404,)))
async def resume_connector(request: Request, name: str, forward: str | None = Forward) -> Response:
    await call(herder_of(request).resume_connector, name)
    return Response(status_code=202)


@router.put("/{name}/stop", status_code=204, **docs.op("Stop a connector (no tasks)", None, errors=(404,)))
async def stop_connector(request: Request, name: str, forward: str | None = Forward) -> Response:
    result = await call_or_forward(request, herder_of(request).stop_connector, name)
    return result if isinstance(result, Response) else Response(status_code=204)


@router.get("/{name}/topics", **docs.op("Topics the connector has used", docs.ACTIVE_TOPICS, errors=(403,)))
async def get_topics(request: Request, name: str) -> Response:
    _topic_tracking(request)
    topics = await call(herder_of(request).active_topics, name)
    return JSONResponse({name: {"topics": list(topics)}})


@router.put("/{name}/topics/reset", status_code=202, **docs.op("Forget the connector's topics", None,
                                                               errors=(403, 404)))
async def reset_topics(request: Request, name: str, forward: str | None = Forward) -> Response:
    _topic_tracking(request, reset=True)
    await call(herder_of(request).reset_active_topics, name)
    return Response(status_code=202)


@router.get("/{name}/offsets", **docs.op("Connector offsets", docs.OFFSETS, errors=(404,)))
async def get_offsets(request: Request, name: str) -> Response:
    return JSONResponse(await call(herder_of(request).connector_offsets, name))


@router.patch("/{name}/offsets", **docs.op("Alter offsets (connector must be STOPPED)", docs.MESSAGE,
                                           body=docs.OFFSETS, errors=(400, 404)))
async def alter_offsets(request: Request, name: str, forward: str | None = Forward) -> Response:
    body = await read_json(request)
    offsets = body.get("offsets") if isinstance(body, dict) else None
    if not offsets:
        raise BadRequestError("Partitions / offsets need to be provided for an alter offsets request")
    if not isinstance(offsets, list) or not all(_offset_entry(o) for o in offsets):
        raise BadRequestError("Each entry of \"offsets\" needs a \"partition\" object and an \"offset\" object or null")
    result = await call_or_forward(request, herder_of(request).alter_offsets, name, offsets)
    return result if isinstance(result, Response) else JSONResponse(result)


def _offset_entry(entry: Any) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("partition"), dict)
            and isinstance(entry.get("offset"), (dict, type(None))))


@router.delete("/{name}/offsets", **docs.op("Reset offsets (connector must be STOPPED)", docs.MESSAGE,
                                            errors=(400, 404)))
async def reset_offsets(request: Request, name: str, forward: str | None = Forward) -> Response:
    result = await call_or_forward(request, herder_of(request).reset_offsets, name)
    return result if isinstance(result, Response) else JSONResponse(result)


@router.post("/{name}/tasks", status_code=204,
             **docs.op("Inter-worker only: a worker sends the leader its connector's new task configs (signed)",
                       None, body={"type": "array", "items": docs.CONFIG_MAP}, errors=(400, 403, 404, 409, 503),
                       extra={204: None}))
async def put_task_configs(request: Request, name: str, forward: str | None = Forward) -> Response:
    """Inter-worker: a follower running the connector sends its new task configs to the leader (signed)."""
    body = await request.body()
    configs = shapes.parse_json(body)
    if not isinstance(configs, list) or not all(isinstance(c, dict) for c in configs):
        raise BadRequestError("Task configs must be a JSON list of objects")
    task_configs = [{str(k): (None if v is None else str(v)) for k, v in c.items()} for c in configs]
    result = await call_or_forward(request, herder_of(request).put_task_configs, name, task_configs,
                                   dict(request.headers), body)
    return result if isinstance(result, Response) else Response(status_code=204)
