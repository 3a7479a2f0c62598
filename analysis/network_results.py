"""What a network meta-analysis returns: frozen records, built by analysis/network.py.

Every estimate is kept on the model scale (log OR, log RR, or the risk difference) with its standard error,
and on the reporting scale (ratio or difference) with its 95% Wald interval, so that a reader can recompute
one from the other. The result holds the treatment effects against the reference and their covariance, from
which any pair and the P-scores follow without refitting.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ._dist import norm_cdf_array, norm_crit, norm_two_sided_p

LEVEL = 0.95


@dataclass(frozen=True, slots=True)
class NetworkEstimate:
    """``treatment`` against ``versus``: estimate (ratio for OR/RR, difference for RD) and 95% interval."""

    treatment: str
    versus: str
    estimate: float  # ratio scale for OR/RR; the difference for RD
    ci_low: float
    ci_high: float
    log_estimate: float  # the model-scale value (log OR / log RR; equals estimate for RD)
    se: float  # on the model scale

    @property
    def z(self) -> float:
        return self.log_estimate / self.se if self.se > 0 else math.nan

    @property
    def p_value(self) -> float:
        """Two-sided Wald p-value of no difference."""
        return norm_two_sided_p(self.z) if self.se > 0 else math.nan

    def flipped(self) -> NetworkEstimate:
        """``versus`` against ``treatment``: the same evidence, the other way round."""
        return make_estimate(_measure_of(self), self.versus, self.treatment, -self.log_estimate, self.se)


def _measure_of(e: NetworkEstimate) -> str:
    # an RD estimate is its own model-scale value; a ratio is exp of it, and exp(x) > x for every real x
    return "RD" if e.estimate == e.log_estimate else "OR"


def make_estimate(measure: str, treatment: str, versus: str, value: float, se: float) -> NetworkEstimate:
    """An estimate from its model-scale value and standard error (95% Wald interval)."""
    value, se = float(value), float(se)
    half = norm_crit(LEVEL) * se
    lo, hi = value - half, value + half
    if measure == "RD":
        return NetworkEstimate(treatment, versus, value, lo, hi, value, se)
    return NetworkEstimate(treatment, versus, _exp(value), _exp(lo), _exp(hi), value, se)


def _exp(x: float) -> float:
    """exp that gives inf past the float range, as R does: a back-calculated indirect estimate with almost no
    indirect evidence can have a standard error in the thousands on the log scale."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


@dataclass(frozen=True, slots=True)
class SplitEstimate:
    """One pair with direct evidence, split as netmeta's netsplit does it (back-calculation)."""

    treatment: str
    versus: str
    network: NetworkEstimate
    direct: NetworkEstimate
    indirect: NetworkEstimate | None  # None when all evidence for the pair is direct
    k_direct: int  # studies that compare the two directly
    p_difference: float | None  # p-value of direct vs indirect
    direct_share: float  # var(network) / var(direct): the share of the network estimate from direct evidence

    def flipped(self) -> SplitEstimate:
        return SplitEstimate(self.versus, self.treatment, self.network.flipped(), self.direct.flipped(),
                             None if self.indirect is None else self.indirect.flipped(), self.k_direct,
                             self.p_difference, self.direct_share)


class DisconnectedNetwork(ValueError):
    """The treatments fall into separate networks that no study links; ``components`` names them."""

    def __init__(self, components: tuple[tuple[str, ...], ...]) -> None:
        self.components = components
        listed = "; ".join("{" + ", ".join(c) + "}" for c in components)
        super().__init__(f"the network is disconnected: no study links these {len(components)} groups of "
                         f"treatments: {listed}")


@dataclass(frozen=True, slots=True)
class NetworkResult:
    """A fitted network. ``coefficients`` are the model-scale effects of ``treatments`` (in that order)
    against the reference (0 for the reference itself) and ``covariance`` their covariance matrix."""

    measure: str
    model: str
    reference: str
    treatments: tuple[str, ...]
    studies: tuple[str, ...]  # used
    excluded: tuple[str, ...]  # studies left out (no events or only events in all arms), named
    k: int
    tau2: float
    Q: float
    df: int
    estimates: tuple[NetworkEstimate, ...]  # every other treatment vs the reference
    splits: tuple[SplitEstimate, ...]
    Q_pval: float | None = None  # None when df = 0
    corrected: tuple[str, ...] = ()  # studies given 0.5 events and 1 participant more in every arm (zero cells)
    coefficients: tuple[float, ...] = field(default=(), repr=False)
    covariance: tuple[tuple[float, ...], ...] = field(default=(), repr=False)

    def _index(self, name: str) -> int:
        try:
            return self.treatments.index(name)
        except ValueError:
            raise ValueError(f"{name!r} is not a treatment of this network") from None

    def pair(self, treatment: str, versus: str) -> NetworkEstimate:
        """``treatment`` against ``versus``, for any two treatments of the network."""
        i, j = self._index(treatment), self._index(versus)
        if i == j:
            raise ValueError(f"a treatment is not compared with itself ({treatment!r})")
        c = self.covariance
        var = c[i][i] + c[j][j] - 2.0 * c[i][j]
        return make_estimate(self.measure, treatment, versus, self.coefficients[i] - self.coefficients[j],
                             math.sqrt(max(var, 0.0)))

    def pairs(self) -> tuple[NetworkEstimate, ...]:
        """Every unordered pair once, as (treatments[i], treatments[j]) with i < j."""
        t = self.treatments
        return tuple(self.pair(t[i], t[j]) for i in range(len(t)) for j in range(i + 1, len(t)))

    def split(self, treatment: str, versus: str) -> SplitEstimate | None:
        """The direct/indirect split of a pair, oriented as asked; None when no study compares the two."""
        for s in self.splits:
            if (s.treatment, s.versus) == (treatment, versus):
                return s
            if (s.treatment, s.versus) == (versus, treatment):
                return s.flipped()
        self._index(treatment)  # an unknown name is an error, not "no direct evidence"
        self._index(versus)
        return None

    def p_scores(self, larger_is_better: bool = True) -> Mapping[str, float]:
        """P-scores (Rücker & Schwarzer, BMC Med Res Methodol 2015;15:58): for each treatment, the mean over
        the others of the one-sided probability that it is better, Phi((mu_i - mu_j) / se_ij)."""
        return MappingProxyType(dict(zip(self.treatments, p_scores(
            np.asarray(self.coefficients), np.asarray(self.covariance), larger_is_better), strict=True)))


def p_scores(coef: np.ndarray, cov: np.ndarray, larger_is_better: bool = True) -> list[float]:
    """P-scores from the effects against the reference and their covariance (see NetworkResult)."""
    t = len(coef)
    if t < 2:
        return [math.nan] * t
    diff = coef[:, None] - coef[None, :]
    if not larger_is_better:
        diff = -diff
    d = np.diag(cov)
    var = d[:, None] + d[None, :] - 2.0 * cov
    np.fill_diagonal(var, 1.0)
    prob = norm_cdf_array(diff / np.sqrt(np.maximum(var, 1e-300)))
    np.fill_diagonal(prob, 0.0)
    return (prob.sum(axis=1) / (t - 1)).tolist()
