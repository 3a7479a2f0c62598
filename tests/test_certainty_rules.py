"""Golden ratings for each GRADE domain rule: one case per downgrade and one per reason not to downgrade
(bot/answers/certainty_rules.py), then the rules on the real knowledge base, and the rule that a rating sits
beside the estimate it was computed for."""

from __future__ import annotations

import re

import pytest

from bot.answers.certainty import Certainty, Evidence, published, rate
from bot.answers.certainty_rules import (
    Heterogeneity,
    Precision,
    TrialRisk,
    imprecision,
    inconsistency,
    optimal_information_size,
    risk_of_bias,
    trial_risk,
)
from bot.answers.render import text
from knowledge.assessments import RiskOfBias, short_citation

BOUNDS = (0.75, 1.25)
WORDS = "below 0.75 or above 1.25, GRADE's default"


def _row(domain: str, judgement: str, tool: str = "rob1") -> RiskOfBias:
    return RiskOfBias("t", "", "", tool, domain, judgement, "Example A et al. Review. J 2024", "Table 1", "u", "q", "")


# --- risk of bias --------------------------------------------------------------------------------------------

def test_trial_overall_is_the_sources_own_overall_else_the_worst_domain():
    assert trial_risk("A", 1, [_row("random_sequence", "low"), _row("overall", "unclear")]).overall == "some concerns"
    assert trial_risk("A", 1, [_row("random_sequence", "low"), _row("blinding_outcome", "high")]).overall == "high"
    assert trial_risk("A", 1, [_row("randomisation", "some_concerns", "rob2")]).overall == "some concerns"
    assert trial_risk("A", 1, [_row("random_sequence", "low")]).overall == "low"
    assert trial_risk("A", 1, []).overall == "not assessed"
    assert trial_risk("A", 1, [_row("overall", "low")]).sources == ("Example 2024",)


@pytest.mark.parametrize("trials, levels, phrase", [
    ((TrialRisk("A", 60, "high"), TrialRisk("B", 40, "low")), 1, "high risk of bias hold 60% of the people"),
    ((TrialRisk("A", 60, "not assessed"), TrialRisk("B", 40, "low")), 1, "not assessed for A (60% of the people)"),
    ((TrialRisk("A", 70, "some concerns", ("allocation concealment",)), TrialRisk("B", 30, "low")), 0,
     "unclear or some concerns for A: allocation concealment (70%), none at high risk"),
    ((TrialRisk("A", 40, "high"), TrialRisk("B", 60, "low")), 0, "high risk for A (40%)"),
    ((TrialRisk("A", 50, "low"), TrialRisk("B", 50, "low")), 0, "100% of the people in trials at low risk"),
])
def test_risk_of_bias_downgrades_only_when_most_information_is_at_high_risk_or_unassessed(trials, levels, phrase):
    j = risk_of_bias(trials)
    assert j.levels == levels and phrase in j.reason, j.reason


# --- inconsistency -------------------------------------------------------------------------------------------

def _trials(*estimates):
    return tuple((f"T{i}", e, lo, hi) for i, (e, lo, hi) in enumerate(estimates))


@pytest.mark.parametrize("h, levels, phrase", [
    (Heterogeneity(_trials((2.0, 1.5, 2.7)), None), 0, "not assessable with one trial"),
    (Heterogeneity(_trials((4.6, 3.5, 6.0), (5.0, 3.7, 6.8), (1.3, 1.1, 1.5)), 88.0), 0,
     "every trial shows an important effect in the same direction"),
    (Heterogeneity(_trials((1.5, 1.1, 2.0), (1.1, 0.8, 1.5)), 30.0), 0, "I² = 30%"),
    (Heterogeneity(_trials((2.5, 2.0, 3.1), (1.1, 0.9, 1.3)), 85.0, 0.2, (0.5, 6.0),
                   (("background therapy", 0.001, 0.0),)), 0, "explained by background therapy"),
    (Heterogeneity(_trials((2.5, 2.0, 3.1), (1.2, 1.0, 1.4)), 70.0, 0.05, (1.3, 4.0)), 0,
     "lies wholly beyond the threshold"),
    (Heterogeneity(_trials((2.5, 2.0, 3.1), (1.1, 0.9, 1.3)), 70.0, 0.2, (0.6, 5.0)), 1,
     "prediction interval (0.60 to 5.00) includes effects that are not important"),
    (Heterogeneity(_trials((2.5, 2.0, 3.1), (0.5, 0.4, 0.7)), 95.0, 0.9, (0.1, 12.0)), 2,
     "opposite directions"),
])
def test_inconsistency_rules(h, levels, phrase):
    j = inconsistency(h, BOUNDS, 1.0)
    assert j.levels == levels and phrase in j.reason, j.reason


# --- imprecision ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("p, levels, phrase", [
    (Precision("RR", 0.01, 1.2, 2, 867, (0, 2), 0.007), 2, "very sparse: 2 events in all (0 and 2"),
    (Precision("RR", 1.8, 121.7, 42, 1271, (41, 1), 0.003), 2, "very sparse: 42 events in all (41 and 1"),
    (Precision("RR", 0.5, 2.0, 800, 4000, (390, 410), 0.2), 2, "both an important decrease and an important increase"),
    (Precision("RR", 0.6, 1.1, 800, 4000, (380, 420), 0.2), 1, "includes no effect and crosses the threshold"),
    (Precision("RR", 1.1, 1.6, 800, 4000, (450, 350), 0.2), 1, "both trivial and important effects"),
    (Precision("RR", 1.6, 2.2, 800, 2500, (600, 200), 0.13), 0, "800 events"),
    (Precision("RR", 1.6, 2.8, 120, 900, (80, 40), 0.09), 1, "below the optimal information size"),
    (Precision("RR", 0.9, 1.1, 250, 50000, (125, 125), 0.01), 0, "at least the optimal information size"),
    (Precision("OR", 2.0, 3.0), 0, "optimal information size was not checked"),
    (Precision("RR", 0.9, 1.2, 800, 4000, (390, 410), 0.2), 0, "does not cross the threshold"),
])
def test_imprecision_rules(p, levels, phrase):
    j = imprecision(p, BOUNDS, WORDS)
    assert j.levels == levels and phrase in j.reason, j.reason


def test_imprecision_of_a_score_difference_is_judged_against_its_minimal_important_difference():
    words = "6.6 points"
    assert imprecision(Precision("MD", 2.0, 9.0), (-6.6, 6.6), words).levels == 1  # crosses the MID
    assert imprecision(Precision("MD", -8.0, 8.0), (-6.6, 6.6), words).levels == 2  # both ways
    assert imprecision(Precision("MD", 7.0, 12.0), (-6.6, 6.6), words).levels == 0


def test_optimal_information_size_is_a_conventional_sample_size_for_a_25_percent_reduction():
    # 20% control risk, 15% treated, alpha 0.05 two-sided, power 0.8: 903 per arm (standard two-proportion formula)
    assert optimal_information_size(0.20, 1.25) == 2 * 903
    assert optimal_information_size(0.0, 1.25) is None


# --- the whole rating ----------------------------------------------------------------------------------------

def test_indirect_evidence_loses_a_level_and_published_ratings_are_shown_as_published():
    direct = rate(Evidence("RR", 1.5, 2.5, 3, None, 800, trials=(TrialRisk("A", 1, "low"),)))
    indirect = rate(Evidence("RR", 1.5, 2.5, 3, None, 800, indirect=True, trials=(TrialRisk("A", 1, "low"),)))
    assert (direct.rating, indirect.rating) == ("high", "moderate")
    assert any(r.startswith("indirectness: downgraded one level") for r in indirect.reasons)
    c = rate(Evidence("RR", 1.5, 2.5, 8, None, None, published_rating="moderate", published_source="Example 2024"))
    assert (c.rating, c.source, c.citation) == ("moderate", "published", "Example 2024")


def test_a_bare_interval_without_trials_is_at_most_moderate_and_says_why():
    c = rate(Evidence("RR", 1.5, 2.5, 3, None, 800))
    assert c.rating == "moderate" and "risk of bias not assessed" in c.rule_words


def test_a_published_estimate_carries_its_own_rating_or_says_it_has_none(service):
    kb = service.kb
    rated = next(s for s in kb.syntheses if s.certainty)
    unrated = next(s for s in kb.syntheses if not s.certainty and s.measure != "IR")
    assert published(rated).rating == rated.certainty
    c = published(unrated)
    assert isinstance(c, Certainty) and c.rating == "not rated" and not c.rated and "did not rate" in c.reasons[0]


# --- on the knowledge base -----------------------------------------------------------------------------------

@pytest.mark.parametrize("question, rating", [
    ("upadacitinib EASI-75", "high"),  # Chu 2023: high (EASI score); trials at low risk, consistent direction
    ("abrocitinib EASI-75", "high"),
    ("lebrikizumab eczema herpeticum", "very low"),  # 0 vs 2 events, trials without a published assessment
    ("abrocitinib acne", "low"),  # 41 vs 1 events: very sparse
])
def test_ratings_on_the_knowledge_base(service, question, rating):
    oa = service.ask(question).answer.outcomes[0]
    assert oa.certainty.source == "rule-based" and oa.certainty.rating == rating, oa.certainty.reasons


def test_upadacitinib_easi75_is_not_downgraded_for_the_heterogeneity_of_trials_that_all_show_a_large_benefit(
        service):
    oa = service.ask("upadacitinib EASI-75").answer.outcomes[0]
    assert oa.pooled.I2 > 75
    reason = next(r for r in oa.certainty.reasons if r.startswith("inconsistency"))
    assert "not downgraded" in reason and "every trial shows an important effect" in reason


def test_a_rating_sits_beside_the_estimate_it_was_computed_for(service):
    """Tralokinumab EASI-75: the published lead is not rated by its source; our pooling's rating is shown with
    our pooling, never as the lead's."""
    result = service.ask("tralokinumab EASI-75")
    oa = result.answer.outcomes[0]
    assert oa.lead is oa.published
    assert (oa.certainty.source, oa.certainty.rating) == ("published", "not rated")
    assert oa.pooled_certainty.source == "rule-based" and oa.pooled_certainty.rated
    reply = text(result.reply, sections=())
    source = short_citation(oa.evidence.lead_synthesis.citation)
    assert f"Certainty: not rated by its source ({source})." in reply
    others = text(result.reply, sections=("estimates",))  # our pooling sits one tap away, with its own rating
    pooling = next(s for s in others.splitlines() if s.startswith("Our pooling of the 5 trials"))
    assert f"certainty {oa.pooled_certainty.rating} (rule-based)" in pooling
    assert not re.search(r"Certainty: (high|moderate|low|very low) \(rule-based", reply)


def test_rule_words_name_the_domains_that_took_levels_off_and_an_unassessed_risk_of_bias():
    c = Certainty("low", "rule-based", ("risk of bias: downgraded one level, not assessed for A (90% of the people)",
                                        "inconsistency: not downgraded (I² = 0%)",
                                        "imprecision: downgraded one level, the 95% CI includes no effect"))
    assert c.rule_words == "rule-based, downgraded for imprecision; risk of bias not assessed"
    network = Certainty("low", "rule-based", (
        "direct evidence (1 trial): moderate before imprecision (inconsistency: downgraded one level, I² = 80%)",
        "imprecision: downgraded one level, the 95% CI includes no effect"))
    assert network.rule_words == "rule-based, network, downgraded for inconsistency and imprecision"
