"""`kcli cluster describe` and `kcli cluster config get|set|delete`: validate, call the services, print.
The command-line layer (cli/cluster.py) only parses."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from kcli.admin.render import ConfigsView, entity_header, print_altered, print_configs
from kcli.admin.session import parse_timeout
from kcli.cluster import render
from kcli.errors import UsageError
from kcli.output import emit_structured

if TYPE_CHECKING:
    from kcli.admin.configs import ConfigItem
    from kcli.clients import ClientOptions
    from kcli.cluster.broker_configs import BrokerConfigs

DEFAULTS_HEADER = "Default configs for brokers in the cluster are:"


def describe(client: ClientOptions, output: str | None, timeout: str | None, authorized_operations: bool) -> None:
    """The cluster id, the controller and the brokers (id, host:port, rack, roles)."""
    from kcli.cluster.service import ClusterService

    fmt = output or "text"
    svc = ClusterService(client.config(), timeout=parse_timeout(timeout))
    info = svc.describe(authorized_operations=authorized_operations)
    if fmt == "text":
        sys.stdout.write(render.describe_text(info))
    else:
        emit_structured(render.describe_dict(info), fmt)


def _configs(client: ClientOptions, timeout: str | None, broker: int | None, defaults: bool) -> BrokerConfigs:
    if broker is not None and defaults:
        raise UsageError("give either --broker ID or --broker-defaults, not both")
    from kcli.cluster.broker_configs import BrokerConfigs

    return BrokerConfigs(client.config(), timeout=parse_timeout(timeout))


def _view(broker: int | None, items: Sequence[ConfigItem], show_all: bool) -> ConfigsView:
    if broker is None:  # the default resource holds only dynamic defaults, --all or not (as Apache prints it)
        return ConfigsView(DEFAULTS_HEADER, "Default configs for brokers", {"broker": None, "defaults": True},
                           list(items))
    shown = [c for c in items if show_all or c.source == "DYNAMIC_BROKER_CONFIG"]
    return ConfigsView(entity_header("broker", str(broker), show_all), f"Configs for broker {broker}",
                       {"broker": broker, "defaults": False}, shown)


def config_get(client: ClientOptions, broker: int | None, defaults: bool, show_all: bool, output: str | None,
               timeout: str | None) -> None:
    """kafka-configs --entity-type brokers --describe: one broker (--broker), the cluster-wide defaults
    (--broker-defaults), or, as Apache without --entity-name, every broker and then the defaults."""
    svc = _configs(client, timeout, broker, defaults)
    try:
        if broker is not None:
            svc.require_broker(broker)
            targets: list[int | None] = [broker]
        elif defaults:
            targets = [None]
        else:
            targets = [*svc.broker_ids(), None]
        views = [_view(t, svc.describe(t), show_all) for t in targets]
    finally:
        svc.close()
    print_configs(views, output or "text", many=broker is None and not defaults)


def config_alter(client: ClientOptions, broker: int | None, defaults: bool, set_items: Mapping[str, str],
                 delete_keys: Sequence[str], output: str | None, timeout: str | None) -> None:
    """kafka-configs --entity-type brokers --entity-name ID|--entity-default --alter, as one incremental alter."""
    if broker is None and not defaults:
        raise UsageError("give --broker ID or --broker-defaults to change broker configs")
    if not set_items and not delete_keys:
        raise UsageError("give at least one config (k=v to set, k to delete)")
    svc = _configs(client, timeout, broker, defaults)
    try:
        if broker is not None:
            svc.require_broker(broker)
        svc.alter(broker, set_items, delete_keys)
    finally:
        svc.close()
    fmt = output or "text"
    if broker is None and fmt not in ("json", "yaml"):
        from kcli.output import echo

        echo("Completed updating default config for brokers in the cluster.")
    else:
        print_altered(f"broker {broker}", {"broker": broker, "defaults": broker is None}, set_items, delete_keys,
                      fmt)
