"""The console producer over the C producer (kcli.native): plain lines, every record acked or reported.

The pure-Python loop (kcli.console.produce_loop) does the rest — keys, headers, null markers, JSON input, --sync.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kcli.console.produce_report import Tally, report_failure
from kcli.console.reach import Unanswered, await_answer
from kcli.console.reader import CHUNK, Read1

if TYPE_CHECKING:
    from kcli.native._ext import Producer

FLUSH_STEP_MS = 500  # per flush() call, so Ctrl-C is seen while waiting for acks


class NativeSender:
    """Hands input chunks to the C producer; failed deliveries are counted and told as the Python loop tells them."""

    def __init__(self, producer: Producer, topic: str, report: Callable[[str], None]) -> None:
        self.producer, self.topic, self.report = producer, topic, report
        self.tally = Tally()

    def await_broker(self, bootstrap: str, wait: float) -> None:
        """The topic's metadata within `wait` seconds, else the one-line error naming the bootstrap."""
        def ask(timeout: float) -> None:
            reason = self.producer.metadata(max(1, round(timeout * 1000)))
            if reason is not None:
                raise Unanswered(reason)

        await_answer(ask, bootstrap, wait)

    def _settle(self) -> None:
        failed, details = self.producer.take_failures()
        for partition, reason, preview in details:
            report_failure(self.tally, self.report, self.topic, partition, preview, reason)
        self.tally.failed = failed  # the C producer keeps the details of the first few between two looks only

    def pump(self, source: Read1, progress: Callable[[int], None] | None = None) -> Tally:
        """Send every line of `source` (the last one may lack its line terminator)."""
        while True:
            chunk = source.read1(CHUNK)
            self.tally.sent = self.producer.send(chunk, not chunk)
            self._settle()
            if progress:
                progress(self.tally.sent)
            if not chunk:
                return self.tally

    def flush(self) -> None:
        """Wait for every ack (a second Ctrl-C ends the wait)."""
        while self.producer.flush(FLUSH_STEP_MS):
            self._settle()
        self._settle()

