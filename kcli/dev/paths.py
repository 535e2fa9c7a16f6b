"""Where `kcli dev` keeps things: the jar cache (XDG) and one state directory per broker."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 9092
DEFAULT_CONNECT_PORT = 8083
HOST = "127.0.0.1"


def cache_root() -> Path:
    """$KAFKA_DEV_CACHE, else $XDG_CACHE_HOME/kcli, else ~/.cache/kcli (the layout scripts/kafka-dev used)."""
    explicit = os.environ.get("KAFKA_DEV_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "kcli"


def kafka_dir(version: str) -> Path:
    """The cached Apache Kafka of one version: libs/ (the jars), log4j2.properties, .complete (the stamp)."""
    return cache_root() / f"kafka-{version}"


def default_state_dir() -> Path:
    return cache_root() / "dev-broker"


@dataclass(frozen=True)
class StateDir:
    """One dev broker's files; the PID files say what `kcli dev up` started, so `down` stops only that."""

    root: Path

    @classmethod
    def of(cls, state_dir: str | None) -> StateDir:
        return cls(Path(state_dir).expanduser().absolute() if state_dir else default_state_dir())

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def server_properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def broker_pid(self) -> Path:
        return self.root / "broker.pid"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    @property
    def broker_log(self) -> Path:
        return self.root / "broker.log"

    @property
    def format_log(self) -> Path:
        return self.root / "format.log"

    @property
    def connect_properties(self) -> Path:
        return self.root / "connect-distributed.properties"

    @property
    def connect_pid(self) -> Path:
        return self.root / "connect.pid"

    @property
    def connect_port_file(self) -> Path:
        return self.root / "connect.port"

    @property
    def connect_log(self) -> Path:
        return self.root / "connect.log"

    @property
    def lock_file(self) -> Path:
        return self.root / ".lock"


def read_int(path: Path) -> int | None:
    """The number a PID or port file holds; None when it is missing or holds something else."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
