"""What the console producer tells the user: the tally of records, each failed delivery, the rate line.

Shared by the pure-Python loop (kcli.console.produce_loop) and the C one (kcli.console.produce_native); nothing
here imports confluent-kafka.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

REPORT_LIMIT = 20  # failed deliveries reported one by one; the rest are counted in the closing error


@dataclass
class Tally:
    sent: int = 0  # handed to the producer
    failed: int = 0  # delivery reports with an error
    bad_lines: int = 0  # malformed lines skipped (ignore.error / JSON)
    errors: list[str] = field(default_factory=list)
    stop_error: str | None = None  # a malformed line that ended the run


def report_failure(tally: Tally, report: Callable[[str], None], topic: str | None, partition: int | None,
                   value: bytes | None, reason: str) -> None:
    """Count one failed delivery; the first REPORT_LIMIT are told one by one, then once that more failed."""
    tally.failed += 1
    if tally.failed > REPORT_LIMIT:
        if tally.failed == REPORT_LIMIT + 1:
            report(f"more deliveries failed; only the first {REPORT_LIMIT} are shown")
        return
    preview = "null" if value is None else value[:60].decode("utf-8", "replace")
    where = topic if partition is None or partition < 0 else f"{topic} [partition {partition}]"
    report(f"delivery failed to {where}: {reason} (value '{preview}')")


class RateLine:
    """A rich status line on a TTY's stderr: records sent, records/s."""

    def __init__(self) -> None:
        from kcli.output import stderr_console

        self.console = stderr_console()
        self.status = self.console.status("starting…")
        self.start = time.monotonic()
        self.status.start()

    def __call__(self, sent: int) -> None:
        elapsed = max(time.monotonic() - self.start, 1e-6)
        self.status.update(f"{sent:,} records sent, {sent / elapsed:,.0f} records/s")

    def close(self, sent: int) -> None:
        self.status.stop()
        elapsed = max(time.monotonic() - self.start, 1e-6)
        self.console.print(f"{sent:,} records sent in {elapsed:.1f}s ({sent / elapsed:,.0f} records/s)")
