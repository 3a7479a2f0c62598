"""Property-based checks of the pooling engine (hypothesis)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the repo is not necessarily pip-installed
    sys.path.insert(0, str(ROOT))

from analysis import PooledResult, pool, pool_all  # noqa: E402

RATIO_KEYS = [("MH", False), ("IV", False), ("DL", False), ("REML", False), ("PM", False), ("DL", True),
              ("REML", True), ("PM", True)]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def tables(draw: st.DrawFn, min_k: int = 1, max_k: int = 8, max_n: int = 300) -> tuple[list[int], ...]:
    k = draw(st.integers(min_k, max_k))
    ai, n1i, ci, n2i = [], [], [], []
    for _ in range(k):
        n1 = draw(st.integers(1, max_n))
        n2 = draw(st.integers(1, max_n))
        ai.append(draw(st.integers(0, n1)))
        ci.append(draw(st.integers(0, n2)))
        n1i.append(n1)
        n2i.append(n2)
    return ai, n1i, ci, n2i


def close(a: float | None, b: float | None, rel: float = 1e-6, abs_: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= abs_ + rel * abs(b)


def walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in walk(v)]
    if isinstance(value, list):
        return [x for v in value for x in walk(v)]
    return [value]


@SETTINGS
@given(tables())
def test_no_exceptions_no_nan_on_valid_tables(t: tuple[list[int], ...]) -> None:
    results = pool_all(*t)
    for by_key in results.values():
        for r in by_key.values():
            d = r.to_dict()
            json.dumps(d, allow_nan=False)  # raises on NaN/inf
            assert all(not (isinstance(x, float) and not math.isfinite(x)) for x in walk(d))
            if r.defined:
                assert r.estimate is not None and r.ci_low is not None and r.ci_high is not None
                assert r.ci_low <= r.estimate <= r.ci_high
                assert r.pval is not None and 0.0 <= r.pval <= 1.0
                assert r.I2 is not None and 0.0 <= r.I2 <= 100.0
                if r.random_effects:
                    assert r.pi_low is not None and r.pi_high is not None
                    assert r.pi_low <= r.ci_low + 1e-12 and r.ci_high <= r.pi_high + 1e-12
            else:
                assert r.reason
            hash(r)


@SETTINGS
@given(tables())
def test_weights_sum_to_100(t: tuple[list[int], ...]) -> None:
    for by_key in pool_all(*t).values():
        for r in by_key.values():
            assert len(r.weights) == len(t[0])
            if r.defined:
                assert math.isclose(sum(r.weights), 100.0, rel_tol=1e-9)
                assert all(w >= 0.0 for w in r.weights)
                for w, s in zip(r.weights, r.studies, strict=True):
                    if not s.included:
                        assert w == 0.0


def _check_inverse(a: PooledResult, b: PooledResult) -> None:
    assert a.defined == b.defined
    if not a.defined:
        return
    assert close(a.estimate, 1.0 / b.estimate)  # type: ignore[operator]
    assert close(a.ci_low, 1.0 / b.ci_high)  # type: ignore[operator]
    assert close(a.ci_high, 1.0 / b.ci_low)  # type: ignore[operator]
    assert close(a.pval, b.pval, abs_=1e-12)
    assert close(a.tau2, b.tau2)


@SETTINGS
@given(tables())
def test_swapping_arms_inverts_ratios(t: tuple[list[int], ...]) -> None:
    ai, n1i, ci, n2i = t
    for measure in ("RR", "OR"):
        keys = [*RATIO_KEYS, ("PETO", False)] if measure == "OR" else RATIO_KEYS
        for method, hksj in keys:
            a = pool(ai, n1i, ci, n2i, measure=measure, method=method, hksj=hksj)
            b = pool(ci, n2i, ai, n1i, measure=measure, method=method, hksj=hksj)
            _check_inverse(a, b)
    for method in ("MH", "IV", "DL", "REML"):
        a = pool(ai, n1i, ci, n2i, measure="RD", method=method)
        b = pool(ci, n2i, ai, n1i, measure="RD", method=method)
        assert a.defined == b.defined
        if a.defined:
            assert close(a.estimate, -b.estimate, abs_=1e-12)  # type: ignore[operator]
            assert close(a.ci_low, -b.ci_high, abs_=1e-12)  # type: ignore[operator]


@SETTINGS
@given(tables(min_k=2), st.randoms(use_true_random=False))
def test_permuting_studies_changes_nothing(t: tuple[list[int], ...], rnd: Any) -> None:
    order = list(range(len(t[0])))
    rnd.shuffle(order)
    shuffled = [[col[i] for i in order] for col in t]
    before = pool_all(*t)
    after = pool_all(*shuffled)
    for measure, by_key in before.items():
        for key, a in by_key.items():
            b = after[measure][key]
            assert a.defined == b.defined, (measure, key)
            if not a.defined:
                continue
            for f in ("estimate", "ci_low", "ci_high", "pval", "Q", "I2", "tau2", "pi_low", "pi_high"):
                assert close(getattr(a, f), getattr(b, f), abs_=1e-8), (measure, key, f)
            assert a.k == b.k
            for j, i in enumerate(order):
                assert close(b.weights[j], a.weights[i], abs_=1e-7)


@SETTINGS
@given(tables(min_k=1, max_k=1))
def test_single_study_returns_its_own_estimate(t: tuple[list[int], ...]) -> None:
    for measure in ("RR", "OR", "RD"):
        for method, hksj in RATIO_KEYS[1:]:
            r = pool(*t, measure=measure, method=method, hksj=hksj)
            study = r.studies[0]
            if study.yi is None:
                assert not r.defined
                continue
            assert r.defined and r.k == 1
            assert close(r.estimate, study.estimate)
            assert close(r.ci_low, study.ci_low) and close(r.ci_high, study.ci_high)
            assert r.tau2 == 0.0 and r.weights == (100.0,)
