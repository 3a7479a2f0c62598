"""Adjusted indirect comparison through a common comparator (Bucher et al., J Clin Epidemiol 1997;50:683-91).

From A vs placebo and B vs placebo, pooled with the same measure and model: on the analysis scale (log for
ratios, plain for risk differences) theta(A vs B) = theta(A) - theta(B), var = var(A) + var(B). The two
sets of trials must not share a trial (they are independent), which the caller guarantees. The result is
not randomised: it inherits every difference between the two sets of trials (populations, background
therapy, time points, definitions), which is why the wording says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._dist import norm_crit
from .results import PooledResult


@dataclass(frozen=True, slots=True)
class IndirectResult:
    measure: str  # RR, OR or RD
    theta: float  # analysis scale: log ratio, or risk difference
    se: float
    estimate: float  # back-transformed
    ci_low: float
    ci_high: float
    level: float


def bucher(theta_a: float, se_a: float, theta_b: float, se_b: float, measure: str,
           level: float = 0.95) -> IndirectResult:
    """A vs B from A vs common comparator and B vs common comparator (analysis-scale estimates and SEs)."""
    if se_a < 0 or se_b < 0 or not all(math.isfinite(v) for v in (theta_a, se_a, theta_b, se_b)):
        raise ValueError("estimates and standard errors must be finite, SEs non-negative")
    theta = theta_a - theta_b
    se = math.sqrt(se_a ** 2 + se_b ** 2)
    z = norm_crit(level)
    low, high = theta - z * se, theta + z * se
    if measure == "RD":
        return IndirectResult(measure, theta, se, theta, low, high, level)
    return IndirectResult(measure, theta, se, math.exp(theta), math.exp(low), math.exp(high), level)


def bucher_from_results(a: PooledResult, b: PooledResult, level: float = 0.95) -> IndirectResult | None:
    """The indirect comparison of two pooled results, or None when either has no estimate or they differ in
    measure or model (mixing them would compare unlike with unlike)."""
    if not (a.defined and b.defined) or a.theta is None or b.theta is None or a.se is None or b.se is None:
        return None
    if a.measure != b.measure or a.method != b.method or a.hksj != b.hksj:
        return None
    return bucher(a.theta, a.se, b.theta, b.se, a.measure, level)
