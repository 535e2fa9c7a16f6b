"""Signed internal requests between workers (KIP-507): session keys and HMAC signatures.

The leader writes a random key to the config topic (`session-key`) and rotates it every
`inter.worker.key.ttl.ms`; a worker posting task configs to the leader signs the raw request body
with it. Headers and status codes are Apache's (InternalRequestSignature, DistributedHerder).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping

from kcli.connect.errors import BadRequestError, ConnectError
from kcli.connect.storage.config_store import SessionKey

SIGNATURE_HEADER = "X-Connect-Authorization"
ALGORITHM_HEADER = "X-Connect-Request-Signature-Algorithm"
DIGESTS = {"HmacSHA256": hashlib.sha256, "HmacSHA384": hashlib.sha384, "HmacSHA512": hashlib.sha512,
           "HmacSHA1": hashlib.sha1}
# Java's KeyGenerator default sizes, in bytes
DEFAULT_KEY_BYTES = {"HmacSHA256": 32, "HmacSHA384": 48, "HmacSHA512": 64, "HmacSHA1": 64}


def new_key(algorithm: str, size_bits: int | None, now_ms: int) -> SessionKey:
    size = size_bits // 8 if size_bits else DEFAULT_KEY_BYTES[algorithm]
    return SessionKey(os.urandom(size), algorithm, now_ms)


def key_size_matches(key: SessionKey, algorithm: str, size_bits: int | None) -> bool:
    size = size_bits // 8 if size_bits else DEFAULT_KEY_BYTES[algorithm]
    return key.algorithm == algorithm and len(key.key) == size


def sign(key: bytes, body: bytes, algorithm: str) -> str:
    return base64.b64encode(hmac.new(key, body, DIGESTS[algorithm]).digest()).decode("ascii")


def signature_headers(key: SessionKey, body: bytes, algorithm: str) -> dict[str, str]:
    return {SIGNATURE_HEADER: sign(key.key, body, algorithm), ALGORITHM_HEADER: algorithm}


def verify(headers: Mapping[str, str], body: bytes, key: SessionKey | None, allowed: list[str]) -> None:
    """Raise Apache's 400/403/503 for a missing, unsupported, premature or wrong signature."""
    lowered = {k.lower(): v for k, v in headers.items()}
    algorithm = lowered.get(ALGORITHM_HEADER.lower())
    signature = lowered.get(SIGNATURE_HEADER.lower())
    if algorithm is None or signature is None:
        raise BadRequestError("Internal request missing required signature")
    if algorithm not in DIGESTS or algorithm not in allowed:
        raise BadRequestError(f"This worker does not support the '{algorithm}' key signing algorithm used by other "
                              f"workers. This worker is currently configured to use: [{', '.join(allowed)}]. Check "
                              "that all workers' configuration files permit the same set of signature algorithms, "
                              "and correct any misconfigured worker and restart it.")
    try:
        given = base64.b64decode(signature, validate=True)
    except ValueError as exc:
        raise BadRequestError(str(exc)) from None
    if key is None:
        raise ConnectError("This worker is still starting up and has not been able to read a session key from the "
                           "config topic yet", 503)
    expected = hmac.new(key.key, body, DIGESTS[algorithm]).digest()
    if not hmac.compare_digest(expected, given):
        raise ConnectError("Internal request contained invalid signature.", 403)
