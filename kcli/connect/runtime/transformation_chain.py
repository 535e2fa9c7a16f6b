"""The `transforms` / `predicates` of a connector config, applied to each record in order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kcli.connect.errors import BadRequestError


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _sub(config: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix):]: v for k, v in config.items() if k.startswith(prefix)}


class TransformationChain:
    """Transforms with their optional predicates; apply() returns the record or None (dropped)."""

    def __init__(self, stages: list[tuple[Any, Any, bool]]) -> None:
        self._stages = stages

    @classmethod
    def from_config(cls, config: Mapping[str, str], plugins: Any) -> TransformationChain | None:
        aliases = _list(config.get("transforms"))
        if not aliases:
            return None
        predicates: dict[str, Any] = {}
        for alias in _list(config.get("predicates")):
            sub = _sub(config, f"predicates.{alias}.")
            if not sub.get("type"):
                raise BadRequestError(f"Missing required configuration \"predicates.{alias}.type\"")
            _, _, pcls = plugins.resolve(sub["type"], ("predicate",))
            pred = pcls()
            pred.configure({k: v for k, v in sub.items() if k != "type"})
            predicates[alias] = pred
        stages = []
        for alias in aliases:
            sub = _sub(config, f"transforms.{alias}.")
            if not sub.get("type"):
                raise BadRequestError(f"Missing required configuration \"transforms.{alias}.type\"")
            _, _, tcls = plugins.resolve(sub["type"], ("transformation",))
            transform = tcls()
            transform.configure({k: v for k, v in sub.items() if k not in ("type", "predicate", "negate")})
            pred_alias = sub.get("predicate")
            if pred_alias and pred_alias not in predicates:
                raise BadRequestError(f"Predicate '{pred_alias}' of transforms.{alias}.predicate is not defined "
                                      "in 'predicates'")
            negate = sub.get("negate", "false").strip().lower() == "true"
            stages.append((transform, predicates.get(pred_alias) if pred_alias else None, negate))
        return cls(stages)

    def apply(self, record: Any) -> Any:
        for transform, predicate, negate in self._stages:
            if predicate is not None and bool(predicate.test(record)) == negate:
                continue
            record = transform.apply(record)
            if record is None:
                return None
        return record

    def close(self) -> None:
        for transform, predicate, _ in self._stages:
            for obj in (transform, predicate):
                if obj is not None and hasattr(obj, "close"):
                    obj.close()
