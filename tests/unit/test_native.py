"""kcli.native without a broker: when the C loops are used, the fallback when they are not built, and the
layouts formatters hand them."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from kcli import native
from kcli.console.formatters import (
    KEY,
    LITERAL,
    OFFSET,
    VALUE,
    DefaultFormatter,
    JsonFormatter,
    KcatFormatter,
    NoOpFormatter,
)
from kcli.errors import UsageError


@pytest.fixture
def unbuilt(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As on a machine where the C module was not compiled."""
    monkeypatch.setitem(sys.modules, "kcli.native._ext", None)  # the import raises ImportError
    monkeypatch.delattr(native, "_ext", raising=False)  # an earlier import left it on the package
    native._load.cache_clear()
    yield
    native._load.cache_clear()


def test_without_the_c_module_the_python_loops_are_used(unbuilt: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KCLI_NATIVE", raising=False)
    assert native.module() is None
    assert native.consumer({"bootstrap.servers": "b:9092"}) is None
    assert native.producer({"bootstrap.servers": "b:9092"}, "t", None, 21) is None


def test_kcli_native_1_refuses_to_fall_back(unbuilt: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCLI_NATIVE", "1")
    with pytest.raises(UsageError, match=r"KCLI_NATIVE=1, but this command cannot use the C loop: "
                                         r"kcli.native._ext is not built"):
        native.module()


def test_kcli_native_0_never_loads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCLI_NATIVE", "0")
    assert native.module() is None
    native.decline("this consume", "any reason")  # no error unless KCLI_NATIVE=1


def test_the_built_module_opens_the_wheels_librdkafka(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KCLI_NATIVE", raising=False)
    loaded = native.module()
    assert loaded is not None, "scripts/dev-env compiles kcli/native/csrc; a C compiler is needed"
    import confluent_kafka

    assert loaded.load("ignored: already open") == confluent_kafka.libversion()[1]


def test_a_python_object_in_the_settings_keeps_the_python_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCLI_NATIVE", "1")
    with pytest.raises(UsageError, match="a client setting is a Python object"):
        native.consumer({"bootstrap.servers": "b:9092"}, logger=object())


def test_layouts_of_the_formatters() -> None:
    assert DefaultFormatter({}).program() == [(VALUE, b"null", b"", b"", b""), (LITERAL, b"\n", b"", b"", b"")]
    with_key = DefaultFormatter({"print.key": "true", "print.offset": "true", "key.separator": "|"}).program()
    assert with_key == [(LITERAL, b"Offset:", b"", b"", b""), (OFFSET, b"", b"", b"", b""),
                        (LITERAL, b"|", b"", b"", b""), (KEY, b"null", b"", b"", b""),
                        (LITERAL, b"|", b"", b"", b""), (VALUE, b"null", b"", b"", b""),
                        (LITERAL, b"\n", b"", b"", b"")]
    assert DefaultFormatter({"print.value": "false"}).program() == []
    assert DefaultFormatter({"value.deserializer": "Integer"}).program() is None  # decoding: Python
    assert DefaultFormatter({"key.deserializer": "Integer"}).program() is not None  # the key is not printed
    assert KcatFormatter("%o:%s\\n").program() == [(OFFSET, b"", b"", b"", b""), (LITERAL, b":", b"", b"", b""),
                                                    (VALUE, b"", b"", b"", b""), (LITERAL, b"\n", b"", b"", b"")]
    assert NoOpFormatter().program() == []
    assert JsonFormatter().program() is None
