"""kcli's built-in transforms give the same records as Apache's (connect-transforms jar).

Each case is a transform class, its config and a record given as JsonConverter envelopes. Both sides
read the record, apply the transform and write topic, key and value back with JsonConverter
(schemas enabled) plus the headers as text; the outputs must be identical (schemaless maps up to key
order: Apache's transforms build HashMaps, kcli keeps insertion order). One javac, one JVM run.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from kcli.connect.api.data import DataException
from kcli.connect.api.records import SourceRecord
from kcli.connect.converters import JsonConverter
from kcli.connect.converters.values import convert_to_string
from kcli.connect.errors import ConnectError
from kcli.connect.transforms import TRANSFORM_ALIASES
from tests.java_ref import compile_java

pytestmark = [pytest.mark.java, pytest.mark.slow]

JAVA = r"""
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.kafka.connect.data.*;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;

public class TransformRef {
  static String enc(byte[] b) { return b == null ? "-" : Base64.getEncoder().encodeToString(b); }
  static byte[] dec(String s) { return s.equals("-") ? null : Base64.getDecoder().decode(s); }
  public static void main(String[] args) throws Exception {
    ObjectMapper m = new ObjectMapper();
    JsonConverter conv = new JsonConverter();
    conv.configure(Collections.singletonMap("schemas.enable", "true"), false);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] p = line.split("\t", -1);
      try {
        Map<String, String> cfg = m.readValue(p[1], Map.class);
        SchemaAndValue k = conv.toConnectData(p[2], dec(p[3]));
        SchemaAndValue v = conv.toConnectData(p[2], dec(p[4]));
        Long ts = p[5].equals("-") ? null : Long.parseLong(p[5]);
        SourceRecord r = new SourceRecord(Collections.singletonMap("f", 1), Collections.singletonMap("p", 2),
            p[2], 0, k.schema(), k.value(), v.schema(), v.value(), ts);
        Transformation<SourceRecord> t =
            (Transformation<SourceRecord>) Class.forName(p[0]).getDeclaredConstructor().newInstance();
        t.configure(cfg);
        SourceRecord out = t.apply(r);
        if (out == null) { System.out.println("DROP"); continue; }
        StringBuilder hs = new StringBuilder();
        for (Header h : out.headers())
          hs.append(h.key()).append("=").append(Values.convertToString(h.schema(), h.value())).append(";");
        System.out.println("OK " + out.topic() + " "
            + enc(conv.fromConnectData(out.topic(), out.keySchema(), out.key())) + " "
            + enc(conv.fromConnectData(out.topic(), out.valueSchema(), out.value())) + " " + hs);
      } catch (Exception e) {
        System.out.println("ERR " + e.getClass().getSimpleName() + " "
            + String.valueOf(e.getMessage()).replace("\n", " "));
      }
    }
  }
}
"""

P = "org.apache.kafka.connect.transforms."
PERSON_SCHEMA = {"type": "struct", "name": "Person", "optional": False, "fields": [
    {"field": "id", "type": "int32"}, {"field": "name", "type": "string", "optional": True},
    {"field": "ssn", "type": "string", "optional": True}, {"field": "age", "type": "int64", "optional": True},
    {"field": "ok", "type": "boolean", "optional": True}, {"field": "score", "type": "double", "optional": True}]}
PERSON = {"schema": PERSON_SCHEMA, "payload": {"id": 7, "name": "ann", "ssn": "123", "age": 40, "ok": True,
                                                "score": 2.5}}
MAP = {"schema": None, "payload": {"id": 7, "name": "ann", "ssn": "123"}}
NESTED = {"schema": None, "payload": {"a": {"b": 9}, "c": 1}}
KEY = {"schema": {"type": "string", "optional": True}, "payload": "k1"}
TS = 1_700_000_000_123

CASES: list[tuple[str, dict[str, str], str, Any, Any, int | None]] = [
    (P + "Filter", {}, "t", KEY, PERSON, TS),
    (P + "RegexRouter", {"regex": "(.*)-raw", "replacement": "$1-clean"}, "orders-raw", KEY, MAP, TS),
    (P + "RegexRouter", {"regex": "x(.*)", "replacement": "y$1"}, "orders", KEY, MAP, TS),
    (P + "TimestampRouter", {}, "t", KEY, MAP, TS),
    (P + "TimestampRouter", {"topic.format": "${timestamp}.${topic}", "timestamp.format": "yyyy-MM-dd'T'HH:mm:ss.SSS"},
     "t", KEY, MAP, TS),
    (P + "TimestampRouter", {}, "t", KEY, MAP, None),
    (P + "InsertHeader", {"header": "h", "value.literal": "[1,2,3]"}, "t", KEY, MAP, TS),
    (P + "InsertHeader", {"header": "h", "value.literal": "hello world"}, "t", KEY, MAP, TS),
    (P + "ValueToKey", {"fields": "id,name"}, "t", KEY, PERSON, TS),
    (P + "ValueToKey", {"fields": "id,missing"}, "t", KEY, MAP, TS),
    (P + "ValueToKey", {"fields": "nope"}, "t", KEY, PERSON, TS),
    (P + "InsertField$Value", {"topic.field": "t", "partition.field": "p!", "timestamp.field": "ts?",
                               "static.field": "s", "static.value": "v"}, "t", KEY, PERSON, TS),
    (P + "InsertField$Value", {"topic.field": "t", "timestamp.field": "ts", "static.field": "s",
                               "static.value": "v"}, "t", KEY, MAP, TS),
    (P + "InsertField$Value", {"topic.field": "t"}, "t", KEY, {"schema": None, "payload": None}, TS),
    (P + "InsertField$Key", {"topic.field": "t"}, "t", {"schema": None, "payload": {"k": 1}}, MAP, TS),
    (P + "ReplaceField$Value", {"exclude": "ssn", "renames": "name:full_name,id:ident"}, "t", KEY, PERSON, TS),
    (P + "ReplaceField$Value", {"include": "id,name", "exclude": "name"}, "t", KEY, MAP, TS),
    (P + "ExtractField$Value", {"field": "name"}, "t", KEY, PERSON, TS),
    (P + "ExtractField$Value", {"field": "id"}, "t", KEY, MAP, TS),
    (P + "ExtractField$Value", {"field": "a.b", "field.syntax.version": "V2"}, "t", KEY, NESTED, TS),
    (P + "ExtractField$Key", {"field": "x"}, "t", KEY, MAP, TS),
    (P + "HoistField$Value", {"field": "wrapped"}, "t", KEY, PERSON, TS),
    (P + "HoistField$Key", {"field": "k"}, "t", KEY, MAP, TS),
    (P + "MaskField$Value", {"fields": "ssn,id,ok,score,age"}, "t", KEY, PERSON, TS),
    (P + "MaskField$Value", {"fields": "ssn,id", "replacement": "0"}, "t", KEY, PERSON, TS),
    (P + "MaskField$Value", {"fields": "ssn,name"}, "t", KEY, MAP, TS),
    (P + "SetSchemaMetadata$Value", {"schema.name": "com.acme.P", "schema.version": "3"}, "t", KEY, PERSON, TS),
    (P + "SetSchemaMetadata$Key", {"schema.name": "k.name"}, "t", KEY, MAP, TS),  # a known difference, below
    (P + "SetSchemaMetadata$Value", {"schema.name": "x"}, "t", KEY, MAP, TS),
    (P + "Cast$Value", {"spec": "int64"}, "t", KEY,
     {"schema": {"type": "int32", "name": "n", "version": 2, "optional": True, "default": 3}, "payload": 5}, TS),
    (P + "Cast$Value", {"spec": "id:string,score:int32,ok:int8,age:float64,name:boolean"}, "t", KEY, PERSON, TS),
    (P + "Cast$Value", {"spec": "string"}, "t", KEY, {"schema": None, "payload": 1.5}, TS),
    (P + "Cast$Value", {"spec": "float32"}, "t", KEY, {"schema": None, "payload": "2.5"}, TS),
    (P + "Cast$Value", {"spec": "id:boolean,ssn:int32"}, "t", KEY, MAP, TS),
    (P + "Cast$Value", {"spec": "name:int32"}, "t", KEY, MAP, TS),
    (P + "Cast$Value", {"spec": "x:decimal"}, "t", KEY, MAP, TS),
    (P + "Cast$Key", {"spec": "int8"}, "t", {"schema": {"type": "int64"}, "payload": 300}, MAP, TS),
    (P + "Flatten$Value", {}, "t", KEY, NESTED, TS),
    (P + "Flatten$Value", {"delimiter": "_"}, "t", KEY,
     {"schema": {"type": "struct", "name": "Outer", "fields": [
         {"field": "id", "type": "int32"},
         {"field": "inner", "type": "struct", "optional": True, "fields": [
             {"field": "x", "type": "string"}, {"field": "y", "type": "int64", "optional": True, "default": 4},
             {"field": "deep", "type": "struct", "fields": [{"field": "z", "type": "boolean"}]}]},
         {"field": "tags", "type": "array", "items": {"type": "string"}, "optional": True}]},
      "payload": {"id": 1, "inner": {"x": "a", "y": None, "deep": {"z": True}}, "tags": ["q"]}}, TS),
    (P + "HeaderFrom$Value", {"fields": "id,name", "headers": "h1,h2", "operation": "move"}, "t", KEY, PERSON, TS),
    (P + "HeaderFrom$Value", {"fields": "id,name", "headers": "h1,h2", "operation": "copy"}, "t", KEY, MAP, TS),
    (P + "HeaderFrom$Value", {"fields": "id", "headers": "h1", "operation": "move"}, "t", KEY, MAP, TS),
]


# Where kcli deliberately differs: Apache 4.3's SetSchemaMetadata fails on a primitive schema ("Cannot list
# fields on non-struct type"); kcli renames it.
KNOWN_DIFFERENCES = {27}


def _envelope(doc: Any) -> bytes | None:
    return None if doc is None else json.dumps(doc).encode()


def kcli_output(cls: str, config: dict[str, str], topic: str, key: Any, value: Any, ts: int | None) -> str:
    conv = JsonConverter()
    conv.configure({"schemas.enable": "true"}, False)
    try:
        k = conv.to_connect_data(topic, _envelope(key))
        v = conv.to_connect_data(topic, _envelope(value))
        record = SourceRecord({"f": 1}, {"p": 2}, topic, 0, k.schema, k.value, v.schema, v.value, ts)
        transform = TRANSFORM_ALIASES[cls]()
        transform.configure(config)
        out = transform.apply(record)
    except (ConnectError, DataException, ValueError) as e:
        return f"ERR {type(e).__name__}"
    if out is None:
        return "DROP"
    headers = "".join(f"{h.key}={convert_to_string(h.schema, h.value)};" for h in out.headers or [])

    def enc(data: bytes | None) -> str:
        return "-" if data is None else base64.b64encode(data).decode()

    return (f"OK {out.topic} {enc(conv.from_connect_data(out.topic, out.key_schema, out.key))} "
            f"{enc(conv.from_connect_data(out.topic, out.value_schema, out.value))} {headers}")


@pytest.fixture(scope="module")
def java_outputs(kafka_libs: str, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    program = compile_java(tmp_path_factory, "transformref", "TransformRef", JAVA, kafka_libs)

    def b64(doc: Any) -> str:
        data = _envelope(doc)
        return "-" if data is None else base64.b64encode(data).decode()

    stdin = "".join(f"{cls}\t{json.dumps(cfg)}\t{topic}\t{b64(k)}\t{b64(v)}\t{'-' if ts is None else ts}\n"
                    for cls, cfg, topic, k, v, ts in CASES)
    return program.run_lines(stdin, len(CASES))


def _canonical(encoded: str) -> str:
    """The written envelope; a schemaless payload with its keys sorted, since Java's HashMap orders keys by hash."""
    if encoded == "-":
        return "-"
    text = base64.b64decode(encoded).decode()
    doc = json.loads(text)
    return json.dumps(doc, sort_keys=True) if doc["schema"] is None else text


def _show(result: str) -> str:
    if not result.startswith("OK "):
        return result
    _, topic, key, value, headers = result.split(" ", 4)
    return f"OK {topic} key={_canonical(key)} value={_canonical(value)} headers={headers}"


@pytest.mark.parametrize("index", range(len(CASES)),
                         ids=[f"{c[0].rsplit('.', 1)[-1]}-{i}" for i, c in enumerate(CASES)])
def test_same_records_as_apache(java_outputs: list[str], index: int) -> None:
    expected = java_outputs[index]
    actual = kcli_output(*CASES[index])
    if index in KNOWN_DIFFERENCES:
        assert expected.startswith("ERR ") and actual.startswith("OK ")
        return
    if expected.startswith("ERR "):
        assert actual.startswith("ERR "), f"Apache failed ({expected}) but kcli gave {_show(actual)}"
        return
    assert _show(actual) == _show(expected)
