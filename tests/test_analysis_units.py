"""Unit tests: absolute effects and NNT, validation, multi-arm merging, helpers.

Absolute-effect reference values are worked by hand from the formulas in the
Cochrane Handbook (v6.4, section 15.4.4: risk with treatment from RR, OR, RD)
and Altman DG, "Confidence intervals for the number needed to treat",
BMJ 1998;317:1309-12 (NNT = 1/ARR; CI = reciprocals of the ARR CI limits,
"NNTB x to infinity to NNTH y" when the ARR CI spans zero).
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the repo is not necessarily pip-installed
    sys.path.insert(0, str(ROOT))

from analysis import (  # noqa: E402
    NNTEnd,
    absolute_effect,
    absolute_from_result,
    combine_arms,
    leave_one_out,
    median_control_risk,
    nnt_from_difference,
    pool,
    pool_all,
    subgroup_analysis,
    subset,
    treatment_risk,
)

BCG = json.loads((Path(__file__).parent / "reference" / "metafor_fixtures.json").read_text())["datasets"]["bcg"]


# ---------------------------------------------------------------- absolute effects / NNT
def test_rr_crossing_one_gives_nnt_through_infinity() -> None:
    # CR 20%, RR 0.75 (0.50 to 1.10): 150 (100 to 220) per 1000; difference -50 (-100 to +20);
    # ARR 0.05 (-0.02 to 0.10) -> NNTB 20, CI "NNTB 10 to infinity to NNTH 50".
    a = absolute_effect("RR", 0.75, 0.5, 1.1, 0.2)
    assert a.control_per_1000 == pytest.approx(200)
    assert (a.treatment_per_1000, a.treatment_per_1000_low, a.treatment_per_1000_high) == pytest.approx(
        (150, 100, 220))
    assert (a.difference_per_1000, a.difference_per_1000_low, a.difference_per_1000_high) == pytest.approx(
        (-50, -100, 20))
    assert a.nnt.kind == "NNTB" and a.nnt.value == pytest.approx(20)
    assert a.nnt.through_infinity
    assert a.nnt.low.kind == "NNTB" and a.nnt.low.value == pytest.approx(10)
    assert a.nnt.high.kind == "NNTH" and a.nnt.high.value == pytest.approx(50)
    assert a.nnt.low.signed == pytest.approx(10) and a.nnt.high.signed == pytest.approx(-50)


def test_or_conversion_and_ci_ending_at_no_effect() -> None:
    # CR 0.2, OR 0.5: 0.2*0.5/(1-0.2+0.1) = 1/9 -> 111.1 per 1000; OR 0.25 -> 0.05/0.85 = 58.8;
    # OR 1.0 -> 200. Difference -88.9 (-141.2 to 0): NNTB 11.25, CI 7.08 to infinity.
    a = absolute_effect("OR", 0.5, 0.25, 1.0, 0.2)
    assert a.treatment_per_1000 == pytest.approx(1000 / 9)
    assert a.treatment_per_1000_low == pytest.approx(1000 * 0.05 / 0.85)
    assert a.treatment_per_1000_high == pytest.approx(200)
    assert a.nnt.value == pytest.approx(11.25)
    assert a.nnt.low == NNTEnd(pytest.approx(1 / (0.2 - 0.05 / 0.85)), "NNTB")
    assert a.nnt.high == NNTEnd(None, "NNTB")
    assert not a.nnt.through_infinity


def test_rd_benefit_excluding_zero() -> None:
    # CR 0.3, RD -0.10 (-0.15 to -0.05): 200 (150 to 250) per 1000; NNTB 10 (6.67 to 20).
    a = absolute_effect("RD", -0.1, -0.15, -0.05, 0.3)
    assert (a.treatment_per_1000, a.treatment_per_1000_low, a.treatment_per_1000_high) == pytest.approx(
        (200, 150, 250))
    assert a.nnt.kind == "NNTB" and a.nnt.value == pytest.approx(10)
    assert a.nnt.low == NNTEnd(pytest.approx(1 / 0.15), "NNTB")
    assert a.nnt.high == NNTEnd(pytest.approx(20), "NNTB")


def test_harm_excluding_zero() -> None:
    # CR 0.1, RR 2 (1.5 to 3): 200 (150 to 300); difference +100 (+50 to +200): NNTH 10 (5 to 20).
    a = absolute_effect("RR", 2.0, 1.5, 3.0, 0.1)
    assert a.nnt.kind == "NNTH" and a.nnt.value == pytest.approx(10)
    assert a.nnt.low == NNTEnd(pytest.approx(5), "NNTH")
    assert a.nnt.high == NNTEnd(pytest.approx(20), "NNTH")
    assert a.nnt.low.signed == pytest.approx(-5)


def test_beneficial_outcome_flips_direction() -> None:
    # "recovery": CR 0.4, RR 1.5 (1.25 to 1.75): 600 per 1000, +200 -> NNTB 5 (3.33 to 10)
    a = absolute_effect("RR", 1.5, 1.25, 1.75, 0.4, events_are_harmful=False)
    assert a.nnt.kind == "NNTB" and a.nnt.value == pytest.approx(5)
    assert (a.nnt.low.value, a.nnt.high.value) == pytest.approx((1 / 0.3, 10))


def test_no_difference_means_infinite_nnt() -> None:
    n = nnt_from_difference(0.0, -0.04, 0.05)
    assert n.value is None and n.kind is None and n.through_infinity
    assert n.low == NNTEnd(pytest.approx(25), "NNTB") and n.high == NNTEnd(pytest.approx(20), "NNTH")


def test_treatment_risk_clipped_and_noted() -> None:
    a = absolute_effect("RR", 3.0, 2.0, 4.0, 0.4)
    assert a.treatment_per_1000_high == 1000.0
    assert a.notes


def test_treatment_risk_formulas() -> None:
    assert treatment_risk("RR", 0.5, 0.3) == pytest.approx(0.15)
    assert treatment_risk("OR", 1.0, 0.3) == pytest.approx(0.3)
    assert treatment_risk("RD", 0.05, 0.3) == pytest.approx(0.35)


@pytest.mark.parametrize(
    "args",
    [("HR", 1.0, 0.9, 1.1, 0.2), ("RR", 0.8, 0.9, 1.1, 0.2), ("RR", 0.8, 0.7, 0.9, 1.5),
     ("OR", -1.0, -2.0, 0.5, 0.2), ("RR", float("nan"), 0.5, 1.0, 0.2)],
)
def test_absolute_effect_rejects_bad_input(args: tuple) -> None:
    with pytest.raises(ValueError):
        absolute_effect(*args)


def test_absolute_from_result_uses_pooled_estimate() -> None:
    r = pool(*(BCG["input"][c] for c in ("ai", "n1i", "ci", "n2i")), measure="RR", method="REML")
    a = absolute_from_result(r, 0.05)
    assert a.treatment_per_1000 == pytest.approx(50 * r.estimate)
    undefined = pool([0, 0], [10, 10], [0, 0], [10, 10], measure="RR", method="MH")
    with pytest.raises(ValueError, match="not defined"):
        absolute_from_result(undefined, 0.1)


def test_median_control_risk() -> None:
    assert median_control_risk([1, 2, 3], [10, 10, 10]) == pytest.approx(0.2)
    assert median_control_risk([1, 3], [10, 10]) == pytest.approx(0.2)
    with pytest.raises(ValueError):
        median_control_risk([5], [4])
    with pytest.raises(ValueError):
        median_control_risk([], [])


# ---------------------------------------------------------------- multi-arm trials
def test_combine_arms_sums_arms() -> None:
    assert combine_arms([10, 12], [100, 110]) == (22, 210)
    assert combine_arms([3], [30]) == (3, 30)


@pytest.mark.parametrize(("events", "totals"), [([1, 2], [10]), ([], []), ([11], [10]), ([-1], [10]),
                                                ([1], [0]), ([1.5], [10])])
def test_combine_arms_rejects_bad_arms(events: list, totals: list) -> None:
    with pytest.raises(ValueError):
        combine_arms(events, totals)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1, -1], [10, 10], [1, 1], [10, 10]), "ai\\[1\\].*negative"),
        (([11], [10], [1], [10]), "ai\\[0\\] = 11 exceeds n1i\\[0\\] = 10"),
        (([1], [10], [3], [2]), "ci\\[0\\] = 3 exceeds n2i"),
        (([0], [0], [1], [10]), "n1i\\[0\\]"),
        (([1, 2], [10], [1], [10]), "same length"),
        (([], [], [], []), "at least one study"),
        (([1.5], [10], [1], [10]), "whole number"),
        ((["a"], [10], [1], [10]), "whole number"),
        ((5, [10], [1], [10]), "sequence"),
    ],
)
def test_invalid_input_raises_clear_value_error(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pool(*args)


def test_float_counts_that_are_whole_are_accepted() -> None:
    assert pool([1.0, 2.0], [10.0, 20.0], [3.0, 4.0], [10.0, 20.0]).defined


@pytest.mark.parametrize(
    "kwargs",
    [{"measure": "HR"}, {"method": "XX"}, {"measure": "RR", "method": "PETO"}, {"method": "IV", "hksj": True},
     {"level": 1.5}],
)
def test_invalid_options_raise(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        pool([1], [10], [2], [10], **kwargs)


def test_labels_must_match() -> None:
    with pytest.raises(ValueError, match="labels"):
        pool([1, 2], [10, 10], [1, 2], [10, 10], labels=["only one"])


# ---------------------------------------------------------------- results
def test_results_are_frozen_hashable_and_json_ready() -> None:
    r = pool(*(BCG["input"][c] for c in ("ai", "n1i", "ci", "n2i")), labels=BCG["input"]["labels"],
             measure="OR", method="DL", hksj=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.estimate = 1.0  # type: ignore[misc]
    hash(r)
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["studies"][0]["label"] == "Aronson 1948"
    assert r.key == "DL_HKSJ" and r.test == "t" and r.df == 12
    assert all(isinstance(w, float) for w in r.weights)


def test_undefined_results_say_why() -> None:
    r = pool([0, 0], [10, 12], [3, 4], [11, 12], measure="RR", method="MH")
    assert not r.defined and "treatment" in (r.reason or "")
    assert r.estimate is None and r.pval is None
    r = pool([0, 0], [10, 12], [0, 0], [11, 12], measure="OR", method="DL")
    assert not r.defined and "k = 0" in (r.reason or "") and r.k == 0
    assert all(not s.included and s.reason for s in r.studies)
    rd = pool([0, 0], [10, 12], [0, 0], [11, 12], measure="RD", method="DL")
    assert rd.defined and rd.k == 2


def test_zero_cell_handling_is_reported() -> None:
    r = pool([0, 4, 0], [20, 30, 25], [2, 5, 0], [21, 29, 24], measure="RR", method="IV")
    assert r.k == 2
    assert r.studies[2].included is False and r.studies[2].reason == "no events in either arm"
    assert r.weights[2] == 0.0
    assert any("0.5 added" in n for n in r.notes)
    mh = pool([0, 4, 0], [20, 30, 25], [2, 5, 0], [21, 29, 24], measure="RR", method="MH")
    assert mh.k == 3 and mh.weights[2] == 0.0 and mh.Q_df == 1


def test_pool_all_keys() -> None:
    res = pool_all([4, 6, 3], [123, 306, 231], [11, 29, 11], [139, 303, 220])
    keys = ["MH", "IV", "DL", "REML", "PM", "DL_HKSJ", "REML_HKSJ"]
    assert list(res) == ["RR", "OR", "RD"]
    assert list(res["RR"]) == keys and list(res["RD"]) == keys
    assert list(res["OR"]) == [*keys, "PETO"]
    assert res["RR"]["REML_HKSJ"].hksj and res["RR"]["REML_HKSJ"].method == "REML"


def test_prediction_interval_conventions() -> None:
    ai, n1i, ci, n2i = (BCG["input"][c] for c in ("ai", "n1i", "ci", "n2i"))
    fixed = pool(ai, n1i, ci, n2i, method="IV")
    assert fixed.pi_low is None and fixed.pi_high is None
    z = pool(ai, n1i, ci, n2i, method="DL")
    half = 1.959963984540054 * math.sqrt(z.se**2 + z.tau2)
    assert z.pi_low == pytest.approx(math.exp(z.theta - half))
    t = pool(ai, n1i, ci, n2i, method="DL", hksj=True)
    assert t.pi_low < z.pi_low  # t(k-1) quantile and the HKSJ se


# ---------------------------------------------------------------- subgroups / leave-one-out / subset
def test_subgroups_need_two_estimable_groups() -> None:
    res = subgroup_analysis({"a": ([1, 2], [10, 10], [2, 3], [10, 10])}, measure="RR", method="IV")
    assert not res.defined and res.Q_between is None and res.reason
    res = subgroup_analysis(
        {"a": {"ai": [1, 2], "n1i": [10, 10], "ci": [2, 3], "n2i": [10, 10]},
         "none": ([0], [10], [0], [10])},
        measure="RR", method="IV",
    )
    assert not res.defined and not res.group("none").defined
    with pytest.raises(KeyError):
        res.group("missing")


def test_subgroups_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="subgroup 'b'"):
        subgroup_analysis({"a": ([1], [10], [2], [10]), "b": ([11], [10], [2], [10])})
    with pytest.raises(ValueError):
        subgroup_analysis({"a": ([1], [10])})
    with pytest.raises(ValueError):
        subgroup_analysis({})


def test_subgroup_result_serialises() -> None:
    res = subgroup_analysis({"a": ([1, 2], [10, 10], [2, 3], [10, 10]), "b": ([5, 4], [10, 10], [2, 3], [10, 10])},
                            measure="OR", method="MH")
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert set(d["groups"]) == {"a", "b"} and d["df"] == 1


def test_leave_one_out_labels_and_errors() -> None:
    out = leave_one_out([1, 2, 3], [10, 10, 10], [2, 3, 4], [10, 10, 10], labels=["x", "y", "z"], method="IV")
    assert [o.omitted_label for o in out] == ["x", "y", "z"]
    assert [s.label for s in out[1].result.studies] == ["x", "z"]
    with pytest.raises(ValueError):
        leave_one_out([1], [10], [2], [10])


def test_subset_helper_feeds_pool() -> None:
    ai, n1i, ci, n2i, labels = subset([0, 2], [1, 2, 3], [10, 10, 10], [2, 3, 4], [10, 10, 10], ["x", "y", "z"])
    assert (ai, n1i, ci, n2i, labels) == ([1, 3], [10, 10], [2, 4], [10, 10], ["x", "z"])
    assert pool(ai, n1i, ci, n2i, labels=labels).k == 2
    with pytest.raises(ValueError):
        subset([5], [1], [10], [2], [10])
