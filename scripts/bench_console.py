#!/usr/bin/env python3
"""Console producer/consumer benchmark: kcli beside kcat and the Apache console tools, same broker, same data.

    scripts/bench console [--records N] [--runs R] [--warmup W] [--quick] [--bootstrap HOST:PORT]
                          [--no-apache] [--no-kcat]

Datasets: N records of 100 bytes and N/5 records of 1 KiB (default N = 1,000,000; --quick: 200,000). Measures,
each run alternating between the tools (scripts/benchlib.py):

* produce: the dataset from stdin into a fresh one-partition topic (`kcli produce`, `kcat -P`,
  `kafka-console-producer`);
* consume to the end: one topic holding the dataset, from the beginning until the end (`kcli consume -e`,
  `kcat -C -e`);
* consume N: the same topic, stopping after N records (`kcli consume --max-messages N`, `kcat -C -c N`,
  `kafka-console-consumer --max-messages N`).

Output goes to /dev/null. kcat is Debian's (`apt-get install -y kcat`) run against the librdkafka that
confluent-kafka's wheel ships; without kcat on PATH only kcli and Apache are compared.
"""

from __future__ import annotations

import random
import string
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    KCLI,
    QUICK_RECORDS,
    Cmd,
    Kcat,
    Report,
    Sample,
    alternate,
    apache,
    arguments,
    broker,
    create_topic,
    delete_topics,
    kcat,
    machine,
    run,
    runs_of,
)


def make_data(path: Path, count: int, size: int) -> None:
    """count lines of size bytes each (size-1 printable characters and a newline)."""
    rng = random.Random(42)
    alphabet = (string.ascii_letters + string.digits).encode()
    pool = bytes(rng.choice(alphabet) for _ in range(size * 64 + 1024))
    with path.open("wb") as fh:
        for i in range(count):
            start = (i * 7919) % (len(pool) - size)
            fh.write(pool[start:start + size - 1] + b"\n")


class Console:
    """The measures of one dataset, every tool run through benchlib."""

    def __init__(self, bootstrap: str, kc: Kcat | None, use_apache: bool, runs: int, warmup: int) -> None:
        self.bootstrap, self.kc, self.use_apache, self.runs, self.warmup = bootstrap, kc, use_apache, runs, warmup
        self.created: list[str] = []

    def _topic(self, tag: str) -> str:
        topic = f"bench-console-{tag}-{uuid.uuid4().hex[:8]}"
        create_topic(self.bootstrap, topic)
        self.created.append(topic)
        return topic

    def _kcat(self, *args: str, stdin: Path | None = None) -> Cmd:
        assert self.kc is not None
        return Cmd(self.kc.argv(*args, "-b", self.bootstrap), stdin=stdin, env=self.kc.env)

    def produce_cmds(self, data: Path) -> dict[str, Callable[[str], Cmd]]:
        b = self.bootstrap
        out: dict[str, Callable[[str], Cmd]] = {
            "kcli": lambda t: Cmd([*KCLI, "produce", "--bootstrap-server", b, "--topic", t], stdin=data)}
        if self.kc:
            out["kcat"] = lambda t: self._kcat("-P", "-q", "-t", t, stdin=data)
        if self.use_apache:
            out["apache"] = lambda t: Cmd(apache("kafka-console-producer", ["--bootstrap-server", b, "--topic", t]),
                                          stdin=data)
        return out

    def produce(self, report: Report, data: Path, count: int, size: int, label: str) -> str:
        """Each run into a fresh topic (deleted after the run); returns a topic holding the dataset."""
        def side(make: Callable[[str], Cmd]) -> Callable[[], Sample]:
            def measure() -> Sample:
                topic = self._topic(f"p{size}")
                sample = run(make(topic))
                delete_topics(self.bootstrap, [topic])
                self.created.remove(topic)
                return sample
            return measure

        cmds = self.produce_cmds(data)
        samples = alternate({name: side(make) for name, make in cmds.items()}, self.runs, self.warmup,
                            f"produce {label}")
        report.add(f"produce-{size}", f"produce {label}", samples, count)
        source = self._topic(f"c{size}")
        run(cmds["kcli"](source))  # the topic the consume measures read, filled outside the timed runs
        return source

    def consume(self, report: Report, topic: str, count: int, size: int, label: str) -> None:
        b = self.bootstrap
        base = [*KCLI, "consume", "--bootstrap-server", b, "--topic", topic, "--from-beginning"]
        to_end: dict[str, Cmd] = {"kcli": Cmd([*base, "-e"])}
        first_n: dict[str, Cmd] = {"kcli": Cmd([*base, "--max-messages", str(count)])}
        if self.kc:
            to_end["kcat"] = self._kcat("-C", "-q", "-t", topic, "-o", "beginning", "-e")
            first_n["kcat"] = self._kcat("-C", "-q", "-t", topic, "-o", "beginning", "-c", str(count))
        if self.use_apache:
            first_n["apache"] = Cmd(apache("kafka-console-consumer", ["--bootstrap-server", b, "--topic", topic,
                                                                      "--from-beginning", "--max-messages",
                                                                      str(count)]))
        for key, title, cmds in (("consume-end", "consume to the end (-e)", to_end),
                                 ("consume-n", "consume N (--max-messages / -c)", first_n)):
            samples = alternate({name: (lambda c=cmd: run(c)) for name, cmd in cmds.items()}, self.runs,
                                self.warmup, f"{title} {label}")
            report.add(f"{key}-{size}", f"{title} {label}", samples, count)


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--records", type=int, default=None, help="100-byte records (1 KiB: a fifth; default "
                        f"1,000,000, --quick: {QUICK_RECORDS:,})")
    parser.add_argument("--no-apache", action="store_true", help="skip the Apache console tools")
    parser.add_argument("--no-kcat", action="store_true", help="skip kcat")
    args = parser.parse_args()
    runs, warmup = runs_of(args)
    records = args.records or (QUICK_RECORDS if args.quick else 1_000_000)
    report = Report("console")
    with broker(args.bootstrap) as bootstrap, tempfile.TemporaryDirectory(prefix="bench-console-") as tmpdir:
        tmp = Path(tmpdir)
        kc = None if args.no_kcat else kcat(tmp)
        print(f"## console: {machine()}; broker {bootstrap}; {runs} alternating runs after {warmup} warm-up")
        if args.no_kcat:
            print("kcat: skipped (--no-kcat)")
        elif kc is None:
            print("kcat: NOT FOUND on PATH (apt-get install -y kcat); comparing kcli with Apache only")
        else:
            print(f"kcat: {kc.path}, {kc.note}")
        bench = Console(bootstrap, kc, not args.no_apache, runs, warmup)
        try:
            for count, size in ((records, 100), (max(1, records // 5), 1024)):
                data = tmp / f"data-{size}.txt"
                make_data(data, count, size)
                label = f"{count:,} x {size} B"
                source = bench.produce(report, data, count, size, label)
                bench.consume(report, source, count, size, label)
        finally:
            delete_topics(bootstrap, bench.created)
        print()
        report.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
