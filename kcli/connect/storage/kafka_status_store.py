"""KafkaStatusStore: connector/task statuses and active topics on the status topic.

Keys `status-connector-<name>`, `status-task-<name>-<n>`, `status-topic-<topic>:connector-<name>`;
values the schemaless JSON Apache 4.3.1's KafkaStatusBackingStore writes: `{"state","trace","worker_id","generation",
"version"}`; a deleted connector or task is a tombstone. A status becomes visible once it has been
read back from the topic, on every worker alike.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import Future

from kcli.connect.converters.jackson import dumps_bytes
from kcli.connect.storage.kafka_log import KafkaLog, LogFactory
from kcli.connect.storage.status_store import (
    FAILED,
    PAUSED,
    RESTARTING,
    RUNNING,
    STOPPED,
    UNASSIGNED,
    MemoryStatusStore,
    Status,
    TopicStatus,
)
from kcli.connect.task_id import parse_task_key

log = logging.getLogger(__name__)

CONNECTOR_PREFIX, TASK_PREFIX, TOPIC_PREFIX, TOPIC_SEPARATOR = (
    "status-connector-", "status-task-", "status-topic-", ":connector-")
FLUSH_TIMEOUT_S = 30.0
STATES = frozenset({UNASSIGNED, RUNNING, PAUSED, FAILED, RESTARTING, STOPPED})


def status_value(status: Status) -> bytes:
    return dumps_bytes({"state": status.state, "trace": status.trace, "worker_id": status.worker_id,
                        "generation": status.generation, "version": status.version})


def topic_value(status: TopicStatus) -> bytes:
    return dumps_bytes({"topic": {"name": status.topic, "connector": status.connector, "task": status.task,
                                  "discoverTimestamp": status.discover_timestamp}})


def parse_status(value: bytes) -> Status | None:
    try:
        data = json.loads(value)
        state, worker, generation = data["state"], data["worker_id"], data["generation"]
    except (ValueError, TypeError, KeyError):
        return None
    if state not in STATES or not isinstance(worker, str) or not isinstance(generation, int):
        return None
    trace, version = data.get("trace"), data.get("version")
    return Status(state, worker, trace if isinstance(trace, str) else None, generation,
                  version if isinstance(version, str) else None)


class KafkaStatusStore(MemoryStatusStore):
    """Statuses written to the status topic; what the store reads back is what the memory store holds."""

    def __init__(self, make_log: LogFactory) -> None:
        super().__init__()
        self._log: KafkaLog = make_log(self._on_record)

    def start(self) -> None:
        self._log.start()

    def stop(self) -> None:
        self._log.stop()

    def flush(self) -> None:
        self._log.flush(FLUSH_TIMEOUT_S)

    # -- writes go to the topic; reads (inherited) see them once read back ------------------------------
    def _send(self, key: str, value: bytes | None) -> None:
        def report_failure(f: Future[int]) -> None:
            exc = f.exception()
            if exc is not None:
                log.error("Failed to write status update %s: %s", key, exc)

        self._log.send(key.encode("utf-8"), value).add_done_callback(report_failure)

    def put_connector(self, name: str, status: Status, safe: bool = False) -> None:
        with self._lock:
            if not self._may_write(self._connectors.get(name), status, safe):
                return
        self._send(CONNECTOR_PREFIX + name, status_value(status))

    def put_task(self, name: str, task: int, status: Status, safe: bool = False) -> None:
        with self._lock:
            if not self._may_write(self._tasks.get(name, {}).get(task), status, safe):
                return
        self._send(f"{TASK_PREFIX}{name}-{task}", status_value(status))

    def delete_connector(self, name: str) -> None:
        for task in self.tasks(name):
            self.delete_task(name, task)
        self._send(CONNECTOR_PREFIX + name, None)

    def delete_task(self, name: str, task: int) -> None:
        self._send(f"{TASK_PREFIX}{name}-{task}", None)

    def put_topic(self, status: TopicStatus) -> None:
        self._send(f"{TOPIC_PREFIX}{status.topic}{TOPIC_SEPARATOR}{status.connector}", topic_value(status))

    def delete_topics(self, connector: str) -> None:
        for topic in self.topics(connector):
            self._send(f"{TOPIC_PREFIX}{topic}{TOPIC_SEPARATOR}{connector}", None)

    # -- the log's thread --------------------------------------------------------------------------
    def _on_record(self, key_bytes: bytes | None, value: bytes | None, partition: int, offset: int) -> None:
        key = (key_bytes or b"").decode("utf-8", "replace")
        if key.startswith(CONNECTOR_PREFIX):
            self._read_connector(key[len(CONNECTOR_PREFIX):], value)
        elif key.startswith(TASK_PREFIX):
            self._read_task(key, value)
        elif key.startswith(TOPIC_PREFIX):
            self._read_topic(key, value)
        else:
            log.warning("Discarding record with invalid key %s", key)

    def _read_connector(self, name: str, value: bytes | None) -> None:
        if not name:
            log.warning("Discarding record with invalid connector status key")
            return
        with self._lock:
            if value is None:
                self._connectors.pop(name, None)
                self._tasks.pop(name, None)
                return
            status = parse_status(value)
            if status is None:
                log.error("Failed to deserialize connector status of %s", name)
                return
            self._connectors[name] = status

    def _read_task(self, key: str, value: bytes | None) -> None:
        task = parse_task_key(key, TASK_PREFIX)
        if task is None:
            log.warning("Discarding record with invalid task status key %s", key)
            return
        with self._lock:
            if value is None:
                self._tasks.get(task.connector, {}).pop(task.task, None)
                return
            status = parse_status(value)
            if status is None:
                log.warning("Failed to parse task status with key %s", key)
                return
            current = self._tasks.get(task.connector, {}).get(task.task)
            if status.state == UNASSIGNED and current is not None and current.state == RUNNING \
                    and current.generation >= status.generation:
                return  # a stale UNASSIGNED from the previous owner, after the new owner's RUNNING
            self._tasks.setdefault(task.connector, {})[task.task] = status

    def _read_topic(self, key: str, value: bytes | None) -> None:
        rest = key[len(TOPIC_PREFIX):]
        topic, sep, connector = rest.partition(TOPIC_SEPARATOR)
        if not sep or not topic or not connector:
            log.warning("Discarding record with invalid topic status key %s", key)
            return
        with self._lock:
            if value is None:
                self._topics.get(connector, {}).pop(topic, None)
                return
            try:
                data = json.loads(value)["topic"]
                status = TopicStatus(data["name"], data["connector"], int(data["task"]),
                                     int(data["discoverTimestamp"]))
            except (ValueError, TypeError, KeyError):
                log.warning("Failed to parse topic status with key %s", key)
                return
            self._topics.setdefault(connector, {})[topic] = status
