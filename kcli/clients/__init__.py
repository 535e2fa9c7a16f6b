"""Kafka clients (confluent-kafka) built from Java-style client properties."""

from kcli.clients.factory import make_admin, make_consumer, make_producer
from kcli.clients.options import DEFAULT_BOOTSTRAP, ClientOptions, client_options
from kcli.clients.translate import to_librdkafka

__all__ = [
    "DEFAULT_BOOTSTRAP",
    "ClientOptions",
    "client_options",
    "make_admin",
    "make_consumer",
    "make_producer",
    "to_librdkafka",
]
