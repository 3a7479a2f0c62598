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

from ._dist import norm_two_sided_p
from .network_fit import Fit, Network
from .network_results import SplitEstimate, make_estimate

ALL_DIRECT = math.sqrt(np.finfo(float).eps)  # 1 - P below this: no indirect evidence (netmeta's tolerance)


def arm_pairs(arms) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of arms within a study, (first, second) arm indices with the lower treatment index first."""
    sizes = np.diff(np.append(arms.starts, len(arms.theta)))
    two = sizes == 2
    first = [arms.starts[two]]
    second = [arms.starts[two] + 1]
    for start, size in zip(arms.starts[~two].tolist(), sizes[~two].tolist(), strict=True):
        lo, hi = np.triu_indices(size, 1)
        first.append(start + lo)
        second.append(start + hi)
    a, b = np.concatenate(first), np.concatenate(second)
    swap = arms.treatment[a] > arms.treatment[b]
    return np.where(swap, b, a), np.where(swap, a, b)


def splits(net: Network, fit: Fit, pairs: tuple[np.ndarray, np.ndarray]) -> tuple[SplitEstimate, ...]:
    """The split of every pair that some study compares directly, in treatment order."""
    arms, t = net.arms, net.t
    a, b = pairs
    key = arms.treatment[a] * t + arms.treatment[b]
    w = 1.0 / (arms.var[a] + arms.var[b] + fit.tau2)
    wsum = np.bincount(key, w, t * t)
    wy = np.bincount(key, w * (arms.theta[a] - arms.theta[b]), t * t)
    count = np.bincount(key, minlength=t * t)
    direct_keys = np.flatnonzero(count).tolist()
    edges = [divmod(kk, t) for kk in direct_keys]
    names, measure = arms.treatments, arms.measure
    coef, cov = fit.coef, fit.cov
    out = []
    for kk, (i, j) in zip(direct_keys, edges, strict=True):
        var_dir = 1.0 / wsum[kk]
        direct = wy[kk] * var_dir
        net_value = coef[i] - coef[j]
        var_net = cov[i, i] + cov[j, j] - 2.0 * cov[i, j]
        share = var_net / var_dir
        network = make_estimate(measure, names[i], names[j], net_value, math.sqrt(var_net))
        direct_e = make_estimate(measure, names[i], names[j], direct, math.sqrt(var_dir))
        indirect_e, p = None, None
        if 1.0 - share >= ALL_DIRECT:
            var_ind = var_net / (1.0 - share)
            indirect = (net_value - share * direct) / (1.0 - share)
            indirect_e = make_estimate(measure, names[i], names[j], indirect, math.sqrt(var_ind))
            p = norm_two_sided_p((direct - indirect) / math.sqrt(var_dir + var_ind))
        out.append(SplitEstimate(names[i], names[j], network, direct_e, indirect_e, int(count[kk]), p,
                                 float(share)))
    return tuple(out)
