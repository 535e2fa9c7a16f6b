"""KafkaOffsetStore: source offsets on the offsets topic (Apache's KafkaOffsetBackingStore).

Keys are `["<connector>",{partition}]`, values the offset map or a tombstone, both as Apache's
JsonConverter writes them; the producer partitions by murmur2 of the key, as Java does, so the
records of one source partition stay on one topic partition whoever writes them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kcli.connect.errors import ConnectError
from kcli.connect.storage.kafka_log import KafkaLog, LogFactory
from kcli.connect.storage.offset_store import OffsetStore, encode_key, encode_value

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 30.0


class KafkaOffsetStore(OffsetStore):
    """Offsets written to the topic (durable once acknowledged) and followed from it."""

    def __init__(self, make_log: LogFactory, write_timeout_s: float = 30.0) -> None:
        super().__init__()
        self._log: KafkaLog = make_log(self._on_record)
        self._write_timeout = write_timeout_s

    def start(self) -> None:
        self._log.start()
        log.info("Loaded %d offset entries from topic %s", len(self._data), self._log.topic)

    def stop(self) -> None:
        self._log.stop()

    def set(self, connector: str, offsets: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any] | None]]) -> None:
        with self._lock:
            records = [(self._index.get((connector, canon)) or encode_key(connector, partition), encode_value(offset))
                       for canon, (partition, offset) in offsets.items()]
        futures = [self._log.send(key, value) for key, value in records]
        try:
            for f in futures:
                f.result(self._write_timeout)
        except Exception as exc:
            raise ConnectError(f"Failed to write offsets of connector {connector} to topic {self._log.topic}: "
                               f"{exc}") from None
        with self._lock:
            for key, value in records:
                self._data[key] = value
                self._index_key(key)

    def _catch_up(self) -> None:
        if not self._log.read_to_end(READ_TIMEOUT_S):
            raise ConnectError(f"Timed out reading the offsets topic {self._log.topic} to its end")

    def _on_record(self, key: bytes | None, value: bytes | None, partition: int, offset: int) -> None:
        if key is None:
            log.warning("Ignoring a record without a key in the offsets topic (partition %d, offset %d)",
                        partition, offset)
            return
        with self._lock:
            self._data[key] = value
            self._index_key(key)
