"""Negation and scope, by construction: every option x every negation and inclusion phrasing x several
outcomes, asserting the parsed filters. The grid is generated here, not frozen in a list, so a new phrasing
or option is one line."""

from __future__ import annotations

import itertools

import pytest

from bot.understand.lexicon import build_lexicon
from bot.understand.parse import parse
from knowledge.loader import load

NEGATIONS = ("without", "no", "not", "excluding", "except", "other than", "apart from", "but not")
INCLUSIONS = ("include", "including", "plus")
OUTCOMES = {"conjunctivitis": "conjunctivitis", "skin infections": "skin_infection", "EASI-75": "easi75"}

# option phrase -> (what the plain phrase sets, what its negation sets)
OPTIONS = {
    "TCS": ({"background": "tcs"}, {"background": "monotherapy"}),
    "topical steroids": ({"background": "tcs"}, {"background": "monotherapy"}),
    "monotherapy": ({"background": "monotherapy"}, {"background": "tcs"}),
    "300 mg": ({"dose_mg": 300}, {"exclude_dose_mg": 300}),
    "q2w": ({"interval_weeks": 2}, {"exclude_interval_weeks": 2}),
    "every 4 weeks": ({"interval_weeks": 4}, {"exclude_interval_weeks": 4}),
    "300 mg qw": ({"dose_mg": 300, "interval_weeks": 1}, {"exclude_dose_mg": 300, "exclude_interval_weeks": 1}),
    "16-week trials": ({"followup_weeks": 16}, {"exclude_followup_weeks": 16}),
    "CHRONOS": ({"only_trials": ["chronos"]}, {"exclude_trials": ["chronos"]}),
    "adolescents": ({"population": "adolescents"}, {"exclude_populations": ["adolescents"]}),
    # "children"/"kids" are 6 months to 11 years (issue 19): excluding them leaves out the preschool trial too
    "children": ({"population": "under_12"}, {"exclude_populations": ["under_12"]}),
    "kids": ({"population": "under_12"}, {"exclude_populations": ["under_12"]}),
    "school-age children": ({"population": "children"}, {"exclude_populations": ["children"]}),
    "under 6s": ({"population": "infants_preschool"}, {"exclude_populations": ["infants_preschool"]}),
    "adults": ({"population": "adults"}, {"exclude_populations": ["adults"]}),
}


@pytest.fixture(scope="module")
def lx():
    return build_lexicon(load())


def _reading(p) -> dict:
    options = {k: v for k, v in p.options.as_dict().items() if v not in (None, False, [])}
    return {**options, **({"population": p.population} if p.population else {})}


@pytest.mark.parametrize("phrase, outcome, negation", list(itertools.product(OPTIONS, OUTCOMES, NEGATIONS)))
def test_a_negated_option_gives_the_opposite_or_an_exclusion(lx, phrase, outcome, negation):
    p = parse(f"dupilumab {outcome} {negation} {phrase}", lx)
    assert p.status == "answer" and p.outcomes == (OUTCOMES[outcome],), p.as_dict()
    assert _reading(p) == OPTIONS[phrase][1]


@pytest.mark.parametrize("phrase, outcome", list(itertools.product(OPTIONS, OUTCOMES)))
def test_the_plain_option_selects(lx, phrase, outcome):
    p = parse(f"dupilumab {outcome} {'with ' if phrase == 'TCS' else ''}{phrase}", lx)
    assert p.status == "answer" and p.outcomes == (OUTCOMES[outcome],)
    assert _reading(p) == (OPTIONS[phrase][0] or {})


@pytest.mark.parametrize("cue, outcome", list(itertools.product(INCLUSIONS, OUTCOMES)))
def test_include_adds_a_trial_left_out_by_default(lx, cue, outcome):
    p = parse(f"dupilumab {outcome} {cue} SOLO-CONTINUE", lx)
    assert _reading(p) == {"include_trials": ["solo_continue"]}


@pytest.mark.parametrize("question", ["dupilumab conjunctivitis with or without TCS",
                                      "dupilumab conjunctivitis whether or not on topical steroids"])
def test_both_ways_filters_nothing(lx, question):
    assert "background" not in _reading(parse(question, lx))


def test_exclusions_change_the_evidence_and_are_said(service):
    base = service.ask("dupilumab EASI-75").answer.outcomes[0]
    for question, gone in (("dupilumab EASI-75 excluding adolescents", "adol"),
                           ("dupilumab EASI-75 not 300 mg qw", None),
                           ("dupilumab EASI-75 other than 52-week trials", "chronos")):
        oa = service.ask(question).answer.outcomes[0]
        held = {t.trial_id for t in oa.evidence.tables}
        if gone:
            assert gone in {t.trial_id for t in base.evidence.tables} and gone not in held, question
        else:  # the weekly arms are left out, the every-2-weeks arms kept
            for table in oa.evidence.tables:
                assert not any(" qw" in arm for arm in table.arms), table.arms
            assert any(" qw" in arm for t in base.evidence.tables for arm in t.arms)
        assert oa.evidence.filters, question
    include = service.ask("dupilumab conjunctivitis include SOLO-CONTINUE").answer.outcomes[0]
    held = {t.trial_id for t in include.evidence.tables + include.evidence.other_definitions}
    assert "solo_continue" in held  # no longer left out for its design (its definition is judged as any other)
