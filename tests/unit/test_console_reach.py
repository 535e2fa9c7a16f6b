"""The producer/consumer start-up wait and the producer's handling of records refused at once."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException

from kcli.console.produce_loop import Sender
from kcli.console.reach import await_metadata, configured_wait
from kcli.errors import KafkaOperationError, UsageError


def test_configured_wait_prefers_option_then_setting_then_default() -> None:
    assert configured_wait({"max.block.ms": "5s"}, "max.block.ms", 30.0, given=2.0) == 2.0
    assert configured_wait({"max.block.ms": "1500"}, "max.block.ms", 30.0) == 1.5
    assert configured_wait({}, "max.block.ms", 30.0) == 30.0
    with pytest.raises(UsageError, match="key 'max.block.ms'"):
        configured_wait({"max.block.ms": "0"}, "max.block.ms", 30.0)


class _Dead:
    def list_topics(self, topic: str | None = None, timeout: float = -1) -> Any:
        raise KafkaException(KafkaError(KafkaError._TRANSPORT,
                                        "Failed to get metadata: Local: Broker transport failure"))


def test_await_metadata_names_the_bootstrap_and_stops_on_signal() -> None:
    with pytest.raises(KafkaOperationError, match=r"at b1:9092 within 0.2s \(Failed to get metadata"):
        await_metadata(_Dead(), "b1:9092", 0.2)
    assert await_metadata(_Dead(), "b1:9092", 5, stopped=lambda: True) is None


class _Refusing:
    def produce(self, *args: Any, **kwargs: Any) -> None:
        raise KafkaException(KafkaError(KafkaError._UNKNOWN_PARTITION,
                                        "Unable to produce message: Local: Unknown partition"))

    def poll(self, timeout: float) -> int:
        return 0


def test_records_refused_at_once_count_as_failed() -> None:
    reports: list[str] = []
    sender = Sender(_Refusing(), "t", 7, False, reports.append)
    sender.send_values([b"a", b"b"])
    sender.send(b"k", b"c", None)
    assert (sender.tally.sent, sender.tally.failed) == (3, 3)
    assert reports[0] == "delivery failed to t [partition 7]: Local: Unknown partition (value 'a')"


class _NewTopic:
    """Metadata of a topic the broker learns of after `unknown_for` answers (as just after a create)."""

    def __init__(self, unknown_for: int) -> None:
        self.answers = 0
        self.unknown_for = unknown_for

    def list_topics(self, topic: str | None = None, timeout: float = -1) -> Any:
        from types import SimpleNamespace

        self.answers += 1
        if self.answers <= self.unknown_for:
            info = SimpleNamespace(error=KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART), partitions={})
        else:
            info = SimpleNamespace(error=None, partitions={0: None, 1: None})
        return SimpleNamespace(topics={topic: info})


def test_a_topic_created_a_moment_ago_is_asked_for_again() -> None:
    from kcli.console.lookup import ConfluentLookup
    from kcli.console.positions import topic_partitions

    assert topic_partitions(ConfluentLookup(_NewTopic(unknown_for=3)), "t", timeout=10) == [0, 1]  # type: ignore[arg-type]
    never = _NewTopic(unknown_for=10**6)
    with pytest.raises(KafkaOperationError, match="topic 't' is not available: Broker: Unknown topic or partition"):
        topic_partitions(ConfluentLookup(never), "t", timeout=0.3)  # type: ignore[arg-type]
    assert never.answers > 1
    assert topic_partitions(ConfluentLookup(never), "t", timeout=10, stopped=lambda: True) == []  # type: ignore[arg-type]
