"""`kcli dev`'s jar cache: the lock list, downloads verified by SHA-256, a corrupted cached jar fetched again,
and the one-line messages when Java or the network is missing.

The "remote" is a Maven-repository layout served by a local HTTP server (KCLI_MAVEN_REPO); the real path
downloads from Maven Central (tests/integration/test_dev.py runs the broker from the real cache).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kcli.cli.main import main
from kcli.dev import KAFKA_VERSION
from kcli.dev.fetch import STAMP, FetchError, cached_libs, ensure_libs
from kcli.dev.lock import Lock, LockedJar, lock_text, parse_lock, read_lock
from kcli.errors import KcliError


class Repo:
    """A Maven repository on 127.0.0.1 serving a directory; counts the jar requests it answered."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        repo = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

            def do_GET(self) -> None:
                repo.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # shutdown() waits for the loop's next poll: 50 ms, not serve_forever's default 0.5 s
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def publish(self, jar: LockedJar, data: bytes) -> None:
        path = self.root / jar.remote_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def make_jar(coords: str, data: bytes) -> LockedJar:
    group, artifact, version, *classifier = coords.split(":")
    name = f"{artifact}-{version}" + (f"-{classifier[0]}" if classifier else "") + ".jar"
    return LockedJar(coords, name, len(data), hashlib.sha256(data).hexdigest())


CONTENTS = {
    "org.example:alpha:1.0": b"alpha jar " * 500,
    "org.example.deep:beta:2.1": os.urandom(70_000),  # more than one read chunk
    "org.example:gamma:3.0:tests": b"gamma with a classifier",
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Repo]:
    served = Repo(tmp_path / "remote")
    monkeypatch.setenv("KCLI_MAVEN_REPO", served.url)
    yield served
    served.close()


@pytest.fixture
def lock(repo: Repo) -> Lock:
    jars = tuple(make_jar(coords, data) for coords, data in CONTENTS.items())
    for jar in jars:
        repo.publish(jar, CONTENTS[jar.coords])
    return Lock("9.9.9", ("org.example:alpha:1.0",), jars)


def test_the_packaged_lock_pins_the_kafka_jars() -> None:
    lock = read_lock(KAFKA_VERSION)
    files = {j.file for j in lock.jars}
    assert lock.version == KAFKA_VERSION
    assert {f"kafka_2.13-{KAFKA_VERSION}.jar", f"kafka-tools-{KAFKA_VERSION}.jar",
            f"connect-runtime-{KAFKA_VERSION}.jar", f"kafka-clients-{KAFKA_VERSION}.jar",
            "log4j-core-2.24.3.jar"} <= files
    assert len(files) == len(lock.jars) > 50
    assert all(len(j.sha256) == 64 and int(j.sha256, 16) >= 0 and j.size > 0 for j in lock.jars)
    kafka = next(j for j in lock.jars if j.file == f"kafka_2.13-{KAFKA_VERSION}.jar")
    assert kafka.remote_path == f"org/apache/kafka/kafka_2.13/{KAFKA_VERSION}/kafka_2.13-{KAFKA_VERSION}.jar"


def test_lock_text_round_trips_and_rejects_a_malformed_line() -> None:
    jars = [make_jar(c, d) for c, d in CONTENTS.items()]
    text = lock_text("9.9.9", ["org.example:alpha:1.0"], jars)
    assert parse_lock(text, "x.lock") == Lock("9.9.9", ("org.example:alpha:1.0",), tuple(jars))
    assert jars[2].remote_path == "org/example/gamma/3.0/gamma-3.0-tests.jar"
    with pytest.raises(KcliError, match=r"malformed lock line \(x.lock:5\)"):
        parse_lock(text.replace(jars[0].sha256, "abc"), "x.lock")


def test_download_verifies_and_a_second_run_fetches_nothing(tmp_path: Path, repo: Repo, lock: Lock) -> None:
    home = tmp_path / "cache" / "kafka-9.9.9"
    libs = ensure_libs(lock, home, progress=False)
    assert libs == home / "libs"
    for jar in lock.jars:
        assert (libs / jar.file).read_bytes() == CONTENTS[jar.coords]
    assert sorted(p.name for p in libs.iterdir()) == sorted(j.file for j in lock.jars)  # no .part left
    assert (home / "log4j2.properties").is_file()
    assert len(repo.requests) == 3
    assert cached_libs(lock, home) == libs
    assert ensure_libs(lock, home, progress=False) == libs
    assert ensure_libs(lock, home, full=True, progress=False) == libs
    assert len(repo.requests) == 3


def test_a_corrupted_cached_jar_is_detected_and_fetched_again(tmp_path: Path, repo: Repo, lock: Lock,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "kafka-9.9.9"
    libs = ensure_libs(lock, home, progress=False)
    beta = next(j for j in lock.jars if j.coords.startswith("org.example.deep:beta"))
    damaged = bytearray(CONTENTS[beta.coords])
    damaged[1000] ^= 0xFF  # same size, one byte flipped
    (libs / beta.file).write_bytes(bytes(damaged))
    repo.requests.clear()
    capsys.readouterr()

    assert cached_libs(lock, home) is None  # the stamp no longer vouches for it
    ensure_libs(lock, home, progress=False)

    assert (libs / beta.file).read_bytes() == CONTENTS[beta.coords]
    assert repo.requests == [f"/{beta.remote_path}"]
    notice = f"{libs / beta.file} does not match its SHA-256 in the lock list; fetching it again"
    assert notice in capsys.readouterr().err


def test_full_verification_catches_what_size_and_mtime_do_not(tmp_path: Path, repo: Repo, lock: Lock) -> None:
    home = tmp_path / "kafka-9.9.9"
    libs = ensure_libs(lock, home, progress=False)
    alpha = libs / lock.jars[0].file
    st = alpha.stat()
    alpha.write_bytes(b"X" * st.st_size)
    os.utime(alpha, ns=(st.st_atime_ns, st.st_mtime_ns))  # the damage hides from the stat check
    repo.requests.clear()
    assert cached_libs(lock, home) == libs
    ensure_libs(lock, home, full=True, progress=False)
    assert alpha.read_bytes() == CONTENTS[lock.jars[0].coords]
    assert repo.requests == [f"/{lock.jars[0].remote_path}"]


def test_a_remote_jar_that_does_not_match_is_refused(tmp_path: Path, repo: Repo, lock: Lock) -> None:
    repo.publish(lock.jars[0], b"not what the lock says")
    home = tmp_path / "kafka-9.9.9"
    with pytest.raises(FetchError) as err:
        ensure_libs(lock, home, progress=False)
    assert "does not match the lock list" in err.value.message and "\n" not in err.value.message
    assert not (home / "libs" / lock.jars[0].file).exists()
    assert not [p for p in (home / "libs").iterdir() if p.name.endswith(".part")]
    assert not (home / STAMP).exists()


def test_no_network_names_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lock: Lock) -> None:
    monkeypatch.setenv("KCLI_MAVEN_REPO", "http://127.0.0.1:1")
    with pytest.raises(FetchError) as err:
        ensure_libs(lock, tmp_path / "kafka-9.9.9", progress=False)
    message = err.value.message
    assert message.startswith("cannot download the Apache Kafka 9.9.9 jars: http://127.0.0.1:1/org/example/")
    assert "connect to the network" in message and "KAFKA_HOME" in message


def test_the_stamp_of_scripts_kafka_dev_is_upgraded_without_downloading(tmp_path: Path, repo: Repo,
                                                                       lock: Lock) -> None:
    home = tmp_path / "kafka-9.9.9"
    (home / "libs").mkdir(parents=True)
    for jar in lock.jars:
        (home / "libs" / jar.file).write_bytes(CONTENTS[jar.coords])
    (home / STAMP).write_text("")  # what `touch .complete` left
    ensure_libs(lock, home, progress=False)
    assert repo.requests == []
    assert set(json.loads((home / STAMP).read_text())["files"]) == {j.file for j in lock.jars}


# -- the missing-Java message, through the command ---------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0), capsys.readouterr().err


@pytest.fixture
def no_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("KAFKA_HOME", raising=False)
    monkeypatch.setenv("KAFKA_DEV_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("KCLI_CONFIG_DIR", str(tmp_path / "cfg"))
    return empty


def test_missing_java_and_network_is_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path, no_java: Path) -> None:
    monkeypatch.setenv("KCLI_MAVEN_REPO", "http://127.0.0.1:1")
    code, err = run(capsys, ["dev", "up", "--state-dir", str(tmp_path / "state")])
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith("kcli: error: Java 17 or newer is needed to run Apache Kafka, and none was found "
                          "(JAVA_HOME is not set and no java is on PATH): install a Java 17+ runtime")
    assert (f"the Apache Kafka {KAFKA_VERSION} jars are not cached either and http://127.0.0.1:1 cannot be "
            "reached") in err
    assert "connect to the network once" in err
    assert not (tmp_path / "state" / "broker.pid").exists()


def test_missing_java_with_jars_at_hand(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path, no_java: Path) -> None:
    (tmp_path / "kafka" / "libs").mkdir(parents=True)
    monkeypatch.setenv("KAFKA_HOME", str(tmp_path / "kafka"))
    code, err = run(capsys, ["dev", "up", "--state-dir", str(tmp_path / "state")])
    assert code == 1 and err.count("\n") == 1, err
    assert "none was found (JAVA_HOME is not set and no java is on PATH): install a Java 17+ runtime" in err
    assert "jars" not in err


def test_an_old_java_is_named(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                              tmp_path: Path, no_java: Path) -> None:
    java = no_java / "java"
    java.write_text('#!/bin/sh\necho \'openjdk version "11.0.2" 2019-01-15\' >&2\n')
    java.chmod(0o755)
    (tmp_path / "kafka" / "libs").mkdir(parents=True)
    monkeypatch.setenv("KAFKA_HOME", str(tmp_path / "kafka"))
    code, err = run(capsys, ["dev", "up", "--state-dir", str(tmp_path / "state")])
    assert (code, err.count("\n")) == (1, 1), err
    assert f"kcli: error: {java} is Java 11; Apache Kafka {KAFKA_VERSION} needs Java 17 or newer: install" in err


def test_tool_without_java(capsys: pytest.CaptureFixture[str], tmp_path: Path, no_java: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "kafka" / "libs").mkdir(parents=True)
    monkeypatch.setenv("KAFKA_HOME", str(tmp_path / "kafka"))
    code, err = run(capsys, ["dev", "tool", "kafka-topics", "--version"])
    assert code == 1 and err.startswith("kcli: error: Java 17 or newer is needed") and err.count("\n") == 1


def test_status_of_an_empty_state_dir(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["dev", "status", "--state-dir", str(tmp_path)])
    assert exc.value.code == 1
    assert capsys.readouterr().out == "stopped\n"
