"""TLS for `https://` listeners, from Apache's `listeners.https.ssl.*` (or plain `ssl.*`) worker keys.

As Apache's SSLUtils: when any `listeners.https.` key is set only those are used, else the `ssl.*`
keys (`admin.listeners.https.` for the listeners of `admin.listeners`). Keystores and truststores
must be PEM (`ssl.keystore.type=PEM`, KIP-651): a file at `ssl.keystore.location` holding the
private key and certificate chain, or the inline values `ssl.keystore.key` and
`ssl.keystore.certificate.chain`; `ssl.truststore.location` or `ssl.truststore.certificates` for
client certificates (`ssl.client.auth=requested|required`). JKS and PKCS12 stores are a
ConfigError naming the key (convert them with openssl/keytool).
"""

from __future__ import annotations

import os
import ssl
import tempfile
from collections.abc import Mapping

from kcli.errors import ConfigError

PREFIX = "listeners.https."
PROTOCOLS = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}


def https_settings(worker_config: Mapping[str, str], prefix: str = PREFIX) -> tuple[dict[str, str], str]:
    """The ssl.* settings that apply to https listeners, and the prefix they were read under."""
    prefixed = {k[len(prefix):]: v for k, v in worker_config.items() if k.startswith(prefix + "ssl.")}
    if prefixed:
        return prefixed, prefix
    return {k: v for k, v in worker_config.items() if k.startswith("ssl.")}, ""


def _text(settings: Mapping[str, str], key: str) -> str:
    return str(settings.get(key) or "").strip()


def _check_pem(settings: Mapping[str, str], store: str, prefix: str) -> None:
    kind = _text(settings, f"ssl.{store}.type").upper()
    if kind and kind != "PEM":
        raise ConfigError(f"ssl.{store}.type {kind} is not supported by kcli: use PEM (a {kind} store converts "
                          f"with keytool/openssl) (key '{prefix}ssl.{store}.type')")


def _load_key_pair(context: ssl.SSLContext, settings: Mapping[str, str], prefix: str) -> None:
    _check_pem(settings, "keystore", prefix)
    password = _text(settings, "ssl.key.password") or _text(settings, "ssl.keystore.password") or None
    location = _text(settings, "ssl.keystore.location")
    chain, key = _text(settings, "ssl.keystore.certificate.chain"), _text(settings, "ssl.keystore.key")
    try:
        if location:
            context.load_cert_chain(location, password=password)
        elif chain and key:
            fd, path = tempfile.mkstemp(prefix="kcli-rest-", suffix=".pem")
            try:
                with os.fdopen(fd, "w") as out:
                    out.write(key + "\n" + chain + "\n")
                context.load_cert_chain(path, password=password)
            finally:
                os.unlink(path)
        else:
            raise ConfigError("An https listener needs a PEM key and certificate: set ssl.keystore.location, or "
                              "ssl.keystore.key and ssl.keystore.certificate.chain "
                              f"(key '{prefix}ssl.keystore.location')")
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"Cannot load the https keystore {location or '(inline PEM)'}: {exc} "
                          f"(key '{prefix}ssl.keystore.location')") from None


def _load_trust(context: ssl.SSLContext, settings: Mapping[str, str], prefix: str) -> None:
    mode = _text(settings, "ssl.client.auth").lower() or "none"
    if mode not in ("none", "requested", "required"):
        raise ConfigError(f"Invalid value {mode} for configuration ssl.client.auth: use none, requested or required "
                          f"(key '{prefix}ssl.client.auth')")
    if mode == "none":
        return
    _check_pem(settings, "truststore", prefix)
    location, inline = _text(settings, "ssl.truststore.location"), _text(settings, "ssl.truststore.certificates")
    try:
        if location:
            context.load_verify_locations(cafile=location)
        elif inline:
            context.load_verify_locations(cadata=inline)
        else:
            raise ConfigError(f"ssl.client.auth={mode} needs a PEM truststore: set ssl.truststore.location or "
                              f"ssl.truststore.certificates (key '{prefix}ssl.truststore.location')")
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"Cannot load the https truststore {location or '(inline PEM)'}: {exc} "
                          f"(key '{prefix}ssl.truststore.location')") from None
    context.verify_mode = ssl.CERT_REQUIRED if mode == "required" else ssl.CERT_OPTIONAL


def server_context(worker_config: Mapping[str, str], prefix: str = PREFIX) -> ssl.SSLContext:
    """The server-side SSLContext of https listeners (`admin.listeners.https.` for admin ones);
    a ConfigError names a key that cannot be used."""
    settings, prefix = https_settings(worker_config, prefix)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    enabled = [p.strip() for p in _text(settings, "ssl.enabled.protocols").split(",") if p.strip()]
    known = [PROTOCOLS[p] for p in enabled if p in PROTOCOLS]
    if enabled and not known:
        raise ConfigError(f"None of ssl.enabled.protocols {','.join(enabled)} is supported: use TLSv1.2 or TLSv1.3 "
                          f"(key '{prefix}ssl.enabled.protocols')")
    context.minimum_version = min(known) if known else ssl.TLSVersion.TLSv1_2
    _load_key_pair(context, settings, prefix)
    _load_trust(context, settings, prefix)
    return context
