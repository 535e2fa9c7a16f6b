"""kcli.clients.factory: the librdkafka settings every client gets unless the user set them."""

from __future__ import annotations

from typing import Any

from kcli.clients.factory import RECONNECT_BACKOFF_MS, _construct


def _conf(config: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    return _construct(lambda conf: conf, config, kwargs)


def test_first_reconnect_is_quick_by_default() -> None:
    # librdkafka reconnects to the broker the first metadata names after half of reconnect.backoff.ms
    assert _conf({"bootstrap.servers": "b:9092"})["reconnect.backoff.ms"] == RECONNECT_BACKOFF_MS == "20"


def test_a_users_reconnect_backoff_wins() -> None:
    assert _conf({"bootstrap.servers": "b:9092", "reconnect.backoff.ms": "250"})["reconnect.backoff.ms"] == "250"
    assert _conf({"bootstrap.servers": "b:9092"}, **{"reconnect.backoff.ms": 5})["reconnect.backoff.ms"] == 5
