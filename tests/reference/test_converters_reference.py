"""Apache's JsonConverter and SimpleHeaderConverter and kcli's write the same bytes for the same data.

One Java program is compiled per session; one JVM run handles every case: each case is a converter
config and an input record; both sides read the record (toConnectData) and write it back
(fromConnectData). Inputs are deliberately non-canonical (spaces, odd number forms) so the output
is each side's own rendering. Map keys are chosen so Java's HashMap iterates them in input order.
"""

from __future__ import annotations

import base64
import json

import pytest

from kcli.connect.api.data import DataException, Schema
from kcli.connect.converters import JsonConverter, SimpleHeaderConverter
from tests.java_ref import compile_java

pytestmark = [pytest.mark.java, pytest.mark.slow]

JAVA = r"""
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.kafka.connect.data.*;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;

public class JsonRef {
  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] parts = line.split("\t", -1);
      Map<String, String> cfg = mapper.readValue(parts[0], Map.class);
      JsonConverter conv = new JsonConverter();
      conv.configure(cfg, false);
      try {
        byte[] out;
        if (parts[1].startsWith("header:")) {
          SimpleHeaderConverter shc = new SimpleHeaderConverter();
          shc.configure(cfg);
          SchemaAndValue sv = shc.toConnectHeader("t", "h", Base64.getDecoder().decode(parts[1].substring(7)));
          out = shc.fromConnectHeader("t", "h", sv.schema(), sv.value());
          String desc = sv.schema() == null ? "null" : sv.schema().type() + ":" + sv.schema().name();
          System.out.println((out == null ? "NULL" : "OK " + Base64.getEncoder().encodeToString(out)) + " " + desc);
          continue;
        }
        if (parts[1].startsWith("special:")) {
          String what = parts[1].substring(8);
          Schema s = what.startsWith("f32") ? Schema.FLOAT32_SCHEMA : Schema.FLOAT64_SCHEMA;
          double d = what.endsWith("nan") ? Double.NaN : what.endsWith("-inf") ? Double.NEGATIVE_INFINITY
              : Double.POSITIVE_INFINITY;
          out = conv.fromConnectData("t", s, s == Schema.FLOAT32_SCHEMA ? (Object) (float) d : (Object) d);
        } else {
          byte[] input = parts[1].equals("null") ? null : Base64.getDecoder().decode(parts[1]);
          SchemaAndValue sv = conv.toConnectData("t", input);
          out = conv.fromConnectData("t", sv.schema(), sv.value());
        }
        System.out.println(out == null ? "NULL" : "OK " + Base64.getEncoder().encodeToString(out));
      } catch (Exception e) {
        System.out.println("ERR " + e.getMessage().replace("\n", " "));
      }
    }
  }
}
"""

CASES: list[tuple[dict[str, str], str]] = [
    ({}, '{"schema": {"type": "string", "optional": false}, "payload": "hello"}'),
    ({}, '{"payload": 5, "schema": {"type": "int32"}}'),
    ({}, '{"schema": {"type": "struct", "name": "com.acme.User", "version": 2, "doc": "a \\"doc\\"",'
         ' "parameters": {"a": "b"}, "optional": false, "fields": ['
         '{"field": "id", "type": "int32"}, {"field": "name", "type": "string", "optional": true},'
         '{"field": "addr", "type": "struct", "optional": true, "fields": [{"field": "city", "type": "string"}]},'
         '{"field": "score", "type": "double", "optional": true, "default": 1.5}]},'
         ' "payload": {"id": 1, "name": "ann", "addr": {"city": "X"}}}'),
    ({}, '{"schema": {"type": "int64", "optional": true, "default": 42}, "payload": null}'),
    ({"replace.null.with.default": "false"},
     '{"schema": {"type": "int64", "optional": true, "default": 42}, "payload": null}'),
    ({"replace.null.with.default": "false"},
     '{"schema": {"type": "struct", "fields": [{"field": "a", "type": "string", "optional": true, "default": "d"}]},'
     ' "payload": {"a": null}}'),
    ({}, '{"schema": {"type": "array", "items": {"type": "double"}}, "payload": [1, 1.0, 1e20, 0.001, 1e-4,'
         ' 123456789.123, -0.0, 1e7, 9999999, 1E-300, 2.5e15, 0.1, 100, 1.7976931348623157E308]}'),
    ({}, '{"schema": {"type": "array", "items": {"type": "float"}}, "payload": [0.1, 1.0, 3.4e38, 2.5e-20,'
         ' 16777217, 1e7, 0.3333333333333333, 1.1E-30, 65504.5]}'),
    ({}, '{"schema": {"type": "map", "keys": {"type": "string"}, "values": {"type": "int32"}},'
         ' "payload": {"a": 1, "b": 2, "c": 3}}'),
    ({}, '{"schema": {"type": "map", "keys": {"type": "int32"}, "values": {"type": "string", "optional": true}},'
         ' "payload": [[1, "x"], [2, null], [3, "z"]]}'),
    ({}, '{"schema": {"type": "bytes"}, "payload": "AAEC/w=="}'),
    ({}, '{"schema": {"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1,'
         ' "parameters": {"scale": "2"}}, "payload": "/4A="}'),
    ({"decimal.format": "NUMERIC"},
     '{"schema": {"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1,'
     ' "parameters": {"scale": "2"}}, "payload": "/4A="}'),
    ({"decimal.format": "numeric"},
     '{"schema": {"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1,'
     ' "parameters": {"scale": "3"}}, "payload": 12345678901234567890.125}'),
    ({}, '{"schema": {"type": "struct", "fields": ['
         '{"field": "d", "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1},'
         '{"field": "t", "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1},'
         '{"field": "ts", "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1,'
         ' "optional": true, "default": 0}]}, "payload": {"d": 19000, "t": 45296789, "ts": 1700000000123}}'),
    ({"schemas.enable": "false"}, '{"a": [1, 2.5, "x", null, true], "b": {"c": 1e20}}'),
    ({"schemas.enable": "false"}, '[1, -9223372036854775808, 9223372036854775807, 0.5, "s"]'),
    ({}, '{"schema": {"type": "string"}, "payload": "tab\\t nl\\n \\u0001 \\u001f \\u007f \\u00e9 \\ud83d\\ude00'
         ' \\"q\\" \\\\ / <>&\'"}'),
    ({}, '{"schema": {"type": "int8"}, "payload": 300}'),
    ({}, '{"schema": {"type": "boolean"}, "payload": "yes"}'),
    ({}, '{"schema": null, "payload": {"k": [1, 2]}}'),
    ({}, '{"schema": {"type": "array", "items": {"type": "map", "keys": {"type": "string"},'
         ' "values": {"type": "array", "items": {"type": "int16"}}}, "optional": true},'
         ' "payload": [{"a": [1, 2]}, {}]}'),
    ({}, '{"a": 1}'),
    ({}, '{"schema": {"type": "nope"}, "payload": 1}'),
    ({}, '{"schema": {"type": "int32"}, "payload": null}'),
    ({"schemas.enable": "false"}, ""),
    ({"schemas.enable": "false"}, "null"),
    ({}, "special:f64-nan"),
    ({}, "special:f64-inf"),
    ({}, "special:f64--inf"),
    ({"schemas.enable": "false"}, "special:f32-nan"),
    ({"schemas.enable": "false"}, "special:f32-inf"),
]
HEADER_TEXTS = ["hello world", "42", "300", "70000", "5000000000", "1.5", "-7", "true", "false",
                "[1,2,3]", "[1,2.5]", '{"a":1,"b":2}', "2024-01-02", "12:34:56.789Z", "2024-01-02T12:34:56.789Z",
                "{not a map", "a,b", "99999999999999999999", " spaced "]
CASES += [({}, "header:" + base64.b64encode(t.encode()).decode()) for t in HEADER_TEXTS]
EXACT_ERRORS = {'{"a": 1}'}


def kcli_header_output(text: str) -> str:
    conv = SimpleHeaderConverter()
    conv.configure({})
    sv = conv.to_connect_header("t", "h", base64.b64decode(text))
    out = conv.from_connect_header("t", "h", sv.schema, sv.value)
    desc = "null" if sv.schema is None else f"{sv.schema.type}:{'null' if sv.schema.name is None else sv.schema.name}"
    return ("NULL" if out is None else "OK " + base64.b64encode(out).decode()) + " " + desc


def kcli_output(config: dict[str, str], text: str) -> str:
    if text.startswith("header:"):
        return kcli_header_output(text[len("header:"):])
    conv = JsonConverter()
    conv.configure(config, False)
    try:
        if text.startswith("special:"):
            what = text[len("special:"):]
            schema = Schema.FLOAT32_SCHEMA if what.startswith("f32") else Schema.FLOAT64_SCHEMA
            value = float("nan") if what.endswith("nan") else float("-inf") if what.endswith("-inf") else float("inf")
            out = conv.from_connect_data("t", schema, value)
        else:
            sv = conv.to_connect_data("t", None if text == "null" else text.encode())
            out = conv.from_connect_data("t", sv.schema, sv.value)
    except DataException as e:
        return "ERR " + e.message
    return "NULL" if out is None else "OK " + base64.b64encode(out).decode()


@pytest.fixture(scope="module")
def java_outputs(kafka_libs: str, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    program = compile_java(tmp_path_factory, "jsonref", "JsonRef", JAVA, kafka_libs)
    lines = []
    for config, text in CASES:
        special = text.startswith(("special:", "header:")) or text == "null"
        encoded = text if special else base64.b64encode(text.encode()).decode()
        lines.append(json.dumps(config) + "\t" + encoded)
    return program.run_lines("\n".join(lines) + "\n", len(CASES))


def _show(result: str) -> str:
    if result.startswith("OK "):
        data, _, desc = result[3:].partition(" ")
        return "OK " + base64.b64decode(data).decode("utf-8", "replace") + (" " + desc if desc else "")
    return result


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"case{i}" for i in range(len(CASES))])
def test_same_bytes_as_apache(java_outputs: list[str], index: int) -> None:
    config, text = CASES[index]
    expected = java_outputs[index]
    actual = kcli_output(config, text)
    if expected.startswith("ERR "):
        assert actual.startswith("ERR "), f"Apache failed ({expected}) but kcli wrote {_show(actual)}"
        if text in EXACT_ERRORS:
            assert actual == expected
        return
    assert _show(actual) == _show(expected)
    assert actual == expected
