"""Reference: `kcli groups` and Apache's kafka-consumer-groups on the same broker and the same groups print the
same stdout (and the same notices on stderr), for inactive and active groups, classic and KIP-848 ones.

Both tools describe the very same group at the same moment, so consumer ids and hosts need no normalising.
What differs by design: Apache prints errors on stdout (`\\nError: …`) and exits 0, kcli prints the same reason
as one `kcli: error:` line on stderr and exits 1 — the tests compare the reason and the rest of stdout.
"""

from __future__ import annotations

import subprocess
from functools import partial

import pytest

from kcli.java_order import java_string_hash
from tests.helpers import concurrently, run_kcli, run_tool, wait_for
from tests.integration.test_groups import (
    apache_consumer,
    caught_up,
    commit,
    delete_groups,
    kcli_consumer,
    make_topic,
    members_settled,
)

pytestmark = [pytest.mark.broker, pytest.mark.java]


def kcli(bootstrap: str, *args: str) -> subprocess.CompletedProcess:
    return run_kcli(["groups", "--bootstrap-server", bootstrap, *args])


def apache(bootstrap: str, *args: str) -> subprocess.CompletedProcess:
    return run_tool("kafka-consumer-groups", ["--bootstrap-server", bootstrap, *args])


def both(bootstrap: str, *args: str) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    """(kcli, Apache) given the same arguments at the same moment."""
    k, a = concurrently(lambda: kcli(bootstrap, *args), lambda: apache(bootstrap, *args))
    return k, a


def _alike(args: tuple[str, ...], k: subprocess.CompletedProcess, a: subprocess.CompletedProcess) -> str:
    """stdout and stderr byte-identical, kcli exited 0; the stdout."""
    assert k.returncode == 0, (args, k.stderr)
    assert k.stdout == a.stdout, (args, k.stdout, a.stdout)
    assert k.stderr == a.stderr, (args, k.stderr, a.stderr)
    return k.stdout


def same_all(bootstrap: str, *commands: list[str]) -> list[str]:
    """Run each command through both tools, all of them side by side (the state they show does not change
    meanwhile): stdout and stderr must be byte-identical and kcli exit 0. Returns the stdouts."""
    runs = concurrently(*(partial(tool, bootstrap, *args) for args in commands for tool in (kcli, apache)))
    return [_alike(tuple(args), k, a) for args, k, a in zip(commands, runs[::2], runs[1::2], strict=True)]


def apache_error(proc: subprocess.CompletedProcess) -> tuple[str, str]:
    """(Apache's `Error: …` reason, the rest of its stdout)."""
    head, _, rest = proc.stdout.partition("\nError: ")
    reason, _, tail = rest.partition("\n")
    return reason, head + tail


@pytest.fixture
def lagging(bootstrap: str, topic_name: str):
    """An inactive group with lag on all 3 partitions (5 records each; committed 1, 2, 3)."""
    group = f"g-{topic_name}"
    make_topic(bootstrap, topic_name)
    commit(bootstrap, group, topic_name, {0: 1, 1: 2, 2: 3})
    yield group
    delete_groups(bootstrap, group)


def test_inactive_group_with_lag(bootstrap: str, lagging: str) -> None:
    out, *_ = same_all(bootstrap, *(["--describe", "--group", lagging, *extra] for extra in (
        [], ["--verbose"], ["--offsets"], ["--members"], ["--members", "--verbose"], ["--state"],
        ["--state", "--verbose"])))
    assert out.count("\n") == 5 and " 4  " in out


def test_several_groups(bootstrap: str, topic_name: str, lagging: str) -> None:
    other, third = f"{lagging}-b", f"a-{lagging}"
    commit(bootstrap, other, topic_name, {1: 5})
    commit(bootstrap, third, topic_name, {0: 0, 2: 4})
    try:
        groups = ["--group", other, "--group", lagging, "--group", third]
        same_all(bootstrap, *(["--describe", *groups, *extra] for extra in (
            [], ["--verbose"], ["--members"], ["--state"], ["--state", "--verbose"])))
    finally:
        delete_groups(bootstrap, other, third)


@pytest.mark.parametrize("protocol", ["classic", "consumer"])
def test_active_group(bootstrap: str, topic_name: str, protocol: str) -> None:
    group = f"g-{topic_name}"
    make_topic(bootstrap, topic_name)
    try:
        with apache_consumer(bootstrap, topic_name, group, protocol):
            wait_for(lambda: caught_up(bootstrap, group, 3), timeout=120, message="the consumer to catch up")
            extras = ([], ["--verbose"], ["--members"], ["--state"], ["--members", "--verbose"],
                      ["--state", "--verbose"])
            outs = same_all(bootstrap, *(["--describe", "--group", group, *extra] for extra in extras))
            out = outs[extras.index(["--members", "--verbose"])]  # CURRENT-EPOCH: a KIP-848 member's epoch, else `-`
            assert (out.splitlines()[2].split()[5] == "-") == (protocol == "classic"), out
            k, a = both(bootstrap, "--delete", "--group", group)
            assert k.returncode == 1 and k.stdout == ""
            assert apache_error(a)[0] == "Deletion of some consumer groups failed:"
            assert f"\n* {k.stderr.removeprefix('kcli: error: ').strip()}\n" in a.stdout
    finally:
        delete_groups(bootstrap, group)


def test_mixed_group(bootstrap: str, topic_name: str) -> None:
    """A consumer-protocol group with a classic member in it (KIP-848's online migration): Apache's consumer makes
    the group with group.protocol=consumer, then kcli's consumer (group.protocol=consumer) and a classic Apache
    consumer join it together (one reassignment, not two: each costs the broker's 5 s heartbeats); --verbose adds
    UPGRADED."""
    group = f"g-{topic_name}"
    make_topic(bootstrap, topic_name)
    try:
        with apache_consumer(bootstrap, topic_name, group, "consumer"):
            wait_for(lambda: members_settled(bootstrap, group, 1), timeout=120, message="the first member")
            with kcli_consumer(bootstrap, topic_name, group, "consumer"), \
                    apache_consumer(bootstrap, topic_name, group, "classic"):
                wait_for(lambda: members_settled(bootstrap, group, 3) and caught_up(bootstrap, group, 3),
                         timeout=120, message="three settled members, caught up")
                *_, out = same_all(bootstrap, *(["--describe", "--group", group, *extra] for extra in (
                    [], ["--members"], ["--state"], ["--state", "--verbose"], ["--members", "--verbose"])))
                assert out.splitlines()[1].split()[-1] == "UPGRADED"
                assert sorted(line.split()[-1] for line in out.splitlines()[2:]) == ["false", "true", "true"]
    finally:
        delete_groups(bootstrap, group)


def one_bucket(prefix: str, count: int) -> list[str]:
    """`count` group ids whose Java hashes, spread as HashMap spreads them, agree in their low 10 bits: they share
    a bucket in any table of up to 1024 entries, so only the broker's order tells them apart."""
    def bucket(name: str) -> int:
        h = java_string_hash(name)
        return (h ^ (h >> 16)) & 1023

    names, i = [f"{prefix}-0"], 1
    while len(names) < count:
        if bucket(f"{prefix}-{i}") == bucket(names[0]):
            names.append(f"{prefix}-{i}")
        i += 1
    return names


def test_list_order(bootstrap: str, topic_name: str) -> None:
    """Groups sharing a HashMap bucket come out in the order the broker listed them, as Apache's admin client
    fills its map; other tests add and remove groups meanwhile, so retry until the two tools saw the same."""
    make_topic(bootstrap, topic_name, records=1)
    groups = one_bucket(f"g-{topic_name}", 5)
    for g in groups:
        commit(bootstrap, g, topic_name, {0: 0})
    try:
        for flags in ([], ["--state", "--type"]):
            for _ in range(10):
                k, a = both(bootstrap, "--list", *flags)
                assert (k.returncode, a.returncode) == (0, 0), k.stderr
                if k.stdout == a.stdout:
                    break
            mine = [[line for line in out.splitlines() if line.split()[0] in groups] for out in (k.stdout, a.stdout)]
            assert len(mine[0]) == len(groups) and mine[0] == mine[1], flags
    finally:
        delete_groups(bootstrap, *groups)


def test_list_with_state_and_type(bootstrap: str, lagging: str) -> None:
    """Other tests add and remove groups on the shared broker meanwhile: compare the header and our group's line,
    and retry while the two tools saw different sets of groups."""
    for flags in ([], ["--state"], ["--type"], ["--state", "--type"], ["--state", "Empty,stable"],
                  ["--type", "classic"]):
        for _ in range(5):
            k, a = both(bootstrap, "--list", *flags)
            assert (k.returncode, a.returncode) == (0, 0), k.stderr
            kl, al = k.stdout.splitlines(), a.stdout.splitlines()
            if sorted(kl) == sorted(al):
                break
        assert sorted(kl) == sorted(al), flags
        mine = [line for line in kl if line.split()[0] == lagging]
        assert len(mine) == 1 and mine == [line for line in al if line.split()[0] == lagging]
        if flags:
            assert kl[0] == al[0] and kl[0].startswith("GROUP ")


def test_delete_and_delete_offsets(bootstrap: str, topic_name: str) -> None:
    """kcli acts on a pair of groups, then the same groups are made again and Apache acts on them."""
    groups = [f"g-{topic_name}-1", f"g-{topic_name}-2"]
    make_topic(bootstrap, topic_name)
    outputs = []
    for tool in (kcli, apache):
        for g in groups:
            commit(bootstrap, g, topic_name, {0: 1, 1: 1, 2: 1})
        offsets = tool(bootstrap, "--delete-offsets", "--group", groups[0], "--topic", f"{topic_name}:0,2")
        deleted = tool(bootstrap, "--delete", "--group", groups[0], "--group", groups[1])
        outputs.append((offsets.stdout, deleted.stdout, offsets.returncode, deleted.returncode))
    assert outputs[0] == outputs[1]
    assert "Successful" in outputs[0][0] and "was successful." in outputs[0][1]


def test_error_cases(bootstrap: str, topic_name: str, lagging: str) -> None:
    missing = f"g-{topic_name}-missing"
    k, a = both(bootstrap, "--describe", "--group", missing)
    assert (k.returncode, k.stdout) == (1, "")
    assert k.stderr == f"kcli: error: Group {missing} not found.\n"
    assert apache_error(a)[0].endswith(f"Group {missing} not found.")
    k, a = both(bootstrap, "--describe", "--group", lagging, "--group", missing)
    assert k.returncode == 1 and k.stdout == "" and apache_error(a)[1] == ""  # one unknown group fails them all

    for args in (["--delete", "--group", missing], ["--delete-offsets", "--group", missing, "--topic", topic_name],
                 ["--delete-offsets", "--group", lagging, "--topic", f"{topic_name}-nosuch"]):
        k, a = both(bootstrap, *args)
        assert k.returncode == 1, (args, k.stderr)
        reason = k.stderr.removeprefix("kcli: error: ").strip()
        if args[0] == "--delete":
            assert f"\n* {reason}\n" in a.stdout
        elif "Error: " in a.stdout.split("\nTOPIC")[0]:
            assert apache_error(a) == (reason, k.stdout)
        else:  # Apache reports only the partition-level error, in the table
            assert k.stdout == a.stdout
