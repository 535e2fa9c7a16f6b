"""Which config keys hold secrets, and masking them for display."""

from __future__ import annotations

from collections.abc import Mapping

MASK = "[hidden]"
_SECRET_WORDS = ("password", "secret", "sasl.jaas.config", "credentials", "token")


def is_secret_key(key: str) -> bool:
    k = key.lower()
    return any(word in k for word in _SECRET_WORDS) or k.endswith(".key") or k.endswith(".key.pem")


def mask_secrets(config: Mapping[str, str], keep_references: bool = False) -> dict[str, str]:
    """`config` with the values of secret keys replaced by MASK. With `keep_references`, a value that holds a
    ${provider:…} reference (where the secret is kept, not the secret) is shown as it is."""

    def hidden(key: str, value: str) -> bool:
        return bool(value) and is_secret_key(key) and not (keep_references and "${" in value)

    return {k: (MASK if hidden(k, v) else v) for k, v in config.items()}
