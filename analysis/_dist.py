"""Scalar distribution helpers.

scipy.stats frozen distributions cost ~50 µs per call, which alone would blow the 100 µs budget for pooling 8
studies; and importing scipy.special costs about a fifth of a cold `evidence-bot ask` (issue 23). So what every
answer needs is done here in pure Python: normal tails with math.erfc (as before), the 95% normal quantile as a
constant (scipy.special.ndtri(0.975), correctly rounded; tests/test_snapshot.py compares it), and the chi-squared
upper tail for whole degrees of freedom (heterogeneity Q: k - 1) by its finite sums (Abramowitz & Stegun 26.4.4
and 26.4.5), within a few units in the last place of scipy's. Student's t (the Hartung-Knapp adjustment), other
levels and other degrees of freedom still come from scipy.special, imported only then.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

SQRT2 = math.sqrt(2.0)
# Two-sided normal critical values, correctly rounded (= scipy.special.ndtri(1 - (1 - level) / 2)).
NORM_CRIT = {0.95: 1.959963984540054}
# Whole degrees of freedom up to this are summed term by term (each term positive: no cancellation); beyond,
# scipy (the terms would overflow before exp(-x/2) brings them back).
CHI2_SUM_MAX_DF = 200


def _special():
    from scipy import special

    return special


def norm_two_sided_p(z: float) -> float:
    """Two-sided normal p-value for a z statistic."""
    return math.erfc(abs(z) / SQRT2)


def norm_cdf_array(x: np.ndarray) -> np.ndarray:
    """Standard normal distribution function of each element (0.5 erfc(-x / sqrt 2))."""
    values = np.asarray(x, dtype=float)
    flat = [0.5 * math.erfc(-v / SQRT2) for v in values.ravel().tolist()]
    return np.array(flat, dtype=float).reshape(values.shape)


def t_two_sided_p(t: float, df: float) -> float:
    """Two-sided Student-t p-value."""
    return float(2.0 * _special().stdtr(df, -abs(t)))


def chi2_sf(x: float, df: float) -> float:
    """Upper tail of the chi-squared distribution."""
    if not (math.isfinite(x) and float(df).is_integer() and 1 <= df <= CHI2_SUM_MAX_DF):
        return float(_special().chdtrc(df, x))
    if x <= 0.0:
        return 1.0
    h = 0.5 * x
    n = int(df)
    if n % 2 == 0:  # exp(-h) * sum_{i < n/2} h^i / i!
        term = total = 1.0
        for i in range(1, n // 2):
            term *= h / i
            total += term
        return math.exp(-h) * total
    # erfc(sqrt h) + exp(-h) * sum_{i = 1..(n-1)/2} h^(i - 1/2) / Gamma(i + 1/2)
    term = math.sqrt(h / math.pi) * 2.0  # h^(1/2) / Gamma(3/2)
    total = 0.0
    for i in range(1, (n - 1) // 2 + 1):
        total += term
        term *= h / (i + 0.5)
    return math.erfc(math.sqrt(h)) + math.exp(-h) * total


@lru_cache(maxsize=64)
def norm_crit(level: float) -> float:
    """Two-sided normal critical value, e.g. 1.959963984540054 for level 0.95."""
    known = NORM_CRIT.get(level)
    return known if known is not None else float(_special().ndtri(1.0 - (1.0 - level) / 2.0))


@lru_cache(maxsize=256)
def t_crit(level: float, df: float) -> float:
    """Two-sided Student-t critical value with df degrees of freedom."""
    return float(_special().stdtrit(df, 1.0 - (1.0 - level) / 2.0))
