"""The same records through kcli and Apache's console tools: both consumers must print identical bytes (kcli's
C loop and its Python loop both)."""

from __future__ import annotations

import pytest

from tests.helpers import run_kcli, run_tool
from tests.integration.test_consume import create_topic

LINES = "h1:v1,h2:v2\tk1\tv1\nNULL\tk2\tNULL\nh3:NULL\tNULL\tv3\nh4:x\tk4\t\n"
READER = ["parse.key=true", "parse.headers=true", "null.marker=NULL"]
PROPERTY_SETS = [
    ["print.timestamp=true", "print.partition=true", "print.offset=true", "print.headers=true", "print.key=true"],
    ["print.key=true", "print.headers=true", "key.separator=|", "line.separator=;\n", "headers.separator=&",
     "null.literal=<nil>", "print.value=true", "print.offset=true"],
]


def _flags(flag: str, items: list[str]) -> list[str]:
    return [part for item in items for part in (flag, item)]


def _both_consumers(bootstrap: str, topic: str, props: list[str], count: int) -> tuple[str, str]:
    common = ["--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning", "--max-messages", str(count)]
    apache = run_tool("kafka-console-consumer", [*common, *_flags("--formatter-property", props)])
    assert apache.returncode == 0, apache.stderr
    assert f"Processed a total of {count} messages" in apache.stderr
    outputs = []
    for loop in ("1", "0"):  # kcli's C loop, then its Python loop (KCLI_NATIVE=1 refuses to fall back)
        kcli = run_kcli(["consume", *common, *_flags("--formatter-property", props)], env={"KCLI_NATIVE": loop})
        assert kcli.returncode == 0, kcli.stderr
        assert f"Processed a total of {count} messages" in kcli.stderr
        outputs.append(kcli.stdout)
    assert outputs[0] == outputs[1]
    return apache.stdout, outputs[0]


@pytest.mark.slow
def test_kcli_produced_records_read_alike(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    proc = run_kcli(["produce", "--bootstrap-server", bootstrap, "--topic", topic_name,
                     *_flags("--reader-property", READER)], input=LINES)
    assert proc.returncode == 0, proc.stderr
    outputs = []
    for props in PROPERTY_SETS:
        apache, kcli = _both_consumers(bootstrap, topic_name, props, 4)
        assert kcli == apache
        outputs.append(apache)
    assert outputs[0].splitlines()[0].endswith("Offset:0\th1:v1,h2:v2\tk1\tv1")
    assert outputs[1].split(";\n")[:3] == ["Offset:0|h1:v1&h2:v2|k1|v1", "Offset:1|NO_HEADERS|k2|<nil>",
                                           "Offset:2|h3:<nil>|<nil>|v3"]


@pytest.mark.slow
def test_apache_produced_records_read_alike(bootstrap: str, topic_name: str) -> None:
    create_topic(bootstrap, topic_name)
    proc = run_tool("kafka-console-producer", ["--bootstrap-server", bootstrap, "--topic", topic_name,
                                               *_flags("--reader-property", READER)], input=LINES)
    assert proc.returncode == 0, proc.stderr
    apache, kcli = _both_consumers(bootstrap, topic_name, PROPERTY_SETS[0], 4)
    assert kcli == apache
    assert apache.splitlines()[1].endswith("Offset:1\tNO_HEADERS\tk2\tnull")
    # Defaults (value only) too, through kcli's batch fast path.
    apache_default, kcli_default = _both_consumers(bootstrap, topic_name, [], 4)
    assert kcli_default == apache_default == "v1\nnull\nv3\n\n"


@pytest.mark.slow
def test_deserializers_render_like_java(bootstrap: str, topic_name: str) -> None:
    import struct

    from tests.integration.test_consume import produce_raw

    create_topic(bootstrap, topic_name)
    doubles = [0.1, 1e7, 1.5e-4, -0.0, 123456.789, float("inf"), 2.0 ** 70]
    produce_raw(bootstrap, topic_name, [{"key": struct.pack(">i", i * -7919), "value": struct.pack(">d", d)}
                                        for i, d in enumerate(doubles)])
    common = ["--bootstrap-server", bootstrap, "--topic", topic_name, "--from-beginning", "--max-messages",
              str(len(doubles)), "--formatter-property", "print.key=true"]
    pkg = "org.apache.kafka.common.serialization."
    apache = run_tool("kafka-console-consumer", [*common, "--key-deserializer", pkg + "IntegerDeserializer",
                                                 "--value-deserializer", pkg + "DoubleDeserializer"])
    assert apache.returncode == 0, apache.stderr
    kcli = run_kcli(["consume", *common, "--key-deserializer", "Integer", "--value-deserializer", "Double"])
    assert kcli.returncode == 0, kcli.stderr
    assert kcli.stdout == apache.stdout
    assert apache.stdout.splitlines()[1] == "-7919\t1.0E7"
