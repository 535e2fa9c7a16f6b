"""The exceptions every command raises, each carrying the exit code it maps to."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing into every command's first module
if TYPE_CHECKING:
    from typing import Protocol, TypeGuard

    class _KafkaErrorLike(Protocol):  # what kafka_reason reads of a confluent_kafka KafkaError
        def str(self) -> str: ...
        def code(self) -> int: ...

EXIT_OK = 0
EXIT_FAILED = 1  # the operation failed on the Kafka or REST side
EXIT_USAGE = 2  # usage or input error before anything was done
EXIT_INTERRUPTED = 130


class KcliError(Exception):
    """An error shown to the user as one line, `kcli: error: <message>`."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(KcliError):
    """Bad flags or malformed input, found before anything was done (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A config file or key that cannot be used; the message names the file, line or key."""


class KafkaOperationError(KcliError):
    """Kafka answered with an error, or could not be reached (exit 1)."""


def _is_kafka_error(obj: object) -> TypeGuard[_KafkaErrorLike]:
    return callable(getattr(obj, "str", None)) and callable(getattr(obj, "code", None))


def kafka_reason(exc: object) -> str:
    """The words of a confluent-kafka error: a KafkaException's KafkaError (or a bare KafkaError) as its `.str()`
    ("Broker transport failure"), never its repr (`KafkaError{code=_TRANSPORT,val=-195,…}`); anything else as str()."""
    if _is_kafka_error(exc):
        return str(exc.str())
    args = getattr(exc, "args", None) or ()
    if args and _is_kafka_error(args[0]):
        return str(args[0].str())
    return str(exc) or type(exc).__name__


def one_line(text: str) -> str:
    """A possibly multi-line message (a worker's validation errors, a library's text) as one line."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out.endswith((":", ".", ";", ",", "!", "?")):
            out = f"{out} {line}"
        else:
            out = f"{out}; {line}"
    return out
