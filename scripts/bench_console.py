#!/usr/bin/env python3
"""Console producer/consumer benchmark: kcli beside kcat and the Apache console tools, one run, same data.

    scripts/bench console [--records N] [--bootstrap HOST:PORT] [--no-apache] [--no-kcat]

Datasets: N records of 100 bytes and N/5 records of 1 KiB (default N = 1,000,000). Each tool produces the
dataset into its own fresh one-partition topic (wall time, process start included); then each tool consumes
the same topic from the beginning to its last record with output to /dev/null. Peak RSS comes from wait4().
kcat runs against the librdkafka that confluent-kafka's wheel ships (Debian's kcat links an older one).
Installs nothing: without kcat on PATH, only kcli and Apache are compared.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KAFKA_DEV = ROOT / "scripts" / "kafka-dev"
KCLI = [sys.executable, "-m", "kcli"]
WHEEL_LIBS = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / \
    "site-packages" / "confluent_kafka.libs"


def make_data(path: Path, count: int, size: int) -> None:
    """count lines of size bytes each (size-1 printable characters and a newline)."""
    rng = random.Random(42)
    alphabet = (string.ascii_letters + string.digits).encode()
    pool = bytes(rng.choice(alphabet) for _ in range(size * 64 + 1024))
    with path.open("wb") as fh:
        for i in range(count):
            start = (i * 7919) % (len(pool) - size)
            fh.write(pool[start:start + size - 1] + b"\n")


def timed(cmd: list[str], stdin: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run cmd with stdout to /dev/null; (seconds, peak RSS MiB of the process tree)."""
    with open(os.devnull, "wb") as devnull, (stdin.open("rb") if stdin else open(os.devnull, "rb")) as inp:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=inp, stdout=devnull, stderr=subprocess.PIPE,
                                env={**os.environ, **(env or {})})
        err = proc.stderr.read() if proc.stderr else b""
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {code}:\n{err.decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def create_topic(bootstrap: str, topic: str) -> None:
    """A fresh one-partition topic (created with the admin client, outside the timed runs)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for fut in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        fut.result()


def delete_topics(bootstrap: str, topics: list[str]) -> None:
    """Remove the benchmark's topics so repeated runs do not fill the shared broker's disk."""
    from confluent_kafka.admin import AdminClient

    if topics:
        admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the futures resolve
        for fut in admin.delete_topics(topics).values():
            try:
                fut.result()
            except Exception as exc:  # a topic left behind is worth a line, not a failed benchmark
                print(f"could not delete a benchmark topic: {exc}", file=sys.stderr)


def kcat_env(tmp: Path) -> dict[str, str] | None:
    """LD_LIBRARY_PATH with the wheel's librdkafka under the soname kcat links."""
    libs = list(WHEEL_LIBS.glob("librdkafka*.so*"))
    if not libs:
        return None
    (tmp / "librdkafka.so.1").symlink_to(libs[0])
    return {"LD_LIBRARY_PATH": str(tmp)}


def tools(bootstrap: str, use_kcat: bool, use_apache: bool) -> dict[str, dict[str, object]]:
    """name -> {'produce': fn(topic) -> argv, 'consume': fn(topic, n) -> argv}."""
    out: dict[str, dict[str, object]] = {
        "kcli": {
            "produce": lambda t: [*KCLI, "produce", "--bootstrap-server", bootstrap, "--topic", t],
            "consume": lambda t, n: [*KCLI, "consume", "--bootstrap-server", bootstrap, "--topic", t,
                                     "--from-beginning", "--max-messages", str(n)],
        },
    }
    if use_kcat:
        out["kcat"] = {
            "produce": lambda t: ["kcat", "-P", "-q", "-b", bootstrap, "-t", t],
            "consume": lambda t, n: ["kcat", "-C", "-q", "-b", bootstrap, "-t", t, "-o", "beginning", "-e",
                                     "-c", str(n)],
        }
    if use_apache:
        tool = [str(KAFKA_DEV), "tool"]
        out["apache"] = {
            "produce": lambda t: [*tool, "kafka-console-producer", "--bootstrap-server", bootstrap, "--topic", t],
            "consume": lambda t, n: [*tool, "kafka-console-consumer", "--bootstrap-server", bootstrap, "--topic",
                                     t, "--from-beginning", "--max-messages", str(n)],
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000, help="100-byte records (1 KiB: a fifth)")
    parser.add_argument("--bootstrap", default=os.environ.get("KCLI_TEST_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--no-apache", action="store_true", help="skip the Apache console tools")
    parser.add_argument("--no-kcat", action="store_true", help="skip kcat")
    args = parser.parse_args()

    use_kcat = not args.no_kcat and shutil.which("kcat") is not None
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmpdir:
        tmp = Path(tmpdir)
        env_kcat = kcat_env(tmp) if use_kcat else None
        if args.no_kcat:
            print("kcat: skipped (--no-kcat)")
        elif not use_kcat:
            print("kcat: NOT FOUND on PATH (apt-get install -y kcat); comparing kcli with Apache only")
        else:
            note = (f"librdkafka from {WHEEL_LIBS} via LD_LIBRARY_PATH" if env_kcat
                    else "its own librdkafka (the wheel's was not found)")
            print(f"kcat: {shutil.which('kcat')}, run with {note}")
        table = tools(args.bootstrap, use_kcat, not args.no_apache)
        datasets = [(args.records, 100), (max(1, args.records // 5), 1024)]
        rows: list[tuple[str, str, str, int, float, float]] = []
        created: list[str] = []
        try:
            run_all(args.bootstrap, table, datasets, tmp, env_kcat, rows, created)
        finally:
            delete_topics(args.bootstrap, created)
        print_table(rows)
    return 0


def run_all(bootstrap: str, table: dict[str, dict[str, object]], datasets: list[tuple[int, int]], tmp: Path,
            env_kcat: dict[str, str] | None, rows: list[tuple[str, str, str, int, float, float]],
            created: list[str]) -> None:
    """Produce then consume every dataset with every tool, appending (op, data, tool, n, secs, rss) rows."""
    for count, size in datasets:
        data = tmp / f"data-{size}.txt"
        make_data(data, count, size)
        label = f"{count:,} x {size} B"
        read_topic = ""
        for name, cmds in table.items():
            topic = f"bench-console-{name}-{size}-{uuid.uuid4().hex[:6]}"
            create_topic(bootstrap, topic)
            created.append(topic)
            secs, rss = timed(cmds["produce"](topic), stdin=data,  # type: ignore[operator]
                              env=env_kcat if name == "kcat" else None)
            rows.append(("produce", label, name, count, secs, rss))
            print(f"  produce {label:>20} {name:>6}: {count / secs:>12,.0f} rec/s  {secs:7.2f}s  "
                  f"{rss:6.0f} MiB", flush=True)
            read_topic = read_topic or topic
        for name, cmds in table.items():
            secs, rss = timed(cmds["consume"](read_topic, count),  # type: ignore[operator]
                              env=env_kcat if name == "kcat" else None)
            rows.append(("consume", label, name, count, secs, rss))
            print(f"  consume {label:>20} {name:>6}: {count / secs:>12,.0f} rec/s  {secs:7.2f}s  "
                  f"{rss:6.0f} MiB", flush=True)


def print_table(rows: list[tuple[str, str, str, int, float, float]]) -> None:
    print()
    print("| operation | data | tool | records/s | seconds | peak RSS MiB | kcli / tool |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for op, label, name, count, secs, rss in rows:
        kcli_secs = next(s for o, lab, n, _, s, _ in rows if o == op and lab == label and n == "kcli")
        ratio = secs / kcli_secs
        print(f"| {op} | {label} | {name} | {count / secs:,.0f} | {secs:.2f} | {rss:.0f} | "
              f"{'—' if name == 'kcli' else f'{ratio:.2f}x'} |")
    print("\n(kcli / tool = the tool's time divided by kcli's: above 1 means kcli is faster.)")
    print("Goals: consume >= 0.8x kcat and >= 2x Apache; produce >= 0.6x kcat and >= 2x Apache; "
          "kcli peak RSS < 150 MiB.")


if __name__ == "__main__":
    sys.exit(main())
