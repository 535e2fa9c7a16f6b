"""kcli.connectors.lag without a broker: the group of a sink, what counts as caught up, the wait, the rows."""

from __future__ import annotations

import pytest

from kcli.clients import ClientOptions
from kcli.connectors import lag, render
from kcli.errors import KcliError, UsageError
from kcli.groups.offsets import PartitionLag


def rows(*items: tuple[int | None, int | None]) -> lag.SinkLag:
    return lag.SinkLag("s", "connect-s", [PartitionLag("t", i, c, e) for i, (c, e) in enumerate(items)])


def test_group_of_a_sink() -> None:
    assert lag.group_of("s", {}) == "connect-s"
    assert lag.group_of("s", {"consumer.override.group.id": "mine"}) == "mine"


def test_caught_up_and_totals() -> None:
    assert rows((5, 5), (0, 0)).caught_up
    assert rows((5, 5), (None, 0)).caught_up  # an empty partition never gets a commit
    behind = rows((3, 5), (None, 4))
    assert (behind.total, behind.unknown, behind.caught_up) == (2, 1, False)
    assert behind.summary() == "lag 2 over 2 partitions, 1 with nothing committed yet"
    doc = behind.as_json()
    assert doc["total_lag"] == 2 and doc["partitions"][1] == {"topic": "t", "partition": 1, "current_offset": None,
                                                             "log_end_offset": 4, "lag": None}
    assert render.lag_rows(doc)[1] == [("t", 0, 3, 5, 2), ("t", 1, "-", 4, "-"), ("TOTAL", "", "", "", "2+")]


def test_wait_caught_up_polls_until_zero_or_the_timeout() -> None:
    now = [0.0]
    seen = iter([rows((1, 5)), rows((4, 5)), rows((5, 5))])

    def sleep(seconds: float) -> None:
        now[0] += seconds

    result, ok = lag.wait_caught_up(lambda: next(seen), 10, clock=lambda: now[0], sleep=sleep)
    assert ok and result.total == 0 and now[0] == 2.0
    now[0] = 0.0
    result, ok = lag.wait_caught_up(lambda: rows((1, 5)), 2.5, clock=lambda: now[0], sleep=sleep)
    assert not ok and result.total == 4 and now[0] == 2.5


def test_a_bootstrap_server_must_be_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KCLI_BOOTSTRAP_SERVER", raising=False)
    with pytest.raises(UsageError, match="pass --bootstrap-server HOST:PORT"):
        lag.kafka_config(ClientOptions(), "s", {})
    assert lag.kafka_config(ClientOptions(), "s", {"consumer.override.bootstrap.servers": "k:1"})[
        "bootstrap.servers"] == "k:1"
    assert lag.kafka_config(ClientOptions("b:9"), "s", {})["bootstrap.servers"] == "b:9"
    assert lag.kafka_config(ClientOptions(properties=("bootstrap.servers=x:2",)), "s", {})[
        "bootstrap.servers"] == "x:2"
    monkeypatch.setenv("KCLI_BOOTSTRAP_SERVER", "e:3")
    assert lag.given_kafka_config(ClientOptions()) is not None


def test_a_source_connector_has_no_lag() -> None:
    class Client:
        def get(self, name: str) -> object:
            return type("R", (), {"body": {"name": name, "type": "source", "config": {}}})()

    with pytest.raises(KcliError, match="is a source connector"):
        lag.sink_config(Client(), "src")
