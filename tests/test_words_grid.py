"""Every word used or said back (issue 19), by construction from the vocabulary and the data:

- every population phrase, in several sentence shapes, selects (or with a negation excludes) its population;
- every out-of-scope term of the vocabulary (other conditions, treatments, special situations, outcomes not
  held) is refused in several sentence shapes, never answered and never met with the outcome menu;
- a time asked of any drug and outcome is either applied, and then evidence at that time is shown, or said
  back (JSON `ignored`), never an empty answer filtered to nothing;
- baseline risks in clinicians' words."""

from __future__ import annotations

import itertools

import pytest

from bot.understand.parse import parse

POPULATIONS = {
    "kids": "under_12", "children": "under_12", "under 12s": "under_12", "infants": "infants_preschool",
    "toddlers": "infants_preschool", "under 6": "infants_preschool", "under 5s": "infants_preschool",
    "kids under 6": "infants_preschool", "teens": "adolescents", "adolescents": "adolescents",
    "adults": "adults", "school age children": "children", "a 14 year old": "adolescents",
    "a 9 year old": "children", "a 3 year old": "infants_preschool", "paediatric patients": "under_18",
}
SHAPES = ("dupilumab conjunctivitis in {}", "{} on dupilumab: conjunctivitis",
          "does dupilumab cause conjunctivitis in {}")


@pytest.mark.parametrize("phrase, shape", list(itertools.product(POPULATIONS, SHAPES)))
def test_population_words_select_their_population(service, phrase, shape):
    p = service.understand(shape.format(phrase))
    assert p.status == "answer" and p.population == POPULATIONS[phrase], p.as_dict()


@pytest.mark.parametrize("phrase", [p for p in POPULATIONS if not p.startswith("a ") and p != "kids under 6"])
def test_excluding_a_population_leaves_out_every_trial_of_it(service, phrase):
    p = service.understand(f"dupilumab EASI-75 excluding {phrase}")
    assert p.status == "answer" and p.options.exclude_populations == (POPULATIONS[phrase],), p.as_dict()
    kb = service.kb
    groups = next(c for c in kb.concepts if c.kind == "population" and c.id == POPULATIONS[phrase]).overlaps
    kept = service.answer_parse(p, sensitivity=False)[0].outcomes[0].evidence.tables
    assert kept and all(kb.trial(t.trial_id).age_group not in groups for t in kept)


@pytest.mark.parametrize("phrase", ["over 65", "a 70 year old", "elderly patients", "65yo"])
def test_older_adults_are_answered_as_adults_and_said_back(service, phrase):
    p = service.understand(f"dupilumab conjunctivitis in {phrase}")
    assert p.status == "answer" and p.population == "adults" and [u.slot for u in p.unused] == ["population"]
    assert "ignored" in p.notices


def _out_of_scope_terms(kb):
    for c in kb.concepts:
        if c.covered or c.kind not in ("condition", "treatment", "situation", "outcome") or c.nearest:
            continue
        if c.kind == "outcome" and c.id in ("adverse_events_overall", "efficacy"):
            continue  # words for the kind of answer ("side effects"): an overview, tested elsewhere
        yield from ((c.kind, c.id, t) for t in c.terms)


@pytest.fixture(scope="module")
def terms(service):
    return list(_out_of_scope_terms(service.kb))


def test_out_of_scope_terms_are_refused_in_every_shape(service, terms):
    assert len(terms) > 200
    wrong = []
    for (_, _, term), shape in itertools.product(terms, ("upadacitinib {}", "does dupixent help {}",
                                                          "{} on tralokinumab")):
        p = parse(shape.format(term), service.lexicon)
        if p.status != "no_data":
            wrong.append((shape.format(term), p.status, p.intent))
    assert wrong == []


TIMES = ("at week 16", "week 2", "at week 12", "long term")


def test_a_time_is_applied_with_evidence_or_said_back(service):
    kb, empty = service.kb, []
    for drug, outcome, time in itertools.product(kb.covered_drugs, kb.outcomes, TIMES):
        p = service.understand(f"{drug} {kb.outcomes[outcome].name} {time}")
        if p.status != "answer" or p.intent != "effect" or p.outcomes != (outcome,):
            continue
        if p.options.timepoint_weeks is None:
            assert [u.slot for u in p.unused] == ["time"] and "ignored" in p.notices, (drug, outcome, time)
            continue
        evidence = service.answer_parse(p, sensitivity=False)[0].outcomes[0].evidence
        if not (evidence.tables or evidence.rates):
            untimed = service.answer_parse(p.__class__(**{**p.__dict__, "options": p.options.__class__(
                **{**p.options.__dict__, "timepoint_weeks": None})}), sensitivity=False)[0].outcomes[0].evidence
            if untimed.tables or untimed.rates:  # held at other times, filtered to nothing at this one
                empty.append((drug, outcome, time))
    assert empty == []


@pytest.mark.parametrize("words", [
    "if my patient's risk is 5%", "for a patient with a 1 in 20 risk", "baseline 5 percent",
    "if the baseline risk is 0.05", "a patient whose risk is 5 percent", "baseline risk 50 per 1,000",
    "assuming a risk of 5%"])
def test_baseline_risk_in_clinicians_words(service, words):
    p = service.understand(f"dupilumab conjunctivitis {words}")
    assert p.status == "answer" and p.options.baseline_risk == pytest.approx(0.05), p.as_dict()
