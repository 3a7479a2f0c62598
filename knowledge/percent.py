"""Which whole counts of people reproduce a printed percentage: the arithmetic behind `from_percentage`."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def decimals(percent: str) -> int:
    return len(percent.split(".")[1]) if "." in percent else 0


def rounds_to(events: int, n: int, percent: str) -> bool:
    """Whether events/n, as a percentage rounded half up to the printed precision, prints as `percent`."""
    places = Decimal(1).scaleb(-decimals(percent))
    return (Decimal(100 * events) / Decimal(n)).quantize(places, rounding=ROUND_HALF_UP) == Decimal(percent)


def whole_counts(percent: str, n: int) -> tuple[int, ...]:
    """Every count k of n people whose percentage prints as `percent` (none when the percentage is model-based
    or its denominator is another n). Looks only near p x n, so it costs a few divisions, not n."""
    centre = float(percent) * n / 100
    half_width = 0.5 * 10 ** -decimals(percent) * n / 100 + 1
    low, high = max(0, math.floor(centre - half_width)), min(n, math.ceil(centre + half_width))
    return tuple(k for k in range(low, high + 1) if rounds_to(k, n, percent))
