"""The lock list: every jar of the pinned Apache Kafka set, with its coordinates, size and SHA-256."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kcli.errors import KcliError

CENTRAL = "https://repo.maven.apache.org/maven2"
HEADER = "# coordinates file size sha256"


@dataclass(frozen=True)
class LockedJar:
    coords: str  # group:artifact:version[:classifier]
    file: str  # the name in libs/ (Maven's own: artifact-version[-classifier].jar)
    size: int
    sha256: str

    @property
    def remote_path(self) -> str:
        """The jar's path under a Maven repository's root."""
        group, artifact, version, *classifier = self.coords.split(":")
        name = f"{artifact}-{version}" + (f"-{classifier[0]}" if classifier else "") + ".jar"
        return f"{group.replace('.', '/')}/{artifact}/{version}/{name}"


@dataclass(frozen=True)
class Lock:
    version: str
    roots: tuple[str, ...]
    jars: tuple[LockedJar, ...]

    @property
    def total_size(self) -> int:
        return sum(j.size for j in self.jars)


def lock_text(version: str, roots: Sequence[str], jars: Sequence[LockedJar]) -> str:
    lines = [f"# The Apache Kafka {version} jars `kcli dev` runs. Written by scripts/gen-kafka-lock; do not edit.",
             f"# version: {version}", f"# roots: {' '.join(roots)}", HEADER]
    lines += [f"{j.coords} {j.file} {j.size} {j.sha256}" for j in jars]
    return "\n".join(lines) + "\n"


def parse_lock(text: str, source: str) -> Lock:
    version = ""
    roots: tuple[str, ...] = ()
    jars: list[LockedJar] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("# version:"):
            version = line.split(":", 1)[1].strip()
        elif line.startswith("# roots:"):
            roots = tuple(line.split(":", 1)[1].split())
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 4 or not parts[2].isdigit() or len(parts[3]) != 64 or "/" in parts[1]:
            raise KcliError(f"malformed lock line ({source}:{number})")
        jars.append(LockedJar(parts[0], parts[1], int(parts[2]), parts[3].lower()))
    if not version or not jars:
        raise KcliError(f"the lock list names no version or no jars ({source})")
    return Lock(version, roots, tuple(jars))


def read_lock(version: str) -> Lock:
    """The lock list shipped in the package for this Kafka version."""
    from importlib.resources import files

    name = f"kafka-{version}.lock"
    resource = files("kcli.dev").joinpath(name)
    if not resource.is_file():
        raise KcliError(f"kcli has no lock list for Apache Kafka {version} (kcli/dev/{name}); "
                        "set KAFKA_HOME to an Apache Kafka installation instead")
    return parse_lock(resource.read_text(encoding="utf-8"), f"kcli/dev/{name}")
