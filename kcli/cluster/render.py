"""`kcli cluster describe` on stdout: a compact sectioned text (in the spirit of `rpk cluster info`) and data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kcli.cluster.service import BrokerInfo, ClusterInfo


def _section(title: str, lines: Sequence[str]) -> list[str]:
    return [title, "=" * len(title), *lines]


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns two spaces apart, no trailing blanks (awk-friendly: no cell is empty)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def _roles(broker: BrokerInfo) -> str:
    return ",".join(broker.roles) if broker.roles else "-"


def describe_text(info: ClusterInfo) -> str:
    """CLUSTER (the id), BROKERS (ID with `*` on the controller, HOST, PORT, RACK, ROLES), and
    AUTHORIZED OPERATIONS when asked for. An absent rack or role prints `-`."""
    rows = [["ID", "HOST", "PORT", "RACK", "ROLES"]]
    for b in info.brokers:
        star = "*" if b.id == info.controller else ""
        rows.append([f"{b.id}{star}", b.host, str(b.port), b.rack or "-", _roles(b)])
    lines = _section("CLUSTER", [info.cluster_id or "-"]) + [""] + _section("BROKERS", _columns(rows))
    if info.authorized_operations is not None:
        lines += [""] + _section("AUTHORIZED OPERATIONS", [",".join(info.authorized_operations) or "-"])
    return "".join(line + "\n" for line in lines)


def broker_dict(b: BrokerInfo, controller: int | None) -> dict[str, Any]:
    return {"id": b.id, "host": b.host, "port": b.port, "rack": b.rack, "roles": b.roles,
            "controller": b.id == controller}


def describe_dict(info: ClusterInfo) -> dict[str, Any]:
    data: dict[str, Any] = {
        "cluster_id": info.cluster_id,
        "controller": info.controller,
        "brokers": [broker_dict(b, info.controller) for b in info.brokers],
    }
    if info.authorized_operations is not None:
        data["authorized_operations"] = info.authorized_operations
    return data
