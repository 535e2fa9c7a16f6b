"""The processes `kcli dev up` starts: started detached, found again by PID file, stopped by PID only."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from kcli.dev.paths import read_int, write_text_atomic
from kcli.errors import KcliError


def _proc_state(pid: int) -> str | None:
    """The state letter of /proc/PID/stat ('Z' for a zombie); None where /proc is not there."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rsplit(")", 1)[-1].split()[0] if ")" in text else None


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _proc_state(pid) != "Z"


def command_line(pid: int) -> str | None:
    """The command line of a process, or None when it cannot be read."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return raw.replace(b"\0", b" ").decode("utf-8", "replace")
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:  # no /proc (macOS)
        out = subprocess.run(["ps", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def owned_pid(pid_file: Path, marker: str) -> int | None:
    """The PID in pid_file when that process is alive and is ours (its command line names marker, a file of the
    state dir), so a PID the system gave to another program since is never signalled."""
    pid = read_int(pid_file)
    if pid is None or not alive(pid):
        return None
    line = command_line(pid)
    return pid if line is None or marker in line else None


def spawn(argv: Sequence[str], log: Path, pid_file: Path, env: Mapping[str, str] | None = None) -> int:
    """Start argv detached (own session, stdin closed, output to log) and record its PID."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, close_fds=True, env=dict(env) if env else None)
    write_text_atomic(pid_file, f"{proc.pid}\n")
    return proc.pid


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        with contextlib.suppress(ChildProcessError):  # our own child (a start that failed): reap it
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    return not alive(pid)


def stop(pid: int, grace: float) -> None:
    """SIGTERM, and SIGKILL when the process is still there after grace seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if wait_gone(pid, grace):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    wait_gone(pid, 30)


def await_ready(pid: int, pid_file: Path, ready: Callable[[], bool], timeout: float, grace: float,
                exited: Callable[[], str], silent: str) -> None:
    """Until `ready()`; a process that exits first (message `exited()`) or is not ready within `timeout`
    (message `silent`, after it is stopped) loses its PID file and is reported as a KcliError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            pid_file.unlink(missing_ok=True)
            raise KcliError(exited())
        if ready():
            return
        time.sleep(0.25)
    stop(pid, grace)
    pid_file.unlink(missing_ok=True)
    raise KcliError(silent)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """Something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on path (two `kcli dev up` at once take turns)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
