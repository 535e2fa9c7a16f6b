"""The Connect group protocol's wire formats (Apache's ConnectProtocol / IncrementalCooperativeConnectProtocol).

A JoinGroup carries each worker's *subscription* (REST URL, config offset and, from version 1, the
work it currently runs); the leader's SyncGroup carries each worker's *assignment*. Both are
Kafka protocol primitives, big-endian: a version header (int16), then the fields below.
Pure functions, no I/O.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

from kcli.connect.task_id import TaskId

CONNECTOR_TASK = -1  # the task id that stands for "the Connector instance itself"
NO_ERROR, CONFIG_MISMATCH = 0, 1
EAGER_VERSION, COMPATIBLE_VERSION, SESSIONED_VERSION = 0, 1, 2

# connect.protocol -> the subprotocols offered in JoinGroup, in order of preference
PROTOCOLS = {
    "eager": ("default",),
    "compatible": ("compatible", "default"),
    "sessioned": ("sessioned", "compatible", "default"),
}
VERSION_OF = {"default": EAGER_VERSION, "compatible": COMPATIBLE_VERSION, "sessioned": SESSIONED_VERSION}


class ProtocolError(ValueError):
    """Bytes that are not a Connect subscription or assignment."""


@dataclass
class Assignment:
    """What the leader gives one worker (Apache's ExtendedAssignment; v0 has no revocations or delay)."""

    version: int = COMPATIBLE_VERSION
    error: int = NO_ERROR
    leader: str = ""
    leader_url: str = ""
    offset: int = -1
    connectors: list[str] = field(default_factory=list)
    tasks: list[TaskId] = field(default_factory=list)
    revoked_connectors: list[str] = field(default_factory=list)
    revoked_tasks: list[TaskId] = field(default_factory=list)
    delay: int = 0

    @property
    def failed(self) -> bool:
        return self.error != NO_ERROR

    def __str__(self) -> str:
        """Apache's ExtendedAssignment.toString, so log parsers that read Apache's worker logs read these."""
        def ids(items: Iterable[object]) -> str:
            return "[" + ", ".join(str(i) for i in items) + "]"

        return (f"Assignment{{error={self.error}, leader='{self.leader}', leaderUrl='{self.leader_url}', "
                f"offset={self.offset}, connectorIds={ids(self.connectors)}, taskIds={ids(self.tasks)}, "
                f"revokedConnectorIds={ids(self.revoked_connectors)}, revokedTaskIds={ids(self.revoked_tasks)}, "
                f"delay={self.delay}}}")

    def copy(self) -> Assignment:
        return Assignment(self.version, self.error, self.leader, self.leader_url, self.offset, list(self.connectors),
                          list(self.tasks), list(self.revoked_connectors), list(self.revoked_tasks), self.delay)


@dataclass(frozen=True)
class WorkerState:
    """One worker's subscription: its advertised REST URL, config offset and current allocation."""

    url: str
    offset: int
    allocation: Assignment | None = None


# -- primitives ---------------------------------------------------------------------------------


class _Writer:
    def __init__(self) -> None:
        self.buf = bytearray()

    def int16(self, v: int) -> None:
        self.buf += struct.pack(">h", v)

    def int32(self, v: int) -> None:
        self.buf += struct.pack(">i", v)

    def int64(self, v: int) -> None:
        self.buf += struct.pack(">q", v)

    def string(self, s: str) -> None:
        data = (s or "").encode("utf-8")
        if len(data) > 0x7FFF:
            raise ProtocolError(f"string of {len(data)} bytes is longer than the protocol's 32767")
        self.int16(len(data))
        self.buf += data

    def nullable_bytes(self, b: bytes | None) -> None:
        if b is None:
            self.int32(-1)
        else:
            self.int32(len(b))
            self.buf += b


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)
        self.pos = 0

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def _take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ProtocolError("truncated Connect protocol data")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int16(self) -> int:
        return struct.unpack(">h", self._take(2))[0]

    def int32(self) -> int:
        return struct.unpack(">i", self._take(4))[0]

    def int64(self) -> int:
        return struct.unpack(">q", self._take(8))[0]

    def string(self) -> str:
        n = self.int16()
        if n < 0:
            raise ProtocolError("null where a string is required")
        return self._take(n).decode("utf-8", "replace")  # as Java's decoder: bad bytes become U+FFFD

    def nullable_bytes(self) -> bytes | None:
        n = self.int32()
        return None if n < 0 else self._take(n)


def _version(reader: _Reader) -> int:
    version = reader.int16()
    if version < EAGER_VERSION:
        raise ProtocolError(f"Unsupported subscription version: {version}")
    return version


# -- assignments ----------------------------------------------------------------------------------


def _by_connector(connectors: list[str], tasks: list[TaskId]) -> dict[str, list[int]]:
    """Connector -> task numbers, the connector itself as CONNECTOR_TASK first (Apache's asMap)."""
    out: dict[str, list[int]] = {}
    for name in dict.fromkeys(connectors):
        out.setdefault(name, []).append(CONNECTOR_TASK)
    for t in tasks:
        out.setdefault(t.connector, []).append(t.task)
    return out


def _write_entries(w: _Writer, entries: dict[str, list[int]] | None) -> None:
    if entries is None:
        w.int32(-1)
        return
    w.int32(len(entries))
    for name, ids in entries.items():
        w.string(name)
        w.int32(len(ids))
        for i in ids:
            w.int32(i)


def _read_entries(r: _Reader) -> tuple[list[str], list[TaskId]]:
    """A nullable array of connector assignments (null reads as empty)."""
    count = r.int32()
    if count < 0:
        return [], []
    connectors: list[str] = []
    tasks: list[TaskId] = []
    for _ in range(count):
        name = r.string()
        n = r.int32()
        if n < 0:
            raise ProtocolError("negative task array size")
        for _ in range(n):
            task = r.int32()
            if task == CONNECTOR_TASK:
                connectors.append(name)
            else:
                tasks.append(TaskId(name, task))
    return connectors, tasks


def encode_assignment(a: Assignment) -> bytes:
    """The SyncGroup bytes of one worker's assignment, in the layout of `a.version`."""
    w = _Writer()
    w.int16(a.version)
    w.int16(a.error)
    w.string(a.leader)
    w.string(a.leader_url)
    w.int64(a.offset)
    _write_entries(w, _by_connector(a.connectors, a.tasks))
    if a.version >= COMPATIBLE_VERSION:
        _write_entries(w, _by_connector(a.revoked_connectors, a.revoked_tasks))
        w.int32(a.delay)
    return bytes(w.buf)


def decode_assignment(data: bytes) -> Assignment:
    """An assignment of any version, read as Apache's workers read them all (the v1 layout, tolerant):
    fields missing at the end get their defaults; a field cut short is an error."""
    r = _Reader(data)
    version = _version(r)
    a = Assignment(version=version, error=r.int16(), leader=r.string(), leader_url=r.string(), offset=r.int64())
    if r.remaining():
        a.connectors, a.tasks = _read_entries(r)
    if r.remaining():
        a.revoked_connectors, a.revoked_tasks = _read_entries(r)
    if r.remaining():
        a.delay = r.int32()
    return a


# -- subscriptions --------------------------------------------------------------------------------


def encode_subscription(state: WorkerState, version: int) -> bytes:
    """The JoinGroup metadata of one subprotocol: v0 for `default`, v1 `compatible`, v2 `sessioned`."""
    w = _Writer()
    w.int16(version)
    w.string(state.url)
    w.int64(state.offset)
    if version >= COMPATIBLE_VERSION:
        allocation = None
        if state.allocation is not None:
            inner = state.allocation.copy()
            inner.version = version
            allocation = encode_assignment(inner)
        w.nullable_bytes(allocation)
    return bytes(w.buf)


def decode_subscription(data: bytes) -> WorkerState:
    """A worker's metadata; v0 (eager) metadata has no allocation."""
    r = _Reader(data)
    _version(r)
    url, offset = r.string(), r.int64()
    allocation = None
    if r.remaining():
        raw = r.nullable_bytes()
        allocation = decode_assignment(raw) if raw is not None else None
    return WorkerState(url, offset, allocation)


def group_protocols(connect_protocol: str, state: WorkerState) -> list[tuple[str, bytes]]:
    """The (name, metadata) list a worker offers in JoinGroup, most preferred first."""
    return [(name, encode_subscription(state, VERSION_OF[name])) for name in PROTOCOLS[connect_protocol]]
