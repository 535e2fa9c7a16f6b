"""kcli's Connect group-protocol codec and Apache's ConnectProtocol / IncrementalCooperativeConnectProtocol agree.

A small Java program (compiled once per module) reads one request per stdin line and prints one line:
it serializes subscriptions and assignments with Apache's own classes (we compare the BYTES with
kcli's), and deserializes the bytes kcli produced (we compare its canonical text with kcli's own
decoding). Strings travel as hex of their UTF-8; a list is "-" when empty, else comma-separated.

Java builds the assigned-connector map from a HashSet, so with more than one assigned connector the
order of the entries on the wire is Java's hash order; such cases compare decoded content as sets.
Every byte-compared case has at most one assigned connector (tasks and revocations keep list order).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

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
from tests.java_ref import compile_java

pytestmark = [pytest.mark.java, pytest.mark.slow]

JAVA = r"""
import java.io.*;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.connect.runtime.distributed.*;
import org.apache.kafka.connect.util.ConnectorTaskId;

public class ConnectProtocolRef {
  static final HexFormat HEX = HexFormat.of();
  static String str(String hex) { return new String(HEX.parseHex(hex), StandardCharsets.UTF_8); }
  static String hex(String s) { return HEX.formatHex(s.getBytes(StandardCharsets.UTF_8)); }
  static String hex(ByteBuffer b) {
    if (b == null) return "null";
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return HEX.formatHex(out);
  }
  static List<String> names(String f) {
    List<String> out = new ArrayList<>();
    if (!f.equals("-")) for (String s : f.split(",", -1)) out.add(str(s));
    return out;
  }
  static List<ConnectorTaskId> tasks(String f) {
    List<ConnectorTaskId> out = new ArrayList<>();
    if (!f.equals("-")) for (String s : f.split(",", -1)) {
      String[] p = s.split(":", -1);
      out.add(new ConnectorTaskId(str(p[0]), Integer.parseInt(p[1])));
    }
    return out;
  }
  // version error leader leaderUrl offset connectors tasks revokedConnectors revokedTasks delay | null
  static ExtendedAssignment assignment(String[] f, int i) {
    if (f[i].equals("null")) return null;
    return new ExtendedAssignment(Short.parseShort(f[i]), Short.parseShort(f[i + 1]), str(f[i + 2]), str(f[i + 3]),
        Long.parseLong(f[i + 4]), names(f[i + 5]), tasks(f[i + 6]), names(f[i + 7]), tasks(f[i + 8]),
        Integer.parseInt(f[i + 9]));
  }
  static String list(Collection<String> names) {
    StringJoiner j = new StringJoiner(",");
    for (String n : names) j.add(hex(n));
    return names.isEmpty() ? "-" : j.toString();
  }
  static String taskList(Collection<ConnectorTaskId> ids) {
    StringJoiner j = new StringJoiner(",");
    for (ConnectorTaskId t : ids) j.add(hex(t.connector()) + ":" + t.task());
    return ids.isEmpty() ? "-" : j.toString();
  }
  static String show(ConnectProtocol.Assignment a) {
    if (a == null || a == ExtendedAssignment.empty()) return "null";
    String mid = a.error() + "\t" + hex(a.leader()) + "\t" + hex(a.leaderUrl()) + "\t" + a.offset() + "\t"
        + list(a.connectors()) + "\t" + taskList(a.tasks());
    if (a instanceof ExtendedAssignment e)
      return e.version() + "\t" + mid + "\t" + list(e.revokedConnectors()) + "\t" + taskList(e.revokedTasks())
          + "\t" + e.delay();
    return "0\t" + mid + "\t-\t-\t0";
  }
  static String run(String[] f) {
    switch (f[0]) {
      case "M0":
        return hex(ConnectProtocol.serializeMetadata(new ConnectProtocol.WorkerState(str(f[1]), Long.parseLong(f[2]))));
      case "M1":
        return hex(IncrementalCooperativeConnectProtocol.serializeMetadata(
            new ExtendedWorkerState(str(f[2]), Long.parseLong(f[3]), assignment(f, 4)), Boolean.parseBoolean(f[1])));
      case "A0": {
        ExtendedAssignment a = assignment(f, 1);
        return hex(ConnectProtocol.serializeAssignment(new ConnectProtocol.Assignment(a.error(), a.leader(),
            a.leaderUrl(), a.offset(), a.connectors(), a.tasks())));
      }
      case "A1":
        return hex(IncrementalCooperativeConnectProtocol.serializeAssignment(assignment(f, 2),
            Boolean.parseBoolean(f[1])));
      case "P": {
        Iterator<JoinGroupRequestProtocol> it = f[1].equals("eager")
            ? ConnectProtocol.metadataRequest(
                new ConnectProtocol.WorkerState(str(f[2]), Long.parseLong(f[3]))).iterator()
            : IncrementalCooperativeConnectProtocol.metadataRequest(new ExtendedWorkerState(str(f[2]),
                Long.parseLong(f[3]), assignment(f, 4)), f[1].equals("sessioned")).iterator();
        StringJoiner j = new StringJoiner(" ");
        while (it.hasNext()) {
          JoinGroupRequestProtocol p = it.next();
          j.add(p.name() + "=" + HEX.formatHex(p.metadata()));
        }
        return j.toString();
      }
      default:
        break;
    }
    ByteBuffer in = ByteBuffer.wrap(HEX.parseHex(f[1]));
    try {
      switch (f[0]) {
        case "DM0": {
          ConnectProtocol.WorkerState s = ConnectProtocol.deserializeMetadata(in);
          return hex(s.url()) + "\t" + s.offset() + "\tnull";
        }
        case "DM": {
          ExtendedWorkerState s = IncrementalCooperativeConnectProtocol.deserializeMetadata(in);
          return hex(s.url()) + "\t" + s.offset() + "\t" + show(s.assignment());
        }
        case "DA0": return show(ConnectProtocol.deserializeAssignment(in));
        case "DA": return show(IncrementalCooperativeConnectProtocol.deserializeAssignment(in));
        default: throw new IllegalStateException("unknown request " + f[0]);
      }
    } catch (RuntimeException e) {
      if (e instanceof IllegalStateException) throw e;
      return "ERROR " + e.getClass().getSimpleName();
    }
  }
  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) System.out.println(run(line.split("\t", -1)));
  }
}
"""


def h(s: str) -> str:
    return s.encode("utf-8").hex()


def names(xs: list[str]) -> str:
    return ",".join(h(x) for x in xs) if xs else "-"


def tasks(ts: list[TaskId]) -> str:
    return ",".join(f"{h(t.connector)}:{t.task}" for t in ts) if ts else "-"


def spec(a: Assignment | None) -> str:
    """The Java program's text form of an assignment (its input and its output)."""
    if a is None:
        return "null"
    return "\t".join(map(str, [a.version, a.error, h(a.leader), h(a.leader_url), a.offset, names(a.connectors),
                               tasks(a.tasks), names(a.revoked_connectors), tasks(a.revoked_tasks), a.delay]))


def state_text(s: WorkerState) -> str:
    return f"{h(s.url)}\t{s.offset}\t{spec(s.allocation)}"


def kcli_decoded(cmd: str, data: bytes) -> str:
    """What kcli's decoder makes of `data`, in the Java program's text form ("ERROR" for a ProtocolError)."""
    try:
        return spec(decode_assignment(data)) if cmd.startswith("DA") else state_text(decode_subscription(data))
    except ProtocolError:
        return "ERROR"


def i16(v: int) -> bytes:
    return v.to_bytes(2, "big", signed=True)


def i32(v: int) -> bytes:
    return v.to_bytes(4, "big", signed=True)


WORKERS = [("http://w1:8083/", 0), ("", -1), ("http://é日本:1", 2**62)]
ONE = Assignment(version=1, leader="connect-1-0b1e", leader_url="http://w1:8083/", offset=17, connectors=["src"],
                 tasks=[TaskId("src", 0), TaskId("sink", 2), TaskId("src", 1)], revoked_connectors=["old", "older"],
                 revoked_tasks=[TaskId("old", 0), TaskId("zz", 4)], delay=5000)
EMPTY = Assignment(version=1, leader="l", leader_url="u", offset=3)
UNICODE = Assignment(version=1, error=CONFIG_MISMATCH, leader="lé", leader_url="http://ü/", offset=-1,
                     connectors=["café ☕"], tasks=[TaskId("café ☕", 7), TaskId("", 0)])
SINGLE = {"one": ONE, "empty": EMPTY, "unicode": UNICODE}   # at most one assigned connector: byte-comparable
MULTI = Assignment(version=1, leader="l", leader_url="u", offset=8, connectors=["a", "b", "c", "d", "e", "ä"],
                   tasks=[TaskId(c, n) for c in "aebx" for n in range(3)], revoked_connectors=["q", "r"], delay=1)

# (id, request line, the hex kcli's encoder gives for it)
ENCODE: list[tuple[str, str, str]] = []
for i, (url, offset) in enumerate(WORKERS):
    ENCODE.append((f"v0-sub-{i}", f"M0\t{h(url)}\t{offset}", encode_subscription(WorkerState(url, offset), 0).hex()))
    for alloc_id, alloc in {"null": None, **SINGLE}.items():
        for sessioned in (False, True):
            state = WorkerState(url, offset, alloc)
            ENCODE.append((f"v{1 + sessioned}-sub-{i}-{alloc_id}",
                           f"M1\t{str(sessioned).lower()}\t{h(url)}\t{offset}\t{spec(alloc)}",
                           encode_subscription(state, 2 if sessioned else 1).hex()))
        for mode in ("eager", "compatible", "sessioned"):
            offered = group_protocols(mode, WorkerState(url, offset, alloc))
            ENCODE.append((f"protocols-{mode}-{i}-{alloc_id}", f"P\t{mode}\t{h(url)}\t{offset}\t{spec(alloc)}",
                           " ".join(f"{n}={m.hex()}" for n, m in offered)))
for alloc_id, a in SINGLE.items():
    ENCODE.append((f"v0-asg-{alloc_id}", f"A0\t{spec(a)}", encode_assignment(replace(a, version=0)).hex()))
    for sessioned in (False, True):
        ENCODE.append((f"v{1 + sessioned}-asg-{alloc_id}", f"A1\t{str(sessioned).lower()}\t{spec(a)}",
                       encode_assignment(replace(a, version=2 if sessioned else 1)).hex()))

# kcli-encoded bytes for Apache to decode: (id, request line, the hex)
DECODE: list[tuple[str, str, str]] = []
for case_id, line, kcli_hex in ENCODE:
    cmd = {"M0": ["DM0", "DM"], "M1": ["DM"], "A0": ["DA0", "DA"], "A1": ["DA"]}.get(line.split("\t")[0], [])
    DECODE += [(f"{c}-{case_id}", f"{c}\t{kcli_hex}", kcli_hex) for c in cmd]

HEAD = i16(1) + i16(0) + i16(1) + b"l" + i16(1) + b"u" + (5).to_bytes(8, "big")   # v1 up to the config offset
ONE_ENTRY = i32(1) + i16(1) + b"c" + i32(1) + i32(-1)
SUB = i16(1) + i16(1) + b"u" + (5).to_bytes(8, "big")


MALFORMED = [
    pytest.param("DA", b"", id="empty"),
    pytest.param("DA", i16(-1) + HEAD[2:], id="negative-version"),
    pytest.param("DA", i16(1) + i16(0) + i16(-1), id="null-leader"),
    pytest.param("DA", HEAD + i32(1) + i16(1) + b"c" + i32(2) + i32(0), id="truncated-task-array"),
    pytest.param("DA", HEAD + i32(0x7FFFFFFF), id="huge-array"),
    pytest.param("DA", HEAD + ONE_ENTRY + i32(-1) + i32(7) + b"trailing", id="trailing-bytes-ignored"),
    pytest.param("DA", i16(3) + HEAD[2:] + ONE_ENTRY + i32(0) + i32(9), id="future-version"),
    pytest.param("DA", HEAD + ONE_ENTRY, id="missing-revoked-and-delay"),
    pytest.param("DM", SUB, id="sub-missing-allocation"),
    pytest.param("DM", SUB + i32(100) + b"\x00\x01", id="sub-allocation-past-end"),
    pytest.param("DM", SUB + i32(0), id="sub-empty-allocation"),
    # cases where a decoder must tolerate (null arrays, missing trailing fields) or reject (partial fields)
    pytest.param("DA", HEAD, id="v1-only-header"),
    pytest.param("DA", i16(0) + HEAD[2:] + i32(-1), id="v0-null-array"),
    pytest.param("DA", HEAD + ONE_ENTRY + b"\x00\x00", id="partial-revoked"),
    pytest.param("DA", HEAD + i32(1) + i16(1) + b"c" + i32(-1), id="null-task-array"),
    pytest.param("DM", SUB + b"\xff\xff", id="sub-partial-allocation"),
    pytest.param("DM", i16(0) + i16(2) + b"\xff\xfe" + (5).to_bytes(8, "big"), id="invalid-utf8"),
]


@pytest.fixture(scope="module")
def java(kafka_libs: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every request line -> the Java program's answer (one JVM for the whole module)."""
    program = compile_java(tmp_path_factory, "connectprotocolref", "ConnectProtocolRef", JAVA, kafka_libs)
    lines = [line for _, line, _ in ENCODE + DECODE]
    lines += [f"{p.values[0]}\t{p.values[1].hex()}" for p in MALFORMED]
    lines += [f"A1\t{s}\t{spec(MULTI)}" for s in ("false", "true")]
    lines += [f"DA\t{encode_assignment(MULTI).hex()}"]
    out = program.run_lines("\n".join(lines) + "\n", len(lines))
    return dict(zip(lines, out, strict=True))


@pytest.mark.parametrize(("line", "kcli_hex"), [pytest.param(line, x, id=i) for i, line, x in ENCODE])
def test_encoding_matches_apache_bytes(java: dict[str, str], line: str, kcli_hex: str) -> None:
    assert kcli_hex == java[line]


@pytest.mark.parametrize(("line", "kcli_hex"), [pytest.param(line, x, id=i) for i, line, x in DECODE])
def test_apache_decodes_kcli_bytes_like_kcli(java: dict[str, str], line: str, kcli_hex: str) -> None:
    assert kcli_decoded(line.split("\t")[0], bytes.fromhex(kcli_hex)) == java[line]


def _content(a: Assignment) -> tuple[object, ...]:
    return (a.version, a.error, a.leader, a.leader_url, a.offset, sorted(set(a.connectors)), sorted(a.tasks),
            sorted(set(a.revoked_connectors)), sorted(a.revoked_tasks), a.delay)


def _parse(text: str) -> Assignment:
    f = text.split("\t")

    def ns(x: str) -> list[str]:
        return [] if x == "-" else [bytes.fromhex(n).decode() for n in x.split(",")]

    def ts(x: str) -> list[TaskId]:
        return [] if x == "-" else [TaskId(bytes.fromhex(n).decode(), int(t)) for n, t in
                                    (p.split(":") for p in x.split(","))]

    return Assignment(int(f[0]), int(f[1]), bytes.fromhex(f[2]).decode(), bytes.fromhex(f[3]).decode(), int(f[4]),
                      ns(f[5]), ts(f[6]), ns(f[7]), ts(f[8]), int(f[9]))


@pytest.mark.parametrize("sessioned", [False, True])
def test_multi_connector_assignment_same_content(java: dict[str, str], sessioned: bool) -> None:
    version = 2 if sessioned else 1
    java_bytes = bytes.fromhex(java[f"A1\t{str(sessioned).lower()}\t{spec(MULTI)}"])
    kcli_bytes = encode_assignment(replace(MULTI, version=version))
    assert len(java_bytes) == len(kcli_bytes)   # same entries, possibly in another (hash) order
    assert _content(decode_assignment(java_bytes)) == _content(replace(MULTI, version=version))
    apache_view = _parse(java[f"DA\t{encode_assignment(MULTI).hex()}"])
    assert _content(apache_view) == _content(MULTI)


@pytest.mark.parametrize(("cmd", "data"), MALFORMED)
def test_malformed_bytes_same_verdict(java: dict[str, str], cmd: str, data: bytes) -> None:
    answer = java[f"{cmd}\t{data.hex()}"]
    assert kcli_decoded(cmd, data) == ("ERROR" if answer.startswith("ERROR") else answer)
