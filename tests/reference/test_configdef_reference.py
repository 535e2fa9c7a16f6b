"""kcli's connector ConfigDefs and validate output equal Apache's (connect-runtime 4.3 jar).

One Java program (compiled once per module, one JVM run) validates each config with Apache's
SinkConnectorConfig/SourceConnectorConfig ConfigDef and prints AbstractHerder.generateResult as the
REST layer's Jackson would (4.3's ConfigKeyInfo record names the order field
`order_in_group`). The converter keys' recommended values are left out: Apache lists the
plugins its scanner found, kcli the converters it ships.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kcli.connect.configdef import (
    config_def_json,
    sink_connector_config_def,
    source_connector_config_def,
    validation_result,
)
from tests.java_ref import compile_java

pytestmark = [pytest.mark.java, pytest.mark.slow]

JAVA = r"""
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.kafka.common.config.*;
import org.apache.kafka.connect.runtime.*;
import org.apache.kafka.connect.runtime.rest.entities.*;

public class ConfigRef {
  public static void main(String[] args) throws Exception {
    ObjectMapper m = new ObjectMapper();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] parts = line.split("\t", 2);
      ConfigDef def = parts[0].equals("sink") ? SinkConnectorConfig.configDef() : SourceConnectorConfig.configDef();
      if (parts[1].equals("definitions")) {
        List<ConfigKeyInfo> keys = new ArrayList<>();
        for (ConfigDef.ConfigKey k : def.configKeys().values()) keys.add(AbstractHerder.convertConfigKey(k));
        System.out.println(m.writeValueAsString(keys));
        continue;
      }
      Map<String, String> props = m.readValue(parts[1], Map.class);
      List<ConfigValue> values = def.validate(props);
      System.out.println(m.writeValueAsString(
          AbstractHerder.generateResult("X", def.configKeys(), values, new ArrayList<>(def.groups()))));
    }
  }
}
"""

CASES: list[tuple[str, Any]] = [
    ("sink", "definitions"),
    ("source", "definitions"),
    ("sink", {"name": "s", "connector.class": "FileStreamSink", "topics": "t"}),
    ("sink", {"name": "s", "connector.class": "FileStreamSink", "tasks.max": "0", "transforms": "a,a",
              "errors.tolerance": "some", "topics": "t1, t2", "errors.retry.timeout": "x",
              "key.converter": "org.apache.kafka.connect.storage.StringConverter", "value.converter": "Nope",
              "errors.deadletterqueue.topic.replication.factor": "70000"}),
    ("source", {"name": "x", "connector.class": "FileStreamSource", "exactly.once.support": "maybe",
                "transaction.boundary": "Interval", "transaction.boundary.interval.ms": "-5",
                "offsets.storage.topic": "", "topic.creation.groups": "g1,g1", "predicates": " p , q "}),
    ("source", {"name": "a\tb", "tasks.max": "abc", "errors.log.enable": "TRUE", "errors.retry.delay.max.ms": "1.5",
                "config.action.reload": "NONE",
                "header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter"}),
    ("source", {}),
]
CONVERTER_KEYS = {"key.converter", "value.converter", "header.converter"}


def _normalise(result: Any) -> Any:
    if isinstance(result, dict) and "configs" in result:
        for item in result["configs"]:
            if item["value"] and item["value"]["name"] in CONVERTER_KEYS:
                item["value"]["recommended_values"] = []
    return result


def kcli_result(kind: str, props: Any) -> Any:
    config_def = sink_connector_config_def() if kind == "sink" else source_connector_config_def()
    if props == "definitions":
        return config_def_json(config_def)
    return _normalise(validation_result("X", config_def, props))


@pytest.fixture(scope="module")
def java_results(kafka_libs: str, tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    program = compile_java(tmp_path_factory, "configref", "ConfigRef", JAVA, kafka_libs)
    stdin = "".join(f"{kind}\t{props if isinstance(props, str) else json.dumps(props)}\n" for kind, props in CASES)
    lines = program.run_lines(stdin, len(CASES))
    return [_normalise(json.loads(line)) for line in lines]


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_same_json_as_apache(java_results: list[Any], index: int) -> None:
    kind, props = CASES[index]
    expected = java_results[index]
    actual = kcli_result(kind, props)
    if isinstance(expected, dict):
        assert actual["groups"] == expected["groups"]
        for mine, theirs in zip(actual["configs"], expected["configs"], strict=True):
            assert mine == theirs
        assert actual["error_count"] == expected["error_count"]
    assert actual == expected
    assert json.dumps(actual) == json.dumps(expected)  # the same key order too
