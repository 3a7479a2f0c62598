"""Validated 2x2 tables and per-study effect sizes (metafor's escalc).

Conventions, chosen to match metafor so results can be checked against it:

* a study with a zero in any cell gets 0.5 added to all four cells
  (``escalc(add=1/2, to="only0")``) before its own effect is computed;
* for RR, OR and Peto's OR, studies with no events in either arm, or with
  events in every participant of both arms, have no estimable effect and are
  dropped (``drop00=TRUE``); for RD they are kept (their RD is well defined).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NO_EVENTS = "no events in either arm"
ALL_EVENTS = "all participants had the event in both arms"
CONTINUITY = 0.5


# rows (ai, n1i, ci, n2i) -> rows (ai, bi, ci, di) in one matrix product
_TO_CELLS = np.array([[1.0, 0, 0, 0], [-1, 1, 0, 0], [0, 0, 1, 0], [0, 0, -1, 1]])


@dataclass(frozen=True, slots=True)
class Tables:
    """Validated counts: ``cells`` is a 4 x k float array of ai, bi, ci, di (bi, di = non-events)."""

    cells: np.ndarray
    n1i: np.ndarray
    n2i: np.ndarray

    @classmethod
    def from_counts(cls, counts: np.ndarray) -> Tables:
        """From a 4 x k float array of ai, n1i, ci, n2i (already validated)."""
        return cls(_TO_CELLS @ counts, counts[1], counts[3])

    ai = property(lambda self: self.cells[0])
    bi = property(lambda self: self.cells[1])
    ci = property(lambda self: self.cells[2])
    di = property(lambda self: self.cells[3])

    @property
    def k(self) -> int:
        return int(self.cells.shape[1])

    def take(self, index: np.ndarray | Sequence[int]) -> Tables:
        idx = np.asarray(index, dtype=np.intp)
        return Tables(self.cells[:, idx], self.n1i[idx], self.n2i[idx])


@dataclass(frozen=True, slots=True)
class EffectSizes:
    """Per-study yi/vi (analysis scale) with a mask of estimable studies."""

    measure: str
    yi: np.ndarray
    vi: np.ndarray
    ok: np.ndarray
    estimable: np.ndarray
    all_estimable: bool
    all_ok: bool
    n_corrected: int
    reasons: tuple[str | None, ...]

    def used(self) -> tuple[np.ndarray, np.ndarray]:
        """yi, vi of the studies an inverse-variance model uses."""
        return (self.yi, self.vi) if self.all_ok else (self.yi[self.ok], self.vi[self.ok])

    def estimable_only(self) -> tuple[np.ndarray, np.ndarray]:
        """yi, vi without double-zero studies (what rma.mh/rma.peto use for Q)."""
        if self.all_estimable:
            return self.yi, self.vi
        return self.yi[self.estimable], self.vi[self.estimable]


def _bad(name: str, arr: np.ndarray, mask: np.ndarray, what: str) -> ValueError:
    i = int(np.argmax(mask))
    return ValueError(f"{name}[{i}] = {arr[i]!r} {what}")


def validate_tables(
    ai: Sequence[int] | np.ndarray,
    n1i: Sequence[int] | np.ndarray,
    ci: Sequence[int] | np.ndarray,
    n2i: Sequence[int] | np.ndarray,
) -> Tables:
    """Check counts and return them as float arrays; raise ValueError on bad input.

    The happy path is a handful of vectorised checks (this runs on every pool
    call); the slow, precise error messages are only built on failure.
    """
    names = ("ai", "n1i", "ci", "n2i")
    cols = (ai, n1i, ci, n2i)
    lengths = []
    for name, col in zip(names, cols, strict=True):
        try:
            lengths.append(len(col))
        except TypeError:
            raise ValueError(f"{name} must be a sequence of counts") from None
    if len(set(lengths)) != 1:
        raise ValueError(
            "ai, n1i, ci and n2i must have the same length (got " + ", ".join(map(str, lengths)) + ")"
        )
    if lengths[0] == 0:
        raise ValueError("at least one study is required")
    try:
        raw = np.array(cols)
    except (TypeError, ValueError):
        raise ValueError("counts must be whole numbers") from None
    if raw.ndim != 2:
        raise ValueError("ai, n1i, ci and n2i must be flat sequences of counts")
    kind = raw.dtype.kind
    if kind == "f":
        bad = ~np.isfinite(raw) | (raw != np.round(raw))
        if bad.any():
            row = int(np.argmax(bad.any(axis=1)))
            raise _bad(names[row], raw[row], bad[row], "is not a whole number")
    elif kind not in "iu":
        for name, col in zip(names, cols, strict=True):
            for i, v in enumerate(col):
                if isinstance(v, bool) or not isinstance(v, int | np.integer | float | np.floating):
                    raise ValueError(f"{name}[{i}] = {v!r} is not a whole number")
        raise ValueError("counts must be whole numbers")
    arr = raw.astype(np.float64)
    if arr.min() < 0 or arr[1::2].min() == 0 or (arr[0::2] > arr[1::2]).any():
        _raise_invalid(arr, raw, names)
    return Tables.from_counts(arr)


def _raise_invalid(arr: np.ndarray, raw: np.ndarray, names: tuple[str, ...]) -> None:
    """Build the precise message for counts that failed the fast checks."""
    a, n1, c, n2 = arr
    if (arr < 0).any():
        row = int(np.argmax((arr < 0).any(axis=1)))
        raise _bad(names[row], raw[row], arr[row] < 0, "is negative")
    if (n1 == 0).any() or (n2 == 0).any():
        name, col = ("n1i", n1) if (n1 == 0).any() else ("n2i", n2)
        raise _bad(name, col.astype(int), col == 0, "- every arm needs at least one participant")
    ev, tot, en, tn = (a, n1, "ai", "n1i") if (a > n1).any() else (c, n2, "ci", "n2i")
    i = int(np.argmax(ev > tot))
    raise ValueError(f"{en}[{i}] = {int(ev[i])} exceeds {tn}[{i}] = {int(tot[i])}")


def effect_sizes(tables: Tables, measure: str) -> EffectSizes:
    """Per-study effects like ``escalc(measure, add=1/2, to="only0")``.

    ``measure`` is RR, OR, RD or PETO. ``estimable`` marks studies with at
    least one event and one non-event overall (drop00); ``ok`` marks the
    studies an inverse-variance model uses: the estimable ones for ratio
    measures, all of them for RD.
    """
    cells = tables.cells
    k = cells.shape[1]
    zero = cells == 0.0
    if not np.count_nonzero(zero):  # the common case: nothing to correct or drop
        ok = estimable = np.ones(k, dtype=bool)
        none_ = ~estimable
        n_corrected = 0
    else:
        none_ = zero[0] & zero[2]
        estimable = ~(none_ | (zero[1] & zero[3]))
        ok = np.ones(k, dtype=bool) if measure == "RD" else estimable
        zero_any = zero[0] | zero[1] | zero[2] | zero[3]
        n_corrected = int(np.count_nonzero(zero_any & ok))
        cells = cells + CONTINUITY * zero_any
    a, b, c, d = cells
    n1 = a + b
    n2 = c + d
    if measure == "RR":
        yi = np.log((a * n2) / (c * n1))
        vi = (1.0 / a + 1.0 / c) - (1.0 / n1 + 1.0 / n2)
    elif measure == "OR":
        yi = np.log((a * d) / (b * c))
        vi = 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d
    elif measure == "RD":
        p1 = a / n1
        p2 = c / n2
        yi = p1 - p2
        vi = p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2
    elif measure == "PETO":
        n = n1 + n2
        xt = a + c
        v = xt * (b + d) * (n1 / n) * (n2 / n) / (n - 1.0)
        yi = (a - xt * n1 / n) / v
        vi = 1.0 / v
    else:
        raise ValueError(f"unknown measure {measure!r}")
    all_estimable = np.count_nonzero(estimable) == k
    if all_estimable or measure == "RD":  # an RD is defined for every table
        reasons: tuple[str | None, ...] = (None,) * k
    else:
        reasons = tuple(
            None if keep else (NO_EVENTS if nz else ALL_EVENTS)
            for keep, nz in zip(estimable.tolist(), none_.tolist(), strict=True)
        )
    return EffectSizes(measure, yi, vi, ok, estimable, bool(all_estimable), measure == "RD" or all_estimable,
                       n_corrected, reasons)


def combine_arms(events: Sequence[int], totals: Sequence[int]) -> tuple[int, int]:
    """Merge several arms of a multi-arm trial into one (Cochrane Handbook 23.3.4).

    Summing events and totals avoids double-counting a shared control group.
    """
    if len(events) != len(totals):
        raise ValueError(f"events and totals must have the same length ({len(events)} != {len(totals)})")
    if not events:
        raise ValueError("at least one arm is required")
    ev = [int(e) for e in events]
    tot = [int(t) for t in totals]
    for i, (e, t) in enumerate(zip(ev, tot, strict=True)):
        if e != events[i] or t != totals[i]:
            raise ValueError(f"arm {i}: counts must be whole numbers")
        if e < 0 or t <= 0:
            raise ValueError(f"arm {i}: events must be >= 0 and totals > 0 (got {e}/{t})")
        if e > t:
            raise ValueError(f"arm {i}: events {e} exceed total {t}")
    return sum(ev), sum(tot)
