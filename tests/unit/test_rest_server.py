"""RestServer: uvicorn in a background thread on real sockets, Apache's listener/advertised-URL rules."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from kcli.connect.rest import RestServer
from kcli.connect.rest.server import parse_listeners
from kcli.errors import ConfigError, KcliError
from tests.helpers import free_port
from tests.unit.test_rest_app import SOURCE, FakeHerder


@pytest.fixture
def server() -> Iterator[RestServer]:
    srv = RestServer(FakeHerder(), listeners="http://127.0.0.1:0")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def test_serves_the_api_and_stops(server: RestServer) -> None:
    base = server.bound_urls[0]
    assert server.url == base + "/"
    assert server.worker_id == base.split("://")[1]
    resp = requests.post(base + "/connectors", json={"name": "s", "config": SOURCE}, timeout=10)
    assert resp.status_code == 201
    assert resp.headers["Location"] == base + "/connectors/s"
    assert requests.get(base + "/connectors", timeout=10).json() == ["s"]
    head = requests.head(base + "/connectors", timeout=10)
    assert (head.status_code, head.content) == (200, b"")
    resp = requests.post(base + "/connectors", data=b"{oops", headers={"Content-Type": "application/json"}, timeout=10)
    assert resp.status_code == 400
    assert resp.json()["error_code"] == 400
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/", timeout=2)
    server.stop()  # idempotent


def test_port_taken_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        srv = RestServer(FakeHerder(), listeners=f"http://127.0.0.1:{port}")
        with pytest.raises(KcliError) as info:
            srv.start()
    assert f"http://127.0.0.1:{port}" in info.value.message
    assert "address already in use" in info.value.message


def test_several_listeners() -> None:
    p1, p2 = free_port(), free_port()
    srv = RestServer(FakeHerder(), listeners=f"http://127.0.0.1:{p1}, HTTP://localhost:{p2}")
    srv.start()
    try:
        for port in (p1, p2):
            assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).json()["version"] == "4.3.1"
        assert srv.worker_id == f"127.0.0.1:{p1}"
    finally:
        srv.stop()


def test_empty_host_binds_every_interface() -> None:
    port = free_port()
    srv = RestServer(FakeHerder(), listeners=f"http://:{port}")
    srv.start()
    try:
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200
        assert srv.worker_id.endswith(f":{port}")
        assert not srv.worker_id.startswith(":")
    finally:
        srv.stop()


def test_advertised_settings() -> None:
    cfg = {"rest.advertised.host.name": "connect-1.example", "rest.advertised.port": "9999"}
    srv = RestServer(FakeHerder(), listeners="http://localhost:8083", worker_config=cfg)
    assert srv.url == "http://connect-1.example:9999/"
    assert srv.worker_id == "connect-1.example:9999"
    assert RestServer(FakeHerder(), listeners="http://localhost:8083").worker_id == "localhost:8083"
    explicit = RestServer(FakeHerder(), advertised_url="http://me:1")
    assert (explicit.url, explicit.worker_id) == ("http://me:1/", "me:1")
    two = RestServer(FakeHerder(), listeners="http://a:1,http://b:2",
                     worker_config={"rest.advertised.listener": "http"})
    assert two.worker_id == "a:1"


@pytest.mark.parametrize("listeners", ["localhost:8083", "http://host", "http://host:notaport", "", "ftp://h:1",
                                       "http://h:70000"])
def test_bad_listeners_are_config_errors(listeners: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_listeners(listeners)
    assert "listeners" in info.value.message


def _self_signed(tmp: Path, name: str = "server") -> tuple[Path, Path]:
    key, cert = tmp / f"{name}.key", tmp / f"{name}.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    return key, cert


def _get(url: str, **kw: Any) -> tuple[int, Any]:
    """GET and close the connection at once (a TLS connection left open delays the server's stop)."""
    with requests.get(url, timeout=10, **kw) as resp:
        return resp.status_code, resp.json()


def _refused(port: int, cafile: Path | None) -> bool:
    """Whether a TLS client (trusting `cafile`, or the system CAs) is refused; its socket is always closed."""
    context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        try:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                return tls.recv(100) == b""
        except (ssl.SSLError, ConnectionError):
            return True


def test_https_listener_with_a_pem_keystore_file(tmp_path: Path) -> None:
    key, cert = _self_signed(tmp_path)
    keystore = tmp_path / "keystore.pem"
    keystore.write_text(key.read_text() + cert.read_text())
    https_port, http_port = free_port(), free_port()
    cfg = {"ssl.keystore.type": "PEM", "ssl.keystore.location": str(keystore)}
    srv = RestServer(FakeHerder(), listeners=f"https://127.0.0.1:{https_port},http://127.0.0.1:{http_port}",
                     worker_config=cfg)
    srv.start()
    try:
        assert srv.url == f"https://127.0.0.1:{https_port}/"
        assert _get(f"https://127.0.0.1:{https_port}/connectors", verify=str(cert)) == (200, [])
        assert requests.get(f"http://127.0.0.1:{http_port}/connectors", timeout=10).json() == []
        assert _refused(https_port, None)  # a client that does not trust the certificate
        assert not _refused(https_port, cert)
    finally:
        srv.stop()


def test_https_inline_pem_prefixed_keys_and_client_auth(tmp_path: Path) -> None:
    key, cert = _self_signed(tmp_path)
    client_key, client_cert = _self_signed(tmp_path, "client")
    port = free_port()
    cfg = {"ssl.keystore.location": "/ignored/because/prefixed/keys/win.jks",
           "listeners.https.ssl.keystore.type": "PEM",
           "listeners.https.ssl.keystore.key": key.read_text(),
           "listeners.https.ssl.keystore.certificate.chain": cert.read_text(),
           "listeners.https.ssl.client.auth": "required",
           "listeners.https.ssl.truststore.type": "PEM",
           "listeners.https.ssl.truststore.location": str(client_cert)}
    srv = RestServer(FakeHerder(), listeners=f"https://localhost:{port}", worker_config=cfg)
    srv.start()
    try:
        status, _ = _get(f"https://localhost:{port}/", verify=str(cert), cert=(str(client_cert), str(client_key)))
        assert status == 200
        assert _refused(port, cert)  # no client certificate
    finally:
        srv.stop()


@pytest.mark.parametrize(("cfg", "key"), [
    ({"ssl.keystore.type": "JKS", "ssl.keystore.location": "/x.jks"}, "ssl.keystore.type"),
    ({}, "ssl.keystore.location"),
    ({"ssl.keystore.type": "PEM", "ssl.keystore.location": "/no/such.pem"}, "ssl.keystore.location"),
    ({"listeners.https.ssl.keystore.type": "PKCS12"}, "listeners.https.ssl.keystore.type"),
])
def test_unusable_tls_settings_are_config_errors(cfg: dict, key: str) -> None:
    srv = RestServer(FakeHerder(), listeners=f"https://127.0.0.1:{free_port()}", worker_config=cfg)
    with pytest.raises(ConfigError) as info:
        srv.start()
    assert f"key '{key}'" in info.value.message


def test_importing_the_package_does_not_import_fastapi() -> None:
    code = ("import sys, kcli.connect.rest; from kcli.connect.rest import RestServer; "
            "print('fastapi' in sys.modules, 'uvicorn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_herder_handed_over_after_start() -> None:
    srv = RestServer(None, listeners="http://127.0.0.1:0")
    srv.start()
    try:
        base = srv.bound_urls[0]
        assert requests.get(base + "/connectors", timeout=10).status_code == 503
        srv.herder = FakeHerder()
        assert requests.get(base + "/connectors", timeout=10).json() == []
        assert srv.worker_id == base.split("://")[1]  # the bound port, known once started
    finally:
        srv.stop()


def test_admin_listeners_serve_admin_apart() -> None:
    main_port, admin_port = free_port(), free_port()
    srv = RestServer(FakeHerder(), listeners=f"http://127.0.0.1:{main_port}",
                     worker_config={"admin.listeners": f"http://127.0.0.1:{admin_port}"})
    srv.start()
    try:
        assert srv.admin_urls == [f"http://127.0.0.1:{admin_port}"]
        assert _get(f"http://127.0.0.1:{admin_port}/admin/loggers/root")[0] == 200
        assert _get(f"http://127.0.0.1:{admin_port}/connectors")[0] == 404
        assert _get(f"http://127.0.0.1:{main_port}/connectors") == (200, [])
        assert _get(f"http://127.0.0.1:{main_port}/admin/loggers")[0] == 404
    finally:
        srv.stop()
    disabled = RestServer(FakeHerder(), listeners="http://127.0.0.1:0", worker_config={"admin.listeners": " "})
    disabled.start()
    try:
        assert disabled.admin_urls == []
        assert _get(disabled.bound_urls[0] + "/admin/loggers")[0] == 404
    finally:
        disabled.stop()


def test_https_admin_listener_uses_its_own_prefix(tmp_path: Path) -> None:
    key, cert = _self_signed(tmp_path)
    admin_port = free_port()
    cfg = {"admin.listeners": f"https://127.0.0.1:{admin_port}",
           "admin.listeners.https.ssl.keystore.type": "PEM",
           "admin.listeners.https.ssl.keystore.key": key.read_text(),
           "admin.listeners.https.ssl.keystore.certificate.chain": cert.read_text()}
    srv = RestServer(FakeHerder(), listeners="http://127.0.0.1:0", worker_config=cfg)
    srv.start()
    try:
        assert _get(f"https://127.0.0.1:{admin_port}/admin/loggers/root", verify=str(cert))[0] == 200
    finally:
        srv.stop()
