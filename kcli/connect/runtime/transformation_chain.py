"""The `transforms` / `predicates` of a connector config, applied to each record in order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from kcli.connect.errors import BadRequestError

if TYPE_CHECKING:
    from kcli.connect.api.records import ConnectRecord
    from kcli.connect.plugins import Plugins
    from kcli.connect.predicates import Predicate
    from kcli.connect.transforms.base import Transformation

R = TypeVar("R", bound="ConnectRecord")


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _sub(config: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix):]: v for k, v in config.items() if k.startswith(prefix)}


def _configured(config: Mapping[str, str], plugins: Plugins, group: str, alias: str, kind: str,
                own_keys: tuple[str, ...] = ()) -> tuple[Any, dict[str, str]]:
    """The configured plugin `<group>.<alias>.type`, and all of its `<group>.<alias>.` settings."""
    sub = _sub(config, f"{group}.{alias}.")
    if not sub.get("type"):
        raise BadRequestError(f"Missing required configuration \"{group}.{alias}.type\"")
    _, _, cls = plugins.resolve(sub["type"], (kind,))
    plugin = cls()
    plugin.configure({k: v for k, v in sub.items() if k != "type" and k not in own_keys})
    return plugin, sub


class TransformationChain:
    """Transforms with their optional predicates; apply() returns the record or None (dropped)."""

    def __init__(self, stages: list[tuple[Transformation, Predicate | None, bool]]) -> None:
        self._stages = stages

    @classmethod
    def from_config(cls, config: Mapping[str, str], plugins: Plugins) -> TransformationChain | None:
        aliases = _list(config.get("transforms"))
        if not aliases:
            return None
        predicates: dict[str, Predicate] = {alias: _configured(config, plugins, "predicates", alias, "predicate")[0]
                      for alias in _list(config.get("predicates"))}
        stages: list[tuple[Transformation, Predicate | None, bool]] = []
        for alias in aliases:
            transform, sub = _configured(config, plugins, "transforms", alias, "transformation",
                                         ("predicate", "negate"))
            pred_alias = sub.get("predicate")
            if pred_alias and pred_alias not in predicates:
                raise BadRequestError(f"Predicate '{pred_alias}' of transforms.{alias}.predicate is not defined "
                                      "in 'predicates'")
            negate = sub.get("negate", "false").strip().lower() == "true"
            stages.append((transform, predicates.get(pred_alias) if pred_alias else None, negate))
        return cls(stages)

    def apply(self, record: R) -> R | None:
        for transform, predicate, negate in self._stages:
            if predicate is not None and bool(predicate.test(record)) == negate:
                continue
            result = transform.apply(record)
            if result is None:
                return None
            record = result
        return record

    def close(self) -> None:
        for transform, predicate, _ in self._stages:
            for obj in (transform, predicate):
                if obj is not None and hasattr(obj, "close"):
                    obj.close()
