"""How a ratio is printed, in one place: the words, the certainty reasons and the summary-of-findings picture
all show the same bound the same way (a leaf module, so that the certainty rules can use it without importing
the wording that depends on them)."""

from __future__ import annotations

import math


def fmt_ratio(value: float) -> str:
    """Two decimals below 10, one above. A bound so far from 1 that two decimals would print "0.00" (a sparse
    comparison's interval, e.g. 0.003 to 510) says "<0.01": "0.00" reads as "no risk at all". Some callers
    (the validation table) pass published mean differences through here too, so zero and negatives print as
    before."""
    if not math.isfinite(value):
        return "\u221e" if value > 0 else "-"
    if 0 < value < 0.005:  # a ratio is never 0 or below; a difference (MD, RD) that reaches here keeps its sign
        return "<0.01"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"
