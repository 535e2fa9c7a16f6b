"""Profiles without a broker: the file, `kcli profile`, precedence, providers, masking, the contexts migration."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kcli.cli.main import main
from kcli.clients import ClientOptions
from kcli.connectors.options import ConnOptions, resolve
from kcli.profiles import config_file, load, save_profile

JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="app" password="${env:PW}";'


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No real home, no inherited settings: the profiles file lives in tmp_path/cfg."""
    for var in ("KCLI_PROFILE", "KCLI_CONFIG", "KCLI_BOOTSTRAP_SERVER", "KCLI_CONNECT_URL", "KCLI_CONTEXT",
                "KCLI_CONNECT_USER", "KCLI_CONNECT_PASSWORD", "XDG_CONFIG_HOME", "PW"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KCLI_CONFIG_DIR", str(tmp_path / "cfg"))
    yield tmp_path / "cfg"


def kcli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `kcli ARGS` in-process; (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def sasl_profile(name: str = "secure", bootstrap: str = "sasl-broker:9093") -> None:
    save_profile(name, bootstrap=bootstrap, client={
        "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.jaas.config": JAAS,
    })


# -- the file ---------------------------------------------------------------------------------------

def test_create_list_show_use_delete(capsys: pytest.CaptureFixture[str], isolated: Path) -> None:
    code, out, err = kcli(capsys, "profile", "create", "dev", "--bootstrap-server", "localhost:9092",
                          "--connect-url", "http://localhost:8083")
    assert (code, out) == (0, "") and err == f"kcli: profile dev created ({isolated / 'config.yaml'})\n"
    assert kcli(capsys, "profile", "create", "prod", "--bootstrap-server", "b1:9093,b2:9093",
                "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanism=PLAIN", "-X", f"sasl.jaas.config={JAAS}",
                "--connect-url", "https://c1", "--connect-url", "https://c2", "--connect-user", "admin",
                "--connect-password", "hunter2")[0] == 0
    path = isolated / "config.yaml"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    stored = yaml.safe_load(path.read_text())
    assert stored["current"] == "dev"  # the first profile becomes current
    assert stored["profiles"]["prod"] == {
        "bootstrap-server": "b1:9093,b2:9093",
        "client": {"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN", "sasl.jaas.config": JAAS},
        "connect": {"url": ["https://c1", "https://c2"], "user": "admin", "password": "hunter2"},
    }
    code, out, _ = kcli(capsys, "profile", "list")
    assert code == 0 and out.splitlines() == ["*\tdev\tlocalhost:9092\thttp://localhost:8083",
                                              "\tprod\tb1:9093,b2:9093\thttps://c1,https://c2"]
    # show: a literal secret is masked, a reference (where the secret is kept) is shown
    code, out, _ = kcli(capsys, "profile", "show", "prod")
    shown = yaml.safe_load(out)
    assert code == 0 and shown["connect"]["password"] == "[hidden]" and shown["client"]["sasl.jaas.config"] == JAAS
    code, out, _ = kcli(capsys, "profile", "show", "prod", "-o", "json", "--show-secrets")
    assert json.loads(out)["connect"]["password"] == "hunter2"
    code, out, _ = kcli(capsys, "profile", "list", "-o", "json")
    assert "hunter2" not in out and json.loads(out)["current"] == "dev"
    assert kcli(capsys, "profile", "use", "prod")[0] == 0
    code, out, _ = kcli(capsys, "profile", "show")  # the active one
    assert yaml.safe_load(out)["bootstrap-server"] == "b1:9093,b2:9093"
    assert kcli(capsys, "profile", "delete", "prod")[0] == 0
    assert load().current is None and list(load().profiles) == ["dev"]


def test_create_refuses_an_existing_name_unless_update(capsys: pytest.CaptureFixture[str]) -> None:
    assert kcli(capsys, "profile", "create", "p", "--bootstrap-server", "a:1", "-X", "acks=all")[0] == 0
    code, _, err = kcli(capsys, "profile", "create", "p", "--bootstrap-server", "b:1")
    assert code == 2 and err.startswith("kcli: error: profile 'p' already exists") and err.count("\n") == 1
    assert kcli(capsys, "profile", "create", "p", "--update", "-X", "linger.ms=5", "--connect-url", "http://c")[0] == 0
    p = load().profiles["p"]
    assert (p.bootstrap, dict(p.client), p.connect["url"]) == ("a:1", {"acks": "all", "linger.ms": "5"}, ["http://c"])


def test_create_takes_a_client_properties_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    props = tmp_path / "client.properties"
    props.write_text("bootstrap.servers=f:9092\nsecurity.protocol=SSL\nssl.truststore.location=/ca.pem\n"
                     "ssl.truststore.type=PEM\n")
    assert kcli(capsys, "profile", "create", "f", "--command-config", str(props))[0] == 0
    p = load().profiles["f"]
    assert p.bootstrap == "f:9092" and "bootstrap.servers" not in p.client
    assert dict(p.client) == {"security.protocol": "SSL", "ssl.truststore.location": "/ca.pem",
                              "ssl.truststore.type": "PEM"}


@pytest.mark.parametrize("args,needle", [
    (["profile", "use", "nope"], "no profile named 'nope'"),
    (["profile", "show", "nope"], "no profile named 'nope'"),
    (["profile", "delete", "nope"], "no profile named 'nope'"),
    (["profile", "show"], "no profile is active"),
    (["profile", "create", "bad name"], "'bad name' is not a profile name"),
    (["profile", "create", "p", "-X", "novalue"], "-X expects key=value"),
    (["--profile", "nope", "topics", "--list"], "no profile named 'nope'"),
    (["topics", "--profile", "nope", "list"], "no profile named 'nope'"),
    (["consume", "--topic", "t", "--profile", "nope"], "no profile named 'nope'"),
])
def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    code, out, err = kcli(capsys, *args)
    assert code == 2 and out == "" and needle in err and err.startswith("kcli: error: ") and err.count("\n") == 1


@pytest.mark.parametrize("text,needle", [
    ("profiles: [1, 2\n", "cannot read profiles"),
    ("- a\n", "expected a mapping at the top level"),
    ("profiles: {p: {bootstrap-servers: x}}\n", "unknown key 'bootstrap-servers' in profile 'p'"),
    ("profiles: {p: {connect: {urls: [x]}}}\n", "unknown key 'connect.urls' in profile 'p'"),
    ("profiles: {p: {connect: {insecure: maybe}}}\n", "'connect.insecure' of profile 'p'"),
    ("profiles: {p: {client: [a]}}\n", "'client' of profile 'p'"),
])
def test_malformed_file(capsys: pytest.CaptureFixture[str], isolated: Path, text: str, needle: str) -> None:
    isolated.mkdir(parents=True)
    (isolated / "config.yaml").write_text(text)
    code, _, err = kcli(capsys, "profile", "list")
    assert code == 2 and needle in err and str(isolated / "config.yaml") in err and err.count("\n") == 1


def test_kcli_config_moves_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KCLI_CONFIG", str(tmp_path / "elsewhere.yaml"))
    save_profile("x", bootstrap="x:1")
    assert config_file() == tmp_path / "elsewhere.yaml" and (tmp_path / "elsewhere.yaml").exists()
    monkeypatch.delenv("KCLI_CONFIG")
    monkeypatch.delenv("KCLI_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_file() == tmp_path / "xdg" / "kcli" / "config.yaml"


def test_unknown_top_level_keys_are_kept(isolated: Path) -> None:
    isolated.mkdir(parents=True)
    (isolated / "config.yaml").write_text("future-setting: 7\nprofiles: {}\n")
    save_profile("a", bootstrap="a:1")
    assert yaml.safe_load((isolated / "config.yaml").read_text())["future-setting"] == 7


def test_save_profile_for_other_commands() -> None:
    """The call `kcli dev up` makes: a profile replaced as a whole, made current on request."""
    save_profile("other", bootstrap="o:1")
    path = save_profile("dev", bootstrap="localhost:19092", connect_url="http://localhost:18083", make_current=True)
    save_profile("dev", bootstrap="localhost:29092", connect_url="http://localhost:28083")
    doc = load()
    assert path == config_file() and doc.current == "dev"
    assert doc.profiles["dev"].bootstrap == "localhost:29092"
    assert doc.profiles["dev"].connect == {"url": ["http://localhost:28083"]}


# -- the old contexts.yaml ----------------------------------------------------------------------------

def test_contexts_file_is_moved_into_profiles(capsys: pytest.CaptureFixture[str], isolated: Path) -> None:
    isolated.mkdir(parents=True)
    legacy = isolated / "contexts.yaml"
    legacy.write_text("current: prod\ncontexts:\n  local:\n    url: [http://a:1]\n"
                      "  prod:\n    url: [https://p]\n    user: me\n    password: pw\n    timeout: 5000ms\n")
    code, out, err = kcli(capsys, "profile", "list")
    assert code == 0 and out.splitlines() == ["\tlocal\t\thttp://a:1", "*\tprod\t\thttps://p"]
    assert err == f"kcli: moved the contexts of {legacy} into {isolated / 'config.yaml'} as profiles\n"
    assert legacy.exists()  # left for older kcli versions
    settings = resolve(ConnOptions())
    assert (settings["urls"], settings["user"], settings["password"], settings["timeout"]) == (
        ["https://p"], "me", "pw", 5)
    code, out, err = kcli(capsys, "connectors", "context", "list")
    assert code == 0 and out.splitlines() == ["\tlocal\thttp://a:1\t", "*\tprod\thttps://p\tme"] and err == ""


def test_unwritable_config_file_still_reads_contexts(monkeypatch: pytest.MonkeyPatch, isolated: Path,
                                                    tmp_path: Path) -> None:
    isolated.mkdir(parents=True)
    (isolated / "contexts.yaml").write_text("current: c\ncontexts:\n  c:\n    url: [http://c:1]\n")
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("KCLI_CONFIG", str(tmp_path / "a-file" / "config.yaml"))  # cannot be created, even by root
    assert resolve(ConnOptions())["urls"] == ["http://c:1"]


def test_context_delete_keeps_the_kafka_side() -> None:
    from kcli.connectors import contexts

    save_profile("both", bootstrap="b:1", connect_url="http://c")
    contexts.delete("both")
    assert load().profiles["both"].connect == {} and load().profiles["both"].bootstrap == "b:1"


# -- precedence: flags > environment > profile > defaults --------------------------------------------

def test_bootstrap_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert ClientOptions().config()["bootstrap.servers"] == "localhost:9092"  # default
    save_profile("p", bootstrap="profile:1")
    assert ClientOptions().config()["bootstrap.servers"] == "profile:1"  # current profile
    monkeypatch.setenv("KCLI_BOOTSTRAP_SERVER", "env:1")
    assert ClientOptions().config()["bootstrap.servers"] == "env:1"
    props = tmp_path / "c.properties"
    props.write_text("bootstrap.servers=file:1\n")
    assert ClientOptions(command_config=(str(props),)).config()["bootstrap.servers"] == "file:1"
    assert ClientOptions(properties=("bootstrap.servers=x:1",)).config()["bootstrap.servers"] == "x:1"
    assert ClientOptions("flag:1", (str(props),)).config()["bootstrap.servers"] == "flag:1"


def test_property_precedence(tmp_path: Path) -> None:
    save_profile("p", bootstrap="p:1", client={"acks": "1", "linger.ms": "7", "client.id": "from-profile"})
    props = tmp_path / "c.properties"
    props.write_text("acks=all\n")
    cfg = ClientOptions(command_config=(str(props),), properties=("linger.ms=0",)).config()
    assert (cfg["acks"], cfg["linger.ms"], cfg["client.id"]) == ("all", "0", "from-profile")


def test_profile_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    save_profile("a", bootstrap="a:1")
    save_profile("b", bootstrap="b:1")
    assert ClientOptions().bootstrap == "a:1"  # current (the first saved)
    monkeypatch.setenv("KCLI_PROFILE", "b")
    assert ClientOptions().bootstrap == "b:1"
    assert ClientOptions(profile="a").bootstrap == "a:1"


def test_flag_env_profile_through_the_command_line(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    save_profile("a", bootstrap="a:1")
    save_profile("b", bootstrap="b:1")

    def effective(*args: str) -> str:
        code, out, err = kcli(capsys, *args, "profile", "effective", "-o", "json")
        assert code == 0, err
        return str(json.loads(out)["client"]["bootstrap.servers"])

    assert effective() == "a:1"
    assert effective("--profile", "b") == "b:1"
    monkeypatch.setenv("KCLI_PROFILE", "b")
    assert effective() == "b:1"
    assert effective("--profile", "a") == "a:1"
    monkeypatch.setenv("KCLI_BOOTSTRAP_SERVER", "env:1")
    assert effective() == "env:1"
    code, out, _ = kcli(capsys, "profile", "effective", "--bootstrap-server", "flag:1")
    assert code == 0 and out == "bootstrap.servers=flag:1\n"


def test_connect_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    save_profile("a", connect_url="http://profile-a")
    save_profile("b", connect_url=["http://profile-b1", "http://profile-b2"], connect={"user": "u", "password": "p"})
    assert resolve(ConnOptions())["urls"] == ["http://profile-a"]
    monkeypatch.setenv("KCLI_PROFILE", "b")
    assert resolve(ConnOptions())["urls"] == ["http://profile-b1", "http://profile-b2"]
    assert resolve(ConnOptions(context="a"))["urls"] == ["http://profile-a"]
    monkeypatch.setenv("KCLI_CONNECT_URL", "http://env")
    assert resolve(ConnOptions())["urls"] == ["http://env"] and resolve(ConnOptions())["user"] == "u"
    assert resolve(ConnOptions(urls=("http://flag",)))["urls"] == ["http://flag"]


# -- secrets through providers -----------------------------------------------------------------------

def test_references_resolve_when_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.properties"
    secrets.write_text("connect.password=from-file\n")
    save_profile("s", bootstrap="${env:BROKERS}", client={"sasl.jaas.config": JAAS},
                 connect_url="http://c", connect={"password": f"${{file:{secrets}:connect.password}}", "user": "u"})
    monkeypatch.setenv("PW", "from-env")
    monkeypatch.setenv("BROKERS", "envbroker:9093")
    cfg = ClientOptions().config()
    assert cfg["bootstrap.servers"] == "envbroker:9093"
    assert cfg["sasl.jaas.config"] == JAAS.replace("${env:PW}", "from-env")
    assert resolve(ConnOptions())["password"] == "from-file"
    assert load().profiles["s"].client["sasl.jaas.config"] == JAAS  # the file keeps the reference


def test_unresolvable_reference_names_the_profile(capsys: pytest.CaptureFixture[str]) -> None:
    sasl_profile()
    code, _, err = kcli(capsys, "topics", "--list")
    assert code == 2 and err == (f"kcli: error: cannot resolve ${{env:PW}} (key 'sasl.jaas.config' of profile "
                                 f"'secure' in {config_file()})\n")


def test_effective_masks_resolved_secrets(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    sasl_profile()
    monkeypatch.setenv("PW", "s3cret")
    code, out, _ = kcli(capsys, "profile", "effective")
    assert code == 0 and out == ("bootstrap.servers=sasl-broker:9093\nsecurity.protocol=SASL_PLAINTEXT\n"
                                 "sasl.mechanism=PLAIN\nsasl.jaas.config=[hidden]\n")
    code, out, _ = kcli(capsys, "profile", "effective", "--show-secrets", "-o", "json")
    assert "s3cret" in json.loads(out)["client"]["sasl.jaas.config"]


# -- a SASL profile reaches the clients of every Kafka command ----------------------------------------

class Recorded(Exception):
    pass


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Every confluent-kafka client the command builds: its librdkafka config (the build then fails)."""
    import confluent_kafka
    import confluent_kafka.admin

    seen: list[dict[str, object]] = []

    def fake(conf: dict[str, object]) -> None:
        seen.append(dict(conf))
        raise confluent_kafka.KafkaException(confluent_kafka.KafkaError(confluent_kafka.KafkaError._TRANSPORT,
                                                                        "recorded"))

    for module, name in ((confluent_kafka, "Consumer"), (confluent_kafka, "Producer"),
                         (confluent_kafka.admin, "AdminClient")):
        monkeypatch.setattr(module, name, fake)
    from kcli import native

    c_loops = native.module()
    if c_loops is not None:  # kcli's C clients take the same settings as (name, text) pairs
        def fake_native(pairs: list[tuple[str, str]], *_: object) -> None:
            seen.append(dict(pairs))
            raise c_loops.NativeError("recorded")

        for name in ("Consumer", "Producer", "topic_names"):
            monkeypatch.setattr(c_loops, name, fake_native)
    return seen


@pytest.mark.parametrize("args", [
    ["consume", "--topic", "t"],
    ["produce", "--topic", "t"],
    ["topics", "--list"],
    ["topics", "describe", "t"],
    ["groups", "--describe", "--group", "g"],
    ["--profile", "secure", "consume", "--topic", "t"],
])
def test_sasl_profile_reaches_the_client(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                         recorded: list[dict[str, object]], args: list[str]) -> None:
    save_profile("plain", bootstrap="plain:9092")  # current; `secure` is chosen by KCLI_PROFILE or --profile
    sasl_profile()
    if "--profile" not in args:
        monkeypatch.setenv("KCLI_PROFILE", "secure")
    monkeypatch.setenv("PW", "pw-from-env")
    kcli(capsys, *args)
    assert recorded, "no client was built"
    for conf in recorded:
        assert conf["bootstrap.servers"] == "sasl-broker:9093"
        assert (conf["security.protocol"], conf["sasl.mechanisms"]) == ("SASL_PLAINTEXT", "PLAIN")
        assert (conf["sasl.username"], conf["sasl.password"]) == ("app", "pw-from-env")


def test_sasl_profile_reaches_kafka_python(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`groups --list` lists through kafka-python (ListGroups, in the brokers' order): the profile reaches it too."""
    import kafka.admin
    import kafka.errors

    seen: list[dict[str, object]] = []

    def fake(**cfg: object) -> None:
        seen.append(cfg)
        raise kafka.errors.KafkaConnectionError("recorded")

    monkeypatch.setattr(kafka.admin, "KafkaAdminClient", fake)
    sasl_profile()
    monkeypatch.setenv("KCLI_PROFILE", "secure")
    monkeypatch.setenv("PW", "pw-from-env")
    code, _, _ = kcli(capsys, "groups", "--list")
    assert code == 1 and len(seen) == 1
    cfg = seen[0]
    assert cfg["bootstrap_servers"] == ["sasl-broker:9093"]
    assert (cfg["security_protocol"], cfg["sasl_mechanism"]) == ("SASL_PLAINTEXT", "PLAIN")
    assert (cfg["sasl_plain_username"], cfg["sasl_plain_password"]) == ("app", "pw-from-env")


def test_flag_bootstrap_beats_the_sasl_profile(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                               recorded: list[dict[str, object]]) -> None:
    sasl_profile()
    monkeypatch.setenv("PW", "pw")
    kcli(capsys, "topics", "--bootstrap-server", "flag:9092", "list")
    assert recorded and all(c["bootstrap.servers"] == "flag:9092" and c["sasl.username"] == "app" for c in recorded)


# -- completion -------------------------------------------------------------------------------------

@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_command_prints_the_committed_script(capsys: pytest.CaptureFixture[str], shell: str) -> None:
    from tests.helpers import ROOT

    code, out, err = kcli(capsys, "completion", shell)
    assert (code, err) == (0, "") and out == (ROOT / "completions" / f"kcli.{shell}").read_text()


def test_completion_of_an_unknown_shell(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = kcli(capsys, "completion", "tcsh")
    assert code == 2 and "'tcsh' is not one of 'bash', 'zsh', 'fish'" in err


def complete(args: list[str], incomplete: str) -> list[str]:
    from click.shell_completion import ShellComplete

    from kcli.cli.main import cli

    return [item.value for item in ShellComplete(cli, {}, "kcli", "_KCLI_COMPLETE").get_completions(args, incomplete)]


def test_profile_names_complete() -> None:
    save_profile("alpha", bootstrap="a:1")
    save_profile("beta", bootstrap="b:1")
    assert complete(["--profile"], "") == ["alpha", "beta"]
    assert complete(["topics", "--profile"], "b") == ["beta"]
    assert complete(["profile", "use"], "al") == ["alpha"]
    assert complete(["connectors", "--context"], "") == ["alpha", "beta"]
    assert complete(["connectors", "list", "--profile"], "a") == ["alpha"]


def test_no_broker_completes_nothing_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    assert complete(["consume", "--bootstrap-server", "127.0.0.1:1", "--topic"], "") == []
    assert capsys.readouterr() == ("", "")


def test_connect_files_complete_as_files() -> None:
    from click.shell_completion import ShellComplete

    from kcli.cli.main import cli

    items = ShellComplete(cli, {}, "kcli", "_KCLI_COMPLETE").get_completions(["connect", "standalone"], "wor")
    assert [(i.type, i.value) for i in items] == [("file", "wor")]


@pytest.mark.parametrize("argv", [["profile"], ["profile", "create"], ["completion"]])
def test_help_does_not_import_heavy_modules(argv: list[str]) -> None:
    code = ("import sys; from kcli.cli.main import main\n"
            f"try: main({argv!r} + ['--help'])\nexcept SystemExit: pass\n"
            "heavy = [m for m in ('confluent_kafka', 'requests', 'rich', 'kafka', 'yaml', 'javaproperties')"
            " if m in sys.modules]\n"
            "print(','.join(heavy), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr.strip() == ""


# -- kcli connectors: --profile on the group, the subcommand or kcli; --context beats it ---------------

@pytest.fixture
def two_workers() -> Iterator[tuple[object, object]]:
    from tests.unit.test_rest_client import FakeWorker

    a, b = FakeWorker(), FakeWorker()
    a.routes[("GET", "/connectors")] = (200, ["on-a"])
    b.routes[("GET", "/connectors")] = (200, ["on-b"])
    save_profile("a", connect_url=a.url)
    save_profile("b", connect_url=b.url, connect={"user": "bob", "password": "${env:PW}"})
    yield a, b
    a.close()
    b.close()


@pytest.mark.parametrize("args,expected", [
    (["connectors", "list"], "on-a"),  # the current profile
    (["connectors", "--profile", "b", "list"], "on-b"),
    (["connectors", "list", "--profile", "b"], "on-b"),
    (["--profile", "b", "connectors", "list"], "on-b"),
    (["--profile", "b", "connectors", "--profile", "a", "list"], "on-a"),
    (["connectors", "--context", "a", "list", "--profile", "b"], "on-b"),  # the subcommand's own wins
    (["connectors", "list", "--context", "a", "--profile", "b"], "on-a"),  # --context beats --profile
])
def test_connectors_follow_the_profile(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                       two_workers: tuple[object, object], args: list[str], expected: str) -> None:
    monkeypatch.setenv("PW", "bobs-password")
    code, out, err = kcli(capsys, *args, "-o", "json")
    assert code == 0, err
    assert json.loads(out) == [expected]
    if expected == "on-b":  # the profile's auth came along, its ${env:PW} resolved
        import base64

        sent = two_workers[1].requests[-1]["headers"]["Authorization"]  # type: ignore[attr-defined]
        assert sent == "Basic " + base64.b64encode(b"bob:bobs-password").decode()
