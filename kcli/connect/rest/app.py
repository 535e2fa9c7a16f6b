"""The ASGI app of the Connect REST API (Apache's paths, JSON shapes, status codes and errors)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

import kcli
from kcli.connect.errors import BadRequestError, ConnectError
from kcli.connect.herder.base import JSON, Herder
from kcli.connect.rest import calls, docs, shapes
from kcli.connect.rest.calls import call, herder_of, read_json
from kcli.connect.rest.connectors import router as connectors_router
from kcli.connect.rest.errors import ErrorMappingRoute, http_exception_handler, validation_exception_handler
from kcli.connect.rest.loggers import LoggerLevels
from kcli.connect.rest.middleware import ApacheRequestRules

root_router = APIRouter(route_class=ErrorMappingRoute)
plugins_router = APIRouter(prefix="/connector-plugins", route_class=ErrorMappingRoute, tags=["connector-plugins"])
loggers_router = APIRouter(prefix="/admin/loggers", route_class=ErrorMappingRoute, tags=["admin"])

ALIAS_SUFFIX = "Connector"


@root_router.get("/", tags=["worker"], **docs.op("Worker version, commit and Kafka cluster id", docs.SERVER_INFO))
async def server_info(request: Request) -> Response:
    return JSONResponse(await call(herder_of(request).worker_info))


@root_router.get("/health", tags=["worker"], **docs.op("Worker health", docs.HEALTH,
                                                       extra={503: docs.HEALTH}))
async def health(request: Request) -> Response:
    try:
        return JSONResponse(await call(herder_of(request).health, timeout=calls.HEALTH_TIMEOUT_S))
    except ConnectError as exc:
        if exc.status == 503:
            return JSONResponse({"status": "starting", "message": exc.message}, status_code=503)
        message = exc.message
        if message == "Request timed out":
            message = "Worker was unable to handle this request and may be unable to handle other requests."
        return JSONResponse({"status": "unhealthy", "message": message}, status_code=exc.status)


@plugins_router.get("", **docs.op("Installed plugins (connectors only unless connectorsOnly=false)", docs.PLUGINS))
async def list_plugins(request: Request, connectorsOnly: str | None = Query(None)) -> Response:
    only = shapes.query_flag(connectorsOnly, default=True)
    return JSONResponse(shapes.plugin_infos(await call(herder_of(request).plugins, only)))


@plugins_router.get("/{plugin}/config", **docs.op("A plugin's config definition", docs.CONFIG_KEYS, errors=(400, 404)))
async def plugin_config(request: Request, plugin: str) -> Response:
    return JSONResponse(await call(herder_of(request).plugin_config, plugin))


def _normalized(plugin: str) -> str:
    """A class or simple name without its `Connector` suffix, so full names and aliases compare."""
    if plugin.endswith(ALIAS_SUFFIX) and len(plugin) > len(ALIAS_SUFFIX):
        return plugin[: -len(ALIAS_SUFFIX)]
    return plugin


@plugins_router.put("/{plugin}/config/validate", **docs.op("Validate a connector config", docs.CONFIG_INFOS,
                                                           body=docs.CONFIG_INPUT, errors=(400,)))
async def validate_config(request: Request, plugin: str) -> Response:
    config = shapes.config_map(await read_json(request))
    included = config.get("connector.class")
    if included is not None and not _normalized(included).endswith(_normalized(plugin)):
        raise BadRequestError(f"Included connector type {included} does not match request type {plugin}")
    return JSONResponse(await call(herder_of(request).validate_config, plugin, config))


@loggers_router.get("", **docs.op("Every current logger and its level", docs.LOGGERS))
async def list_loggers(request: Request) -> Response:
    return JSONResponse(request.app.state.loggers.all_levels())


@loggers_router.get("/{logger}", **docs.op("A logger's level", docs.LOGGER_LEVEL, errors=(404,)))
async def get_logger(request: Request, logger: str) -> Response:
    return JSONResponse(request.app.state.loggers.level(logger))


@loggers_router.put("/{logger}", **docs.op("Set a logger's level (and its descendants')", docs.NAMES,
                                           body=docs.LEVEL_BODY, errors=(400, 404), extra={204: None}))
async def set_logger(request: Request, logger: str, scope: str | None = Query(None)) -> Response:
    levels: LoggerLevels = request.app.state.loggers
    level = levels.parse_level(await read_json(request))
    if (scope or "worker").lower() == "cluster":
        herder = request.app.state.herder
        if herder is None or not await call(herder.set_cluster_logger_level, logger, level):
            levels.set_level(logger, level)  # standalone: the cluster is this worker
        return Response(status_code=204)
    return JSONResponse(levels.set_level(logger, level))


def _cors(app: FastAPI, worker_config: Mapping[str, str]) -> None:
    origins = (worker_config.get("access.control.allow.origin") or "").strip()
    if not origins:
        return
    from starlette.middleware.cors import CORSMiddleware

    methods = worker_config.get("access.control.allow.methods") or "GET,POST,HEAD"
    app.add_middleware(CORSMiddleware, allow_origins=[o.strip() for o in origins.split(",") if o.strip()],
                       allow_methods=[m.strip().upper() for m in methods.split(",") if m.strip()],
                       allow_headers=["*"])


def admin_mode(worker_config: Mapping[str, str]) -> str:
    """Where /admin is served, from `admin.listeners`: "shared" (unset), "disabled" (empty) or "separate"."""
    value = worker_config.get("admin.listeners")
    if value is None:
        return "shared"
    return "separate" if str(value).strip() else "disabled"


def create_app(herder: Herder | None, worker_config: Mapping[str, str] | None = None,
               part: str = "main", loggers: LoggerLevels | None = None) -> FastAPI:
    """The Connect REST API over `herder`. `worker_config` supplies topic.tracking.*, CORS and admin.listeners.

    `herder` may be None while the worker starts (set `app.state.herder` later): calls answer 503 until then.
    `part="admin"` builds the app of the `admin.listeners` (only /admin); the main app carries /admin
    only when admin.listeners is not set.
    """
    cfg: dict[str, str] = dict(worker_config or {})
    app = FastAPI(title="kcli Kafka Connect REST API", version=kcli.__version__, docs_url=None, redoc_url=None,
                  openapi_url=None, description="The Apache Kafka Connect REST API, served by kcli's embedded worker.")
    app.state.herder = herder
    app.state.worker_config = cfg
    app.state.loggers = loggers or LoggerLevels()
    app.router.redirect_slashes = False
    if part == "admin":
        app.include_router(loggers_router)
        _finish(app, cfg)
        return app
    app.include_router(root_router)
    app.include_router(connectors_router)
    app.include_router(plugins_router)
    if admin_mode(cfg) == "shared":
        app.include_router(loggers_router)
    _finish(app, cfg)
    return app


def _finish(app: FastAPI, cfg: Mapping[str, str]) -> None:
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(RequestValidationError, validation_exception_handler)
    app.add_middleware(ApacheRequestRules, router=app.router)
    _cors(app, cfg)


def openapi_document() -> JSON:
    """The OpenAPI document of the app (what scripts/gen-openapi writes to openapi.json)."""
    from fastapi.openapi.utils import get_openapi

    app = create_app(None)
    doc = get_openapi(title=app.title, version="4.x", openapi_version="3.1.0", description=app.description,
                      routes=app.routes)
    for path in doc["paths"].values():
        for method, operation in path.items():
            operation["responses"].pop("422", None)  # FastAPI's validation answer: ours are 400/404
            if method in ("post", "put", "patch"):
                operation["responses"]["415"] = {"description": "Body not JSON",
                                                 "content": {"application/json": {"schema": docs.ERROR}}}
    schemas = doc.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    if "components" in doc and not schemas:
        doc["components"].pop("schemas", None)
        if not doc["components"]:
            del doc["components"]
    return doc
