"""Which config keys hold secrets, and masking them for display."""

from __future__ import annotations

from collections.abc import Mapping

MASK = "[hidden]"
_SECRET_WORDS = ("password", "secret", "sasl.jaas.config", "credentials", "token")


def is_secret_key(key: str) -> bool:
    k = key.lower()
    return any(word in k for word in _SECRET_WORDS) or k.endswith(".key") or k.endswith(".key.pem")


def mask_secrets(config: Mapping[str, str]) -> dict[str, str]:
    return {k: (MASK if is_secret_key(k) and v else v) for k, v in config.items()}
