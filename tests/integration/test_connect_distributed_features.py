"""Distributed-mode features beyond balancing: YAML worker files, provider secrets kept raw, cluster-wide
logger levels, and the `eager` / `compatible` subprotocols."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import wait_for
from tests.integration.distributed_support import RECORDING, Cluster, per_worker
from tests.integration.test_connect_distributed_apache import _records
from tests.integration.test_connect_standalone_support import create_topic, read_topic

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def test_yaml_worker_secrets_stay_raw_and_cluster_logger_levels(tmp_path: Path, bootstrap: str,
                                                                topic_name: str) -> None:
    """A worker started from a YAML file joins one started from .properties; a `${file:…}` value reaches the
    task resolved but stays a reference over REST and in the config topic; `scope=cluster` reaches both."""
    secrets = tmp_path / "secrets.properties"
    secrets.write_text(f"topic={topic_name}\n")
    create_topic(bootstrap, topic_name)
    providers = {"config.providers": "file",
                 "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider"}
    cluster = Cluster(tmp_path, bootstrap, "features", providers)
    try:
        plain, from_yaml = cluster.start(), cluster.start(yaml=True)
        assert from_yaml.properties.suffix == ".yaml"
        reference = f"${{file:{secrets}:topic}}"
        source = tmp_path / "in.txt"
        source.write_text("one\ntwo\n")
        cluster.create("secret-src", {"connector.class": "FileStreamSource", "file": str(source),
                                      "topic": reference}, via=from_yaml)
        cluster.wait_running(2)
        assert len(read_topic(bootstrap, topic_name, 2)) == 2, "the task wrote to the resolved topic"
        for w in (plain, from_yaml):
            assert w.get("/connectors/secret-src/config")["topic"] == reference
            assert w.get("/connectors/secret-src/tasks")[0]["config"]["topic"] == reference
        config_topic = cluster.topics[0]
        records = _records(bootstrap, config_topic)
        assert any(k == "task-secret-src-0" for k, _ in records)
        assert topic_name not in repr(records), "no resolved value in the config topic"

        set_level = plain.request("PUT", "/admin/loggers/org.example.cluster?scope=cluster", json={"level": "DEBUG"})
        assert set_level.status_code == 204
        wait_for(lambda: all(w.get("/admin/loggers/org.example.cluster")["level"] == "DEBUG"
                             for w in (plain, from_yaml)), timeout=30, message="the level on every worker")
    finally:
        cluster.stop()


@pytest.mark.parametrize(("protocols", "version"), [(("eager", "eager"), 0), (("sessioned", "compatible"), 1)])
def test_subprotocols(tmp_path: Path, bootstrap: str, protocols: tuple[str, str], version: int) -> None:
    """`connect.protocol=eager` (stop everything, round-robin) works; a sessioned and a compatible worker agree on
    `compatible` (version 1); either way the work is shared and a dead worker's work moves on."""
    cluster = Cluster(tmp_path, bootstrap, "protocols", {"scheduled.rebalance.max.delay.ms": "0"})
    record = str(tmp_path / "record.log")
    try:
        workers = [cluster.start(extra={"connect.protocol": p}) for p in protocols]
        cluster.create("proto", {"connector.class": RECORDING, "tasks.max": "4", "record.file": record})
        tasks = {f"proto-{i}" for i in range(4)}

        def shared() -> dict[str, str] | None:
            placement = cluster.wait_running(5, timeout=5)
            counts = [t for _, t in per_worker(placement, tasks).values()]
            return placement if len(counts) == 2 and max(counts) - min(counts) <= 1 else None

        wait_for(shared, timeout=60, message="4 tasks shared by 2 workers")
        for w in workers:
            versions = re.findall(r"Joined group at generation \d+ with protocol version (\d)", w.output())
            assert versions and int(versions[-1]) == version
        workers[1].kill()
        cluster.wait_running(5, on={workers[0].worker_id}, timeout=60)
    finally:
        cluster.stop()
