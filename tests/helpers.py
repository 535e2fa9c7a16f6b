"""Shared test helpers: run kcli and the Apache tools as a user would, wait for conditions."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

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


@functools.cache
def _tool_argv(name: str) -> tuple[str, ...]:
    """The java command line `scripts/kafka-dev tool NAME` execs (kcli.dev.java.tool_argv), without its arguments."""
    from kcli.dev.java import find_java, resolve_jars, tool_argv, tool_main

    return tuple(tool_argv(find_java(), resolve_jars(), tool_main(name), []))


class _ClassArchives:
    """A class-data-sharing archive per Apache tool, written by the first run of that tool (whatever its exit code:
    the classes it did not load still load from the jars) and used by its later runs: JVM start-up (most of a
    short tool's run) drops from ~1 s to ~0.4 s. The archives live in a folder of this test process only (made
    from these very jars and this java); the JVM's own CDS notices are off, so they never reach a tool's stdout.
    KCLI_TEST_CDS=0 turns them off."""

    QUIET = "-Xlog:cds*=off"

    def __init__(self) -> None:
        self.enabled = os.environ.get("KCLI_TEST_CDS", "1") != "0"
        self._dir: Path | None = None
        self._lock = threading.Lock()
        self._dumping: set[str] = set()

    def folder(self) -> Path:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="kcli-tests-cds-"))
            atexit.register(shutil.rmtree, self._dir, True)
        return self._dir

    def ready(self, name: str) -> Path | None:
        path = self.folder() / f"{name}.jsa"
        return path if self.enabled and path.is_file() else None

    def command(self, name: str) -> list[str]:
        """The command line of a tool run (using the archive when there is one)."""
        java, *rest = _tool_argv(name)
        archive = self.ready(name)
        return [java, self.QUIET, f"-XX:SharedArchiveFile={archive}", *rest] if archive else [java, *rest]

    @contextmanager
    def run(self, name: str) -> Iterator[tuple[list[str], Callable[[], None]]]:
        """(command line, done): the command dumps the archive when none is there nor being written; done() keeps
        what it wrote, once the run is over (a run killed on its timeout writes nothing)."""
        with self._lock:
            dump = self.enabled and self.ready(name) is None and name not in self._dumping
            if dump:
                self._dumping.add(name)
        if not dump:
            yield self.command(name), lambda: None
            return
        java, *rest = _tool_argv(name)
        part = self.folder() / f"{name}.jsa.part"
        part.unlink(missing_ok=True)

        def done() -> None:
            if part.is_file():
                part.rename(self.folder() / f"{name}.jsa")

        try:
            yield [java, self.QUIET, f"-XX:ArchiveClassesAtExit={part}", *rest], done
        finally:
            with self._lock:
                self._dumping.discard(name)


CLASS_ARCHIVES = _ClassArchives()


def tool_command(name: str) -> list[str]:
    """The java command line of an Apache tool (what `scripts/kafka-dev tool NAME` runs, less its Python start-up);
    append the tool's arguments."""
    return CLASS_ARCHIVES.command(name)


def run_tool(name: str, args: Sequence[str], input: str | bytes | None = None, timeout: float = 120,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run an Apache tool from the kafka-dev jars: the java command `scripts/kafka-dev tool NAME ARGS` execs."""
    text = not isinstance(input, bytes)
    with CLASS_ARCHIVES.run(name) as (command, done):
        proc = subprocess.run([*command, *args], input=input, capture_output=True, timeout=timeout,
                              env={**os.environ, **(env or {})}, text=text)
        done()
    return proc


def concurrently(*calls: Callable[[], T], limit: int = 4) -> list[T]:
    """Run the calls (subprocess runs, mostly) at the same time, at most `limit` at once; their results in order.
    Two tools given the same input at the same moment: the pair costs the slower one's time, not the sum (a
    short JVM run waits on the broker for much of its time, so even on two cores four at once pay off)."""
    with ThreadPoolExecutor(min(limit, len(calls))) as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.result() for f in futures]


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
