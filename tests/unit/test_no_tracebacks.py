"""No command prints a traceback for a bad number: every numeric or duration option of every command
(walked from kcli.cli.main's click tree, the lazy groups included) is given 0, -1, 2**31, 'abc', '1.5',
a number past any int and a huge duration, and each run must end with exit 1 or 2 and one error line.

Commands that talk to Kafka point at an unreachable bootstrap (127.0.0.1:1) and Connect commands at an
unreachable worker, with timeouts of 100 ms, so the whole walk takes a few seconds in-process.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from kcli.cli.main import UNEXPECTED_HINT, cli, main
from kcli.cli.types import JavaInt
from kcli.durations import Duration

UNREACHABLE_BOOTSTRAP = "127.0.0.1:1"
UNREACHABLE_URL = "http://127.0.0.1:1"
SHORT = "100ms"

INT_VALUES = ("0", "-1", str(2**31), "abc", "1.5", "9" * 25)
DURATION_VALUES = ("0", "-1", str(2**31), "abc", "1.5", "-5s", "99999999999999h", "9" * 25 + "h")
# Options typed as plain strings that still hold a number (parsed later by the command).
NUMERIC_NAME = re.compile(r"(timeout|-ms|-bytes|-size|partitions?|offset|acks|retries|factor|messages)$")

# Numeric options the walk must find, so a change in how options are declared cannot empty the test.
MUST_FIND = {
    ("topics", "--partitions"), ("topics", "--replication-factor"), ("topics", "--timeout"),
    ("topics alter", "--partitions"), ("topics create", "--replication-factor"), ("topics config get", "--timeout"),
    ("groups", "--timeout"), ("groups describe", "--timeout"),
    ("cluster describe", "--timeout"), ("cluster config get", "--broker"), ("cluster config set", "--broker"),
    ("consume", "--partition"), ("consume", "--max-messages"), ("consume", "--timeout-ms"), ("consume", "--offset"),
    ("produce", "--max-block-ms"), ("produce", "--batch-size"), ("produce", "--partition"),
    ("produce", "--request-timeout-ms"), ("connectors", "--timeout"), ("connectors status", "--timeout"),
    ("connectors task-status", "ID"), ("connectors restart-task", "ID"), ("connectors context set", "--timeout"),
    ("profile create", "--connect-timeout"),
    ("dev up", "--port"), ("dev up", "--connect-port"), ("dev logs", "--lines"),
}


def walk(cmd: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under `cmd`; LazyGroup.get_command imports the lazily loaded ones."""
    yield path, cmd
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd, info_name=path[-1] if path else "kcli")
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            assert sub is not None, f"kcli {' '.join(path + (name,))} cannot be loaded"
            yield from walk(sub, path + (name,))


def kind(param: click.Parameter) -> str | None:
    """'int', 'duration' or 'string' (a number in a string option), or None for a non-numeric parameter."""
    if isinstance(param, click.Option) and param.is_flag:
        return None
    if isinstance(param.type, (JavaInt, click.types.IntParamType, click.types.FloatParamType)):
        return "int"
    if isinstance(param.type, Duration):
        return "duration"
    named = isinstance(param, click.Option) and (param.metavar in ("DURATION", "N", "OFFSET")
                                                 or bool(NUMERIC_NAME.search(param.opts[-1])))
    return "string" if named and param.type == click.STRING else None


def label(param: click.Parameter) -> str:
    return param.opts[-1] if isinstance(param, click.Option) else (param.metavar or param.name or "?")


def base_args(path: tuple[str, ...], name: str | None, tmp: Path) -> list[str]:
    """The smallest valid command line that reaches the option `name` (the parameter under test)."""
    head, leaf = (path[0] if path else ""), path[1:]
    if head == "topics":
        args = ["topics", *leaf, "--bootstrap-server", UNREACHABLE_BOOTSTRAP]
        if name != "timeout":
            args += ["--timeout", SHORT]
        if not leaf:  # Apache's flag form: pick an action that takes the option
            action = {"partitions": "--alter", "replication_factor": "--create",
                      "partition_size_limit_per_response": "--describe"}.get(name or "", "--list")
            args += [action] + (["--topic", "t"] if action in ("--alter", "--create") else [])
            if action == "--alter" and name != "partitions":
                args += ["--partitions", "2"]
        elif leaf in (("create",), ("describe",), ("delete",), ("alter",)):
            args += ["t"] + (["--partitions", "2"] if leaf == ("alter",) and name != "partitions" else [])
        elif leaf[:1] == ("config",):
            args += {"get": ["t"], "set": ["t", "a=b"], "delete": ["t", "a"]}[leaf[1]]
        return args
    if head == "groups":
        args = ["groups", *leaf, "--bootstrap-server", UNREACHABLE_BOOTSTRAP]
        args += ["--timeout", SHORT] if name != "timeout" else []
        if not leaf:  # Apache's flag form
            return args + ["--list"]
        return args + ({("delete-offsets",): ["g", "--topic", "t"], ("list",): []}.get(leaf, ["g"]))
    if head == "cluster":
        args = ["cluster", *leaf, "--bootstrap-server", UNREACHABLE_BOOTSTRAP]
        args += ["--timeout", SHORT] if name != "timeout" else []
        args += ["--broker", "1"] if leaf[:1] == ("config",) and name != "broker" else []
        return args + {("config", "set"): ["a=b"], ("config", "delete"): ["a"]}.get(leaf, [])
    if head == "consume":
        return ["consume", "--bootstrap-server", UNREACHABLE_BOOTSTRAP, "--topic", "t",
                "-X", "default.api.timeout.ms=100"]
    if head == "produce":
        return ["produce", "--bootstrap-server", UNREACHABLE_BOOTSTRAP, "--topic", "t"] + (
            ["--max-block-ms", SHORT] if name != "max_block_ms" else [])
    if head == "connectors":
        conn = ["--url", UNREACHABLE_URL] + (["--timeout", SHORT] if name != "timeout" else [])
        connector = tmp / "c.properties"
        connector.write_text("name=c\nconnector.class=FileStreamSource\n")
        extra = {
            ("create",): ["c", "-c", "connector.class=FileStreamSource"], ("update",): ["c", "-f", str(connector)],
            ("apply",): ["-f", str(connector)], ("validate",): ["FileStreamSource", "-c", "a=b"],
            ("patch",): ["c", "-c", "a=b"], ("offsets", "alter"): ["c", "--offsets", '{"offsets": []}'],
            ("loggers", "get"): ["root"], ("loggers", "set"): ["root", "INFO"], ("context", "set"): ["ctx"],
            ("task-status",): ["c"], ("restart-task",): ["c"], ("plugin-config",): ["FileStreamSource"],
        }
        needs_name = {"get", "config", "status", "tasks", "topics", "delete", "pause", "resume", "stop",
                      "restart", "offsets"}
        args = ["connectors"]
        if leaf and leaf[0] == "context":
            return args + list(leaf) + extra.get(leaf, [])
        args += conn if not leaf else []
        args += list(leaf) + (conn if leaf else [])
        args += extra.get(leaf, ["c"] if leaf and leaf[0] in needs_name else [])
        if not leaf:
            args.append("list")
        return args
    if head == "dev":  # an empty state dir: nothing runs there, so `logs -n 0` ends with exit 1 (no log)
        return ["dev", *leaf, "--state-dir", str(tmp / "dev-state")]
    if head == "profile":  # writes only the profiles file, in the test's KCLI_CONFIG_DIR
        return ["profile", *leaf, "p", "--update"]
    raise AssertionError(f"no base command line for kcli {' '.join(path)}")


def cases(tmp: Path) -> Iterator[tuple[tuple[str, ...], click.Parameter, str, list[str]]]:
    for path, cmd in walk(cli):
        if not path or (isinstance(cmd, click.Group) and not cmd.invoke_without_command
                        and path != ("connectors",)):
            continue  # a plain group's options are its subcommands' (checked there); `connectors` is driven too
        for param in cmd.params:
            what = kind(param)
            if what is None:
                continue
            if path == ("connectors", "loggers") and param.name != "timeout":
                continue
            for value in (DURATION_VALUES if what in ("duration", "string") else INT_VALUES):
                args = base_args(path, param.name, tmp)
                if isinstance(param, click.Argument):  # the only numeric arguments are task ids, last
                    args.append(value)
                elif path in (("connectors",), ("connectors", "loggers")):
                    args[args.index("--url"):args.index("--url")] = [param.opts[-1], value]
                else:
                    args += [param.opts[-1], value]
                yield path, param, value, args


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for var in ("KCLI_DEBUG", "KCLI_LOG_LEVEL", "KCLI_BOOTSTRAP_SERVER", "KCLI_CONNECT_URL", "KCLI_CONTEXT",
                "KCLI_CONNECT_USER", "KCLI_CONNECT_PASSWORD", "NO_COLOR", "KCLI_PROFILE", "KCLI_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KCLI_CONFIG_DIR", str(tmp_path / "cfg"))
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in handlers.items():  # consume/produce install their own
        signal.signal(sig, handler)


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str]:
    """`kcli ARGS` in-process: (exit code, stderr). An exception escaping main() is the traceback a user would see."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return int(exc.value.code or 0), capsys.readouterr().err


def converts(param: click.Parameter, value: str) -> bool:
    if not isinstance(param.type, (JavaInt, Duration, click.types.IntParamType)):
        return True  # a string option: the command decides
    try:
        param.type.convert(value, param, None)
    except click.BadParameter:
        return False
    return True


def test_walk_finds_every_numeric_option(tmp_path: Path) -> None:
    found = {(" ".join(path), label(param)) for path, param, _, _ in cases(tmp_path)}
    assert found >= MUST_FIND, sorted(MUST_FIND - found)


def test_no_traceback_for_bad_numbers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    problems = []
    count = 0
    for path, param, value, args in cases(tmp_path):
        count += 1
        code, err = run(capsys, args)
        lines = err.strip().splitlines()
        errors = [line for line in lines if line.startswith("kcli: error:")]
        local = path[:2] == ("connectors", "context") or path[:1] == ("profile",)  # contacts nothing: a value it
        # accepts may succeed
        valid = converts(param, value)
        allowed = ((0, 2) if local else (1, 2)) if valid else (2,)
        bad = [
            code not in allowed and f"exit {code}, expected {allowed}",
            "Traceback" in err and "a traceback",
            code and (not lines or not lines[-1].startswith("kcli: error:")) and "no 'kcli: error:' last line",
            len(errors) > 1 and f"{len(errors)} error lines",
            UNEXPECTED_HINT in err and "an unexpected exception",
            ("KafkaError{" in err or "partition None" in err) and "a raw librdkafka error",
        ]
        bad = [b for b in bad if b]
        if bad:
            problems.append(f"kcli {' '.join(args)}: {', '.join(bad)}: {err.strip()[-300:]!r}")
    assert count > 300
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("args,needle", [
    (["topics", "--bootstrap-server", UNREACHABLE_BOOTSTRAP, "--timeout", "2h", "--list"],
     "--timeout must be at most 1h, got '2h'"),
    (["topics", "--bootstrap-server", UNREACHABLE_BOOTSTRAP, "--create", "--topic", "t", "--partitions",
      str(2**31)], "Invalid value for '--partitions': 2147483648 is more than 2147483647"),
    (["consume", "--bootstrap-server", UNREACHABLE_BOOTSTRAP, "--topic", "t", "--partition", "-1"],
     "Invalid value for '--partition': -1 is less than 0"),
    (["consume", "--bootstrap-server", UNREACHABLE_BOOTSTRAP, "--topic", "t", "--offset", "9" * 20],
     "is out of range (0 to 9223372036854775807, a Java long)"),
    (["produce", "--bootstrap-server", UNREACHABLE_BOOTSTRAP, "--topic", "t", "--max-block-ms", "30d"],
     "--max-block-ms expects a duration"),
    (["produce", "--bootstrap-server", UNREACHABLE_BOOTSTRAP, "--topic", "t", "--max-block-ms", str(2**31)],
     "--max-block-ms must be at most 2147483647ms"),
    (["connectors", "context", "set", "c", "--timeout", "0"], "--timeout must be greater than zero"),
    (["connectors", "--url", UNREACHABLE_URL, "task-status", "c", str(2**31)], "2147483648 is more than"),
])
def test_bad_numbers_are_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    code, err = run(capsys, args)
    assert code == 2 and needle in err and err.count("\n") == 1, err


def test_create_partitions_beyond_librdkafka(capsys: pytest.CaptureFixture[str]) -> None:
    """librdkafka refuses more than 100000 partitions before sending: one line, exit 1 as any invalid count."""
    code, err = run(capsys, ["topics", "--bootstrap-server", UNREACHABLE_BOOTSTRAP, "--timeout", SHORT,
                             "--create", "--topic", "t", "--partitions", "200000"])
    assert (code, err) == (1, "kcli: error: The partitions must be at most 100000 (librdkafka's limit)\n")


def test_unexpected_exception_is_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The last net: an exception no command turned into an error is one line; --debug adds the traceback."""
    from confluent_kafka import KafkaError, KafkaException

    from kcli.topics import actions

    def boom(*_: object) -> None:
        raise KafkaException(KafkaError(KafkaError._TRANSPORT, "Broker transport failure"))

    monkeypatch.setattr(actions, "run", boom)
    code, err = run(capsys, ["topics", "--list"])
    assert code == 1 and err == ("kcli: error: unexpected KafkaException: Broker transport failure "
                                 f"{UNEXPECTED_HINT}\n")
    try:
        code, err = run(capsys, ["--debug", "topics", "--list"])
    finally:
        os.environ.pop("KCLI_DEBUG", None)  # --debug sets it for the run
    assert code == 1 and "Traceback (most recent call last)" in err and err.splitlines()[-1].startswith("kcli: error:")
