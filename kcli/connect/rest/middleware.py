"""ASGI middleware for what Apache's Jetty/Jersey do before a resource method runs."""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kcli.connect.rest.errors import error_response

BODY_METHODS = (b"POST", b"PUT", b"PATCH")
JSON_TYPES = ("application/json", "text/json")
HTTP_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in JSON_TYPES or media.endswith("+json")


def allowed_methods(router: Router, scope: Scope) -> list[str]:
    """Every method some route serves at this path (asked route by route, so included routers count)."""
    allowed = []
    for method in HTTP_METHODS:
        probe = {**scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in router.routes):
            allowed.append(method)
    return allowed


class ApacheRequestRules:
    """* a `%2F` in the path is a 400 (Jetty's "Ambiguous URI path separator"), never decoded into
      a `/` that would route elsewhere;
    * a body that is not JSON is a 415 (Jersey's @Consumes(application/json)): a Content-Type other
      than JSON, or a body with no Content-Type at all;
    * OPTIONS answers 200 with the methods of the path in `Allow`, and HEAD is a GET without its
      body (as Jersey's automatic OPTIONS and HEAD);
    * a trailing slash is ignored: `/connector-plugins/` is `/connector-plugins` (Jersey matches both).
    """

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response: Response | None = None
        path = scope.get("path", "")
        if len(path) > 1 and path.endswith("/"):
            raw = scope.get("raw_path") or path.encode()
            scope = {**scope, "path": path.rstrip("/") or "/", "raw_path": raw.rstrip(b"/") or b"/"}
        method = scope["method"].encode()
        if b"%2f" in scope.get("raw_path", b"").lower():
            response = error_response(400, "Ambiguous URI path separator")
        elif method in BODY_METHODS:
            content_type = _header(scope, b"content-type")
            has_body = (_header(scope, b"content-length") or "0").strip() not in ("", "0") or \
                _header(scope, b"transfer-encoding") is not None
            if (content_type is not None and not _is_json(content_type)) or (content_type is None and has_body):
                response = error_response(415, "HTTP 415 Unsupported Media Type")
        elif method == b"OPTIONS":
            methods = allowed_methods(self.router, scope)
            if methods:
                allow = ", ".join([*methods, *(["HEAD"] if "GET" in methods else []), "OPTIONS"])
                response = PlainTextResponse(allow, headers={"Allow": allow})
        if response is not None:
            await response(scope, receive, send)
            return
        if method == b"HEAD":
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
            return
        await self.app(scope, receive, send)


def _without_body(send: Send) -> Send:
    """A `send` that passes the headers of a GET answer on and drops its body (HEAD)."""

    async def head_send(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return head_send
