"""The composition root of `kcli connect standalone|distributed`: stores -> Worker -> herder -> REST -> signals.

Exit codes are Apache's scripts': 1 usage, 2 a start-up error (bad worker config, broker unreachable,
port in use), 3 a connector file that fails (standalone); distributed also exits 1 when its
herder stops on an error after start-up (as Apache's herder thread does).
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
from typing import TYPE_CHECKING

from kcli.config import load_connector_file
from kcli.errors import KcliError

if TYPE_CHECKING:
    from types import FrameType

    from kcli.connect.herder.base import Herder
    from kcli.connect.herder.distributed.herder import DistributedHerder
    from kcli.connect.herder.distributed.member import KafkaGroupMember
    from kcli.connect.herder.standalone import StandaloneHerder
    from kcli.connect.rest import RestServer
    from kcli.connect.storage.kafka_log import LogFactory, TopicSpec
    from kcli.connect.worker_config import DistributedConfig, WorkerConfig

log = logging.getLogger("kcli.connect.cli.Connect")

EXIT_USAGE, EXIT_STARTUP, EXIT_CONNECTOR = 1, 2, 3


def _one_line(message: str) -> str:
    """Apache's multi-line validation message as one line: the errors, joined."""
    lines = [ln for ln in message.splitlines() if ln.strip()]
    if len(lines) > 2 and lines[0].startswith("Connector configuration is invalid"):
        return "invalid connector configuration: " + "; ".join(lines[1:-1])
    return " ".join(lines)


class _Signals:
    """SIGINT/SIGTERM set an event the foreground thread waits on."""

    def __init__(self) -> None:
        self.stop = threading.Event()

    def __enter__(self) -> _Signals:
        def on_signal(signum: int, frame: FrameType | None) -> None:
            log.info("Kafka Connect stopping (signal %s)", signal.Signals(signum).name)
            self.stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_rest(props: dict[str, str]) -> RestServer:
    from kcli.connect.rest import RestServer

    server = RestServer(None, listeners=props.get("listeners", ""), worker_config=props)
    server.start()
    return server


def _worker_config(worker_file: str, mode: str) -> WorkerConfig:
    from kcli.config import load_config
    from kcli.connect.worker_config import WorkerConfig

    try:
        return WorkerConfig.parse(load_config([worker_file]), mode=mode)
    except KcliError as exc:
        log.error("Stopping due to error: %s", exc.message)
        raise KcliError(exc.message, exit_code=EXIT_STARTUP) from None


def _settle_heap() -> None:
    """Tasks allocate many short-lived records: collect young objects less often, and keep the start-up
    heap out of full collections (measured: ~1.5x records/s on the FileStreamSource hot path)."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def run_standalone(worker_file: str, connector_files: tuple[str, ...], log_level: str | None) -> int:
    from kcli.logs import setup_logging

    setup_logging(log_level)
    from kcli.connect.errors import ConnectError

    log.info("Kafka Connect (kcli) standalone worker initializing ...")
    config = _worker_config(worker_file, "standalone")
    connectors: list[tuple[str, dict[str, str], str | None]] = []
    for path in connector_files:
        try:
            cfg, state = load_connector_file(path)
        except KcliError as exc:
            log.error("Stopping after connector error: %s", exc.message)
            raise KcliError(exc.message, exit_code=EXIT_CONNECTOR) from None
        if not cfg.get("name"):
            raise KcliError(f"Connector configuration has no 'name' ({path})", exit_code=EXIT_CONNECTOR)
        connectors.append((path, cfg, state))

    from kcli.connect.herder.standalone import StandaloneHerder

    rest: RestServer | None = None
    herder: StandaloneHerder | None = None
    with _Signals() as signals:
        try:
            try:
                rest = _start_rest(config.props)  # first, as Apache: requests get 503 until the herder is ready
                herder = StandaloneHerder(config, worker_id=rest.worker_id)
                herder.start()
                rest.herder = herder
            except (KcliError, ConnectError) as exc:
                log.error("Stopping due to error: %s", exc.message)
                raise KcliError(exc.message, exit_code=EXIT_STARTUP) from None
            for path, cfg, state in connectors:
                _create_from_file(herder, path, cfg, state)
            _settle_heap()
            log.info("Kafka Connect started")
            while not signals.stop.wait(0.5):
                pass
            return 0
        finally:
            if rest is not None:
                try:
                    rest.stop()
                except Exception as exc:
                    log.warning("Error stopping the REST server: %s", exc)
            if herder is not None:
                herder.stop()
            log.info("Kafka Connect stopped")


def _create_from_file(herder: Herder, path: str, cfg: dict[str, str], state: str | None) -> None:
    from kcli.connect.errors import ConnectError

    name = cfg["name"]
    try:
        herder.put_connector_config(name, cfg, allow_replace=False, initial_state=state)
        status = herder.connector_status(name)
    except ConnectError as exc:
        log.error("Failed to create connector for %s", path)
        log.error("Stopping after connector error: %s", exc.message)
        raise KcliError(f"{_one_line(exc.message)} ({path})", exit_code=EXIT_CONNECTOR) from None
    if status["connector"]["state"] == "FAILED":
        first = (status["connector"].get("trace") or "").strip().splitlines()[:1] or ["failed"]
        log.error("Stopping after connector error: connector %s failed: %s", name, first[0])
        raise KcliError(f"connector {name} failed to start: {first[0]} ({path})", exit_code=EXIT_CONNECTOR)


def run_distributed(worker_file: str, log_level: str | None) -> int:
    from kcli.logs import setup_logging

    setup_logging(log_level)
    from kcli.connect.errors import ConnectError
    from kcli.connect.worker_config import DistributedConfig

    log.info("Kafka Connect (kcli) distributed worker initializing ...")
    config = _worker_config(worker_file, "distributed")
    try:
        dist = DistributedConfig.parse(config.props)
    except KcliError as exc:
        log.error("Stopping due to error: %s", exc.message)
        raise KcliError(exc.message, exit_code=EXIT_STARTUP) from None
    rest: RestServer | None = None
    herder: DistributedHerder | None = None
    with _Signals() as signals:
        try:
            try:
                rest = _start_rest(config.props)
                herder = build_distributed_herder(config, dist, rest.worker_id, rest.url)
                herder.logger_levels = rest.loggers
                herder.lookup_cluster()  # as Apache, before anything starts: an unreachable broker is exit 2
            except (KcliError, ConnectError) as exc:
                log.error("Stopping due to error: %s", exc.message)
                raise KcliError(exc.message, exit_code=EXIT_STARTUP) from None
            try:
                herder.start()
            except (KcliError, ConnectError) as exc:
                log.error("Uncaught exception in herder work thread, exiting: %s", exc.message)
                herder = None
                raise KcliError(exc.message, exit_code=1) from None
            rest.herder = herder
            _settle_heap()
            log.info("Kafka Connect started")
            while not signals.stop.wait(0.5):
                if not herder.alive():
                    raise KcliError("the herder stopped on an error (see the log above)", exit_code=1)
            return 0
        finally:
            if herder is not None:
                herder.stop()
            if rest is not None:
                try:
                    rest.stop()
                except Exception as exc:
                    log.warning("Error stopping the REST server: %s", exc)
            log.info("Kafka Connect stopped")


def build_distributed_herder(config: WorkerConfig, dist: DistributedConfig, worker_id: str,
                             rest_url: str) -> DistributedHerder:
    """The stores on their internal topics, the group member and the herder (nothing started yet)."""
    from kcli.connect.herder.distributed.herder import DistributedHerder
    from kcli.connect.herder.distributed.member import KafkaGroupMember
    from kcli.connect.plugins import Plugins
    from kcli.connect.rest.forward import TaskConfigPoster
    from kcli.connect.runtime.clients import internal_client_configs, new_admin
    from kcli.connect.storage.kafka_config_store import KafkaConfigStore
    from kcli.connect.storage.kafka_log import KafkaLog, TopicSpec
    from kcli.connect.storage.kafka_offset_store import KafkaOffsetStore
    from kcli.connect.storage.kafka_status_store import KafkaStatusStore
    from kcli.connect.worker_config import topic_settings

    base = dist.client_id_base()
    admin_cfg, _, _ = internal_client_configs(config, f"{base}shared-admin")
    admin = new_admin(admin_cfg)

    def log_factory(topic: str, suffix: str, spec: TopicSpec) -> LogFactory:
        _, producer, consumer = internal_client_configs(config, f"{base}{suffix}")
        return lambda on_record: KafkaLog(topic, producer, consumer, admin, on_record, spec)

    props = config.props
    configs = KafkaConfigStore(log_factory(dist.config_topic, "configs", TopicSpec(
        dist.config_topic, 1, dist.config_replication, "config.storage.topic", "connector configurations",
        topic_settings(props, "config.storage."))))
    statuses = KafkaStatusStore(log_factory(dist.status_topic, "statuses", TopicSpec(
        dist.status_topic, dist.status_partitions, dist.status_replication, "status.storage.topic",
        "connector and task statuses", topic_settings(props, "status.storage."))))
    offsets = KafkaOffsetStore(log_factory(dist.offset_topic, "offsets", TopicSpec(
        dist.offset_topic, dist.offset_partitions, dist.offset_replication, "offset.storage.topic",
        "source connector offsets", topic_settings(props, "offset.storage."))),
        write_timeout_s=config.offset_flush_timeout_ms / 1000)

    def member(herder: DistributedHerder) -> KafkaGroupMember:
        return KafkaGroupMember(config, dist, rest_url, configs.snapshot, herder)

    return DistributedHerder(config, dist, worker_id, Plugins(config.plugin_path), configs, statuses, offsets,
                             member, rest_url, forwarder=TaskConfigPoster(props))
