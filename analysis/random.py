"""Random-effects models: tau² estimators (DL, REML, PM) and the HKSJ adjustment.

Follows metafor's rma.uni for an intercept-only model:

* DL: method of moments, truncated at 0.
* REML: the root of the restricted-likelihood score on tau² >= 0, started
  from metafor's (truncated) Hedges value and stopped when tau² changes by
  < 1e-10 (metafor's default threshold is 1e-5; the fixtures are generated
  with a tighter one), then metafor's check that tau² = 0 is not more likely.
* PM: root of the generalised Q(tau²) = k - 1, 0 if Q(0) < k - 1, found by
  safeguarded Newton steps (metafor uses uniroot with a loose default tol).
* HKSJ (metafor ``test="knha"``): se² multiplied by Q_RE/(k - 1) with *no*
  truncation at 1, t(k - 1) reference distribution; with k = 1 metafor falls
  back to a z test and so do we.
* Prediction interval (metafor ``predict()``): theta ± crit·sqrt(se² + tau²),
  crit from the normal distribution, or t(k - 1) under HKSJ.
"""

from __future__ import annotations

import math

import numpy as np

from ._dist import norm_crit, t_crit
from .effects import EffectSizes
from .fixed import Fit
from .heterogeneity import q_pvalue

REML_THRESHOLD = 1e-10
MAX_ITER = 1000
PM_TOL = 1e-13
# Up to this many studies the kernels loop over Python floats: numpy's
# per-call overhead (~1 µs per operation) dominates for a handful of studies.
SMALL_K = 48

Vec = np.ndarray | list[float]


class Sums:
    """Weighted sums at one tau², everything the estimators and the fit need.

    w = 1/(v + tau²), mu = sum(w y)/sum(w), r = y - mu.
    """

    __slots__ = ("a2", "a3", "c", "mu", "q", "sw", "sw2", "sw3")

    def __init__(self, yi: Vec, vi: Vec, tau2: float) -> None:
        if isinstance(yi, list):
            w = [1.0 / (v + tau2) for v in vi]
            sw = math.fsum(w)
            mu = math.fsum([a * b for a, b in zip(w, yi, strict=True)]) / sw
            sw2 = sw3 = q = a2 = a3 = c = 0.0
            for wi, y in zip(w, yi, strict=True):
                r = y - mu
                wr = wi * r
                w2 = wi * wi
                w2r = wi * wr
                sw2 += w2
                sw3 += w2 * wi
                q += wr * r
                a2 += w2r * r
                a3 += w2r * wr
                c += w2r
        else:
            wv = 1.0 / (vi + tau2)
            sw = float(wv.sum())
            mu = float(wv @ yi) / sw
            rv = yi - mu
            w2v = wv * wv
            w2rv = w2v * rv
            sw2, sw3, q = float(w2v.sum()), float(w2v @ wv), float(wv @ (rv * rv))
            a2, a3, c = float(w2rv @ rv), float((w2rv * wv) @ rv), float(w2rv.sum())
        self.sw, self.mu, self.sw2, self.sw3, self.q = sw, mu, sw2, sw3, q
        self.a2, self.a3, self.c = a2, a3, c

    @property
    def tr_p(self) -> float:
        """trace of P = W - w w'/sum(w)."""
        return self.sw - self.sw2 / self.sw


def _as_vec(yi: Vec, vi: Vec) -> tuple[Vec, Vec]:
    if isinstance(yi, list):
        return yi, list(vi)
    yi, vi = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    return (yi.tolist(), vi.tolist()) if yi.shape[0] <= SMALL_K else (yi, vi)


def _dl(k: int, s0: Sums) -> float:
    return max(0.0, (s0.q - (k - 1)) / s0.tr_p)


def tau2_dl(yi: Vec, vi: Vec) -> float:
    """DerSimonian-Laird moment estimator."""
    y, v = _as_vec(yi, vi)
    return 0.0 if len(y) < 2 else _dl(len(y), Sums(y, v, 0.0))


def _reml_score(s: Sums) -> tuple[float, float, float]:
    """REML score dL/dtau², its derivative, and the Fisher information."""
    tr_pp = s.sw2 - 2.0 * s.sw3 / s.sw + (s.sw2 / s.sw) ** 2
    info = 0.5 * tr_pp
    return 0.5 * (s.a2 - s.tr_p), info - (s.a3 - s.c * s.c / s.sw), info


def _reml_loglik(y: Vec, v: Vec, tau2: float, s: Sums) -> float:
    """Restricted log-likelihood up to a constant (s = Sums at tau2)."""
    log_det = math.fsum([math.log(x + tau2) for x in v]) if isinstance(v, list) else float(
        np.log(v + tau2).sum())
    return -0.5 * (log_det + math.log(s.sw) + s.q)


def _reml(y: Vec, v: Vec, s0: Sums) -> float | None:
    k = len(y)
    if isinstance(y, list):
        mean = math.fsum(y) / k
        dev2 = math.fsum([(x - mean) ** 2 for x in y])
        sv = math.fsum(v)
    else:
        dev2 = float(((y - y.mean()) ** 2).sum())
        sv = float(v.sum())
    tau2 = max(0.0, (dev2 - sv * (k - 1) / k) / (k - 1))  # Hedges start, as metafor
    lo, hi = 0.0, math.inf
    zero_checked = False
    for _ in range(MAX_ITER):
        s = s0 if tau2 == 0.0 else Sums(y, v, tau2)
        score, dscore, info = _reml_score(s)
        if score > 0.0:
            lo = tau2
        else:
            hi = tau2
        new = tau2 + (-score / dscore if dscore < 0.0 else score / info)
        if new < lo or new > hi:
            if new < lo and lo == 0.0 and not zero_checked:
                zero_checked = True
                boundary = _reml_score(s0)[0] <= 0.0  # maximum at tau² = 0
                new = 0.0 if boundary else (lo + hi) / 2.0
            else:
                new = (lo + hi) / 2.0 if math.isfinite(hi) else 2.0 * max(lo, new, 1e-8)
        done = abs(new - tau2) <= REML_THRESHOLD
        tau2 = new
        if done:
            break
    else:
        return None
    # metafor's ll0check: a local maximum less likely than tau² = 0 (only
    # possible when the likelihood falls away from 0, i.e. score(0) <= 0)
    if (tau2 > REML_THRESHOLD and _reml_score(s0)[0] <= 0.0
            and _reml_loglik(y, v, 0.0, s0) - _reml_loglik(y, v, tau2, Sums(y, v, tau2)) > 1e-12):
        return 0.0
    return tau2


def tau2_reml(yi: Vec, vi: Vec) -> float | None:
    """REML estimate of tau²; ``None`` if the search fails.

    metafor uses Fisher scoring, which can crawl (hundreds of steps) on flat
    likelihoods; we solve the same score equation with Newton steps (exact
    derivative, Fisher scoring where the likelihood is not concave), kept
    inside a bracket, from metafor's starting value. Both stop within 1e-10
    of the same maximum.
    """
    y, v = _as_vec(yi, vi)
    return 0.0 if len(y) < 2 else _reml(y, v, Sums(y, v, 0.0))


def _pm(y: Vec, v: Vec, s0: Sums) -> float | None:
    target = len(y) - 1.0
    if s0.q < target:
        return 0.0
    lo, hi, tau2, s = 0.0, math.inf, 0.0, s0
    for _ in range(MAX_ITER):
        q = s.q
        if q > target:
            lo = tau2
        else:
            hi = tau2
        # Newton on g = 1/Q - 1/(k-1); dQ/dtau² = -sum w² r²
        dg = s.a2 / (q * q)
        new = tau2 - (1.0 / q - 1.0 / target) / dg if dg > 0.0 else math.inf
        if not lo <= new <= hi:
            new = (lo + hi) / 2.0 if math.isfinite(hi) else max(2.0 * lo, 1.0)
        if abs(new - tau2) <= PM_TOL * max(1.0, tau2):
            return new
        tau2 = new
        s = Sums(y, v, tau2)
    return None


def tau2_pm(yi: Vec, vi: Vec) -> float | None:
    """Paule-Mandel estimator; ``None`` if the root search fails.

    Q(tau²) falls off roughly like 1/tau², so Newton steps are taken on
    g = 1/Q - 1/(k - 1), which is nearly linear, inside a bracket.
    """
    y, v = _as_vec(yi, vi)
    return 0.0 if len(y) < 2 else _pm(y, v, Sums(y, v, 0.0))


def random_effects(es: EffectSizes, method: str, *, hksj: bool = False, level: float = 0.95) -> Fit:
    """Random-effects model with the chosen tau² estimator."""
    ok = es.ok
    yi, vi = es.used()
    k = yi.shape[0]
    fit = Fit(k=k, raw_weights=np.zeros(ok.shape[0]))
    if k == 0:
        fit.reason = "no study has an estimable effect (k = 0 after exclusions)"
        fit.tau2 = None
        return fit
    y, v = _as_vec(yi, vi)
    s0 = Sums(y, v, 0.0)
    if k == 1:
        tau2: float | None = 0.0
    elif method == "DL":
        tau2 = _dl(k, s0)
    elif method == "REML":
        tau2 = _reml(y, v, s0)
    elif method == "PM":
        tau2 = _pm(y, v, s0)
    else:
        raise ValueError(f"unknown random-effects method {method!r}")
    if tau2 is None:
        fit.reason = f"the {method} estimator of tau² did not converge"
        fit.tau2 = None
        return fit
    fit.tau2 = tau2
    s = s0 if tau2 == 0.0 else Sums(y, v, tau2)
    theta, se = s.mu, 1.0 / math.sqrt(s.sw)
    crit = norm_crit(level)
    if hksj:
        if k > 1:
            s2w = s.q / (k - 1) if s.q > np.finfo(float).eps else 0.0  # no truncation (metafor knha)
            se *= math.sqrt(s2w)
            fit.test, fit.df = "t", k - 1
            crit = t_crit(level, k - 1)
        else:
            fit.notes.append("HKSJ needs k >= 2: z test used (as metafor does)")
    fit.theta, fit.se = theta, se
    wi = 1.0 / (vi + tau2)
    if es.all_ok:
        fit.raw_weights = wi
    else:
        fit.raw_weights[ok] = wi
    if k > 1:
        fit.Q = max(0.0, s0.q)
        fit.Q_df = k - 1
        fit.Q_pval = q_pvalue(fit.Q, fit.Q_df)
        vt = (k - 1) / s0.tr_p  # "typical" within-study variance (Higgins & Thompson 2002)
        fit.I2 = 100.0 * tau2 / (vt + tau2)
    else:
        fit.Q, fit.Q_df, fit.Q_pval, fit.I2 = 0.0, 0, 1.0, 0.0
    half = crit * math.sqrt(se * se + tau2)
    fit.pi = (theta - half, theta + half)
    return fit
