"""Reference: kcli's .properties loader gives the same map as Java's own java.util.Properties."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcli.cli.config import render_properties
from kcli.config import load_file

JAVA_SOURCE = Path(__file__).parent / "java" / "DumpProperties.java"

TRICKY = {
    "continuations.properties": (
        "list = a, \\\n    b, \\\n\tc\n"
        "trailing.backslash.pair = x\\\\\n"
        "odd = one\\\n\n"
        "next = after-empty-continuation\n"
    ),
    "unicode.properties": "greeting=caf\\u00e9 \\u65e5\\u672c\nkey\\u0041=v\nsurrogates=\\ud83d\\ude00\n",
    "separators.properties": (
        "colon:value\n"
        "spaced   value with spaces\n"
        "eq  =  padded  \n"
        "mixed :=x\n"
        "\ttabbed\tkey-tab\n"
        "empty=\n"
        "onlykey\n"
        "  leading.ws = 1\n"
    ),
    "escapes.properties": (
        "key\\ with\\ spaces=v1\n"
        "key\\:colon=v2\n"
        "key\\=equals=v3\n"
        "\\#not-a-comment=v4\n"
        "tab=a\\tb\\nc\n"
        "unknown\\q=\\z\n"
        "# comment\n"
        "   ! also comment\n"
        "dup=first\n"
        "dup=second\n"
    ),
}


def java_load(paths: list[Path], classes_dir: Path) -> dict[str, dict[str, str]]:
    out = subprocess.run(["java", "-cp", str(classes_dir), "DumpProperties", *map(str, paths)],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    result: dict[str, dict[str, str]] = {str(p): {} for p in paths}
    for line in out.splitlines():
        path, key, value = line.split("\t")
        result[path][bytes.fromhex(key).decode()] = bytes.fromhex(value).decode()
    return result


@pytest.fixture(scope="module")
def java_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("javac") is None:
        pytest.fail("javac (Java 17) is needed for the properties reference test")
    out = tmp_path_factory.mktemp("javaprops")
    subprocess.run(["javac", "-d", str(out), str(JAVA_SOURCE)], check=True, timeout=120)
    return out


@pytest.mark.java
def test_tricky_files_match_java(tmp_path: Path, java_classes: Path) -> None:
    paths = []
    for name, text in TRICKY.items():
        path = tmp_path / name
        path.write_text(text, encoding="ascii")
        paths.append(path)
    expected = java_load(paths, java_classes)
    for path in paths:
        assert load_file(path) == expected[str(path)], path.name
    # the tricky cases really are tricky: spot-check what Java made of them
    assert expected[str(tmp_path / "continuations.properties")]["list"] == "a, b, c"
    assert expected[str(tmp_path / "escapes.properties")]["key with spaces"] == "v1"


_text = st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x2FFF, exclude_categories=("Cs",)),
                max_size=20)


@pytest.mark.java
@settings(max_examples=3, deadline=None)
@given(st.lists(st.tuples(_text.filter(lambda s: s != ""), _text), min_size=30, max_size=60))
def test_config_show_output_reads_back_identically_in_java(tmp_path_factory: pytest.TempPathFactory,
                                                           java_classes: Path,
                                                           pairs: list[tuple[str, str]]) -> None:
    """What `kcli config show` prints is a .properties file Java reads back to the same map."""
    config = dict(pairs)
    path = tmp_path_factory.mktemp("roundtrip") / "out.properties"
    path.write_text(render_properties(config), encoding="latin-1")
    assert java_load([path], java_classes)[str(path)] == config
    assert load_file(path) == config
