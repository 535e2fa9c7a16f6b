"""Run functions of `kcli dev`: up, down, status, env, logs, libs, tool."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kcli.dev import KAFKA_VERSION, broker, connect
from kcli.dev.java import Jars, JavaMissing, jars_available, require_java, resolve_jars
from kcli.dev.paths import DEFAULT_PORT, HOST, StateDir, read_int
from kcli.dev.procs import alive, file_lock, port_open, stop
from kcli.errors import EXIT_FAILED, EXIT_OK, KcliError
from kcli.output import echo, emit_structured


def _java_or_explain() -> str:
    """Java 17+, or one line saying what is missing (Java, and the jars too when they need a network there is not)."""
    try:
        return require_java()
    except JavaMissing as exc:
        message = exc.message
        if not jars_available():
            from kcli.dev.fetch import repo_url, unreachable
            from kcli.dev.lock import read_lock

            size = read_lock(KAFKA_VERSION).total_size / 1e6
            reason = unreachable()
            if reason:
                message += (f"; the Apache Kafka {KAFKA_VERSION} jars are not cached either and {repo_url()} cannot "
                            f"be reached ({reason}): connect to the network once ({size:.0f} MB, cached) or set "
                            "KAFKA_HOME to an Apache Kafka installation")
            else:
                message += f"; the Apache Kafka {KAFKA_VERSION} jars ({size:.0f} MB) are then downloaded once"
        raise JavaMissing(message) from None


def _check_free(port: int, what: str) -> None:
    if port_open(HOST, port):
        raise KcliError(f"port {port} ({what}) is already in use by another process on {HOST}; choose another "
                        "with --port/--connect-port")


def up(state_dir: str | None, port: int, port_given: bool, with_connect: bool, connect_port: int,
       fresh: bool, profile: bool = True) -> None:
    """Start the broker (and the worker) unless it runs; a second `up` is harmless."""
    state = StateDir.of(state_dir)
    state.root.mkdir(parents=True, exist_ok=True)
    with file_lock(state.lock_file):
        pid = broker.running_pid(state)
        if pid is not None and fresh:
            _stop_all(state)
            pid = None
        if pid is not None:
            current = read_int(state.port_file) or port
            if port_given and current != port:
                raise KcliError(f"the dev broker already runs on {HOST}:{current} (pid {pid}, state {state.root}); "
                                f"`kcli dev down` first to start it on port {port}")
            port = current
            echo(f"kcli dev: broker already running on {HOST}:{port} (pid {pid})", err=True)
        else:
            _start_broker(state, port, fresh)
        bootstrap = f"{HOST}:{port}"
        url = _start_connect(state, bootstrap, connect_port) if with_connect else _connect_url(state)
    from kcli.dev.profile import save_dev_profile

    saved = save_dev_profile(bootstrap, url) if profile else None
    if saved:
        echo(f"kcli dev: profile '{saved}' points at {bootstrap} (kcli --profile {saved} …)", err=True)
    else:
        echo(f'kcli dev: point kcli at it with: eval "$(kcli dev env)"   '
             f"(export KCLI_BOOTSTRAP_SERVER={bootstrap})", err=True)


def _start_broker(state: StateDir, port: int, fresh: bool) -> None:
    java = _java_or_explain()
    jars = resolve_jars(full=True)
    _check_free(port, "the broker")
    _check_free(port + 1, "its KRaft controller, --port + 1")
    state.server_properties.write_text(broker.server_properties(state, port), encoding="utf-8")
    reused = broker.formatted(state) and not fresh
    if not reused:
        broker.format_storage(java, jars, state)
    started = time.monotonic()
    pid = broker.start(java, jars, state, port)
    try:
        broker.wait_ready(state, pid, port)
    except KeyboardInterrupt:  # Ctrl-C while waiting: leave no half-started broker behind
        stop(pid, broker.STOP_GRACE)
        state.broker_pid.unlink(missing_ok=True)
        raise
    kept = "its data kept" if reused else "fresh storage"
    echo(f"kcli dev: Apache Kafka {KAFKA_VERSION} up on {HOST}:{port} in {time.monotonic() - started:.1f} s "
         f"(pid {pid}, {kept}, state {state.root})", err=True)


def _connect_url(state: StateDir) -> str | None:
    """The REST URL of the worker `up --connect` started, while it runs."""
    port = read_int(state.connect_port_file)
    return connect.url(port) if port and connect.running_pid(state) else None


def _start_connect(state: StateDir, bootstrap: str, port: int) -> str:
    pid = connect.running_pid(state)
    if pid is not None:
        current = read_int(state.connect_port_file) or port
        echo(f"kcli dev: Connect worker already running on {connect.url(current)} (pid {pid})", err=True)
        return connect.url(current)
    _check_free(port, "the Connect REST listener")
    pid = connect.start(state, bootstrap, port)
    try:
        connect.wait_ready(state, pid, port)
    except KeyboardInterrupt:
        stop(pid, connect.STOP_GRACE)
        state.connect_pid.unlink(missing_ok=True)
        raise
    echo(f"kcli dev: Connect worker (kcli connect distributed) up on {connect.url(port)} (pid {pid}, "
         f"worker file {state.connect_properties})", err=True)
    return connect.url(port)


def _stop_all(state: StateDir) -> list[str]:
    """Stop the worker, then the broker, each only when its PID file names a live process of ours."""
    stopped = []
    for name, pid_file, pid, grace in (
        ("Connect worker", state.connect_pid, connect.running_pid(state), connect.STOP_GRACE),
        ("broker", state.broker_pid, broker.running_pid(state), broker.STOP_GRACE),
    ):
        if pid is not None:
            stop(pid, grace)
            if alive(pid):
                raise KcliError(f"the {name} (pid {pid}) did not stop, even after SIGKILL")
            stopped.append(f"{name} (pid {pid})")
        pid_file.unlink(missing_ok=True)
    return stopped


def down(state_dir: str | None) -> None:
    state = StateDir.of(state_dir)
    if not state.root.is_dir():
        echo(f"kcli dev: nothing to stop (no state in {state.root})", err=True)
        return
    with file_lock(state.lock_file):
        stopped = _stop_all(state)
    if stopped:
        echo(f"kcli dev: stopped the {' and the '.join(reversed(stopped))}; data kept in {state.root} "
             "(`kcli dev up --fresh` starts empty)", err=True)
    else:
        echo(f"kcli dev: nothing to stop (nothing `kcli dev up` started runs from {state.root})", err=True)


def _status_data(state: StateDir) -> dict[str, Any]:
    pid = broker.running_pid(state)
    port = read_int(state.port_file) or DEFAULT_PORT
    data: dict[str, Any] = {
        "state_dir": str(state.root),
        "broker": {"running": pid is not None, "pid": pid, "bootstrap": f"{HOST}:{port}",
                   "kafka_version": KAFKA_VERSION},
        "connect": None,
    }
    if state.connect_pid.exists():
        cpid = connect.running_pid(state)
        cport = read_int(state.connect_port_file)
        data["connect"] = {"running": cpid is not None, "pid": cpid, "url": connect.url(cport) if cport else None}
    return data


def status(state_dir: str | None, fmt: str) -> int:
    """0 when everything `up` started runs, 1 otherwise."""
    data = _status_data(StateDir.of(state_dir))
    running = data["broker"]["running"] and (data["connect"] is None or data["connect"]["running"])
    if not emit_structured(data, fmt):
        b = data["broker"]
        echo(f"running pid={b['pid']} bootstrap={b['bootstrap']}" if b["running"] else "stopped")
        c = data["connect"]
        if c is not None:
            echo(f"connect running pid={c['pid']} url={c['url']}" if c["running"] else "connect stopped")
    return EXIT_OK if running else EXIT_FAILED


def env(state_dir: str | None) -> None:
    """Export lines for a shell: `eval "$(kcli dev env)"`."""
    state = StateDir.of(state_dir)
    bootstrap = f"{HOST}:{read_int(state.port_file) or os.environ.get('KAFKA_DEV_PORT') or DEFAULT_PORT}"
    echo(f"export KCLI_BOOTSTRAP_SERVER={bootstrap}")
    echo(f"export KCLI_TEST_BOOTSTRAP={bootstrap}")
    url = _connect_url(state)
    if url:
        echo(f"export KCLI_CONNECT_URL={url}")
    echo(f"export KAFKA_DEV_LIBS={resolve_jars().libs}")


def libs(verify: bool) -> None:
    echo(str(resolve_jars(full=verify).libs))


def logs(state_dir: str | None, of_connect: bool, lines: int | None, follow: bool) -> None:
    state = StateDir.of(state_dir)
    path = state.connect_log if of_connect else state.broker_log
    if not path.is_file():
        raise KcliError(f"no {'Connect worker' if of_connect else 'broker'} log in {state.root} "
                        "(`kcli dev up` starts one)")
    _print_log(path, lines, follow, (connect.running_pid if of_connect else broker.running_pid), state)


def _print_log(path: Path, lines: int | None, follow: bool, running: Callable[[StateDir], int | None],
               state: StateDir) -> None:
    out = sys.stdout.buffer
    with open(path, "rb") as handle:
        if lines is None:
            out.write(handle.read())
        else:
            tail = handle.read().splitlines(keepends=True)[-lines:] if lines else []
            out.writelines(tail)
        out.flush()
        while follow:  # until Ctrl-C, or the process stops
            chunk = handle.read()
            if chunk:
                out.write(chunk)
                out.flush()
            elif running(state) is None:
                return
            else:
                time.sleep(0.25)


def tool(name: str, args: list[str]) -> None:
    """Replace this process with Apache's tool (signals and the exit code are the tool's own)."""
    from kcli.dev.java import find_java, tool_argv, tool_main

    main = tool_main(name)
    java = find_java()
    jars: Jars = resolve_jars()
    argv = tool_argv(java, jars, main, args)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(java, argv)
