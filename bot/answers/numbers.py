"""How a ratio is printed, in one place: the words, the certainty reasons and the summary-of-findings picture
all show the same bound the same way (a leaf module, so that the certainty rules can use it without importing
the wording that depends on them)."""

from __future__ import annotations

import math


def fmt_ratio(value: float) -> str:
    """Two decimals below 10, one above. A bound so far from 1 that two decimals would print "0.00" (a sparse
    comparison's interval, e.g. 0.003 to 510) says "<0.01": "0.00" reads as "no risk at all"."""
    if not math.isfinite(value):
        return "\u221e" if value > 0 else "-"
    if value < 0.005:
        return "<0.01"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"
