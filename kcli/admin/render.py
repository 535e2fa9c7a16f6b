"""Dynamic configs on stdout: kafka-configs.sh's `--describe` layout byte for byte, and the same facts as data."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kcli.admin.configs import ConfigItem
from kcli.output import echo, emit_structured


def _java(value: str | None) -> str:
    return "null" if value is None else value  # Java prints a null (a hidden sensitive value) as `null`


def configs_text(header: str, items: Sequence[ConfigItem]) -> str:
    """`<header>` then `  k=v sensitive=… synonyms={SOURCE:k=v, …}` per entry, sorted by name as Apache does.

    The header is Apache's: `Dynamic configs for topic t are:`, `All configs for broker 1 are:`,
    `Default configs for brokers in the cluster are:`."""
    lines = [header]
    for c in sorted(items, key=lambda c: c.name):
        syn = ", ".join(f"{s}:{n}={_java(v)}" for s, n, v in c.synonyms)
        lines.append(f"  {c.name}={_java(c.value)} sensitive={str(c.sensitive).lower()} synonyms={{{syn}}}")
    return "".join(line + "\n" for line in lines)


def entity_header(entity: str, name: str, show_all: bool) -> str:
    """Apache's header line for one entity (`topic`, `broker`) of --describe (--all)."""
    return f"{'All' if show_all else 'Dynamic'} configs for {entity} {name} are:"


def config_dict(c: ConfigItem) -> dict[str, Any]:
    return {"name": c.name, "value": c.value, "source": c.source, "default": c.is_default,
            "sensitive": c.sensitive, "read_only": c.read_only,
            "synonyms": [{"source": s, "name": n, "value": v} for s, n, v in c.synonyms]}


def configs_data(items: Sequence[ConfigItem]) -> list[dict[str, Any]]:
    return [config_dict(c) for c in sorted(items, key=lambda c: c.name)]


@dataclass
class ConfigsView:
    """One described entity: Apache's text header, a table title, and the keys naming it in json/yaml."""

    header: str
    title: str
    key: dict[str, Any]
    items: list[ConfigItem]


def print_configs(views: Sequence[ConfigsView], fmt: str, many: bool = False) -> None:
    """`config get` output: Apache's text, a rich table per entity, or data (a list when `many`)."""
    if fmt == "text":
        sys.stdout.write("".join(configs_text(v.header, v.items) for v in views))
    elif fmt == "table":
        from kcli.output import print_table

        for v in views:
            print_table(["Name", "Value", "Source", "Sensitive"],
                        [(c.name, c.value, c.source, str(c.sensitive).lower())
                         for c in sorted(v.items, key=lambda c: c.name)], v.title)
    else:
        data = [{**v.key, "configs": configs_data(v.items)} for v in views]
        emit_structured(data if many else data[0], fmt)


def print_altered(entity: str, key: dict[str, Any], set_items: Mapping[str, str], delete_keys: Sequence[str],
                  fmt: str) -> None:
    """`config set|delete` output: Apache's `Completed updating config for <entity>.`, or what changed as data."""
    if fmt in ("json", "yaml"):
        emit_structured({**key, "set": dict(set_items), "deleted": list(delete_keys)}, fmt)
    else:
        echo(f"Completed updating config for {entity}.")
