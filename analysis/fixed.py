"""Fixed-effect (common-effect) models: Mantel-Haenszel, Peto, inverse-variance.

MH and Peto work on the raw counts (no continuity correction), which is why
they are preferred for sparse data; their Q and I² are computed, as in
metafor's rma.mh/rma.peto, from the corrected per-study effects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .effects import EffectSizes, Tables, effect_sizes
from .heterogeneity import i2_from_q, q_pvalue, q_statistic


@dataclass(slots=True)
class Fit:
    """Internal model output on the analysis scale (log for RR/OR)."""

    k: int
    raw_weights: np.ndarray  # one per input study, unnormalised (0 for excluded)
    theta: float | None = None
    se: float | None = None
    reason: str | None = None
    test: str = "z"
    df: int | None = None
    Q: float | None = None
    Q_df: int = 0
    Q_pval: float | None = None
    I2: float | None = None
    tau2: float | None = 0.0
    pi: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)


def _fixed_heterogeneity(fit: Fit, es: EffectSizes) -> Fit:
    """Q/I² of rma.mh and rma.peto: IV-weighted Q of the corrected yi around the pooled theta."""
    yi, vi = es.estimable_only()
    k_yi = yi.shape[0]
    if k_yi > 1:
        fit.Q = q_statistic(yi, 1.0 / vi, fit.theta)  # type: ignore[arg-type]
        fit.Q_df = k_yi - 1
        fit.Q_pval = q_pvalue(fit.Q, fit.Q_df)
        fit.I2 = i2_from_q(fit.Q, fit.Q_df)
    else:
        fit.Q, fit.Q_df, fit.Q_pval, fit.I2 = 0.0, 0, 1.0, 0.0
    return fit


def mantel_haenszel(t: Tables, measure: str, es: EffectSizes | None = None) -> Fit:
    """Mantel-Haenszel pooled RR, OR or RD.

    Variances: Greenland-Robins (RR), Robins-Breslow-Greenland (OR) and
    Sato-Greenland-Robins (RD), as in metafor's rma.mh. ``es`` are the
    per-study effects of the same measure, used for Q and I².
    """
    a, b, c, d, n1, n2 = t.ai, t.bi, t.ci, t.di, t.n1i, t.n2i
    n = n1 + n2
    fit = Fit(k=t.k, raw_weights=np.zeros(t.k))
    if measure == "RR":
        w = c * n1 / n
        r = float((a * n2 / n).sum())
        s = float(w.sum())
        if r == 0.0 or s == 0.0:
            arm = "treatment" if r == 0.0 else "control"
            fit.reason = f"no events in any {arm} arm: Mantel-Haenszel risk ratio is undefined"
        else:
            var = float((n1 * n2 * (a + c) / n**2 - a * c / n).sum()) / (r * s)
            fit.theta, fit.se = math.log(r / s), math.sqrt(var)
    elif measure == "OR":
        ri = a * d / n
        w = b * c / n
        r = float(ri.sum())
        s = float(w.sum())
        if r == 0.0 or s == 0.0:
            fit.reason = (
                "no study has both treatment events and control non-events (or the reverse): "
                "Mantel-Haenszel odds ratio is undefined"
            )
        else:
            p = (a + d) / n
            q = (b + c) / n
            var = 0.5 * (
                float(p @ ri) / r**2 + float(p @ w + q @ ri) / (r * s) + float(q @ w) / s**2
            )
            fit.theta, fit.se = math.log(r / s), math.sqrt(var)
    elif measure == "RD":
        w = n1 * n2 / n
        sw = float(w.sum())
        beta = float((a * n2 / n - c * n1 / n).sum()) / sw
        f1 = n1 / n
        f2 = n2 / n
        num = beta * float((c * f1**2 - a * f2**2 + f1 * f2 * (n2 - n1) / 2.0).sum()) + float(
            (a * (n2 - c) / n + c * (n1 - a) / n).sum()
        ) / 2.0
        var = num / sw**2
        if var <= 0.0:
            fit.reason = (
                "the Mantel-Haenszel risk difference has zero variance "
                "(no events, or only events, in every study)"
            )
        else:
            fit.theta, fit.se = beta, math.sqrt(var)
    else:
        raise ValueError(f"Mantel-Haenszel is not available for measure {measure!r}")
    if float(w.sum()) > 0.0:
        fit.raw_weights = w
    if fit.theta is not None:
        _fixed_heterogeneity(fit, es if es is not None else effect_sizes(t, measure))
    return fit


def peto(t: Tables) -> Fit:
    """Peto's one-step odds ratio (Yusuf et al. 1985), from raw counts."""
    a, n1, n2 = t.ai, t.n1i, t.n2i
    n = n1 + n2
    xt = a + t.ci
    v = xt * (t.bi + t.di) * (n1 / n) * (n2 / n) / (n - 1.0)
    o_e = a - xt * n1 / n
    sv = float(v.sum())
    fit = Fit(k=t.k, raw_weights=np.zeros(t.k))
    if sv == 0.0:
        fit.reason = "one of the two outcomes never occurred in any study: Peto odds ratio is undefined"
        return fit
    fit.raw_weights = v
    fit.theta = float(o_e.sum()) / sv
    fit.se = 1.0 / math.sqrt(sv)
    pos = v > 0.0
    k_pos = int(pos.sum())
    fit.Q = max(0.0, float((o_e[pos] ** 2 / v[pos]).sum()) - float(o_e.sum()) ** 2 / sv)
    if k_pos > 1:
        fit.Q_df = k_pos - 1
        fit.Q_pval = q_pvalue(fit.Q, fit.Q_df)
        fit.I2 = i2_from_q(fit.Q, fit.Q_df)
    else:
        fit.Q_df, fit.Q_pval, fit.I2 = 0, 1.0, 0.0
    return fit


def inverse_variance(yi: np.ndarray, vi: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Inverse-variance weighted mean: (theta, se, weights)."""
    wi = 1.0 / vi
    sw = float(wi.sum())
    return float(wi @ yi) / sw, 1.0 / math.sqrt(sw), wi


def fixed_iv(es: EffectSizes) -> Fit:
    """Inverse-variance fixed-effect model (metafor rma(method="EE"))."""
    ok = es.ok
    k_all = ok.shape[0]
    yi, vi = es.used()
    k = yi.shape[0]
    fit = Fit(k=k, raw_weights=np.zeros(k_all))
    if k == 0:
        fit.reason = "no study has an estimable effect (k = 0 after exclusions)"
        return fit
    fit.theta, fit.se, wi = inverse_variance(yi, vi)
    if es.all_ok:
        fit.raw_weights = wi
    else:
        fit.raw_weights[ok] = wi
    fit.Q = q_statistic(yi, wi, fit.theta) if k > 1 else 0.0
    fit.Q_df = max(k - 1, 0)
    fit.Q_pval = q_pvalue(fit.Q, fit.Q_df)
    fit.I2 = i2_from_q(fit.Q, fit.Q_df)
    return fit
