"""Errors of the Connect runtime, each mapped to the REST status Apache answers with."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kcli.connect.herder.base import JSON


class ConnectError(Exception):
    """A Connect failure; `status` is the HTTP status the REST API answers with."""

    status = 500

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def to_json(self) -> JSON:
        return {"error_code": self.status, "message": self.message}


class BadRequestError(ConnectError):
    status = 400


class NotFoundError(ConnectError):
    status = 404


class ConflictError(ConnectError):
    """409: e.g. a connector of that name exists, or a rebalance is in progress."""

    status = 409


class ConfigException(BadRequestError):
    """A config value that does not fit its definition; names the key."""

    def __init__(self, key: str, value: object = None, message: str = "") -> None:
        text = f"Invalid value {value} for configuration {key}" + (f": {message}" if message else "")
        super().__init__(text)
        self.key = key
        self.value = value


class RequestTargetError(ConnectError):
    """This worker cannot serve the request; `forward_url` can (the leader, or a connector's owner)."""

    status = 409

    def __init__(self, message: str, forward_url: str | None) -> None:
        super().__init__(message)
        self.forward_url = forward_url


class NotLeaderError(RequestTargetError):
    """Only the leader may do this; forward to it."""


class NotAssignedError(RequestTargetError):
    """The connector or task runs on another worker; forward to its owner."""


class RebalanceNeededError(ConflictError):
    """A rebalance is expected: the worker's view may be stale (REST answers 409)."""

    def __init__(self, message: str = "Request cannot be completed because a rebalance is expected") -> None:
        super().__init__(message)
