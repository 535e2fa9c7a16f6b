"""ListGroups and ConsumerGroupDescribe through kafka-python, for what librdkafka's binding does not give.

confluent-kafka sorts the groups it lists (Apache's tool prints them as the broker sent them, through a
HashMap) and knows neither the Assigning/Reconciling states nor any epoch of a KIP-848 group: it gives no
ConsumerGroupDescribe. ListGroups is kafka-python's own message; ConsumerGroupDescribe is kcli's
(kcli.admin.messages). Both go over WireAdmin's connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kcli.admin.wire import WireAdmin

GROUP_ID_NOT_FOUND = 69  # ConsumerGroupDescribe's answer for a classic group, or none


@dataclass(frozen=True)
class ListedGroup:
    """One entry of a ListGroups answer, as the broker spells it ("" for a field it did not send)."""

    group_id: str
    protocol_type: str
    state: str
    group_type: str


class GroupWire(WireAdmin):
    """Group requests librdkafka cannot send, on one cluster, each bounded by `timeout` seconds."""

    def list_groups(self, states: Sequence[str] = (), types: Sequence[str] = ()) -> list[ListedGroup]:
        """ListGroups to every broker (by id), optionally filtered by state names and type names (the broker
        matches them ignoring case); each broker's groups in the order it sent them."""
        from kafka.protocol.admin import ListGroupsRequest

        kwargs: dict[str, Any] = {"min_version": 0}
        if states:
            kwargs.update(states_filter=list(states), min_version=4)
        if types:
            kwargs.update(types_filter=list(types), min_version=5)
        out: list[ListedGroup] = []
        for node_id in sorted(b.node_id for b in self.admin._manager.cluster.brokers()):
            response = self._send(ListGroupsRequest(**kwargs), node_id)
            self._check(response.error_code, None, f"broker {node_id}")
            out += [ListedGroup(g.group_id, g.protocol_type or "", getattr(g, "group_state", "") or "",
                                getattr(g, "group_type", "") or "") for g in response.groups]
        return out

    def describe_consumer_groups(self, group_ids: Sequence[str]) -> dict[str, Any]:
        """ConsumerGroupDescribe, one request per coordinator: each consumer-protocol group's entry of the
        answer (kafka-python's data object). A group the broker does not know as one (GROUP_ID_NOT_FOUND:
        a classic group, or none) is left out; any other error is a KafkaOperationError."""
        from kcli.admin.messages import ConsumerGroupDescribeRequest

        ids = list(dict.fromkeys(group_ids))
        if not ids:
            return {}
        manager = self.admin._manager
        try:
            coordinators: dict[str, int] = manager.run(self.admin._find_coordinator_ids, ids)
        except Exception as exc:
            raise self._fail(exc) from exc
        by_node: dict[int, list[str]] = {}
        for group_id in ids:
            by_node.setdefault(coordinators[group_id], []).append(group_id)
        out: dict[str, Any] = {}
        for node_id, node_groups in by_node.items():
            request = ConsumerGroupDescribeRequest(group_ids=node_groups, include_authorized_operations=False)
            for group in self._send(request, node_id).groups:
                if group.error_code == GROUP_ID_NOT_FOUND:
                    continue
                self._check(group.error_code, group.error_message, f"group '{group.group_id}'")
                out[group.group_id] = group
        return out
