"""Contexts the runtime hands to connectors and tasks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from kcli.connect.api.records import TopicPartition


class OffsetStorageReader(ABC):
    """Reads the committed source offsets of this connector."""

    @abstractmethod
    def offsets(self, partitions: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """(partition, offset or None) for each partition asked for."""

    def offset(self, partition: dict[str, Any]) -> dict[str, Any] | None:
        return self.offsets([partition])[0][1]


class ConnectorContext(ABC):
    @abstractmethod
    def request_task_reconfiguration(self) -> None:
        """Ask the runtime to call task_configs() again (e.g. the source's inputs changed)."""

    @abstractmethod
    def raise_error(self, exc: BaseException) -> None:
        """Mark the connector FAILED with this error."""


class SourceConnectorContext(ConnectorContext):
    @property
    @abstractmethod
    def offset_storage_reader(self) -> OffsetStorageReader: ...


class SinkConnectorContext(ConnectorContext):
    pass


class TaskContext(ABC):
    @abstractmethod
    def configs(self) -> dict[str, str]:
        """The task's configuration."""


class SourceTaskContext(TaskContext):
    @property
    @abstractmethod
    def offset_storage_reader(self) -> OffsetStorageReader: ...


class SinkTaskContext(TaskContext):
    @abstractmethod
    def offset(self, offsets: dict[TopicPartition, int] | TopicPartition, offset: int | None = None) -> None:
        """Rewind/skip consumption: the next record read from each partition is at this offset."""

    @abstractmethod
    def timeout(self, ms: int) -> None:
        """Retry the last put() after this many ms (after a RetriableException)."""

    @abstractmethod
    def assignment(self) -> set[TopicPartition]: ...

    @abstractmethod
    def pause(self, *partitions: TopicPartition) -> None: ...

    @abstractmethod
    def resume(self, *partitions: TopicPartition) -> None: ...

    @abstractmethod
    def request_commit(self) -> None:
        """Ask for an offset commit as soon as possible."""
