"""The jar cache: the lock list's jars in <cache>/kafka-<version>/libs, downloaded over HTTPS and verified.

A stamp (.complete) records the lock list it was verified against and each jar's size and mtime, so a
later run checks the cache with one stat per jar; a jar whose size or mtime changed is hashed again
and fetched again when it no longer matches its SHA-256. `full=True` hashes every jar.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kcli.dev.lock import CENTRAL, Lock, LockedJar
from kcli.dev.paths import write_text_atomic
from kcli.errors import KcliError

STAMP = ".complete"
CHUNK = 1 << 16
ATTEMPTS = 3
WORKERS = 4

LOG4J = """status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = ${env:KAFKA_DEV_LOG_LEVEL:-WARN}
rootLogger.appenderRef.stderr.ref = STDERR
"""


class FetchError(KcliError):
    """A jar could not be downloaded or did not match the lock list."""


def repo_url() -> str:
    """The Maven repository the jars come from: Maven Central, or $KCLI_MAVEN_REPO (a mirror)."""
    return (os.environ.get("KCLI_MAVEN_REPO") or CENTRAL).rstrip("/")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lock_digest(lock: Lock) -> str:
    text = "\n".join(f"{j.file} {j.size} {j.sha256}" for j in lock.jars)
    return hashlib.sha256(text.encode()).hexdigest()


def _read_stamp(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or scripts/kafka-dev's empty one: verify by hashing once
    return data if isinstance(data, dict) else {}


def _stat_key(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def cached_libs(lock: Lock, home: Path) -> Path | None:
    """libs/ when the stamp says every jar of the lock list is there unchanged (one stat per jar), else None."""
    stamp = _read_stamp(home / STAMP)
    files = stamp.get("files")
    if stamp.get("lock") != lock_digest(lock) or not isinstance(files, dict):
        return None
    libs = home / "libs"
    for jar in lock.jars:
        if files.get(jar.file) != _stat_key(libs / jar.file):
            return None
    return libs


def ensure_libs(lock: Lock, home: Path, full: bool = False, progress: bool | None = None) -> Path:
    """The directory holding every jar of the lock list, verified; missing or corrupted jars are fetched."""
    from kcli.dev.procs import file_lock

    if not full:
        libs = cached_libs(lock, home)
        if libs is not None:
            return libs
    libs = home / "libs"
    libs.mkdir(parents=True, exist_ok=True)
    with file_lock(home / ".lock"):
        stamp = _read_stamp(home / STAMP)
        known = stamp.get("files") if stamp.get("lock") == lock_digest(lock) else None
        files: dict[str, Any] = known if isinstance(known, dict) and not full else {}
        wanted: list[LockedJar] = []
        for jar in lock.jars:
            path = libs / jar.file
            key = _stat_key(path)
            if key is not None and files.get(jar.file) == key:
                continue
            if key is not None and key[0] == jar.size and sha256_of(path) == jar.sha256:
                continue
            if key is not None:
                print(f"kcli: {path} does not match its SHA-256 in the lock list; fetching it again", file=sys.stderr)
            wanted.append(jar)
        if wanted:
            download(wanted, libs, lock.version, progress)
        _write_if_changed(home / "log4j2.properties", LOG4J)
        entries = {jar.file: _stat_key(libs / jar.file) for jar in lock.jars}
        write_text_atomic(home / STAMP, json.dumps({"lock": lock_digest(lock), "files": entries}, indent=0) + "\n")
    return libs


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    write_text_atomic(path, text)


def _fetch_one(jar: LockedJar, libs: Path, base: str, advance: Callable[[int], None]) -> None:
    """Download one jar to a temporary file, check its size and SHA-256, then move it into place."""
    url = f"{base}/{jar.remote_path}"
    part = libs / f".{jar.file}.{os.getpid()}.{threading.get_ident()}.part"
    last: str = ""
    for _attempt in range(ATTEMPTS):
        digest, size = hashlib.sha256(), 0
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "kcli-dev"})
            with urllib.request.urlopen(request, timeout=60) as resp, open(part, "wb") as out:
                for block in iter(lambda: resp.read(CHUNK), b""):
                    digest.update(block)
                    out.write(block)
                    size += len(block)
                    advance(len(block))
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code} for {url}"
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", None) or exc
            last = f"{url} could not be reached ({reason})"
        else:
            if size == jar.size and digest.hexdigest() == jar.sha256:
                os.replace(part, libs / jar.file)
                return
            last = f"{url} does not match the lock list (size {size}, SHA-256 {digest.hexdigest()})"
        advance(-size)
        part.unlink(missing_ok=True)
    raise FetchError(last)


def download(jars: Sequence[LockedJar], libs: Path, version: str, progress: bool | None = None) -> None:
    """Fetch jars into libs (a few at a time); a progress bar on a TTY, one line otherwise."""
    base = repo_url()
    total = sum(j.size for j in jars)
    what = f"{len(jars)} Apache Kafka {version} jar{'s' if len(jars) != 1 else ''} ({total / 1e6:.1f} MB)"
    show_bar = sys.stderr.isatty() if progress is None else progress
    if not show_bar:
        print(f"kcli: downloading {what} from {base} into {libs} (once)", file=sys.stderr)
    try:
        if show_bar:
            _download_with_bar(jars, libs, base, what, total)
        else:
            _download_all(jars, libs, base, lambda n: None)
    except FetchError as exc:
        raise FetchError(f"cannot download the Apache Kafka {version} jars: {exc.message}; connect to the network "
                         "(or set KCLI_MAVEN_REPO to a Maven mirror), or set KAFKA_HOME to an Apache Kafka "
                         f"{version} installation") from None


def _download_all(jars: Sequence[LockedJar], libs: Path, base: str, advance: Callable[[int], None]) -> None:
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="kcli-fetch") as pool:
        futures = [pool.submit(_fetch_one, jar, libs, base, advance) for jar in jars]
        errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error


def _download_with_bar(jars: Sequence[LockedJar], libs: Path, base: str, what: str, total: int) -> None:
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from kcli.output import stderr_console

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=stderr_console(), transient=False) as bar:
        task = bar.add_task(f"downloading {what}", total=total)
        _download_all(jars, libs, base, lambda n: bar.advance(task, n))


def unreachable(base: str | None = None) -> str | None:
    """Why the Maven repository cannot be reached (a short reason), or None when it answers."""
    url = f"{base or repo_url()}/"
    try:
        request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "kcli-dev"})
        with urllib.request.urlopen(request, timeout=10):
            return None
    except urllib.error.HTTPError:
        return None  # it answered
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        return str(getattr(exc, "reason", None) or exc)
