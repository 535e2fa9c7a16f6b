"""Herders: the cluster brain behind the REST API (standalone, distributed), one interface."""

from kcli.connect.herder.base import Herder

__all__ = ["Herder"]
