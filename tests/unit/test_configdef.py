"""ConfigDef: typed parsing, Apache's error messages, validate output and the REST JSON shapes."""

from __future__ import annotations

import pytest

from kcli.connect.configdef import (
    NO_DEFAULT_VALUE,
    CaseInsensitiveValidString,
    ConfigDef,
    Importance,
    NonEmptyString,
    Password,
    Range,
    Type,
    ValidList,
    ValidString,
    Width,
    config_def_json,
    connector_config_def,
    sink_connector_config_def,
    source_connector_config_def,
    validation_result,
)
from kcli.connect.errors import ConfigException


def file_def() -> ConfigDef:
    return (ConfigDef()
            .define("file", Type.STRING, NO_DEFAULT_VALUE, NonEmptyString(), Importance.HIGH, "The file.")
            .define("batch.size", Type.INT, 2000, Range.at_least(1), Importance.LOW, "Batch size.")
            .define("ratio", Type.DOUBLE, "0.5", Range.between(0, 1))
            .define("flag", Type.BOOLEAN, False)
            .define("topics", Type.LIST, "")
            .define("mode", Type.STRING, "a", ValidString.in_("a", "b"))
            .define("secret", Type.PASSWORD, None)
            .define("small", Type.SHORT, 1)
            .define("big", Type.LONG, 1))


def test_parse_typed_values_and_defaults() -> None:
    parsed = file_def().parse({"file": " x.txt ", "flag": "TRUE", "topics": "a , b,c", "secret": "s",
                               "big": "9223372036854775807"})
    assert parsed == {"file": "x.txt", "batch.size": 2000, "ratio": 0.5, "flag": True, "topics": ["a", "b", "c"],
                      "mode": "a", "secret": Password("s"), "small": 1, "big": 9223372036854775807}
    assert str(parsed["secret"]) == "[hidden]"


@pytest.mark.parametrize(("props", "message"), [
    ({}, 'Missing required configuration "file" which has no default value.'),
    ({"file": ""}, "Invalid value  for configuration file: String must be non-empty"),
    ({"file": "x", "batch.size": "abc"}, "Invalid value abc for configuration batch.size: Not a number of type INT"),
    ({"file": "x", "batch.size": "0"}, "Invalid value 0 for configuration batch.size: Value must be at least 1"),
    ({"file": "x", "batch.size": "99999999999"},
     "Invalid value 99999999999 for configuration batch.size: Not a number of type INT"),
    ({"file": "x", "ratio": "2"}, "Invalid value 2.0 for configuration ratio: Value must be no more than 1"),
    ({"file": "x", "flag": "yes"},
     "Invalid value yes for configuration flag: Expected value to be either true or false"),
    ({"file": "x", "mode": "c"}, "Invalid value c for configuration mode: String must be one of: a, b"),
    ({"file": "x", "small": "40000"}, "Invalid value 40000 for configuration small: Not a number of type SHORT"),
])
def test_parse_errors(props: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException) as info:
        file_def().parse(props)
    assert info.value.message == message
    assert str(info.value) == message


def test_validators() -> None:
    assert str(Range.at_least(1)) == "[1,...]"
    assert str(Range.between(0, 5)) == "[0,...,5]"
    assert str(ValidString.in_("none", "all")) == "[none, all]"
    CaseInsensitiveValidString.in_("BASE64", "NUMERIC").ensure_valid("d", "numeric")
    with pytest.raises(ConfigException, match="case insensitive"):
        CaseInsensitiveValidString.in_("BASE64").ensure_valid("d", "x")
    ValidList.in_("a", "b").ensure_valid("l", ["a", "b"])
    with pytest.raises(ConfigException, match="String must be one of: a, b"):
        ValidList.in_("a", "b").ensure_valid("l", ["c"])


def test_define_twice_and_bad_default() -> None:
    with pytest.raises(ValueError, match="defined twice"):
        ConfigDef().define("a", Type.INT, 1).define("a", Type.INT, 1)
    with pytest.raises(ConfigException):
        ConfigDef().define("a", Type.INT, "x")


def test_validate_collects_every_error() -> None:
    values = {v.name: v for v in file_def().validate({"batch.size": "0", "mode": "z"})}
    assert values["file"].errors == ['Missing required configuration "file" which has no default value.']
    assert values["batch.size"].errors == ["Invalid value 0 for configuration batch.size: Value must be at least 1"]
    assert values["mode"].errors and values["flag"].errors == []
    assert values["batch.size"].value == 0 and values["flag"].value is False


def test_merge_and_define_all_keep_first_definition() -> None:
    own = ConfigDef().define("tasks.max", Type.INT, 5, group="Mine")
    merged = own.merge(connector_config_def())
    assert list(merged.config_keys)[0] == "tasks.max"
    assert merged.config_keys["tasks.max"].default_value == 5
    assert "name" in merged and "tasks.max" not in ConfigDef()
    assert merged.groups[0] == "Mine"


def test_config_def_json_shape() -> None:
    items = config_def_json(connector_config_def())
    tasks = next(i for i in items if i["name"] == "tasks.max")
    assert tasks == {"name": "tasks.max", "type": "INT", "required": False, "default_value": "1",
                     "importance": "HIGH", "documentation": "Maximum number of tasks to use for this connector.",
                     "group": "Common", "order_in_group": 4, "width": "SHORT", "display_name": "Tasks max",
                     "dependents": []}
    name = items[0]
    assert name["name"] == "name" and name["required"] is True and name["default_value"] is None
    transforms = next(i for i in items if i["name"] == "transforms")
    assert transforms["default_value"] == "" and transforms["type"] == "LIST"


def test_framework_groups() -> None:
    assert connector_config_def().groups == ["Common", "Transforms", "Predicates", "Error Handling"]
    assert sink_connector_config_def().groups == ["Common", "Transforms", "Predicates", "Error Handling"]
    assert source_connector_config_def().groups == ["Common", "Transforms", "Predicates", "Error Handling",
                                                    "Topic Creation", "Exactly Once Support", "offsets.topic"]
    assert "topics" in sink_connector_config_def() and "topics" not in source_connector_config_def()
    assert "exactly.once.support" in source_connector_config_def()


def test_validation_result_shape() -> None:
    own = ConfigDef().define("file", Type.STRING, None, None, Importance.HIGH, "Destination filename.")
    cd = ConfigDef(own).define_all(sink_connector_config_def())
    props = {"connector.class": "FileStreamSink", "name": "s", "tasks.max": "0", "transforms": "a,a",
             "key.converter": "org.example.Missing"}
    result = validation_result("FileStreamSink", cd, props, {"topics": ["Must configure one of topics or topics.regex"],
                                                             "producer.override.acks": ["not allowed"]})
    assert list(result) == ["name", "error_count", "groups", "configs"]
    assert result["name"] == "FileStreamSink"
    assert result["groups"] == ["Common", "Transforms", "Predicates", "Error Handling"]
    assert result["error_count"] == 5
    configs = result["configs"]
    assert configs[0] == {"definition": None, "value": {"name": "producer.override.acks", "value": None,
                                                        "recommended_values": [], "errors": ["not allowed"],
                                                        "visible": True}}
    assert configs[1]["definition"]["name"] == "file"
    by_name = {c["value"]["name"]: c["value"] for c in configs}
    assert by_name["tasks.max"]["errors"] == ["Invalid value 0 for configuration tasks.max: Value must be at least 1"]
    assert by_name["transforms"]["errors"] == [
        "Invalid value [a, a] for configuration transforms: Duplicate alias provided."]
    assert by_name["transforms"]["value"] == "a,a"
    assert by_name["key.converter"]["errors"] == [
        "Invalid value org.example.Missing for configuration key.converter: "
        "Class org.example.Missing could not be found."]
    assert "org.apache.kafka.connect.json.JsonConverter" in by_name["value.converter"]["recommended_values"]
    assert by_name["errors.tolerance"] == {"name": "errors.tolerance", "value": "none", "recommended_values": [],
                                           "errors": [], "visible": True}
    assert list(configs[1]) == ["definition", "value"]


def test_width_and_importance_enums() -> None:
    assert [w.value for w in Width] == ["NONE", "SHORT", "MEDIUM", "LONG"]
    assert [i.value for i in Importance] == ["HIGH", "MEDIUM", "LOW"]
