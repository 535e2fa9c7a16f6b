"""Unit tests of the Connect REST app (kcli.connect.rest) over an in-memory FakeHerder.

FakeHerder stands in for the herder only (the REST layer's one dependency); no Kafka is involved.
"""

from __future__ import annotations

import json
import threading
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice that it would prefer httpx2
    from starlette.testclient import TestClient

from kcli.connect.errors import BadRequestError, ConflictError, ConnectError, NotFoundError
from kcli.connect.herder.abstract import named_config, patched
from kcli.connect.herder.base import JSON, Herder
from kcli.connect.rest import create_app

WORKER = "127.0.0.1:8083"
PLUGINS = [
    {"class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "type": "sink", "version": "4.3.1"},
    {"class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "type": "source", "version": "4.3.1"},
    {"class": "org.apache.kafka.connect.storage.StringConverter", "type": "converter", "version": "undefined"},
]
STOP_FIRST = ("Connectors must be in the STOPPED state before their offsets can be modified. This can be done for "
              "the specified connector by issuing a 'PUT' request to the '/connectors/{}/stop' endpoint")


class FakeHerder(Herder):
    """Connectors live in a dict; each has tasks.max RUNNING tasks (none when STOPPED)."""

    def __init__(self) -> None:
        self.configs: dict[str, dict[str, str]] = {}
        self.states: dict[str, str] = {}
        self.offsets: dict[str, list[JSON]] = {}
        self.calls: list[tuple[str, Any]] = []
        self.fail_with: Exception | None = None
        self.lock = threading.Lock()

    def _check(self, name: str, message: str = "Connector {} not found") -> None:
        if self.fail_with is not None:
            raise self.fail_with
        if name not in self.configs:
            raise NotFoundError(message.format(name))

    def _type(self, name: str) -> str:
        cls = self.configs[name].get("connector.class", "")
        return "sink" if "Sink" in cls else "source" if "Source" in cls else "unknown"

    def _tasks(self, name: str) -> int:
        return 0 if self.states[name] == "STOPPED" else int(self.configs[name].get("tasks.max", "1"))

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def worker_info(self) -> JSON:
        if self.fail_with is not None:
            raise self.fail_with
        return {"version": "4.3.1", "commit": "abc", "kafka_cluster_id": "cluster-1"}

    def connectors(self) -> list[str]:
        return list(self.configs)

    def connector_info(self, name: str) -> JSON:
        self._check(name)
        # deliberately not in Apache's key order: the REST layer must order it
        return {"type": self._type(name), "tasks": [{"task": i, "connector": name} for i in range(self._tasks(name))],
                "config": dict(self.configs[name]), "name": name}

    def connector_config(self, name: str) -> dict[str, str]:
        self._check(name)
        return dict(self.configs[name])

    def put_connector_config(self, name: str, config: dict[str, str], allow_replace: bool,
                             initial_state: str | None = None) -> tuple[bool, JSON]:
        self.calls.append(("put", (name, config, allow_replace, initial_state)))
        if not name:
            raise BadRequestError("Connector name is empty")
        config, target = named_config(name, config, initial_state)  # the herders' own name and state checks
        if "connector.class" not in config:
            raise BadRequestError(f"Connector config {config} contains no connector type")
        with self.lock:
            created = name not in self.configs
            if not created and not allow_replace:
                raise ConflictError(f"Connector {name} already exists")
            self.configs[name] = dict(config)
            if created:
                self.states[name] = {"PAUSED": "PAUSED", "STOPPED": "STOPPED"}.get(target or "", "RUNNING")
        return created, self.connector_info(name)

    def patch_connector_config(self, name: str, patch: dict[str, str | None]) -> JSON:
        self._check(name)
        self.configs[name] = named_config(name, patched(self.configs[name], patch), None)[0]
        return self.connector_info(name)

    def delete_connector(self, name: str) -> None:
        self._check(name)
        del self.configs[name], self.states[name]

    def connector_status(self, name: str) -> JSON:
        self._check(name, "No status found for connector {}")
        state = self.states[name]
        tasks = [{"worker_id": WORKER, "state": state, "id": i, "trace": None}
                 for i in reversed(range(self._tasks(name)))]
        return {"type": self._type(name), "tasks": tasks, "connector": {"worker_id": WORKER, "state": state},
                "name": name}

    def task_status(self, name: str, task_id: int) -> JSON:
        if name not in self.configs or task_id >= self._tasks(name):
            raise NotFoundError(f"No status found for task {name}-{task_id}")
        return {"worker_id": WORKER, "state": self.states[name], "id": task_id}

    def task_configs(self, name: str) -> list[JSON]:
        self._check(name)
        return [{"config": {**self.configs[name], "task.class": "T"}, "id": {"task": i, "connector": name}}
                for i in range(self._tasks(name))]

    def pause_connector(self, name: str) -> None:
        self._check(name, "Unknown connector {}")
        self.states[name] = "PAUSED"

    def resume_connector(self, name: str) -> None:
        self._check(name, "Unknown connector {}")
        self.states[name] = "RUNNING"

    def stop_connector(self, name: str) -> None:
        self._check(name, "Unknown connector {}")
        self.states[name] = "STOPPED"

    def restart_connector(self, name: str, include_tasks: bool = False, only_failed: bool = False) -> JSON | None:
        self._check(name, "Unknown connector: {}")
        self.calls.append(("restart", (name, include_tasks, only_failed)))
        if not include_tasks and not only_failed:
            return None
        status = self.connector_status(name)
        status["connector"]["state"] = "RESTARTING"
        return status

    def restart_task(self, name: str, task_id: int) -> None:
        self._check(name, "Unknown connector: {}")
        if task_id >= self._tasks(name):
            raise NotFoundError(f"Unknown task: {name}-{task_id}")

    def active_topics(self, name: str) -> list[str]:
        return ["t1"] if name in self.configs else []

    def reset_active_topics(self, name: str) -> None:
        self._check(name)

    def connector_offsets(self, name: str) -> JSON:
        self._check(name)
        return {"offsets": self.offsets.get(name, [])}

    def alter_offsets(self, name: str, offsets: list[JSON]) -> JSON:
        self._check(name)
        if self.states[name] != "STOPPED":
            raise BadRequestError(STOP_FIRST.format(name))
        self.offsets[name] = offsets
        return {"message": "The offsets for this connector have been altered successfully"}

    def reset_offsets(self, name: str) -> JSON:
        self._check(name)
        if self.states[name] != "STOPPED":
            raise BadRequestError(STOP_FIRST.format(name))
        self.offsets[name] = []
        return {"message": "The offsets for this connector have been reset successfully"}

    def plugins(self, connectors_only: bool = True) -> list[JSON]:
        return [dict(p) for p in PLUGINS if not connectors_only or p["type"] in ("source", "sink")]

    def plugin_config(self, plugin: str) -> list[JSON]:
        if "FileStream" not in plugin:
            raise NotFoundError(f"Unknown plugin {plugin}.")
        return [{"name": "file", "type": "STRING", "required": False, "default_value": None, "importance": "HIGH",
                 "documentation": "d", "group": None, "order": -1, "width": "NONE", "display_name": "file",
                 "dependents": []}]

    def put_task_configs(self, name: str, configs: list[dict[str, str]], headers: dict[str, str],
                         body: bytes) -> None:
        self._check(name)
        self.calls.append(("put_task_configs", (name, configs)))

    def validate_config(self, plugin: str, config: dict[str, str]) -> JSON:
        if plugin == "Boom":
            raise ConnectError("validation exploded")
        return {"name": config.get("connector.class", plugin), "error_count": 0, "groups": ["Common"], "configs": []}


SOURCE = {"connector.class": "FileStreamSource", "tasks.max": "1", "file": "/tmp/in.txt", "topic": "t"}


@pytest.fixture
def herder() -> FakeHerder:
    return FakeHerder()


@pytest.fixture
def client(herder: FakeHerder) -> TestClient:
    return TestClient(create_app(herder, {}), raise_server_exceptions=False)


def _create(client: TestClient, name: str = "src", config: dict | None = None) -> Any:
    return client.post("/connectors", json={"name": name, "config": dict(config or SOURCE)})


def _keys(data: dict) -> list[str]:
    return list(data)


# -- root, health ------------------------------------------------------------------------------

def test_root_answers_server_info(client: TestClient) -> None:
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.json() == {"version": "4.3.1", "commit": "abc", "kafka_cluster_id": "cluster-1"}


def test_health(client: TestClient, herder: FakeHerder) -> None:
    assert client.get("/health").json()["status"] == "healthy"
    herder.health = lambda: (_ for _ in ()).throw(ConnectError("Worker is still starting up.", 503))  # type: ignore
    resp = client.get("/health")
    assert resp.status_code == 503
    assert resp.json() == {"status": "starting", "message": "Worker is still starting up."}


# -- create / read -----------------------------------------------------------------------------

def test_create_returns_201_location_and_info_in_apache_order(client: TestClient, herder: FakeHerder) -> None:
    resp = _create(client)
    assert resp.status_code == 201
    assert resp.headers["location"] == "http://testserver/connectors/src"
    body = resp.json()
    assert _keys(body) == ["name", "config", "tasks", "type"]
    assert body["config"]["name"] == "src"  # the name is added to the config
    assert body["tasks"] == [{"connector": "src", "task": 0}]
    assert _keys(body["tasks"][0]) == ["connector", "task"]
    assert body["type"] == "source"
    assert resp.text.startswith('{"name":"src","config":{')  # compact JSON, as Jackson writes it


def test_create_coerces_scalars_to_strings_and_trims_the_name(client: TestClient, herder: FakeHerder) -> None:
    resp = client.post("/connectors", json={"name": "  x  ", "config": {**SOURCE, "tasks.max": 2, "b": True,
                                                                           "f": 1.5}})
    assert resp.status_code == 201, resp.text
    assert herder.configs["x"]["tasks.max"] == "2"
    assert herder.configs["x"]["b"] == "true"
    assert herder.configs["x"]["f"] == "1.5"


def test_create_passes_initial_state(client: TestClient, herder: FakeHerder) -> None:
    resp = client.post("/connectors", json={"name": "p", "config": SOURCE, "initial_state": "paused"})
    assert resp.status_code == 201
    assert herder.calls[-1] == ("put", ("p", SOURCE, False, "paused"))  # the herder reads it
    assert herder.states["p"] == "PAUSED"
    bad = client.post("/connectors", json={"name": "q", "config": SOURCE, "initial_state": "sleeping"})
    assert (bad.status_code, bad.json()) == (400, {
        "error_code": 400, "message": "Invalid initial_state 'sleeping'; must be one of RUNNING, PAUSED, STOPPED"})


def test_create_duplicate_is_409(client: TestClient) -> None:
    _create(client)
    resp = _create(client)
    assert resp.status_code == 409
    assert resp.json() == {"error_code": 409, "message": "Connector src already exists"}


@pytest.mark.parametrize("body", [
    b'{"name": "x"}',                      # no config
    b'{"name": "x", "config": null}',
    b'{bad json',
    b'',
    b'[1, 2]',
    b'"text"',
    b'{"name": "x", "config": [1]}',
    b'{"name": "x", "config": {"a": {"nested": 1}}}',
    b'{"name": "x", "config": {"a": [1]}}',
])
def test_create_bad_bodies_are_400_json(client: TestClient, body: bytes) -> None:
    resp = client.post("/connectors", content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400, resp.text
    data = resp.json()
    assert _keys(data) == ["error_code", "message"]
    assert data["error_code"] == 400
    assert data["message"]


def test_create_unknown_field_is_400(client: TestClient) -> None:
    resp = client.post("/connectors", json={"name": "x", "configs": SOURCE})
    assert resp.status_code == 400
    assert resp.json()["message"].startswith('Unrecognized field "configs"')


def test_create_missing_config_message(client: TestClient) -> None:
    resp = client.post("/connectors", json={"name": "x"})
    assert "config" in resp.json()["message"]


def test_create_null_value_is_apache_validation_error(client: TestClient) -> None:
    resp = client.post("/connectors", json={"name": "x", "config": {**SOURCE, "n": None}})
    assert resp.status_code == 400
    assert resp.json()["message"] == (
        "Connector configuration is invalid and contains the following 1 error(s):\n"
        "Null value can not be supplied as the configuration value.\n"
        "You can also find the above list of errors at the endpoint "
        "`/connector-plugins/{connectorType}/config/validate`")


def test_create_name_mismatch_is_400(client: TestClient) -> None:
    resp = client.post("/connectors", json={"name": "a", "config": {**SOURCE, "name": "b"}})
    assert resp.status_code == 400
    assert resp.json() == {"error_code": 400,
                           "message": "Connector name configuration (b) doesn't match connector name in the URL (a)"}


def test_create_herder_validation_error_is_passed_on(client: TestClient) -> None:
    resp = client.post("/connectors", json={"name": "a", "config": {"topic": "t"}})
    assert resp.status_code == 400
    assert "contains no connector type" in resp.json()["message"]


def test_trailing_slash_is_served(client: TestClient) -> None:
    assert client.post("/connectors/", json={"name": "s", "config": SOURCE}).status_code == 201
    assert client.get("/connectors/").json() == ["s"]


def test_list_and_expand(client: TestClient) -> None:
    assert client.get("/connectors").json() == []
    _create(client, "a")
    _create(client, "b")
    assert sorted(client.get("/connectors").json()) == ["a", "b"]
    status = client.get("/connectors?expand=status").json()
    assert set(status) == {"a", "b"}
    assert _keys(status["a"]) == ["status"]
    assert _keys(status["a"]["status"]) == ["name", "connector", "tasks", "type"]
    both = client.get("/connectors", params=[("expand", "status"), ("expand", "info"), ("expand", "bogus")]).json()
    assert _keys(both["b"]) == ["status", "info"]
    assert both["b"]["info"]["name"] == "b"


def test_expand_leaves_out_connectors_that_vanish(client: TestClient, herder: FakeHerder) -> None:
    _create(client, "a")
    original = herder.connectors
    herder.connectors = lambda: [*original(), "ghost"]  # type: ignore[method-assign]
    assert set(client.get("/connectors?expand=info").json()) == {"a"}


def test_get_connector_config_status_tasks(client: TestClient) -> None:
    _create(client)
    assert client.get("/connectors/src").json()["name"] == "src"
    assert client.get("/connectors/src/config").json() == {**SOURCE, "name": "src"}
    status = client.get("/connectors/src/status").json()
    assert status == {"name": "src", "connector": {"state": "RUNNING", "worker_id": WORKER},
                      "tasks": [{"id": 0, "state": "RUNNING", "worker_id": WORKER}], "type": "source"}
    assert _keys(status["connector"]) == ["state", "worker_id"]
    assert _keys(status["tasks"][0]) == ["id", "state", "worker_id"]  # null trace left out
    tasks = client.get("/connectors/src/tasks").json()
    assert _keys(tasks[0]) == ["id", "config"]
    assert tasks[0]["id"] == {"connector": "src", "task": 0}
    task = client.get("/connectors/src/tasks/0/status")
    assert task.status_code == 200
    assert _keys(task.json()) == ["id", "state", "worker_id"]


def test_status_tasks_sorted_by_id(client: TestClient) -> None:
    _create(client, config={**SOURCE, "tasks.max": "3"})
    assert [t["id"] for t in client.get("/connectors/src/status").json()["tasks"]] == [0, 1, 2]


def test_unknown_connector_404s(client: TestClient) -> None:
    for path in ("/connectors/nope", "/connectors/nope/config", "/connectors/nope/tasks", "/connectors/nope/offsets"):
        resp = client.get(path)
        assert resp.status_code == 404, path
        assert resp.json() == {"error_code": 404, "message": "Connector nope not found"}
    assert client.get("/connectors/nope/status").json()["message"] == "No status found for connector nope"
    assert client.get("/connectors/nope/tasks/0/status").json() == {
        "error_code": 404, "message": "No status found for task nope-0"}
    assert client.delete("/connectors/nope").status_code == 404


def test_url_encoded_names(client: TestClient, herder: FakeHerder) -> None:
    resp = client.post("/connectors", json={"name": "my conn+1", "config": SOURCE})
    assert resp.status_code == 201
    assert resp.headers["location"].endswith("/connectors/my%20conn%2B1")
    assert client.get("/connectors/my%20conn%2B1").json()["name"] == "my conn+1"
    assert client.get("/connectors/my%20conn%2B1/status").status_code == 200


# -- config PUT / PATCH ------------------------------------------------------------------------

def test_put_config_201_then_200(client: TestClient) -> None:
    resp = client.put("/connectors/c/config", json=SOURCE)
    assert resp.status_code == 201
    assert resp.headers["location"].endswith("/connectors/c")
    assert _keys(resp.json()) == ["name", "config", "tasks", "type"]
    resp = client.put("/connectors/c/config", json={**SOURCE, "topic": "u"})
    assert resp.status_code == 200
    assert "location" not in resp.headers
    assert resp.json()["config"]["topic"] == "u"


def test_put_config_name_mismatch_and_bad_body(client: TestClient) -> None:
    resp = client.put("/connectors/c/config", json={**SOURCE, "name": "d"})
    assert resp.status_code == 400
    assert "doesn't match connector name in the URL (c)" in resp.json()["message"]
    assert client.put("/connectors/c/config", content=b"{", headers={"Content-Type": "application/json"}
                      ).status_code == 400
    assert client.put("/connectors/c/config", json=["x"]).status_code == 400


def test_patch_config_merges_and_removes(client: TestClient) -> None:
    _create(client)
    resp = client.patch("/connectors/src/config", json={"topic": "new", "file": None, "tasks.max": 2})
    assert resp.status_code == 200
    config = resp.json()["config"]
    assert config["topic"] == "new"
    assert config["tasks.max"] == "2"
    assert "file" not in config
    assert client.patch("/connectors/nope/config", json={"a": "b"}).status_code == 404
    assert client.patch("/connectors/src/config", json={"name": "other"}).status_code == 400


# -- lifecycle ---------------------------------------------------------------------------------

def test_pause_resume_stop(client: TestClient, herder: FakeHerder) -> None:
    _create(client)
    resp = client.put("/connectors/src/pause")
    assert (resp.status_code, resp.content) == (202, b"")
    assert herder.states["src"] == "PAUSED"
    assert client.put("/connectors/src/resume").status_code == 202
    assert herder.states["src"] == "RUNNING"
    resp = client.put("/connectors/src/stop")
    assert (resp.status_code, resp.content) == (204, b"")
    assert herder.states["src"] == "STOPPED"
    assert client.get("/connectors/src/tasks").json() == []
    assert client.put("/connectors/nope/pause").json() == {"error_code": 404, "message": "Unknown connector nope"}
    assert client.put("/connectors/src/pause?forward=true").status_code == 202


def test_restart_variants(client: TestClient, herder: FakeHerder) -> None:
    _create(client)
    resp = client.post("/connectors/src/restart")
    assert (resp.status_code, resp.content) == (204, b"")
    assert herder.calls[-1] == ("restart", ("src", False, False))
    resp = client.post("/connectors/src/restart?includeTasks=TRUE&onlyFailed=false")
    assert resp.status_code == 202
    assert herder.calls[-1] == ("restart", ("src", True, False))
    assert resp.json()["connector"]["state"] == "RESTARTING"
    assert _keys(resp.json()) == ["name", "connector", "tasks", "type"]
    resp = client.post("/connectors/src/restart?onlyFailed=true&includeTasks=nonsense")
    assert resp.status_code == 202
    assert herder.calls[-1] == ("restart", ("src", False, True))
    assert client.post("/connectors/nope/restart").json() == {"error_code": 404, "message": "Unknown connector: nope"}


def test_restart_task(client: TestClient) -> None:
    _create(client)
    assert client.post("/connectors/src/tasks/0/restart").status_code == 204
    assert client.post("/connectors/src/tasks/7/restart").json()["message"] == "Unknown task: src-7"
    assert client.post("/connectors/src/tasks/x/restart").status_code == 404


def test_delete(client: TestClient, herder: FakeHerder) -> None:
    _create(client)
    resp = client.delete("/connectors/src?forward=false")
    assert (resp.status_code, resp.content) == (204, b"")
    assert herder.configs == {}


# -- topics, offsets ---------------------------------------------------------------------------

def test_topics_and_reset(herder: FakeHerder) -> None:
    client = TestClient(create_app(herder, {}))
    _create(client)
    assert client.get("/connectors/src/topics").json() == {"src": {"topics": ["t1"]}}
    assert client.get("/connectors/nope/topics").json() == {"nope": {"topics": []}}  # Apache's quirk: 200
    assert client.put("/connectors/src/topics/reset").status_code == 202
    off = TestClient(create_app(herder, {"topic.tracking.enable": "false"}))
    assert off.get("/connectors/src/topics").json() == {"error_code": 403, "message": "Topic tracking is disabled."}
    no_reset = TestClient(create_app(herder, {"topic.tracking.allow.reset": "false"}))
    assert no_reset.put("/connectors/src/topics/reset").json() == {
        "error_code": 403, "message": "Topic tracking reset is disabled."}


def test_offsets_only_while_stopped(client: TestClient) -> None:
    _create(client)
    assert client.get("/connectors/src/offsets").json() == {"offsets": []}
    body = {"offsets": [{"partition": {"filename": "/tmp/in.txt"}, "offset": {"position": 3}}]}
    resp = client.patch("/connectors/src/offsets", json=body)
    assert resp.status_code == 400
    assert resp.json()["message"].startswith("Connectors must be in the STOPPED state")
    assert client.delete("/connectors/src/offsets").status_code == 400
    client.put("/connectors/src/stop")
    resp = client.patch("/connectors/src/offsets", json=body)
    assert resp.status_code == 200
    assert resp.json() == {"message": "The offsets for this connector have been altered successfully"}
    assert client.get("/connectors/src/offsets").json() == body
    resp = client.delete("/connectors/src/offsets")
    assert resp.json() == {"message": "The offsets for this connector have been reset successfully"}


@pytest.mark.parametrize("body", [{}, {"offsets": []}, {"offsets": None}, None])
def test_offsets_patch_needs_offsets(client: TestClient, body: Any) -> None:
    _create(client)
    resp = client.patch("/connectors/src/offsets", content=json.dumps(body).encode() if body is not None else b"",
                        headers={"Content-Type": "application/json"})
    assert resp.json() == {"error_code": 400,
                           "message": "Partitions / offsets need to be provided for an alter offsets request"}


def test_offsets_patch_entries_checked(client: TestClient) -> None:
    _create(client)
    resp = client.patch("/connectors/src/offsets", json={"offsets": [{"offset": {"position": 1}}]})
    assert resp.status_code == 400
