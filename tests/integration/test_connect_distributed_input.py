"""`kcli connect distributed` on bad input: one line naming the key, Apache's exit code, nothing written.

Apache's codes were measured with connect-distributed from the 4.3.1 jars: a missing required key
and a taken REST port exit 2 at once (the reference test runs Apache beside kcli on those); an
unreachable broker exits 2 after Apache's 60 s admin timeout and a non-compacted internal topic
exits 1 from the herder thread (both too slow to run Apache for on every test run).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_tool
from tests.integration.distributed_support import Cluster

pytestmark = [pytest.mark.broker]


def _run(properties: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kcli", "connect", "distributed", str(properties)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def _topics(bootstrap: str) -> set[str]:
    from confluent_kafka.admin import AdminClient

    return set(AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics)


def _error_line(proc: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("kcli: error:")]
    assert len(lines) == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    return lines[0]


def _without(path: Path, key: str) -> Path:
    out = path.with_name(f"{path.stem}-no-{key}.properties")
    out.write_text("".join(ln + "\n" for ln in path.read_text().splitlines() if not ln.startswith(key + "=")))
    return out


@pytest.mark.java
@pytest.mark.parametrize("key", ["group.id", "config.storage.topic", "offset.storage.topic", "status.storage.topic"])
def test_missing_required_key(tmp_path: Path, bootstrap: str, kafka_libs: str, key: str) -> None:
    cluster = Cluster(tmp_path, bootstrap, "missing")
    broken = _without(cluster.properties(0), key)
    proc = _run(broken)
    apache = run_tool("connect-distributed", [str(broken)], timeout=120)
    assert proc.returncode == apache.returncode == 2
    assert f"Missing required configuration \"{key}\"" in _error_line(proc) and f"(key '{key}')" in proc.stderr
    assert not {t for t in _topics(bootstrap) if t.startswith(cluster.group)}, "nothing was created"


def test_invalid_value_names_the_key(tmp_path: Path, bootstrap: str) -> None:
    cluster = Cluster(tmp_path, bootstrap, "invalid", {"connect.protocol": "chatty"})
    proc = _run(cluster.properties(0))
    assert proc.returncode == 2
    assert "(key 'connect.protocol')" in _error_line(proc)


@pytest.mark.java
def test_taken_port(tmp_path: Path, bootstrap: str, kafka_libs: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        cluster = Cluster(tmp_path, bootstrap, "port")
        properties = cluster.properties(port)
        proc = _run(properties)
        apache = run_tool("connect-distributed", [str(properties)], timeout=120)
    assert proc.returncode == apache.returncode == 2
    assert "address already in use" in _error_line(proc) and "(key 'listeners')" in proc.stderr
    assert not {t for t in _topics(bootstrap) if t.startswith(cluster.group)}


def test_unreachable_broker(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{s.getsockname()[1]}"
    cluster = Cluster(tmp_path, dead, "unreachable")
    proc = _run(cluster.properties(0))
    assert proc.returncode == 2
    line = _error_line(proc)
    assert dead in line and "(key 'bootstrap.servers')" in line


def test_internal_topic_that_is_not_compacted(tmp_path: Path, bootstrap: str) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    cluster = Cluster(tmp_path, bootstrap, "notcompact")
    config, offsets, status = cluster.topics
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(offsets, 1, 1, config={"cleanup.policy": "delete"})]).values():
        f.result(30)
    proc = _run(cluster.properties(0))
    assert proc.returncode == 1
    line = _error_line(proc)
    assert f"Topic '{offsets}' supplied via the 'offset.storage.topic' property is required to have " \
           "'cleanup.policy=compact'" in line
    assert config not in _topics(bootstrap) and status not in _topics(bootstrap), "no other internal topic made"
    low, high = _watermarks(bootstrap, offsets)
    assert high == low == 0, "nothing written to the offsets topic"


def _watermarks(bootstrap: str, topic: str) -> tuple[int, int]:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "watermarks"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    finally:
        consumer.close()


def test_usage_and_missing_file(tmp_path: Path) -> None:
    no_args = subprocess.run([sys.executable, "-m", "kcli", "connect", "distributed"], capture_output=True, text=True,
                             timeout=60, cwd=ROOT)
    assert no_args.returncode == 1 and "Usage: kcli connect distributed WORKER.properties" in no_args.stderr
    missing = _run(tmp_path / "nope.properties")
    assert missing.returncode == 2  # as Apache's connect-distributed (and connect-standalone)
    assert "file not found" in _error_line(missing)
