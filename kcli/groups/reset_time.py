"""The two time inputs of `--reset-offsets`, read as kafka-consumer-groups 4.3.1 reads them.

`--to-datetime` goes through Kafka's Utils.getDateTime: `YYYY-MM-DDTHH:mm:SS.sss` followed by `Z`,
`+hh:mm`, `-hh:mm` or `+hh` (no zone means UTC), parsed by a strict java.text.SimpleDateFormat; text
after a valid date is ignored, as there. `--by-duration` is java.time.Duration.parse's ISO-8601
`PnDTnHnMn.nS`. A value either rejects is a usage error naming the option.
"""

from __future__ import annotations

import re

from kcli.errors import UsageError
from kcli.groups.reset import java_split

_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_YEAR_MAX = 292278994  # GregorianCalendar's largest year
_DAY_MS = 86_400_000


def _datetime_error(text: str, reason: str) -> UsageError:
    return UsageError(f"--to-datetime '{text}': {reason} (expected YYYY-MM-DDTHH:mm:SS.sss, optionally followed "
                      f"by Z, +hh:mm or -hh:mm; no zone means UTC)")


def _is_leap(year: int, julian: bool) -> bool:
    return year % 4 == 0 if julian else (year % 4 == 0 and year % 100 != 0) or year % 400 == 0


def _days_in_month(year: int, month: int, julian: bool) -> int:
    if month == 2:
        return 29 if _is_leap(year, julian) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _epoch_day(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a date in Java's default calendar: Gregorian from 1582-10-15, Julian before."""
    a = (14 - month) // 12
    y = year + 4800 - a
    m = month + 12 * a - 3
    if (year, month, day) >= (1582, 10, 15):
        jdn = day + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045
    else:
        jdn = day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    return jdn - 2440588


class _Cursor:
    """SimpleDateFormat's walk over the text: numbers after optional blanks, literals matched exactly."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def number(self) -> int | None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in "0123456789":
            self.pos += 1
        return int(self.text[start:self.pos]) if self.pos > start else None

    def literal(self, char: str) -> bool:
        if self.pos < len(self.text) and self.text[self.pos] == char:
            self.pos += 1
            return True
        return False

    def two_digits(self) -> int | None:
        chunk = self.text[self.pos:self.pos + 2]
        if len(chunk) == 2 and chunk.isascii() and chunk.isdigit():
            self.pos += 2
            return int(chunk)
        return None

    def zone(self, with_minutes: bool) -> int | None:
        """Minutes east of UTC for ISO-8601 zone `XXX` (Z, ±hh:mm) or `X` (Z, ±hh; anything after is ignored)."""
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1
        if self.literal("Z"):
            return 0
        sign = 1 if self.literal("+") else -1 if self.literal("-") else 0
        hours = self.two_digits() if sign else None
        if hours is None or hours > 23:
            return None
        minutes = 0
        if with_minutes:
            found = self.two_digits() if self.literal(":") else None
            if found is None or found > 59:
                return None
            minutes = found
        return sign * (hours * 60 + minutes)


def _parse_pattern(text: str, zone_minutes: bool) -> int | None:
    """Epoch milliseconds of `text` read with `yyyy-MM-dd'T'HH:mm:ss.SSS` + X/XXX, strictly; None if it fails."""
    cur = _Cursor(text)
    fields: list[int] = []
    for sep in ("-", "-", "T", ":", ":", ".", ""):
        value = cur.number()
        if value is None or (sep and not cur.literal(sep)):
            return None
        fields.append(value)
    offset = cur.zone(zone_minutes)
    if offset is None:
        return None
    year, month, day, hour, minute, second, millis = fields
    if not 1 <= year <= _YEAR_MAX or not 1 <= month <= 12 or hour > 23 or minute > 59 or second > 59 or millis > 999:
        return None
    julian = (year, month, day) < (1582, 10, 15)
    if not 1 <= day <= _days_in_month(year, month, julian) or (year, month) == (1582, 10) and 4 < day < 15:
        return None
    local = _epoch_day(year, month, day) * _DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millis
    return local - offset * 60_000


def parse_datetime(text: str) -> int:
    """`--to-datetime` as epoch milliseconds, exactly as Kafka's Utils.getDateTime computes them."""
    given = text
    parts = java_split(text, "T")
    if len(parts) < 2:
        raise _datetime_error(given, "it does not contain a 'T' according to ISO8601 format")
    if not any(c in parts[1] for c in "+-Z"):
        text += "Z"
    for zone_minutes in (True, False):
        millis = _parse_pattern(text, zone_minutes)
        if millis is not None:
            return millis
    raise _datetime_error(given, "not a valid date and time")


_DURATION = re.compile(r"([-+]?)P(?:([-+]?[0-9]+)D)?(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?"
                       r"(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?", re.IGNORECASE)


def _duration_error(text: str, reason: str = "not an ISO-8601 duration") -> UsageError:
    return UsageError(f"--by-duration '{text}': {reason} (expected PnDTnHnMnS, e.g. P1D, PT1H30M, PT0.5S)")


def parse_duration_nanos(text: str) -> int:
    """`--by-duration` in nanoseconds, as java.time.Duration.parse reads it (overflow included)."""
    match = _DURATION.fullmatch(text)
    if match is None or match.group(3) in ("T", "t"):
        raise _duration_error(text)
    sign, days, hours, minutes, seconds, fraction = (match.group(i) for i in (1, 2, 4, 5, 6, 7))
    if days is None and hours is None and minutes is None and seconds is None:
        raise _duration_error(text)
    total = 0
    for value, unit in ((days, 86400), (hours, 3600), (minutes, 60), (seconds, 1)):
        if value is not None:
            part = int(value)
            if not _LONG_MIN <= part <= _LONG_MAX or not _LONG_MIN <= part * unit <= _LONG_MAX:
                raise _duration_error(text, "numeric overflow")
            total += part * unit
            if not _LONG_MIN <= total <= _LONG_MAX:
                raise _duration_error(text, "numeric overflow")
    nanos = total * 1_000_000_000
    if fraction:
        frac = int((fraction + "000000000")[:9])
        nanos += -frac if seconds is not None and seconds.startswith("-") else frac
    return -nanos if sign == "-" else nanos


def duration_timestamp(text: str, now_ms: int) -> int:
    """The timestamp `--by-duration` resets to: now minus the duration, in epoch milliseconds (floored)."""
    millis = (now_ms * 1_000_000 - parse_duration_nanos(text)) // 1_000_000
    if not _LONG_MIN <= millis <= _LONG_MAX:
        raise _duration_error(text, "the moment it names is out of range")
    return millis
