"""Reference: the connector lifecycle through Apache's connect-standalone and `kcli connect standalone`, side by
side. The same REST calls on both (a FileStreamSource created PAUSED, then resumed, paused, updated with the same
config, stopped, paused while STOPPED, resumed; one created STOPPED, then paused): after each step both show the same
connector and task states in `GET /connectors/NAME/status`, the same `/tasks` list and the same JSON shapes.

(Apache's worker cannot load kcli's Python connectors: which calls a connector got is checked on kcli's side by
tests/integration/test_connect_connector_lifecycle.py.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.helpers import wait_for
from tests.integration.test_connect_standalone_support import (
    WorkerProcess,
    create_topic,
    new_port,
    write_source,
    write_worker,
)
from tests.reference.test_connect_rest_reference import _normalized, shape

pytestmark = [pytest.mark.broker, pytest.mark.java, pytest.mark.slow]

READY = "lifecycle-ready"  # a connector from the command line: each worker is up once it runs


@pytest.fixture(scope="module")
def workers(bootstrap: str, kafka_libs: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("lifecycle-reference")
    topic = f"t-lifecycle-ref-{uuid.uuid4().hex[:8]}"
    create_topic(bootstrap, topic)
    started: dict[str, WorkerProcess] = {}
    try:
        for tag in ("kcli", "apache"):
            port = new_port()
            source = tmp / f"{tag}-ready.txt"
            source.write_text("")
            files = [write_worker(tmp, bootstrap, port, tmp / f"{tag}.offsets"),
                     write_source(tmp, source, topic, name=f"{READY}-{tag}")]
            started[tag] = WorkerProcess([str(f) for f in files], port, tmp / f"{tag}.log", apache=tag == "apache")
        for tag, worker in started.items():
            worker.wait_running(f"{READY}-{tag}", timeout=180)
        yield {"workers": started, "tmp": tmp, "topic": topic}
    finally:
        for worker in started.values():
            worker.stop()


def _config(env: dict[str, Any], name: str) -> dict[str, str]:
    source: Path = env["tmp"] / f"{name}.txt"
    source.touch()
    return {"connector.class": "FileStreamSource", "tasks.max": "1", "file": str(source), "topic": env["topic"]}


def _both(env: dict[str, Any], method: str, path: str, **kw: Any) -> dict[str, requests.Response]:
    return {tag: requests.request(method, w.url + path, timeout=60, **kw) for tag, w in env["workers"].items()}


def _states(worker: WorkerProcess, name: str) -> tuple[str, list[str]] | None:
    answer = requests.get(f"{worker.url}/connectors/{name}/status", timeout=30)
    if answer.status_code != 200:
        return None
    body = answer.json()
    return body["connector"]["state"], [t["state"] for t in body["tasks"]]


def _step(env: dict[str, Any], name: str, want: tuple[str, list[str]]) -> None:
    """Both workers reach `want`; then their status and /tasks answers have the same shapes and states."""
    for tag, worker in env["workers"].items():
        wait_for(lambda w=worker: _states(w, name) == want, timeout=90, interval=0.1,
                 message=f"{name}: {want} on {tag}")
    status = _both(env, "GET", f"/connectors/{name}/status")
    a, k = status["apache"].json(), status["kcli"].json()
    assert shape(_normalized(a)) == shape(_normalized(k)), (a, k)
    tasks = _both(env, "GET", f"/connectors/{name}/tasks")
    assert tasks["apache"].status_code == tasks["kcli"].status_code == 200
    a_tasks, k_tasks = tasks["apache"].json(), tasks["kcli"].json()
    assert [t["id"] for t in a_tasks] == [t["id"] for t in k_tasks]
    assert shape(_normalized(a_tasks)) == shape(_normalized(k_tasks))


def _put(env: dict[str, Any], path: str, code: int, **kw: Any) -> None:
    answers = _both(env, "PUT", path, **kw)
    assert [r.status_code for r in answers.values()] == [code, code], {t: r.text for t, r in answers.items()}


def test_created_paused_resumed_paused_updated_stopped_paused_resumed(workers: dict[str, Any]) -> None:
    env, name = workers, f"life-{uuid.uuid4().hex[:6]}"
    config = _config(env, name)
    created = _both(env, "POST", "/connectors", json={"name": name, "config": config, "initial_state": "PAUSED"})
    assert [r.status_code for r in created.values()] == [201, 201]
    assert created["apache"].json() == created["kcli"].json()  # tasks: [] on both
    assert created["kcli"].json()["tasks"] == []
    _step(env, name, ("PAUSED", []))  # not started: no task configs made
    path = f"/connectors/{name}"
    _put(env, path + "/resume", 202)
    _step(env, name, ("RUNNING", ["RUNNING"]))
    _put(env, path + "/pause", 202)
    _step(env, name, ("PAUSED", ["PAUSED"]))
    _put(env, path + "/config", 200, json={**config, "name": name})  # the same config, while paused
    _step(env, name, ("PAUSED", ["PAUSED"]))
    _put(env, path + "/resume", 202)
    _step(env, name, ("RUNNING", ["RUNNING"]))
    _put(env, path + "/config", 200, json={**config, "name": name})  # the same config, while running
    _step(env, name, ("RUNNING", ["RUNNING"]))
    _put(env, path + "/stop", 204)
    _step(env, name, ("STOPPED", []))
    _put(env, path + "/pause", 202)
    _step(env, name, ("PAUSED", []))  # a STOPPED connector paused has no tasks
    _put(env, path + "/resume", 202)
    _step(env, name, ("RUNNING", ["RUNNING"]))
    _both(env, "DELETE", path)


def test_created_stopped_then_paused(workers: dict[str, Any]) -> None:
    env, name = workers, f"life-stopped-{uuid.uuid4().hex[:6]}"
    created = _both(env, "POST", "/connectors", json={"name": name, "config": _config(env, name),
                                                      "initial_state": "STOPPED"})
    assert [r.status_code for r in created.values()] == [201, 201]
    _step(env, name, ("STOPPED", []))
    _put(env, f"/connectors/{name}/pause", 202)
    _step(env, name, ("PAUSED", []))
    _put(env, f"/connectors/{name}/resume", 202)
    _step(env, name, ("RUNNING", ["RUNNING"]))
    _both(env, "DELETE", f"/connectors/{name}")
