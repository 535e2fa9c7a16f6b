"""Shared test helpers: run kcli and the Apache tools as a user would, wait for conditions."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KAFKA_DEV = ROOT / "scripts" / "kafka-dev"
_SHARED_ACCEPTANCE = ROOT.parent / "shared" / "acceptance" / "seed-tutorial"
# The acceptance files from shared/ when the checkout has it beside it (CI does), else the
# identical copies kept in examples/ (a test checks they are identical).
ACCEPTANCE = _SHARED_ACCEPTANCE if _SHARED_ACCEPTANCE.is_dir() else ROOT / "examples" / "seed-tutorial"


def run_kcli(args: Sequence[str], input: str | bytes | None = None, timeout: float = 60,
             env: dict[str, str] | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run `kcli ARGS` in a subprocess, as a shell script would."""
    full_env = {**os.environ, **(env or {})}
    text = not isinstance(input, bytes)
    proc = subprocess.run([sys.executable, "-m", "kcli", *args], input=input, capture_output=True,
                          timeout=timeout, env=full_env, text=text)
    if check and proc.returncode != 0:
        raise AssertionError(f"kcli {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


def run_kcli_closed_stdout(args: Sequence[str], env: dict[str, str] | None = None,
                           timeout: float = 60) -> tuple[int, str]:
    """Run `kcli ARGS` with its stdout reader gone before it writes (`| head` at its harshest): (exit code, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "kcli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    return proc.wait(timeout=timeout), err


def run_tool(name: str, args: Sequence[str], input: str | bytes | None = None, timeout: float = 120,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run an Apache tool from the kafka-dev jars (`scripts/kafka-dev tool NAME ARGS`)."""
    text = not isinstance(input, bytes)
    return subprocess.run([str(KAFKA_DEV), "tool", name, *args], input=input, capture_output=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, text=text)


def wait_for(condition: Callable[[], Any], timeout: float = 30, interval: float = 0.1,
             message: str = "condition") -> Any:
    """Poll until condition() is truthy; return its value or fail naming what was awaited."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:
            last_exc = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}" +
                         (f" (last error: {last_exc!r})" if last_exc else ""))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
