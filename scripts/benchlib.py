"""The one measuring module of scripts/bench_*.py: alternating runs, wall and CPU time, peak RSS, medians.

Every section hands `alternate()` one callable per side (kcli, kcat, Apache, …); it calls them in turn —
A B C A B C … — `warmup` times untimed, then `runs` times, so every side sees the same load on a shared
machine. A side that runs one command uses `run()`: wall time from start to exit, CPU time = user + sys of
the whole process tree (os.wait4's rusage, which counts the child and every descendant it waited for; the
delta of getrusage(RUSAGE_CHILDREN) is checked against it), peak RSS = the largest resident set in that tree
(GNU time's %M when /usr/bin/time is there, see _gnu_time).
Long-running processes (Connect workers) are measured with `proc_cpu()` from /proc instead.

`Report` prints the markdown tables: min / median / max of wall and CPU time, peak RSS, records/s, and the
ratios of medians, kcli ÷ the other side (below 1: kcli takes less). With BENCH_RESULTS=DIR (set by
`scripts/bench all`) each section also writes DIR/<section>.json, from which bench_goals.py prints the goals.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
KAFKA_DEV = ROOT / "scripts" / "kafka-dev"
KCLI = [str(ROOT / ".venv" / "bin" / "kcli")]
RUNS = 5
WARMUP = 1
QUICK_RECORDS = 200_000
QUICK_RUNS = 1
WHEEL_LIBS = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / \
    "site-packages" / "confluent_kafka.libs"
# kafka-run-class.sh's JVM flags (KAFKA_JVM_PERFORMANCE_OPTS) and the heaps Apache's bin/ scripts set
JVM_FLAGS = ["-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
             "-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true"]
# This machine sets PYTHONDONTWRITEBYTECODE=1: every kcli run would compile kcli's sources (~50 ms). pip
# byte-compiles an installed wheel, so the benchmark runs kcli with its .pyc files like a user's install.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kcli")], stdout=subprocess.DEVNULL, check=False)
TOOL_HEAPS = {"kafka-console-consumer": ["-Xmx512M"], "kafka-console-producer": ["-Xmx512M"],
              "connect-standalone": ["-Xms256M", "-Xmx2G"], "connect-distributed": ["-Xms256M", "-Xmx2G"]}

T = TypeVar("T")


# ---------------------------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class Cmd:
    argv: Sequence[str]
    stdin: Path | None = None
    env: Mapping[str, str] | None = None


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + sys seconds of the process tree
    rss: float  # peak RSS, MiB


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _gnu_time() -> str | None:
    """GNU time, for the peak RSS of the tool itself: a child forked from Python starts with Python's resident
    set as its ru_maxrss (the kernel carries the pre-exec high-water mark over), which would floor every tool
    at the benchmark's own ~40 MiB; GNU time's child is forked from a ~1 MiB process."""
    path = shutil.which("time") or ("/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None)
    if path is None:
        return None
    probe = subprocess.run([path, "-f", "%M", "-o", os.devnull, "true"], capture_output=True)
    return path if probe.returncode == 0 else None


GNU_TIME = _gnu_time()


def run(cmd: Cmd) -> Sample:
    """Run one command (stdout to /dev/null, stderr kept for a failure); a non-zero exit ends the benchmark."""
    with tempfile.NamedTemporaryFile(prefix="bench-rss-") as peak, open(os.devnull, "wb") as devnull, \
            (cmd.stdin.open("rb") if cmd.stdin else open(os.devnull, "rb")) as inp:
        argv = [GNU_TIME, "-f", "%M", "-o", peak.name, *cmd.argv] if GNU_TIME else list(cmd.argv)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=inp, stdout=devnull, stderr=subprocess.PIPE,
                                env={**os.environ, **(cmd.env or {})})
        err = proc.stderr.read() if proc.stderr else b""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if proc.stderr:
            proc.stderr.close()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        rss_kib = usage.ru_maxrss
        if GNU_TIME:
            lines = Path(peak.name).read_text().split()
            rss_kib = int(lines[-1]) if lines and lines[-1].isdigit() else rss_kib
    if code != 0:
        raise SystemExit(f"{' '.join(cmd.argv)} exited {code}:\n{err.decode(errors='replace')[-2000:]}")
    cpu = _cpu(usage)
    delta = _cpu(after) - _cpu(before)
    if abs(delta - cpu) > max(0.05, 0.05 * cpu):  # both count the same tree; a gap means a reaped stranger
        print(f"bench: CPU of {cmd.argv[0]}: wait4 {cpu:.3f}s, RUSAGE_CHILDREN delta {delta:.3f}s", file=sys.stderr)
    return Sample(wall, cpu, rss_kib / 1024)


def proc_cpu(pid: int) -> float:
    """User + sys seconds so far of a running process (all its threads) and its reaped children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """Resident set of a running process and its direct children, MiB."""
    total = 0.0
    pids = [pid]
    try:
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


def _describe(result: object) -> str:
    if isinstance(result, Sample):
        return f"wall {result.wall:.3f}s, CPU {result.cpu:.3f}s, {result.rss:.0f} MiB"
    if isinstance(result, dict):
        return ", ".join(f"{k}={v:,.2f}" for k, v in result.items())
    return str(result)


def alternate(sides: Mapping[str, Callable[[], T]], runs: int, warmup: int = WARMUP,
              label: str = "") -> dict[str, list[T]]:
    """Call each side in turn (A B C A B C …), `warmup` untimed rounds then `runs` rounds; the results of each
    side, in order. A side returns a Sample (one process) or a dict of named figures (seconds, rates, MiB)."""
    out: dict[str, list[T]] = {name: [] for name in sides}
    for i in range(warmup + runs):
        for name, measure in sides.items():
            result = measure()
            tag = "warm-up" if i < warmup else f"run {i - warmup + 1}/{runs}"
            print(f"  {label} {name} {tag}: {_describe(result)}", file=sys.stderr, flush=True)
            if i >= warmup:
                out[name].append(result)
    return out


def columns(results: Sequence[Mapping[str, float]]) -> dict[str, list[float]]:
    """[{figure: value}, …] of one side -> {figure: [value, …]}."""
    out: dict[str, list[float]] = {}
    for result in results:
        for key, value in result.items():
            out.setdefault(key, []).append(value)
    return out


# ---------------------------------------------------------------------------------------------- report


def _spread(values: Sequence[float], digits: int = 3) -> str:
    return f"{statistics.median(values):,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs > 0 else "—"


@dataclass
class Measure:
    key: str  # stable id bench_goals.py looks for
    label: str
    samples: dict[str, list[Sample]]  # side -> samples; the first side is the base of the ratios
    records: int | None = None


@dataclass
class Figure:
    key: str
    label: str
    values: dict[str, list[float]]
    better: str  # "lower" or "higher"


@dataclass
class Report:
    section: str
    measures: list[Measure] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    def add(self, key: str, label: str, samples: dict[str, list[Sample]], records: int | None = None) -> None:
        self.measures.append(Measure(key, label, samples, records))

    def add_figure(self, key: str, label: str, values: dict[str, list[float]], better: str = "lower") -> None:
        self.figures.append(Figure(key, label, values, better))

    def timing_table(self) -> str:
        rows = ["| measure | tool | wall s: median (min–max) | CPU s: median (min–max) | peak RSS MiB | records/s "
                "| kcli ÷ tool, wall | kcli ÷ tool, CPU |",
                "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for m in self.measures:
            base = next(iter(m.samples))
            base_wall = statistics.median(s.wall for s in m.samples[base])
            base_cpu = statistics.median(s.cpu for s in m.samples[base])
            for name, samples in m.samples.items():
                wall = statistics.median(s.wall for s in samples)
                cpu = statistics.median(s.cpu for s in samples)
                rate = f"{m.records / wall:,.0f}" if m.records else "—"
                ratios = ("—", "—") if name == base else (_ratio(base_wall, wall), _ratio(base_cpu, cpu))
                rows.append(f"| {m.label} | {name} | {_spread([s.wall for s in samples])} | "
                            f"{_spread([s.cpu for s in samples])} | {max(s.rss for s in samples):.0f} | {rate} | "
                            f"{ratios[0]} | {ratios[1]} |")
        return "\n".join(rows)

    def figure_table(self) -> str:
        sides = list(dict.fromkeys(name for f in self.figures for name in f.values))
        rows = ["| measure | " + " | ".join(f"{s}: median (min–max)" for s in sides) + " | kcli's advantage |",
                "| --- | " + " | ".join("---:" for _ in sides) + " | ---: |"]
        for f in self.figures:
            cells = [_spread(f.values[s], 2) if f.values.get(s) else "—" for s in sides]
            advantage = "—"
            if len(sides) == 2 and all(f.values.get(s) for s in sides):
                ours, theirs = (statistics.median(f.values[s]) for s in sides)
                if ours > 0 and theirs > 0:
                    advantage = f"{theirs / ours if f.better == 'lower' else ours / theirs:.2f}x"
            rows.append(f"| {f.label} | " + " | ".join(cells) + f" | {advantage} |")
        return "\n".join(rows)

    def print(self) -> None:
        if self.measures:
            print(self.timing_table())
            print("\n(kcli ÷ tool: ratio of medians, kcli's over the tool's; below 1 kcli takes less. CPU = user + "
                  "sys of the whole process tree.)")
        if self.figures:
            if self.measures:
                print()
            print(self.figure_table())
            print("\n(kcli's advantage: above 1 kcli does better.)")
        self.save()

    def save(self) -> None:
        folder = os.environ.get("BENCH_RESULTS")
        if not folder:
            return
        data = {
            "measures": [{"key": m.key, "label": m.label, "records": m.records,
                          "sides": {n: {"wall": [s.wall for s in ss], "cpu": [s.cpu for s in ss],
                                        "rss": [s.rss for s in ss]} for n, ss in m.samples.items()}}
                         for m in self.measures],
            "figures": [{"key": f.key, "label": f.label, "values": f.values, "better": f.better}
                        for f in self.figures],
        }
        Path(folder, f"{self.section}.json").write_text(json.dumps(data, indent=1))


# ---------------------------------------------------------------------------------------------- set-up


def arguments(doc: str | None, runs: int = RUNS) -> argparse.ArgumentParser:
    """The options every section takes: --runs, --warmup, --quick, --bootstrap."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=None, help=f"timed runs of each side (default {runs}, "
                        f"--quick: {QUICK_RUNS})")
    parser.add_argument("--warmup", type=int, default=None, help=f"untimed rounds first (default {WARMUP}, "
                        "--quick: 0)")
    parser.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_RECORDS:,} records, "
                        f"{QUICK_RUNS} runs, no warm-up")
    parser.add_argument("--bootstrap", default=None, help="broker (default KCLI_TEST_BOOTSTRAP, else "
                        "127.0.0.1:9092 when it answers, else one started with scripts/kafka-dev)")
    parser.set_defaults(default_runs=runs)
    return parser


def runs_of(args: argparse.Namespace) -> tuple[int, int]:
    """(runs, warm-up rounds) from the parsed options."""
    runs = args.runs if args.runs is not None else (QUICK_RUNS if args.quick else args.default_runs)
    warmup = args.warmup if args.warmup is not None else (0 if args.quick else WARMUP)
    return max(1, runs), max(0, warmup)


def machine() -> str:
    """nproc, CPU model, load average, date: the line every section starts with."""
    model = platform.processor() or "unknown CPU"
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{now}; {os.cpu_count()} cores ({model}); load average {load}; Python "
            f"{platform.python_version()}; librdkafka {_librdkafka()}")


def _librdkafka() -> str:
    sys.path.insert(0, str(ROOT))
    from kcli.versions import client_versions

    return client_versions()[1] or "?"


def _answers(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=2):
            return True
    except (OSError, ValueError):
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def broker(given: str | None = None) -> Iterator[str]:
    """An answering bootstrap address: --bootstrap, KCLI_TEST_BOOTSTRAP, 127.0.0.1:9092, or a kafka-dev broker of
    our own (stopped at the end)."""
    given = given or os.environ.get("KCLI_TEST_BOOTSTRAP")
    if given:
        yield given
        return
    if _answers("127.0.0.1:9092"):
        yield "127.0.0.1:9092"
        return
    with tempfile.TemporaryDirectory(prefix="kcli-bench-") as state:
        env = {**os.environ, "KAFKA_DEV_STATE": state}
        port = free_port()
        subprocess.run([str(KAFKA_DEV), "start", "--port", str(port)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        try:
            yield f"127.0.0.1:{port}"
        finally:
            subprocess.run([str(KAFKA_DEV), "stop"], env=env, stdout=subprocess.DEVNULL, check=False)


def apache(tool: str, args: Sequence[str] = ()) -> list[str]:
    """Apache's tool as its bin/ script runs it (kafka-run-class.sh's JVM flags, the script's heap), java
    started directly: no wrapper process is timed."""
    sys.path.insert(0, str(ROOT))
    from kcli.dev.java import TOOLS, find_java, resolve_jars

    jars = resolve_jars()
    heap = TOOL_HEAPS.get(tool, ["-Xmx256M"])
    return [find_java(), *heap, *JVM_FLAGS, f"-Dlog4j2.configurationFile={jars.log4j}", "-cp", jars.classpath,
            TOOLS[tool], *args]


@dataclass
class Kcat:
    path: str
    env: dict[str, str]
    note: str

    def argv(self, *args: str) -> list[str]:
        return [self.path, *args]


def kcat(tmp: Path) -> Kcat | None:
    """kcat on PATH, run against the librdkafka of confluent-kafka's wheel (LD_LIBRARY_PATH to a directory that
    links it under the soname kcat wants), so both sides use the very same librdkafka; None without kcat."""
    path = shutil.which("kcat")
    if path is None:
        return None
    libs = sorted(WHEEL_LIBS.glob("librdkafka*.so*"))
    if not libs:
        return Kcat(path, {}, "its own librdkafka (the wheel's was not found)")
    link = tmp / "librdkafka.so.1"
    if not link.exists():
        link.symlink_to(libs[0])
    env = {"LD_LIBRARY_PATH": str(tmp)}
    version = subprocess.run([path, "-V"], capture_output=True, text=True, env={**os.environ, **env}).stdout
    line = next((row.strip() for row in version.splitlines() if "librdkafka" in row), "")
    return Kcat(path, env, f"librdkafka from {WHEEL_LIBS.name} via LD_LIBRARY_PATH ({line or 'version unknown'})")


def create_topic(bootstrap: str, topic: str, partitions: int = 1) -> None:
    """A fresh topic, created with the admin client outside the timed runs."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for fut in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        fut.result(60)


def delete_topics(bootstrap: str, topics: Sequence[str]) -> None:
    """Remove benchmark topics so repeated runs do not fill the shared broker's disk; a failure is a line."""
    from confluent_kafka.admin import AdminClient

    if not topics:
        return
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the futures resolve
    for fut in admin.delete_topics(list(topics)).values():
        try:
            fut.result(60)
        except Exception as exc:
            print(f"bench: could not delete a benchmark topic: {exc}", file=sys.stderr)
