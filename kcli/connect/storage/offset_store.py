"""Source offsets: a map of serialized (connector, partition) keys to serialized offsets.

The bytes are Apache's (compact JSON `["<connector>", {partition}]` -> `{offset}`), so the same
store content is understood by Apache's worker.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from kcli.connect.api.context import OffsetStorageReader

log = logging.getLogger(__name__)


def canonical(partition: Mapping[str, Any]) -> str:
    """A stable text form of a partition map, to find a key whatever its key order."""
    return json.dumps(partition, sort_keys=True, separators=(",", ":"))


def encode_key(connector: str, partition: Mapping[str, Any]) -> bytes:
    from kcli.connect.storage.offset_file_format import offset_key

    return offset_key(connector, dict(partition))


def encode_value(offset: Mapping[str, Any] | None) -> bytes | None:
    from kcli.connect.storage.offset_file_format import offset_value

    return None if offset is None else offset_value(dict(offset))


def decode_key(key: bytes) -> tuple[str, dict[str, Any]] | None:
    """(connector, partition), or None for a key that is not a Connect source-offset key."""
    try:
        data = json.loads(key)
    except (ValueError, UnicodeDecodeError):
        return None
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], str) and isinstance(data[1], dict)):
        return None
    return data[0], data[1]


def decode_value(value: bytes | None) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        data = json.loads(value)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


class OffsetStore:
    """A key/value store of serialized source offsets (Apache's OffsetBackingStore)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._data: dict[bytes, bytes | None] = {}
        self._index: dict[tuple[str, str], bytes] = {}

    def start(self) -> None:
        """Load what the backing medium holds."""

    def stop(self) -> None: ...

    def _load(self, entries: Mapping[bytes, bytes | None]) -> None:
        with self._lock:
            self._data = dict(entries)
            self._index = {}
            for key in self._data:
                self._index_key(key)

    def _index_key(self, key: bytes) -> None:
        decoded = decode_key(key)
        if decoded:
            self._index[(decoded[0], canonical(decoded[1]))] = key

    def get(self, connector: str, partitions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any] | None]:
        self._catch_up()
        with self._lock:
            out = []
            for p in partitions:
                key = self._index.get((connector, canonical(p)))
                out.append(decode_value(self._data.get(key)) if key is not None else None)
            return out

    def set(self, connector: str, offsets: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any] | None]]) -> None:
        """Store offsets: {canonical partition: (partition, offset or None)}; durable on return."""
        with self._lock:
            before = dict(self._data)
            for canon, (partition, offset) in offsets.items():
                key = self._index.get((connector, canon)) or encode_key(connector, partition)
                self._data[key] = encode_value(offset)
                self._index[(connector, canon)] = key
            try:
                self._persist(self._data)
            except Exception:
                self._load(before)
                raise

    def _persist(self, data: Mapping[bytes, bytes | None]) -> None:
        """Write the whole map out (file store); in memory: nothing to do."""

    def _catch_up(self) -> None:
        """Make what other writers stored visible before a read (the Kafka store reads to the end)."""

    def connector_offsets(self, connector: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Every (partition, offset) this connector has; reset (null) offsets are left out."""
        self._catch_up()
        with self._lock:
            out = []
            for (name, _), key in self._index.items():
                if name == connector:
                    decoded = decode_key(key)
                    value = decode_value(self._data.get(key))
                    if decoded and value is not None:
                        out.append((decoded[1], value))
            return out

    def raw(self) -> dict[bytes, bytes | None]:
        with self._lock:
            return dict(self._data)


class MemoryOffsetStore(OffsetStore):
    """Offsets kept in memory only (tests, and what a file store builds on)."""


class FileOffsetStore(OffsetStore):
    """Standalone offsets in `offset.storage.file.filename`, Apache's Java-serialized HashMap format.

    Loaded once at start (a missing file is empty; a corrupt one stops the worker and is never
    overwritten); rewritten atomically on every flush.
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def start(self) -> None:
        from kcli.connect.storage.offset_file_format import read_offsets_file

        self._load(read_offsets_file(self.path))
        log.info("Loaded %d offset entries from %s", len(self._data), self.path)

    def _persist(self, data: Mapping[bytes, bytes | None]) -> None:
        from kcli.connect.storage.offset_file_format import write_offsets_file

        write_offsets_file(self.path, dict(data))


class StoreOffsetReader(OffsetStorageReader):
    """The reader handed to source connectors and tasks: their own committed offsets."""

    def __init__(self, store: OffsetStore, connector: str) -> None:
        self._store = store
        self._connector = connector

    def offsets(self, partitions: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        parts = list(partitions)
        return list(zip(parts, self._store.get(self._connector, parts), strict=True))
