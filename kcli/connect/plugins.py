"""Plugin discovery and class resolution: Apache class names, aliases, Python dotted paths.

Where plugins come from:
* the built-ins (file connectors, and the converters/transforms/predicates of their packages);
* the entry points of group `kcli.connect.plugins` (any installed distribution);
* the `plugin.path` directories: every `*.py` module and package found directly inside is imported
  and its Connector/Converter/Transformation/Predicate classes are registered.
Every class is known by its full name and by Apache's aliases (simple name, and simple name pruned
of its type suffix, as Apache's PluginUtils does); an alias that two classes share is dropped.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kcli.connect.api.connector import Connector, SinkConnector, SourceConnector
from kcli.connect.errors import BadRequestError, ConnectError, NotFoundError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "kcli.connect.plugins"
KINDS = ("source", "sink", "converter", "header_converter", "transformation", "predicate")
SUFFIXES = {"source": "Connector", "sink": "Connector", "converter": "Converter",
            "header_converter": "HeaderConverter", "transformation": "Transformation", "predicate": "Predicate"}

BUILTIN_CONNECTORS = {
    "org.apache.kafka.connect.file.FileStreamSourceConnector":
        "kcli.connect.connectors.file_source:FileStreamSourceConnector",
    "org.apache.kafka.connect.file.FileStreamSinkConnector":
        "kcli.connect.connectors.file_sink:FileStreamSinkConnector",
}

# The Apache names task configs carry for the built-in connectors' tasks, so that Apache workers in the
# same cluster can run tasks a kcli worker configured (and the other way round).
BUILTIN_TASKS = {
    "org.apache.kafka.connect.file.FileStreamSourceTask": "kcli.connect.connectors.file_source:FileStreamSourceTask",
    "org.apache.kafka.connect.file.FileStreamSinkTask": "kcli.connect.connectors.file_sink:FileStreamSinkTask",
}


def _load(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _alias_table(module: str, name: str) -> dict[str, Any]:
    """An alias table (Apache names and aliases -> classes) of the converters, transforms or predicates."""
    return dict(getattr(importlib.import_module(module), name))


def python_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def task_class_name(cls: type) -> str:
    """The `task.class` of a task config: the Apache name of a built-in task, else the Python path."""
    spec = f"{cls.__module__}:{cls.__qualname__}"
    return next((name for name, target in BUILTIN_TASKS.items() if target == spec), python_name(cls))


def apache_name(cls: type) -> str:
    """The Apache class name a kcli plugin stands for (as the DLQ headers show it), else its Python path."""
    for module, table in (("kcli.connect.converters", "CONVERTER_ALIASES"),
                          ("kcli.connect.converters", "HEADER_CONVERTER_ALIASES"),
                          ("kcli.connect.transforms", "TRANSFORM_ALIASES")):
        for name, value in _alias_table(module, table).items():
            if value is cls and name.startswith("org.apache."):
                return name
    return python_name(cls)


def aliases_of(full_name: str, kind: str) -> list[str]:
    simple = full_name.rsplit(".", 1)[-1]
    out = [simple]
    suffix = SUFFIXES.get(kind, "")
    pos = simple.rfind(suffix) if suffix else -1
    if pos > 0:
        out.append(simple[:pos])
    return out


def kinds_of(cls: object) -> list[str]:
    """The plugin types a class is (a converter is often a header converter too)."""
    if not inspect.isclass(cls):
        return []
    if issubclass(cls, SourceConnector):
        return ["source"]
    if issubclass(cls, SinkConnector):
        return ["sink"]
    names = {c.__name__ for c in cls.__mro__[1:]}
    return [kind for kind, base in (("converter", "Converter"), ("header_converter", "HeaderConverter"),
                                    ("transformation", "Transformation"), ("predicate", "Predicate"))
            if base in names]


def kind_of(cls: object) -> str | None:
    """The main plugin type of a class, or None when it is no plugin."""
    kinds = kinds_of(cls)
    return kinds[0] if kinds else None


class Plugins:
    """The registry of every plugin class the worker can instantiate."""

    def __init__(self, plugin_path: Iterable[str] = ()) -> None:
        self._classes: dict[str, tuple[str, Any]] = {}  # full name -> (kind, class or "module:attr")
        self._extra_kinds: dict[str, set[str]] = {}  # full name -> further kinds (StringConverter is both)
        self._aliases: dict[str, str | None] = {}  # alias -> full name (None: ambiguous)
        for name, spec in BUILTIN_CONNECTORS.items():
            self.register(name, "source" if "Source" in name else "sink", spec)
        for kind, module, table in (("converter", "kcli.connect.converters", "CONVERTER_ALIASES"),
                                    ("header_converter", "kcli.connect.converters", "HEADER_CONVERTER_ALIASES"),
                                    ("transformation", "kcli.connect.transforms", "TRANSFORM_ALIASES"),
                                    ("predicate", "kcli.connect.predicates", "PREDICATE_ALIASES")):
            entries = _alias_table(module, table)
            apache_classes = {id(c) for n, c in entries.items() if n.startswith("org.apache.")}
            for name, cls in entries.items():
                if "." in name and (name.startswith("org.apache.") or id(cls) not in apache_classes):
                    self.register(name, kind, cls)
            for name, cls in _alias_table(module, table).items():
                if "." not in name:
                    self._aliases.setdefault(name, self._full_name_of(cls) or None)
        self._load_entry_points()
        for directory in plugin_path:
            self._scan_directory(directory)

    # -- registration --------------------------------------------------------------------------
    def register(self, full_name: str, kind: str, cls: Any) -> None:
        if full_name in self._classes and self._classes[full_name][0] != kind:
            self._extra_kinds.setdefault(full_name, set()).add(kind)
            return
        self._classes[full_name] = (kind, cls)
        for alias in aliases_of(full_name, kind):
            if alias in self._classes:
                continue
            current = self._aliases.get(alias, full_name)
            same = current == full_name or (current is not None and self._classes.get(current, (0, 0))[1] is cls)
            self._aliases[alias] = current if same else None

    def register_class(self, cls: type) -> bool:
        kinds = kinds_of(cls)
        if not kinds or inspect.isabstract(cls):
            return False
        for kind in kinds:
            self.register(python_name(cls), kind, cls)
        return True

    def _full_name_of(self, cls: Any) -> str | None:
        for name, (_, value) in self._classes.items():
            if value is cls:
                return name
        return None

    def _load_entry_points(self) -> None:
        from importlib.metadata import entry_points

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                obj = ep.load()
            except Exception as exc:  # a broken plugin must not stop the worker
                log.warning("Could not load plugin entry point %s: %s", ep.value, exc)
                continue
            classes = [obj] if inspect.isclass(obj) else [v for v in vars(obj).values() if inspect.isclass(v)]
            for cls in classes:
                self.register_class(cls)

    def _scan_directory(self, directory: str) -> None:
        path = Path(directory)
        if not path.is_dir():
            log.warning("plugin.path entry %s is not a directory; ignored", directory)
            return
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
        for entry in sorted(path.iterdir()):
            if entry.suffix == ".py" and entry.stem != "__init__":
                name = entry.stem
            elif entry.is_dir() and (entry / "__init__.py").exists():
                name = entry.name
            else:
                continue  # jars and other files are for Java workers
            try:
                module = importlib.import_module(name)
            except Exception as exc:
                log.warning("Could not load plugin module %s: %s", entry, exc)
                continue
            for value in vars(module).values():
                if inspect.isclass(value) and value.__module__ == module.__name__:
                    self.register_class(value)

    def kinds(self, full_name: str) -> set[str]:
        return {self._classes[full_name][0], *self._extra_kinds.get(full_name, ())}

    # -- resolution ----------------------------------------------------------------------------
    def resolve(self, name: str, kinds: Iterable[str] | None = None) -> tuple[str, str, type]:
        """(full name, kind, class) for a full name, alias or Python dotted path."""
        wanted = set(kinds) if kinds else set(KINDS)
        name = name.strip()
        full = name if name in self._classes else self._aliases.get(name)
        if full and wanted & self.kinds(full):
            kind, cls = self._classes[full]
            if kind not in wanted:
                kind = next(k for k in KINDS if k in wanted and k in self.kinds(full))
            if isinstance(cls, str):
                cls = _load(cls)
                self._classes[full] = (kind, cls)
            return full, kind, cls
        if "." in name:
            module, _, attr = name.rpartition(".")
            try:
                cls = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError):
                cls = None
            except Exception as exc:
                raise ConnectError(f"Could not load class {name}: {type(exc).__name__}: {exc}") from exc
            found = [k for k in kinds_of(cls) if k in wanted]
            if found:
                return name, found[0], cls
        raise NotFoundError(f"Class {name} could not be found.")

    def connector_class(self, name: str) -> tuple[str, type[Connector]]:
        try:
            full, _, cls = self.resolve(name, ("source", "sink"))
            return full, cls
        except NotFoundError:
            pass
        matches = [n for n, (k, _) in self._classes.items() if k in ("source", "sink")
                   and n.rsplit(".", 1)[-1] in (name, name + "Connector")]
        if len(matches) > 1:
            raise BadRequestError(f"More than one connector matches alias {name}. Please use full package and class "
                                  f"name instead. Classes found: {', '.join(matches)}")
        if len(matches) == 1:
            full, _, cls = self.resolve(matches[0], ("source", "sink"))
            return full, cls
        available = ", ".join(sorted(n for n, (k, _) in self._classes.items() if k in ("source", "sink")))
        raise BadRequestError(f"Failed to find any class that implements Connector and which name matches {name}, "
                              f"available connectors are: {available}")

    @staticmethod
    def connector_type(cls: object) -> str:
        return {"source": "source", "sink": "sink"}.get(kind_of(cls) or "", "unknown")

    def new_converter(self, name: str, header: bool = False) -> Any:
        kinds = ("header_converter", "converter") if header else ("converter",)
        try:
            _, _, cls = self.resolve(name, kinds)
        except NotFoundError:
            what = "HeaderConverter" if header else "Converter"
            raise BadRequestError(f"Class {name} could not be found or does not implement {what}.") from None
        return cls()

    # -- listing -------------------------------------------------------------------------------
    def plugins(self, connectors_only: bool = True) -> list[dict[str, str]]:
        out = []
        for full in sorted(self._classes):
            for kind in [k for k in KINDS if k in self.kinds(full)]:
                if connectors_only and kind not in ("source", "sink"):
                    continue
                _, _, cls = self.resolve(full, (kind,))
                entry = {"class": full, "type": kind}
                version = self._version(cls)
                if version and version != "undefined":
                    entry["version"] = version
                out.append(entry)
        return out

    @staticmethod
    def _version(cls: Any) -> str | None:
        from kcli import __version__

        try:
            if hasattr(cls, "version") and not inspect.isabstract(cls):
                return str(cls().version())
        except Exception:
            return __version__
        return __version__

    def plugin(self, name: str) -> tuple[str, str, type]:
        """(full name, kind, class) for GET /connector-plugins/{p}/config."""
        try:
            return self.resolve(name)
        except NotFoundError:
            raise NotFoundError(f"Unknown plugin {name}.") from None
