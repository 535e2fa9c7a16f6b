"""`kcli connectors`: the Connect REST client for shell scripts and people (see kcli.connectors_view)."""

from __future__ import annotations

from kcli.connectors_view.commands import group as command

__all__ = ["command"]
