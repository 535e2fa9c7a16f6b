"""`kcli dev` as a user runs it: kcli built as a wheel and installed in a fresh venv, run from a directory
outside the checkout, starting a real Apache Kafka broker (the jars from the user's cache) on a free port.

One broker start for the whole file (the steps run in order on it); the broker the other tests use is
never touched. The wheel's dependencies come from the running interpreter's site-packages (a path in the
fresh venv, not an install), so the test needs no package index.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port, wait_for

pytestmark = [pytest.mark.java, pytest.mark.slow]

UP_TIMEOUT = 420  # the JVM on a loaded machine; `kcli dev up` itself waits at most 180 s per process


def build_venv(tmp: Path) -> Path:
    """A fresh venv with kcli's wheel installed (no editable install, no checkout on sys.path)."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "kcli", src / "kcli", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(src), "-w", str(wheels)],
                   check=True, capture_output=True, timeout=600)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    wheel = next(wheels.glob("kcli_kafka-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True, timeout=600)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], check=True, capture_output=True, text=True).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "kcli-test-deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    return venv


def gone(pid: int) -> bool:
    """No such process (a zombie that only waits to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


class User:
    """Runs the installed `kcli` from a directory outside the checkout, with its own state and config dirs."""

    def __init__(self, venv: Path, home: Path) -> None:
        self.kcli = str(venv / "bin" / "kcli")
        self.cwd = home
        self.state = home / "state"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("KCLI_", "KAFKA_DEV_STATE", "KAFKA_DEV_PORT")) and k != "PYTHONPATH"}
        self.env["KCLI_CONFIG_DIR"] = str(home / "config")

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.kcli, *args], cwd=self.cwd, env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def dev(self, command: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`kcli dev COMMAND ARGS --state-dir <this user's>`."""
        return self.run("dev", command, *args, "--state-dir", str(self.state), timeout=timeout)


@pytest.fixture(scope="module")
def user(tmp_path_factory: pytest.TempPathFactory) -> Iterator[User]:
    tmp = tmp_path_factory.mktemp("kcli-dev")
    home = tmp / "home"
    home.mkdir()
    u = User(build_venv(tmp), home)
    yield u
    u.dev("down", timeout=300)  # whatever a failed step left running


@pytest.fixture(scope="module")
def broker(user: User) -> Iterator[tuple[str, int]]:
    port = free_port()
    while port > 65000:
        port = free_port()
    proc = user.dev("up", "--port", str(port), timeout=UP_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert f"kcli dev: Apache Kafka 4.3.1 up on 127.0.0.1:{port} in " in proc.stderr
    assert "fresh storage" in proc.stderr
    pid = int((user.state / "broker.pid").read_text())
    yield f"127.0.0.1:{port}", pid


def test_the_installed_kcli_is_the_wheel(user: User) -> None:
    proc = subprocess.run([str(Path(user.kcli).parent / "python"), "-c", "import kcli, sys; print(kcli.__file__)"],
                          cwd=user.cwd, env=user.env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert not proc.stdout.startswith(str(ROOT)) and "site-packages" in proc.stdout


def test_up_starts_a_real_broker_kcli_talks_to(user: User, broker: tuple[str, int]) -> None:
    bootstrap, pid = broker
    create = user.run("topics", "--create", "--topic", "dev-smoke", "--bootstrap-server", bootstrap)
    assert (create.returncode, create.stdout) == (0, "Created topic dev-smoke.\n"), create.stderr
    listed = user.run("topics", "--list", "--bootstrap-server", bootstrap)
    assert listed.returncode == 0, listed.stderr
    assert "dev-smoke" in listed.stdout.splitlines()
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert b"kafka.Kafka" in cmdline and str(user.state / "server.properties").encode() in cmdline


def test_apache_tools_from_the_same_jars(user: User, broker: tuple[str, int]) -> None:
    bootstrap, _ = broker
    proc = user.run("dev", "tool", "kafka-topics", "--bootstrap-server", bootstrap, "--describe", "--topic",
                    "dev-smoke")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Topic: dev-smoke\tTopicId: ")


def test_status_env_and_a_second_up(user: User, broker: tuple[str, int]) -> None:
    bootstrap, pid = broker
    status = user.dev("status")
    assert (status.returncode, status.stdout) == (0, f"running pid={pid} bootstrap={bootstrap}\n")
    again = user.dev("up", "--port", bootstrap.rsplit(":", 1)[1])
    assert again.returncode == 0, again.stderr
    assert f"kcli dev: broker already running on {bootstrap} (pid {pid})" in again.stderr
    assert int((user.state / "broker.pid").read_text()) == pid
    other = user.dev("up", "--port", "1")
    assert other.returncode == 1 and other.stderr.startswith("kcli: error: the dev broker already runs on ")
    env = user.dev("env")
    assert env.returncode == 0, env.stderr
    assert f"export KCLI_BOOTSTRAP_SERVER={bootstrap}\n" in env.stdout
    # What the exports (or, where kcli has profiles, the `dev` profile `up` wrote) point kcli at.
    with_env = subprocess.run([user.kcli, "topics", "--list"], cwd=user.cwd, capture_output=True, text=True,
                              env={**user.env, "KCLI_BOOTSTRAP_SERVER": bootstrap}, timeout=120)
    assert "dev-smoke" in with_env.stdout.splitlines(), with_env.stderr
    if importlib.util.find_spec("kcli.profiles") is not None:
        profiled = user.run("--profile", "dev", "topics", "--list")
        assert "dev-smoke" in profiled.stdout.splitlines(), profiled.stderr


def test_connect_worker_beside_it(user: User, broker: tuple[str, int]) -> None:
    bootstrap, pid = broker
    port = free_port()
    proc = user.dev("up", "--connect", "--connect-port", str(port), timeout=UP_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert f"Connect worker (kcli connect distributed) up on http://127.0.0.1:{port}" in proc.stderr
    worker = int((user.state / "connect.pid").read_text())
    listed = user.run("connectors", "--url", f"http://127.0.0.1:{port}", "list")
    assert listed.returncode == 0, listed.stderr
    status = user.dev("status")
    assert (status.returncode, status.stdout) == (
        0, f"running pid={pid} bootstrap={bootstrap}\nconnect running pid={worker} url=http://127.0.0.1:{port}\n")
    assert f"export KCLI_CONNECT_URL=http://127.0.0.1:{port}\n" in user.dev("env").stdout
    assert f"bootstrap.servers={bootstrap}\n" in (user.state / "connect-distributed.properties").read_text()


def test_down_leaves_no_process(user: User, broker: tuple[str, int]) -> None:
    _, pid = broker
    worker = int((user.state / "connect.pid").read_text()) if (user.state / "connect.pid").exists() else None
    proc = user.dev("down", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"kcli dev: stopped the broker (pid {pid})" in proc.stderr
    wait_for(lambda: gone(pid), timeout=60, message=f"broker pid {pid} to disappear")
    if worker is not None:
        wait_for(lambda: gone(worker), timeout=60, message=f"worker pid {worker} to disappear")
    assert not (user.state / "broker.pid").exists()
    status = user.dev("status")
    assert (status.returncode, status.stdout) == (1, "stopped\n")
    again = user.dev("down")
    assert again.returncode == 0 and "nothing to stop" in again.stderr
    assert (user.state / "data" / "meta.properties").is_file()  # the data stays for the next `up`
