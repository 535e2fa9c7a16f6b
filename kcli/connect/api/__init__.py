"""The connector SDK: write Kafka Connect connectors in Python.

Python connectors are first-class: subclass SourceConnector/SourceTask or
SinkConnector/SinkTask and refer to the connector by its dotted path in
`connector.class` (or install it under the entry-point group
`kcli.connect.plugins`, or drop its module into a `plugin.path` directory)::

    from kcli.connect.api import Schema, SourceConnector, SourceRecord, SourceTask

    class TickerConnector(SourceConnector):
        def start(self, props): self.props = props
        def stop(self): pass
        def task_class(self): return TickerTask
        def task_configs(self, max_tasks): return [self.props]

    class TickerTask(SourceTask):
        def start(self, props):
            self.topic = props["topic"]
            stored = self.context.offset_storage_reader.offset({"ticker": 1})
            self.n = stored["n"] if stored else 0
        def poll(self):              # may block briefly; None/[] when there is nothing
            self.n += 1
            return [SourceRecord({"ticker": 1}, {"n": self.n}, self.topic,
                                 value_schema=Schema.INT64_SCHEMA, value=self.n)]
        def stop(self): pass

The runtime converts, produces and commits a record's source offset only after the broker
acknowledged it; a sink task's offsets are committed after `flush()`/`pre_commit()`.
"""

from kcli.connect.api.connector import SUPPORTED, UNSUPPORTED, Connector, SinkConnector, SourceConnector
from kcli.connect.api.context import (
    ConnectorContext,
    OffsetStorageReader,
    SinkTaskContext,
    SourceTaskContext,
    TaskContext,
)
from kcli.connect.api.records import ConnectRecord, Header, RecordMetadata, SinkRecord, SourceRecord, TopicPartition
from kcli.connect.api.task import RetriableException, SinkTask, SourceTask, Task

__all__ = [
    "SUPPORTED", "UNSUPPORTED", "ConnectRecord", "Connector", "ConnectorContext", "Header", "OffsetStorageReader",
    "RecordMetadata", "RetriableException", "SinkConnector", "SinkRecord", "SinkTask", "SinkTaskContext",
    "SourceConnector", "SourceRecord", "SourceTask", "SourceTaskContext", "Task", "TaskContext", "TopicPartition",
]

try:  # the data model lives in kcli.connect.api.data (owned by the data/converters module)
    from kcli.connect.api import data as _data

    for _name in getattr(_data, "__all__", ()):
        globals()[_name] = getattr(_data, _name)
        if _name not in __all__:
            __all__.append(_name)
except ImportError:  # pragma: no cover - only while the data module is being built
    pass
