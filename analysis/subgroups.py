"""Subgroup analyses, leave-one-out and subsets: all are repeated calls to pool."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._dist import chi2_sf
from .effects import validate_tables
from .pool import _check_options, _labels, pool_tables
from .results import PooledResult, SubgroupResult

Counts = Sequence[int] | np.ndarray


def _group_arrays(label: str, data: Any) -> tuple[Counts, Counts, Counts, Counts, Sequence[str] | None]:
    if isinstance(data, Mapping):
        try:
            return data["ai"], data["n1i"], data["ci"], data["n2i"], data.get("labels")
        except KeyError as exc:
            raise ValueError(f"subgroup {label!r} needs keys ai, n1i, ci, n2i (missing {exc})") from None
    if isinstance(data, Sequence) and len(data) in (4, 5):
        return (*data[:4], data[4] if len(data) == 5 else None)  # type: ignore[return-value]
    raise ValueError(f"subgroup {label!r} must be (ai, n1i, ci, n2i) or a mapping with those keys")


def subgroup_analysis(
    groups: Mapping[str, Any],
    *,
    measure: str = "RR",
    method: str = "MH",
    hksj: bool = False,
    level: float = 0.95,
) -> SubgroupResult:
    """Pool each subgroup and test for subgroup differences.

    ``groups`` maps a label to ``(ai, n1i, ci, n2i[, study_labels])`` or to a
    mapping with those keys. Each subgroup is pooled independently (its own
    tau² for random-effects models); the test is Cochran's Q across the
    subgroup estimates with weights 1/se², df = (number of estimable
    subgroups) - 1, as in RevMan for fixed- and random-effects analyses.
    """
    _check_options(measure, method, hksj, level)
    if not groups:
        raise ValueError("at least one subgroup is required")
    pooled: list[tuple[str, PooledResult]] = []
    for label, data in groups.items():
        ai, n1i, ci, n2i, labs = _group_arrays(str(label), data)
        try:
            tables = validate_tables(ai, n1i, ci, n2i)
        except ValueError as exc:
            raise ValueError(f"subgroup {label!r}: {exc}") from None
        pooled.append((str(label), pool_tables(tables, measure=measure, method=method, hksj=hksj,
                                               labels=_labels(labs, tables.k), level=level)))
    usable = [r for _, r in pooled if r.defined]
    df = len(usable) - 1
    if df < 1:
        return SubgroupResult(measure, method, hksj, tuple(pooled),  # type: ignore[arg-type]
                              False, "fewer than two subgroups have an estimable pooled effect",
                              None, max(df, 0), None)
    theta = np.array([r.theta for r in usable])
    w = 1.0 / np.array([r.se for r in usable]) ** 2
    mean = float(w @ theta) / float(w.sum())
    q = max(0.0, float(w @ (theta - mean) ** 2))
    return SubgroupResult(measure, method, hksj, tuple(pooled), True, None,  # type: ignore[arg-type]
                          q, df, chi2_sf(q, df))


@dataclass(frozen=True, slots=True)
class LeaveOneOut:
    """The pooled result with one study omitted."""

    omitted_index: int
    omitted_label: str
    result: PooledResult


def leave_one_out(
    ai: Counts,
    n1i: Counts,
    ci: Counts,
    n2i: Counts,
    *,
    measure: str = "RR",
    method: str = "MH",
    hksj: bool = False,
    labels: Sequence[str] | None = None,
    level: float = 0.95,
) -> tuple[LeaveOneOut, ...]:
    """Pool k times, each time without one study (input order), like metafor's leave1out()."""
    _check_options(measure, method, hksj, level)
    tables = validate_tables(ai, n1i, ci, n2i)
    labs = _labels(labels, tables.k)
    if tables.k < 2:
        raise ValueError("leave-one-out needs at least two studies")
    out = []
    everyone = np.arange(tables.k)
    for i in range(tables.k):
        keep = everyone[everyone != i]
        res = pool_tables(tables.take(keep), measure=measure, method=method, hksj=hksj,
                          labels=tuple(labs[j] for j in keep.tolist()), level=level)
        out.append(LeaveOneOut(i, labs[i], res))
    return tuple(out)


def subset(
    indices: Sequence[int],
    ai: Counts,
    n1i: Counts,
    ci: Counts,
    n2i: Counts,
    labels: Sequence[str] | None = None,
) -> tuple[list[int], list[int], list[int], list[int], list[str] | None]:
    """Pick studies by position, ready to pass to :func:`analysis.pool`."""
    k = len(ai)
    idx = [int(i) for i in indices]
    for i in idx:
        if not -k <= i < k:
            raise ValueError(f"study index {i} out of range for {k} studies")
    if not idx:
        raise ValueError("a subset needs at least one study")

    def pick(seq: Any) -> list[Any]:
        return [seq[i] for i in idx]

    return pick(ai), pick(n1i), pick(ci), pick(n2i), None if labels is None else pick(labels)
