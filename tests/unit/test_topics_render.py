"""Apache's describe layout, structured output and option validation (no broker)."""

from __future__ import annotations

import pytest

from kcli.cli.main import main
from kcli.errors import UsageError
from kcli.topics.actions import TopicArgs, parse_duration
from kcli.topics.render import configs_text, describe_text, partition_line, topic_dict, topic_line
from kcli.topics.service import ConfigItem, PartitionInfo, TopicInfo


def _topic() -> TopicInfo:
    return TopicInfo(
        name="t", topic_id="_7-nQJdvSjKx4m-XVqN6og",
        partitions=[PartitionInfo(0, 1, [1, 2], [1, 2]), PartitionInfo(1, None, [2, 1], [], None, None)],
        configs=[ConfigItem("min.insync.replicas", "1", "DYNAMIC_DEFAULT_BROKER_CONFIG", False),
                 ConfigItem("cleanup.policy", "compact", "DYNAMIC_TOPIC_CONFIG", False,
                            synonyms=[("DYNAMIC_TOPIC_CONFIG", "cleanup.policy", "compact")]),
                 ConfigItem("retention.ms", "604800000", "DEFAULT_CONFIG", True)],
    )


def test_topic_line_is_apaches() -> None:
    assert topic_line(_topic()) == ("Topic: t\tTopicId: _7-nQJdvSjKx4m-XVqN6og\tPartitionCount: 2\t"
                                    "ReplicationFactor: 2\tConfigs: min.insync.replicas=1,cleanup.policy=compact")


def test_partition_lines() -> None:
    t = _topic()
    assert partition_line("t", t.partitions[0]) == (
        "\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1,2\tElr: \tLastKnownElr: ")
    assert partition_line("t", t.partitions[1]) == (
        "\tTopic: t\tPartition: 1\tLeader: none\tReplicas: 2,1\tIsr: \tElr: N/A\tLastKnownElr: N/A")


def test_describe_text_and_dict() -> None:
    t = _topic()
    text = describe_text([(t, True, t.partitions)])
    assert text.count("\n") == 3 and text.endswith("\n")
    data = topic_dict(t)
    assert data["configs"] == {"min.insync.replicas": "1", "cleanup.policy": "compact"}
    assert data["partitions"][1]["leader"] is None and data["replication_factor"] == 2


def test_configs_text_is_kafka_configs_layout() -> None:
    items = [c for c in _topic().configs if c.source == "DYNAMIC_TOPIC_CONFIG"]
    assert configs_text("t", items, False) == (
        "Dynamic configs for topic t are:\n"
        "  cleanup.policy=compact sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact}\n")


def test_parse_duration() -> None:
    assert parse_duration(None) == 30.0
    assert parse_duration("1500ms") == 1.5
    assert parse_duration("5m") == 300
    # bare numbers are milliseconds, as for every other kcli --timeout (kcli.durations)
    assert parse_duration("7000") == 7
    with pytest.raises(UsageError, match="--timeout"):
        parse_duration("0s")
    with pytest.raises(UsageError, match="--timeout expects a duration"):
        parse_duration("soon")


def test_fill_from_parent() -> None:
    child = TopicArgs(names=("a",))
    child.fill_from(TopicArgs(timeout="5s", names=("ignored",), output="json"))
    assert (child.timeout, child.names, child.output) == ("5s", ("a",), "json")


@pytest.mark.parametrize("argv, message", [
    (["topics", "--list", "--describe"], "exactly one action"),
    ([], "exactly one action"),
    (["topics", "--alter", "--topic", "x", "--config", "a=b"], "kcli topics config set"),
    (["topics", "--alter", "--topic", "x"], "--partitions"),
    (["topics", "--create"], "--topic"),
    (["topics", "--list", "--partitions", "3"], "--partitions can't be used with --list"),
    (["topics", "--create", "--topic", "x", "--if-exists"], "--if-exists"),
    (["topics", "--describe", "--topics-with-overrides", "--under-replicated-partitions"], "can't be used"),
    (["topics", "--create", "--topic", "x", "--replica-assignment", "1", "--partitions", "1"], "replica-assignment"),
    (["topics", "--create", "--topic", "x", "--config", "oops"], "key=val"),
    (["topics", "--list", "--timeout", "soon"], "--timeout expects a duration"),
    (["topics", "--list", "--topic", "(x"], "invalid regex"),
    (["topics", "--list", "list"], "cannot be combined"),
])
def test_usage_errors_exit_2_with_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    if not argv:
        argv = ["topics"]
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--bootstrap-server", "127.0.0.1:9"])
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert message in err
    assert err.startswith("kcli: error: ") and err.count("\n") == 1


def test_delete_config_prints_apache_notice(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["topics", "--alter", "--topic", "x", "--delete-config", "a", "--bootstrap-server", "127.0.0.1:9"])
    assert "delete-config option is no longer supported" in capsys.readouterr().err


def test_help_does_not_import_confluent_kafka() -> None:
    import subprocess
    import sys

    code = ("import sys; from kcli.cli.main import main\n"
            "try:\n    main(['topics', '--help'])\nexcept SystemExit: pass\n"
            "assert 'confluent_kafka' not in sys.modules, 'confluent_kafka imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "--create" in proc.stdout and "NAME:PARTITIONS:REPLICAS" in proc.stdout
