"""GRADE for network meta-analysis (bot/answers/certainty_network.py): one case per step of the approach."""

from __future__ import annotations

from dataclasses import dataclass

from bot.answers.certainty import Evidence
from bot.answers.certainty_network import NetworkInputs, intransitivity, rate_network
from bot.answers.certainty_rules import TrialRisk

LOW_RISK = (TrialRisk("A", 1, "low"),)
UNASSESSED = (TrialRisk("A", 1, "not assessed"),)


def _evidence(trials=LOW_RISK, k=2) -> Evidence:
    return Evidence("OR", 1.5, 3.0, k, None, 800, trials=trials)


def test_a_network_estimate_with_direct_evidence_only_is_the_direct_rating_then_imprecision():
    c = rate_network(NetworkInputs("OR", 2.0, 1.6, 2.5, direct=_evidence(), events=900))
    assert c.rating == "high" and c.reasons[0].startswith("direct evidence (2 trials): high before imprecision")
    wide = rate_network(NetworkInputs("OR", 1.1, 0.6, 2.0, direct=_evidence(), events=900))
    assert wide.rating == "low" and any(r.startswith("imprecision: downgraded two levels") for r in wide.reasons)


def test_an_indirect_estimate_takes_the_lower_of_its_legs_and_loses_a_level_for_intransitivity():
    legs = (_evidence(), _evidence(UNASSESSED))
    c = rate_network(NetworkInputs("OR", 2.0, 1.6, 2.5, legs=legs, events=900))
    assert c.rating == "moderate" and "the lower of its two legs' ratings" in c.reasons[0]
    intransitive = rate_network(NetworkInputs("OR", 2.0, 1.6, 2.5, legs=legs, events=900,
                                              intransitivity="the legs differ in background therapy"))
    assert intransitive.rating == "low" and "intransitivity" in intransitive.reasons[0]


def test_the_network_estimate_starts_from_the_higher_and_loses_levels_for_incoherence():
    both = dict(direct=_evidence(), legs=(_evidence(UNASSESSED), _evidence(UNASSESSED)), events=900)
    agree = rate_network(NetworkInputs("OR", 2.0, 1.6, 2.5, p_difference=0.40, **both))
    assert agree.rating == "high" and any("agree (p = 0.40)" in r for r in agree.reasons)
    disagree = rate_network(NetworkInputs("OR", 2.0, 1.6, 2.5, p_difference=0.01, indirect=(1.8, 1.2, 2.7), **both))
    assert disagree.rating == "moderate" and any(r.startswith("incoherence: downgraded one level") for r in
                                                 disagree.reasons)
    opposite = rate_network(NetworkInputs("OR", 1.2, 1.0, 1.5, p_difference=0.001, indirect=(0.5, 0.3, 0.8), **both))
    assert any(r.startswith("incoherence: downgraded two levels") for r in opposite.reasons)


@dataclass(frozen=True)
class _Table:
    background: str
    age_group: str = "adults"


def test_intransitivity_is_a_difference_in_background_therapy_or_population_between_the_legs():
    mono, tcs = [_Table("monotherapy")] * 3, [_Table("tcs")] * 3
    assert "topical steroids" in intransitivity(mono, tcs, ("A", "B"))
    assert intransitivity(mono, [_Table("monotherapy"), _Table("tcs")], ("A", "B")) == ""
    assert "age groups" in intransitivity(mono, [_Table("monotherapy", "children")], ("A", "B"))


@dataclass(frozen=True)
class _Arm:
    trial_id: str
    trial: str
    node: str
    events: int
    n: int


@dataclass(frozen=True)
class _Trial:
    trial_id: str
    background: str = "monotherapy"
    age_group: str = "adults"


def test_a_network_estimate_is_rated_from_the_arms_of_its_direct_trials_and_its_two_legs(service):
    """A head-to-head trial (A, B and placebo arms) and one placebo-controlled trial of each: the direct piece is
    the A vs B arms of the three-arm trial, the legs each drug against placebo."""
    from bot.answers.certainty_network import network_rating, pair_tables

    arms = (_Arm("t1", "T1", "A", 120, 200), _Arm("t1", "T1", "B", 100, 200), _Arm("t1", "T1", "P", 30, 100),
            _Arm("t2", "T2", "A", 130, 200), _Arm("t2", "T2", "P", 30, 100),
            _Arm("t3", "T3", "B", 110, 200), _Arm("t3", "T3", "P", 25, 100))
    trials = (_Trial("t1"), _Trial("t2"), _Trial("t3", "tcs"))
    assert [t.trial_id for t in pair_tables(arms, trials, "A", "B")] == ["t1"]
    assert [t.trial_id for t in pair_tables(arms, trials, "A", "P")] == ["t1", "t2"]
    outcome = service.kb.outcomes["easi75"]
    c = network_rating(arms, trials, "A", "B", "P", measure="OR", estimate=(1.3, 1.0, 1.7), indirect=(1.2, 0.8, 1.8),
                       p_difference=0.6, outcome=outcome, assessments=None, control_risk=0.25, names=("A", "B"))
    assert c.source == "rule-based" and c.rated
    assert c.reasons[0].startswith("direct evidence (1 trial)")
    assert "not assessed" in c.reasons[0]  # no published risk of bias for invented trials
    assert any(r.startswith("incoherence: not downgraded") for r in c.reasons)


def test_a_comparison_of_two_drugs_has_one_certainty_whichever_is_named_first(service):
    """GRADE's default ratio thresholds (0.75 and 1.25) are not reciprocal: rated as asked, 24 of 560 regimen
    pairs got a different certainty for "A vs B" and "B vs A" (dupilumab vs baricitinib 2 mg EASI-75: moderate
    one way, low the other). Every pair of drugs (their licensed regimens) x every count outcome, both ways."""
    from itertools import combinations

    from bot.answers.network_evidence import compare_regimens
    from bot.understand.options import Options
    from bot.understand.reading import Regimen

    kb = service.kb
    compared = 0
    for outcome in (o for o, v in kb.outcomes.items() if not v.is_continuous):
        for a, b in combinations(kb.covered_drugs, 2):
            ab = compare_regimens(kb, outcome, Regimen(a), Regimen(b), Options(), None)
            ba = compare_regimens(kb, outcome, Regimen(b), Regimen(a), Options(), None)
            turned = {(p.b, p.a): p.certainty for p in ba.pairs}
            for pair in ab.pairs:
                if pair.certainty is None or (pair.a, pair.b) not in turned:
                    continue
                compared += 1
                assert pair.certainty.rating == turned[(pair.a, pair.b)].rating, (outcome, pair.a_label, pair.b_label)
    assert compared >= 150
