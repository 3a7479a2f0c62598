"""Direct and indirect evidence of each pair, separated by back-calculation (netmeta's netsplit).

König, Krahn & Binder, Stat Med 2013;32:5414-29. The direct estimate of a pair is the inverse-variance mean
of the studies that hold both arms, each weighted by Rücker's multi-arm adjusted weight (Rücker, Res Synth
Methods 2012;3:312-24): for independent arms of variance s_j (here v_j + tau²/2) that weight is
d_a d_b / S, the off-diagonal of the study's Laplacian D - dd'/S (analysis/network_fit.py), which for a
two-arm study is 1/(v_a + v_b + tau²). With P = var(network)/var(direct), the share of direct evidence,
indirect = (network - P direct)/(1 - P) with variance var(network)/(1 - P), and the p-value of the
difference is from z = (direct - indirect)/sqrt(var_direct + var_indirect).

A pair has no indirect evidence exactly when its edge is a bridge of the evidence graph (no other path of
studies links the two); that is decided on the graph, not by a tolerance on 1 - P.
"""

from __future__ import annotations

import math

import numpy as np

from ._dist import norm_two_sided_p
from .network_fit import Fit, Network
from .network_results import SplitEstimate, make_estimate


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


def bridges(t: int, edges: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Edges (a, b), a < b, whose removal disconnects the graph (Tarjan's low-link, iterative)."""
    adj: list[list[int]] = [[] for _ in range(t)]
    for a, b in edges:
        adj[a].append(b)
        adj[b].append(a)
    disc = [-1] * t
    low = [0] * t
    out: set[tuple[int, int]] = set()
    clock = 0
    for root in range(t):
        if disc[root] >= 0:
            continue
        disc[root] = low[root] = clock
        clock += 1
        stack = [(root, -1, iter(adj[root]))]
        while stack:
            node, parent, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                if parent >= 0:
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        out.add((min(parent, node), max(parent, node)))
            elif nxt == parent:
                continue  # simple graph: each edge is listed once per end
            elif disc[nxt] >= 0:
                low[node] = min(low[node], disc[nxt])
            else:
                disc[nxt] = low[nxt] = clock
                clock += 1
                stack.append((nxt, node, iter(adj[nxt])))
    return out


def splits(net: Network, fit: Fit, pairs: tuple[np.ndarray, np.ndarray]) -> tuple[SplitEstimate, ...]:
    """The split of every pair that some study compares directly, in treatment order."""
    arms, t = net.arms, net.t
    d, s = net.weights(fit.tau2)
    a, b = pairs
    key = arms.treatment[a] * t + arms.treatment[b]
    w = d[a] * d[b] / s[arms.study[a]]
    wsum = np.bincount(key, w, t * t)
    wy = np.bincount(key, w * (arms.theta[a] - arms.theta[b]), t * t)
    count = np.bincount(key, minlength=t * t)
    direct_keys = np.flatnonzero(count).tolist()
    edges = [divmod(kk, t) for kk in direct_keys]
    no_indirect = bridges(t, edges)
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
        if (i, j) not in no_indirect and share < 1.0:
            var_ind = var_net / (1.0 - share)
            indirect = (net_value - share * direct) / (1.0 - share)
            indirect_e = make_estimate(measure, names[i], names[j], indirect, math.sqrt(var_ind))
            p = norm_two_sided_p((direct - indirect) / math.sqrt(var_dir + var_ind))
        out.append(SplitEstimate(names[i], names[j], network, direct_e, indirect_e, int(count[kk]), p,
                                 float(share)))
    return tuple(out)
