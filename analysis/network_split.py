"""Direct and indirect evidence of each pair, separated by back-calculation (netmeta's netsplit).

König, Krahn & Binder, Stat Med 2013;32:5414-29. As netmeta does it (nma.ruecker() pools ``seTE.orig``, the
comparisons' own standard errors, with the network tau²: github.com/guido-s/netmeta, R/nma.ruecker.R), the
direct estimate of a pair is the inverse-variance mean, over the studies that hold both arms, of each
study's own contrast theta_a - theta_b with variance v_a + v_b (+ tau² for random effects). With
P = var(network)/var(direct), the share of direct evidence, indirect = (network - P direct)/(1 - P) with
variance var(network)/(1 - P), and the p-value of the difference is from
z = (direct - indirect)/sqrt(var_direct + var_indirect).

The direct estimate is a linear unbiased estimate of the same effect, so the network's variance is never
larger (P <= 1); P = 1 exactly when nothing outside the pair's own contrasts informs it (a pair that only
a three-arm trial compares, or a pair no other path links). As netmeta, the pair then has no indirect
estimate when 1 - P < sqrt(machine epsilon).
"""

from __future__ import annotations

import math

import numpy as np

from ._dist import norm_cdf_array
from .network_fit import Fit, Network
from .network_results import SplitEstimate, make_estimate

ALL_DIRECT = math.sqrt(np.finfo(float).eps)  # 1 - P below this: no indirect evidence (netmeta's tolerance)


def splits(net: Network, fit: Fit) -> tuple[SplitEstimate, ...]:
    """The split of every pair that some study compares directly, in treatment order."""
    arms, t = net.arms, net.t
    a, b = net.pair_j, net.pair_l
    tr = arms.treatment
    keep = tr[a] < tr[b]  # each pair of arms of a study once, the lower treatment index first
    a, b = a[keep], b[keep]
    key = tr[a] * t + tr[b]
    w = 1.0 / (arms.var[a] + arms.var[b] + fit.tau2)
    wsum = np.bincount(key, w, t * t)
    wy = np.bincount(key, w * (arms.theta[a] - arms.theta[b]), t * t)
    count = np.bincount(key, minlength=t * t)
    direct_keys = np.flatnonzero(count)
    i, j = np.divmod(direct_keys, t)
    var_dir = 1.0 / wsum[direct_keys]
    direct = wy[direct_keys] * var_dir
    cov = fit.cov
    net_value = fit.coef[i] - fit.coef[j]
    var_net = cov[i, i] + cov[j, j] - 2.0 * cov[i, j]
    share = var_net / var_dir
    has_indirect = 1.0 - share >= ALL_DIRECT
    rest = np.where(has_indirect, 1.0 - share, 1.0)
    var_ind = var_net / rest
    indirect = (net_value - share * direct) / rest
    p = 2.0 * norm_cdf_array(-np.abs(direct - indirect) / np.sqrt(var_dir + var_ind))
    names, measure = arms.treatments, arms.measure
    out = []
    for n, (x, y) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        ind = None
        if has_indirect[n]:
            ind = make_estimate(measure, names[x], names[y], indirect[n], math.sqrt(var_ind[n]))
        out.append(SplitEstimate(
            names[x], names[y], make_estimate(measure, names[x], names[y], net_value[n], math.sqrt(var_net[n])),
            make_estimate(measure, names[x], names[y], direct[n], math.sqrt(var_dir[n])), ind,
            int(count[direct_keys[n]]), float(p[n]) if ind is not None else None, float(share[n])))
    return tuple(out)
