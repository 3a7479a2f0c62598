"""Absolute effects per 1000 and NNT for an assumed control risk.

Relative effects travel better between populations than absolute ones, so
GRADE/Cochrane "summary of findings" tables apply the pooled relative effect
to an assumed control risk (Cochrane Handbook 14.1.5 and 15.4.4):

* RR: treatment risk = CR·RR
* OR: treatment risk = CR·OR / (1 − CR + CR·OR)
* RD: treatment risk = CR + RD

The NNT and its confidence interval follow Altman (BMJ 1998;317:1309): the
interval is the reciprocal of the risk-difference CI, and when that CI spans
zero the NNT interval runs from an NNTB through infinity to an NNTH.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .results import NNT, AbsoluteEffect, NNTEnd, PooledResult


def treatment_risk(measure: str, effect: float, control_risk: float) -> float:
    """Risk with treatment implied by a relative (or absolute) effect and a control risk."""
    if measure == "RR":
        return control_risk * effect
    if measure == "OR":
        return control_risk * effect / (1.0 - control_risk + control_risk * effect)
    if measure == "RD":
        return control_risk + effect
    raise ValueError(f"measure must be RR, OR or RD; got {measure!r}")


def nnt_from_difference(diff: float, low: float, high: float, *, events_are_harmful: bool = True) -> NNT:
    """NNT with Altman's CI from a risk difference (treatment − control) and its CI.

    With a harmful outcome a *lower* risk on treatment is a benefit (NNTB).
    """
    if not low <= diff <= high:
        raise ValueError(f"the risk difference {diff} must lie within its CI [{low}, {high}]")
    # b = absolute benefit (risk reduction when events are harmful)
    b, b_low, b_high = (-diff, -high, -low) if events_are_harmful else (diff, low, high)

    def end(x: float, kind_if_zero: str | None = None) -> NNTEnd:
        if x == 0.0:
            return NNTEnd(None, kind_if_zero)  # type: ignore[arg-type]
        return NNTEnd(1.0 / abs(x), "NNTB" if x > 0 else "NNTH")

    point = end(b)
    if b_low > 0.0 or b_high < 0.0:  # CI excludes zero: one kind, ends in ascending order
        lo_end, hi_end = (end(b_high), end(b_low)) if b_low > 0.0 else (end(b_low), end(b_high))
        return NNT(point.value, point.kind, lo_end, hi_end, False)
    if b_low == 0.0 and b_high == 0.0:
        return NNT(point.value, point.kind, NNTEnd(None, None), NNTEnd(None, None), False)
    if b_low == 0.0:  # NNTB x to infinity
        return NNT(point.value, point.kind, end(b_high), NNTEnd(None, "NNTB"), False)
    if b_high == 0.0:  # NNTH x to infinity
        return NNT(point.value, point.kind, end(b_low), NNTEnd(None, "NNTH"), False)
    return NNT(point.value, point.kind, end(b_high), end(b_low), True)


def absolute_effect(
    measure: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    control_risk: float,
    *,
    events_are_harmful: bool = True,
) -> AbsoluteEffect:
    """Risks per 1000 and NNT from a pooled effect (back-transformed scale) and a control risk.

    ``control_risk`` is a proportion (0.12 for 12%). Treatment risks outside
    [0, 1] (possible with RR or RD) are clipped and noted.
    """
    if measure not in ("RR", "OR", "RD"):
        raise ValueError(f"measure must be RR, OR or RD; got {measure!r}")
    values = (estimate, ci_low, ci_high, control_risk)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        raise ValueError("estimate, CI and control risk must be finite numbers")
    if not 0.0 <= control_risk <= 1.0:
        raise ValueError(f"control_risk must be a proportion between 0 and 1; got {control_risk}")
    if measure != "RD" and min(estimate, ci_low, ci_high) <= 0.0:
        raise ValueError(f"a {measure} and its CI must be positive")
    if not ci_low <= estimate <= ci_high:
        raise ValueError(f"estimate {estimate} must lie within its CI [{ci_low}, {ci_high}]")
    notes: list[str] = []
    risks = []
    for effect in (estimate, ci_low, ci_high):
        r = treatment_risk(measure, effect, control_risk)
        if not 0.0 <= r <= 1.0:
            notes.append("treatment risk clipped to [0, 1]")
            r = min(1.0, max(0.0, r))
        risks.append(r)
    r, r_low, r_high = risks
    diff, d_low, d_high = r - control_risk, r_low - control_risk, r_high - control_risk
    return AbsoluteEffect(
        measure=measure,  # type: ignore[arg-type]
        control_risk=control_risk,
        events_are_harmful=events_are_harmful,
        control_per_1000=1000.0 * control_risk,
        treatment_per_1000=1000.0 * r,
        treatment_per_1000_low=1000.0 * r_low,
        treatment_per_1000_high=1000.0 * r_high,
        difference_per_1000=1000.0 * diff,
        difference_per_1000_low=1000.0 * d_low,
        difference_per_1000_high=1000.0 * d_high,
        nnt=nnt_from_difference(diff, d_low, d_high, events_are_harmful=events_are_harmful),
        notes=tuple(dict.fromkeys(notes)),
    )


def absolute_from_result(
    result: PooledResult, control_risk: float, *, events_are_harmful: bool = True
) -> AbsoluteEffect:
    """:func:`absolute_effect` for a :class:`PooledResult`; ValueError if it is undefined."""
    if not result.defined or result.estimate is None or result.ci_low is None or result.ci_high is None:
        raise ValueError(f"the pooled result is not defined: {result.reason}")
    return absolute_effect(result.measure, result.estimate, result.ci_low, result.ci_high, control_risk,
                           events_are_harmful=events_are_harmful)


def median_control_risk(ci: Sequence[int] | np.ndarray, n2i: Sequence[int] | np.ndarray) -> float:
    """Median of the control-arm risks ci/n2i (a common choice of assumed control risk)."""
    c = np.asarray(ci, dtype=float)
    n = np.asarray(n2i, dtype=float)
    if c.ndim != 1 or c.shape != n.shape or c.size == 0:
        raise ValueError("ci and n2i must be non-empty sequences of the same length")
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(n))):
        raise ValueError("ci and n2i must be finite counts")
    if np.any(c < 0) or np.any(n <= 0) or np.any(c > n):
        raise ValueError("control counts need 0 <= ci <= n2i and n2i > 0")
    return float(np.median(c / n))
