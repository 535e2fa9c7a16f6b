"""`kcli cluster` without a broker: the describe text, kafka-configs' describe layout, the wire entries,
usage errors (exit 2 before any connection), and `kcli --version`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kcli import __version__
from kcli.admin.configs import ConfigItem
from kcli.admin.render import configs_text, entity_header
from kcli.admin.wire import wire_item
from kcli.cluster.render import describe_dict, describe_text
from kcli.cluster.service import BrokerInfo, ClusterInfo
from kcli.versions import client_versions, version_line
from tests.helpers import run_kcli


def info(ops: list[str] | None = None) -> ClusterInfo:
    return ClusterInfo("FxMFQKxgRFS8hSck70EaoA", 2, [
        BrokerInfo(1, "kafka-1.example", 9092, None, ["broker"]),
        BrokerInfo(2, "k2", 19092, "rack-b", ["broker", "controller"]),
        BrokerInfo(10, "k10", 9, None, None),
    ], ops)


def test_describe_text_sections_and_columns() -> None:
    assert describe_text(info()) == (
        "CLUSTER\n=======\nFxMFQKxgRFS8hSck70EaoA\n\n"
        "BROKERS\n=======\n"
        "ID  HOST             PORT   RACK    ROLES\n"
        "1   kafka-1.example  9092   -       broker\n"
        "2*  k2               19092  rack-b  broker,controller\n"
        "10  k10              9      -       -\n")
    assert describe_text(info(["ALTER", "DESCRIBE"])).endswith(
        "\n\nAUTHORIZED OPERATIONS\n=====================\nALTER,DESCRIBE\n")


def test_describe_data() -> None:
    data = describe_dict(info())
    assert data["cluster_id"] == "FxMFQKxgRFS8hSck70EaoA" and data["controller"] == 2
    assert [b["controller"] for b in data["brokers"]] == [False, True, False]
    assert data["brokers"][1] == {"id": 2, "host": "k2", "port": 19092, "rack": "rack-b",
                                  "roles": ["broker", "controller"], "controller": True}
    assert "authorized_operations" not in data
    assert describe_dict(info([]))["authorized_operations"] == []


def test_configs_text_is_sorted_with_every_synonym() -> None:
    items = [
        ConfigItem("b.secret", None, "DYNAMIC_BROKER_CONFIG", False, sensitive=True,
                   synonyms=[("DYNAMIC_BROKER_CONFIG", "b.secret", None)]),
        ConfigItem("a.num", "5", "DYNAMIC_BROKER_CONFIG", False,
                   synonyms=[("DYNAMIC_BROKER_CONFIG", "a.num", "5"), ("STATIC_BROKER_CONFIG", "a.num", "4"),
                             ("DEFAULT_CONFIG", "a.num", "1")]),
    ]
    assert configs_text(entity_header("broker", "1", False), items) == (
        "Dynamic configs for broker 1 are:\n"
        "  a.num=5 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:a.num=5, STATIC_BROKER_CONFIG:a.num=4, "
        "DEFAULT_CONFIG:a.num=1}\n"
        "  b.secret=null sensitive=true synonyms={DYNAMIC_BROKER_CONFIG:b.secret=null}\n")
    assert configs_text(entity_header("topic", "t", True), []) == "All configs for topic t are:\n"


def test_wire_item_keeps_synonyms_of_one_name() -> None:
    item = wire_item({"name": "broker.id", "value": "1", "read_only": True, "config_source": 4,
                      "is_sensitive": False, "synonyms": [{"name": "broker.id", "value": "1", "source": 4},
                                                          {"name": "broker.id", "value": "-1", "source": 5}]})
    assert item == ConfigItem("broker.id", "1", "STATIC_BROKER_CONFIG", False, False, True,
                              [("STATIC_BROKER_CONFIG", "broker.id", "1"), ("DEFAULT_CONFIG", "broker.id", "-1")])
    assert wire_item({"name": "x", "value": "2", "config_source": 5}).is_default


@pytest.mark.parametrize(("argv", "message"), [
    (["config", "get", "--broker", "x"], "'x' is not a valid integer"),
    (["config", "get", "--broker", "-1"], "-1 is less than 0"),
    (["config", "get", "--broker", "1", "--broker-defaults"], "give either --broker ID or --broker-defaults"),
    (["config", "set", "a=1"], "give --broker ID or --broker-defaults"),
    (["config", "set", "--broker", "1", "novalue"], "config set expects key=value, got 'novalue'"),
    (["config", "set", "--broker", "1"], "Missing argument 'K=V…'"),
    (["config", "delete", "--broker-defaults"], "Missing argument 'KEY…'"),
    (["config", "get", "--timeout", "soon"], "--timeout expects a duration"),
    (["describe", "--timeout", "2h"], "--timeout must be at most 1h"),
    (["describe", "-o", "xml"], "'xml' is not one of"),
])
def test_usage_errors_exit_2_in_one_line(argv: list[str], message: str) -> None:
    proc = run_kcli(["cluster", *argv, "--bootstrap-server", "127.0.0.1:1"], timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("kcli: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert message in proc.stderr
    assert proc.stdout == ""


def test_version_line_names_both_libraries() -> None:
    import confluent_kafka

    assert client_versions() == (confluent_kafka.version(), confluent_kafka.libversion()[0])
    assert version_line() == (f"kcli {__version__} (confluent-kafka {confluent_kafka.version()}, "
                              f"librdkafka {confluent_kafka.libversion()[0]})")


@pytest.mark.parametrize("argv", [["--version"], ["cluster", "--help"], ["cluster", "config", "get", "--help"]])
def test_version_and_help_stay_light(argv: list[str]) -> None:
    """`kcli --version` reads the versions off confluent-kafka's C extension: neither its package (asyncio,
    serde) nor kafka-python nor rich is imported."""
    code = ("import sys; from kcli.cli.main import main\n"
            f"try: main({argv!r})\nexcept SystemExit: pass\n"
            "heavy = [m for m in ('confluent_kafka', 'kafka', 'rich', 'yaml', 'asyncio') if m in sys.modules]\n"
            "print(','.join(heavy), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stderr.strip() == ""
    assert proc.stdout
