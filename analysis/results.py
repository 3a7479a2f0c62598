"""Typed, frozen result records.

Everything here holds plain floats, ints, strings and tuples (never numpy
objects, never NaN) so results are hashable, comparable and JSON-friendly.
Missing or undefined numbers are ``None``; why they are missing is said in
``reason`` (the whole result) or ``StudyEffect.reason`` (one study).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal, TypeVar, overload

Measure = Literal["RR", "OR", "RD"]
NNTKind = Literal["NNTB", "NNTH"]
T = TypeVar("T")


def _plain(value: Any) -> Any:
    """Recursively turn dataclasses and tuples into dicts and lists."""
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list | Deferred):
        return [_plain(v) for v in value]
    return value


class Deferred(Sequence[T]):
    """A tuple made on first use: the per-study records of a pooled result, which cost ten times the pooling
    itself for thousands of studies (issue 23) and which most callers never read. It reads, compares, hashes and
    pickles as the tuple it stands for (``tuple(d) == d``); only ``isinstance(d, tuple)`` tells them apart."""

    __slots__ = ("_items", "_length", "_make")

    def __init__(self, make: Callable[[], Iterable[T]], length: int):
        self._make: Callable[[], Iterable[T]] | None = make
        self._items: tuple[T, ...] | None = None
        self._length = length

    @property
    def items(self) -> tuple[T, ...]:
        if self._items is None:
            self._items = tuple(self._make())  # type: ignore[misc]
            self._make = None
        return self._items

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index):
        return self.items[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Deferred):
            return other is self or self.items == other.items
        if isinstance(other, tuple):
            return self.items == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.items)

    def __repr__(self) -> str:
        return repr(self.items)

    def __reduce__(self):
        return tuple, (self.items,)


@dataclass(frozen=True, slots=True)
class StudyEffect:
    """One study's own effect, for forest plots.

    ``yi``/``vi`` are on the analysis scale (log for RR/OR) after the 0.5
    continuity correction of studies with a zero cell; ``estimate`` and the CI
    are back-transformed. ``included`` says whether the study entered this
    model; ``reason`` says why it was left out, or why its own estimate is not
    estimable (e.g. no events in either arm), else ``None``.
    """

    label: str
    yi: float | None
    vi: float | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    included: bool
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(frozen=True, slots=True)
class PooledResult:
    """A pooled estimate with heterogeneity statistics.

    Scales: ``theta``/``se`` are on the analysis scale (log for RR and OR);
    ``estimate``, the CI and the prediction interval are back-transformed.
    ``k`` counts studies as metafor does: every table for MH and Peto (tables
    without events in either arm carry zero weight there), the studies left
    after exclusions for inverse-variance and random-effects models.
    ``weights`` are percentages in input order (0.0 for excluded studies).
    ``test`` is "z" or "t" (HKSJ, with ``df`` degrees of freedom).
    ``Q``/``Q_df``/``Q_pval`` are Cochran's Q of the fixed-effect fit (for MH
    and Peto as rma.mh/rma.peto compute them). ``I2`` is (Q - df)/Q for
    fixed-effect models and tau²/(tau² + s²) for random-effects models, as in
    metafor. ``tau2`` is 0.0 for fixed-effect models.
    Prediction interval (random effects only, else ``None``), as metafor's
    predict(): theta ± crit·sqrt(se² + tau²) with crit from the normal
    distribution, or from t(k - 1) under HKSJ (using the HKSJ se).
    When ``defined`` is False every estimate field is ``None`` and ``reason``
    explains why.
    """

    measure: Measure
    method: str
    hksj: bool
    level: float
    defined: bool
    reason: str | None
    k: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    theta: float | None
    se: float | None
    pval: float | None
    test: Literal["z", "t"]
    df: int | None
    Q: float | None
    Q_df: int
    Q_pval: float | None
    I2: float | None
    tau2: float | None
    tau: float | None
    pi_low: float | None
    pi_high: float | None
    weights: tuple[float, ...]
    studies: tuple[StudyEffect, ...]  # or a Deferred tuple: made when first read
    notes: tuple[str, ...] = ()

    @property
    def random_effects(self) -> bool:
        return self.method in ("DL", "REML", "PM")

    @property
    def key(self) -> str:
        """Method key as used by :func:`analysis.pool_all`, e.g. ``DL_HKSJ``."""
        return f"{self.method}_HKSJ" if self.hksj else self.method

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(frozen=True, slots=True)
class SubgroupResult:
    """Per-subgroup pooled results and the test for subgroup differences.

    ``Q_between`` is Cochran's Q across the subgroups' pooled estimates, each
    weighted by 1/se² (as RevMan does for fixed and random models alike), with
    ``df`` = number of subgroups with a defined estimate minus one.
    """

    measure: Measure
    method: str
    hksj: bool
    groups: tuple[tuple[str, PooledResult], ...]
    defined: bool
    reason: str | None
    Q_between: float | None
    df: int
    pval: float | None

    def group(self, label: str) -> PooledResult:
        for name, result in self.groups:
            if name == label:
                return result
        raise KeyError(label)

    def to_dict(self) -> dict[str, Any]:
        out = _plain(self)
        out["groups"] = {name: result.to_dict() for name, result in self.groups}
        return out


@dataclass(frozen=True, slots=True)
class NNTEnd:
    """One end of an NNT confidence interval (Altman 1998).

    ``value`` is the absolute number needed to treat (``None`` = infinity,
    when that end of the risk-difference CI is exactly zero); ``kind`` says
    whether it is a number needed to benefit or to harm. ``signed`` is
    positive for NNTB and negative for NNTH.
    """

    value: float | None
    kind: NNTKind | None

    @property
    def signed(self) -> float | None:
        if self.value is None:
            return None
        return self.value if self.kind == "NNTB" else -self.value


@dataclass(frozen=True, slots=True)
class NNT:
    """Number needed to treat with Altman's confidence interval.

    If the CI of the risk difference excludes zero the interval is
    ``low``..``high`` of one kind. If it crosses zero the interval "goes
    through infinity" (``through_infinity``): ``low`` is the NNTB end and
    ``high`` the NNTH end, read as "NNTB low to infinity to NNTH high".
    Values are unrounded; round up for display.
    """

    value: float | None
    kind: NNTKind | None
    low: NNTEnd
    high: NNTEnd
    through_infinity: bool


@dataclass(frozen=True, slots=True)
class AbsoluteEffect:
    """Absolute effects per 1000 people for an assumed control risk.

    ``difference`` is treatment minus control risk, so with a harmful outcome
    a negative difference is a benefit (``events_are_harmful`` says which way
    NNTB/NNTH point).
    """

    measure: Measure
    control_risk: float
    events_are_harmful: bool
    control_per_1000: float
    treatment_per_1000: float
    treatment_per_1000_low: float
    treatment_per_1000_high: float
    difference_per_1000: float
    difference_per_1000_low: float
    difference_per_1000_high: float
    nnt: NNT
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)
