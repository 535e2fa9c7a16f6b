#!/usr/bin/env python3
"""Connect benchmark: FileStreamSource in kcli's standalone worker beside Apache's, one run, same file.

    scripts/bench connect [--lines N] [--bootstrap HOST:PORT] [--batch-size B] [--no-apache]

A file of N lines of 100 bytes (default N = 1,000,000) is moved into place while each worker is already
running (FileStreamSource waits for a missing file), with the same worker and connector files (the
tutorial's: StringConverter values, batch.size B). Apache's worker runs with the JVM flags of its own
scripts (-Xms256M -Xmx2G, G1). Throughput = N / (time the topic's end offset reached N
- timestamp of the first record). Idle RSS is read from /proc before the file appears.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import ACCEPTANCE, KAFKA_DEV, free_port  # noqa: E402


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


def rss_mib(pid: int) -> float:
    total = 0.0
    pids = [pid]
    try:  # the process and its children (kafka-dev execs java, so usually just one)
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for row in Path(f"/proc/{p}/status").read_text().splitlines():
                if row.startswith("VmRSS:"):
                    total += int(row.split()[1]) / 1024
        except OSError:
            pass
    return total


def apache_command() -> list[str]:
    """connect-standalone.sh as Apache's scripts run it: -Xms256M -Xmx2G and kafka-run-class.sh's JVM flags
    (not kafka-dev's quick-start flags, which turn the JIT down)."""
    libs = subprocess.run([str(KAFKA_DEV), "libs"], capture_output=True, text=True, check=True).stdout.split()[-1]
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    log4j = Path(libs).parent / "log4j2.properties"
    return [java, "-Xms256M", "-Xmx2G", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}", "-cp", f"{libs}/*", "org.apache.kafka.connect.cli.ConnectStandalone"]


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
        cmd = apache_command() + [str(worker), str(conn)]
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
        os.link(data, source)  # the file appears at once, complete
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex}"})
        tp = TopicPartition(topic, 0)
        while True:
            _, high = consumer.get_watermark_offsets(tp, timeout=10)
            if high >= lines:
                done = time.time()
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
        return {"seconds": seconds, "rate": lines / seconds, "idle_rss": idle, "busy_rss": busy}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--batch-size", type=int, default=10000)
    ap.add_argument("--bootstrap", default=os.environ.get("KCLI_TEST_BOOTSTRAP", "127.0.0.1:9092"))
    ap.add_argument("--no-apache", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-connect-") as tmpdir:
        tmp = Path(tmpdir)
        data = tmp / "data.txt"
        make_data(data, args.lines)
        print(f"FileStreamSource: {args.lines:,} lines of 100 bytes, batch.size={args.batch_size}, "
              f"StringConverter, broker {args.bootstrap}", file=sys.stderr)
        results = {"kcli": run_worker("kcli", args.bootstrap, data, args.lines, args.batch_size, tmp)}
        if not args.no_apache:
            results["apache"] = run_worker("apache", args.bootstrap, data, args.lines, args.batch_size, tmp)
    print("| worker | seconds | records/s | idle RSS MiB | RSS after run MiB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        print(f"| {name} | {r['seconds']:.2f} | {r['rate']:,.0f} | {r['idle_rss']:.0f} | {r['busy_rss']:.0f} |")
    if "apache" in results:
        print(f"\nkcli / Apache throughput: {results['kcli']['rate'] / results['apache']['rate']:.2f}x; "
              f"idle RSS {results['kcli']['idle_rss']:.0f} vs {results['apache']['idle_rss']:.0f} MiB")


if __name__ == "__main__":
    main()
