"""Arm-level binary data for a network meta-analysis: checks, the zero-cell rule, model-scale statistics.

Each arm becomes theta (log odds for OR, log risk for RR, risk for RD) and its variance v (1/e + 1/(n-e),
1/e - 1/n, p(1-p)/n). A study's contrasts against any one of its arms then have var v_j + v_base and
covariance v_base, which is why the whole model can be written over arms (analysis/network_fit.py).

Zero cells (issue 18): a study in which any arm has no events or only events gets 0.5 added to the events
and 1 to n of every one of its arms; a study with no events in every arm, or only events in every arm, says
nothing about a ratio or a difference between its arms and is left out, by name (for every measure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .network_results import DisconnectedNetwork

MEASURES = ("OR", "RR", "RD")
MODELS = ("fixed", "random")


@dataclass(frozen=True, slots=True)
class Arms:
    """The arms of the studies used, grouped by study (each study's arms contiguous, in input order)."""

    measure: str
    treatments: tuple[str, ...]  # sorted (code-point order)
    studies: tuple[str, ...]  # used, in order of first appearance
    excluded: tuple[str, ...]
    corrected: tuple[str, ...]  # studies given 0.5 events and 1 participant more in every arm
    study: np.ndarray  # per arm: index into studies
    treatment: np.ndarray  # per arm: index into treatments
    starts: np.ndarray  # index of each study's first arm
    theta: np.ndarray
    var: np.ndarray

    @property
    def n_contrasts(self) -> int:
        return len(self.theta) - len(self.studies)


def _counts(values: Sequence[int], name: str) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of whole numbers") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a flat sequence of whole numbers")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"{name}[{i}] = {arr[i]!r} is not a whole number")
    elif arr.dtype.kind not in "iu":
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int | np.integer):
                raise ValueError(f"{name}[{i}] = {v!r} is not a whole number")
    return arr.astype(np.float64)


def _labels(values: Sequence[str], name: str) -> list[str]:
    out = list(values)
    for i, v in enumerate(out):
        if not isinstance(v, str) or not v:
            raise ValueError(f"{name}[{i}] = {v!r} is not a name")
    return out


def check_options(measure: str, model: str) -> None:
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r} (expected one of {', '.join(MEASURES)})")
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r} (expected fixed or random)")


def prepare(study: Sequence[str], treatment: Sequence[str], events: Sequence[int], n: Sequence[int],
            measure: str) -> Arms:
    """Check the arms, group them by study, apply the zero-cell rule and compute theta and v per arm.

    Raises ValueError on bad input (naming the arm), DisconnectedNetwork when no study links two groups of
    treatments.
    """
    studies_in = _labels(study, "study")
    treats_in = _labels(treatment, "treatment")
    ev = _counts(events, "events")
    nn = _counts(n, "n")
    lengths = {len(studies_in), len(treats_in), len(ev), len(nn)}
    if len(lengths) != 1:
        raise ValueError("study, treatment, events and n must have the same length (one entry per arm)")
    if not studies_in:
        raise ValueError("no arms given")
    if (ev < 0).any() or (nn <= 0).any() or (ev > nn).any():
        i = int(np.argmax((ev < 0) | (nn <= 0) | (ev > nn)))
        where = f"arm {i} (study {studies_in[i]!r}, treatment {treats_in[i]!r})"
        if nn[i] <= 0:
            raise ValueError(f"{where}: n = {nn[i]:.0f}; every arm needs participants")
        if ev[i] < 0:
            raise ValueError(f"{where}: events = {ev[i]:.0f} is negative")
        raise ValueError(f"{where}: events = {ev[i]:.0f} exceed n = {nn[i]:.0f}")

    groups: dict[str, list[int]] = {}
    for i, s in enumerate(studies_in):
        groups.setdefault(s, []).append(i)
    for s, idx in groups.items():
        if len(idx) < 2:
            raise ValueError(f"study {s!r} has one arm ({treats_in[idx[0]]!r}); each study needs two or more")
        arm_names = [treats_in[i] for i in idx]
        if len(set(arm_names)) < len(arm_names):
            twice = next(t for j, t in enumerate(arm_names) if t in arm_names[:j])
            raise ValueError(f"study {s!r} has two arms of {twice!r}; combine them into one arm or name them apart")

    names = list(groups)
    sizes = np.fromiter((len(g) for g in groups.values()), dtype=np.intp, count=len(groups))
    order = np.fromiter((i for g in groups.values() for i in g), dtype=np.intp, count=len(ev))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    e, m = ev[order], nn[order]
    none_ = np.logical_and.reduceat(e == 0, starts)
    all_ = np.logical_and.reduceat(e == m, starts)
    drop = none_ | all_
    excluded = tuple(s for s, d in zip(names, drop.tolist(), strict=True) if d)
    if excluded:
        if drop.all():
            raise ValueError("no study can be used: every study has no events in all arms or only events in all "
                             f"arms ({', '.join(excluded)})")
        keep_arm = np.repeat(~drop, sizes)
        order, e, m = order[keep_arm], e[keep_arm], m[keep_arm]
        names = [s for s, d in zip(names, drop.tolist(), strict=True) if not d]
        sizes = sizes[~drop]
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    corrected = np.logical_or.reduceat((e == 0) | (e == m), starts)
    corrected_names = tuple(s for s, c in zip(names, corrected.tolist(), strict=True) if c)
    if corrected_names:
        arm_fix = np.repeat(corrected, sizes)
        e = e + 0.5 * arm_fix
        m = m + 1.0 * arm_fix

    arm_treats = [treats_in[i] for i in order.tolist()]
    treatments = tuple(sorted(set(arm_treats)))
    index = {t: j for j, t in enumerate(treatments)}
    tidx = np.fromiter((index[t] for t in arm_treats), dtype=np.intp, count=len(arm_treats))
    sidx = np.repeat(np.arange(len(names)), sizes)
    _check_connected(treatments, tidx, starts, sizes)

    if measure == "OR":
        theta = np.log(e / (m - e))
        var = 1.0 / e + 1.0 / (m - e)
    elif measure == "RR":
        theta = np.log(e / m)
        var = 1.0 / e - 1.0 / m
    else:
        theta = e / m
        var = theta * (1.0 - theta) / m
    return Arms(measure, treatments, tuple(names), excluded, corrected_names, sidx, tidx, starts, theta, var)


def _check_connected(treatments: tuple[str, ...], tidx: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> None:
    """Union-find over treatments, linking every arm of a study to the study's first arm."""
    parent = list(range(len(treatments)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first = np.repeat(tidx[starts], sizes)
    for a, b in set(zip(first.tolist(), tidx.tolist(), strict=True)):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    roots = [root(x) for x in range(len(treatments))]
    if len(set(roots)) > 1:
        comps: dict[int, list[str]] = {}
        for name, r in zip(treatments, roots, strict=True):
            comps.setdefault(r, []).append(name)
        ordered = sorted((tuple(c) for c in comps.values()), key=lambda c: (-len(c), c))
        raise DisconnectedNetwork(tuple(ordered))
