"""The connector's lifecycle over REST, on a kcli standalone worker and on a kcli distributed worker: a Python connector
notes every start()/stop()/taskConfigs() of itself and its tasks in a file (the worker is another process). As
Apache's WorkerConnector: pause stops the connector and resume starts it again (its tasks are only paused); a
connector created PAUSED is neither started nor asked for task configs until resumed, and shows no tasks; a PUT of
the same config restarts the connector, not its tasks; a STOPPED connector paused is PAUSED with no tasks."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kcli.connect.api import SourceConnector, SourceRecord, SourceTask
from tests.helpers import wait_for
from tests.integration.test_connect_standalone_support import WorkerProcess, new_port, write_worker

pytestmark = [pytest.mark.broker]

LIFECYCLE = f"{__name__}.LifecycleConnector"


class LifecycleConnector(SourceConnector):
    """tasks.max tasks that send nothing; `<call> <connector>[-<task>]` lines go to `record.file`."""

    def _note(self, what: str) -> None:
        with open(self.record, "a", encoding="utf-8") as f:
            f.write(f"{what} {self.name}\n")

    def start(self, props: dict[str, str]) -> None:
        self.props, self.record, self.name = props, props["record.file"], props["name"]
        self._note("connector.start")

    def stop(self) -> None:
        self._note("connector.stop")

    def task_class(self) -> type[SourceTask]:
        return LifecycleTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        self._note("task_configs")
        return [{"record.file": self.record, "name": f"{self.name}-{i}"} for i in range(max_tasks)]


class LifecycleTask(SourceTask):
    def start(self, props: dict[str, str]) -> None:
        self.props = props
        self._note("task.start")

    def _note(self, what: str) -> None:
        with open(self.props["record.file"], "a", encoding="utf-8") as f:
            f.write(f"{what} {self.props['name']}\n")

    def poll(self) -> list[SourceRecord] | None:
        time.sleep(0.1)
        return None

    def stop(self) -> None:
        self._note("task.stop")


class Subject:
    """One worker's REST API and the record file its connectors write."""

    def __init__(self, url: str, record: Path) -> None:
        self.url, self.record = url, record

    def calls(self, name: str) -> list[str]:
        """What connector `name` and its tasks were asked, in order (`task.start` for a task of it, …)."""
        if not self.record.exists():
            return []
        lines = [line.split() for line in self.record.read_text().splitlines()]
        return [what for what, who in lines if who == name or who.rsplit("-", 1)[0] == name]

    def count(self, name: str, what: str) -> int:
        return self.calls(name).count(what)

    def states(self, name: str) -> tuple[str, list[str]] | None:
        answer = requests.get(f"{self.url}/connectors/{name}/status", timeout=30)
        if answer.status_code != 200:
            return None
        body = answer.json()
        return body["connector"]["state"], [t["state"] for t in sorted(body["tasks"], key=lambda t: t["id"])]

    def await_states(self, name: str, state: str, tasks: int) -> None:
        want = (state, [state] * tasks)
        wait_for(lambda: self.states(name) == want, timeout=90, interval=0.1, message=f"{name}: {want}")

    def tasks(self, name: str) -> list[dict]:
        answer = requests.get(f"{self.url}/connectors/{name}/tasks", timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def create(self, name: str, initial_state: str | None = None) -> dict:
        body: dict = {"name": name, "config": self.config(name)}
        if initial_state:
            body["initial_state"] = initial_state
        answer = requests.post(f"{self.url}/connectors", json=body, timeout=60)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def config(self, name: str) -> dict[str, str]:
        return {"connector.class": LIFECYCLE, "tasks.max": "2", "record.file": str(self.record), "name": name}

    def put(self, name: str, action: str, code: int = 202) -> None:
        answer = requests.put(f"{self.url}/connectors/{name}/{action}", timeout=60)
        assert answer.status_code == code, answer.text


def check_pause_and_resume(s: Subject, name: str) -> None:
    s.create(name)
    s.await_states(name, "RUNNING", 2)
    s.put(name, "pause")
    s.await_states(name, "PAUSED", 2)
    wait_for(lambda: s.count(name, "connector.stop") == 1, timeout=60, message="the connector's stop() on pause")
    assert s.count(name, "connector.start") == 1 and s.count(name, "task.stop") == 0  # the tasks are only paused
    s.put(name, "resume")
    s.await_states(name, "RUNNING", 2)
    # started again, asked for its task configs again: unchanged, so its tasks run on
    wait_for(lambda: s.count(name, "task_configs") == 2, timeout=60, message="taskConfigs() after the resume")
    assert s.calls(name)[-3:] == ["connector.stop", "connector.start", "task_configs"]
    assert s.count(name, "task.start") == 2 and s.count(name, "task.stop") == 0
    s.await_states(name, "RUNNING", 2)


def check_created_paused(s: Subject, name: str) -> None:
    info = s.create(name, "PAUSED")
    assert info["tasks"] == []
    wait_for(lambda: s.states(name) == ("PAUSED", []), timeout=60, message=f"{name} PAUSED with no tasks")
    assert s.tasks(name) == []
    assert s.calls(name) == []  # neither started nor asked for task configs
    s.put(name, "resume")
    s.await_states(name, "RUNNING", 2)
    assert s.calls(name)[:2] == ["connector.start", "task_configs"]
    assert [t["id"]["task"] for t in s.tasks(name)] == [0, 1]


def check_same_config_keeps_tasks(s: Subject, name: str) -> None:
    """`name` runs; PUT of its very config: the connector is restarted and asked again, its tasks are not."""
    starts = s.count(name, "connector.start")
    answer = requests.put(f"{s.url}/connectors/{name}/config", json=s.config(name), timeout=60)
    assert answer.status_code == 200, answer.text
    wait_for(lambda: s.count(name, "connector.start") == starts + 1 and s.calls(name)[-1] == "task_configs",
             timeout=60, message="the connector restarted and asked for task configs")
    s.await_states(name, "RUNNING", 2)
    assert s.count(name, "task.start") == 2 and s.count(name, "task.stop") == 0


def check_pause_of_stopped(s: Subject, name: str) -> None:
    """`name` runs; stopped, then paused: PAUSED with no tasks and no start(); resumed: tasks again."""
    stopped = requests.put(f"{s.url}/connectors/{name}/stop", timeout=60)
    assert stopped.status_code == 204, stopped.text
    wait_for(lambda: s.states(name) == ("STOPPED", []), timeout=60, message=f"{name} STOPPED")
    starts = s.count(name, "connector.start")
    s.put(name, "pause")
    wait_for(lambda: s.states(name) == ("PAUSED", []), timeout=60, message=f"{name} PAUSED with no tasks")
    assert s.tasks(name) == [] and s.count(name, "connector.start") == starts
    s.put(name, "resume")
    s.await_states(name, "RUNNING", 2)
    assert s.count(name, "connector.start") == starts + 1


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory, bootstrap: str) -> Iterator[Subject]:
    tmp = tmp_path_factory.mktemp("lifecycle")
    port = new_port()
    worker = WorkerProcess([str(write_worker(tmp, bootstrap, port, tmp / "offsets"))], port, tmp / "worker.log")
    try:
        wait_for(lambda: worker.proc.poll() is not None or _answers(worker.url), timeout=60,
                 message="the worker's REST API")
        assert worker.proc.poll() is None, worker.output()[-3000:]
        yield Subject(worker.url, tmp / "record.log")
    finally:
        assert worker.stop() == 0, worker.output()[-3000:]


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/connectors", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _name(what: str) -> str:
    return f"{what}-{uuid.uuid4().hex[:6]}"


def test_standalone_pause_stops_and_resume_starts_the_connector(standalone: Subject) -> None:
    check_pause_and_resume(standalone, _name("pr"))


def test_standalone_connector_created_paused(standalone: Subject) -> None:
    check_created_paused(standalone, _name("cp"))


def test_standalone_same_config_keeps_the_tasks(standalone: Subject) -> None:
    name = _name("same")
    standalone.create(name)
    standalone.await_states(name, "RUNNING", 2)
    check_same_config_keeps_tasks(standalone, name)


def test_standalone_pause_of_a_stopped_connector(standalone: Subject) -> None:
    name = _name("stp")
    standalone.create(name)
    standalone.await_states(name, "RUNNING", 2)
    check_pause_of_stopped(standalone, name)


@pytest.mark.slow
def test_the_same_on_a_distributed_worker(tmp_path: Path, bootstrap: str) -> None:
    """The same calls on `kcli connect distributed`: configs, target states and statuses through the topics."""
    from tests.integration.distributed_support import Cluster

    cluster = Cluster(tmp_path, bootstrap, "lifecycle")
    try:
        worker = cluster.start()
        s = Subject(worker.url, tmp_path / f"record-{os.getpid()}.log")
        check_pause_and_resume(s, "pr")
        check_created_paused(s, "cp")
        check_same_config_keeps_tasks(s, "pr")
        check_pause_of_stopped(s, "cp")
    finally:
        cluster.stop()
