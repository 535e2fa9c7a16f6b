"""`kcli connectors` against real workers: Apache's connect-standalone (the reference) and kcli's own.

Every test runs against both workers and checks the same outcomes: the worker's JSON (`-o json`),
the text a script reads, and the exit codes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.helpers import ACCEPTANCE, ROOT, free_port, run_kcli, tool_command, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow]

KCLI_WORKER_XFAIL = None  # set to a reason string to mark the kcli-worker parametrisation xfail


@dataclass
class Worker:
    kind: str
    url: str
    tmp: Path
    log: Path

    def kc(self, *args: str, timeout: float = 90, input: str | None = None) -> subprocess.CompletedProcess:
        """Run `kcli connectors ARGS` against this worker, as a shell script would."""
        env = {"KCLI_CONNECT_URL": self.url, "KCLI_CONFIG_DIR": str(self.tmp / "kcli-config")}
        return run_kcli(["connectors", *args], env=env, timeout=timeout, input=input)

    def json(self, *args: str, rc: int = 0) -> object:
        """The worker's JSON that `kcli connectors ARGS -o json` printed; the exit code must be rc."""
        proc = self.kc(*args, "-o", "json")
        assert proc.returncode == rc, f"{args} exited {proc.returncode}: {proc.stderr}"
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    def source_file(self, name: str, topic: str, lines: str = "") -> Path:
        """The tutorial's connect-file-source.properties, with its name, file and topic substituted."""
        data = self.tmp / f"{name}.txt"
        data.write_text(lines)
        text = (ACCEPTANCE / "connect-file-source.properties").read_text()
        out = []
        for line in text.splitlines():
            key = line.split("=", 1)[0].strip()
            if key == "name":
                line = f"name={name}"
            elif key == "file":
                line = f"file={data}"
            elif key == "topic":
                line = f"topic={topic}"
            out.append(line)
        path = self.tmp / f"{name}.properties"
        path.write_text("\n".join(out) + "\n")
        return path

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""


def _worker_properties(tmp: Path, bootstrap: str, port: int) -> Path:
    path = tmp / "worker.properties"
    path.write_text(
        f"bootstrap.servers={bootstrap}\n"
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
        "value.converter.schemas.enable=false\n"
        f"offset.storage.file.filename={tmp / 'connect.offsets'}\n"
        "offset.flush.interval.ms=1000\n"
        f"listeners=http://127.0.0.1:{port}\n"
    )
    return path


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _params() -> list:
    kcli_marks = [pytest.mark.xfail(strict=False, reason=KCLI_WORKER_XFAIL)] if KCLI_WORKER_XFAIL else []
    return ["apache", pytest.param("kcli", marks=kcli_marks)]


@pytest.fixture(scope="module", params=_params())
def worker(request: pytest.FixtureRequest, bootstrap: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """One worker per kind for the whole module (a JVM start is slow), stopped by PID at the end."""
    kind = request.param
    tmp = tmp_path_factory.mktemp(f"connect-{kind}")
    port = free_port()
    props = _worker_properties(tmp, bootstrap, port)
    log = tmp / "worker.log"
    if kind == "apache":
        cmd = [*tool_command("connect-standalone"), str(props)]
    else:
        cmd = [sys.executable, "-m", "kcli", "connect", "standalone", str(props)]
    with open(log, "wb") as log_fh:
        proc = subprocess.Popen(cmd, stdout=log_fh, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    w = Worker(kind, url, tmp, log)
    try:
        wait_for(lambda: proc.poll() is not None or _answers(url), timeout=180, interval=0.5,
                 message=f"the {kind} worker to answer at {url}")
        if proc.poll() is not None:
            pytest.fail(f"the {kind} worker exited with {proc.returncode}:\n{w.tail()}")
        yield w
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the session kafka-dev/java or kcli started
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# -- read-only commands ---------------------------------------------------------------------------

def test_info_and_plugins(worker: Worker) -> None:
    info = worker.json("info")
    assert set(info) >= {"version", "commit", "kafka_cluster_id"}
    text = worker.kc("info")
    assert text.returncode == 0 and f"version={info['version']}" in text.stdout.splitlines()

    plugins = worker.json("plugins")
    classes = {p["class"]: p["type"] for p in plugins}
    assert classes["org.apache.kafka.connect.file.FileStreamSourceConnector"] == "source"
    assert classes["org.apache.kafka.connect.file.FileStreamSinkConnector"] == "sink"
    assert {p["type"] for p in plugins} <= {"source", "sink"}
    all_plugins = worker.json("plugins", "--all")
    assert "org.apache.kafka.connect.storage.StringConverter" in {p["class"] for p in all_plugins}
    lines = worker.kc("plugins").stdout.splitlines()
    assert any(line.startswith("org.apache.kafka.connect.file.FileStreamSourceConnector\tsource") for line in lines)

    keys = {k["name"]: k for k in worker.json("plugin-config", "FileStreamSource")}
    assert keys["topic"]["required"] is True and keys["file"]["type"] == "STRING"


def test_validate(worker: Worker, topic_name: str) -> None:
    good = worker.source_file(unique("val"), topic_name)
    proc = worker.kc("validate", "FileStreamSource", "-f", str(good))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    body = worker.json("validate", "FileStreamSource", "-f", str(good))
    assert body["error_count"] == 0

    bad = worker.kc("validate", "FileStreamSource", "-c", "name=v", "-c", "file=x")
    assert bad.returncode == 1
    assert any(line.startswith("topic\t") for line in bad.stdout.splitlines()), bad.stdout
    assert bad.stderr.startswith("kcli: error: the config has 1 error(s)")


def test_loggers(worker: Worker) -> None:
    loggers = worker.json("loggers")
    assert "root" in loggers and "level" in loggers["root"]
    root = worker.json("loggers", "get", "root")
    assert root["level"] == loggers["root"]["level"]
    text = worker.kc("loggers", "get", "root")
    assert f"level={root['level']}" in text.stdout.splitlines()
    changed = worker.json("loggers", "set", "org.apache.kafka.connect.file", "error")
    assert "org.apache.kafka.connect.file" in changed
    assert worker.json("loggers", "get", "org.apache.kafka.connect.file")["level"] == "ERROR"
    missing = worker.kc("loggers", "get", "no.such.logger.anywhere")
    assert missing.returncode == 1
    assert "HTTP 404: Logger no.such.logger.anywhere not found." in missing.stderr


# -- errors a script must be able to tell apart ---------------------------------------------------

def test_not_found_is_exit_1(worker: Worker) -> None:
    for args in (["status", "nope-x"], ["get", "nope-x"], ["config", "nope-x"], ["delete", "nope-x"],
                 ["pause", "nope-x"]):
        proc = worker.kc(*args)
        assert proc.returncode == 1, (args, proc.stderr)
        assert proc.stderr.startswith(f"kcli: error: connector nope-x not found at {worker.url} (HTTP 404: "), \
            (args, proc.stderr)
        assert proc.stdout == ""


def test_usage_error_is_exit_2(worker: Worker, tmp_path: Path) -> None:
    assert worker.kc("status").returncode == 2
    assert worker.kc("create").returncode == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "config": {')
    proc = worker.kc("create", "-f", str(bad))
    assert proc.returncode == 2
    assert proc.stderr.startswith("kcli: error: malformed JSON") and str(bad) in proc.stderr
    assert worker.kc("status", "x", "--wait", "RUNNING", "--timeout", "soon").returncode == 2


def test_unreachable_worker_names_the_url(worker: Worker) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    proc = run_kcli(["connectors", "--url", dead, "list"], env={"KCLI_CONNECT_URL": ""})
    assert proc.returncode == 1
    assert proc.stderr.startswith("kcli: error: no Connect worker answered") and dead in proc.stderr
    # the next URL is tried when one does not answer
    proc = run_kcli(["connectors", "list", "--url", dead, "--url", worker.url, "-o", "json"])
    assert proc.returncode == 0, proc.stderr
    assert isinstance(json.loads(proc.stdout), list)


# -- the life of a connector ----------------------------------------------------------------------

def test_create_wait_and_read_back(worker: Worker, topic_name: str) -> None:
    name = unique("src")
    path = worker.source_file(name, topic_name, "hello\nworld\n")
    created = worker.kc("create", "-f", str(path), "--wait", "--timeout", "60s", "-o", "json")
    assert created.returncode == 0, created.stderr
    info = json.loads(created.stdout)
    assert info["name"] == name and info["type"] == "source"
    assert info["config"]["topic"] == topic_name and info["config"]["name"] == name

    status = worker.kc("status", name)
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines()[0].split("\t")[:3] == ["connector", name, "RUNNING"]
    assert status.stdout.splitlines()[1].split("\t")[:3] == ["task", "0", "RUNNING"]
    body = worker.json("status", name)
    assert body["connector"]["state"] == "RUNNING" and [t["state"] for t in body["tasks"]] == ["RUNNING"]

    assert name in worker.kc("list").stdout.splitlines()
    expanded = worker.json("list", "--expand", "status", "--expand", "info")
    assert expanded[name]["status"]["connector"]["state"] == "RUNNING"
    assert expanded[name]["info"]["config"]["file"] == info["config"]["file"]

    assert worker.json("get", name)["tasks"] == [{"connector": name, "task": 0}]
    config = worker.json("config", name)
    assert config == info["config"]
    props = worker.kc("config", name).stdout.splitlines()
    assert props == [f"{k}={v}" for k, v in sorted(config.items())]
    tasks = worker.json("tasks", name)
    assert tasks[0]["id"] == {"connector": name, "task": 0}
    task = worker.kc("task-status", name, "0")
    assert task.returncode == 0 and task.stdout.startswith("0\tRUNNING")
    assert worker.json("task-status", name, "0")["state"] == "RUNNING"

    topics = wait_for(lambda: worker.json("topics", name)[name]["topics"], timeout=30, message="active topics")
    assert topics == [topic_name]
    assert worker.kc("topics", name).stdout.splitlines() == [topic_name]
    reset = worker.kc("topics", name, "--reset")
    assert reset.returncode == 0, reset.stderr

    again = worker.kc("create", "-f", str(path))
    assert again.returncode == 1
    assert again.stderr.strip() == (f"kcli: error: HTTP 409: Connector {name} already exists "
                                    f"(POST {worker.url}/connectors)")

    assert worker.kc("delete", name).returncode == 0
    gone = worker.kc("status", name)
    assert gone.returncode == 1 and "not found" in gone.stderr


def test_create_from_flags_update_patch(worker: Worker, topic_name: str, tmp_path: Path) -> None:
    name = unique("flags")
    data = tmp_path / "in.txt"
    data.write_text("")
    created = worker.kc("create", name, "-c", "connector.class=FileStreamSource", "-c", f"file={data}",
                        "-c", f"topic={topic_name}", "-o", "json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["config"]["file"] == str(data)

    patched = worker.json("patch", name, "-c", "batch.size=10")
    assert patched["config"]["batch.size"] == "10"
    removed = worker.json("patch", name, "--remove", "batch.size")
    assert "batch.size" not in removed["config"]

    new = tmp_path / "new.yaml"
    new.write_text(f"connector.class: FileStreamSource\nfile: {data}\ntopic: {topic_name}\ntasks.max: 1\n")
    updated = worker.kc("update", name, "-f", str(new), "-o", "json")
    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout)["config"] == {"connector.class": "FileStreamSource", "file": str(data),
                                                    "topic": topic_name, "tasks.max": "1", "name": name}
    assert worker.kc("delete", name).returncode == 0


def test_failed_task(worker: Worker) -> None:
    """A topic name Kafka refuses: the task cannot deliver and is FAILED (on Apache's worker too)."""
    name = unique("failing")
    path = worker.source_file(name, "not a valid topic!", "one line\n")
    created = worker.kc("create", "-f", str(path))
    assert created.returncode == 0, created.stderr
    # The task starts RUNNING and fails when its first send is refused (about 5 s on Apache's worker).
    status = wait_for(lambda: (p := worker.kc("status", name)).returncode == 3 and p, timeout=60,
                      message="the task to be FAILED")
    first = f"kcli: error: connector {name} task 0 is FAILED: "
    assert status.stderr.startswith(first), status.stderr
    assert len(status.stderr.strip().splitlines()) == 1
    assert status.stdout.splitlines()[1].split("\t")[:3] == ["task", "0", "FAILED"]

    started = time.monotonic()
    waited = worker.kc("status", name, "--wait", "RUNNING", "--timeout", "60s")
    assert waited.returncode == 3, waited.stderr
    assert time.monotonic() - started < 15  # FAILED ends the wait at once, not at the timeout
    assert waited.stderr.startswith(first), waited.stderr

    body = worker.json("status", name, rc=3)
    assert body["tasks"][0]["state"] == "FAILED" and body["tasks"][0]["trace"]
    assert worker.kc("task-status", name, "0").returncode == 3

    restarted = worker.kc("restart", name, "--include-tasks", "--only-failed", "-o", "json")
    assert restarted.returncode == 0, restarted.stderr
    assert json.loads(restarted.stdout)["name"] == name
    assert worker.kc("delete", name).returncode == 0


def test_pause_resume_stop_restart_offsets(worker: Worker, topic_name: str) -> None:
    name = unique("life")
    path = worker.source_file(name, topic_name, "a\nb\nc\n")
    assert worker.kc("create", "-f", str(path), "--wait").returncode == 0

    assert worker.kc("pause", name).returncode == 0
    assert worker.kc("status", name, "--wait", "PAUSED", "--timeout", "30s").returncode == 0
    paused = worker.kc("status", name)
    assert paused.returncode == 4
    assert paused.stderr.strip() == f"kcli: connector {name} is PAUSED"
    assert worker.kc("status", name, "--wait", "RUNNING", "--timeout", "1500ms").returncode == 4

    assert worker.kc("resume", name).returncode == 0
    assert worker.kc("status", name, "--wait", "RUNNING", "--timeout", "30s").returncode == 0

    assert worker.kc("restart", name).returncode == 0
    assert worker.kc("restart-task", name, "0").returncode == 0
    assert worker.kc("status", name, "--wait", "RUNNING", "--timeout", "30s").returncode == 0

    assert worker.kc("stop", name).returncode == 0
    assert worker.kc("status", name, "--wait", "STOPPED", "--timeout", "30s").returncode == 0
    stopped = worker.json("status", name, rc=4)
    assert stopped["connector"]["state"] == "STOPPED" and stopped["tasks"] == []
    assert worker.kc("status", name).returncode == 4
    assert worker.json("tasks", name) == []

    data = str(worker.tmp / f"{name}.txt")
    offsets = wait_for(lambda: worker.json("offsets", "get", name)["offsets"], timeout=30, message="offsets")
    assert offsets == [{"partition": {"filename": data}, "offset": {"position": 6}}]
    assert worker.kc("offsets", "get", name).stdout.splitlines() == [f'{{"filename":"{data}"}}\t{{"position":6}}']
    altered = worker.json("offsets", "alter", name, "--offsets",
                          json.dumps({"offsets": [{"partition": {"filename": data}, "offset": {"position": 2}}]}))
    assert "altered successfully" in altered["message"]
    assert worker.json("offsets", "get", name)["offsets"][0]["offset"] == {"position": 2}
    reset = worker.json("offsets", "reset", name)
    assert "reset successfully" in reset["message"]
    assert worker.json("offsets", "get", name)["offsets"] == []

    assert worker.kc("resume", name).returncode == 0
    assert worker.kc("status", name, "--wait", "RUNNING", "--timeout", "30s").returncode == 0
    assert worker.kc("delete", name).returncode == 0


def test_apply_dry_run_then_apply(worker: Worker, topic_name: str, tmp_path: Path) -> None:
    kept, added = unique("kept"), unique("added")
    existing = worker.source_file(kept, topic_name)
    assert worker.kc("create", "-f", str(existing)).returncode == 0
    folder = tmp_path / "connectors"
    folder.mkdir()
    (folder / "kept.properties").write_text(existing.read_text())
    data = tmp_path / "added.txt"
    data.write_text("")
    (folder / "added.json").write_text(json.dumps({"name": added, "config": {
        "connector.class": "FileStreamSource", "file": str(data), "topic": topic_name}}))

    dry = worker.kc("apply", "-f", str(folder), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"+ {added} (create, {folder / 'added.json'})" in dry.stdout.splitlines()
    assert f"    + topic={topic_name}" in dry.stdout.splitlines()
    assert f"= {kept} (unchanged, {folder / 'kept.properties'})" in dry.stdout.splitlines()
    assert worker.kc("get", added).returncode == 1  # nothing was created

    applied = worker.kc("apply", "-f", str(folder))
    assert applied.returncode == 0, applied.stderr
    assert sorted(applied.stdout.splitlines()) == sorted([f"created\t{added}", f"unchanged\t{kept}"])
    assert worker.json("config", added)["file"] == str(data)

    (folder / "kept.properties").write_text(existing.read_text() + "batch.size=5\n")
    dry = worker.kc("apply", "-f", str(folder), "--dry-run", "-o", "json")
    plan = {c["name"]: c for c in json.loads(dry.stdout)}
    assert plan[kept]["action"] == "update"
    assert plan[kept]["changes"] == [{"op": "+", "key": "batch.size", "old": None, "new": "5"}]
    assert plan[added]["action"] == "unchanged"
    assert "batch.size" not in worker.json("config", kept)

    applied = worker.kc("apply", "-f", str(folder))
    assert sorted(applied.stdout.splitlines()) == sorted([f"unchanged\t{added}", f"updated\t{kept}"])
    assert worker.json("config", kept)["batch.size"] == "5"
    for name in (kept, added):
        assert worker.kc("delete", name).returncode == 0


def test_named_context_reaches_the_worker(worker: Worker) -> None:
    env = {"KCLI_CONNECT_URL": "", "KCLI_CONFIG_DIR": str(worker.tmp / "ctx-config")}
    dead = f"http://127.0.0.1:{free_port()}"
    made = run_kcli(["connectors", "context", "set", "dev", "--url", dead, "--url", worker.url], env=env)
    assert made.returncode == 0, made.stderr
    assert run_kcli(["connectors", "context", "set", "other", "--url", dead], env=env).returncode == 0
    listed = run_kcli(["connectors", "context", "list"], env=env)
    assert listed.stdout.splitlines()[0] == f"*\tdev\t{dead},{worker.url}\t"
    info = run_kcli(["connectors", "info", "-o", "json"], env=env)
    assert info.returncode == 0 and "version" in json.loads(info.stdout)
    other = run_kcli(["connectors", "--context", "other", "info"], env=env)
    assert other.returncode == 1 and dead in other.stderr
    assert run_kcli(["connectors", "context", "use", "other"], env=env).returncode == 0
    assert run_kcli(["connectors", "info"], env=env).returncode == 1
    assert run_kcli(["connectors", "info", "--url", worker.url], env=env).returncode == 0  # a flag beats it
