"""Session fixtures: a real Apache Kafka broker (scripts/kafka-dev) or KCLI_TEST_BOOTSTRAP."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from tests.helpers import KAFKA_DEV, free_port


@pytest.fixture(scope="session")
def bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A bootstrap address of a real broker: KCLI_TEST_BOOTSTRAP, or one kafka-dev starts and stops."""
    existing = os.environ.get("KCLI_TEST_BOOTSTRAP")
    if existing:
        yield existing
        return
    state = tmp_path_factory.mktemp("kafka-dev")
    port = free_port()
    env = {**os.environ, "KAFKA_DEV_STATE": str(state)}
    proc = subprocess.run([str(KAFKA_DEV), "start", "--port", str(port)], env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        # Never a skip: a test that needs a broker and has none fails (CI=true or not).
        pytest.fail(f"could not start the Kafka broker with scripts/kafka-dev:\n{proc.stderr[-3000:]}")
    os.environ["KCLI_TEST_BOOTSTRAP"] = f"127.0.0.1:{port}"
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([str(KAFKA_DEV), "stop"], env=env, capture_output=True, timeout=120)
        os.environ.pop("KCLI_TEST_BOOTSTRAP", None)


@pytest.fixture(scope="session")
def kafka_libs(bootstrap: str) -> str:
    """The directory of the Apache jars, for reference tools (resolved with the broker)."""
    out = subprocess.run([str(KAFKA_DEV), "libs"], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        pytest.fail(f"kafka-dev could not resolve the Apache jars:\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture
def topic_name(request: pytest.FixtureRequest) -> str:
    """A topic name no other test uses."""
    base = "".join(c if c.isalnum() else "-" for c in request.node.name)[:60]
    return f"t-{base}-{uuid.uuid4().hex[:8]}"
