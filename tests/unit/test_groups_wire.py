"""kcli's ConsumerGroupDescribe definition (kcli/admin/schemas, loaded by kafka-python) against bytes laid out by
hand from the protocol guide's rules for flexible versions, and what `kcli groups` makes of an answer."""

from __future__ import annotations

import struct
import uuid

import pytest

from kcli.admin.groups_wire import ListedGroup
from kcli.admin.messages import ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse
from kcli.groups import render
from kcli.groups.service import GroupService, _wire_group, broker_state, broker_type

TOPIC_ID = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")


def cstr(text: str | None) -> bytes:
    """COMPACT_(NULLABLE_)STRING: unsigned varint length + 1 (0 is null), then UTF-8 (all lengths here < 127)."""
    if text is None:
        return b"\x00"
    data = text.encode()
    return bytes([len(data) + 1]) + data


def i32(n: int) -> bytes:
    return struct.pack(">i", n)


def assignment(partitions: list[int]) -> bytes:
    """Assignment: one topic, its partitions as a COMPACT_ARRAY of INT32, then the tag buffers."""
    topic = TOPIC_ID.bytes + cstr("t") + bytes([len(partitions) + 1]) + b"".join(i32(p) for p in partitions)
    return b"\x02" + topic + b"\x00" + b"\x00"


def member(member_id: str, epoch: int, owned: list[int], target: list[int], member_type: int | None) -> bytes:
    out = (cstr(member_id) + cstr(None) + cstr(None) + i32(epoch) + cstr("console-consumer") + cstr("/127.0.0.1")
           + b"\x02" + cstr("t") + cstr(None) + assignment(owned) + assignment(target))
    if member_type is not None:  # version 1 on
        out += struct.pack(">b", member_type)
    return out + b"\x00"


def response(version: int) -> bytes:
    types = (1, 0) if version >= 1 else (None, None)
    members = [member("m-new", 7, [0, 1], [0, 1], types[0]), member("m-old", 6, [2], [2, 3], types[1])]
    group = (b"\x00\x00" + cstr(None) + cstr("orders") + cstr("Reconciling") + i32(8) + i32(7) + cstr("uniform")
             + bytes([len(members) + 1]) + b"".join(members) + i32(-(2**31)) + b"\x00")
    return i32(0) + b"\x02" + group + b"\x00"


@pytest.mark.parametrize("version", [0, 1])
def test_request_bytes(version: int) -> None:
    request = ConsumerGroupDescribeRequest(group_ids=["a", "bc"], include_authorized_operations=True)
    wire = b"\x03" + cstr("a") + cstr("bc") + b"\x01" + b"\x00"
    assert request.encode(version=version) == wire
    back = ConsumerGroupDescribeRequest.decode(wire, version=version)
    assert (back.group_ids, back.include_authorized_operations) == (["a", "bc"], True)
    assert ConsumerGroupDescribeRequest.API_KEY == 69 and ConsumerGroupDescribeRequest.max_version == 1


@pytest.mark.parametrize("version", [0, 1])
def test_response_decodes_and_encodes_back(version: int) -> None:
    wire = response(version)
    decoded = ConsumerGroupDescribeResponse.decode(wire, version=version)
    (group,) = decoded.groups
    assert (group.error_code, group.error_message, group.group_id, group.group_state) == (0, None, "orders",
                                                                                          "Reconciling")
    assert (group.group_epoch, group.assignment_epoch, group.assignor_name) == (8, 7, "uniform")
    first, second = group.members
    assert (first.member_id, first.instance_id, first.member_epoch, first.client_host) == ("m-new", None, 7,
                                                                                           "/127.0.0.1")
    assert first.subscribed_topic_names == ["t"] and first.subscribed_topic_regex is None
    tp = second.target_assignment.topic_partitions[0]
    assert (tp.topic_id, tp.topic_name, tp.partitions) == (TOPIC_ID, "t", [2, 3])
    assert [m.member_type for m in group.members] == ([1, 0] if version else [-1, -1])  # -1: not sent before v1
    assert decoded.encode() == wire  # the decoded object keeps its version


def test_a_mixed_group_as_kcli_shows_it() -> None:
    """Member epochs, the target epoch and UPGRADED (a consumer-protocol member beside a classic one)."""
    (group,) = ConsumerGroupDescribeResponse.decode(response(1), version=1).groups
    info = _wire_group(group, None)
    assert (info.state, info.group_type, info.group_epoch, info.target_assignment_epoch) == ("Reconciling",
                                                                                            "Consumer", 8, 7)
    assert [(m.consumer_id, m.member_epoch, m.upgraded, m.assignment, m.target_assignment) for m in info.members] == [
        ("m-new", 7, True, [("t", 0), ("t", 1)], [("t", 0), ("t", 1)]),
        ("m-old", 6, False, [("t", 2)], [("t", 2), ("t", 3)])]
    lines = render.members_text(info, verbose=True, sized=True).splitlines()
    assert lines[1].split()[-5:] == ["CURRENT-EPOCH", "CURRENT-ASSIGNMENT", "TARGET-EPOCH", "TARGET-ASSIGNMENT",
                                     "UPGRADED"]
    assert lines[2].split()[-5:] == ["7", "t:0,1", "7", "t:0,1", "true"]
    assert lines[3].split()[-5:] == ["6", "t:2", "7", "t:2,3", "false"]
    (v0_group,) = ConsumerGroupDescribeResponse.decode(response(0), version=0).groups
    v0 = _wire_group(v0_group, None)
    assert [m.upgraded for m in v0.members] == [None, None]
    assert "UPGRADED" not in render.members_text(v0, verbose=True, sized=True)


def test_broker_spellings() -> None:
    assert [broker_state(s) for s in ("Stable", "reconciling", "ASSIGNING", "PreparingRebalance", "", "odd")] == [
        "Stable", "Reconciling", "Assigning", "PreparingRebalance", "Unknown", "Unknown"]
    assert [broker_type(t) for t in ("classic", "consumer", "", "share")] == ["Classic", "Consumer", "Unknown",
                                                                            "Unknown"]


class _Wire:
    def __init__(self, groups: list[ListedGroup]) -> None:
        self.groups = groups
        self.asked: tuple[object, ...] = ()

    def list_groups(self, states: object, types: object) -> list[ListedGroup]:
        self.asked = (states, types)
        return self.groups

    def close(self) -> None:
        pass


def test_list_keeps_the_brokers_order_and_apaches_protocol_types() -> None:
    """As Apache's admin client: only protocol types `consumer` and "" (offsets only), a group listed by two
    brokers once, where it came first."""
    svc = GroupService({"bootstrap.servers": "127.0.0.1:1"}, timeout=1)
    wire = _Wire([ListedGroup("z", "consumer", "Stable", "consumer"), ListedGroup("c", "connect", "Stable", "classic"),
                  ListedGroup("a", "", "Empty", "classic"), ListedGroup("z", "consumer", "Reconciling", "consumer")])
    svc._wire = wire  # type: ignore[assignment]
    assert [(g.group_id, g.state, g.group_type) for g in svc.list_groups()] == [("z", "Reconciling", "Consumer"),
                                                                              ("a", "Empty", "Classic")]
    assert wire.asked == ((), ["classic", "consumer"])
    svc.list_groups(["Assigning"], ["Consumer"])
    assert wire.asked == (["Assigning"], ["consumer"])


class _Future:
    def __init__(self, value: object) -> None:
        self.value = value

    def result(self, timeout: float | None = None) -> object:
        return self.value


class _Admin:
    """librdkafka's answer to DescribeConsumerGroups: a classic group, and KIP-848 groups it calls Stable and
    (for Reconciling, a state it has no name for) Unknown."""

    def describe_consumer_groups(self, ids: list[str], request_timeout: float) -> dict[str, _Future]:
        from confluent_kafka import ConsumerGroupState, ConsumerGroupType, Node
        from confluent_kafka.admin import ConsumerGroupDescription

        kinds = {"classic": (ConsumerGroupState.STABLE, ConsumerGroupType.CLASSIC),
                 "stable": (ConsumerGroupState.STABLE, ConsumerGroupType.CONSUMER),
                 "orders": (ConsumerGroupState.UNKNOWN, ConsumerGroupType.CONSUMER)}
        return {g: _Future(ConsumerGroupDescription(g, False, [], "uniform", kinds[g][0], Node(1, "h", 9092),
                                                    type=kinds[g][1])) for g in ids}


class _DescribeWire:
    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def describe_consumer_groups(self, ids: list[str]) -> dict[str, object]:
        self.asked.append(list(ids))
        (group,) = ConsumerGroupDescribeResponse.decode(response(1), version=1).groups
        return {"orders": group} if "orders" in ids else {}

    def close(self) -> None:
        pass


@pytest.mark.parametrize(("epochs", "asked"), [(False, [["orders"]]), (True, [["stable", "orders"]])])
def test_describe_asks_consumer_group_describe_only_where_librdkafka_falls_short(
        epochs: bool, asked: list[list[str]]) -> None:
    svc = GroupService({"bootstrap.servers": "127.0.0.1:1"}, timeout=1)
    wire = _DescribeWire()
    svc._admin, svc._wire = _Admin(), wire  # type: ignore[assignment]
    infos = svc.describe(["classic", "stable", "orders"], epochs=epochs)
    assert wire.asked == asked  # never a classic group; a Stable KIP-848 one only when its epochs are shown
    assert (infos["orders"].state, infos["orders"].group_epoch) == ("Reconciling", 8)
    assert infos["orders"].coordinator is not None and infos["orders"].coordinator.text == "h:9092  (1)"
    assert (infos["stable"].state, infos["stable"].group_epoch) == ("Stable", None)
