"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.test_rest_client import FakeWorker


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWorker]:
    """A fake Connect worker on a local port, named by KCLI_CONNECT_URL."""
    worker = FakeWorker()
    monkeypatch.setenv("KCLI_CONNECT_URL", worker.url)
    yield worker
    worker.close()
