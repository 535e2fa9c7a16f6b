"""`kcli cluster describe` through confluent-kafka's AdminClient (imported lazily): DescribeCluster plus
each broker's own `process.roles`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kcli.admin.session import AdminSession, err_text

if TYPE_CHECKING:
    from confluent_kafka import Node


@dataclass
class BrokerInfo:
    id: int
    host: str
    port: int
    rack: str | None
    roles: list[str] | None = None  # process.roles as the broker reports it; None when it did not say


@dataclass
class ClusterInfo:
    cluster_id: str | None
    controller: int | None  # in KRaft: the broker the cluster names as controller (a live broker, by Kafka's rule)
    brokers: list[BrokerInfo]
    authorized_operations: list[str] | None = None


def _broker(node: Node) -> BrokerInfo:
    return BrokerInfo(id=node.id, host=node.host, port=node.port, rack=node.rack or None)


class ClusterService(AdminSession):
    """Cluster-level admin operations, each bounded by `timeout` seconds."""

    def describe(self, authorized_operations: bool = False) -> ClusterInfo:
        desc = self._result(self._submit(self.admin.describe_cluster,
                                         include_authorized_operations=authorized_operations, **self._opts()))
        controller = desc.controller.id if desc.controller is not None and desc.controller.id >= 0 else None
        brokers = sorted((_broker(n) for n in desc.nodes), key=lambda b: b.id)
        for broker, found in zip(brokers, self._roles([b.id for b in brokers]), strict=True):
            broker.roles = found
        ops = None
        if authorized_operations:
            ops = sorted(op.name for op in (desc.authorized_operations or []))
        return ClusterInfo(cluster_id=desc.cluster_id or None, controller=controller, brokers=brokers,
                           authorized_operations=ops)

    def _roles(self, ids: Sequence[int]) -> list[list[str] | None]:
        """Each broker's process.roles (one DescribeConfigs per broker, sent together); None where refused."""
        from confluent_kafka.admin import ConfigResource

        if not ids:
            return []
        futs = self._submit(self.admin.describe_configs, [ConfigResource("broker", str(i)) for i in ids],
                            **self._opts())
        by_name = {res.name: fut for res, fut in futs.items()}
        out: list[list[str] | None] = []
        for i in ids:
            try:
                entries = by_name[str(i)].result(timeout=self.timeout + 5)
            except Exception as exc:  # an authorization error leaves the column empty; no answer is an error
                name, _ = err_text(exc)
                if name.startswith("_") or isinstance(exc, TimeoutError):
                    raise self._fail(exc, f"broker {i}") from exc
                out.append(None)
                continue
            entry = entries.get("process.roles")
            value = entry.value if entry is not None else None
            out.append([r.strip() for r in value.split(",") if r.strip()] if value else None)
        return out
