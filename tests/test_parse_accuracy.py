"""The parser's accuracy on the labelled question set must not fall below the recorded levels.

Measured on 2026-11 (600 questions: dev 450, heldout 150). The heldout quarter was evaluated once with the
parser frozen after tuning on dev: exact 97.3%, wrong answers 0.7% (1: 'dupilumab hsv infxn' answered as
herpes + any infection). Four gaps then seen were fixed, so the heldout figures below are no longer blind.
Floors sit a little below the measured values; wrong answers are held at the measured value (zero).

2026-11-30 (data 2026.11.1, seven drugs): 172 labels changed because coverage changed (drugs and outcomes now
held, questions naming no drug now ask which one); each was reviewed. 36 comparison, overview and ranking
questions were added, labelled before the parser was run on them; their blind heldout quarter (9) was all
right, and so were the 27 dev ones. 636 questions: dev 477, heldout 159.

Issue 11 (trust): 48 questions of the failure kinds found by a dermatologist (negations, advice questions,
near-miss words, topics not held, baseline-risk formats, other conditions) were written and labelled, a
quarter held out per category, before the fixes. A wrong answer now also counts an answer whose scope differs
(with instead of without TCS, adolescents only instead of excluding them) and an advice question answered with
no word of caution. Wrong-answer rate on those kinds (with the older rows of the same categories):
before the fixes dev 17/44 (38.6%), heldout 7/15 (46.7%); after, dev 0/44, heldout 0/15 (exact 14/15: one
unnecessary clarification, 'tralokinumab infestations'). 684 questions: dev 513, heldout 171.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.parse_eval import SLOTS, evaluate, lexicon, load_questions, split

# measured: dev 100.0% / heldout 100.0% exact; every slot 100% on both; 0 wrong answers; 0 clarifications
MIN_EXACT = {"dev": 0.98, "heldout": 0.95}
MIN_SLOT = {"dev": 0.98, "heldout": 0.96}
MAX_WRONG_ANSWER_RATE = {"dev": 0.0, "heldout": 0.0}
MAX_UNNECESSARY_CLARIFICATION = {"dev": 0.02, "heldout": 0.03}

CANONICAL = {"skin_infection", "eczema_herpeticum", "herpes_infection", "any_infection", "conjunctivitis", "easi75",
             "iga01", "easi90", "itch_response", "serious_adverse_event", "herpes_zoster", "acne", "serious_infection",
             "easi_change", "poem_change", "dlqi_change"}
STATUSES = {"answer", "clarify", "no_data", "not_understood"}


@pytest.fixture(scope="module")
def rows():
    return load_questions()


@pytest.fixture(scope="module")
def metrics(rows):
    lx = lexicon()
    return {name: evaluate(split(rows, name), lx) for name in ("dev", "heldout")}


def test_question_set_shape(rows):
    answer = [r for r in rows if r["status"] == "answer"]
    assert len([r for r in answer if r["intent"] == "effect"]) >= 280
    assert len(rows) - len(answer) >= 100
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["question"] for r in rows}) == len(rows)
    for r in rows:
        assert r["status"] in STATUSES and r["split"] in ("dev", "heldout"), r
        outcomes = [o for o in r["outcomes"].split(";") if o]
        assert set(outcomes) <= CANONICAL and outcomes == sorted(outcomes), r
        if r["baseline_risk"]:
            assert 0 < float(r["baseline_risk"]) < 1, r
        for slot in ("exclude_trials", "only_trials"):
            assert all(re.fullmatch(r"[a-z0-9_]+", t) for t in r[slot].split(";") if t), r


def test_heldout_is_a_quarter_of_every_category(rows):
    total = Counter(r["category"] for r in rows)
    held = Counter(r["category"] for r in rows if r["split"] == "heldout")
    for category, n in total.items():
        assert held[category] == round(n / 4), category


@pytest.mark.parametrize("name", ["dev", "heldout"])
def test_exact_match(metrics, name):
    assert metrics[name].exact >= MIN_EXACT[name]


@pytest.mark.parametrize("name", ["dev", "heldout"])
@pytest.mark.parametrize("slot", SLOTS)
def test_slot_accuracy(metrics, name, slot):
    assert metrics[name].slot_accuracy[slot] >= MIN_SLOT[name]


@pytest.mark.parametrize("name", ["dev", "heldout"])
def test_wrong_answers(metrics, name):
    m = metrics[name]
    wrong = [r.row["question"] for r in m.failures if r.wrong_answer]
    assert m.wrong_answer_rate <= MAX_WRONG_ANSWER_RATE[name], wrong


@pytest.mark.parametrize("name", ["dev", "heldout"])
def test_unnecessary_clarifications(metrics, name):
    assert metrics[name].unnecessary_clarification_rate <= MAX_UNNECESSARY_CLARIFICATION[name]
