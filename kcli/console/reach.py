"""A bounded first metadata request, so a broker that does not answer fails with one line naming the bootstrap."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from kcli.durations import parse_duration
from kcli.errors import KafkaOperationError, kafka_reason

if TYPE_CHECKING:
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient, ClusterMetadata

STEP = 1.0  # seconds per metadata attempt, so Ctrl-C is seen while waiting
T = TypeVar("T")


def configured_wait(cfg: Mapping[str, str], key: str, default: float, given: float | None = None) -> float:
    """Seconds to wait for the broker: the option's value, else the Java setting `key` (a duration), else default."""
    if given is not None:
        return given
    if cfg.get(key):
        return parse_duration(cfg[key], option=f"key '{key}'", positive=True)
    return default


def unreachable(bootstrap: str, wait: float, reason: str) -> KafkaOperationError:
    """The one-line error for a broker that did not answer."""
    return KafkaOperationError(f"could not reach the Kafka broker at {bootstrap} within {wait:g}s ({reason})")


class Unanswered(Exception):
    """One attempt of `await_answer` went unanswered; the message says why."""


def await_answer(ask: Callable[[float], T], bootstrap: str, wait: float,
                 stopped: Callable[[], bool] | None = None) -> T | None:
    """`ask(timeout)` again until it answers, for at most `wait` seconds; KafkaOperationError naming the bootstrap
    if it never does (ask raises Unanswered(reason) for each attempt that fails).

    Returns None when `stopped()` turns true first (a signal asked the command to end).
    """
    deadline = time.monotonic() + wait
    reason = "no answer"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise unreachable(bootstrap, wait, reason)
        try:
            return ask(min(STEP, left))
        except Unanswered as exc:
            reason = str(exc)
        if stopped is not None and stopped():
            return None


def await_metadata(client: Consumer | Producer | AdminClient, bootstrap: str, wait: float, topic: str | None = None,
                   stopped: Callable[[], bool] | None = None) -> ClusterMetadata | None:
    """Cluster (or one topic's) metadata within `wait` seconds (see await_answer)."""
    from confluent_kafka import KafkaException

    def ask(timeout: float) -> ClusterMetadata:
        try:
            return client.list_topics(topic, timeout=timeout)
        except KafkaException as exc:
            raise Unanswered(kafka_reason(exc)) from None

    return await_answer(ask, bootstrap, wait, stopped)
