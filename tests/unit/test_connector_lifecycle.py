"""The connector's own lifecycle on a standalone herder, as Apache's WorkerConnector and StandaloneHerder run it:
pause stops the connector instance and resume starts it again, a connector created PAUSED or STOPPED is not started
(and makes no task configs) until resumed, a FAILED connector takes no transition but STOPPED, and an update or a
reconfiguration request replaces the tasks only when their configs (or the connector config) changed.
No broker: the tasks' producers point at a closed port and the sources never send."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from kcli.connect.api import SourceConnector, SourceRecord, SourceTask
from kcli.connect.herder.standalone import StandaloneHerder
from kcli.connect.storage.offset_store import MemoryOffsetStore
from kcli.connect.worker_config import WorkerConfig
from tests.helpers import wait_for

WORKER = {"bootstrap.servers": "127.0.0.1:1", "key.converter": "org.apache.kafka.connect.storage.StringConverter",
          "value.converter": "org.apache.kafka.connect.storage.StringConverter",
          "offset.storage.file.filename": "/nonexistent/offsets", "task.shutdown.graceful.timeout.ms": "5000"}
CALLS: list[str] = []  # what the connectors and tasks of this module were asked, in order
_lock = threading.Lock()


def _note(what: str) -> None:
    with _lock:
        CALLS.append(what)


def calls(prefix: str) -> list[str]:
    with _lock:
        return [c for c in CALLS if c.startswith(prefix)]


class RecordingTask(SourceTask):
    def start(self, props: dict[str, str]) -> None:
        self.props = props
        _note(f"task.start {props['task.id']}")

    def poll(self) -> list[SourceRecord] | None:
        time.sleep(0.02)
        return None

    def stop(self) -> None:
        _note(f"task.stop {self.props['task.id']}")


class RecordingConnector(SourceConnector):
    """Two tasks whose configs depend on `shared` only; `fail.start=once` fails the first start()."""

    failed_once = False

    def start(self, props: dict[str, str]) -> None:
        _note("start")
        if props.get("fail.start") == "once" and not RecordingConnector.failed_once:
            RecordingConnector.failed_once = True
            raise RuntimeError("the connector could not start")
        self.props = props

    def stop(self) -> None:
        _note("stop")

    def task_class(self) -> type[SourceTask]:
        return RecordingTask

    def task_configs(self, max_tasks: int) -> list[dict[str, str]]:
        _note("task_configs")
        return [{"task.id": str(i), "shared": self.props.get("shared", "")} for i in range(2)]


CONFIG = {"connector.class": f"{__name__}.RecordingConnector", "tasks.max": "2"}


@pytest.fixture
def herder() -> Iterator[StandaloneHerder]:
    CALLS.clear()
    RecordingConnector.failed_once = False
    h = StandaloneHerder(WorkerConfig.parse(WORKER), offset_store=MemoryOffsetStore(), cluster_id="test-cluster")
    h.start()
    yield h
    h.stop()


def states(h: StandaloneHerder, name: str = "rec") -> tuple[str, list[str]]:
    s = h.connector_status(name)
    return s["connector"]["state"], [t["state"] for t in s["tasks"]]


def await_states(h: StandaloneHerder, want: tuple[str, list[str]], name: str = "rec") -> None:
    wait_for(lambda: states(h, name) == want, timeout=30, interval=0.02, message=f"{name}: {want}")


def task_ids(h: StandaloneHerder, name: str = "rec") -> list[int]:
    return [t["id"]["task"] for t in h.task_configs(name)]


def test_pause_stops_the_connector_and_resume_starts_it_again(herder: StandaloneHerder) -> None:
    herder.put_connector_config("rec", dict(CONFIG), allow_replace=False)
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    assert calls("")[:2] == ["start", "task_configs"] and sorted(calls("task.")) == ["task.start 0", "task.start 1"]
    herder.pause_connector("rec")
    await_states(herder, ("PAUSED", ["PAUSED", "PAUSED"]))
    assert calls("s") == ["start", "stop"]  # the connector instance is stopped; its tasks only paused
    herder.resume_connector("rec")
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    assert calls("s") == ["start", "stop", "start"]
    assert calls("task_configs") == ["task_configs"] * 2  # asked again on resume: unchanged, tasks kept
    assert sorted(calls("task.")) == ["task.start 0", "task.start 1"]
    herder.resume_connector("rec")  # already STARTED: nothing happens
    assert calls("s") == ["start", "stop", "start"]


def test_a_connector_created_paused_is_not_started_and_has_no_tasks_until_resumed(herder: StandaloneHerder) -> None:
    created, info = herder.put_connector_config("rec", dict(CONFIG), allow_replace=False, initial_state="PAUSED")
    assert created and info["tasks"] == []
    assert states(herder) == ("PAUSED", []) and herder.task_configs("rec") == []
    assert calls("") == []  # neither start() nor taskConfigs()
    herder.resume_connector("rec")
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    assert calls("start") == ["start"] and calls("task_configs") == ["task_configs"]
    assert task_ids(herder) == [0, 1]


def test_pausing_a_stopped_connector_shows_paused_with_no_tasks(herder: StandaloneHerder) -> None:
    herder.put_connector_config("rec", dict(CONFIG), allow_replace=False)
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    herder.stop_connector("rec")
    assert states(herder) == ("STOPPED", []) and herder.task_configs("rec") == []
    assert calls("s") == ["start", "stop"]
    herder.pause_connector("rec")
    assert states(herder) == ("PAUSED", []) and herder.task_configs("rec") == []
    assert calls("s") == ["start", "stop"]  # not started to be paused
    herder.resume_connector("rec")
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    assert calls("s") == ["start", "stop", "start"]


def test_a_connector_created_stopped_then_paused(herder: StandaloneHerder) -> None:
    herder.put_connector_config("rec", dict(CONFIG), allow_replace=False, initial_state="STOPPED")
    assert states(herder) == ("STOPPED", [])
    herder.pause_connector("rec")
    assert states(herder) == ("PAUSED", []) and calls("") == []


def test_an_update_with_the_same_config_keeps_the_tasks(herder: StandaloneHerder) -> None:
    herder.put_connector_config("rec", {**CONFIG, "shared": "a"}, allow_replace=False)
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    herder.put_connector_config("rec", {**CONFIG, "shared": "a"}, allow_replace=True)
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    assert calls("s") == ["start", "stop", "start"]  # the connector is restarted ...
    assert sorted(calls("task.")) == ["task.start 0", "task.start 1"]  # ... its tasks are not


def test_an_update_of_the_connector_config_replaces_the_tasks(herder: StandaloneHerder) -> None:
    herder.put_connector_config("rec", {**CONFIG, "shared": "a"}, allow_replace=False)
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    # the task configs come out the same, but the connector config changed since they were made (Apache)
    herder.put_connector_config("rec", {**CONFIG, "shared": "a", "other": "x"}, allow_replace=True)
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    assert sorted(calls("task.")) == ["task.start 0", "task.start 0", "task.start 1", "task.start 1",
                                      "task.stop 0", "task.stop 1"]
    herder.patch_connector_config("rec", {"shared": "b"})
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    assert [c["config"]["shared"] for c in herder.task_configs("rec")] == ["b", "b"]
    assert len(calls("task.start")) == 6


def test_an_update_of_a_paused_connector_starts_nothing(herder: StandaloneHerder) -> None:
    herder.put_connector_config("rec", {**CONFIG, "shared": "a"}, allow_replace=False)
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    herder.pause_connector("rec")
    await_states(herder, ("PAUSED", ["PAUSED", "PAUSED"]))
    herder.put_connector_config("rec", {**CONFIG, "shared": "b"}, allow_replace=True)
    assert calls("s") == ["start", "stop"] and calls("task_configs") == ["task_configs"]
    herder.resume_connector("rec")  # the change made while paused applies now
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    wait_for(lambda: [c["config"]["shared"] for c in herder.task_configs("rec")] == ["b", "b"], timeout=30,
             message="the new task configs")


def test_a_reconfiguration_request_with_unchanged_configs_keeps_the_tasks(herder: StandaloneHerder) -> None:
    herder.put_connector_config("rec", dict(CONFIG), allow_replace=False)
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    herder.request_task_reconfiguration("rec")
    wait_for(lambda: len(calls("task_configs")) == 2 and not any(
        t.name == "reconfigure-rec" for t in threading.enumerate()), timeout=30, message="the request handled")
    assert sorted(calls("task.")) == ["task.start 0", "task.start 1"]


def test_a_failed_connector_takes_no_transition_but_stopped(herder: StandaloneHerder) -> None:
    herder.put_connector_config("rec", {**CONFIG, "fail.start": "once"}, allow_replace=False)
    assert states(herder) == ("FAILED", [])
    herder.pause_connector("rec")
    herder.resume_connector("rec")
    assert states(herder) == ("FAILED", []) and calls("start") == ["start"]  # not started again
    herder.stop_connector("rec")
    assert states(herder) == ("STOPPED", []) and calls("s") == ["start"]  # never started: no stop()
    herder.resume_connector("rec")
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    assert calls("start") == ["start", "start"]


def test_task_configs_carry_the_connectors_topics(herder: StandaloneHerder) -> None:
    """Apache's Worker adds `topics` / `topics.regex` of the connector config to every task config."""
    herder.put_connector_config("rec", {**CONFIG, "topics": "a,b"}, allow_replace=False)
    await_states(herder, ("RUNNING", ["RUNNING", "RUNNING"]))
    configs = [t["config"] for t in herder.task_configs("rec")]
    assert [c.get("topics") for c in configs] == ["a,b", "a,b"]
    assert all("topics.regex" not in c and c["task.class"].endswith("RecordingTask") for c in configs)
