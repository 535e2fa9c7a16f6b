"""kcli's C paths (kcli/native/csrc): when they are used and how their clients are built.

The C module is built when kcli is installed, if a C compiler is there (pyproject.toml marks it optional). It
runs on the librdkafka of confluent-kafka's wheel, opened by path. kcli uses it for the shapes it knows — a
consume of one topic's assigned partitions whose output is a layout of fields (Apache's DefaultMessageFormatter,
kcat's -f, NoOp), a produce of plain lines, the topic listing — and Python for the rest, or everywhere with
KCLI_NATIVE=0. Both give the same bytes (tests/reference/test_native_reference.py runs both).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from kcli.clients.factory import client_settings, refused
from kcli.errors import UsageError

if TYPE_CHECKING:
    from kcli.native._ext import Consumer, Producer

T = TypeVar("T")
ENV = "KCLI_NATIVE"  # "0": the pure-Python loops everywhere; "1": the C loops or an error (tests use both)


def _setting() -> str:
    return os.environ.get(ENV, "").strip()


def decline(what: str, why: str) -> None:
    """`what` runs in Python because of `why`; under KCLI_NATIVE=1 that is a usage error instead."""
    if _setting() == "1":
        raise UsageError(f"{ENV}=1, but {what} cannot use the C loop: {why}")


def module() -> ModuleType | None:
    """The C module with librdkafka loaded, or None (KCLI_NATIVE=0, not built, or no librdkafka found)."""
    if _setting() == "0":
        return None
    loaded, why = _load()
    if loaded is None:
        decline("this command", why)
    return loaded


@cache
def _load() -> tuple[ModuleType | None, str]:
    try:
        from kcli.native import _ext
    except ImportError as exc:
        return None, f"kcli.native._ext is not built ({exc})"
    path = _librdkafka()
    if path is None:
        return None, "no librdkafka found"
    try:
        _ext.load(path)
    except ImportError as exc:
        return None, str(exc)
    return _ext, ""


def _librdkafka() -> str | None:
    """The librdkafka confluent-kafka runs on: its wheel's copy (found without importing confluent_kafka), else
    the system's."""
    spec = importlib.util.find_spec("confluent_kafka")
    if spec is not None and spec.origin:
        libs = Path(spec.origin).parent.parent / "confluent_kafka.libs"
        found = sorted(libs.glob("librdkafka*.so*"))
        if found:
            return str(found[0])
    import ctypes.util

    return ctypes.util.find_library("rdkafka")


def _pairs(conf: Mapping[str, Any]) -> list[tuple[str, str]] | None:
    """The settings as librdkafka's (name, text) pairs; None when one is a Python object (a logger, a callback),
    which only confluent-kafka's clients take."""
    out = []
    for key, value in conf.items():
        if isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        elif isinstance(value, (str, int, float)):
            out.append((key, str(value)))
        else:
            return None
    return out


def _call(what: str, config: Mapping[str, str], kwargs: Mapping[str, Any], producer: bool,
          make: Callable[[ModuleType, list[tuple[str, str]]], T]) -> T | None:
    """`make(module, settings)` for `what` ("this consume", …), or None when the C module cannot serve it; an error
    librdkafka gives for the settings becomes the one-line ConfigError of confluent-kafka's clients."""
    native = module()
    if native is None:
        return None
    pairs = _pairs(client_settings(config, kwargs, producer))
    if pairs is None:
        decline(what, "a client setting is a Python object")
        return None
    try:
        return make(native, pairs)
    except native.NativeError as exc:
        raise refused(str(exc), config) from None


def consumer(config: Mapping[str, str], **kwargs: Any) -> Consumer | None:
    """A C consumer of these settings (as make_consumer takes them), or None when the C loops are not usable."""
    return _call("this consume", config, kwargs, False, lambda native, pairs: cast("Consumer", native.Consumer(pairs)))


def producer(config: Mapping[str, str], topic: str, partition: int | None, keep: int) -> Producer | None:
    """A C producer of these settings to `topic` (keeping the first `keep` failures' details), or None."""
    part = -1 if partition is None else partition
    return _call("this produce", config, {}, True,
                 lambda native, pairs: cast("Producer", native.Producer(pairs, topic, part, keep)))


def topic_names(config: Mapping[str, str], timeout: float,
                **kwargs: Any) -> tuple[list[str], str | None, str | None] | None:
    """The cluster's topic names from one metadata request in C — (names, None, None), or ([], librdkafka's error
    name, its words) — or None when the C module is not usable (the caller asks confluent-kafka)."""
    ms = max(1, round(timeout * 1000))
    return _call("this listing", config, kwargs, False,
                 lambda native, pairs: cast("tuple[list[str], str | None, str | None]",
                                            native.topic_names(pairs, ms)))
