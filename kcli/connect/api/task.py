"""Tasks: the units of work a connector splits into (Apache's SourceTask / SinkTask)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from kcli.connect.api.context import SinkTaskContext, SourceTaskContext, TaskContext
from kcli.connect.api.records import RecordMetadata, SinkRecord, SourceRecord, TopicPartition


class RetriableException(Exception):
    """Raised by put()/poll() when the operation may succeed if retried."""


class Task(ABC):
    context: TaskContext | None = None

    def version(self) -> str:
        from kcli import __version__

        return __version__

    def initialize(self, context: TaskContext) -> None:
        self.context = context

    @abstractmethod
    def start(self, props: dict[str, str]) -> None: ...

    @abstractmethod
    def stop(self) -> None:
        """Called once, by the task's own thread, after the last poll()/put() returned and the last offsets were
        committed (as Apache's runtime does): release what start() took. A poll() is never interrupted by it, so
        it should block only briefly."""


class SourceTask(Task):
    context: SourceTaskContext | None = None

    @abstractmethod
    def poll(self) -> list[SourceRecord] | None:
        """Records read since the last call, or None/[] when nothing is there (may block briefly)."""

    def commit(self) -> None:
        """Called after the offsets of the records returned so far have been committed."""

    def commit_record(self, record: SourceRecord, metadata: RecordMetadata | None) -> None:
        """Called for each record the broker acknowledged (metadata None: dropped by a transform)."""


class SinkTask(Task):
    context: SinkTaskContext | None = None

    @abstractmethod
    def put(self, records: list[SinkRecord]) -> None: ...

    def flush(self, current_offsets: dict[TopicPartition, int]) -> None:
        """Make everything handed to put() durable."""

    def pre_commit(self, current_offsets: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
        """Offsets safe to commit (by default: flush, then all of them)."""
        self.flush(current_offsets)
        return current_offsets

    def open(self, partitions: list[TopicPartition]) -> None:
        """Partitions newly assigned to this task."""

    def close(self, partitions: list[TopicPartition]) -> None:
        """Partitions taken from this task (after a final pre_commit)."""

