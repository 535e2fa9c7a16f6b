"""Kafka protocol messages kafka-python 3.0.12 does not define, built by its own schema loader.

The definitions are kcli's JSON files in kcli/admin/schemas/ (written from the protocol guide's field
tables); kafka-python's ApiMessage reads them by class name and gives the encoder, the decoder and the
version negotiation of its built-in messages. Import this module lazily: it imports kafka-python.
"""

from __future__ import annotations

from kafka.protocol.api_message import ApiMessage

SCHEMAS = "kcli.admin.schemas"


class ConsumerGroupDescribeRequest(ApiMessage, load_json=SCHEMAS):  # type: ignore[call-arg]
    """ConsumerGroupDescribe (key 69): groups of the consumer protocol (KIP-848), with their epochs."""


class ConsumerGroupDescribeResponse(ApiMessage, load_json=SCHEMAS):  # type: ignore[call-arg]
    """The answer: per group its state, epochs, assignor and members (assignment, target, member type)."""
