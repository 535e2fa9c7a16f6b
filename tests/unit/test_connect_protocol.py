"""The Connect group protocol codec: subscriptions and assignments v0/v1/v2, byte for byte.

Expected bytes are written out field by field from Apache's schemas (ConnectProtocol /
IncrementalCooperativeConnectProtocol): int16 version, STRING = int16 length + UTF-8, int64 config
offset, NULLABLE_BYTES = int32 length or -1, ARRAY = int32 count; task id -1 is the connector itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcli.connect.herder.distributed.protocol import (
    CONFIG_MISMATCH,
    Assignment,
    ProtocolError,
    WorkerState,
    decode_assignment,
    decode_subscription,
    encode_assignment,
    encode_subscription,
    group_protocols,
)
from kcli.connect.task_id import TaskId


def i16(v: int) -> bytes:
    return v.to_bytes(2, "big", signed=True)


def i32(v: int) -> bytes:
    return v.to_bytes(4, "big", signed=True)


def i64(v: int) -> bytes:
    return v.to_bytes(8, "big", signed=True)


def sample(version: int = 1) -> Assignment:
    return Assignment(version=version, leader="w1", leader_url="http://h:1", offset=42, connectors=["c"],
                      tasks=[TaskId("c", 0), TaskId("c", 1), TaskId("d", 0)], revoked_connectors=["x"],
                      revoked_tasks=[TaskId("x", 2)], delay=1000)


# the assigned part of sample(), shared by every version
SAMPLE_HEAD = b"".join([
    i16(0),                                   # error NO_ERROR
    i16(2), b"w1",                            # leader
    i16(10), b"http://h:1",                   # leader url
    i64(42),                                  # config offset
    i32(2),                                   # assignment: 2 connector entries
    i16(1), b"c", i32(3), i32(-1), i32(0), i32(1),   # "c": the connector itself, tasks 0 and 1
    i16(1), b"d", i32(1), i32(0),             # "d": task 0 only
])
SAMPLE_REVOKED = i32(1) + i16(1) + b"x" + i32(2) + i32(-1) + i32(2)   # revoked: "x" connector and task 2


def test_v1_assignment_exact_bytes() -> None:
    expected = i16(1) + SAMPLE_HEAD + SAMPLE_REVOKED + i32(1000)
    assert encode_assignment(sample(1)) == expected
    assert encode_assignment(sample(2)) == i16(2) + expected[2:]


def test_v0_assignment_has_no_revoked_or_delay() -> None:
    data = encode_assignment(sample(0))
    assert data == i16(0) + SAMPLE_HEAD
    back = decode_assignment(data)
    assert (back.version, back.revoked_connectors, back.revoked_tasks, back.delay) == (0, [], [], 0)
    assert back.connectors == ["c"] and back.tasks == [TaskId("c", 0), TaskId("c", 1), TaskId("d", 0)]


def test_subscription_exact_bytes() -> None:
    state = WorkerState("http://a:8083", 7)
    v0 = i16(0) + i16(13) + b"http://a:8083" + i64(7)
    assert encode_subscription(state, 0) == v0
    assert encode_subscription(state, 1) == i16(1) + v0[2:] + i32(-1)   # null allocation
    inner = b"".join([i16(2), i16(0), i16(1), b"L", i16(1), b"u", i64(7),
                      i32(1), i16(1), b"c", i32(1), i32(-1),   # assignment: connector "c"
                      i32(0),                                  # revoked: empty array
                      i32(0)])                                 # delay
    alloc = Assignment(version=1, leader="L", leader_url="u", offset=7, connectors=["c"])
    # the embedded assignment takes the subscription's version, whatever the allocation says
    assert encode_subscription(WorkerState("http://a:8083", 7, alloc), 2) == i16(2) + v0[2:] + i32(len(inner)) + inner


@pytest.mark.parametrize("version", [0, 1, 2])
def test_assignment_round_trip(version: int) -> None:
    a = sample(version)
    back = decode_assignment(encode_assignment(a))
    if version == 0:
        a.revoked_connectors, a.revoked_tasks, a.delay = [], [], 0
    assert back == a


def test_failed_assignment_round_trip() -> None:
    a = Assignment(version=2, error=CONFIG_MISMATCH, leader="l", leader_url="u", offset=9)
    back = decode_assignment(encode_assignment(a))
    assert back.failed and back.error == CONFIG_MISMATCH and back == a


@pytest.mark.parametrize("version", [0, 1, 2])
def test_subscription_round_trip(version: int) -> None:
    state = WorkerState("http://w:8083/", 123456789012, sample(1))
    back = decode_subscription(encode_subscription(state, version))
    assert (back.url, back.offset) == (state.url, state.offset)
    if version == 0:
        assert back.allocation is None
    else:
        assert back.allocation is not None
        expected = sample(version)
        assert back.allocation == expected


@pytest.mark.parametrize("version", [1, 2])
def test_null_allocation(version: int) -> None:
    data = encode_subscription(WorkerState("u", -1, None), version)
    assert data.endswith(i32(-1))
    assert decode_subscription(data) == WorkerState("u", -1, None)


def test_null_assignment_arrays_decode_empty() -> None:
    data = i16(1) + i16(0) + i16(1) + b"l" + i16(1) + b"u" + i64(3) + i32(-1) + i32(-1) + i32(5)
    a = decode_assignment(data)
    assert (a.connectors, a.tasks, a.revoked_connectors, a.revoked_tasks, a.delay) == ([], [], [], [], 5)


def test_v1_assignment_truncated_after_assignment_array_uses_defaults() -> None:
    full = encode_assignment(sample(1))
    upto_assigned = len(i16(1) + SAMPLE_HEAD)
    a = decode_assignment(full[:upto_assigned])
    assert a.connectors == ["c"] and len(a.tasks) == 3
    assert (a.revoked_connectors, a.revoked_tasks, a.delay) == ([], [], 0)
    b = decode_assignment(full[:-4])   # only the delay missing
    assert (b.revoked_connectors, b.revoked_tasks, b.delay) == (["x"], [TaskId("x", 2)], 0)


def test_v0_subscription_trailing_allocation_absent() -> None:
    assert decode_subscription(i16(1) + i16(1) + b"u" + i64(4)) == WorkerState("u", 4, None)


def test_unicode_connector_names() -> None:
    name = "café-☕-日本"
    a = Assignment(version=2, leader="lé", leader_url="http://ü:1", offset=0, connectors=[name],
                   tasks=[TaskId(name, 3)], revoked_tasks=[TaskId("ß", 0)])
    data = encode_assignment(a)
    raw = name.encode("utf-8")
    assert i16(len(raw)) + raw + i32(2) + i32(-1) + i32(3) in data   # the length counts UTF-8 bytes
    assert decode_assignment(data) == a


@pytest.mark.parametrize(("mode", "expected"), [
    ("sessioned", [("sessioned", 2), ("compatible", 1), ("default", 0)]),
    ("compatible", [("compatible", 1), ("default", 0)]),
    ("eager", [("default", 0)]),
])
def test_group_protocols(mode: str, expected: list[tuple[str, int]]) -> None:
    state = WorkerState("http://me:8083", 11, Assignment(version=1, leader="l", leader_url="u", connectors=["c"]))
    protocols = group_protocols(mode, state)
    assert [(name, int.from_bytes(meta[:2], "big")) for name, meta in protocols] == expected
    for name, meta in protocols:
        assert meta == encode_subscription(state, dict(expected)[name])
    # the eager ("default") metadata never carries an allocation
    assert protocols[-1][1] == i16(0) + i16(14) + b"http://me:8083" + i64(11)


BAD = [
    pytest.param(b"", id="empty"),
    pytest.param(b"\x00", id="half-version"),
    pytest.param(i16(-1) + i16(0), id="negative-version"),
    pytest.param(i16(1) + i16(0) + i16(-1), id="null-leader"),
    pytest.param(i16(1) + i16(0) + i16(50) + b"short", id="string-past-end"),
    pytest.param(i16(1) + i16(0) + i16(1) + b"l" + i16(1) + b"u" + b"\x00\x00\x00", id="truncated-offset"),
    pytest.param(i16(1) + i16(0) + i16(1) + b"l" + i16(1) + b"u" + i64(0) + i32(0x7FFFFFFF), id="huge-array"),
    pytest.param(i16(1) + i16(0) + i16(1) + b"l" + i16(1) + b"u" + i64(0) + i32(1) + i16(1) + b"c" + i32(2)
                 + i32(0), id="truncated-task-array"),
]


@pytest.mark.parametrize("data", BAD)
def test_garbage_assignment_raises_protocol_error(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_assignment(data)


@pytest.mark.parametrize("data", [
    b"", b"\x00\x01", i16(-3) + i16(1) + b"u" + i64(0), i16(1) + i16(-1) + i64(0), i16(1) + i16(1) + b"u",
    i16(1) + i16(1) + b"u" + i64(0) + i32(100) + b"\x00\x01",            # allocation longer than the data
    i16(1) + i16(1) + b"u" + i64(0) + i32(4) + i16(1) + i16(0),          # allocation cut inside its fields
])
def test_garbage_subscription_raises_protocol_error(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_subscription(data)


def test_every_truncation_is_a_protocol_error_or_a_default() -> None:
    sub = encode_subscription(WorkerState("http://a:1", 5, sample(1)), 2)
    sub_fixed = 2 + 2 + 10 + 8   # version, url, offset: no defaults for these
    for n in range(len(sub)):
        if n < sub_fixed or n >= sub_fixed + 4:   # before the offset ends / inside the allocation
            with pytest.raises(ProtocolError):
                decode_subscription(sub[:n])
    assert decode_subscription(sub[:sub_fixed]) == WorkerState("http://a:1", 5, None)
    asg = encode_assignment(sample(2))
    for n in range(len(asg)):
        try:   # any other exception (IndexError, struct.error) fails the test
            decoded = decode_assignment(asg[:n])
        except ProtocolError:
            continue
        assert n >= 2 + 2 + 4 + 12 + 8 and decoded.leader == "w1"


def test_protocol_error_is_a_value_error() -> None:
    assert issubclass(ProtocolError, ValueError)


def test_invalid_utf8_becomes_replacement_characters_as_in_java() -> None:
    assert decode_subscription(i16(0) + i16(2) + b"\xff\xfe" + i64(0)).url == "\ufffd\ufffd"


names = st.text(max_size=12)
task_ids = st.builds(TaskId, names, st.integers(min_value=0, max_value=2**31 - 1))


@given(version=st.sampled_from([0, 1, 2]), connectors=st.lists(names, max_size=5),
       tasks=st.lists(task_ids, max_size=8), revoked=st.lists(names, max_size=3),
       revoked_tasks=st.lists(task_ids, max_size=4), delay=st.integers(0, 2**31 - 1),
       offset=st.integers(-1, 2**63 - 1), url=names)
def test_round_trip_property(version: int, connectors: list[str], tasks: list[TaskId], revoked: list[str],
                             revoked_tasks: list[TaskId], delay: int, offset: int, url: str) -> None:
    a = Assignment(version=version, leader="leader", leader_url=url, offset=offset, connectors=connectors,
                   tasks=tasks, revoked_connectors=revoked, revoked_tasks=revoked_tasks, delay=delay)
    back = decode_assignment(encode_assignment(a))
    assert (back.version, back.leader, back.leader_url, back.offset) == (version, "leader", url, offset)
    # connectors are sent once each; tasks are regrouped by connector on the wire, so compare as multisets
    assert back.connectors == list(dict.fromkeys(connectors))
    assert Counter(back.tasks) == Counter(tasks)
    if version == 0:
        assert (back.revoked_connectors, back.revoked_tasks, back.delay) == ([], [], 0)
    else:
        assert back.revoked_connectors == list(dict.fromkeys(revoked))
        assert Counter(back.revoked_tasks) == Counter(revoked_tasks) and back.delay == delay
    sub_version = max(version, 1)
    sub = decode_subscription(encode_subscription(WorkerState(url, offset, a), sub_version))
    assert (sub.url, sub.offset) == (url, offset)
    assert sub.allocation == decode_assignment(encode_assignment(replace(a, version=sub_version)))
