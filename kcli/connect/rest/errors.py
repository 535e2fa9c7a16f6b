"""Error answers of the REST API: every failure is `{"error_code", "message"}` with its HTTP status.

Mirrors Apache's ConnectExceptionMapper: a ConnectError keeps its status, an unknown path is
404 "HTTP 404 Not Found", a wrong method 405, anything unexpected 500 (logged, never a crash).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from kcli.connect.errors import ConnectError
from kcli.errors import UsageError

log = logging.getLogger("kcli.connect.rest")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error body shape: {"error_code": status, "message": message}."""
    return JSONResponse({"error_code": status, "message": message}, status_code=status, headers=headers)


def http_message(status: int) -> str:
    """JAX-RS's text for a bare HTTP error, e.g. "HTTP 404 Not Found"."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return f"HTTP {status} {phrase}"


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    """Path parameters that fail conversion give 404 (as JAX-RS does); anything else 400."""
    errors = exc.errors()
    if any(err.get("loc", ("",))[0] == "path" for err in errors):
        return error_response(404, http_message(404))
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    msg = first.get("msg", "Invalid request")
    return error_response(400, f"{msg}{f' ({where})' if where else ''}")


def exception_response(exc: BaseException) -> Response:
    """Turn any exception raised while serving a request into Apache's error answer."""
    if isinstance(exc, ConnectError):
        return error_response(exc.status, exc.message)
    if isinstance(exc, UsageError):  # e.g. a ConfigError from kcli's config or client layers: bad input
        return error_response(400, exc.message)
    if isinstance(exc, RequestValidationError):
        return _validation_response(exc)
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else ""
        if not detail or detail == HTTPStatus(exc.status_code).phrase:
            detail = http_message(exc.status_code)
        return error_response(exc.status_code, detail, headers=getattr(exc, "headers", None))
    log.error("Uncaught exception in REST call", exc_info=exc)
    return error_response(500, str(exc) or exc.__class__.__name__)


class ErrorMappingRoute(APIRoute):
    """A route whose handler never lets an exception escape: each becomes a JSON error answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                return exception_response(exc)

        return guarded


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Router-level errors (unknown path 404, wrong method 405 with every allowed method in `Allow`)."""
    from kcli.connect.rest.middleware import allowed_methods

    response = exception_response(exc)
    if response.status_code == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(request.app.router, request.scope))
    return response


async def validation_exception_handler(request: Request, exc: Exception) -> Response:
    return exception_response(exc)

