"""The exceptions every command raises, each carrying the exit code it maps to."""

from __future__ import annotations

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
