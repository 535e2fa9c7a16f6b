"""`kcli completion bash` sourced in a real bash: commands, connector names from a running kcli standalone
worker, topic names from the broker (given by flag or by a profile)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import wait_for
from tests.integration.test_connect_standalone_support import (
    WorkerProcess,
    create_topic,
    new_port,
    write_source,
    write_worker,
)

pytestmark = [pytest.mark.broker]

BASH = shutil.which("bash")


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[Path]:
    """A directory with `kcli` (this checkout's, as the script calls it by name) and the sourced script."""
    if BASH is None:
        pytest.fail("bash is needed to test bash completion")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "kcli"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m kcli "$@"\n')
    wrapper.chmod(0o755)
    script = subprocess.run([str(wrapper), "completion", "bash"], capture_output=True, text=True, timeout=60)
    assert script.returncode == 0 and script.stderr == ""
    (tmp_path / "kcli.bash").write_text(script.stdout)
    yield tmp_path


def complete(home: Path, line: str, **env: str) -> list[str]:
    """What bash offers for `line` (the word after its last space is the one completed): COMPREPLY."""
    words = line.split(" ")
    program = (
        f"source {shlex.quote(str(home / 'kcli.bash'))}\n"
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        "_kcli_completion kcli\n"
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    full = {k: v for k, v in os.environ.items() if not k.startswith("KCLI_")}
    full.update({"PATH": f"{home / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
                 "KCLI_CONFIG_DIR": str(home / "kcli-home"), **env})
    proc = subprocess.run([str(BASH), "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                          timeout=60, env=full)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return [w for w in proc.stdout.splitlines() if w]


def test_commands_and_options(shell: Path) -> None:
    assert complete(shell, "kcli top") == ["topics"]
    assert complete(shell, "kcli prof") == ["profile"]
    assert "--from-beginning" in complete(shell, "kcli consume --from")


def test_topic_names_from_the_broker(shell: Path, bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    prefix = topic_name[:-4]
    assert complete(shell, f"kcli consume --bootstrap-server {bootstrap} --topic {prefix}") == [topic_name]
    assert complete(shell, f"kcli topics --bootstrap-server {bootstrap} describe {prefix}") == [topic_name]
    # the broker of the environment, and of the active profile, with no flag
    assert complete(shell, f"kcli topics --describe --topic {prefix}", KCLI_BOOTSTRAP_SERVER=bootstrap) == [topic_name]
    made = subprocess.run([sys.executable, "-m", "kcli", "profile", "create", "here", "--bootstrap-server",
                           bootstrap], env={**os.environ, "KCLI_CONFIG_DIR": str(shell / "kcli-home")},
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert complete(shell, f"kcli produce --topic {prefix}") == [topic_name]
    # no broker: nothing offered, nothing printed (complete() checks stderr is empty)
    assert complete(shell, f"kcli consume --bootstrap-server 127.0.0.1:1 --topic {prefix}") == []


def test_connector_names_from_a_running_worker(shell: Path, bootstrap: str, tmp_path: Path, topic_name: str) -> None:
    port = new_port()
    source = tmp_path / "source.txt"
    source.write_text("a\n")
    name = f"completion-src-{topic_name[-8:]}"
    files = [write_worker(tmp_path, bootstrap, port, tmp_path / "offsets"),
             write_source(tmp_path, source, topic_name, name=name)]
    worker = WorkerProcess.start_running(files, port, tmp_path / "worker.log", name=name, timeout=120)
    try:
        assert complete(shell, f"kcli connectors --url {worker.url} status ") == [name]
        assert complete(shell, f"kcli connectors status --url {worker.url} {name[:12]}") == [name]
        # from the active profile's Connect URL
        made = subprocess.run([sys.executable, "-m", "kcli", "profile", "create", "w", "--connect-url", worker.url],
                              env={**os.environ, "KCLI_CONFIG_DIR": str(shell / "kcli-home")},
                              capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr
        assert wait_for(lambda: complete(shell, "kcli connectors status ") == [name], timeout=60,
                        message="the connector name completed from the profile")
    finally:
        worker.stop()
    assert complete(shell, f"kcli connectors --url {worker.url} status ") == []  # worker gone: nothing
