"""Logging on stderr in Apache's log4j layout: `[2026-11-23 19:00:00,123] INFO message (logger)`."""

from __future__ import annotations

import logging
import os
import sys
import time

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "OFF")


class Log4jFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created))
        level = {"WARNING": "WARN", "CRITICAL": "FATAL"}.get(record.levelname, record.levelname)
        line = f"[{stamp},{int(record.msecs):03d}] {level} {record.getMessage()} ({record.name})"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def debug_enabled() -> bool:
    """`--debug` / KCLI_DEBUG=1: tracebacks behind errors, and the Kafka client's own diagnostics."""
    return os.environ.get("KCLI_DEBUG", "") not in ("", "0", "false")


def python_level(name: str) -> int:
    name = name.strip().upper()
    return {"TRACE": 5, "WARN": logging.WARNING, "FATAL": logging.CRITICAL, "OFF": 100}.get(
        name, logging.getLevelName(name) if isinstance(logging.getLevelName(name), int) else logging.INFO
    )


def setup_logging(level: str | None = None) -> None:
    """Send kcli's logs to stderr in the log4j layout, at --log-level / KCLI_LOG_LEVEL (INFO)."""
    level = level or os.environ.get("KCLI_LOG_LEVEL") or "INFO"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Log4jFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(python_level(level))
    for noisy in ("uvicorn.access", "kafka", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def logging_configured() -> bool:
    """True once setup_logging() installed kcli's log4j-layout handler on the root logger."""
    return any(isinstance(h.formatter, Log4jFormatter) for h in logging.getLogger().handlers)
