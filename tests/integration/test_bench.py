"""`scripts/bench --quick` against the test broker: the benchmark scripts keep working (the full run is not a test).

`scripts/bench all --quick` takes minutes on 2 cores (the Connect sections start Apache's and kcli's workers, the
distributed one three of each), so the test runs the console and topics sections, the ones that drive kcli, kcat
and Apache's tools through the shared measuring module; the other sections use the same module.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.helpers import ROOT, run_kcli, wait_for

pytestmark = pytest.mark.broker

HEADER = ("| measure | tool | wall s: median (min–max) | CPU s: median (min–max) | peak RSS MiB | records/s "
          "| kcli ÷ tool, wall | kcli ÷ tool, CPU |")


def _bench(bootstrap: str, section: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / "scripts" / "bench"), section, "--quick"], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "KCLI_TEST_BOOTSTRAP": bootstrap}, cwd=ROOT)


def _rows(stdout: str) -> dict[tuple[str, str], list[str]]:
    """(measure, tool) -> the row's other cells, for the rows under the timing table's header."""
    lines = stdout.splitlines()
    assert HEADER in lines, stdout
    out = {}
    for line in lines[lines.index(HEADER) + 2:]:
        if not line.startswith("| "):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        out[(cells[0], cells[1])] = cells[2:]
    return out


def _bench_topics(bootstrap: str) -> set[str]:
    listed = run_kcli(["topics", "--list", "--bootstrap-server", bootstrap], check=True).stdout.split()
    return {t for t in listed if t.startswith("bench-console-")}


def test_console_and_topics_quick(bootstrap: str, kafka_libs: str) -> None:
    before = _bench_topics(bootstrap)
    kcat = shutil.which("kcat") is not None

    console = _bench(bootstrap, "console")
    assert console.returncode == 0, console.stderr[-3000:]
    assert console.stdout.startswith("## console: "), console.stdout
    assert "load average" in console.stdout.splitlines()[0]
    rows = _rows(console.stdout)
    tools = ["kcli", "apache"] + (["kcat"] if kcat else [])
    for data in ("200,000 x 100 B", "40,000 x 1024 B"):
        for tool in tools:
            assert (f"produce {data}", tool) in rows, rows.keys()
            assert (f"consume N (--max-messages / -c) {data}", tool) in rows, rows.keys()
        assert (f"consume to the end (-e) {data}", "kcli") in rows
        if kcat:
            assert (f"consume to the end (-e) {data}", "kcat") in rows
    for (_, tool), cells in rows.items():
        wall, cpu, rss, rate, wall_ratio, cpu_ratio = cells
        assert wall[0].isdigit() and "–" in wall and cpu[0].isdigit() and rss.isdigit()
        assert rate[0].isdigit()
        if tool == "kcli":
            assert (wall_ratio, cpu_ratio) == ("—", "—")
        else:
            assert wall_ratio.endswith("x") and cpu_ratio.endswith("x")
    # every topic the benchmark made is gone again
    wait_for(lambda: _bench_topics(bootstrap) <= before, timeout=60, message="the benchmark's topics deleted")

    topics = _bench(bootstrap, "topics")
    assert topics.returncode == 0, topics.stderr[-3000:]
    rows = _rows(topics.stdout)
    assert ("`topics --list`", "kcli") in rows and ("`topics --list`", "apache") in rows
    if kcat:
        assert ("`topics --list`", "kcat -L") in rows
    assert ("start-up (`kcli --help` / `kafka-topics --version`)", "apache") in rows
