"""Properties of analysis.network that hold for any data: invariances, consistency, limits, errors.

Random networks come from a seeded numpy generator (the seed drawn by hypothesis), so each example is a
whole network with two-, three- and four-arm trials and, at low risks, zero cells.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import DisconnectedNetwork, network_meta_analysis, pool
from analysis.network_data import prepare

TREATMENTS = ("placebo", "alpha", "beta", "gamma", "delta")
SEEDS = st.integers(0, 2**32 - 1)
MEASURES = ("OR", "RR", "RD")


def random_network(seed: int, n_studies: int = 14, low: float = 0.05) -> dict[str, list]:
    rng = np.random.default_rng(seed)
    effect = dict(zip(TREATMENTS, [0.0, *rng.normal(-0.4, 0.4, len(TREATMENTS) - 1)], strict=True))
    study, treatment, events, n = [], [], [], []
    # a first trial of every treatment against placebo keeps the network connected
    designs = [("placebo", t) for t in TREATMENTS[1:]]
    for _ in range(n_studies - len(designs)):
        size = int(rng.choice([2, 2, 2, 3, 4]))
        designs.append(tuple(rng.choice(TREATMENTS, size, replace=False).tolist()))
    for s, design in enumerate(designs):
        base = rng.uniform(low, 0.5)
        for t in design:
            m = int(rng.integers(20, 300))
            p = 1 / (1 + math.exp(-(math.log(base / (1 - base)) + effect[t] + rng.normal(0, 0.2))))
            e = int(rng.binomial(m, p))
            if s < len(TREATMENTS) - 1:  # the connecting trials are never left out (zero cells in every arm)
                e = min(max(e, 1), m - 1)
            study.append(f"s{s}")
            treatment.append(t)
            events.append(e)
            n.append(m)
    return {"study": study, "treatment": treatment, "events": events, "n": n}


def fit(data: dict, **kw):
    return network_meta_analysis(data["study"], data["treatment"], data["events"], data["n"], **kw)


def same(a: float, b: float, tol: float = 1e-8) -> bool:
    return abs(a - b) <= tol * (1 + abs(b))


def assert_same_fit(r1, r2, rename=lambda t: t) -> None:
    assert same(r1.tau2, r2.tau2) and same(r1.Q, r2.Q) and r1.df == r2.df and r1.k == r2.k
    for p in r1.pairs():
        q = r2.pair(rename(p.treatment), rename(p.versus))
        assert same(p.log_estimate, q.log_estimate) and same(p.se, q.se), (p, q)
    s1, s2 = r1.p_scores(), r2.p_scores()
    assert all(same(v, s2[rename(t)]) for t, v in s1.items())


@settings(max_examples=15, deadline=None)
@given(SEEDS, st.sampled_from(MEASURES))
def test_invariant_to_study_and_arm_order(seed: int, measure: str) -> None:
    data = random_network(seed)
    rng = np.random.default_rng(seed + 1)
    rows = list(zip(*data.values(), strict=True))
    order = rng.permutation(len(rows))  # studies interleaved and each study's arms (its baseline) reordered
    shuffled = dict(zip(data, map(list, zip(*(rows[i] for i in order), strict=True)), strict=True))
    r1, r2 = fit(data, measure=measure), fit(shuffled, measure=measure)
    assert_same_fit(r1, r2)
    assert sorted(r1.studies) == sorted(r2.studies)


@settings(max_examples=15, deadline=None)
@given(SEEDS, st.sampled_from(MEASURES))
def test_invariant_to_renaming_treatments(seed: int, measure: str) -> None:
    data = random_network(seed)
    # the new names sort in another order, so the internal order of treatments changes too
    names = dict(zip(TREATMENTS, ["zz placebo", "m", "a", "Q", "b"], strict=True))
    renamed = {**data, "treatment": [names[t] for t in data["treatment"]]}
    r1 = fit(data, measure=measure, reference="placebo")
    r2 = fit(renamed, measure=measure, reference="zz placebo")
    assert_same_fit(r1, r2, rename=names.__getitem__)
    assert {names[s.treatment] + "|" + names[s.versus] for s in r1.splits} | {
        names[s.versus] + "|" + names[s.treatment] for s in r1.splits
    } >= {s.treatment + "|" + s.versus for s in r2.splits}


@settings(max_examples=10, deadline=None)
@given(SEEDS, st.sampled_from(MEASURES), st.sampled_from(("fixed", "random")))
def test_pairs_are_consistent(seed: int, measure: str, model: str) -> None:
    res = fit(random_network(seed), measure=measure, model=model)
    t = res.treatments
    for a in t:
        for b in t:
            if a == b:
                continue
            ab, ba = res.pair(a, b), res.pair(b, a)
            assert ab.log_estimate == -ba.log_estimate and ab.se == ba.se
            if measure == "RD":
                assert ab.estimate == ab.log_estimate and ab.ci_low == -ba.ci_high
            else:
                assert same(ab.estimate * ba.estimate, 1.0) and same(ab.ci_low * ba.ci_high, 1.0)
            assert ab.ci_low < ab.estimate < ab.ci_high
            for c in t:  # consistency: a-c = (a-b) + (b-c) on the model scale
                if c not in (a, b):
                    assert same(res.pair(a, c).log_estimate, ab.log_estimate + res.pair(b, c).log_estimate)
    against_ref = {e.treatment: e for e in res.estimates}
    assert set(against_ref) == set(t) - {res.reference}
    for x, e in against_ref.items():  # the same numbers, by another path to the last bit or so
        p = res.pair(x, res.reference)
        assert (p.treatment, p.versus) == (e.treatment, e.versus)
        assert all(same(getattr(p, f), getattr(e, f)) for f in ("estimate", "ci_low", "ci_high", "log_estimate", "se"))
    assert len(res.pairs()) == len(t) * (len(t) - 1) // 2


@settings(max_examples=10, deadline=None)
@given(SEEDS)
def test_p_scores_sum_to_half_the_treatments_and_flip(seed: int) -> None:
    res = fit(random_network(seed))
    up, down = res.p_scores(), res.p_scores(larger_is_better=False)
    assert same(sum(up.values()), len(res.treatments) / 2)
    assert all(same(up[t] + down[t], 1.0) and 0 <= up[t] <= 1 for t in res.treatments)


def test_fixed_equals_random_when_tau2_is_zero() -> None:
    data = {"study": ["a", "a", "b", "b", "c", "c", "c"], "treatment": ["P", "X", "P", "X", "P", "X", "Y"],
            "events": [20, 10, 40, 20, 30, 15, 20], "n": [100, 100, 200, 200, 150, 150, 150]}
    fixed, random = fit(data, model="fixed"), fit(data, model="random")
    assert random.tau2 == 0.0 and fixed.tau2 == 0.0
    assert fixed.estimates == random.estimates and fixed.splits == random.splits


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize(("model", "method"), [("fixed", "IV"), ("random", "REML")])
def test_two_treatments_equal_the_pairwise_inverse_variance_pooling(measure: str, model: str, method: str) -> None:
    ai, n1i, ci, n2i = [12, 0, 30, 8, 25, 4], [100, 80, 210, 60, 150, 40], [20, 6, 41, 9, 30, 0], [98, 82, 205,
                                                                                                  61, 148, 41]
    study = [f"s{i}" for i in range(6) for _ in range(2)]
    treatment = ["drug", "control"] * 6
    events = [x for pair in zip(ai, ci, strict=True) for x in pair]
    n = [x for pair in zip(n1i, n2i, strict=True) for x in pair]
    net = network_meta_analysis(study, treatment, events, n, measure=measure, model=model, reference="control")
    pw = pool(ai, n1i, ci, n2i, measure=measure, method=method)
    est = net.pair("drug", "control")
    assert same(est.log_estimate, pw.theta, 1e-9) and same(est.se, pw.se, 1e-9) and same(net.tau2, pw.tau2, 1e-9)
    assert same(net.Q, pw.Q, 1e-9) and net.df == pw.Q_df
    split = net.split("drug", "control")
    assert split.indirect is None and split.k_direct == 6 and same(split.direct.log_estimate, est.log_estimate, 1e-12)


def test_studies_without_information_are_left_out_and_named() -> None:
    data = random_network(7)
    base = fit(data)
    extra = {"study": [*data["study"], "none", "none", "none", "all", "all"],
             "treatment": [*data["treatment"], "placebo", "alpha", "beta", "alpha", "gamma"],
             "events": [*data["events"], 0, 0, 0, 40, 50], "n": [*data["n"], 30, 31, 29, 40, 50]}
    res = fit(extra)
    assert res.excluded == ("none", "all") and "none" not in res.studies and res.k == base.k
    assert_same_fit(base, res)


@pytest.mark.parametrize("measure", MEASURES)
def test_zero_cell_rule_adds_to_every_arm_of_the_study(measure: str) -> None:
    # study a has a zero cell (P) and study c an arm with only events (X): 0.5 events and 1 participant are
    # added to every arm of those two studies; study b is left as it is
    study, treatment = ["a", "a", "a", "b", "b", "c", "c"], ["P", "X", "Y", "P", "Y", "P", "X"]
    events, n = [0, 5, 7, 9, 12, 30, 30], [40, 41, 39, 80, 82, 60, 30]
    arms = prepare(study, treatment, events, n, measure)
    e = np.array([0.5, 5.5, 7.5, 9, 12, 30.5, 30.5])
    m = np.array([41, 42, 40, 80, 82, 61, 31])
    p = e / m
    expected = {"OR": np.log(e / (m - e)), "RR": np.log(p), "RD": p}[measure]
    variance = {"OR": 1 / e + 1 / (m - e), "RR": 1 / e - 1 / m, "RD": p * (1 - p) / m}[measure]
    assert arms.excluded == () and arms.studies == ("a", "b", "c") and arms.corrected == ("a", "c")
    assert network_meta_analysis(study, treatment, events, n, measure=measure).corrected == ("a", "c")
    np.testing.assert_allclose(arms.theta, expected, rtol=1e-15)
    np.testing.assert_allclose(arms.var, variance, rtol=1e-15)


def test_pairs_informed_only_by_their_own_contrasts_have_no_indirect_estimate() -> None:
    # a lone three-arm trial (A, B, C) and a spoke (C-D): all evidence on every pair is direct
    data = {"study": ["t", "t", "t", "u", "u"], "treatment": ["A", "B", "C", "C", "D"],
            "events": [10, 14, 20, 12, 18], "n": [100, 100, 100, 90, 95]}
    res = fit(data, model="fixed", reference="A")
    assert [(s.treatment, s.versus) for s in res.splits] == [("A", "B"), ("A", "C"), ("B", "C"), ("C", "D")]
    for s in res.splits:
        assert s.indirect is None and s.p_difference is None and s.k_direct == 1
        assert same(s.direct.log_estimate, s.network.log_estimate, 1e-12) and same(s.direct_share, 1.0, 1e-12)
    assert res.split("B", "A").network == res.pair("B", "A") and res.split("A", "D") is None
    # a second trial of A against C brings indirect evidence on A-B through C
    more = {"study": [*data["study"], "v", "v"], "treatment": [*data["treatment"], "A", "C"],
            "events": [*data["events"], 9, 25], "n": [*data["n"], 80, 82]}
    res = fit(more, model="fixed", reference="A")
    ab = res.split("A", "B")
    assert ab.indirect is not None and 0 < ab.direct_share < 1 and 0 < ab.p_difference <= 1
    assert res.split("C", "D").indirect is None
    # the network estimate is the precision-weighted mean of direct and indirect
    w_dir, w_ind = 1 / ab.direct.se**2, 1 / ab.indirect.se**2
    assert same(ab.network.log_estimate, (w_dir * ab.direct.log_estimate + w_ind * ab.indirect.log_estimate)
                / (w_dir + w_ind), 1e-12)


def test_disconnected_network_names_its_components() -> None:
    data = {"study": ["a", "a", "b", "b", "c", "c"], "treatment": ["P", "X", "Y", "Z", "P", "W"],
            "events": [5, 8, 3, 9, 4, 6], "n": [50, 50, 40, 40, 30, 30]}
    with pytest.raises(DisconnectedNetwork) as err:
        fit(data)
    assert err.value.components == (("P", "W", "X"), ("Y", "Z"))
    assert "{P, W, X}" in str(err.value) and "{Y, Z}" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(("change", "message"), [
    ({"study": ["a", "a", "b"]}, "study 'b' has one arm"),
    ({"treatment": ["P", "P", "P"]}, "study 'a' has two arms of 'P'"),
    ({"events": [5, 60, 3]}, "events = 60 exceed n = 50"),
    ({"events": [5, -1, 3]}, "is negative"),
    ({"n": [50, 0, 40]}, "every arm needs participants"),
    ({"events": [5, 2.5, 3]}, "is not a whole number"),
    ({"treatment": ["P", "", "X"]}, "is not a name"),
    ({"n": [50, 50]}, "the same length"),
])
def test_bad_input_is_named(change: dict, message: str) -> None:
    data = {"study": ["a", "a", "a"], "treatment": ["P", "X", "Y"], "events": [5, 8, 3], "n": [50, 50, 40]}
    with pytest.raises(ValueError, match=message):
        fit({**data, **change})


def test_options_and_reference_are_checked() -> None:
    data = {"study": ["a", "a", "b", "b"], "treatment": ["P", "X", "P", "X"], "events": [5, 8, 0, 0],
            "n": [50, 50, 40, 40]}
    with pytest.raises(ValueError, match="unknown measure"):
        fit(data, measure="HR")
    with pytest.raises(ValueError, match="unknown model"):
        fit(data, model="bayes")
    with pytest.raises(ValueError, match="'Q' is not in the data"):
        fit(data, reference="Q")
    assert fit(data).reference == "P" and fit({**data, "treatment": ["Placebo", "X"] * 2}).reference == "Placebo"
    with pytest.raises(ValueError, match="every study has no events"):
        fit({**data, "events": [0, 0, 0, 0]})


def test_reference_only_in_studies_left_out() -> None:
    data = {"study": ["a", "a", "b", "b"], "treatment": ["P", "X", "Q", "X"], "events": [0, 0, 3, 6],
            "n": [50, 50, 40, 40]}
    with pytest.raises(ValueError, match="'P' is only in studies left out"):
        fit(data, reference="P")
