"""What the distribution says of itself: licence, classifiers, and only dependencies kcli imports."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# distribution name -> the module kcli imports it as, where they differ
IMPORT_NAMES = {"confluent-kafka": "confluent_kafka", "kafka-python": "kafka", "pyyaml": "yaml"}
META = importlib.metadata.metadata("kcli-kafka")  # the installed distribution, built from pyproject.toml


def test_the_licence_is_shipped_and_declared() -> None:
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").lstrip().startswith("Apache License")
    assert META["License-Expression"] == "Apache-2.0"
    assert "LICENSE" in (META.get_all("License-File") or [])


def test_classifiers_name_the_pythons_supported() -> None:
    classifiers = META.get_all("Classifier") or []
    floor = META["Requires-Python"].removeprefix(">=")
    assert f"Programming Language :: Python :: {floor}" in classifiers
    assert "Environment :: Console" in classifiers


def test_every_runtime_dependency_is_imported_by_kcli() -> None:
    import kcli

    # the package that is imported: the checkout, or the installed wheel (scripts/check-min-deps)
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(kcli.__file__).parent.rglob("*.py"))
    unused = []
    runtime = [r for r in importlib.metadata.requires("kcli-kafka") or [] if "extra ==" not in r]
    assert runtime
    for requirement in runtime:
        name = re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0].lower()
        module = IMPORT_NAMES.get(name, name.replace("-", "_"))
        if not re.search(rf"^\s*(import|from) {re.escape(module)}\b", source, re.MULTILINE):
            unused.append(name)
    assert unused == []
