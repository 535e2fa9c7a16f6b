"""The config keys every connector has (Apache's ConnectorConfig, SinkConnectorConfig, SourceConnectorConfig).

Names, types, defaults, groups, orders, widths, display names and documentation are Apache 4.3's, so
`GET /connector-plugins/{p}/config` and `PUT .../config/validate` answer with the same definitions.
Per-alias keys (`transforms.<a>.*`, `predicates.<p>.*`, `topic.creation.<g>.*`) are added by the runtime.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

from kcli.connect.configdef import (
    NO_DEFAULT_VALUE,
    CaseInsensitiveValidString,
    ConfigDef,
    Importance,
    NonEmptyString,
    NonEmptyStringWithoutControlChars,
    Range,
    Recommender,
    Type,
    Validator,
    ValidString,
    Width,
    _java_str,
)
from kcli.connect.configdef.validators import RegexValidator
from kcli.connect.errors import ConfigException


class _Key(NamedTuple):
    name: str
    type: Type
    default: Any
    validator: Validator | None
    importance: Importance
    group: str
    order: int
    width: Width
    display_name: str
    recommender: Recommender | None
    documentation: str


def _converter_table(header: bool) -> dict[str, type]:
    from kcli.connect.converters import CONVERTER_ALIASES, HEADER_CONVERTER_ALIASES

    return HEADER_CONVERTER_ALIASES if header else CONVERTER_ALIASES


def class_exists(name: str, table: dict[str, type]) -> bool:
    """True when `name` is a known alias/Apache name or an importable `module.Class` Python path."""
    if name in table:
        return True
    module, _, attr = name.replace(":", ".").rpartition(".")
    if not module:
        return False
    try:
        return hasattr(importlib.import_module(module), attr)
    except Exception:  # an import error of any kind means "not found"
        return False


class _ConverterClass(Validator):
    """A converter class name kcli can load (Apache fails CLASS parsing with the same message)."""

    parse_failure = True  # validate() shows no value for a class that cannot be found, as Apache does

    def __init__(self, header: bool) -> None:
        self.header = header

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None or not isinstance(value, str):
            return
        if not class_exists(value, _converter_table(self.header)):
            raise ConfigException(name, value, f"Class {value} could not be found.")

    def __str__(self) -> str:
        kind = "HeaderConverter" if self.header else "Converter"
        return (f"A concrete subclass of org.apache.kafka.connect.storage.{kind}, "
                "A class with a public, no-argument constructor")


class _ConverterRecommender(Recommender):
    """The Apache class names of the converters kcli ships."""

    def __init__(self, header: bool) -> None:
        self.header = header

    def valid_values(self, name: str, parsed: Any) -> list[Any]:
        return sorted(n for n in _converter_table(self.header) if n.startswith("org.apache."))


class _VisibleWhenSet(Recommender):
    """A `*.plugin.version` key is only visible when its plugin key has a (loadable) value."""

    def __init__(self, plugin_key: str) -> None:
        self.plugin_key = plugin_key

    def visible(self, name: str, parsed: Any) -> bool:
        return parsed.get(self.plugin_key) is not None


class _UniqueAliases(Validator):
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            raise ConfigException(name, "null", "Entry must be non null")
        if len(set(value)) != len(value):
            raise ConfigException(name, _java_str(value), "Duplicate alias provided.")

    def __str__(self) -> str:
        return f"non-null string, unique {self.kind} aliases"


class _NullOrAtLeastZero(Validator):
    def ensure_valid(self, name: str, value: Any) -> None:
        if value is not None:
            Range.at_least(0).ensure_valid(name, value)

    def __str__(self) -> str:
        return "[0,...]"


def _define(config_def: ConfigDef, keys: tuple[_Key, ...]) -> ConfigDef:
    for k in keys:
        config_def.define(k.name, k.type, k.default, k.validator, k.importance, k.documentation, k.group, k.order,
                          k.width, k.display_name, recommender=k.recommender)
    return config_def


def connector_config_def() -> ConfigDef:
    """Apache's ConnectorConfig.configDef()."""
    return _define(ConfigDef(), COMMON_KEYS)


def sink_connector_config_def() -> ConfigDef:
    """Apache's SinkConnectorConfig.configDef()."""
    return _define(connector_config_def(), SINK_KEYS)


def source_connector_config_def() -> ConfigDef:
    """Apache's SourceConnectorConfig.configDef() (groups end with Topic Creation, Exactly Once Support,
    offsets.topic)."""
    return _define(connector_config_def(), SOURCE_KEYS)


COMMON_KEYS: tuple[_Key, ...] = (
    _Key('name', Type.STRING, NO_DEFAULT_VALUE,
         NonEmptyStringWithoutControlChars(),
         Importance.HIGH, 'Common', 1, Width.MEDIUM, 'Connector name',
         None,
         'Globally unique name to use for this connector.'),
    _Key('connector.class', Type.STRING, NO_DEFAULT_VALUE,
         None,
         Importance.HIGH, 'Common', 2, Width.LONG, 'Connector class',
         None,
         ('Name or alias of the class for this connector. Must be a subclass of '
          'org.apache.kafka.connect.connector.Connector. If the connector is '
          'org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full '
          'name,  or use "FileStreamSink" or "FileStreamSinkConnector" to make the configuration a bit'
          ' shorter')),
    _Key('connector.plugin.version', Type.STRING, None,
         None,
         Importance.MEDIUM, 'Common', 3, Width.MEDIUM, 'Connector version',
         _VisibleWhenSet('connector.class'),
         'Version of the connector.'),
    _Key('tasks.max', Type.INT, '1',
         Range.at_least(1),
         Importance.HIGH, 'Common', 4, Width.SHORT, 'Tasks max',
         None,
         'Maximum number of tasks to use for this connector.'),
    _Key('tasks.max.enforce', Type.BOOLEAN, 'true',
         None,
         Importance.LOW, 'Common', 5, Width.SHORT, 'Enforce tasks max',
         None,
         ('(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. '
          'By default, connectors that generate too many tasks will fail, and existing sets of tasks '
          'that exceed the tasks.max property will also be failed. If this property is set to false, '
          'then connectors will be allowed to generate more than the maximum number of tasks, and '
          'existing sets of tasks that exceed the tasks.max property will be allowed to run. This '
          'property is deprecated and will be removed in an upcoming major release.')),
    _Key('key.converter', Type.CLASS, None,
         _ConverterClass(False),
         Importance.LOW, 'Common', 6, Width.SHORT, 'Key converter class',
         _ConverterRecommender(False),
         ('Converter class used to convert between Kafka Connect format and the serialized form that '
          'is written to Kafka. This controls the format of the keys in messages written to or read '
          'from Kafka, and since this is independent of connectors it allows any connector to work '
          'with any serialization format. Examples of common formats include JSON and Avro.')),
    _Key('key.converter.plugin.version', Type.STRING, None,
         None,
         Importance.LOW, 'Common', 7, Width.SHORT, 'Key converter version',
         _VisibleWhenSet('key.converter'),
         'Version of the key converter.'),
    _Key('value.converter', Type.CLASS, None,
         _ConverterClass(False),
         Importance.LOW, 'Common', 8, Width.SHORT, 'Value converter class',
         _ConverterRecommender(False),
         ('Converter class used to convert between Kafka Connect format and the serialized form that '
          'is written to Kafka. This controls the format of the values in messages written to or read '
          'from Kafka, and since this is independent of connectors it allows any connector to work '
          'with any serialization format. Examples of common formats include JSON and Avro.')),
    _Key('value.converter.plugin.version', Type.STRING, None,
         None,
         Importance.LOW, 'Common', 9, Width.SHORT, 'Value converter version',
         _VisibleWhenSet('value.converter'),
         'Version of the value converter.'),
    _Key('header.converter', Type.CLASS, None,
         _ConverterClass(True),
         Importance.LOW, 'Common', 10, Width.SHORT, 'Header converter class',
         _ConverterRecommender(True),
         ('HeaderConverter class used to convert between Kafka Connect format and the serialized form '
          'that is written to Kafka. This controls the format of the header values in messages written'
          ' to or read from Kafka, and since this is independent of connectors it allows any connector'
          ' to work with any serialization format. Examples of common formats include JSON and Avro. '
          'By default, the SimpleHeaderConverter is used to serialize header values to strings and '
          'deserialize them by inferring the schemas.')),
    _Key('header.converter.plugin.version', Type.STRING, None,
         None,
         Importance.LOW, 'Common', 11, Width.SHORT, 'Header converter version',
         _VisibleWhenSet('header.converter'),
         'Version of the header converter.'),
    _Key('transforms', Type.LIST, '',
         _UniqueAliases("transformation"),
         Importance.LOW, 'Transforms', 12, Width.LONG, 'Transforms',
         None,
         'Aliases for the transformations to be applied to records.'),
    _Key('predicates', Type.LIST, '',
         _UniqueAliases("predicate"),
         Importance.LOW, 'Predicates', 13, Width.LONG, 'Predicates',
         None,
         'Aliases for the predicates used by transformations.'),
    _Key('config.action.reload', Type.STRING, 'restart',
         ValidString.in_("none", "restart"),
         Importance.LOW, 'Common', 14, Width.MEDIUM, 'Reload Action',
         None,
         ('The action that Connect should take on the connector when changes in external configuration'
          " providers result in a change in the connector's configuration properties. A value of "
          "'none' indicates that Connect will do nothing. A value of 'restart' indicates that Connect "
          'should restart/reload the connector with the updated configuration properties.The restart '
          'may actually be scheduled in the future if the external configuration provider indicates '
          'that a configuration value will expire in the future.')),
    _Key('errors.retry.timeout', Type.LONG, '0',
         None,
         Importance.MEDIUM, 'Error Handling', 1, Width.MEDIUM, 'Retry Timeout for Errors',
         None,
         ('The maximum duration in milliseconds that a failed operation will be reattempted. The '
          'default is 0, which means no retries will be attempted. Use -1 for infinite retries.')),
    _Key('errors.retry.delay.max.ms', Type.LONG, '60000',
         None,
         Importance.MEDIUM, 'Error Handling', 2, Width.MEDIUM, 'Maximum Delay Between Retries for Errors',
         None,
         ('The maximum duration in milliseconds between consecutive retry attempts. Jitter will be '
          'added to the delay once this limit is reached to prevent thundering herd issues.')),
    _Key('errors.tolerance', Type.STRING, 'none',
         ValidString.in_("none", "all"),
         Importance.MEDIUM, 'Error Handling', 3, Width.SHORT, 'Error Tolerance',
         None,
         ("Behavior for tolerating errors during connector operation. 'none' is the default value and "
          "signals that any error will result in an immediate connector task failure; 'all' changes "
          'the behavior to skip over problematic records.')),
    _Key('errors.log.enable', Type.BOOLEAN, 'false',
         None,
         Importance.MEDIUM, 'Error Handling', 4, Width.SHORT, 'Log Errors',
         None,
         ('If true, write each error and the details of the failed operation and problematic record to'
          " the Connect application log. This is 'false' by default, so that only errors that are not "
          'tolerated are reported.')),
    _Key('errors.log.include.messages', Type.BOOLEAN, 'false',
         None,
         Importance.MEDIUM, 'Error Handling', 5, Width.SHORT, 'Log Error Details',
         None,
         ('Whether to include in the log the Connect record that resulted in a failure. For sink '
          'records, the topic, partition, offset, and timestamp will be logged. For source records, '
          'the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka '
          "partition, source partition, and source offset will be logged. This is 'false' by default, "
          'which will prevent record keys, values, and headers from being written to log files.')),
)
SINK_KEYS: tuple[_Key, ...] = (
    _Key('topics', Type.LIST, '',
         None,
         Importance.HIGH, 'Common', 4, Width.LONG, 'Topics',
         None,
         'List of topics to consume, separated by commas'),
    _Key('topics.regex', Type.STRING, '',
         RegexValidator(),
         Importance.HIGH, 'Common', 4, Width.LONG, 'Topics regex',
         None,
         ('Regular expression giving topics to consume. Under the hood, the regex is compiled to a '
          '<code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be '
          'specified.')),
    _Key('errors.deadletterqueue.topic.name', Type.STRING, '',
         None,
         Importance.MEDIUM, 'Error Handling', 6, Width.MEDIUM, 'Dead Letter Queue Topic Name',
         None,
         ('The name of the topic to be used as the dead letter queue (DLQ) for messages that result in'
          ' an error when processed by this sink connector, or its transformations or converters. The '
          'topic name is blank by default, which means that no messages are to be recorded in the DLQ.')),
    _Key('errors.deadletterqueue.topic.replication.factor', Type.SHORT, '3',
         None,
         Importance.MEDIUM, 'Error Handling', 7, Width.MEDIUM, 'Dead Letter Queue Topic Replication Factor',
         None,
         "Replication factor used to create the dead letter queue topic when it doesn't already exist."),
    _Key('errors.deadletterqueue.context.headers.enable', Type.BOOLEAN, 'false',
         None,
         Importance.MEDIUM, 'Error Handling', 8, Width.MEDIUM, 'Enable Error Context Headers',
         None,
         ('If true, add headers containing error context to the messages written to the dead letter '
          'queue. To avoid clashing with headers from the original record, all error context header '
          'keys, all error context header keys will start with <code>__connect.errors.</code>')),
)
SOURCE_KEYS: tuple[_Key, ...] = (
    _Key('topic.creation.groups', Type.LIST, '',
         _UniqueAliases("topic creation group"),
         Importance.LOW, 'Topic Creation', 1, Width.LONG, 'Topic Creation Groups',
         None,
         'Groups of configurations for topics created by source connectors'),
    _Key('exactly.once.support', Type.STRING, 'requested',
         CaseInsensitiveValidString.in_("REQUIRED", "REQUESTED"),
         Importance.MEDIUM, 'Exactly Once Support', 2, Width.SHORT, 'Exactly once support',
         None,
         ('Permitted values are requested, required. If set to "required", forces a preflight check '
          'for the connector to ensure that it can provide exactly-once semantics with the given '
          'configuration. Some connectors may be capable of providing exactly-once semantics but not '
          'signal to Connect that they support this; in that case, documentation for the connector '
          'should be consulted carefully before creating it, and the value for this property should be'
          ' set to "requested". Additionally, if the value is set to "required" but the worker that '
          'performs preflight validation does not have exactly-once support enabled for source '
          'connectors, requests to create or validate the connector will fail.')),
    _Key('transaction.boundary', Type.STRING, 'poll',
         CaseInsensitiveValidString.in_("INTERVAL", "POLL", "CONNECTOR"),
         Importance.MEDIUM, 'Exactly Once Support', 3, Width.SHORT, 'Transaction Boundary',
         None,
         ("Permitted values are: poll, interval, connector. If set to 'poll', a new producer "
          'transaction will be started and committed for every batch of records that each task from '
          "this connector provides to Connect. If set to 'connector', relies on connector-defined "
          'transaction boundaries; note that not all connectors are capable of defining their own '
          'transaction boundaries, and in that case, attempts to instantiate a connector with this '
          "value will fail. Finally, if set to 'interval', commits transactions only after a user-"
          'defined time interval has passed.')),
    _Key('transaction.boundary.interval.ms', Type.LONG, None,
         _NullOrAtLeastZero(),
         Importance.LOW, 'Exactly Once Support', 4, Width.SHORT, 'Transaction boundary interval',
         None,
         ("If 'transaction.boundary' is set to 'interval', determines the interval for producer "
          'transaction commits by connector tasks. If unset, defaults to the value of the worker-level'
          " 'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary "
          'is specified.')),
    _Key('offsets.storage.topic', Type.STRING, None,
         NonEmptyString(),
         Importance.LOW, 'offsets.topic', 1, Width.LONG, 'Offsets topic',
         None,
         ('The name of a separate offsets topic to use for this connector. If empty or not specified, '
          'the worker’s global offsets topic name will be used. If specified, the offsets topic will '
          'be created if it does not already exist on the Kafka cluster targeted by this connector '
          "(which may be different from the one used for the worker's global offsets topic if the "
          "bootstrap.servers property of the connector's producer has been overridden from the "
          "worker's). Only applicable in distributed mode; in standalone mode, setting this property "
          'will have no effect.')),
)
