"""Binomial 95% intervals of a count of people, and whether one reproduces an interval a registry prints.

A second test of a denominator beside "the percentage fits a whole count" (knowledge/percent.py): a registry
that prints "46.1% (95% CI 39.5-52.7)" of 226 people is telling us more than the percentage, and when the
record's intervals are a known binomial interval (`wald`: the normal approximation, p +/- 1.96 sqrt(p(1-p)/n);
`clopper_pearson`: the exact interval), only the true count and n reproduce both bounds. JADE COMPARE's week-12
EASI-90 of 200 mg prints n 226, but 46.1% and 39.5-52.7 come only from 101 of 219 (its IGA denominator).
Used by `kb check` only (knowledge/registry.py); pure Python (checked against scipy in the tests).
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
        # the exact interval: P(X >= events | lower) = 0.025 and P(X <= events | upper) = 0.025
        lower = 0.0 if events == 0 else _solve(lambda p: 1 - _cdf(events - 1, n, p) - 0.025)
        upper = 1.0 if events == n else _solve(lambda p: 0.025 - _cdf(events, n, p))
        return 100 * lower, 100 * upper
    raise ValueError(f"unknown interval method '{method}' (one of {', '.join(METHODS)})")


def _cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in logs (no scipy: kb check stays quick to start)."""
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0 if k < n else 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    return min(1.0, sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                                 + i * log_p + (n - i) * log_q) for i in range(k + 1)))


def _solve(f, low: float = 0.0, high: float = 1.0) -> float:
    """The root of an increasing function on [0, 1], by bisection to double precision."""
    for _ in range(100):
        middle = (low + high) / 2
        if f(middle) < 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def prints_as(value: float, printed: str) -> bool:
    """Whether `value` rounds to the printed bound at its precision (either rounding of a half)."""
    return abs(value - float(printed)) <= 0.5 * 10 ** -decimals(printed) + 1e-9


def reproduces(events: int, n: int, lower: str, upper: str, method: str) -> bool:
    """Whether events/n gives the printed interval (both bounds, at the precision printed)."""
    low, high = interval(events, n, method)
    return prints_as(low, lower) and prints_as(high, upper)


def printed(value: object) -> str:
    """A bound as the record prints it: a string as it is, a JSON number with at least one decimal (21.5, -0.42,
    8.0), so the precision a bound is tested at is never coarser than a tenth."""
    return value if isinstance(value, str) else repr(float(value))
