"""The foundation against a real broker: kafka-dev, Java-style client configs, the Apache tools."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from kcli.clients import make_admin, make_producer
from kcli.config import load_config
from tests.helpers import KAFKA_DEV

pytestmark = pytest.mark.broker


def test_java_client_properties_file_talks_to_the_broker(bootstrap: str, tmp_path: Path, topic_name: str) -> None:
    client = tmp_path / "client.properties"
    client.write_text(
        f"bootstrap.servers={bootstrap}\n"
        "security.protocol=PLAINTEXT\n"
        "key.serializer=org.apache.kafka.common.serialization.StringSerializer\n"
        "value.serializer=org.apache.kafka.common.serialization.StringSerializer\n"
        "buffer.memory=33554432\n"
        "acks=all\n"
    )
    cfg = load_config([client])
    producer = make_producer(cfg)
    errors: list = []
    producer.produce(topic_name, b"v", on_delivery=lambda err, msg: errors.append(err))
    assert producer.flush(30) == 0
    assert errors == [None]
    topics = make_admin(cfg).list_topics(timeout=30).topics
    assert topic_name in topics


def test_apache_tool_sees_what_kcli_clients_wrote(bootstrap: str, topic_name: str) -> None:
    producer = make_producer({"bootstrap.servers": bootstrap})
    producer.produce(topic_name, b"from-librdkafka")
    assert producer.flush(30) == 0
    # through scripts/kafka-dev itself (the other tests start the java command it execs directly)
    proc = subprocess.run([str(KAFKA_DEV), "tool", "kafka-console-consumer", "--bootstrap-server", bootstrap,
                           "--topic", topic_name, "--from-beginning", "--max-messages", "1"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "from-librdkafka\n"


def test_kafka_dev_env_and_status(bootstrap: str) -> None:
    env = subprocess.run([str(KAFKA_DEV), "env"], capture_output=True, text=True, timeout=60,
                         env={**os.environ})
    assert env.returncode == 0
    assert "export KAFKA_DEV_LIBS=" in env.stdout
    libs = env.stdout.split("KAFKA_DEV_LIBS=")[1].strip()
    assert any(p.name.startswith("kafka_2.13-4.") for p in Path(libs).iterdir())


def test_kafka_dev_rejects_unknown_tool() -> None:
    proc = subprocess.run([str(KAFKA_DEV), "tool", "kafka-nope"], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "unknown tool 'kafka-nope'" in proc.stderr
