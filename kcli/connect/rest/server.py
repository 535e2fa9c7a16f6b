"""RestServer: serves the Connect REST app with uvicorn in background threads.

Listener handling follows Apache's RestServer: `listeners` is a comma-separated list of
`protocol://host:port` (http or https; an empty host binds every interface); the advertised URL is
taken from the listener of `rest.advertised.listener` (or the first one), with
`rest.advertised.host.name` and `rest.advertised.port` overriding its host and port.
`admin.listeners` moves /admin to listeners of its own (empty: no /admin at all). TLS: see tls.py.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kcli.connect.herder.base import Herder
from kcli.connect.rest.loggers import LoggerLevels
from kcli.errors import ConfigError, KcliError

if TYPE_CHECKING:
    import ssl

    import uvicorn
    from fastapi import FastAPI

log = logging.getLogger("kcli.connect.rest")

_LISTENER = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>\[[^\]]*\]|[^:/\[\]]*):(?P<port>\d{1,5})/?$")
START_TIMEOUT_S = 30.0


@dataclass
class Listener:
    scheme: str
    host: str  # "" means every interface
    port: int

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def parse_listeners(listeners: str) -> list[Listener]:
    """`http://host:port[,...]` → Listeners; a malformed entry is a ConfigError naming it."""
    out = []
    for raw in (part.strip() for part in (listeners or "").split(",")):
        if not raw:
            continue
        match = _LISTENER.match(raw)
        if not match or int(match["port"]) > 65535:
            raise ConfigError(f"Listener doesn't have the right format (protocol://hostname:port): '{raw}' "
                              "(key 'listeners')")
        out.append(Listener(match["scheme"].lower(), match["host"].strip("[]"), int(match["port"])))
    if not out:
        raise ConfigError("No listener configured (key 'listeners')")
    for listener in out:
        if listener.scheme not in ("http", "https"):
            raise ConfigError(f"Unsupported listener protocol '{listener.scheme}' in '{listener}' (key 'listeners')")
    return out


def _local_address() -> str:
    """What Apache advertises for a listener bound to every interface: this host's address."""
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return socket.gethostname()


def _bind(listener: Listener) -> socket.socket:
    host = listener.host or None
    try:
        infos = socket.getaddrinfo(host, listener.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = next((i for i in infos if i[0] == socket.AF_INET), infos[0])
        sock = socket.socket(family, kind, proto)
    except (OSError, IndexError) as exc:
        raise KcliError(f"Cannot listen on {listener}: {exc} (key 'listeners')") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        reason = "address already in use" if exc.errno == 98 else exc.strerror or str(exc)
        raise KcliError(f"Cannot start the REST server on {listener}: {reason} (key 'listeners')") from None
    return sock


class RestServer:
    """The worker's REST server. `start()` returns once the sockets listen; `stop()` shuts it down."""

    def __init__(self, herder: Herder | None, listeners: str = "http://localhost:8083",
                 advertised_url: str | None = None, worker_config: Mapping[str, str] | None = None) -> None:
        self._herder = herder
        self.worker_config: dict[str, str] = dict(worker_config or {})
        self.listeners = parse_listeners(listeners)
        admin = self.worker_config.get("admin.listeners")
        self.admin_listeners = parse_listeners(admin) if admin is not None and str(admin).strip() else []
        self._advertised_url = advertised_url
        self._sockets: list[socket.socket] = []
        self._ports: list[int] = []
        self._apps: list[FastAPI] = []
        self._servers: list[tuple[uvicorn.Server, threading.Thread]] = []
        self.loggers = LoggerLevels()  # one per worker: the main and admin listeners share it

    @property
    def herder(self) -> Herder | None:
        return self._herder

    @herder.setter
    def herder(self, herder: Herder | None) -> None:
        """Hand the herder over; may be done after start() (requests meanwhile get 503 "starting")."""
        self._herder = herder
        for app in self._apps:
            app.state.herder = herder

    # -- addresses ---------------------------------------------------------------------------
    def _bound_port(self, index: int) -> int:
        if index < len(self._ports):
            return self._ports[index]
        return [*self.listeners, *self.admin_listeners][index].port

    @property
    def url(self) -> str:
        """The advertised URL, `http://host:port/` (as Apache's RestServer.advertisedUrl)."""
        if self._advertised_url:
            return self._advertised_url if self._advertised_url.endswith("/") else self._advertised_url + "/"
        cfg = self.worker_config
        wanted = (cfg.get("rest.advertised.listener") or "").strip().lower()
        index = next((i for i, lst in enumerate(self.listeners) if lst.scheme == wanted), 0)
        listener = self.listeners[index]
        scheme = wanted or listener.scheme
        host = (cfg.get("rest.advertised.host.name") or "").strip() or listener.host or _local_address()
        port = str(cfg.get("rest.advertised.port") or "").strip() or str(self._bound_port(index))
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{scheme}://{host}:{port}/"

    @property
    def worker_id(self) -> str:
        """`host:port` of the advertised URL: the worker id shown in statuses."""
        return self.url.split("://", 1)[1].rstrip("/")

    def _urls(self, listeners: list[Listener], offset: int) -> list[str]:
        return [f"{lst.scheme}://{lst.host or '0.0.0.0'}:{self._bound_port(offset + i)}"
                for i, lst in enumerate(listeners)]

    @property
    def bound_urls(self) -> list[str]:
        """The URLs actually listened on (useful with port 0)."""
        return self._urls(self.listeners, 0)

    @property
    def admin_urls(self) -> list[str]:
        """The URLs of the `admin.listeners` (empty when /admin shares the main listeners)."""
        return self._urls(self.admin_listeners, len(self.listeners))

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Bind every listener and serve in background threads; returns once listening.

        A taken port or an unusable TLS setting raises a KcliError/ConfigError naming it."""
        if self._serving:
            return
        from kcli.connect.rest.app import create_app

        roles = [("main", lst) for lst in self.listeners] + [("admin", lst) for lst in self.admin_listeners]
        tls = self._tls_contexts(roles)
        sockets: list[socket.socket] = []
        try:
            for _, listener in roles:
                sockets.append(_bind(listener))
        except KcliError:
            for sock in sockets:
                sock.close()
            raise
        self._sockets = sockets
        self._ports = [sock.getsockname()[1] for sock in sockets]
        quiet = logging.getLogger("uvicorn.error")
        if quiet.level == logging.NOTSET:
            quiet.setLevel(logging.WARNING)  # its start/stop chatter is not Apache's; we log our own lines
        for role in ("main", "admin"):
            if not any(r == role for r, _ in roles):
                continue
            app = create_app(self._herder, self.worker_config, part=role, loggers=self.loggers)
            self._apps.append(app)
            for scheme in ("http", "https"):
                socks = [sock for sock, (r, lst) in zip(sockets, roles, strict=True)
                         if r == role and lst.scheme == scheme]
                if socks:
                    self._launch(app, socks, tls.get(role) if scheme == "https" else None, f"{role}-{scheme}")
        deadline = time.monotonic() + START_TIMEOUT_S
        for server, thread in self._servers:
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    self.stop()
                    raise KcliError(f"The REST server on {', '.join(map(str, self.listeners))} failed to start")
                thread.join(0.01)
        log.info("REST server listening at %s, advertising URL %s", ", ".join(self.bound_urls), self.url)
        if self.admin_listeners:
            log.info("Admin endpoints listening at %s", ", ".join(self.admin_urls))

    def _tls_contexts(self, roles: list[tuple[str, Listener]]) -> dict[str, ssl.SSLContext]:
        """The SSLContext of each role with an https listener (built before binding: errors come first)."""
        from kcli.connect.rest.tls import server_context

        prefixes = {"main": "listeners.https.", "admin": "admin.listeners.https."}
        return {role: server_context(self.worker_config, prefixes[role])
                for role in {r for r, lst in roles if lst.scheme == "https"}}

    def _launch(self, app: FastAPI, sockets: list[socket.socket], tls: ssl.SSLContext | None, name: str) -> None:
        import uvicorn

        factory = (lambda _config, _default: tls) if tls is not None else None
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=5,
                                server_header=False, ssl_context_factory=factory)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=self._serve, args=(server, sockets), name=f"kcli-rest-{name}", daemon=True)
        self._servers.append((server, thread))
        thread.start()

    @property
    def _serving(self) -> bool:
        return bool(self._servers)

    @staticmethod
    def _serve(server: uvicorn.Server, sockets: list[socket.socket]) -> None:
        try:
            server.run(sockets=sockets)
        except BaseException:
            log.exception("REST server stopped with an error")

    def stop(self) -> None:
        """Stop serving and release the sockets (idempotent)."""
        if not self._servers:
            return
        for server, _ in self._servers:
            server.should_exit = True
        for server, thread in self._servers:
            thread.join(10)
            if thread.is_alive():
                server.force_exit = True
                thread.join(5)
        self._servers = []
        self._apps = []
        self._close_sockets()
        log.info("REST server stopped")

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass
