"""The Connect REST transport against a tiny in-process HTTP worker: failover, auth, errors, timeouts."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kcli.connectors.client import ConnectClient, RestError, UnreachableError
from kcli.errors import ConfigError, KcliError
from tests.helpers import free_port

Route = tuple[int, Any]  # (status, body): body is JSON-encoded unless it is bytes/str


class FakeWorker:
    """An HTTP server answering canned routes {(METHOD, path-with-query): (status, body)}; records requests."""

    def __init__(self, tls: tuple[Path, Path] | None = None, client_ca: Path | None = None) -> None:
        self.routes: dict[tuple[str, str], Route | list[Route]] = {}
        self.requests: list[dict[str, Any]] = []
        self.delay = 0.0
        worker = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                worker.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                        "body": json.loads(raw) if raw else None})
                if worker.delay:
                    time.sleep(worker.delay)
                route = worker.routes.get((self.command, self.path))
                if isinstance(route, list):
                    route = route.pop(0) if len(route) > 1 else route[0]
                status, body = route or (404, {"error_code": 404, "message": "HTTP 404 Not Found"})
                data = body if isinstance(body, bytes) else (body.encode() if isinstance(body, str)
                                                              else b"" if body is None else json.dumps(body).encode())
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.handle_error = lambda *args: None  # type: ignore[method-assign]  # aborted TLS handshakes
        scheme = "http"
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            if client_ca:
                ctx.verify_mode = ssl.CERT_REQUIRED
                ctx.load_verify_locations(str(client_ca))
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeWorker]:
    worker = FakeWorker()
    yield worker
    worker.close()


def test_success_and_empty_bodies(fake: FakeWorker) -> None:
    fake.routes[("GET", "/")] = (200, {"version": "4.3.1", "commit": "abc", "kafka_cluster_id": "x"})
    fake.routes[("PUT", "/connectors/a/pause")] = (202, None)
    client = ConnectClient([fake.url])
    assert client.info().body["version"] == "4.3.1"
    resp = client.pause("a")
    assert resp.status == 202 and resp.body is None


def test_error_body_becomes_one_line(fake: FakeWorker) -> None:
    fake.routes[("GET", "/connectors/nope")] = (404, {"error_code": 404, "message": "Connector nope not found"})
    fake.routes[("POST", "/connectors")] = (409, {"error_code": 409, "message": "Connector a already exists"})
    client = ConnectClient([fake.url])
    with pytest.raises(RestError) as exc:
        client.get("nope")
    assert exc.value.message == f"HTTP 404: Connector nope not found (GET {fake.url}/connectors/nope)"
    assert exc.value.exit_code == 1 and exc.value.status == 404
    with pytest.raises(RestError, match=r"^HTTP 409: Connector a already exists \(POST http://127.0.0.1:\d+/connectors\)$"):
        client.create("a", {"connector.class": "X"})
    assert fake.requests[-1]["body"] == {"name": "a", "config": {"connector.class": "X"}}


def test_non_json_error_and_ok_404(fake: FakeWorker) -> None:
    fake.routes[("GET", "/")] = (502, "<html>Bad gateway</html>\nmore")
    client = ConnectClient([fake.url])
    with pytest.raises(RestError, match=r"^HTTP 502: <html>Bad gateway</html> \(GET http://127.0.0.1:\d+/\)$"):
        client.info()
    assert client.config("missing", ok_404=True).body is None


def test_failover_to_the_next_url_and_remember_it(fake: FakeWorker) -> None:
    fake.routes[("GET", "/connectors")] = (200, ["a"])
    dead = f"http://127.0.0.1:{free_port()}"
    client = ConnectClient([dead, fake.url])
    assert client.list().body == ["a"]
    assert client.urls[0] == fake.url  # the worker that answered is tried first next time


def test_no_worker_answers_names_every_url() -> None:
    dead = [f"http://127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    client = ConnectClient(dead)
    with pytest.raises(UnreachableError) as exc:
        client.list()
    assert exc.value.message.startswith("no Connect worker answered: ")
    assert dead[0] in exc.value.message and "http://" + dead[1] in exc.value.message
    assert "connection refused" in exc.value.message and exc.value.exit_code == 1


def test_a_slow_worker_times_out(fake: FakeWorker) -> None:
    fake.delay = 1.0
    client = ConnectClient([fake.url], timeout=0.2)
    with pytest.raises(KcliError, match=r"did not answer GET / in time \(0.2s\)"):
        client.info()


def test_basic_auth_and_tls_settings(fake: FakeWorker) -> None:
    fake.routes[("GET", "/")] = (200, {})
    ConnectClient([fake.url], user="admin", password="s3cret").info()
    expected = "Basic " + base64.b64encode(b"admin:s3cret").decode()
    assert fake.requests[-1]["headers"]["Authorization"] == expected
    assert ConnectClient(insecure=True).verify is False
    assert ConnectClient(cacert="/ca.pem").verify == "/ca.pem"
    assert ConnectClient(cert="/c.pem", key="/k.pem").cert == ("/c.pem", "/k.pem")


def test_paths_are_encoded_and_params_sent(fake: FakeWorker) -> None:
    client = ConnectClient([fake.url])
    fake.routes[("GET", "/connectors/a%20b%2Fc/status")] = (200, {"name": "a b/c"})
    assert client.status("a b/c").body == {"name": "a b/c"}
    fake.routes[("GET", "/connectors?expand=status&expand=info")] = (200, {})
    assert client.list(["status", "info"]).body == {}
    fake.routes[("POST", "/connectors/a/restart?includeTasks=true&onlyFailed=false")] = (202, {"name": "a"})
    assert client.restart("a", include_tasks=True).status == 202
    fake.routes[("PATCH", "/connectors/a/config")] = (200, {"name": "a"})
    client.patch_config("a", {"k": "v", "gone": None})
    assert fake.requests[-1]["body"] == {"k": "v", "gone": None}
    fake.routes[("PUT", "/admin/loggers/root?scope=cluster")] = (204, None)
    assert client.set_logger("root", "DEBUG", scope="cluster").status == 204
    assert fake.requests[-1]["body"] == {"level": "DEBUG"}


def _self_signed(tmp: Path, name: str) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 (openssl CLI)."""
    cert, key = tmp / f"{name}.pem", tmp / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def test_tls_cacert_insecure_and_client_cert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server_cert, server_key = _self_signed(tmp_path, "server")
    client_cert, client_key = _self_signed(tmp_path, "client")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(client_cert))  # --cacert must beat it
    worker = FakeWorker(tls=(server_cert, server_key), client_ca=client_cert)
    try:
        worker.routes[("GET", "/")] = (200, {"version": "x"})
        with pytest.raises(UnreachableError, match=r"^TLS error talking to https://127.0.0.1:\d+: "):
            ConnectClient([worker.url], cert=str(client_cert), key=str(client_key)).info()
        ok = ConnectClient([worker.url], cacert=str(server_cert), cert=str(client_cert), key=str(client_key))
        assert ok.info().body == {"version": "x"}
        insecure = ConnectClient([worker.url], insecure=True, cert=str(client_cert), key=str(client_key))
        assert insecure.info().body == {"version": "x"}
        with pytest.raises(KcliError):  # the worker wants a client certificate
            ConnectClient([worker.url], cacert=str(server_cert)).info()
        with pytest.raises(ConfigError, match="cannot use the TLS files"):
            ConnectClient([worker.url], cacert=str(tmp_path / "missing.pem")).info()
    finally:
        worker.close()


def test_an_answer_that_is_not_json_names_the_url(fake: FakeWorker) -> None:
    """A web server that is not a Connect worker (200 with HTML) is a one-line error, not a crash later."""
    fake.routes[("GET", "/connectors")] = (200, "<html><body>It works!</body></html>")
    client = ConnectClient([fake.url])
    with pytest.raises(KcliError) as exc:
        client.list()
    assert exc.value.message == (f"the server at {fake.url}/connectors is not a Connect worker: it answered GET with "
                                 "application/json, not JSON ('<html><body>It works!</body></html>')")
    assert exc.value.exit_code == 1


def test_error_code_differing_from_status_is_kept(fake: FakeWorker) -> None:
    fake.routes[("GET", "/connectors/a")] = (500, {"error_code": 40001, "message": "odd"})
    with pytest.raises(RestError, match=r"^HTTP 500 \(error code 40001\): odd \(GET http://.*/connectors/a\)$"):
        ConnectClient([fake.url]).get("a")


@pytest.mark.parametrize(("url", "why"), [("ftp://x", "scheme must be http or https"), ("http://", "no host"),
                                          ("localhost:notaport", "Port could not be cast"),
                                          ("http://a:99999", "Port out of range")])
def test_a_malformed_url_is_an_input_error(url: str, why: str) -> None:
    with pytest.raises(ConfigError) as exc:
        ConnectClient([url])
    assert exc.value.exit_code == 2
    assert exc.value.message.startswith(f"invalid Connect URL '{url}': ") and why in exc.value.message


def test_urls_are_normalised() -> None:
    assert ConnectClient(["localhost:8083/", " https://h:1/base/ "]).urls == ["http://localhost:8083",
                                                                             "https://h:1/base"]
