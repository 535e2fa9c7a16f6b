"""Forwarding between workers: REST writes to the leader or a connector's owner, task configs to the leader.

Apache's hop rule (its HerderRequestHandler): a request without `forward` may be sent on
with `forward=true`; one that came with `forward=true` may be sent on once more with
`forward=false`; one that came with `forward=false` and still cannot be served is a 409.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import anyio
from fastapi import Request, Response
from fastapi.responses import JSONResponse

from kcli.connect.errors import ConnectError, RequestTargetError

if TYPE_CHECKING:
    import requests

log = logging.getLogger("kcli.connect.rest.forward")

FORWARD_TIMEOUT_S = 90.0
NO_LEADER = ("Cannot complete request momentarily due to no known leader URL, likely because a rebalance was "
             "underway.")
TWO_HOPS = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
STALE = ("Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config "
         "change)")


def _flag(value: str | None) -> bool | None:
    return None if value is None else value.strip().lower() == "true"


def target_url(base: str, path: str, query: Mapping[str, str], recursive: bool) -> str:
    params = {"forward": "true" if recursive else "false"}
    params.update({k: v for k, v in query.items() if k != "forward"})
    return base.rstrip("/") + "/" + path.lstrip("/") + "?" + urlencode(params)


def _session(worker_config: Mapping[str, Any]) -> requests.Session:
    import requests

    s = requests.Session()
    ca = worker_config.get("listeners.https.ssl.truststore.location") or worker_config.get("ssl.truststore.location")
    if ca:
        s.verify = str(ca)
    return s


async def forward(request: Request, exc: RequestTargetError) -> Response:
    """Send the request on to `exc.forward_url` (or answer 409) and relay the answer."""
    hop = _flag(request.query_params.get("forward"))
    if hop is False:
        log.error("Request '%s %s' failed because it couldn't find the target Connect worker within two hops "
                  "(between workers).", request.method, request.url.path)
        raise ConnectError(TWO_HOPS, 409)
    if not exc.forward_url:
        raise ConnectError(NO_LEADER, 409)
    url = target_url(exc.forward_url, request.url.path, request.query_params, recursive=hop is None)
    body = await request.body()
    headers = {"Accept": "application/json", "User-Agent": "kafka-connect"}
    if body:
        headers["Content-Type"] = "application/json"
    if "authorization" in request.headers:
        headers["Authorization"] = request.headers["authorization"]
    log.debug("Forwarding request %s %s %s", url, request.method, body[:200])
    session = _session(request.app.state.worker_config)

    def send() -> requests.Response:
        return session.request(request.method, url, data=body or None, headers=headers, timeout=FORWARD_TIMEOUT_S)

    import requests

    try:
        resp = await anyio.to_thread.run_sync(send)
    except requests.RequestException as err:
        raise ConnectError(f"IO Error trying to forward REST request: {err}", 500) from None
    finally:
        session.close()
    if resp.status_code == 204:
        return Response(status_code=204)
    try:
        payload = resp.json() if resp.content else None
    except ValueError:
        payload = None
    if resp.status_code >= 400:
        message = payload.get("message") if isinstance(payload, dict) else resp.text
        raise ConnectError(str(message), resp.status_code)
    return JSONResponse(payload, status_code=resp.status_code)


class TaskConfigPoster:
    """The herder's side: POST new task configs to the leader (signed), raising on a refusal."""

    def __init__(self, worker_config: Mapping[str, Any]) -> None:
        self._worker_config = dict(worker_config)

    def post_task_configs(self, leader_url: str, connector: str, body: bytes, headers: Mapping[str, str]) -> None:
        import requests

        url = leader_url.rstrip("/") + "/connectors/" + quote(connector, safe="") + "/tasks"
        session = _session(self._worker_config)
        try:
            resp = session.post(url, data=body, timeout=FORWARD_TIMEOUT_S,
                                headers={"Content-Type": "application/json", "Accept": "application/json",
                                         "User-Agent": "kafka-connect", **headers})
        except requests.RequestException as err:
            raise ConnectError(f"IO Error trying to forward REST request: {err}", 500) from None
        finally:
            session.close()
        if resp.status_code >= 400:
            try:
                message = resp.json().get("message", resp.text)
            except ValueError:
                message = resp.text
            raise ConnectError(f"Request to leader to reconfigure connector tasks failed: {message}",
                               resp.status_code)
