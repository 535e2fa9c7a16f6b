#!/usr/bin/env python3
"""Connect benchmark: FileStreamSource in kcli's standalone worker beside Apache's, one run, same file.

    scripts/bench connect [--lines N] [--runs R] [--warmup W] [--quick] [--bootstrap HOST:PORT] [--batch-size B]
                          [--no-apache]

A file of N lines of 100 bytes (default N = 1,000,000; --quick: 200,000) is moved into place while each worker
is already running (FileStreamSource waits for a missing file), with the same worker and connector files (the
tutorial's: StringConverter values, batch.size B). Apache's worker runs with the JVM flags of its own
scripts (-Xms256M -Xmx2G, G1). Runs alternate kcli / Apache, a fresh worker and topic each (scripts/benchlib.py).
Wall = time the topic's end offset reached N - timestamp of the first record; CPU = the worker's user + sys
over that time (/proc); idle RSS is read from /proc before the file appears, peak RSS once all is acked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchlib import (  # noqa: E402
    QUICK_RECORDS,
    Report,
    Sample,
    alternate,
    apache,
    arguments,
    broker,
    columns,
    delete_topics,
    free_port,
    machine,
    proc_cpu,
    rss_mib,
    runs_of,
)

from tests.helpers import ACCEPTANCE  # noqa: E402


def make_data(path: Path, count: int, size: int = 100) -> None:
    line = bytearray(b"x" * (size - 1) + b"\n")
    with path.open("wb") as fh:
        chunk = []
        for i in range(count):
            head = f"{i:010d} ".encode()
            line[: len(head)] = head
            chunk.append(bytes(line))
            if len(chunk) == 10000:
                fh.write(b"".join(chunk))
                chunk.clear()
        fh.write(b"".join(chunk))


def run_worker(kind: str, bootstrap: str, data: Path, lines: int, batch: int, tmp: Path) -> dict[str, float]:
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"bench-connect-{kind}-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        f.result(30)
    port = free_port()
    source = tmp / f"{kind}-source.txt"
    worker = tmp / f"{kind}-worker.properties"
    text = (ACCEPTANCE / "connect-standalone.properties").read_text()
    worker.write_text(text.replace("localhost:9092", bootstrap).replace("/tmp/connect.offsets",
                                                                         str(tmp / f"{kind}.offsets"))
                      + f"\nlisteners=http://localhost:{port}\n")
    conn = tmp / f"{kind}-source.properties"
    conn.write_text((ACCEPTANCE / "connect-file-source.properties").read_text()
                    .replace("/tmp/my-source-file.txt", str(source)).replace("simple-connect", topic)
                    + f"\nbatch.size={batch}\n")
    if kind == "kcli":
        cmd = [sys.executable, "-m", "kcli", "connect", "standalone", str(worker), str(conn), "--log-level", "WARN"]
    else:
        cmd = apache("connect-standalone", [str(worker), str(conn)])
    log = (tmp / f"{kind}.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        import requests

        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{kind} worker did not start:\n{(tmp / f'{kind}.log').read_text()[-3000:]}")
            try:
                body = requests.get(f"http://localhost:{port}/connectors/file-source-connector/status",
                                    timeout=2).json()
                if body["tasks"] and body["tasks"][0]["state"] == "RUNNING":
                    break
            except Exception:
                pass
            time.sleep(0.2)
        time.sleep(3)
        idle = rss_mib(proc.pid)
        cpu_before = proc_cpu(proc.pid)
        os.link(data, source)  # the file appears at once, complete
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex}"})
        tp = TopicPartition(topic, 0)
        while True:
            _, high = consumer.get_watermark_offsets(tp, timeout=10)
            if high >= lines:
                done = time.time()
                cpu = proc_cpu(proc.pid) - cpu_before
                break
            if proc.poll() is not None:
                raise SystemExit(f"{kind} worker died:\n{(tmp / f'{kind}.log').read_text()[-3000:]}")
            time.sleep(0.05)
        busy = rss_mib(proc.pid)
        consumer.assign([TopicPartition(topic, 0, 0)])
        first = None
        while first is None:
            msg = consumer.poll(10)
            if msg is not None and msg.error() is None:
                first = msg.timestamp()[1] / 1000.0
        consumer.close()
        seconds = done - first
        return {"seconds": seconds, "cpu": cpu, "idle_rss": idle, "busy_rss": busy}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(60)
        log.close()
        delete_topics(bootstrap, [topic])


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--lines", type=int, default=None, help=f"default 1,000,000, --quick: {QUICK_RECORDS:,}")
    parser.add_argument("--batch-size", type=int, default=10000)
    parser.add_argument("--no-apache", action="store_true")
    args = parser.parse_args()
    runs, warmup = runs_of(args)
    lines = args.lines or (QUICK_RECORDS if args.quick else 1_000_000)
    report = Report("connect")
    with broker(args.bootstrap) as bootstrap, tempfile.TemporaryDirectory(prefix="bench-connect-") as tmpdir:
        tmp = Path(tmpdir)
        data = tmp / "data.txt"
        make_data(data, lines)
        print(f"## connect: {machine()}; broker {bootstrap}; {runs} alternating runs after {warmup} warm-up")
        print(f"FileStreamSource: {lines:,} lines of 100 bytes, batch.size={args.batch_size}, StringConverter")
        kinds = ["kcli"] if args.no_apache else ["kcli", "apache"]
        counter = iter(range(1 << 30))

        def side(kind: str) -> Callable[[], dict[str, float]]:
            def measure() -> dict[str, float]:
                folder = tmp / f"{kind}-{next(counter)}"
                folder.mkdir()
                return run_worker(kind, bootstrap, data, lines, args.batch_size, folder)
            return measure

        results = {kind: columns(values) for kind, values in
                   alternate({kind: side(kind) for kind in kinds}, runs, warmup, "FileStreamSource").items()}
    label = f"FileStreamSource, {lines:,} lines x 100 B"
    report.add("connect-source", label, {kind: [Sample(w, c, r) for w, c, r in zip(
        r["seconds"], r["cpu"], r["busy_rss"], strict=True)] for kind, r in results.items()}, lines)
    report.add_figure("connect-idle-rss", "idle RSS (MiB)", {kind: r["idle_rss"] for kind, r in results.items()})
    print()
    report.print()


if __name__ == "__main__":
    main()
