"""`/admin/loggers`: Apache's logger-level endpoints over Python's logging module.

Levels use Apache's (log4j) names: OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL. The root
logger is called `root`. Setting a level on a name sets it on that logger and every existing
descendant, and answers with the sorted names changed (Apache's `setWorkerLoggerLevel`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from kcli.connect.errors import BadRequestError, NotFoundError

if TYPE_CHECKING:
    from kcli.connect.herder.base import JSON

ROOT = "root"

# Apache level name -> Python level number (TRACE and ALL sit below DEBUG, OFF above CRITICAL).
TO_PYTHON = {"ALL": 1, "TRACE": 5, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
             "ERROR": logging.ERROR, "FATAL": logging.CRITICAL, "OFF": 100}


def apache_level(level: int) -> str:
    """The Apache name of a Python level: the most verbose Apache level the number still allows."""
    name = "ALL"
    for apache, number in sorted(TO_PYTHON.items(), key=lambda kv: kv[1]):
        if level >= number:
            name = apache
    return name


class LoggerLevels:
    """Reads and sets logger levels; remembers when the REST API last changed each one."""

    def __init__(self) -> None:
        self._last_modified: dict[str, int] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _logger(name: str) -> logging.Logger:
        return logging.getLogger() if name == ROOT else logging.getLogger(name)

    @staticmethod
    def _current_names() -> list[str]:
        manager = logging.Logger.manager
        names = [n for n, lg in list(manager.loggerDict.items()) if isinstance(lg, logging.Logger)]
        return sorted({*names, ROOT})

    def _entry(self, name: str) -> JSON:
        return {"level": apache_level(self._logger(name).getEffectiveLevel()),
                "last_modified": self._last_modified.get(name)}

    def all_levels(self) -> dict[str, JSON]:
        """GET /admin/loggers: every current logger with its effective level."""
        return {name: self._entry(name) for name in self._current_names()}

    def level(self, name: str) -> JSON:
        """GET /admin/loggers/{name}; 404 for a logger that does not exist."""
        if name != ROOT and not isinstance(logging.Logger.manager.loggerDict.get(name), logging.Logger):
            raise NotFoundError(f"Logger {name} not found.")
        return self._entry(name)

    @staticmethod
    def parse_level(body: Any) -> str:
        """The level of a PUT body; 400 when missing, 404 when not a level name (as Apache)."""
        raw = body.get("level") if isinstance(body, dict) else None
        if raw is None:
            raise BadRequestError("Desired 'level' parameter was not specified in request.")
        level = str(raw).upper()
        if level not in TO_PYTHON:
            raise NotFoundError(f"invalid log level '{raw}'.")
        return level

    def set_level(self, name: str, level: str) -> list[str]:
        """Set `name` and its existing descendants to `level`; the sorted names whose level changed (a logger
        never set before counts as changed, as a logger Apache's listing does not hold yet)."""
        number = TO_PYTHON[level]
        if name == ROOT:
            targets = self._current_names()
        else:
            self._logger(name)  # creates it, as log4j does
            targets = [n for n in self._current_names() if n == name or n.startswith(name + ".")]
        now = int(time.time() * 1000)
        changed = []
        with self._lock:
            for target in targets:
                logger = self._logger(target)
                before = apache_level(logger.getEffectiveLevel()) if target in self._last_modified or \
                    logger.level != logging.NOTSET else ""
                logger.setLevel(number)
                if apache_level(logger.getEffectiveLevel()) != before:  # as Apache: only real changes count
                    self._last_modified[target] = now
                    changed.append(target)
        return changed
