"""Connectors: the plugins that split a job into task configs (Apache's Connector)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from kcli.connect.api.context import ConnectorContext
from kcli.connect.api.task import Task

if TYPE_CHECKING:
    from kcli.connect.configdef import ConfigDef

# Values of exactly_once_support()
SUPPORTED = "SUPPORTED"
UNSUPPORTED = "UNSUPPORTED"


class Connector(ABC):
    """Base of source and sink connectors."""

    context: ConnectorContext | None = None

    def version(self) -> str:
        from kcli import __version__

        return __version__

    def initialize(self, context: ConnectorContext) -> None:
        self.context = context

    @abstractmethod
    def start(self, props: dict[str, str]) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def task_class(self) -> type[Task]: ...

    @abstractmethod
    def task_configs(self, max_tasks: int) -> list[dict[str, str]]: ...

    def config_def(self) -> ConfigDef | None:
        """The connector's own ConfigDef (kcli.connect.configdef.ConfigDef), or None."""
        return None

    def validate(self, props: dict[str, str]) -> dict[str, list[str]]:
        """Extra errors per key beyond what config_def() checks (empty: none)."""
        return {}

    def alter_offsets(self, connector_config: dict[str, str], offsets: dict[Any, Any]) -> bool:
        """Hook for offset changes (KIP-875); raise to reject. True: the connector agrees and keeps
        no offsets of its own elsewhere."""
        return False


class SourceConnector(Connector):
    def exactly_once_support(self, props: dict[str, str]) -> str | None:
        return None


class SinkConnector(Connector):
    pass
