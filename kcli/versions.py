"""`kcli --version`: kcli's version and the Kafka client library's, without contacting a broker.

confluent-kafka's package `__init__` pulls in asyncio and the serde modules (~40 ms, as much again as
all of `kcli --version` otherwise takes); the two version calls live in its C extension alone, so that
module is loaded by itself, and the package is imported only when that fails.
"""

from __future__ import annotations

from types import ModuleType

from kcli import __version__


def _cimpl() -> ModuleType | None:
    """confluent-kafka's C extension (`confluent_kafka.cimpl`) loaded without running the package's `__init__`."""
    import importlib.machinery
    import importlib.util
    import os

    try:
        spec = importlib.util.find_spec("confluent_kafka")
        if spec is None or not spec.submodule_search_locations:
            return None
        for folder in spec.submodule_search_locations:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = os.path.join(folder, f"cimpl{suffix}")
                if os.path.exists(path):
                    loader = importlib.machinery.ExtensionFileLoader("confluent_kafka.cimpl", path)
                    module_spec = importlib.util.spec_from_loader("confluent_kafka.cimpl", loader)
                    if module_spec is None:
                        return None
                    module = importlib.util.module_from_spec(module_spec)
                    loader.exec_module(module)
                    return module
    except (ImportError, OSError):
        return None
    return None


def client_versions() -> tuple[str | None, str | None]:
    """(confluent-kafka's version, librdkafka's version); None for what cannot be found."""
    module: object = _cimpl()
    if module is None:
        try:
            import confluent_kafka
        except ImportError:
            return None, None
        module = confluent_kafka
    try:
        return _first(module.version()), _first(module.libversion())  # type: ignore[attr-defined]
    except (AttributeError, IndexError, TypeError):
        return None, None


def _first(answer: object) -> str:
    """`version()` answers '2.16.1' (confluent-kafka 2.x) where its docs say a (text, number) tuple, as
    `libversion()` does; take the text either way."""
    return str(answer[0] if isinstance(answer, tuple) else answer)


def version_line() -> str:
    """`kcli 0.1.0 (confluent-kafka 2.16.1, librdkafka 2.16.0)`."""
    python_client, librdkafka = client_versions()
    if python_client is None:
        return f"kcli {__version__} (confluent-kafka not installed)"
    return f"kcli {__version__} (confluent-kafka {python_client}, librdkafka {librdkafka})"
