"""`kcli connectors create|update|apply|validate -f -` read the config from stdin (as kcctl does); worker errors
and Kafka errors reach the user as one line of words, never a repr."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, KafkaException

from kcli.cli.main import main
from kcli.connectors import logic
from kcli.connectors.client import RestError
from kcli.console.produce_loop import Sender
from kcli.errors import ConfigError, kafka_reason, one_line
from tests.unit.test_rest_client import FakeWorker

APACHE_INVALID = ("Connector configuration is invalid and contains the following 2 error(s):\n"
                  "Missing required configuration \"topic\" which has no default value.\n"
                  "Missing required configuration \"file\" which has no default value.\n"
                  "You can also find the above list of errors at the endpoint "
                  "`/connector-plugins/{connectorType}/config/validate`")
CREATED = {"name": "c", "config": {}, "tasks": [], "type": "source"}


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("KCLI_CONNECT_URL", "KCLI_CONTEXT", "KCLI_CONNECT_USER", "KCLI_CONNECT_PASSWORD", "KCLI_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KCLI_CONFIG_DIR", str(tmp_path / "cfg"))


def kcli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
         stdin: str | bytes | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


# -- the format of stdin -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    '{"name": "c", "config": {"connector.class": "FileStreamSource", "tasks.max": 1}}',
    '  \n{"name": "c", "connector.class": "FileStreamSource", "tasks.max": "1"}',
    "name: c\nconnector.class: FileStreamSource\ntasks.max: 1\n",
    "name: c\nconnector:\n  class: FileStreamSource\ntasks.max: 1\n",
    "name=c\nconnector.class=FileStreamSource\ntasks.max=1\n",
    "# a comment\n! another\nname = c\nconnector.class : FileStreamSource\ntasks.max 1\n",
    "\ufeffname=c\nconnector.class=FileStreamSource\ntasks.max=1\n",
])
def test_stdin_formats(text: str) -> None:
    assert logic.parse_config_text(text.removeprefix("\ufeff")) == (
        {"name": "c", "connector.class": "FileStreamSource", "tasks.max": "1"}, None)


def test_properties_that_yaml_cannot_read() -> None:
    """`k=v` lines with ': ' in a value are not YAML: they are read as .properties."""
    text = "name=c\ntransforms.r.regex=a: b\nfile=/tmp/x\n"
    assert logic.parse_config_text(text) == ({"name": "c", "transforms.r.regex": "a: b", "file": "/tmp/x"}, None)


def test_the_request_form_carries_its_initial_state() -> None:
    """The POST /connectors body, as `connect standalone` reads a .json file: name, config, initial_state."""
    text = '{"name": "c", "config": {"connector.class": "FileStreamSource"}, "initial_state": "PAUSED"}'
    assert logic.parse_config_text(text) == ({"connector.class": "FileStreamSource", "name": "c"}, "PAUSED")


@pytest.mark.parametrize("text,message", [
    ('{"name": ', "malformed JSON: Expecting value (stdin:1:10)"),
    ('["a"]', "JSON config must be a mapping at the top level, found list (stdin)"),
    ("   \n", "no connector config given (stdin is empty)"),
    ('{"name": "c", "config": {}, "tasks": []}', "unexpected top-level key 'tasks' beside 'config' (stdin)"),
    ('{"name": "c", "config": {"name": "d"}}', "the connector name in 'config' (d) doesn't match 'name' (c) (stdin)"),
])
def test_stdin_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        logic.parse_config_text(text)
    assert exc.value.message == message


# -- the commands --------------------------------------------------------------------------------------

def test_create_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                           fake: FakeWorker) -> None:
    fake.routes[("POST", "/connectors")] = (201, CREATED)
    code, out, err = kcli(capsys, monkeypatch, "connectors", "create", "-f", "-",
                          stdin="name: c\nconnector.class: FileStreamSource\ntopic: t\n")
    assert (code, out, err) == (0, "", "kcli: created connector c (source, 0 task(s))\n")
    assert fake.requests[-1]["body"] == {"name": "c", "config": {"name": "c", "connector.class": "FileStreamSource",
                                                                  "topic": "t"}}
    # NAME and -c as with a file
    code, _, _ = kcli(capsys, monkeypatch, "connectors", "create", "c", "-f", "-", "-c", "tasks.max=2",
                      stdin='{"connector.class": "FileStreamSource"}')
    assert code == 0 and fake.requests[-1]["body"]["config"] == {"connector.class": "FileStreamSource",
                                                                 "tasks.max": "2", "name": "c"}


def test_create_sends_the_files_initial_state(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                             fake: FakeWorker, tmp_path: Path) -> None:
    """A .json file in the request form is read as `connect standalone` reads it: its initial_state is sent,
    unless --initial-state says otherwise."""
    fake.routes[("POST", "/connectors")] = (201, CREATED)
    path = tmp_path / "c.json"
    path.write_text('{"name": "c", "config": {"connector.class": "FileStreamSource"}, "initial_state": "STOPPED"}')
    code, _, _ = kcli(capsys, monkeypatch, "connectors", "create", "-f", str(path))
    assert code == 0 and fake.requests[-1]["body"] == {
        "name": "c", "config": {"connector.class": "FileStreamSource", "name": "c"}, "initial_state": "STOPPED"}
    code, _, _ = kcli(capsys, monkeypatch, "connectors", "create", "-f", str(path), "--initial-state", "paused")
    assert code == 0 and fake.requests[-1]["body"]["initial_state"] == "PAUSED"


def test_create_from_stdin_errors(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                  fake: FakeWorker) -> None:
    code, out, err = kcli(capsys, monkeypatch, "connectors", "create", "-f", "-", stdin='{"name": ')
    assert (code, out, err) == (2, "", "kcli: error: malformed JSON: Expecting value (stdin:1:10)\n")
    code, _, err = kcli(capsys, monkeypatch, "connectors", "create", "-f", "-", stdin="connector.class=X\n")
    assert (code, err) == (2, "kcli: error: missing required key 'name' (stdin)\n")
    code, _, err = kcli(capsys, monkeypatch, "connectors", "create", "-f", "-", stdin=b"name=\xff\n")
    assert code == 2 and err.startswith("kcli: error: standard input is not UTF-8 text") and err.count("\n") == 1
    assert not fake.requests


def test_create_rejected_by_the_worker_is_one_line(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch, fake: FakeWorker) -> None:
    """Apache's 400 for an invalid config spans four lines; kcli prints it on one."""
    fake.routes[("POST", "/connectors")] = (400, {"error_code": 400, "message": APACHE_INVALID})
    code, out, err = kcli(capsys, monkeypatch, "connectors", "create", "-f", "-",
                          stdin="name=c\nconnector.class=FileStreamSource\n")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err == ("kcli: error: HTTP 400: Connector configuration is invalid and contains the following 2 "
                   "error(s): Missing required configuration \"topic\" which has no default value. Missing "
                   "required configuration \"file\" which has no default value. You can also find the above "
                   "list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate` "
                   f"(POST {fake.url}/connectors)\n")


def test_update_validate_apply_offsets_from_stdin(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch, fake: FakeWorker) -> None:
    fake.routes[("PUT", "/connectors/c/config")] = (200, CREATED)
    code, _, err = kcli(capsys, monkeypatch, "connectors", "update", "c", "-f", "-",
                        stdin="connector.class=FileStreamSource\ntopic=t\n")
    assert (code, err) == (0, "kcli: updated connector c\n")
    assert fake.requests[-1]["body"] == {"connector.class": "FileStreamSource", "topic": "t", "name": "c"}

    fake.routes[("PUT", "/connector-plugins/FileStreamSource/config/validate")] = (
        200, {"name": "FileStreamSource", "error_count": 0, "groups": [], "configs": []})
    code, _, err = kcli(capsys, monkeypatch, "connectors", "validate", "FileStreamSource", "-f", "-",
                        stdin='{"topic": "t"}')
    assert (code, err) == (0, "kcli: the config is valid for FileStreamSource\n")
    assert fake.requests[-1]["body"] == {"topic": "t", "connector.class": "FileStreamSource"}

    code, out, _ = kcli(capsys, monkeypatch, "connectors", "apply", "--dry-run", "-f", "-",
                        stdin="name: n\nconnector.class: FileStreamSource\n")
    assert code == 0 and out.splitlines()[0] == "+ n (create, stdin)"
    code, _, err = kcli(capsys, monkeypatch, "connectors", "apply", "-f", "-", "-f", "-", stdin="name=n\n")
    assert (code, err) == (2, "kcli: error: -f - (standard input) can be given only once\n")

    fake.routes[("PATCH", "/connectors/c/offsets")] = (200, {"message": "altered"})
    code, _, err = kcli(capsys, monkeypatch, "connectors", "offsets", "alter", "c", "-f", "-",
                        stdin='{"offsets": []}')
    assert (code, err) == (0, "kcli: altered\n")


def test_config_file_not_found_still_names_the_file(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, _, err = kcli(capsys, monkeypatch, "connectors", "create", "-f", str(tmp_path / "nope.json"))
    assert (code, err) == (2, f"kcli: error: config file not found ({tmp_path / 'nope.json'})\n")


# -- one line, words not reprs -----------------------------------------------------------------------------

def test_rest_error_reason_is_one_line() -> None:
    exc = RestError(400, 400, APACHE_INVALID, "POST", "http://w:8083/connectors")
    assert "\n" not in exc.message and exc.server_message == APACHE_INVALID
    assert exc.reason.startswith("HTTP 400: Connector configuration is invalid and contains the following 2 "
                                 "error(s): Missing required")


def test_one_line() -> None:
    assert one_line("a:\nb\n\n  c\n") == "a: b; c"
    assert one_line("single") == "single"


def test_kafka_reason_is_the_words() -> None:
    err = KafkaError(KafkaError._TRANSPORT, "Broker transport failure")
    assert kafka_reason(KafkaException(err)) == "Broker transport failure"
    assert kafka_reason(err) == "Broker transport failure"
    assert kafka_reason(ValueError("plain")) == "plain"
    assert "KafkaError{" not in kafka_reason(KafkaException(KafkaError(KafkaError._ALL_BROKERS_DOWN)))


class _Refusing:
    def produce(self, *args: object, **kwargs: object) -> None:
        raise KafkaException(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE, "Broker: Message size too large"))

    def poll(self, timeout: float) -> int:
        return 0


def test_failed_delivery_without_partition_names_no_partition() -> None:
    reports: list[str] = []
    sender = Sender(_Refusing(), "t", None, False, reports.append)
    sender.send_values([b"a"])
    sender._failed("t", -1, b"b", "Local: Message timed out")
    assert reports == ["delivery failed to t: Broker: Message size too large (value 'a')",
                       "delivery failed to t: Local: Message timed out (value 'b')"]
