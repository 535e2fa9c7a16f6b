"""Forwarding between workers (kcli.connect.rest.forward): Apache's hop rule, the relayed answers, the 409s.

The worker that cannot serve a write is the REST app over a FakeHerder raising NotLeaderError; the
worker it forwards to is a small real HTTP server on loopback recording what it received.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from kcli.connect.errors import NotLeaderError, RebalanceNeededError
from kcli.connect.rest import create_app
from kcli.connect.rest.forward import NO_LEADER, STALE, TWO_HOPS, target_url
from tests.unit.test_rest_app import FakeHerder


class Leader(BaseHTTPRequestHandler):
    """Answers every request with the status and body the test set; remembers the requests."""

    seen: list[dict[str, Any]] = []
    answer: tuple[int, Any] = (204, None)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Leader.seen.append({"method": self.command, "path": self.path, "body": body, "headers": dict(self.headers)})
        status, payload = Leader.answer
        data = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def leader() -> Iterator[str]:
    Leader.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Leader)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)  # quick shutdown()
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class Follower(FakeHerder):
    """A worker that is not the leader: every write raises NotLeaderError with `leader_url`."""

    def __init__(self, leader_url: str | None) -> None:
        super().__init__()
        self.leader_url = leader_url

    def delete_connector(self, name: str) -> None:
        raise NotLeaderError("Only the leader can delete connector configs.", self.leader_url)

    def restart_connector(self, name: str, include_tasks: bool = False, only_failed: bool = False) -> Any:
        raise NotLeaderError("Only the leader can process restart requests.", self.leader_url)

    def stop_connector(self, name: str) -> None:
        raise RebalanceNeededError()


def _client(leader_url: str | None) -> TestClient:
    return TestClient(create_app(Follower(leader_url), {}))


def test_target_url_keeps_query_parameters() -> None:
    assert target_url("http://w:1/", "/connectors/a/restart", {"includeTasks": "true", "forward": "x"}, True) == \
        "http://w:1/connectors/a/restart?forward=true&includeTasks=true"
    assert target_url("http://w:1", "connectors/a", {}, False) == "http://w:1/connectors/a?forward=false"


def test_first_hop_forwards_with_forward_true_and_relays_the_answer(leader: str) -> None:
    Leader.answer = (202, {"name": "a", "connector": {"state": "RESTARTING", "worker_id": "w:2"}, "tasks": []})
    resp = _client(leader).post("/connectors/a/restart?includeTasks=true", headers={"Authorization": "Basic eDp5"})
    assert resp.status_code == 202 and resp.json()["connector"]["state"] == "RESTARTING"
    (seen,) = Leader.seen
    assert seen["method"] == "POST" and seen["path"] == "/connectors/a/restart?forward=true&includeTasks=true"
    assert seen["headers"]["Authorization"] == "Basic eDp5"
    assert seen["headers"]["User-Agent"] == "kafka-connect"


def test_second_hop_forwards_with_forward_false(leader: str) -> None:
    Leader.answer = (204, None)
    resp = _client(leader).delete("/connectors/a?forward=true")
    assert resp.status_code == 204 and resp.content == b""
    assert Leader.seen[0]["path"] == "/connectors/a?forward=false"


def test_third_hop_is_a_conflict(leader: str) -> None:
    resp = _client(leader).delete("/connectors/a?forward=false")
    assert resp.status_code == 409 and resp.json() == {"error_code": 409, "message": TWO_HOPS}
    assert Leader.seen == []


def test_no_known_leader_is_a_conflict() -> None:
    resp = _client(None).delete("/connectors/a")
    assert resp.status_code == 409 and resp.json()["message"] == NO_LEADER


def test_a_pending_rebalance_is_a_conflict() -> None:
    resp = _client(None).put("/connectors/a/stop")
    assert resp.status_code == 409 and resp.json()["message"] == STALE


def test_errors_of_the_target_are_relayed(leader: str) -> None:
    Leader.answer = (404, {"error_code": 404, "message": "Connector a not found"})
    resp = _client(leader).delete("/connectors/a")
    assert resp.status_code == 404 and resp.json() == {"error_code": 404, "message": "Connector a not found"}


def test_an_unreachable_target_is_a_500() -> None:
    resp = _client("http://127.0.0.1:9/").delete("/connectors/a")
    assert resp.status_code == 500
    assert resp.json()["message"].startswith("IO Error trying to forward REST request:")
