"""Calling the herder from a request: in a worker thread, with Apache's 90 s request timeout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from fastapi import Request, Response

from kcli.connect.errors import ConnectError
from kcli.connect.herder.base import Herder
from kcli.connect.rest.shapes import parse_json

T = TypeVar("T")

REQUEST_TIMEOUT_S = 90.0
HEALTH_TIMEOUT_S = 10.0


STARTING = "Worker is still starting up."


def herder_of(request: Request) -> Herder:
    """The app's herder; 503 while the worker has not handed it over yet (still starting)."""
    herder = request.app.state.herder
    if herder is None:
        raise ConnectError(STARTING, 503)
    return herder


async def call(fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
    """Run a (blocking, thread-safe) herder method off the event loop; 500 "Request timed out" after 90 s."""
    try:
        with anyio.fail_after(timeout or REQUEST_TIMEOUT_S):
            return await anyio.to_thread.run_sync(lambda: fn(*args), abandon_on_cancel=True)
    except TimeoutError:
        raise ConnectError("Request timed out", 500) from None


async def read_json(request: Request) -> Any:
    """The request body parsed as JSON (None when empty); malformed JSON is a 400."""
    return parse_json(await request.body())


async def call_or_forward(request: Request, fn: Callable[..., T], *args: Any) -> T | Response:
    """`call`, and when this worker cannot serve it, the answer of the worker that can (forwarded)."""
    from kcli.connect.errors import RebalanceNeededError, RequestTargetError
    from kcli.connect.rest.forward import STALE, forward

    try:
        return await call(fn, *args)
    except RebalanceNeededError:
        raise ConnectError(STALE, 409) from None
    except RequestTargetError as exc:
        return await forward(request, exc)
