"""Unit tests of the Connect REST app, continued: HTTP rules, plugins, loggers, errors, OpenAPI."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from kcli.connect.rest import create_app
from tests.helpers import ROOT
from tests.unit import test_rest_app
from tests.unit.test_rest_app import SOURCE, FakeHerder, TestClient, _create, _keys

herder = test_rest_app.herder  # the fixtures of test_rest_app, shared
client = test_rest_app.client


# -- HTTP rules (Jetty/Jersey's) ---------------------------------------------------------------

@pytest.mark.parametrize(("headers", "body"), [
    ({"Content-Type": "text/plain"}, b'{"name": "x", "config": {}}'),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b'{"name": "x", "config": {}}'),  # curl -d
    ({}, b'{"name": "x", "config": {}}'),  # a body with no Content-Type
])
def test_a_body_that_is_not_json_is_415(client: TestClient, headers: dict, body: bytes) -> None:
    resp = client.post("/connectors", content=body, headers=headers)
    assert resp.status_code == 415
    assert resp.json() == {"error_code": 415, "message": "HTTP 415 Unsupported Media Type"}


def test_json_media_types_accepted(client: TestClient) -> None:
    for content_type in ("application/json; charset=utf-8", "APPLICATION/JSON", "application/vnd.x+json"):
        body = json.dumps({"name": f"n{len(content_type)}", "config": SOURCE}).encode()
        assert client.post("/connectors", content=body, headers={"Content-Type": content_type}).status_code == 201
    _create(client, "p")
    assert client.put("/connectors/p/pause").status_code == 202  # no body, no Content-Type: fine


def test_options_lists_the_methods(client: TestClient) -> None:
    resp = client.options("/connectors")
    assert resp.status_code == 200
    assert resp.headers["allow"] == "GET, POST, HEAD, OPTIONS"
    assert client.options("/connectors/x/config").headers["allow"] == "GET, PATCH, PUT, HEAD, OPTIONS"
    assert client.options("/connectors/x/restart").headers["allow"] == "POST, OPTIONS"


def test_head_is_get_without_body(client: TestClient) -> None:
    _create(client)
    resp = client.head("/connectors/src")
    assert (resp.status_code, resp.content) == (200, b"")
    assert resp.headers["content-type"] == "application/json"
    assert client.head("/connectors/nope").status_code == 404


def test_encoded_slash_is_400(client: TestClient) -> None:
    _create(client, "a")
    resp = client.get("/connectors/a%2Fconfig")
    assert resp.json() == {"error_code": 400, "message": "Ambiguous URI path separator"}


# -- plugins -----------------------------------------------------------------------------------

def test_plugins(client: TestClient) -> None:
    plugins = client.get("/connector-plugins").json()
    assert [p["type"] for p in plugins] == ["sink", "source"]
    assert _keys(plugins[0]) == ["class", "type", "version"]
    every = client.get("/connector-plugins?connectorsOnly=false").json()
    assert every[-1] == {"class": "org.apache.kafka.connect.storage.StringConverter", "type": "converter"}


def test_plugin_config_and_validate(client: TestClient) -> None:
    assert client.get("/connector-plugins/FileStreamSource/config").json()[0]["name"] == "file"
    assert client.get("/connector-plugins/Nope/config").json() == {"error_code": 404,
                                                                   "message": "Unknown plugin Nope."}
    resp = client.put("/connector-plugins/FileStreamSourceConnector/config/validate",
                      json={"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector"})
    assert resp.status_code == 200
    assert resp.json()["error_count"] == 0
    ok_alias = client.put("/connector-plugins/FileStreamSource/config/validate",
                          json={"connector.class": "FileStreamSourceConnector"})
    assert ok_alias.status_code == 200
    resp = client.put("/connector-plugins/FileStreamSink/config/validate", json={"connector.class": "FileStreamSource"})
    assert resp.json() == {"error_code": 400,
                           "message": "Included connector type FileStreamSource does not match request type "
                                      "FileStreamSink"}
    assert client.put("/connector-plugins/Boom/config/validate", json={}).json() == {
        "error_code": 500, "message": "validation exploded"}


# -- loggers -----------------------------------------------------------------------------------

@pytest.fixture
def scratch_logger() -> Any:
    names = ["kcli.resttest", "kcli.resttest.a", "kcli.resttest.a.b", "kcli.resttestx"]
    saved = {n: logging.getLogger(n).level for n in names}
    yield names
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_loggers_list_get_set(client: TestClient, scratch_logger: list[str]) -> None:
    all_levels = client.get("/admin/loggers").json()
    assert "root" in all_levels
    assert "kcli.resttest.a" in all_levels
    assert all_levels["kcli.resttest.a"]["last_modified"] is None
    assert set(all_levels["root"]) == {"level", "last_modified"}
    resp = client.put("/admin/loggers/kcli.resttest.a", json={"level": "debug"})
    assert resp.status_code == 200
    assert resp.json() == ["kcli.resttest.a", "kcli.resttest.a.b"]
    assert logging.getLogger("kcli.resttest.a.b").level == logging.DEBUG
    assert logging.getLogger("kcli.resttest").level != logging.DEBUG
    one = client.get("/admin/loggers/kcli.resttest.a.b").json()
    assert one["level"] == "DEBUG"
    assert isinstance(one["last_modified"], int)
    client.put("/admin/loggers/kcli.resttest", json={"level": "WARN"})
    assert client.get("/admin/loggers/kcli.resttest.a.b").json()["level"] == "WARN"
    assert logging.getLogger("kcli.resttestx").level != logging.WARNING  # a sibling prefix is not a child
    assert client.put("/admin/loggers/kcli.resttest?scope=cluster", json={"level": "ERROR"}).status_code == 204
    assert client.put("/admin/loggers/kcli.resttest?scope=nonsense", json={"level": "TRACE"}).status_code == 200
    assert client.get("/admin/loggers/kcli.resttest").json()["level"] == "TRACE"


def test_loggers_errors(client: TestClient, scratch_logger: list[str]) -> None:
    assert client.get("/admin/loggers/no.such.logger.xyz").json() == {
        "error_code": 404, "message": "Logger no.such.logger.xyz not found."}
    assert client.put("/admin/loggers/kcli.resttest", json={}).json() == {
        "error_code": 400, "message": "Desired 'level' parameter was not specified in request."}
    assert client.put("/admin/loggers/kcli.resttest", json={"level": "warning"}).json() == {
        "error_code": 404, "message": "invalid log level 'warning'."}


def test_admin_disabled_by_empty_admin_listeners(herder: FakeHerder) -> None:
    client = TestClient(create_app(herder, {"admin.listeners": ""}))
    assert client.get("/admin/loggers").status_code == 404


# -- errors ------------------------------------------------------------------------------------

def test_unknown_path_and_wrong_method(client: TestClient) -> None:
    resp = client.get("/nope")
    assert resp.status_code == 404
    assert resp.json() == {"error_code": 404, "message": "HTTP 404 Not Found"}
    resp = client.delete("/connectors")
    assert resp.status_code == 405
    assert resp.json() == {"error_code": 405, "message": "HTTP 405 Method Not Allowed"}
    assert client.get("/connectors/x/tasks/abc/status").json() == {"error_code": 404, "message": "HTTP 404 Not Found"}


def test_unexpected_exception_is_500_json_and_logged(client: TestClient, herder: FakeHerder,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    herder.fail_with = RuntimeError("disk on fire")
    with caplog.at_level(logging.ERROR, logger="kcli.connect.rest"):
        resp = client.get("/")
    assert resp.status_code == 500
    assert resp.json() == {"error_code": 500, "message": "disk on fire"}
    assert "disk on fire" in caplog.text
    herder.fail_with = None
    assert client.get("/").status_code == 200  # still serving


def test_kcli_config_errors_are_400(client: TestClient, herder: FakeHerder) -> None:
    from kcli.errors import ConfigError

    herder.fail_with = ConfigError("Unknown client property 'x' (key 'producer.override.x')")
    assert client.get("/").json() == {"error_code": 400,
                                      "message": "Unknown client property 'x' (key 'producer.override.x')"}


def test_cors_headers(herder: FakeHerder) -> None:
    client = TestClient(create_app(herder, {"access.control.allow.origin": "http://ui.example",
                                            "access.control.allow.methods": "GET,PUT"}))
    resp = client.get("/connectors", headers={"Origin": "http://ui.example"})
    assert resp.headers["access-control-allow-origin"] == "http://ui.example"
    pre = client.options("/connectors", headers={"Origin": "http://ui.example", "Access-Control-Request-Method": "PUT"})
    assert pre.status_code == 200
    assert "PUT" in pre.headers["access-control-allow-methods"]
    plain = TestClient(create_app(herder, {}))
    assert "access-control-allow-origin" not in plain.get("/", headers={"Origin": "http://ui.example"}).headers


def test_concurrent_requests(client: TestClient) -> None:
    errors: list[Any] = []

    def worker(i: int) -> None:
        resp = _create(client, f"c{i}")
        if resp.status_code != 201:
            errors.append(resp.text)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(client.get("/connectors").json()) == 10


# -- OpenAPI document --------------------------------------------------------------------------

def test_openapi_json_is_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen-openapi"), "--check"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_openapi_lists_every_endpoint() -> None:
    doc = json.loads((ROOT / "kcli" / "connect" / "rest" / "openapi.json").read_text())
    paths = doc["paths"]
    for path, methods in {"/": ["get"], "/connectors": ["get", "post"], "/connectors/{name}": ["get", "delete"],
                          "/connectors/{name}/config": ["get", "put", "patch"],
                          "/connectors/{name}/offsets": ["get", "patch", "delete"],
                          "/admin/loggers/{logger}": ["get", "put"], "/health": ["get"]}.items():
        assert sorted(paths[path]) == sorted(methods), path


def test_no_herder_yet_answers_503_starting() -> None:
    app = create_app(None, {})
    client = TestClient(app)
    assert client.get("/connectors").json() == {"error_code": 503, "message": "Worker is still starting up."}
    resp = client.get("/health")
    assert (resp.status_code, resp.json()["status"]) == (503, "starting")
    app.state.herder = FakeHerder()
    assert client.get("/connectors").json() == []


def test_a_herder_call_that_hangs_times_out_with_500(client: TestClient, herder: FakeHerder,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from kcli.connect.rest import calls

    monkeypatch.setattr(calls, "REQUEST_TIMEOUT_S", 0.2)
    release = threading.Event()
    herder.connectors = lambda: (release.wait(5), [])[1]  # type: ignore[method-assign]
    started = time.monotonic()
    resp = client.get("/connectors")
    release.set()
    assert resp.json() == {"error_code": 500, "message": "Request timed out"}
    assert time.monotonic() - started < 3


def test_health_that_hangs_is_unhealthy_500(client: TestClient, herder: FakeHerder,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from kcli.connect.rest import calls

    monkeypatch.setattr(calls, "HEALTH_TIMEOUT_S", 0.2)
    release = threading.Event()
    herder.health = lambda: (release.wait(5), {})[1]  # type: ignore[method-assign]
    resp = client.get("/health")
    release.set()
    assert resp.status_code == 500
    assert resp.json() == {"status": "unhealthy", "message": "Worker was unable to handle this request and may be "
                                                             "unable to handle other requests."}
