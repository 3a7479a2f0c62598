"""The contrast-based network model, fitted over arms: GLS at a given tau², and tau² by REML.

The model is metafor's ``rma.mv(yi, V, mods = ~ 0 + X, random = ~ comp | study, rho = 1/2)``: each study's
contrasts against its first arm, V from the arms' variances (contrasts sharing an arm covary by its
variance), and random effects with variance tau² and correlation 1/2 within a study. Written over arms this
is much simpler: a study's contrasts have exactly the covariance of contrasts between independent arms of
variance s_j = v_j + tau²/2 (v_base + tau²/2 on the shared arm; v_j + v_base + tau² on the diagonal). So,
with d = 1/s and S_i the sum of d over study i's arms, study i adds to the information matrix of the
treatment effects A'(D - d d'/S_i)A (A maps arms to treatments): the study's weighted Laplacian, whose
entry for treatments (a, b) sums d_j [j = l] - d_j d_l / S_i over the study's arm pairs (j, l) of those
treatments. Everything is a weighted count over arms or arm pairs (numpy.bincount); nothing larger than
treatments x treatments is ever solved, whatever the number of studies.

The same algebra gives the restricted log-likelihood, sum log s + sum log S_i + log|L_r| + r'Pr (times
-1/2), which equals rma.mv's up to a constant (the arm-level model with fixed study intercepts and the
contrast model have the same error contrasts), and its derivative in tau²,
-1/4 (tr P - |P theta|²), with P the arm-level projection (dSigma/dtau² = I/2) and
tr P = tr Q - tr(L_r^-1 A'Q²A), Q = D - dd'/S per study. tau² is the root of that score on tau² > 0 found
by a bracketed root finder (analysis/roots.py; 0 when the score at 0 is not positive): no step can leave
tau² >= 0, and it converges to 1e-12 (metafor's own optimisers stop within about 1e-6 of the optimum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network_data import Arms
from .roots import bracketed_root

MAX_BRACKET = 200  # quadruplings of the upper bracket before giving up (4**200 x the start: never reached)
TAU2_RTOL = 1e-12


@dataclass(frozen=True, slots=True)
class Fit:
    """Treatment effects against the reference at one tau² (model scale; the reference's entry is 0)."""

    tau2: float
    coef: np.ndarray  # T, in the order of arms.treatments
    cov: np.ndarray  # T x T, zero row and column at the reference
    Q: float  # y'Py: the weighted residual sum of squares at this tau²


def _within_pairs(study: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair (j, l) of arms of the same study, j = l included."""
    per_arm = sizes[study]  # each arm pairs with every arm of its study
    first = np.repeat(np.arange(len(study)), per_arm)
    begin = np.repeat(np.cumsum(per_arm) - per_arm, per_arm)
    second = np.repeat(starts[study], per_arm) + (np.arange(len(first)) - begin)
    return first, second


class Network:
    """The arms of a network with its reference; evaluates the model at any tau².

    Internally the reference is moved to the last treatment index, so that the reduced system is the
    leading (T-1) x (T-1) block.
    """

    __slots__ = ("arms", "diag_key", "k", "last", "order", "pair_j", "pair_key", "pair_l", "pair_study", "ref",
                 "t", "treat")

    def __init__(self, arms: Arms, reference: int) -> None:
        self.arms = arms
        t = self.t = len(arms.treatments)
        self.k = len(arms.studies)
        self.ref = reference
        self.last = t - 1
        # internal index: the reference last, the others in order
        self.order = np.array([j for j in range(t) if j != reference] + [reference], dtype=np.intp)
        internal = np.empty(t, dtype=np.intp)
        internal[self.order] = np.arange(t)
        treat = self.treat = internal[arms.treatment]
        self.diag_key = treat * (t + 1)
        sizes = np.diff(np.append(arms.starts, len(arms.theta)))
        first, second = _within_pairs(arms.study, arms.starts, sizes)
        self.pair_j, self.pair_l = first, second
        self.pair_study = arms.study[first]
        self.pair_key = treat[first] * t + treat[second]

    def weights(self, tau2: float) -> tuple[np.ndarray, np.ndarray]:
        """d = 1/(v + tau²/2) per arm and S (the sum of d) per study."""
        d = 1.0 / (self.arms.var + 0.5 * tau2)
        return d, np.bincount(self.arms.study, d, self.k)

    def _evaluate(self, tau2: float, score: bool):
        a, t, k, m = self.arms, self.t, self.k, self.last
        d, s = self.weights(tau2)
        inv_s = 1.0 / s
        dd = d[self.pair_j] * d[self.pair_l]
        inv_s_pair = inv_s[self.pair_study]
        t2 = t * t
        info = (np.bincount(self.diag_key, d, t2) - np.bincount(self.pair_key, dd * inv_s_pair, t2)).reshape(t, t)
        dth = d * a.theta
        s_th = np.bincount(a.study, dth, k)
        grad = np.bincount(self.treat, dth - d * (s_th * inv_s)[a.study], t)
        lr = info[:m, :m]
        if score:
            d2 = d * d
            q = np.bincount(a.study, d2, k)
            # A'Q²A, Q = D - dd'/S per study: D² - (d²d' + dd²')/S + (d'd) dd'/S², as weights of arm pairs
            w2 = dd * ((q * inv_s * inv_s)[self.pair_study] - (d[self.pair_j] + d[self.pair_l]) * inv_s_pair)
            m2 = (np.bincount(self.diag_key, d2, t2) + np.bincount(self.pair_key, w2, t2)).reshape(t, t)
            sol = np.linalg.solve(lr, np.column_stack((grad[:m], m2[:m, :m])))
            beta = sol[:, 0]
        else:
            beta = np.linalg.solve(lr, grad[:m])
        coef = np.append(beta, 0.0)
        at_arm = coef[self.treat]
        alpha = (s_th - np.bincount(a.study, d * at_arm, k)) * inv_s  # each study's intercept
        e = d * (a.theta - alpha[a.study] - at_arm)  # P theta
        if not score:
            return lr, coef, float(e @ (e / d))
        tr_p = float(d.sum() - q @ inv_s) - float(np.trace(sol[:, 1:]))
        return -0.25 * (tr_p - float(e @ e))

    def score(self, tau2: float) -> float:
        """d/dtau² of the restricted log-likelihood."""
        return self._evaluate(tau2, True)

    def fit(self, tau2: float) -> Fit:
        lr, coef, q_res = self._evaluate(tau2, False)
        inv = np.linalg.inv(lr)
        t, m = self.t, self.last
        cov_int = np.zeros((t, t))
        cov_int[:m, :m] = 0.5 * (inv + inv.T)  # exactly symmetric: pair(a, b) mirrors (b, a)
        # back to the order of arms.treatments
        back = np.empty(t, dtype=np.intp)
        back[self.order] = np.arange(t)
        return Fit(tau2, coef[back], cov_int[np.ix_(back, back)], q_res)

    def reml_tau2(self) -> float:
        """The REML estimate of tau² (0 when the restricted likelihood falls from tau² = 0)."""
        if self.arms.n_contrasts <= self.t - 1:  # no residual degrees of freedom: nothing to estimate tau² from
            return 0.0
        if self.score(0.0) <= 0.0:
            return 0.0
        lo, hi = 0.0, float(self.arms.var.mean())
        for _ in range(MAX_BRACKET):
            if self.score(hi) < 0.0:
                break
            lo, hi = hi, hi * 4.0
        else:  # pragma: no cover - the score is negative for tau² far above every variance
            raise ArithmeticError("could not bracket the REML estimate of tau²")
        return float(bracketed_root(self.score, lo, hi, xtol=hi * 1e-15, rtol=TAU2_RTOL, maxiter=500))
