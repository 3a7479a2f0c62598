"""Invariance properties, over every drug and outcome the knowledge base answers:
- a display toggle (measure, model) never changes the bottom line: the lead's source, the estimate the
  absolute risks come from, and the absolute risks themselves;
- the per-trial figure shown for a trial equals the pooled figure of that trial alone with the same method;
- an ordinary English word near a covered term is never silently corrected into it."""

from __future__ import annotations

import itertools

import pytest
from rapidfuzz.distance import Levenshtein

from analysis import pool
from bot.understand.lexicon import build_lexicon
from bot.understand.matching import ordinary_word
from bot.understand.parse import parse
from knowledge.loader import load

KB = load()
TOGGLES = ("as odds ratio", "as risk difference", "random effects", "fixed effect", "risk ratio")
ANSWERABLE = [(d, o) for d, o in itertools.product(KB.covered_drugs, KB.outcomes)
              if any(c.drug == d and c.outcome_id == o for c in KB.counts)]


def _bottom_line(oa):
    a = oa.absolute
    return (None if oa.lead is None else oa.lead.source, oa.basis,
            None if a is None else (round(a.control_per_1000, 9), round(a.treatment_per_1000, 9),
                                    round(a.treatment_per_1000_low, 9), round(a.treatment_per_1000_high, 9)))


@pytest.mark.parametrize("drug, outcome", ANSWERABLE)
def test_display_toggles_leave_the_bottom_line_alone(service, drug, outcome):
    name = KB.outcomes[outcome].name
    base = service.ask(f"{drug} {name}").answer
    assert base.parse.status == "answer" and base.parse.outcomes == (outcome,), base.parse.as_dict()
    expected = _bottom_line(base.outcomes[0])
    for toggle in TOGGLES:
        answer = service.ask(f"{drug} {name} {toggle}").answer
        assert answer.parse.outcomes == (outcome,), toggle
        assert _bottom_line(answer.outcomes[0]) == expected, (drug, outcome, toggle)


@pytest.mark.parametrize("drug, outcome", ANSWERABLE)
def test_each_trial_figure_is_that_trial_pooled_alone(service, drug, outcome):
    oa = service.ask(f"{drug} {KB.outcomes[outcome].name}").answer.outcomes[0]
    for table, shown in zip(oa.evidence.tables, oa.trial_estimates, strict=True):
        alone = pool([table.ai], [table.n1i], [table.ci], [table.n2i], measure=oa.measure, method=oa.method)
        assert shown == ((alone.estimate, alone.ci_low, alone.ci_high) if alone.defined else None)
    if len(oa.evidence.tables) == 1 and oa.pooled is not None and oa.pooled.defined:
        assert oa.trial_estimates[0] == (oa.pooled.estimate, oa.pooled.ci_low, oa.pooled.ci_high)


def _near_words() -> list[tuple[str, str]]:
    """Ordinary English words within edit distance 2 of a one-word covered term (generated, not a list)."""
    from wordfreq import top_n_list

    terms = {c.id: t for c in KB.concepts if c.covered and c.kind in ("outcome", "drug")
             for t in c.terms if " " not in t and len(t) >= 5}
    words = [w for w in top_n_list("en", 30_000) if w.isalpha() and len(w) >= 5]
    pairs = []
    for term in set(terms.values()):
        for w in words:
            if w != term and abs(len(w) - len(term)) <= 2 and Levenshtein.distance(w, term, score_cutoff=2) <= 2:
                pairs.append((term, w))
    return sorted(set(pairs))


NEAR = _near_words()


def test_the_near_word_grid_is_not_empty():
    assert len(NEAR) >= 20  # e.g. infection / infusion, effective / infections-like words


@pytest.mark.parametrize("term, word", NEAR)
def test_an_ordinary_word_is_never_corrected_into_a_covered_term(term, word):
    lx = LEXICON
    p = parse(f"dupilumab {word}", lx)
    if ordinary_word(word):  # an ordinary word is never corrected; a rare one may be, but never silently
        assert not any(typed == word for typed, _ in p.corrections), (word, p.corrections)
    elif p.corrections:
        assert "corrected" in p.notices


LEXICON = build_lexicon(KB)
