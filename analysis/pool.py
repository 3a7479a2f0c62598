"""The single entry point: pool 2x2 tables with a chosen measure and method."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from ._dist import norm_crit, norm_two_sided_p, t_crit, t_two_sided_p
from .effects import NO_EVENTS, EffectSizes, Tables, effect_sizes, validate_tables
from .fixed import Fit, fixed_iv, mantel_haenszel, peto
from .random import random_effects
from .results import Deferred, Measure, PooledResult, StudyEffect

MEASURES = ("RR", "OR", "RD")
METHODS = ("MH", "PETO", "IV", "DL", "REML", "PM")
RANDOM = ("DL", "REML", "PM")
# Keys of pool_all(); PM_HKSJ is available through pool(method="PM", hksj=True).
ALL_KEYS = ("MH", "IV", "DL", "REML", "PM", "DL_HKSJ", "REML_HKSJ")


def _check_options(measure: str, method: str, hksj: bool, level: float) -> None:
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}; got {measure!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if method == "PETO" and measure != "OR":
        raise ValueError("Peto's method gives an odds ratio only (measure='OR')")
    if hksj and method not in RANDOM:
        raise ValueError("the HKSJ adjustment applies to random-effects methods (DL, REML, PM) only")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95); got {level!r}")


@lru_cache(maxsize=32)
def _default_labels(k: int) -> tuple[str, ...]:
    return tuple(f"Study {i + 1}" for i in range(k))


def _labels(labels: Sequence[str] | None, k: int) -> tuple[str, ...]:
    if labels is None:
        return _default_labels(k)
    out = tuple(str(x) for x in labels)
    if len(out) != k:
        raise ValueError(f"labels has {len(out)} entries but there are {k} studies")
    return out


def _studies(es: EffectSizes, labels: tuple[str, ...], included: np.ndarray, ratio: bool,
             level: float) -> tuple:
    """Per-study records with back-transformed CIs (normal-based, like forest plots)."""
    z = norm_crit(level)
    se = np.sqrt(es.vi)
    lo = es.yi - z * se
    hi = es.yi + z * se
    if ratio:
        est, lo, hi = np.exp(es.yi), np.exp(lo), np.exp(hi)
    else:
        est = es.yi
    if es.all_ok:  # fast path: one constructor call per study, no per-row branching
        return tuple(map(StudyEffect, labels, es.yi.tolist(), es.vi.tolist(), est.tolist(), lo.tolist(),
                         hi.tolist(), included.tolist(), es.reasons))
    rows = zip(
        labels, es.yi.tolist(), es.vi.tolist(), est.tolist(), lo.tolist(), hi.tolist(),
        es.ok.tolist(), included.tolist(), es.reasons, strict=True,
    )
    return tuple(
        StudyEffect(lab, y, v, e, a, b, inc, reason)
        if ok
        else StudyEffect(lab, None, None, None, None, None, inc, reason)
        for lab, y, v, e, a, b, ok, inc, reason in rows
    )


def _undefined(measure: Measure, method: str, hksj: bool, level: float, fit: Fit,
               studies: tuple[StudyEffect, ...], weights: tuple[float, ...]) -> PooledResult:
    return PooledResult(
        measure=measure, method=method, hksj=hksj, level=level, defined=False, reason=fit.reason,
        k=fit.k, estimate=None, ci_low=None, ci_high=None, theta=None, se=None, pval=None,
        test=fit.test, df=fit.df, Q=None, Q_df=0, Q_pval=None, I2=None, tau2=None, tau=None,
        pi_low=None, pi_high=None, weights=weights, studies=studies, notes=tuple(fit.notes),
    )


def _percent(w: np.ndarray, k_all: int) -> np.ndarray:
    """Weights in percent, input order; all 0.0 when nothing carries weight."""
    total = float(w.sum())
    if total <= 0.0 or not math.isfinite(total):
        return np.zeros(k_all)
    return w / total * 100.0


def _fit(tables: Tables, measure: str, method: str, hksj: bool, level: float,
         cache: dict) -> tuple[Fit, EffectSizes]:
    key = "PETO" if method == "PETO" else measure
    es = cache.get(key)
    if es is None:
        es = cache[key] = effect_sizes(tables, key)
    if method == "MH":
        return mantel_haenszel(tables, measure, es), es
    if method == "PETO":
        return peto(tables), es
    if method == "IV":
        return fixed_iv(es), es
    return random_effects(es, method, hksj=hksj, level=level), es


def _notes(es: EffectSizes, method: str) -> list[str]:
    notes = []
    if es.n_corrected and method not in ("MH", "PETO"):
        notes.append(f"0.5 added to every cell of studies with a zero cell ({es.n_corrected})")
    n_drop = 0 if es.all_estimable else int((~es.estimable).sum())
    if n_drop and es.measure != "RD":
        if method in ("MH", "PETO"):
            notes.append(f"{n_drop} studies without an estimable effect carry no weight")
        else:
            notes.append(f"{n_drop} studies without an estimable effect excluded")
    return notes


def _result(m: Measure, method: str, hksj: bool, level: float, fit: Fit,
            studies: tuple[StudyEffect, ...], weights: tuple[float, ...]) -> PooledResult:
    """The PooledResult of a finished fit (CIs, p-value, back-transformation)."""
    if fit.theta is None or fit.se is None:
        return _undefined(m, method, hksj, level, fit, studies, weights)
    theta, se = fit.theta, fit.se
    if se == 0.0:
        fit.reason = "zero standard error (all studies have identical effects under HKSJ)"
        return _undefined(m, method, hksj, level, fit, studies, weights)
    if fit.test == "t":
        crit = t_crit(level, fit.df)
        pval = t_two_sided_p(theta / se, fit.df)
    else:
        crit = norm_crit(level)
        pval = norm_two_sided_p(theta / se)
    lo, hi = theta - crit * se, theta + crit * se
    pi = fit.pi
    if m != "RD":
        est, lo, hi = math.exp(theta), math.exp(lo), math.exp(hi)
        if pi is not None:
            pi = (math.exp(pi[0]), math.exp(pi[1]))
    else:
        est = theta
    tau2 = fit.tau2 if fit.tau2 is not None else 0.0
    return PooledResult(
        measure=m, method=method, hksj=hksj, level=level, defined=True, reason=None, k=fit.k,
        estimate=est, ci_low=lo, ci_high=hi, theta=theta, se=se, pval=pval, test=fit.test,
        df=fit.df, Q=fit.Q, Q_df=fit.Q_df, Q_pval=fit.Q_pval, I2=fit.I2, tau2=tau2,
        tau=math.sqrt(tau2), pi_low=None if pi is None else pi[0],
        pi_high=None if pi is None else pi[1], weights=weights,
        studies=studies, notes=tuple(fit.notes),
    )


def pool_tables(tables: Tables, *, measure: str = "RR", method: str = "MH", hksj: bool = False,
                labels: tuple[str, ...] | None = None, level: float = 0.95,
                _cache: dict | None = None) -> PooledResult:
    """:func:`pool` on already validated tables (used by pool_all and subgroup code)."""
    _check_options(measure, method, hksj, level)
    k_all = tables.k
    cache: dict = {} if _cache is None else _cache
    fit, es = _fit(tables, measure, method, hksj, level, cache)
    table_based = method in ("MH", "PETO")
    # per-study records depend only on the effect sizes and on whether the
    # model uses all tables (MH/Peto) or the estimable ones; a shared cache
    # must only be used with one set of tables and labels. The records are
    # made only when read (Deferred): for thousands of studies they cost ten
    # times the pooling itself.
    studies = cache.get(("studies", es.measure, table_based))
    if studies is None:
        studies = cache[("studies", es.measure, table_based)] = Deferred(
            lambda: _studies(es, labels if labels is not None else _labels(None, k_all),
                             np.ones(k_all, dtype=bool) if table_based else es.ok, measure != "RD", level), k_all)
    fit.notes[:0] = _notes(es, method)
    weights = tuple(_percent(fit.raw_weights, k_all).tolist())
    return _result(measure, method, hksj, level, fit, studies, weights)  # type: ignore[arg-type]


def pool_summary(tables: Tables, *, measure: str = "RR", method: str = "MH", hksj: bool = False,
                 level: float = 0.95, _cache: dict | None = None) -> tuple[PooledResult, np.ndarray]:
    """:func:`pool_tables` without anything per study, for very many studies.

    The same numbers as :func:`pool_tables`, but ``studies`` and ``weights`` of the
    result are empty: the weights (percent, input order, 0.0 for excluded studies)
    come back beside it as one float array, and no per-study record or Python
    float is made. ``_cache`` may be shared as in :func:`pool_tables`.
    """
    _check_options(measure, method, hksj, level)
    cache: dict = {} if _cache is None else _cache
    fit, es = _fit(tables, measure, method, hksj, level, cache)
    fit.notes[:0] = _notes(es, method)
    weights = _percent(fit.raw_weights, tables.k)
    return _result(measure, method, hksj, level, fit, (), ()), weights  # type: ignore[arg-type]


def pool(
    ai: Sequence[int] | np.ndarray,
    n1i: Sequence[int] | np.ndarray,
    ci: Sequence[int] | np.ndarray,
    n2i: Sequence[int] | np.ndarray,
    *,
    measure: str = "RR",
    method: str = "MH",
    hksj: bool = False,
    labels: Sequence[str] | None = None,
    level: float = 0.95,
) -> PooledResult:
    """Pool 2x2 tables (treatment events/total, control events/total).

    ``measure``: RR, OR or RD. ``method``: MH, PETO (OR only), IV
    (fixed-effect inverse variance) or the random-effects DL, REML, PM;
    ``hksj`` adds the Hartung-Knapp-Sidik-Jonkman adjustment to the latter.
    Raises ValueError for invalid counts or options; estimates that are not
    defined for legitimate data come back with ``defined=False``.
    """
    _check_options(measure, method, hksj, level)
    tables = validate_tables(ai, n1i, ci, n2i)
    return pool_tables(tables, measure=measure, method=method, hksj=hksj,
                       labels=None if labels is None else _labels(labels, tables.k), level=level)


def method_keys(measure: str) -> tuple[str, ...]:
    """The method keys pool_all() returns for a measure."""
    return (*ALL_KEYS, "PETO") if measure == "OR" else ALL_KEYS


def split_key(key: str) -> tuple[str, bool]:
    """'DL_HKSJ' -> ('DL', True); 'MH' -> ('MH', False)."""
    if key.endswith("_HKSJ"):
        return key[: -len("_HKSJ")], True
    return key, False


def pool_all(
    ai: Sequence[int] | np.ndarray,
    n1i: Sequence[int] | np.ndarray,
    ci: Sequence[int] | np.ndarray,
    n2i: Sequence[int] | np.ndarray,
    labels: Sequence[str] | None = None,
    level: float = 0.95,
) -> dict[str, dict[str, PooledResult]]:
    """Every measure with every method: {"RR": {"MH": ..., "DL_HKSJ": ...}, "OR": {..., "PETO"}, ...}."""
    tables = validate_tables(ai, n1i, ci, n2i)
    labs = _labels(labels, tables.k)
    out: dict[str, dict[str, PooledResult]] = {}
    cache: dict = {}  # effect sizes and study records shared by the 22 analyses
    for measure in MEASURES:
        out[measure] = {}
        for key in method_keys(measure):
            method, hksj = split_key(key)
            out[measure][key] = pool_tables(tables, measure=measure, method=method, hksj=hksj,
                                            labels=labs, level=level, _cache=cache)
    return out


__all__ = ["NO_EVENTS", "pool", "pool_all", "pool_summary", "pool_tables"]
