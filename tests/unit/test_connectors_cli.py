"""`kcli connectors` without a real worker: exit codes, output forms, durations, contexts, apply plans."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from kcli.cli.main import main
from kcli.connectors import contexts, logic, render
from kcli.connectors.client import Response
from kcli.connectors.options import ConnOptions, resolve
from kcli.durations import parse_duration
from kcli.errors import ConfigError, UsageError
from tests.helpers import run_kcli_closed_stdout
from tests.unit.test_rest_client import FakeWorker

RUNNING = {"name": "c", "connector": {"state": "RUNNING", "worker_id": "w:1"},
           "tasks": [{"id": 0, "state": "RUNNING", "worker_id": "w:1"}], "type": "source"}
FAILED = {"name": "c", "connector": {"state": "RUNNING", "worker_id": "w:1"},
          "tasks": [{"id": 0, "state": "FAILED", "worker_id": "w:1",
                     "trace": "org.example.Boom: it broke\n\tat Foo.bar(Foo.java:1)\n"}], "type": "source"}
PAUSED = {"name": "c", "connector": {"state": "PAUSED", "worker_id": "w:1"},
          "tasks": [{"id": 0, "state": "PAUSED", "worker_id": "w:1"}], "type": "source"}


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No real home, no inherited connection settings."""
    for var in ("KCLI_CONNECT_URL", "KCLI_CONTEXT", "KCLI_CONNECT_USER", "KCLI_CONNECT_PASSWORD", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KCLI_CONFIG_DIR", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


def kcli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `kcli ARGS` in-process; (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


# -- durations, contexts, option precedence ---------------------------------------------------------

@pytest.mark.parametrize("text,seconds", [("30s", 30), ("5m", 300), ("1500ms", 1.5), ("1500", 1.5),
                                          ("1.5s", 1.5), ("2h", 7200), (" 10 s ", 10)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "5 minutes", "-1s", "1d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(UsageError, match="expects a duration"):
        parse_duration(text)


def test_contexts_set_use_list_delete(capsys: pytest.CaptureFixture[str], isolated: Path) -> None:
    assert kcli(capsys, "connectors", "context", "set", "local", "--url", "http://a:1", "--url", "http://b:2")[0] == 0
    assert kcli(capsys, "connectors", "context", "set", "prod", "--url", "https://p", "--user", "me",
                "--password", "pw", "--timeout", "5s")[0] == 0
    path = isolated / "config.yaml"  # contexts are the Connect side of profiles now
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    code, out, _ = kcli(capsys, "connectors", "context", "list")
    assert code == 0 and out.splitlines() == ["*\tlocal\thttp://a:1,http://b:2\t", "\tprod\thttps://p\tme"]
    assert kcli(capsys, "connectors", "context", "use", "prod")[0] == 0
    code, out, _ = kcli(capsys, "connectors", "context", "list", "-o", "json")
    listed = json.loads(out)
    assert listed["current"] == "prod" and "password" not in listed["contexts"]["prod"]
    settings = resolve(ConnOptions())
    assert settings["urls"] == ["https://p"] and settings["user"] == "me" and settings["password"] == "pw"
    assert settings["timeout"] == 5
    assert resolve(ConnOptions(context="local"))["urls"] == ["http://a:1", "http://b:2"]
    code, _, err = kcli(capsys, "connectors", "context", "use", "nope")
    assert code == 2 and err.startswith("kcli: error: no context named 'nope'")
    assert kcli(capsys, "connectors", "context", "delete", "prod")[0] == 0
    assert contexts.load()["current"] is None


def test_xdg_config_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KCLI_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert contexts.contexts_file() == tmp_path / "xdg" / "kcli" / "contexts.yaml"


def test_flag_beats_env_beats_context(monkeypatch: pytest.MonkeyPatch) -> None:
    contexts.set_context("ctx", {"url": ("http://ctx",)}, make_current=True)
    assert resolve(ConnOptions())["urls"] == ["http://ctx"]
    monkeypatch.setenv("KCLI_CONNECT_URL", "http://env1,http://env2")
    assert resolve(ConnOptions())["urls"] == ["http://env1", "http://env2"]
    assert resolve(ConnOptions(urls=("http://flag",)))["urls"] == ["http://flag"]
    monkeypatch.setenv("KCLI_CONNECT_PASSWORD", "from-env")
    assert resolve(ConnOptions(user="u"))["password"] == "from-env"


def test_malformed_contexts_file(capsys: pytest.CaptureFixture[str], isolated: Path) -> None:
    isolated.mkdir(parents=True)
    (isolated / "contexts.yaml").write_text("contexts: [1, 2\n")
    code, _, err = kcli(capsys, "connectors", "list")
    assert code == 2 and err.startswith("kcli: error: cannot read contexts") and "contexts.yaml" in err
    (isolated / "contexts.yaml").write_bytes(b"contexts: \xff\xfe\n")
    code, _, err = kcli(capsys, "connectors", "list")
    assert code == 2 and err.startswith("kcli: error: config file is not UTF-8") and "contexts.yaml" in err
    assert err.count("\n") == 1


def test_user_without_password_off_a_tty(capsys: pytest.CaptureFixture[str], fake: FakeWorker) -> None:
    code, _, err = kcli(capsys, "connectors", "list", "--user", "me")
    assert code == 2 and "--user needs a password" in err


# -- status and its exit codes ----------------------------------------------------------------------

def test_evaluate() -> None:
    assert logic.evaluate(RUNNING) == (0, "connector c is RUNNING")
    assert logic.evaluate(FAILED) == (3, "connector c task 0 is FAILED: org.example.Boom: it broke")
    assert logic.evaluate(PAUSED) == (4, "connector c is PAUSED")
    stopped = {"name": "c", "connector": {"state": "STOPPED"}, "tasks": []}
    assert logic.evaluate(stopped)[0] == 4 and logic.reached(stopped, "STOPPED")
    assert not logic.reached({"name": "c", "connector": {"state": "RUNNING"}, "tasks": []}, "RUNNING")
    assert logic.reached(PAUSED, "PAUSED") and not logic.reached(PAUSED, "RUNNING")


@pytest.mark.parametrize("body,code", [(RUNNING, 0), (FAILED, 3), (PAUSED, 4)])
def test_status_exit_codes_and_untouched_json(capsys: pytest.CaptureFixture[str], fake: FakeWorker,
                                              body: dict[str, Any], code: int) -> None:
    fake.routes[("GET", "/connectors/c/status")] = (200, body)
    got, out, err = kcli(capsys, "connectors", "status", "c", "-o", "json")
    assert got == code and json.loads(out) == body
    got, out, err = kcli(capsys, "connectors", "status", "c")
    assert got == code
    assert out.splitlines()[0] == "connector\tc\t" + body["connector"]["state"] + "\tw:1\t"
    if code == 3:
        assert err == "kcli: error: connector c task 0 is FAILED: org.example.Boom: it broke\n"
        assert out.splitlines()[1] == "task\t0\tFAILED\tw:1\torg.example.Boom: it broke"
    elif code == 4:
        assert err == "kcli: connector c is PAUSED\n"
    else:
        assert err == ""
    got, out, _ = kcli(capsys, "connectors", "status", "c", "-o", "yaml")
    assert got == code and "state: " + body["connector"]["state"] in out


def test_status_404_and_unreachable(capsys: pytest.CaptureFixture[str], fake: FakeWorker) -> None:
    fake.routes[("GET", "/connectors/x/status")] = (404, {"error_code": 404,
                                                          "message": "No status found for connector x"})
    code, out, err = kcli(capsys, "connectors", "status", "x")
    assert (code, out) == (1, "")
    assert err == f"kcli: error: connector x not found at {fake.url} (HTTP 404: No status found for connector x)\n"
    fake.routes[("GET", "/connectors/x/tasks/7/status")] = (404, {"error_code": 404,
                                                                  "message": "No status found for task x-7"})
    code, _, err = kcli(capsys, "connectors", "task-status", "x", "7")
    assert code == 1 and err == (f"kcli: error: HTTP 404: No status found for task x-7 "
                                 f"(GET {fake.url}/connectors/x/tasks/7/status)\n")
    code, _, err = kcli(capsys, "connectors", "status", "x", "--url", "http://127.0.0.1:9")
    assert code == 1 and "http://127.0.0.1:9 (connection refused)" in err


def test_usage_errors(capsys: pytest.CaptureFixture[str], fake: FakeWorker, tmp_path: Path) -> None:
    assert kcli(capsys, "connectors", "status")[0] == 2
    assert kcli(capsys, "connectors", "status", "c", "--wait", "SLEEPING")[0] == 2
    assert kcli(capsys, "connectors", "create", "c")[0] == 2
    assert kcli(capsys, "connectors", "patch", "c")[0] == 2
    code, _, err = kcli(capsys, "connectors", "create", "c", "-c", "novalue")
    assert code == 2 and err == "kcli: error: -c expects key=value, got 'novalue'\n"
    other = tmp_path / "other.properties"
    other.write_text("name=other\nconnector.class=X\n")
    code, _, err = kcli(capsys, "connectors", "update", "c", "-f", str(other))
    assert code == 2 and "names connector 'other', not 'c'" in err
    assert fake.requests == []  # nothing was sent


class ScriptedClient:
    """A client whose status() answers from a script, with a fake clock that advances per call."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.now = 0.0

    def status(self, name: str, ok_404: bool = False, limit: float | None = None) -> Response:
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return Response(404, None, "u") if answer is None else Response(200, answer, "u")

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_wait_reaches_running_after_404_and_unassigned() -> None:
    unassigned = {**RUNNING, "tasks": [{"id": 0, "state": "UNASSIGNED"}]}
    client = ScriptedClient([None, unassigned, RUNNING])
    result = logic.wait_for_state(client, "c", "RUNNING", 10, clock=client.clock, sleep=client.sleep)  # type: ignore
    assert result.code == 0 and result.status == RUNNING


def test_wait_fails_fast_on_failed_and_times_out() -> None:
    client = ScriptedClient([RUNNING | {"tasks": []}, FAILED])
    result = logic.wait_for_state(client, "c", "RUNNING", 60, clock=client.clock, sleep=client.sleep)  # type: ignore
    assert result.code == 3 and client.now < 1
    client = ScriptedClient([PAUSED])
    result = logic.wait_for_state(client, "c", "RUNNING", 2, clock=client.clock, sleep=client.sleep)  # type: ignore
    assert result.code == 4 and result.message == "timed out after 2s waiting for RUNNING: connector c is PAUSED"
    client = ScriptedClient([None])
    result = logic.wait_for_state(client, "c", "RUNNING", 1, clock=client.clock, sleep=client.sleep)  # type: ignore
    assert result.code == 1 and result.status is None


# -- output forms ---------------------------------------------------------------------------------

def test_list_text_and_expanded(capsys: pytest.CaptureFixture[str], fake: FakeWorker) -> None:
    fake.routes[("GET", "/connectors")] = (200, ["b", "a"])
    assert kcli(capsys, "connectors", "list")[1] == "a\nb\n"
    expanded = {"c": {"status": RUNNING, "info": {"name": "c", "config": {"connector.class": "X"},
                                                  "tasks": [{"connector": "c", "task": 0}], "type": "source"}}}
    fake.routes[("GET", "/connectors?expand=status&expand=info")] = (200, expanded)
    code, out, _ = kcli(capsys, "connectors", "list", "--expand", "status", "--expand", "info")
    assert out == "c\tsource\tRUNNING\t0:RUNNING\tX\t1\n"
    code, out, _ = kcli(capsys, "connectors", "list", "--expand", "status", "--expand", "info", "-o", "json")
    assert json.loads(out) == expanded


def test_table_output(capsys: pytest.CaptureFixture[str], fake: FakeWorker) -> None:
    fake.routes[("GET", "/connector-plugins?connectorsOnly=true")] = (200, [
        {"class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "type": "source", "version": "4.3.1"}])
    code, out, _ = kcli(capsys, "connectors", "plugins", "-o", "table")
    assert code == 0 and "CLASS" in out and "FileStreamSourceConnector" in out and "source" in out
    fake.routes[("GET", "/connectors/c/status")] = (200, FAILED)
    code, out, _ = kcli(capsys, "connectors", "status", "c", "-o", "table")
    assert code == 3 and "task 0 FAILED" in out and "org.example.Boom: it broke" in out


def test_config_text_is_properties(capsys: pytest.CaptureFixture[str], fake: FakeWorker) -> None:
    fake.routes[("GET", "/connectors/c/config")] = (200, {"topic": "t", "name": "c", "connector.class": "X"})
    assert kcli(capsys, "connectors", "config", "c")[1] == "connector.class=X\nname=c\ntopic=t\n"


def test_writes_print_notices_on_stderr(capsys: pytest.CaptureFixture[str], fake: FakeWorker,
                                        tmp_path: Path) -> None:
    info = {"name": "c", "config": {"connector.class": "X", "name": "c"}, "tasks": [], "type": "source"}
    fake.routes[("POST", "/connectors")] = (201, info)
    path = tmp_path / "c.yaml"
    path.write_text("name: c\nconnector.class: X\ntasks.max: 2\n")
    code, out, err = kcli(capsys, "connectors", "create", "-f", str(path), "-c", "extra=1")
    assert (code, out, err) == (0, "", "kcli: created connector c (source, 0 task(s))\n")
    assert fake.requests[-1]["body"] == {"name": "c", "config": {"name": "c", "connector.class": "X",
                                                                   "tasks.max": "2", "extra": "1"}}
    fake.routes[("DELETE", "/connectors/c")] = (204, None)
    assert kcli(capsys, "connectors", "delete", "c", "-o", "json")[:2] == (0, "")


def test_validate_exit_code(capsys: pytest.CaptureFixture[str], fake: FakeWorker) -> None:
    body = {"name": "X", "error_count": 1, "groups": [], "configs": [
        {"definition": None, "value": {"name": "topic", "value": None, "errors": ["Missing topic"],
                                       "recommended_values": [], "visible": True}}]}
    fake.routes[("PUT", "/connector-plugins/X/config/validate")] = (200, body)
    code, out, err = kcli(capsys, "connectors", "validate", "X", "-c", "a=b")
    assert (code, out) == (1, "topic\tMissing topic\n") and "1 error(s)" in err
    assert fake.requests[-1]["body"] == {"a": "b", "connector.class": "X"}


# -- apply ----------------------------------------------------------------------------------------

def test_apply_plan_and_masked_diff(tmp_path: Path) -> None:
    (tmp_path / "a.properties").write_text("name=a\nconnector.class=X\ndb.password=new\n")
    (tmp_path / "b.json").write_text('{"name": "b", "config": {"connector.class": "Y"}}')
    (tmp_path / "notes.txt").write_text("ignored")

    class Client:
        def config(self, name: str, ok_404: bool = False) -> Response:
            current = {"a": {"name": "a", "connector.class": "X", "db.password": "old", "gone": "1"}}.get(name)
            return Response(404 if current is None else 200, current, "u")

    changes = logic.plan(Client(), [str(tmp_path)])  # type: ignore[arg-type]
    assert [(c.name, c.action) for c in changes] == [("a", "update"), ("b", "create")]
    lines = logic.diff_lines(changes[0])
    assert lines[1:] == ["    ~ db.password: [hidden] -> [hidden]", "    - gone=1"]
    assert logic.diff_lines(changes[1])[1:] == ["    + connector.class=Y", "    + name=b"]


def test_apply_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        logic.config_files([str(tmp_path / "missing")])
    with pytest.raises(ConfigError, match="no .properties, .json or .yaml"):
        logic.config_files([str(tmp_path)])
    (tmp_path / "x.properties").write_text("connector.class=X\n")
    with pytest.raises(ConfigError, match="missing required key 'name'"):
        logic.load_connector(tmp_path / "x.properties")


def test_render_helpers() -> None:
    assert render.first_line("a\n\tb") == "a" and render.first_line(None) == ""
    assert render.compact({"b": 1, "a": "x"}) == '{"a":"x","b":1}'
    assert render.topics_rows({"c": {"topics": ["t2", "t1"]}})[1] == [("t1",), ("t2",)]


def test_shell_completion_of_names(fake: FakeWorker) -> None:
    from click.shell_completion import ShellComplete

    from kcli.cli.main import cli

    fake.routes[("GET", "/connectors")] = (200, ["beta", "alpha", "bravo"])
    complete = ShellComplete(cli, {}, "kcli", "_KCLI_COMPLETE")
    got = [c.value for c in complete.get_completions(["connectors", "status"], "b")]
    assert got == ["beta", "bravo"]
    dead = ["connectors", "--url", "http://127.0.0.1:9", "pause"]
    assert complete.get_completions(dead, "") == []


def test_apply_touches_only_what_changed(capsys: pytest.CaptureFixture[str], fake: FakeWorker,
                                         tmp_path: Path) -> None:
    (tmp_path / "same.yaml").write_text("name: same\nconnector.class: X\n")
    (tmp_path / "new.properties").write_text("name=new\nconnector.class=Y\n")
    fake.routes[("GET", "/connectors/same/config")] = (200, {"name": "same", "connector.class": "X"})
    fake.routes[("PUT", "/connectors/new/config")] = (201, {"name": "new", "config": {}, "tasks": [], "type": "source"})
    code, out, _ = kcli(capsys, "connectors", "apply", "-f", str(tmp_path), "--dry-run")
    assert code == 0 and out.splitlines()[0] == f"+ new (create, {tmp_path / 'new.properties'})"
    assert [r["method"] for r in fake.requests] == ["GET", "GET"]
    code, out, _ = kcli(capsys, "connectors", "apply", "-f", str(tmp_path))
    assert code == 0 and out == "created\tnew\nunchanged\tsame\n"
    assert [(r["method"], r["path"]) for r in fake.requests[2:]] == [
        ("GET", "/connectors/new/config"), ("GET", "/connectors/same/config"), ("PUT", "/connectors/new/config")]
    assert fake.requests[-1]["body"] == {"name": "new", "connector.class": "Y"}


@pytest.mark.parametrize(("args", "route", "body"), [
    (("list",), ("GET", "/connectors"), "<html>It works!</html>"),
    (("list",), ("GET", "/connectors"), 42),
    (("status", "c"), ("GET", "/connectors/c/status"), ["not", "an", "object"]),
])
def test_a_server_that_is_not_a_worker_is_one_error_line(capsys: pytest.CaptureFixture[str], fake: FakeWorker,
                                                         args: tuple[str, ...], route: tuple[str, str],
                                                         body: Any) -> None:
    fake.routes[route] = (200, body)
    code, out, err = kcli(capsys, "connectors", *args, "-o", "text")
    assert code == 1 and out == ""
    assert err.startswith("kcli: error: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("output", ["text", "table", "json"])
def test_closed_stdout_ends_quietly(fake: FakeWorker, output: str) -> None:
    """`kcli connectors list | head -1`: exit 0 and a silent stderr, whatever the format (rich included)."""
    fake.routes[("GET", "/connectors")] = (200, [f"c{i}" for i in range(2000)])
    code, err = run_kcli_closed_stdout(["connectors", "list", "-o", output])
    assert (code, err) == (0, "")


def test_offsets_file_that_is_not_text_is_one_error_line(capsys: pytest.CaptureFixture[str], fake: FakeWorker,
                                                         tmp_path: Path) -> None:
    binary = tmp_path / "offsets.json"
    binary.write_bytes(b"\xd0\xff\x00binary")
    code, out, err = kcli(capsys, "connectors", "offsets", "alter", "c", "-f", str(binary))
    assert (code, out) == (2, "")
    assert err.startswith("kcli: error: config file is not UTF-8 text") and f"({binary})" in err
    assert err.count("\n") == 1
