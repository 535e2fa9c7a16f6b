"""The kcli entry point: version, help, config show, errors as one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kcli import __version__
from tests.helpers import ACCEPTANCE, ROOT, run_kcli, run_kcli_closed_stdout


def test_version() -> None:
    import confluent_kafka

    proc = run_kcli(["--version"])
    assert proc.returncode == 0
    assert proc.stdout == (f"kcli {__version__} (confluent-kafka {confluent_kafka.version()}, "
                           f"librdkafka {confluent_kafka.libversion()[0]})\n")


def test_help_lists_every_group() -> None:
    proc = run_kcli(["--help"])
    assert proc.returncode == 0
    for group in ("topics", "consume", "produce", "connect", "connectors", "config"):
        assert f"  {group} " in proc.stdout


@pytest.mark.parametrize("argv", [[], ["topics"], ["topics", "list"], ["topics", "config", "get"],
                                  ["connectors"], ["connectors", "list"], ["connectors", "status"],
                                  ["connectors", "context", "list"], ["config"], ["config", "show"]])
def test_help_does_not_import_heavy_modules(argv: list[str]) -> None:
    code = ("import sys; from kcli.cli.main import main\n"
            f"try: main({argv!r} + ['--help'])\nexcept SystemExit: pass\n"
            "heavy = [m for m in ('confluent_kafka', 'fastapi', 'uvicorn', 'requests', 'rich', 'kafka', 'yaml',"
            " 'javaproperties')"
            " if m in sys.modules]\n"
            "print(','.join(heavy), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr.strip() == ""


def test_config_show_tutorial_json() -> None:
    proc = run_kcli(["config", "show", str(ACCEPTANCE / "connect-file-source.properties"), "--output", "json"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "name": "file-source-connector",
        "connector.class": "FileStreamSource",
        "tasks.max": "1",
        "file": "/tmp/my-source-file.txt",
        "topic": "simple-connect",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "key.converter.schemas.enable": "false",
        "value.converter.schemas.enable": "false",
    }


def test_config_show_masks_secrets_and_merges(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("bootstrap.servers: a:1\nssl:\n  key.password: pw\n")
    proc = run_kcli(["config", "show", str(f), "-X", "bootstrap.servers=b:2", "-o", "yaml"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "bootstrap.servers: b:2\nssl.key.password: '[hidden]'\n"
    shown = run_kcli(["config", "show", str(f), "--show-secrets"])
    assert shown.stdout == "bootstrap.servers=a:1\nssl.key.password=pw\n"


def test_config_show_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1\n")
    for target, needle in ((bad, "malformed YAML"), (tmp_path / "none.properties", "config file not found")):
        proc = run_kcli(["config", "show", str(target)])
        assert proc.returncode == 2
        assert proc.stdout == ""
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kcli: error: ") and needle in lines[0]
        assert str(target) in lines[0]
        assert "Traceback" not in proc.stderr


def test_unknown_command_is_usage_error() -> None:
    proc = run_kcli(["frobnicate"])
    assert proc.returncode == 2
    assert "No such command" in proc.stderr


def test_completions_are_fresh() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen-completions"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_completions_check_detects_staleness(tmp_path: Path) -> None:
    # The checker compares against the generated text: a changed file must be reported.
    target = ROOT / "completions" / "kcli.fish"
    original = target.read_text()
    try:
        target.write_text(original + "# edited\n")
        proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen-completions"), "--check"],
                              capture_output=True, text=True)
        assert proc.returncode == 1 and "kcli.fish" in proc.stderr
    finally:
        target.write_text(original)


def test_examples_are_the_acceptance_files() -> None:
    from tests.helpers import _SHARED_ACCEPTANCE

    if not _SHARED_ACCEPTANCE.is_dir():
        return  # a checkout without shared/ beside it: the examples are what we have
    for f in _SHARED_ACCEPTANCE.glob("*.properties"):
        assert (ROOT / "examples" / "seed-tutorial" / f.name).read_text() == f.read_text(), f.name


def _command_paths(cmd, path: tuple[str, ...] = ()):
    import click

    yield path
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            yield from _command_paths(sub, (*path, name))


@pytest.mark.parametrize("group", ["topics", "connectors", "config"])
def test_every_help_states_exit_codes(group: str) -> None:
    """CONVENTIONS.md: each command's --help says what its exit codes mean."""
    import importlib

    from click.testing import CliRunner

    from kcli.cli.main import COMMANDS, cli

    root = importlib.import_module(COMMANDS[group][0]).command
    missing = []
    for path in _command_paths(root):
        result = CliRunner().invoke(cli, [group, *path, "--help"])
        if result.exit_code != 0 or "Exit codes" not in result.output:
            missing.append(" ".join((group, *path)))
    assert not missing


@pytest.mark.parametrize(("argv", "needle"), [
    (["--bogus"], "No such option '--bogus' (see 'kcli --help')"),
    (["topics", "list", "--bogus"], "No such option '--bogus' (see 'kcli topics list --help')"),
    (["connectors", "status"], "Missing argument 'NAME' (see 'kcli connectors status --help')"),
    (["topics", "--list", "--partitions", "x"], "'x' is not a valid integer"),
    (["--log-level", "LOUD", "topics", "list"], "'LOUD' is not one of TRACE, DEBUG"),
])
def test_usage_errors_are_one_line_exit_2(argv: list[str], needle: str) -> None:
    proc = run_kcli(argv)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("kcli: error: "), proc.stderr
    assert needle in proc.stderr


def test_root_log_level_reaches_commands_that_log(tmp_path: Path) -> None:
    """`kcli --log-level` (env KCLI_LOG_LEVEL) sets the level of every command; a command's own flag wins."""
    worker = tmp_path / "worker.properties"
    worker.write_text("")  # fails at start-up, after the first INFO line
    standalone = ["connect", "standalone", str(worker)]
    default = run_kcli(standalone, env={"KCLI_LOG_LEVEL": ""})
    assert " INFO " in default.stderr and " ERROR " in default.stderr
    quiet = run_kcli(["--log-level", "ERROR", *standalone])
    assert " INFO " not in quiet.stderr and " ERROR " in quiet.stderr
    assert run_kcli(["--log-level", "OFF", *standalone]).stderr.startswith("kcli: error: ")
    own_flag = run_kcli(["--log-level", "OFF", "connect", "standalone", "--log-level", "INFO", str(worker)])
    assert " INFO " in own_flag.stderr
    env = run_kcli(standalone, env={"KCLI_LOG_LEVEL": "warn"})
    assert " INFO " not in env.stderr and " ERROR " in env.stderr


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["topics", "--help"], ["connectors", "list", "--help"],
                                  ["config", "show", str(ACCEPTANCE / "connect-standalone.properties")]])
def test_closed_stdout_ends_quietly(argv: list[str]) -> None:
    """`kcli … | head -1` with the reader gone before kcli writes: exit 0, nothing on stderr."""
    code, err = run_kcli_closed_stdout(argv)
    assert (code, err) == (0, "")
