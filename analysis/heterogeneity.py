"""Cochran's Q and I² in metafor's conventions."""

from __future__ import annotations

import numpy as np

from ._dist import chi2_sf


def q_statistic(yi: np.ndarray, wi: np.ndarray, theta: float) -> float:
    """Weighted sum of squared deviations from ``theta``, floored at 0 like metafor."""
    return max(0.0, float(wi @ ((yi - theta) ** 2)))


def q_pvalue(q: float, df: int) -> float:
    """Upper-tail chi-squared p; 1.0 when there is nothing to test (df < 1)."""
    return chi2_sf(q, df) if df >= 1 else 1.0


def i2_from_q(q: float, df: int) -> float:
    """Higgins & Thompson I² = (Q - df)/Q in percent, floored at 0 (fixed-effect models)."""
    if df < 1 or q <= 0.0:
        return 0.0
    return max(0.0, 100.0 * (q - df) / q)


def i2_from_tau2(tau2: float, vi: np.ndarray) -> float:
    """I² = tau²/(tau² + s²) in percent, with s² the "typical" within-study variance.

    This is what metafor reports for random-effects models (Higgins & Thompson
    2002, eq. 9): it coincides with the Q-based I² only for DerSimonian-Laird.
    """
    k = vi.shape[0]
    if k < 2:
        return 0.0
    wi = 1.0 / vi
    sw = float(wi.sum())
    tr_p = sw - float(wi @ wi) / sw
    vt = (k - 1) / tr_p
    return 100.0 * tau2 / (vt + tau2)
