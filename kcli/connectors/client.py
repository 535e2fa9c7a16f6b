"""The Connect REST client: one requests session, URL failover, auth, TLS and error mapping.

This module only talks HTTP; it never prints. Errors are raised as `kcli.errors.KcliError`
subclasses whose one-line message is what `kcli` shows the user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from kcli.errors import ConfigError, KcliError, one_line

if TYPE_CHECKING:
    import requests

DEFAULT_URL = "http://localhost:8083"
# Apache's herder operations may take up to 90 s (DEFAULT_REST_REQUEST_TIMEOUT_MS) before answering.
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 95.0


class RestError(KcliError):
    """The worker answered with an error status; `status`, `error_code` and `server_message` keep its words."""

    def __init__(self, status: int, error_code: int | None, server_message: str, method: str, url: str) -> None:
        self.status = status
        self.error_code = error_code if error_code is not None else status
        self.server_message = server_message
        self.method = method
        self.url = url
        code = "" if self.error_code == status else f" (error code {self.error_code})"
        # one line: Apache's 400 for an invalid config lists one error per line
        self.reason = f"HTTP {status}{code}: {one_line(server_message)}"
        super().__init__(f"{self.reason} ({method} {url})")

    @property
    def base_url(self) -> str:
        """The worker's URL (what --url gave), without the REST path."""
        for marker in ("/connectors", "/connector-plugins", "/admin/"):
            if marker in self.url:
                return self.url[:self.url.index(marker)]
        return self.url


class UnreachableError(KcliError):
    """No worker answered at any of the URLs tried."""


@dataclass
class Response:
    """A successful answer: the HTTP status, the parsed JSON body (None when empty) and the URL used."""

    status: int
    body: Any
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)


def _seg(value: str | int) -> str:
    """One path segment, percent-encoded (connector names may hold spaces or slashes)."""
    return quote(str(value), safe="")


def _error_body(resp: requests.Response) -> tuple[int | None, str]:
    """Connect's error body {"error_code", "message"}, or the best text the server gave."""
    try:
        data = resp.json()
    except ValueError:
        text = (resp.text or "").strip().splitlines()
        return None, text[0] if text else (resp.reason or "no message")
    if isinstance(data, dict):
        code = data.get("error_code")
        msg = data.get("message")
        if msg is None:
            msg = data.get("status") or resp.reason or "no message"
        return (code if isinstance(code, int) else None), str(msg)
    return None, str(data)


def check_url(url: str) -> str:
    """A worker URL as requests needs it (http:// added when missing); a malformed one is a ConfigError (exit 2)."""
    from urllib.parse import urlsplit

    full = url if "://" in url else f"http://{url}"
    try:
        parts = urlsplit(full)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ConfigError(f"invalid Connect URL '{url}': {exc} (--url)") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"invalid Connect URL '{url}': the scheme must be http or https (--url)")
    if not parts.hostname:
        raise ConfigError(f"invalid Connect URL '{url}': no host (--url)")
    return full.rstrip("/")


class ConnectClient:
    """A Connect REST client over one or more worker URLs, tried in order until one answers."""

    def __init__(self, urls: Sequence[str] = (DEFAULT_URL,), user: str | None = None, password: str | None = None,
                 cacert: str | None = None, cert: str | None = None, key: str | None = None,
                 insecure: bool = False, timeout: float | None = None) -> None:
        cleaned = [u.strip() for u in urls if u and u.strip()]
        self.urls = [check_url(u) for u in cleaned] or [DEFAULT_URL]
        import requests  # lazy: `kcli connectors --help` stays fast

        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json"})
        if user is not None:
            self.session.auth = (user, password or "")
        # Passed with every request: a session-level `verify` loses to REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE.
        self.verify: bool | str = True
        if insecure:
            self.verify = False
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        elif cacert:
            self.verify = cacert
        self.cert: str | tuple[str, str] | None = ((cert, key) if key else cert) if cert else None
        self.timeout = timeout

    # -- transport -------------------------------------------------------------------------

    def _timeouts(self, limit: float | None) -> tuple[float, float]:
        read = self.timeout if self.timeout is not None else DEFAULT_READ_TIMEOUT
        if limit is not None:
            read = min(read, limit)
        read = max(read, 0.05)
        return min(DEFAULT_CONNECT_TIMEOUT, read), read

    def request(self, method: str, path: str, params: Mapping[str, Any] | None = None, body: Any = None,
                ok_404: bool = False, limit: float | None = None) -> Response:
        """Send one request; the next URL is tried when a worker does not answer (connection failure).

        An error status raises RestError, unless it is a 404 and ok_404 is set (then body is None).
        """
        import requests

        failures: list[str] = []
        for index, base in enumerate(self.urls):
            url = base + path
            try:
                resp = self.session.request(method, url, params=params, json=body, timeout=self._timeouts(limit),
                                            verify=None if self.verify is True else self.verify, cert=self.cert)
            except requests.exceptions.SSLError as exc:
                raise UnreachableError(f"TLS error talking to {base}: {_reason(exc)}") from exc
            except requests.exceptions.ConnectionError as exc:
                failures.append(f"{base} ({_reason(exc)})")
                continue
            except requests.exceptions.Timeout as exc:
                raise UnreachableError(f"the worker at {base} did not answer {method} {path} in time "
                                       f"({self._timeouts(limit)[1]:g}s)") from exc
            except requests.exceptions.RequestException as exc:
                raise UnreachableError(f"request to {url} failed: {_reason(exc)}") from exc
            except OSError as exc:  # requests' words for a --cacert/--cert/--key it cannot load
                raise ConfigError(f"cannot use the TLS files: {exc}") from exc
            if index:  # remember the worker that answered, for the next requests
                self.urls.insert(0, self.urls.pop(index))
            return self._answer(method, url, resp, ok_404)
        raise UnreachableError("no Connect worker answered: " + ", ".join(failures))

    @staticmethod
    def _answer(method: str, url: str, resp: requests.Response, ok_404: bool) -> Response:
        if resp.status_code >= 400:
            if ok_404 and resp.status_code == 404:
                return Response(404, None, url, resp.headers)
            code, msg = _error_body(resp)
            raise RestError(resp.status_code, code, msg, method, url)
        body: Any = None
        if resp.content and resp.content.strip():
            try:
                body = resp.json()
            except ValueError:
                kind = resp.headers.get("Content-Type", "no content type").split(";")[0]
                start = " ".join(resp.text.split())[:60]
                raise UnreachableError(f"the server at {url} is not a Connect worker: it answered {method} with "
                                       f"{kind}, not JSON ('{start}')") from None
        return Response(resp.status_code, body, url, resp.headers)

    # -- the Connect REST API ---------------------------------------------------------------

    def info(self) -> Response:
        return self.request("GET", "/")

    def list(self, expand: Sequence[str] = ()) -> Response:
        return self.request("GET", "/connectors", params={"expand": list(expand)} if expand else None)

    def get(self, name: str) -> Response:
        return self.request("GET", f"/connectors/{_seg(name)}")

    def config(self, name: str, ok_404: bool = False) -> Response:
        return self.request("GET", f"/connectors/{_seg(name)}/config", ok_404=ok_404)

    def status(self, name: str, ok_404: bool = False, limit: float | None = None) -> Response:
        return self.request("GET", f"/connectors/{_seg(name)}/status", ok_404=ok_404, limit=limit)

    def tasks(self, name: str) -> Response:
        return self.request("GET", f"/connectors/{_seg(name)}/tasks")

    def task_status(self, name: str, task: int) -> Response:
        return self.request("GET", f"/connectors/{_seg(name)}/tasks/{task}/status")

    def topics(self, name: str) -> Response:
        return self.request("GET", f"/connectors/{_seg(name)}/topics")

    def reset_topics(self, name: str) -> Response:
        return self.request("PUT", f"/connectors/{_seg(name)}/topics/reset")

    def create(self, name: str, config: Mapping[str, str], initial_state: str | None = None) -> Response:
        body: dict[str, Any] = {"name": name, "config": dict(config)}
        if initial_state:
            body["initial_state"] = initial_state
        return self.request("POST", "/connectors", body=body)

    def put_config(self, name: str, config: Mapping[str, str]) -> Response:
        return self.request("PUT", f"/connectors/{_seg(name)}/config", body=dict(config))

    def patch_config(self, name: str, changes: Mapping[str, str | None]) -> Response:
        return self.request("PATCH", f"/connectors/{_seg(name)}/config", body=dict(changes))

    def delete(self, name: str) -> Response:
        return self.request("DELETE", f"/connectors/{_seg(name)}")

    def pause(self, name: str) -> Response:
        return self.request("PUT", f"/connectors/{_seg(name)}/pause")

    def resume(self, name: str) -> Response:
        return self.request("PUT", f"/connectors/{_seg(name)}/resume")

    def stop(self, name: str) -> Response:
        return self.request("PUT", f"/connectors/{_seg(name)}/stop")

    def restart(self, name: str, include_tasks: bool = False, only_failed: bool = False) -> Response:
        params = {"includeTasks": str(include_tasks).lower(), "onlyFailed": str(only_failed).lower()}
        return self.request("POST", f"/connectors/{_seg(name)}/restart", params=params)

    def restart_task(self, name: str, task: int) -> Response:
        return self.request("POST", f"/connectors/{_seg(name)}/tasks/{task}/restart")

    def plugins(self, connectors_only: bool = True) -> Response:
        return self.request("GET", "/connector-plugins", params={"connectorsOnly": str(connectors_only).lower()})

    def plugin_config(self, plugin: str) -> Response:
        return self.request("GET", f"/connector-plugins/{_seg(plugin)}/config")

    def validate(self, plugin: str, config: Mapping[str, str]) -> Response:
        return self.request("PUT", f"/connector-plugins/{_seg(plugin)}/config/validate", body=dict(config))

    def offsets(self, name: str) -> Response:
        return self.request("GET", f"/connectors/{_seg(name)}/offsets")

    def alter_offsets(self, name: str, offsets: Any) -> Response:
        return self.request("PATCH", f"/connectors/{_seg(name)}/offsets", body=offsets)

    def reset_offsets(self, name: str) -> Response:
        return self.request("DELETE", f"/connectors/{_seg(name)}/offsets")

    def loggers(self) -> Response:
        return self.request("GET", "/admin/loggers")

    def logger(self, name: str) -> Response:
        return self.request("GET", f"/admin/loggers/{_seg(name)}")

    def set_logger(self, name: str, level: str, scope: str | None = None) -> Response:
        params = {"scope": scope} if scope else None
        return self.request("PUT", f"/admin/loggers/{_seg(name)}", params=params, body={"level": level})


def _reason(exc: BaseException) -> str:
    """The innermost useful words of a requests/urllib3 exception ("Connection refused")."""
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host",
                   "timed out", "Temporary failure in name resolution", "certificate verify failed",
                   "Connection reset by peer", "Remote end closed connection"):
        if marker in text:
            return marker.lower()
    return text.splitlines()[0][:200] if text else type(exc).__name__
