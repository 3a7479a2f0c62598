"""Cochran's Q and I² in metafor's conventions.

(Random-effects models report I² = tau²/(tau² + s²) instead, computed in
analysis.random from the same weighted sums.)
"""

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

