"""WorkerTask: one task's thread, its target state and status reporting (Apache's WorkerTask)."""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from kcli.connect.storage.config_store import PAUSED, STARTED, STOPPED

if TYPE_CHECKING:
    from kcli.connect.api.task import Task
    from kcli.connect.converters.base import Converter, HeaderConverter
    from kcli.connect.runtime.transformation_chain import TransformationChain

log = logging.getLogger(__name__)


class TaskStatusListener(Protocol):
    def on_task_startup(self, connector: str, task: int) -> None: ...
    def on_task_pause(self, connector: str, task: int) -> None: ...
    def on_task_resume(self, connector: str, task: int) -> None: ...
    def on_task_failure(self, connector: str, task: int, trace: str) -> None: ...
    def on_task_shutdown(self, connector: str, task: int) -> None: ...
    def on_topic(self, connector: str, task: int, topic: str) -> None: ...


def format_trace(exc: BaseException) -> str:
    """A status trace as Java prints one: `Type: message` first, then the (Python) traceback."""
    cls = type(exc)
    name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    head = f"{name}: {exc}" if str(exc) else name
    return head + "\n" + "".join(traceback.format_exception(cls, exc, exc.__traceback__)).rstrip()


class WorkerTask:
    """Runs a Task in its own thread; subclasses implement initialize/execute/close."""

    def __init__(self, connector: str, task_id: int, task: Task, task_config: dict[str, str],
                 listener: TaskStatusListener, target_state: str = STARTED) -> None:
        self.connector = connector
        self.task_id = task_id
        self.task = task
        self.task_config = task_config
        self.listener = listener
        self._target = target_state
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._started = False  # initialize() returned
        self._start_attempted = False  # initialize() was called (the task's stop() is then owed)
        self._failed = False
        self._reported_paused = False  # the last state this thread wrote was PAUSED
        self._cancelled = False
        self.thread = threading.Thread(target=self._run, name=f"task-thread-{connector}-{task_id}", daemon=True)

    @property
    def name(self) -> str:
        return f"{self.connector}-{self.task_id}"

    # -- control (called from the herder's threads) --------------------------------------------
    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Ask the task to stop; returns at once (see await_stop). The Task's own stop() is called by the task
        thread once its poll()/put() returned (in close(), as Apache's tasks do), never from this caller."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()

    def cancel(self) -> None:
        """Give up on a task that did not stop in time: it writes no status any more, since it may already run
        again elsewhere (Apache's WorkerTask.cancel)."""
        self._cancelled = True

    def await_stop(self, timeout: float) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()

    def transition_to(self, state: str) -> None:
        """Set the target state; the task thread acts on it and writes the status (Apache's transitionTo).

        PAUSED is reported once the thread has stopped handing records on, RUNNING once it has resumed:
        a status is never written here, from the herder's thread."""
        with self._cond:
            if self._stopping.is_set():
                return  # a stopping task keeps its last state
            self._target = state
            self._cond.notify_all()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def paused(self) -> bool:
        return self._target == PAUSED

    def await_unpause(self, timeout: float) -> bool:
        """Block while paused (up to timeout); True if still paused afterwards."""
        with self._cond:
            if self._target == PAUSED and not self._stopping.is_set():
                self._cond.wait(timeout)
            return self._target == PAUSED and not self._stopping.is_set()

    def report_paused(self) -> None:
        """Called by the task thread once it no longer processes records: the status becomes PAUSED."""
        self._reported_paused = True
        self.listener.on_task_pause(self.connector, self.task_id)

    def report_resumed(self) -> None:
        """Called by the task thread when it processes records again after a pause: RUNNING."""
        self._reported_paused = False
        self.listener.on_task_resume(self.connector, self.task_id)

    @property
    def reported_paused(self) -> bool:
        return self._reported_paused

    # -- the thread ----------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            if self._stopping.is_set():
                return
            if self._target == PAUSED:  # created paused: nothing is started until the resume (Apache's doRun)
                self.report_paused()
                while self.await_unpause(1.0):
                    pass
                if self._stopping.is_set():
                    return
            self._start_attempted = True
            self.initialize()
            self._started = True
            if self._stopping.is_set():
                return
            self.listener.on_task_startup(self.connector, self.task_id)
            self._reported_paused = False
            self.execute()
        except BaseException as exc:
            self._failed = True
            if self._stopping.is_set():  # Apache: no FAILED status for an error raised while being stopped
                log.warning("%s After being scheduled for shutdown, task threw an uncaught exception.", self,
                            exc_info=exc)
            else:
                log.error("%s Task threw an uncaught and unrecoverable exception. Task is being killed and will "
                          "not recover until manually restarted", self, exc_info=exc)
                if not self._cancelled:
                    self.listener.on_task_failure(self.connector, self.task_id, format_trace(exc))
        finally:
            try:
                self.close()
            except Exception as exc:
                log.warning("%s Exception while closing the task", self, exc_info=exc)
            if (not self._failed or self._stopping.is_set()) and not self._cancelled:
                self.listener.on_task_shutdown(self.connector, self.task_id)

    def __str__(self) -> str:
        return f"{type(self).__name__}{{id={self.name}}}"

    # -- for subclasses ------------------------------------------------------------------------
    def initialize(self) -> None:
        raise NotImplementedError

    def execute(self) -> None:
        raise NotImplementedError

    def close(self) -> None: ...

    def stop_task(self) -> None:
        """The Task's stop(), from close() on the task thread, once per task that was started (Apache)."""
        if not self._start_attempted:
            return
        try:
            self.task.stop()
        except Exception as exc:
            log.warning("%s Exception while stopping the task", self, exc_info=exc)


class PipelineTask(WorkerTask):
    """The state sink and source tasks share: converters, transforms, flush timing, topic tracking, errors."""

    def __init__(self, connector: str, task_id: int, task: Task, task_config: dict[str, str],
                 listener: TaskStatusListener, target_state: str, *, key_converter: Converter,
                 value_converter: Converter, header_converter: HeaderConverter | None,
                 transforms: TransformationChain | None, flush_interval_ms: int, flush_timeout_ms: int,
                 topic_tracking: bool, error_handling: tuple[bool, bool]) -> None:
        super().__init__(connector, task_id, task, task_config, listener, target_state)
        self._key_converter = key_converter
        self._value_converter = value_converter
        self._header_converter = header_converter
        self._transforms = transforms
        self._flush_interval = flush_interval_ms / 1000.0
        self._flush_timeout = flush_timeout_ms / 1000.0
        self._topic_tracking = topic_tracking
        self._topics: set[str] = set()
        self._tolerate, self._log_errors = error_handling
        self.records_skipped = 0

    def track_topics(self, topics: Iterable[str]) -> None:
        """Report each topic the task uses for the first time (topic.tracking.enable)."""
        if self._topic_tracking:
            for topic in set(topics) - self._topics:
                self._topics.add(topic)
                self.listener.on_topic(self.connector, self.task_id, topic)


__all__ = ["PAUSED", "STARTED", "STOPPED", "PipelineTask", "TaskStatusListener", "WorkerTask", "format_trace"]
