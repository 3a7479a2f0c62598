"""The contrast-based network model, fitted over arms: GLS at a given tau², and tau² by REML.

The model is metafor's ``rma.mv(yi, V, mods = ~ 0 + X, random = ~ comp | study, rho = 1/2)``: each study's
contrasts against its first arm, V from the arms' variances (contrasts sharing an arm covary by its
variance), and random effects with variance tau² and correlation 1/2 within a study. Written over arms this
is much simpler: a study's contrasts have exactly the covariance of contrasts between independent arms of
variance s_j = v_j + tau²/2 (v_base + tau²/2 on the shared arm; v_j + v_base + tau² on the diagonal). So,
with d = 1/s and S_i the sum of d over study i's arms, study i adds to the information matrix of the
treatment effects A'(D - d d'/S_i)A (A maps arms to treatments): the study's weighted Laplacian. Nothing
larger than treatments x treatments is ever inverted, whatever the number of studies or arms.

The same algebra gives the restricted log-likelihood, sum log s + sum log S_i + log|L_r| + r'Pr (times
-1/2), which equals rma.mv's up to a constant (the arm-level model with fixed study intercepts and the
contrast model have the same error contrasts), and its derivative in tau²,
-1/4 (tr P - |P theta|²), with P the arm-level projection (dSigma/dtau² = I/2). tau² is the root of that
score on tau² > 0 found by Brent's method inside a bracket (0 when the score at 0 is not positive): a
bounded, derivative-free scalar root finder, no step can leave tau² >= 0 and it converges to machine
precision (metafor's own optimisers stop within about 1e-6 of the optimum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .network_data import Arms

MAX_BRACKET = 200  # quadruplings of the upper bracket before giving up (4**200 x the start: never reached)


@dataclass(frozen=True, slots=True)
class Fit:
    """Treatment effects against the reference at one tau² (model scale; the reference's entry is 0)."""

    tau2: float
    coef: np.ndarray  # T
    cov: np.ndarray  # T x T, zero row and column at the reference
    Q: float  # y'Py: the weighted residual sum of squares at this tau²


class Network:
    """The arms and the reference of a network; evaluates the model at any tau²."""

    __slots__ = ("arms", "k", "keep", "ref", "t")

    def __init__(self, arms: Arms, reference: int) -> None:
        self.arms = arms
        self.t = len(arms.treatments)
        self.k = len(arms.studies)
        self.ref = reference
        self.keep = np.array([j for j in range(self.t) if j != reference], dtype=np.intp)

    def weights(self, tau2: float) -> tuple[np.ndarray, np.ndarray]:
        """d = 1/(v + tau²/2) per arm and S (the sum of d) per study."""
        d = 1.0 / (self.arms.var + 0.5 * tau2)
        return d, np.bincount(self.arms.study, d, self.k)

    def _system(self, tau2: float, score: bool = False):
        a = self.arms
        d, s = self.weights(tau2)
        k, t = self.k, self.t
        dth = d * a.theta
        s_th = np.bincount(a.study, dth, k)
        u = np.zeros((k, t))
        u[a.study, a.treatment] = d  # a study holds each treatment once
        us = u / s[:, None]
        info = np.diag(np.bincount(a.treatment, d, t)) - u.T @ us
        grad = np.bincount(a.treatment, dth, t) - us.T @ s_th
        keep = self.keep
        lr = info[np.ix_(keep, keep)]
        rhs = grad[keep]
        m = None
        if score:
            d2 = d * d
            u2 = np.zeros((k, t))
            u2[a.study, a.treatment] = d2
            q = np.bincount(a.study, d2, k)
            # A'(D - dd'/S)²A per study, summed: D² - (d²d' + dd²')/S + (d'd) dd'/S²
            m = (np.diag(np.bincount(a.treatment, d2, t)) - u2.T @ us - us.T @ u2
                 + u.T @ (u * (q / (s * s))[:, None]))[np.ix_(keep, keep)]
            sol = np.linalg.solve(lr, np.column_stack((rhs, m)))
            beta = sol[:, 0]
        else:
            beta = np.linalg.solve(lr, rhs)
        coef = np.zeros(t)
        coef[keep] = beta
        alpha = (s_th - u @ coef) / s  # each study's intercept (its arms' weighted mean less the effects)
        e = d * (a.theta - alpha[a.study] - coef[a.treatment])  # P theta
        q_res = float(e @ (e / d))
        if not score:
            return lr, coef, q_res
        tr_p = float(d.sum() - q @ (1.0 / s)) - float(np.trace(sol[:, 1:]))
        return -0.25 * (tr_p - float(e @ e))

    def score(self, tau2: float) -> float:
        """d/dtau² of the restricted log-likelihood."""
        return self._system(tau2, score=True)

    def fit(self, tau2: float) -> Fit:
        lr, coef, q_res = self._system(tau2)
        cov = np.zeros((self.t, self.t))
        cov[np.ix_(self.keep, self.keep)] = np.linalg.inv(lr)
        return Fit(tau2, coef, cov, q_res)

    def reml_tau2(self) -> float:
        """The REML estimate of tau² (0 when the restricted likelihood falls from tau² = 0)."""
        if self.arms.n_contrasts <= self.t - 1:  # no residual degrees of freedom: nothing to estimate tau² from
            return 0.0
        if self.score(0.0) <= 0.0:
            return 0.0
        lo, hi = 0.0, float(np.median(self.arms.var))
        for _ in range(MAX_BRACKET):
            if self.score(hi) < 0.0:
                break
            lo, hi = hi, hi * 4.0
        else:  # pragma: no cover - the score is negative for tau² far above every variance
            raise ArithmeticError("could not bracket the REML estimate of tau²")
        return float(optimize.brentq(self.score, lo, hi, xtol=hi * 1e-15, rtol=4 * np.finfo(float).eps,
                                     maxiter=500))
