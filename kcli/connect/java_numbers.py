"""Java's Double.toString / Float.toString of a Python float (shared by the JSON writer and the console)."""

from __future__ import annotations

import decimal
import math
import struct


def _java_float_text(digits: str, exp: int, negative: bool) -> str:
    """Java's Double/Float.toString layout for the decimal digits d1.d2d3... × 10^exp."""
    sign = "-" if negative else ""
    if -3 <= exp < 7:
        if exp >= 0:
            int_part = digits[: exp + 1].ljust(exp + 1, "0")
            frac = digits[exp + 1:] or "0"
        else:
            int_part = "0"
            frac = "0" * (-exp - 1) + digits
        return f"{sign}{int_part}.{frac}"
    frac = digits[1:] or "0"
    return f"{sign}{digits[0]}.{frac}E{exp}"


def _shortest_digits(value: float, single: bool) -> tuple[str, int]:
    """The shortest decimal digits that read back as `value` (in float32 when `single`), and the exponent."""
    text = repr(value)
    if single:
        packed = struct.pack(">f", value)
        for precision in range(1, 10):
            text = f"{value:.{precision - 1}e}"
            try:
                if struct.pack(">f", float(text)) == packed:
                    break
            except OverflowError:
                continue
    _, digits, exponent = decimal.Decimal(text).normalize().as_tuple()
    return "".join(map(str, digits)), len(digits) + int(exponent) - 1


def java_double_str(value: float, single: bool = False) -> str:
    """Java's Double.toString (or Float.toString when `single`) of a finite or special value."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    digits, exp = _shortest_digits(abs(value), single)
    return _java_float_text(digits, exp, value < 0)
