"""One confluent-kafka AdminClient (made on first use) whose failures become one-line `KafkaOperationError`s.

A Kafka error keeps Kafka's own reason and names what it was about (`topic 't'`, `broker 1`) unless the
reason does already; a broker that cannot be reached within the timeout names the bootstrap address.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from kcli import durations
from kcli.errors import KafkaOperationError, UsageError, kafka_reason

if TYPE_CHECKING:
    from confluent_kafka.admin import AdminClient

_T = TypeVar("_T")

# librdkafka's error names meaning "no broker answered"
UNREACHABLE = ("_TRANSPORT", "_TIMED_OUT", "_ALL_BROKERS_DOWN", "_RESOLVE", "_WAIT_COORD")
ADMIN_MAX_TIMEOUT = 3600.0  # librdkafka's admin request/operation timeouts take at most 3600000 ms
DEFAULT_TIMEOUT = 30.0


def parse_timeout(text: str | None, default: float = DEFAULT_TIMEOUT) -> float:
    """--timeout in seconds: `30s`, `5m`, `1500ms` or bare milliseconds (kcli.durations), at most 1h (the admin
    client's limit); unset gives `default`."""
    if not text:
        return default
    return durations.parse_duration(text, option="--timeout", positive=True, maximum=ADMIN_MAX_TIMEOUT)


def err_text(exc: BaseException) -> tuple[str, str]:
    """(librdkafka error name, message) of a KafkaException or any other exception (never a KafkaError's repr)."""
    arg = exc.args[0] if exc.args else None
    if arg is not None and hasattr(arg, "str") and hasattr(arg, "name"):
        return arg.name(), arg.str()
    return type(exc).__name__, kafka_reason(exc)


def client_debug() -> bool:
    """--debug or --log-level DEBUG/TRACE: librdkafka's own connection chatter may reach stderr."""
    from kcli.logs import debug_enabled

    return debug_enabled() or os.environ.get("KCLI_LOG_LEVEL", "").upper() in ("DEBUG", "TRACE")


class AdminSession:
    """An admin client on one cluster; every request is bounded by `timeout` seconds."""

    def __init__(self, config: Mapping[str, str], timeout: float = DEFAULT_TIMEOUT, debug: bool | None = None) -> None:
        self.config = config
        self.bootstrap = config.get("bootstrap.servers", "")
        self.timeout = timeout
        # librdkafka's own connection chatter stays off stderr unless --debug / --log-level DEBUG asks for it
        self.quiet: dict[str, Any] = {} if (client_debug() if debug is None else debug) else {"log_level": 0}

    @cached_property
    def admin(self) -> AdminClient:
        """confluent-kafka's AdminClient, made on first use (a command served by kcli.native needs none)."""
        from kcli.clients import make_admin

        return make_admin(self.config, **self.quiet)

    def _unreachable(self, text: str) -> KafkaOperationError:
        return KafkaOperationError(
            f"could not reach the Kafka broker at {self.bootstrap} within {self.timeout:g}s ({text})")

    def _kafka_error(self, name: str, text: str, subject: str | None) -> KafkaOperationError:
        """Kafka's reason, naming `subject` unless the reason does already (subclasses word their own cases)."""
        return KafkaOperationError(text if not subject or subject in text else f"{text} ({subject})")

    def _fail(self, exc: BaseException, subject: str | None = None) -> KafkaOperationError:
        name, text = err_text(exc)
        if isinstance(exc, (TimeoutError, FutureTimeout)):  # distinct classes before Python 3.11
            name, text = "_TIMED_OUT", "no answer"
        return self._failed(name, text, subject)

    def _failed(self, name: str, text: str, subject: str | None = None) -> KafkaOperationError:
        """The error for librdkafka's error `name` with its words `text`."""
        if name in UNREACHABLE or "timed out" in text.lower():
            return self._unreachable(text)
        return self._kafka_error(name, text, subject)

    def _result(self, future: Future[_T], subject: str | None = None) -> _T:
        try:
            return future.result(timeout=self.timeout + 5)
        except Exception as exc:  # KafkaException, TimeoutError
            raise self._fail(exc, subject) from exc

    def _submit(self, call: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Hand a request to the admin client; a request librdkafka refuses before sending is one error line."""
        try:
            return call(*args, **kwargs)
        except (ValueError, TypeError) as exc:
            raise UsageError(kafka_reason(exc)) from None
        except Exception as exc:  # KafkaException
            raise self._fail(exc) from exc

    def _opts(self) -> dict[str, float]:
        return {"request_timeout": self.timeout}
