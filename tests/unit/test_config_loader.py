"""The one config loader: .properties, YAML, JSON, merge order, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kcli.config import load_config, load_file, mask_secrets, parse_assignments
from kcli.errors import ConfigError


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_properties_java_semantics(tmp_path: Path) -> None:
    path = write(tmp_path, "a.properties", (
        "# comment\n! also a comment\n"
        "a=1\n"
        "b : two\n"
        "c three\n"
        "long = first, \\\n     second\n"
        "uni=caf\\u00e9\n"
        "key\\=with\\:seps = v\n"
        "trailing = x   \n"
    ))
    assert load_file(path) == {
        "a": "1", "b": "two", "c": "three", "long": "first, second", "uni": "café",
        "key=with:seps": "v", "trailing": "x   ",
    }


def test_yaml_flattens_to_properties_form(tmp_path: Path) -> None:
    path = write(tmp_path, "w.yaml", (
        "bootstrap.servers: localhost:9092\n"
        "producer:\n  acks: all\n  linger.ms: 5\n"
        "enable: true\n"
        "topics: [a, b, c]\n"
        "empty:\n"
    ))
    assert load_file(path) == {
        "bootstrap.servers": "localhost:9092", "producer.acks": "all", "producer.linger.ms": "5",
        "enable": "true", "topics": "a,b,c", "empty": "",
    }


def test_json_flat_and_connector_form(tmp_path: Path) -> None:
    flat = write(tmp_path, "flat.json", json.dumps({"a": 1, "b": False}))
    assert load_file(flat) == {"a": "1", "b": "false"}
    rest = write(tmp_path, "c.json", json.dumps({"name": "src", "config": {"connector.class": "FileStreamSource",
                                                                           "tasks.max": 1}}))
    assert load_file(rest) == {"connector.class": "FileStreamSource", "tasks.max": "1", "name": "src"}


def test_merge_order_defaults_files_properties_explicit(tmp_path: Path) -> None:
    f1 = write(tmp_path, "1.properties", "a=file1\nb=file1\nc=file1\n")
    f2 = write(tmp_path, "2.yaml", "b: file2\nc: file2\n")
    cfg = load_config([f1, f2], ["c=prop", "d=prop"], explicit={"d": "explicit", "e": None},
                      defaults={"a": "default", "z": "default"})
    assert cfg == {"z": "default", "a": "file1", "b": "file2", "c": "prop", "d": "explicit"}


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("missing.properties", None, "config file not found"),
    ("bad.yaml", "a: [1\n", "malformed YAML"),
    ("list.yaml", "- a\n- b\n", "must be a mapping at the top level, found list"),
    ("bad.json", '{"a": }', "malformed JSON"),
    ("list.json", "[1]", "must be a mapping"),
    ("x.toml", "a = 1", "unknown config file type '.toml'"),
    ("bad.properties", "a=1\nb=caf\\u00e\n", "malformed \\uxxxx encoding"),
])
def test_bad_files_name_the_file(tmp_path: Path, name: str, text: str | None, expected: str) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_file(path)
    assert expected in err.value.message
    assert str(path) in err.value.message
    assert err.value.exit_code == 2


@pytest.mark.parametrize(("make", "expected"), [
    (lambda p: p.mkdir(), "config path is a directory, not a file"),
    (lambda p: p.write_bytes(b"a=\xff\xfe\n"), "config file is not UTF-8 text"),
])
def test_unreadable_files_name_the_file(tmp_path: Path, make, expected: str) -> None:
    path = tmp_path / "client.properties"
    make(path)
    with pytest.raises(ConfigError) as err:
        load_file(path)
    assert expected in err.value.message and err.value.message.endswith(f"({path})")


def test_bad_unicode_escape_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "c.properties", "# comment\na=1\nb=caf\\u00zz\n")
    with pytest.raises(ConfigError) as err:
        load_file(path)
    assert f"({path}:3)" in err.value.message


def test_file_provider_with_bad_escape_is_a_config_error(tmp_path: Path) -> None:
    secrets = write(tmp_path, "s.properties", "pw=\\uXYZ1\n")
    with pytest.raises(ConfigError, match="malformed"):
        load_config(properties=["config.providers=file", f"x=${{file:{secrets}:pw}}"])


def test_yaml_error_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "w.yaml", "a: 1\nb: [x\nc: 2\n")
    with pytest.raises(ConfigError) as err:
        load_file(path)
    assert f"{path}:3:" in err.value.message or f"{path}:2:" in err.value.message


def test_assignments() -> None:
    assert parse_assignments(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(ConfigError, match="expects key=value"):
        parse_assignments(["novalue"])


def test_mask_secrets() -> None:
    masked = mask_secrets({"sasl.jaas.config": "x", "ssl.key.password": "p", "ssl.keystore.key": "k",
                           "client.secret": "s", "bootstrap.servers": "b", "empty.password": ""})
    assert masked == {"sasl.jaas.config": "[hidden]", "ssl.key.password": "[hidden]",
                      "ssl.keystore.key": "[hidden]", "client.secret": "[hidden]", "bootstrap.servers": "b",
                      "empty.password": ""}
