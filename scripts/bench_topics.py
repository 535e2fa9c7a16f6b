#!/usr/bin/env python3
"""Benchmark: `kcli topics --list` beside Apache's `kafka-topics --list` and `kcat -L` on the same broker, and
start-up (`kcli --help` beside `kafka-topics --version`).

    scripts/bench topics [--runs R] [--warmup W] [--quick] [--bootstrap HOST:PORT] [--no-kcat]

Runs alternate between the tools (scripts/benchlib.py); wall and CPU time of each process, medians.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import KCLI, Cmd, Report, alternate, apache, arguments, broker, kcat, machine, run, runs_of


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--no-kcat", action="store_true", help="skip kcat -L")
    args = parser.parse_args()
    runs, warmup = runs_of(args)
    report = Report("topics")
    with broker(args.bootstrap) as bootstrap, tempfile.TemporaryDirectory(prefix="bench-topics-") as tmpdir:
        kc = None if args.no_kcat else kcat(Path(tmpdir))
        print(f"## topics: {machine()}; broker {bootstrap}; {runs} alternating runs after {warmup} warm-up")
        if kc:
            print(f"kcat: {kc.path}, {kc.note}")
        listing = {"kcli": Cmd([*KCLI, "topics", "--list", "--bootstrap-server", bootstrap]),
                   "apache": Cmd(apache("kafka-topics", ["--list", "--bootstrap-server", bootstrap]))}
        if kc:
            listing["kcat -L"] = Cmd(kc.argv("-L", "-b", bootstrap), env=kc.env)
        start_up = {"kcli": Cmd([*KCLI, "--help"]), "apache": Cmd(apache("kafka-topics", ["--version"]))}
        for key, label, cmds in (("topics-list", "`topics --list`", listing),
                                 ("start-up", "start-up (`kcli --help` / `kafka-topics --version`)", start_up)):
            samples = alternate({name: (lambda c=cmd: run(c)) for name, cmd in cmds.items()}, runs, warmup, label)
            report.add(key, label, samples)
        print()
        report.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
