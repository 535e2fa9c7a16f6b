"""Profiles against the real broker: a profile's bootstrap is all a command needs, and flags > env > profile.

(The broker is PLAINTEXT: that a profile's SASL/SSL settings reach every client is checked in
tests/unit/test_profiles.py, on the librdkafka config each command builds.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.helpers import wait_for

pytestmark = [pytest.mark.broker]

UNREACHABLE = "127.0.0.1:1"
_INHERITED = ("KCLI_BOOTSTRAP_SERVER", "KCLI_PROFILE", "KCLI_CONFIG", "KCLI_CONNECT_URL", "KCLI_CONTEXT",
              "XDG_CONFIG_HOME")


def kcli(home: Path, *args: str, input: str | None = None, timeout: float = 120,
         **env: str) -> subprocess.CompletedProcess[str]:
    """`kcli ARGS` with the profiles file in `home` and no inherited kcli settings (plus `env`)."""
    full = {k: v for k, v in os.environ.items() if k not in _INHERITED}
    full.update({"KCLI_CONFIG_DIR": str(home), **env})
    return subprocess.run([sys.executable, "-m", "kcli", *args], input=input, capture_output=True, text=True,
                          timeout=timeout, env=full)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "kcli-home"


def test_profile_bootstrap_is_used_with_no_flag(home: Path, bootstrap: str, topic_name: str) -> None:
    made = kcli(home, "profile", "create", "local", "--bootstrap-server", bootstrap)
    assert made.returncode == 0, made.stderr
    created = kcli(home, "topics", "--create", "--topic", topic_name, "--partitions", "1")
    assert created.returncode == 0, created.stderr
    assert created.stdout == f"Created topic {topic_name}.\n"
    listed = kcli(home, "topics", "--list", "--topic", topic_name)
    assert (listed.returncode, listed.stdout) == (0, f"{topic_name}\n"), listed.stderr
    produced = kcli(home, "produce", "--topic", topic_name, input="one\ntwo\n")
    assert produced.returncode == 0, produced.stderr
    group = f"g-{uuid.uuid4().hex[:8]}"
    consumed = kcli(home, "consume", "--topic", topic_name, "--from-beginning", "--max-messages", "2",
                    "--group", group)
    assert (consumed.returncode, consumed.stdout) == (0, "one\ntwo\n"), consumed.stderr
    groups = wait_for(lambda: (p := kcli(home, "groups", "--list")).returncode == 0 and group in p.stdout.split()
                      and p, timeout=60, message=f"group {group} listed through the profile")
    assert groups.stderr == ""


def test_precedence_flag_env_profile(home: Path, bootstrap: str, topic_name: str) -> None:
    """Each level beats the next: the working bootstrap is given at one level, a dead one at the level below."""
    assert kcli(home, "profile", "create", "dead", "--bootstrap-server", UNREACHABLE).returncode == 0
    assert kcli(home, "profile", "create", "live", "--bootstrap-server", bootstrap).returncode == 0
    assert kcli(home, "--profile", "live", "topics", "--create", "--topic", topic_name).returncode == 0

    def lists(*args: str, timeout: str = "5s", **env: str) -> subprocess.CompletedProcess[str]:
        return kcli(home, "topics", "--list", "--topic", topic_name, "--timeout", timeout, *args, **env)

    # env > profile (`dead` is current: it was created first)
    ok = lists(KCLI_BOOTSTRAP_SERVER=bootstrap)
    assert (ok.returncode, ok.stdout) == (0, f"{topic_name}\n"), ok.stderr
    # flag > env
    ok = lists("--bootstrap-server", bootstrap, KCLI_BOOTSTRAP_SERVER=UNREACHABLE)
    assert (ok.returncode, ok.stdout) == (0, f"{topic_name}\n"), ok.stderr
    # env > profile, the other way round: the live profile loses to a dead environment
    bad = lists(KCLI_BOOTSTRAP_SERVER=UNREACHABLE, KCLI_PROFILE="live", timeout="1s")  # waits out its timeout
    assert bad.returncode == 1 and bad.stdout == "" and UNREACHABLE in bad.stderr
    assert bad.stderr.startswith("kcli: error: ") and bad.stderr.count("\n") == 1
    # --profile > KCLI_PROFILE > current
    ok = lists(KCLI_PROFILE="live")
    assert (ok.returncode, ok.stdout) == (0, f"{topic_name}\n"), ok.stderr
    ok = lists("--profile", "live", KCLI_PROFILE="dead")
    assert (ok.returncode, ok.stdout) == (0, f"{topic_name}\n"), ok.stderr
    bad = lists(timeout="1s")  # the current profile, `dead`
    assert bad.returncode == 1 and UNREACHABLE in bad.stderr
    # the default (localhost:9092) only when nothing else says
    assert kcli(home, "profile", "delete", "dead").returncode == 0
    assert kcli(home, "profile", "delete", "live").returncode == 0
    shown = kcli(home, "profile", "effective")
    assert (shown.returncode, shown.stdout) == (0, "bootstrap.servers=localhost:9092\n")
