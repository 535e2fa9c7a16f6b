"""Benchmark: `kcli topics --list` beside Apache's `kafka-topics --list` on the same broker.

Median of 5 wall-clock runs each, plus start-up (`kcli --help` vs `kafka-topics --version`),
printed as a markdown table. Broker: KCLI_TEST_BOOTSTRAP, else 127.0.0.1:9092 when it answers,
else one started (and stopped) with scripts/kafka-dev.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KAFKA_DEV = ROOT / "scripts" / "kafka-dev"
KCLI = [str(ROOT / ".venv" / "bin" / "kcli")]
RUNS = 5


def _answers(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=2):
            return True
    except (OSError, ValueError):
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def broker() -> Iterator[str]:
    """An answering bootstrap address; a kafka-dev broker of our own when none is given or running."""
    given = os.environ.get("KCLI_TEST_BOOTSTRAP")
    if given:
        yield given
        return
    if _answers("127.0.0.1:9092"):
        yield "127.0.0.1:9092"
        return
    with tempfile.TemporaryDirectory(prefix="kcli-bench-") as state:
        env = {**os.environ, "KAFKA_DEV_STATE": state}
        port = _free_port()
        subprocess.run([str(KAFKA_DEV), "start", "--port", str(port)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        try:
            yield f"127.0.0.1:{port}"
        finally:
            subprocess.run([str(KAFKA_DEV), "stop"], env=env, stdout=subprocess.DEVNULL, check=False)


def median_seconds(cmd: Sequence[str], runs: int = RUNS) -> float:
    """Median wall time of `runs` runs; a failing run aborts the benchmark."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"bench_topics: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr[-500:]}")
    return statistics.median(times)


def main() -> int:
    with broker() as bootstrap:
        rows = [
            ("`topics --list`", [*KCLI, "topics", "--list", "--bootstrap-server", bootstrap],
             [str(KAFKA_DEV), "tool", "kafka-topics", "--list", "--bootstrap-server", bootstrap]),
            ("start-up (`kcli --help` / `kafka-topics --version`)", [*KCLI, "--help"],
             [str(KAFKA_DEV), "tool", "kafka-topics", "--version"]),
        ]
        print(f"Broker {bootstrap}; median of {RUNS} runs, wall time.\n")
        print("| command | kcli (s) | Apache kafka-topics (s) | Apache / kcli |")
        print("| --- | ---: | ---: | ---: |")
        for label, ours, theirs in rows:
            k, a = median_seconds(ours), median_seconds(theirs)
            print(f"| {label} | {k:.3f} | {a:.3f} | {a / k:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
