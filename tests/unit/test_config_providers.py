"""Config providers: ${env:…}, ${file:…}, ${directory:…} as KIP-297/KIP-887 define them."""

from __future__ import annotations

from pathlib import Path

import pytest

from kcli.config import load_config, resolve_providers
from kcli.errors import ConfigError


def test_env_file_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCLI_TEST_SECRET", "s3cret")
    creds = tmp_path / "creds.properties"
    creds.write_text("user=alice\npassword=wonder\n")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "token").write_text("tok-123")
    cfg = resolve_providers({
        "config.providers": "env,file,directory",
        "a": "${env:KCLI_TEST_SECRET}",
        "b": f"user=${{file:{creds}:user}} pw=${{file:{creds}:password}}",
        "c": f"${{directory:{secrets}:token}}",
        "d": "${unknown:x}",
    })
    assert cfg["a"] == "s3cret"
    assert cfg["b"] == "user=alice pw=wonder"
    assert cfg["c"] == "tok-123"
    assert cfg["d"] == "${unknown:x}"


def test_apache_class_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCLI_X", "1")
    cfg = resolve_providers({
        "config.providers": "myenv",
        "config.providers.myenv.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        "k": "${myenv:KCLI_X}",
    })
    assert cfg["k"] == "1"


def test_providers_off_unless_declared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCLI_X", "1")
    assert resolve_providers({"k": "${env:KCLI_X}"}) == {"k": "${env:KCLI_X}"}


def test_unresolvable_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KCLI_NOPE", raising=False)
    with pytest.raises(ConfigError, match="key 'sasl.password'"):
        load_config(properties=["config.providers=env", "sasl.password=${env:KCLI_NOPE}"])


def test_unknown_provider_class() -> None:
    with pytest.raises(ConfigError, match="config.providers.vault.class"):
        resolve_providers({"config.providers": "vault", "config.providers.vault.class": "com.example.Vault"})


def test_unreadable_provider_file_names_file_and_key(tmp_path: Path) -> None:
    missing = tmp_path / "secrets.properties"
    with pytest.raises(ConfigError) as err:
        load_config(properties=["config.providers=file", f"ssl.key.password=${{file:{missing}:pw}}"])
    assert str(missing) in err.value.message and err.value.message.endswith("(key 'ssl.key.password')")
