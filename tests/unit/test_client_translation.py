"""Java-style client properties translated for librdkafka."""

from __future__ import annotations

from pathlib import Path

import pytest

from kcli.clients import make_admin, make_consumer, make_producer, to_librdkafka
from kcli.errors import ConfigError


def test_pass_through_rename_and_drop() -> None:
    out = to_librdkafka({
        "bootstrap.servers": "b:9092", "acks": "all", "sasl.mechanism": "PLAIN",
        "key.serializer": "org.apache.kafka.common.serialization.StringSerializer",
        "value.deserializer": "x", "security.protocol": "SASL_SSL",
    })
    assert out == {"bootstrap.servers": "b:9092", "acks": "all", "sasl.mechanisms": "PLAIN",
                   "security.protocol": "SASL_SSL"}


@pytest.mark.parametrize("module", ["plain.PlainLoginModule", "scram.ScramLoginModule"])
def test_jaas_username_password(module: str) -> None:
    jaas = (f'org.apache.kafka.common.security.{module} required username="alice" '
            'password="p@ss \\"word\\"";')
    assert to_librdkafka({"sasl.jaas.config": jaas}) == {"sasl.username": "alice", "sasl.password": 'p@ss "word"'}


def test_jaas_unparsable_names_key() -> None:
    with pytest.raises(ConfigError, match="sasl.jaas.config"):
        to_librdkafka({"sasl.jaas.config": "garbage"})


def test_pem_stores() -> None:
    out = to_librdkafka({
        "ssl.truststore.type": "PEM", "ssl.truststore.location": "/ca.pem",
        "ssl.keystore.type": "PEM", "ssl.keystore.location": "/client.pem", "ssl.key.password": "k",
    })
    assert out == {"ssl.ca.location": "/ca.pem", "ssl.certificate.location": "/client.pem",
                   "ssl.key.location": "/client.pem", "ssl.key.password": "k"}


def test_jks_is_an_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="ssl.truststore.location"):
        to_librdkafka({"ssl.truststore.location": "/x.jks", "ssl.truststore.password": "p"})
    with pytest.raises(ConfigError, match="ssl.keystore.location"):
        to_librdkafka({"ssl.keystore.location": "/x.jks", "ssl.keystore.type": "JKS"})


def test_pkcs12_keystore_passes() -> None:
    out = to_librdkafka({"ssl.keystore.location": "/x.p12", "ssl.keystore.password": "p"})
    assert out == {"ssl.keystore.location": "/x.p12", "ssl.keystore.password": "p"}


def test_assignor_class_names() -> None:
    out = to_librdkafka({"partition.assignment.strategy":
                         "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"})
    assert out == {"partition.assignment.strategy": "cooperative-sticky"}


def test_unknown_key_rejected_by_librdkafka_names_it() -> None:
    with pytest.raises(ConfigError, match="key 'no.such.setting'"):
        make_producer({"bootstrap.servers": "127.0.0.1:1", "no.such.setting": "1"})


def test_bad_value_names_the_key() -> None:
    with pytest.raises(ConfigError, match="key '"):
        make_consumer({"bootstrap.servers": "127.0.0.1:1", "group.id": "g", "auto.offset.reset": "sideways"})


def test_clients_build() -> None:
    assert make_admin({"bootstrap.servers": "127.0.0.1:1", "key.serializer": "x"}) is not None


def test_sasl_without_credentials_points_at_jaas_config() -> None:
    with pytest.raises(ConfigError, match=r"needs a user and password.*\(key 'sasl.jaas.config'\)$"):
        make_admin({"bootstrap.servers": "127.0.0.1:1", "security.protocol": "SASL_PLAINTEXT",
                    "sasl.mechanism": "PLAIN"})


def test_bad_key_names_the_file_or_flag_it_came_from(tmp_path) -> None:
    from kcli.clients import ClientOptions

    client = tmp_path / "client.yaml"
    client.write_text("bootstrap.servers: 127.0.0.1:1\nno.such.key: 1\nssl:\n  truststore.location: /x/t.jks\n")
    with pytest.raises(ConfigError, match=rf"\(key 'ssl.truststore.location' in {client}\)$"):
        make_admin(ClientOptions(None, [str(client)], ()).config())
    with pytest.raises(ConfigError, match=r"\(key 'other.key' in -X\)$"):
        make_admin(ClientOptions("127.0.0.1:1", (), ["other.key=2"]).config())
    with pytest.raises(ConfigError, match=rf"does not know this client setting \(key 'no.such.key' in {client}\)$"):
        make_admin(ClientOptions(None, [str(client)], ["ssl.truststore.type=PEM"]).config())


# -- partitioner: keyed records go where Java's producers put them ---------------------------------------------

class _Captured:
    """Stands in for confluent_kafka.Producer/Consumer and keeps the librdkafka config it was given."""

    last: dict = {}

    def __init__(self, conf: dict) -> None:
        type(self).last = conf


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> type[_Captured]:
    import confluent_kafka

    monkeypatch.setattr(confluent_kafka, "Producer", _Captured)
    monkeypatch.setattr(confluent_kafka, "Consumer", _Captured)
    return _Captured


def test_producer_partitions_keys_with_murmur2_by_default(captured: type[_Captured]) -> None:
    make_producer({"bootstrap.servers": "127.0.0.1:1"})
    assert captured.last["partitioner"] == "murmur2_random"


def test_a_real_producer_takes_the_default() -> None:
    assert make_producer({"bootstrap.servers": "127.0.0.1:1"}) is not None


@pytest.mark.parametrize("given", [{"partitioner": "consistent_random"},
                                   {"partitioner": "fnv1a", "partitioner.class":
                                    "org.apache.kafka.clients.producer.RoundRobinPartitioner"}])
def test_explicit_librdkafka_partitioner_wins(captured: type[_Captured], given: dict) -> None:
    make_producer({"bootstrap.servers": "127.0.0.1:1", **given})
    assert captured.last["partitioner"] == given["partitioner"]
    assert "partitioner.class" not in captured.last


def test_partitioner_given_by_the_caller_wins(captured: type[_Captured]) -> None:
    make_producer({"bootstrap.servers": "127.0.0.1:1"}, partitioner="random")
    assert captured.last["partitioner"] == "random"


@pytest.mark.parametrize(("java", "librdkafka"), [
    ({"partitioner.class": "org.apache.kafka.clients.producer.internals.DefaultPartitioner"}, "murmur2_random"),
    ({"partitioner.class": " org.apache.kafka.clients.producer.UniformStickyPartitioner "}, "random"),
    ({"partitioner.class": ""}, "murmur2_random"),
    ({"partitioner.ignore.keys": "TRUE"}, "random"),
    ({"partitioner.ignore.keys": "false"}, "murmur2_random"),
])
def test_java_partitioner_settings(captured: type[_Captured], java: dict, librdkafka: str) -> None:
    make_producer({"bootstrap.servers": "127.0.0.1:1", **java})
    assert captured.last["partitioner"] == librdkafka
    assert not any(k.startswith("partitioner.") for k in captured.last)


@pytest.mark.parametrize("cls", ["org.apache.kafka.clients.producer.RoundRobinPartitioner",
                                 "com.example.MyPartitioner"])
def test_partitioner_class_without_equivalent_names_the_key(cls: str) -> None:
    with pytest.raises(ConfigError, match=r"no librdkafka equivalent.*\(key 'partitioner.class'\)$") as info:
        make_producer({"bootstrap.servers": "127.0.0.1:1", "partitioner.class": cls})
    assert info.value.exit_code == 2


def test_partitioner_errors_name_the_file(tmp_path) -> None:
    from kcli.clients import ClientOptions

    client = tmp_path / "producer.properties"
    client.write_text("partitioner.class=org.apache.kafka.clients.producer.RoundRobinPartitioner\n")
    with pytest.raises(ConfigError, match=rf"RoundRobinPartitioner.*\(key 'partitioner.class' in {client}\)$"):
        make_producer(ClientOptions("127.0.0.1:1", [str(client)], ()).config())
    with pytest.raises(ConfigError, match=r"either true or false \(key 'partitioner.ignore.keys' in -X\)$"):
        make_producer(ClientOptions("127.0.0.1:1", (), ["partitioner.ignore.keys=yes"]).config())


def test_consumers_ignore_producer_partitioner_settings(captured: type[_Captured]) -> None:
    make_consumer({"bootstrap.servers": "127.0.0.1:1", "group.id": "g",
                   "partitioner.class": "org.apache.kafka.clients.producer.RoundRobinPartitioner"})
    assert not any(k.startswith("partitioner") for k in captured.last)


# -- sasl.jaas.config: Apache's grammar and messages -----------------------------------------------------------

PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule"


@pytest.mark.parametrize(("jaas", "expected"), [
    (f'{PLAIN} required username="alice" password="s3cret";', {"username": "alice", "password": "s3cret"}),
    (f'{PLAIN} required username="a\\"b" password="x=y;z";', {"username": 'a"b', "password": "x=y;z"}),
    (f"\n  {PLAIN}\n\trequisite\n  username = 'bob'\n  password = \"p w\" ;\n", {"username": "bob", "password": "p w"}),
    (f"{PLAIN} SUFFICIENT username=alice-1 password=pw.2_x$;", {"username": "alice-1", "password": "pw.2_x$"}),
    (f"{PLAIN} Optional /* c */ username=alice // c\n password=p;", {"username": "alice", "password": "p"}),
    (f'{PLAIN} required password="t\\tn\\n\\101\\\\" username="\\q";', {"username": "q", "password": "t\tn\nA\\"}),
    (f'"{PLAIN}" "required" username="u" password="";', {"username": "u", "password": ""}),
    (f'{PLAIN} required username="a" username="b" password="p";', {"username": "b", "password": "p"}),
])
def test_jaas_accepted(jaas: str, expected: dict) -> None:
    from kcli.clients.translate import parse_jaas

    assert parse_jaas(jaas) == (PLAIN, expected)
    assert to_librdkafka({"sasl.jaas.config": jaas}) == {"sasl.username": expected["username"],
                                                         "sasl.password": expected["password"]}


@pytest.mark.parametrize("flag", ["required", "requisite", "sufficient", "optional", "REQUIRED", "Optional"])
def test_jaas_control_flags(flag: str) -> None:
    from kcli.clients.jaas import parse_client_entry

    assert parse_client_entry(f"{PLAIN} {flag} username=u;").flag == flag.lower()


@pytest.mark.parametrize(("jaas", "message"), [
    (f'{PLAIN} required username="alice" password="x;', "JAAS config entry not terminated by semi-colon"),
    (f'{PLAIN} required username="alice" password="x', "JAAS config entry not terminated by semi-colon"),
    (f'{PLAIN} required username="alice" password="x"', "JAAS config entry not terminated by semi-colon"),
    (f"{PLAIN} required username password=x;", "Value not specified for key 'username' in JAAS config"),
    (f"{PLAIN} required username=alice password=;", "Value not specified for key 'password' in JAAS config"),
    (f"{PLAIN} required username=alice password", "Value not specified for key 'password' in JAAS config"),
    (f"{PLAIN} required password=123;", "Value not specified for key 'password' in JAAS config"),
    (f"{PLAIN} required password=p@ss;", "Value not specified for key 'null' in JAAS config"),
    (f"{PLAIN} mandatory username=alice;", "Invalid login module control flag 'mandatory' in JAAS config"),
    (f"{PLAIN};", "Login module control flag is not available in the JAAS config"),
    (f"{PLAIN}", "Login module control flag not specified in JAAS config"),
    ("", "Login module not specified in JAAS config"),
    ("  /* nothing */ ", "Login module not specified in JAAS config"),
    (f"{PLAIN} required username=a; {PLAIN} required username=b;",
     "JAAS config property contains 2 login modules, should be 1 module"),
    ('"" required username=a;', "Login module class not specified in JAAS config"),
    ("com.sun.security.auth.module.JndiLoginModule required;",
     "com.sun.security.auth.module.JndiLoginModule is not allowed"),
])
def test_jaas_rejected_with_apaches_message(jaas: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        to_librdkafka({"sasl.jaas.config": jaas})
    assert info.value.message == f"{message} (key 'sasl.jaas.config')"
    assert info.value.exit_code == 2


def test_jaas_error_names_the_file(tmp_path) -> None:
    from kcli.clients import ClientOptions

    client = tmp_path / "client.properties"
    client.write_text(f'sasl.jaas.config={PLAIN} required username="alice" password="x\n')
    with pytest.raises(ConfigError, match=rf"semi-colon \(key 'sasl.jaas.config' in {client}\)$"):
        make_producer(ClientOptions("127.0.0.1:1", [str(client)], ()).config())


def test_config_providers_are_resolved_then_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Java client.properties may use config providers (KIP-297): kcli resolves them, librdkafka never sees them."""
    from kcli.clients import ClientOptions

    monkeypatch.setenv("KCLI_TEST_SECRET", "s3cret")
    monkeypatch.delenv("KCLI_BOOTSTRAP_SERVER", raising=False)
    monkeypatch.delenv("KCLI_PROFILE", raising=False)
    monkeypatch.setenv("KCLI_CONFIG", str(tmp_path / "no-profiles.yaml"))
    props = tmp_path / "client.properties"
    props.write_text("config.providers=env\nconfig.providers.env.class="
                     "org.apache.kafka.common.config.provider.EnvVarConfigProvider\n"
                     "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config="
                     "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
                     "password=\"${env:KCLI_TEST_SECRET}\";\n")
    out = to_librdkafka(ClientOptions(command_config=[str(props)], profile=None).config())
    assert out["sasl.password"] == "s3cret" and out["sasl.username"] == "u"
    assert not [k for k in out if k.startswith("config.providers")]
