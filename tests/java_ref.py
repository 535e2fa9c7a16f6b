"""Compile a small Java reference program once and run it (the reference tests' "what does Apache do" side)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

TIMEOUT = 180


@dataclass(frozen=True)
class JavaProgram:
    """A compiled class `main` in `work`, run with `classpath`."""

    work: Path
    classpath: str
    main: str

    def run(self, args: Sequence[str] = (), stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run the program; it must exit 0."""
        proc = subprocess.run(["java", "-cp", self.classpath, self.main, *args], input=stdin, capture_output=True,
                              text=True, timeout=TIMEOUT)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc

    def run_lines(self, stdin: str, count: int) -> list[str]:
        """Feed `stdin`, expect exactly `count` output lines and return them."""
        proc = self.run(stdin=stdin)
        lines = proc.stdout.splitlines()
        assert len(lines) == count, proc.stdout + proc.stderr[-3000:]
        return lines


def compile_java(tmp_path_factory: pytest.TempPathFactory, dirname: str, main: str, source: str,
                 kafka_libs: str | None = None) -> JavaProgram:
    """Write `source` as `<main>.java` into a fresh temp folder and compile it (against the Kafka jars if given)."""
    work = tmp_path_factory.mktemp(dirname)
    java_file = work / f"{main}.java"
    java_file.write_text(source)
    jars = ["-cp", f"{kafka_libs}/*"] if kafka_libs else []
    subprocess.run(["javac", "-nowarn", *jars, "-d", str(work), str(java_file)], check=True, capture_output=True,
                   timeout=TIMEOUT)
    classpath = f"{work}:{kafka_libs}/*" if kafka_libs else str(work)
    return JavaProgram(work, classpath, main)
