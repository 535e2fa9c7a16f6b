"""Java and the Apache jars: which java, which libs/ directory, and the command lines of Apache's tools."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kcli.dev import KAFKA_VERSION
from kcli.dev.paths import kafka_dir
from kcli.errors import KcliError, UsageError

JAVA_MIN = 17

# The Apache tools `kcli dev tool NAME` runs (NAME or NAME.sh), by main class.
TOOLS: dict[str, str] = {
    "kafka-topics": "org.apache.kafka.tools.TopicCommand",
    "kafka-console-consumer": "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "kafka-console-producer": "org.apache.kafka.tools.ConsoleProducer",
    "kafka-consumer-groups": "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    "kafka-configs": "kafka.admin.ConfigCommand",
    "kafka-cluster": "org.apache.kafka.tools.ClusterTool",
    "kafka-broker-api-versions": "org.apache.kafka.tools.BrokerApiVersionsCommand",
    "kafka-producer-perf-test": "org.apache.kafka.tools.ProducerPerformance",
    "kafka-get-offsets": "org.apache.kafka.tools.GetOffsetShell",
    "kafka-storage": "kafka.tools.StorageTool",
    "connect-standalone": "org.apache.kafka.connect.cli.ConnectStandalone",
    "connect-distributed": "org.apache.kafka.connect.cli.ConnectDistributed",
}

INSTALL_JAVA = ("install a Java 17+ runtime (Debian/Ubuntu: apt install openjdk-17-jre-headless; macOS: brew install "
                "openjdk@17; or https://adoptium.net) or set JAVA_HOME")


class JavaMissing(KcliError):
    """No usable java: the message says what was looked at and how to get one."""


def find_java() -> str:
    """$JAVA_HOME/bin/java, else java on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home, "bin", "java")
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("java")
    if found:
        return found
    where = f"not in JAVA_HOME={home}/bin nor on PATH" if home else "JAVA_HOME is not set and no java is on PATH"
    raise JavaMissing(f"Java {JAVA_MIN} or newer is needed to run Apache Kafka, and none was found ({where}): "
                      f"{INSTALL_JAVA}")


def java_major(java: str) -> int | None:
    """The feature release of a java binary (17 for "17.0.15", 8 for "1.8.0_292"); None when unreadable."""
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        return None
    first = int(m.group(1))
    return int(m.group(2) or 0) if first == 1 else first


def require_java() -> str:
    """A java of release 17 or newer, or JavaMissing saying what is wrong."""
    java = find_java()
    major = java_major(java)
    if major is None:
        raise JavaMissing(f"{java} does not run or does not tell its version (Java {JAVA_MIN}+ is needed): "
                          f"{INSTALL_JAVA}")
    if major < JAVA_MIN:
        raise JavaMissing(f"{java} is Java {major}; Apache Kafka {KAFKA_VERSION} needs Java {JAVA_MIN} or newer: "
                          f"{INSTALL_JAVA}")
    return java


@dataclass(frozen=True)
class Jars:
    """A libs/ directory of Apache Kafka jars and the log4j2 configuration its JVMs start with."""

    libs: Path
    log4j: Path
    source: str  # "KAFKA_HOME" or "cache"

    @property
    def classpath(self) -> str:
        return f"{self.libs}/*"


def kafka_home_jars() -> Jars | None:
    """The jars of $KAFKA_HOME, when it is set."""
    home = os.environ.get("KAFKA_HOME")
    if not home:
        return None
    libs = Path(home).expanduser() / "libs"
    if not libs.is_dir():
        raise KcliError(f"KAFKA_HOME={home} has no libs/ directory (unset it to use kcli's pinned Apache Kafka "
                        f"{KAFKA_VERSION} jars)")
    yaml = Path(home).expanduser() / "config" / "log4j2.yaml"
    log4j = yaml if yaml.is_file() else kafka_dir(KAFKA_VERSION) / "log4j2.properties"
    if not log4j.is_file():
        from kcli.dev.fetch import LOG4J
        from kcli.dev.paths import write_text_atomic

        write_text_atomic(log4j, LOG4J)
    return Jars(libs, log4j, "KAFKA_HOME")


def resolve_jars(full: bool = False) -> Jars:
    """$KAFKA_HOME's jars, else the pinned set in the cache (fetched and verified as needed)."""
    home = kafka_home_jars()
    if home is not None:
        return home
    from kcli.dev.fetch import ensure_libs
    from kcli.dev.lock import read_lock

    cache = kafka_dir(KAFKA_VERSION)
    libs = ensure_libs(read_lock(KAFKA_VERSION), cache, full=full)
    return Jars(libs, cache / "log4j2.properties", "cache")


def jars_available() -> bool:
    """The jars are there without any download (KAFKA_HOME, or a complete cache)."""
    if os.environ.get("KAFKA_HOME"):
        return True
    from kcli.dev.fetch import cached_libs
    from kcli.dev.lock import read_lock

    return cached_libs(read_lock(KAFKA_VERSION), kafka_dir(KAFKA_VERSION)) is not None


def tool_main(name: str) -> str:
    main = TOOLS.get(name.removesuffix(".sh"))
    if main is None:
        raise UsageError(f"unknown tool '{name}' (one of {', '.join(TOOLS)})")
    return main


def tool_argv(java: str, jars: Jars, main: str, args: list[str]) -> list[str]:
    """How Apache's tool runs here: a small heap, quick start-up (the C1 compiler only), log4j on stderr."""
    opts = (os.environ.get("KAFKA_DEV_JAVA_OPTS") or "-Xmx512m").split()
    return [java, *opts, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            f"-Dlog4j2.configurationFile={jars.log4j}", "-cp", jars.classpath, main, *args]
