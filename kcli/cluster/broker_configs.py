"""Dynamic broker configs as kafka-configs.sh --entity-type brokers reads and changes them: one broker
(resource name = its id, asked of that broker) or the cluster-wide defaults (the empty name)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kcli.admin.configs import ConfigItem
from kcli.admin.wire import BROKER, WireAdmin
from kcli.errors import KafkaOperationError


def subject(broker: int | None) -> str:
    return "the cluster-wide broker defaults" if broker is None else f"broker {broker}"


class BrokerConfigs(WireAdmin):
    """Broker configs on one cluster; `broker=None` means the cluster-wide defaults."""

    def require_broker(self, broker: int) -> list[int]:
        """The cluster's broker ids; an id not among them is an error at once (a request for an unknown node
        would wait until the timeout)."""
        ids = self.broker_ids()
        if broker not in ids:
            known = ", ".join(str(i) for i in ids) or "none"
            raise KafkaOperationError(f"The broker '{broker}' doesn't exist (brokers in the cluster: {known})")
        return ids

    def describe(self, broker: int | None) -> list[ConfigItem]:
        name = "" if broker is None else str(broker)
        return self.describe_configs(BROKER, name, subject(broker), node_id=broker)

    def alter(self, broker: int | None, set_items: Mapping[str, str], delete_keys: Sequence[str]) -> None:
        name = "" if broker is None else str(broker)
        self.alter_configs(BROKER, name, set_items, delete_keys, subject(broker), node_id=broker)
