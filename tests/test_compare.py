"""Comparisons between drugs (direct, indirect by Bucher, published), rankings, summary-of-findings overviews
and rule-based certainty: checked by hand, against R metafor, and on the real knowledge base."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from analysis import bucher, bucher_from_results, pool
from bot.answers.as_json import answer_json
from bot.answers.certainty import Evidence, rate
from bot.answers.render import text

REFERENCE = json.loads((Path(__file__).parent / "reference" / "bucher_fixtures.json").read_text())


# --- the Bucher computation -----------------------------------------------------------------------------------

def test_bucher_by_hand():
    # RR 1.5 (se of log 0.1) against placebo, and RR 1.2 (se 0.2): A vs B = 1.5 / 1.2 = 1.25
    r = bucher(math.log(1.5), 0.1, math.log(1.2), 0.2, "RR")
    se = math.sqrt(0.1 ** 2 + 0.2 ** 2)
    assert r.estimate == pytest.approx(1.25)
    assert r.se == pytest.approx(se)
    z = 1.959963985
    assert (r.ci_low, r.ci_high) == pytest.approx((1.25 * math.exp(-z * se), 1.25 * math.exp(z * se)))
    d = bucher(0.10, 0.03, 0.04, 0.04, "RD")  # risk differences subtract, variances add
    assert (d.estimate, d.se) == pytest.approx((0.06, 0.05))
    assert (d.ci_low, d.ci_high) == pytest.approx((0.06 - 1.959963985 * 0.05, 0.06 + 1.959963985 * 0.05))


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_bucher_matches_metafor_meta_regression(measure):
    """metafor: rma(yi, vi, mods = ~ drugB, method = "FE") on both sets equals A - B under a common fixed effect."""
    data, expected = REFERENCE["input"], REFERENCE["measures"][measure]
    sets = [pool(data[s]["ai"], data[s]["n1i"], data[s]["ci"], data[s]["n2i"], measure=measure, method="IV")
            for s in ("A", "B")]
    for result, side in zip(sets, ("a", "b"), strict=True):
        assert result.theta == pytest.approx(expected[side]["estimate_log"], rel=1e-8)
        assert result.se == pytest.approx(expected[side]["se"], rel=1e-8)
    r = bucher_from_results(*sets)
    for ours, theirs in ((r.theta, "estimate_log"), (r.se, "se")):
        assert ours == pytest.approx(expected["indirect"][theirs], rel=1e-8)
        assert ours == pytest.approx(abs(expected["metaregression"][theirs]) if theirs == "se"
                                     else expected["metaregression"][theirs], rel=1e-8)
    low, high = (r.ci_low, r.ci_high) if measure == "RD" else (math.log(r.ci_low), math.log(r.ci_high))
    assert (low, high) == pytest.approx((expected["indirect"]["ci_low_log"], expected["indirect"]["ci_high_log"]),
                                        rel=1e-8)


def test_bucher_refuses_unlike_poolings():
    a = pool([10], [100], [5], [100], measure="RR", method="MH")
    b = pool([10], [100], [5], [100], measure="OR", method="MH")
    assert bucher_from_results(a, b) is None


# --- comparisons on the knowledge base ------------------------------------------------------------------------

def test_direct_and_indirect_side_by_side(service):
    c = service.ask("abrocitinib vs dupilumab EASI-75").answer.comparisons[0]
    assert c.lead == "direct" and [t.trial_id for t in c.direct.evidence.tables] == ["jade_compare"]
    # JADE COMPARE has arms of both drugs: it is head-to-head evidence, never a placebo side of the indirect
    for side in (c.via_a, c.via_b):
        assert "jade_compare" not in {t.trial_id for t in side.evidence.tables}
    by_hand = bucher(c.via_a.pooled.theta, c.via_a.pooled.se, c.via_b.pooled.theta, c.via_b.pooled.se, "RR")
    assert c.indirect.estimate == pytest.approx(by_hand.estimate)
    reply = text(service.ask("abrocitinib vs dupilumab EASI-75").reply)
    assert "Direct, head-to-head: risk ratio" in reply and "Indirect, through placebo: risk ratio" in reply
    assert "not randomised" in reply and "different time points (week 12 vs week 16)" in reply


def test_indirect_only_says_so_and_is_downgraded(service):
    result = service.ask("tralokinumab vs lebrikizumab EASI-75")
    c = result.answer.comparisons[0]
    assert c.direct.ours is None and c.indirect is not None and c.lead == "indirect"
    assert c.certainty.source == "rule-based"
    assert any(r.startswith("indirectness: downgraded") for r in c.certainty.reasons)
    reply = text(result.reply)
    assert "no trial of tralokinumab against lebrikizumab has counts" in reply
    assert "Certainty of the indirect estimate" in reply


def test_comparison_json_shape(service):
    result = service.ask("abrocitinib vs dupilumab EASI-75")
    data = answer_json(result.answer, result.reply, service.kb, "")
    assert (data["intent"], data["intervention"], data["comparator"]) == ("compare", "abrocitinib", "dupilumab")
    r = data["results"][0]
    assert r["direct"]["k"] == 1 and r["indirect"]["a"]["drug"] == "abrocitinib"
    assert r["indirect"]["b"]["drug"] == "dupilumab" and r["indirect"]["b"]["k"] >= 2
    assert r["certainty"]["source"] == "rule-based" and r["certainty"]["reasons"]


def test_published_network_estimate_leads_and_is_turned_round(service):
    """The curated network meta-analysis reports dupilumab vs upadacitinib for herpes zoster (OR 0.23); asked the
    other way round, it leads as upadacitinib vs dupilumab, 1/0.23."""
    c = service.ask("upadacitinib vs dupilumab herpes zoster").answer.comparisons[0]
    assert c.lead == "published"
    assert c.published.estimate == pytest.approx(1 / 0.23)
    assert (c.published.ci_low, c.published.ci_high) == pytest.approx((1 / 0.81, 1 / 0.08))


def test_ranking_is_ordered_and_says_an_order_is_not_a_certainty(service):
    result = service.ask("which biologic has the least conjunctivitis")
    r = result.answer.rankings[0]
    estimates = [oa.ours.estimate for oa in r.rows]
    assert estimates == sorted(estimates) and len(estimates) >= 2  # a harm: fewest first
    assert all(service.kb.drugs[oa.evidence.intervention].drug_class == "biologic" for oa in r.rows)
    assert "An ordering is not a certainty" in text(result.reply)
    benefit = service.ask("which JAK inhibitor is best for EASI-75").answer.rankings[0]
    values = [oa.ours.estimate for oa in benefit.rows]
    assert values == sorted(values, reverse=True)  # a benefit: most first


def test_overview_lists_benefits_then_harms_with_risks_and_certainty(service):
    result = service.ask("is tralokinumab safe")
    o = result.answer.overview
    kinds = [oa.outcome.kind for oa in o.rows]
    assert kinds == sorted(kinds, key=lambda k: k != "benefit") and "benefit" in kinds and "harm" in kinds
    assert all(oa.certainty is not None for oa in o.rows)
    data = answer_json(result.answer, result.reply, service.kb, "")
    assert data["intent"] == "overview"
    for oa, r in zip(o.rows, data["results"], strict=True):
        # risks per 1,000 are given unless no one on placebo had the event (no risk to apply the effect to)
        no_placebo_events = oa.evidence.median_control_risk in (None, 0.0)
        assert (r["control_per_1000"] is None) == no_placebo_events, r["outcome"]
        assert (r["treatment_per_1000"] is None) == no_placebo_events
    assert result.reply.buttons[0].action == "sof"


def test_overview_population_filters_it(service):
    adults = service.ask("tell me about upadacitinib").answer.overview
    teens = service.ask("tell me about upadacitinib in adolescents").answer.overview
    assert teens.rows != adults.rows
    for oa in teens.rows:
        assert {t.age_group for t in oa.evidence.tables} <= {"adolescents"}


# --- certainty rules: tests/test_certainty_rules.py holds one golden case per domain rule -----------------

def test_a_published_rating_is_shown_as_published():
    c = rate(Evidence("RR", 1.5, 2.5, 8, None, None, published_rating="moderate", published_source="Example 2024"))
    assert (c.rating, c.source, c.citation) == ("moderate", "published", "Example 2024")
