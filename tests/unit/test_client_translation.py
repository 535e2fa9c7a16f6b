"""Java-style client properties translated for librdkafka."""

from __future__ import annotations

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
