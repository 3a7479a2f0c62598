"""Binomial 95% intervals of a count of people, and whether one reproduces an interval a registry prints.

A second test of a denominator beside "the percentage fits a whole count" (knowledge/percent.py): a registry
that prints "46.1% (95% CI 39.5-52.7)" of 226 people is telling us more than the percentage, and when the
record's intervals are a known binomial interval (`wald`: the normal approximation, p +/- 1.96 sqrt(p(1-p)/n);
`clopper_pearson`: the exact interval), only the true count and n reproduce both bounds. JADE COMPARE's week-12
EASI-90 of 200 mg prints n 226, but 46.1% and 39.5-52.7 come only from 101 of 219 (its IGA denominator).
Used by `kb check` only (knowledge/registry.py); scipy is imported when an exact interval is asked for.
"""

from __future__ import annotations

import math

from .percent import decimals

METHODS = ("wald", "clopper_pearson")
Z95 = 1.959963984540054  # the 97.5th centile of the standard normal


def interval(events: int, n: int, method: str) -> tuple[float, float]:
    """The 95% interval of events/n, in percent (Wald bounds are not clipped: registries print them below 0)."""
    if method == "wald":
        p = events / n
        half = Z95 * math.sqrt(p * (1 - p) / n)
        return 100 * (p - half), 100 * (p + half)
    if method == "clopper_pearson":
        from scipy.stats import beta

        lower = 0.0 if events == 0 else float(beta.ppf(0.025, events, n - events + 1))
        upper = 1.0 if events == n else float(beta.ppf(0.975, events + 1, n - events))
        return 100 * lower, 100 * upper
    raise ValueError(f"unknown interval method '{method}' (one of {', '.join(METHODS)})")


def prints_as(value: float, printed: str) -> bool:
    """Whether `value` rounds to the printed bound at its precision (either rounding of a half)."""
    return abs(value - float(printed)) <= 0.5 * 10 ** -decimals(printed) + 1e-9


def reproduces(events: int, n: int, lower: str, upper: str, method: str) -> bool:
    """Whether events/n gives the printed interval (both bounds, at the precision printed)."""
    low, high = interval(events, n, method)
    return prints_as(low, lower) and prints_as(high, upper)


def printed(value: object) -> str:
    """A bound as the record prints it: JSON numbers keep at least one decimal (21.5, -0.42, 8.0)."""
    text = value if isinstance(value, str) else repr(float(value)) if isinstance(value, (int, float)) else ""
    return text
