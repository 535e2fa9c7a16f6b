"""Small pieces of the admin service that need no broker: topic ids, error wording."""

from __future__ import annotations

import base64
import concurrent.futures

from kcli.topics.service import TopicService, apache_uuid


class _FakeUuid:
    def __init__(self, raw: bytes) -> None:
        self.msb = int.from_bytes(raw[:8], "big", signed=True)
        self.lsb = int.from_bytes(raw[8:], "big", signed=True)

    def get_most_significant_bits(self) -> int:
        return self.msb

    def get_least_significant_bits(self) -> int:
        return self.lsb


def test_topic_id_prints_like_java_uuid() -> None:
    # librdkafka shows this id as '/7+nQJdvSjKx4m+XVqN6og'; Java's Uuid.toString as below.
    raw = base64.b64decode("/7+nQJdvSjKx4m+XVqN6og==")
    assert apache_uuid(_FakeUuid(raw)) == "_7-nQJdvSjKx4m-XVqN6og"
    assert apache_uuid(_FakeUuid(bytes(16))) == ""


def _service() -> TopicService:
    svc = TopicService.__new__(TopicService)
    svc.bootstrap, svc.timeout = "broker.example:9092", 3.0
    return svc


def test_timeouts_name_the_bootstrap_address() -> None:
    err = _service()._fail(concurrent.futures.TimeoutError())
    assert err.exit_code == 1
    assert err.message == "could not reach the Kafka broker at broker.example:9092 within 3s (no answer)"


def test_kafka_errors_keep_kafkas_words() -> None:
    from confluent_kafka import KafkaError, KafkaException

    exc = KafkaException(KafkaError(KafkaError.TOPIC_ALREADY_EXISTS, "Topic 'x' already exists."))
    assert _service()._fail(exc, "x").message == "Topic 'x' already exists."
    gone = KafkaException(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, "Broker: Unknown topic or partition"))
    assert _service()._fail(gone, "y").message == "Topic 'y' does not exist (Broker: Unknown topic or partition)"
    down = KafkaException(KafkaError(KafkaError._TRANSPORT, "Broker transport failure"))
    assert "broker.example:9092" in _service()._fail(down).message
