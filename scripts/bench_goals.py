#!/usr/bin/env python3
"""The goals of issue 13 against one `scripts/bench all` run: reads the DIR/<section>.json files the sections wrote
(BENCH_RESULTS=DIR) and prints each goal with the measured ratio of medians and whether it is met.

    scripts/bench_goals.py DIR
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

# (section, measure key, our side, their side, what, comparison, bound, goal's words)
# what: "wall" or "cpu"; the figure is ours / theirs, except "speed-up" (theirs / ours)
GOALS = [
    ("console", "consume-end-100", "kcli", "kcat", "cpu", "<=", 1.25, "`kcli consume -e` CPU <= 1.25x `kcat -C -e`"),
    ("console", "consume-end-100", "kcli", "kcat", "wall", "<=", 1.0, "`kcli consume -e` wall <= 1.0x `kcat -C -e`"),
    ("console", "consume-n-100", "kcli", "kcat", "cpu", "<=", 1.25,
     "`kcli consume --max-messages N` CPU <= 1.25x `kcat -C -c N`"),
    ("console", "consume-n-100", "kcli", "kcat", "wall", "<=", 1.0,
     "`kcli consume --max-messages N` wall <= 1.0x `kcat -C -c N`"),
    ("console", "produce-100", "kcli", "kcat", "cpu", "<=", 1.25, "`kcli produce` CPU <= 1.25x `kcat -P`"),
    ("console", "produce-100", "kcli", "kcat", "wall", "<=", 1.25, "`kcli produce` wall <= 1.25x `kcat -P`"),
    ("topics", "topics-list", "kcli", "apache", "speed-up", ">=", 8.0,
     "`kcli topics --list` >= 8x faster than `kafka-topics --list` (wall)"),
    ("topics", "topics-list", "kcli", "kcat -L", "wall", "<=", 2.0, "`kcli topics --list` wall <= 2x `kcat -L`"),
    ("connect", "connect-source", "kcli", "apache", "speed-up", ">=", 3.0,
     "FileStreamSource throughput >= 3x Apache's worker"),
]


def _median(section: dict[str, object], key: str, side: str, what: str) -> tuple[float, int | None] | None:
    for m in section.get("measures", []):  # type: ignore[attr-defined]
        if m["key"] == key and side in m["sides"]:
            return statistics.median(m["sides"][side]["cpu" if what == "cpu" else "wall"]), m["records"]
    return None


def main() -> int:
    folder = Path(sys.argv[1])
    sections = {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}
    print("| goal | measured (ratio of medians) | met |")
    print("| --- | ---: | --- |")
    for section, key, ours, theirs, what, op, bound, words in GOALS:
        data = sections.get(section)
        a = _median(data, key, ours, what) if data else None
        b = _median(data, key, theirs, what) if data else None
        if a is None or b is None or a[0] <= 0 or b[0] <= 0:
            print(f"| {words} | not measured | — |")
            continue
        value = b[0] / a[0] if what == "speed-up" else a[0] / b[0]
        met = value <= bound if op == "<=" else value >= bound
        records = f", {a[1]:,} records" if a[1] else ""
        verdict = "yes" if met else f"**no** (by {value / bound:.2f}x)" if op == "<=" else \
            f"**no** ({value / bound:.2f} of the goal)"
        print(f"| {words} | {value:.2f}x{records} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
