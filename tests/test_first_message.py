"""One screen, one bottom line (issue 22; docs/answer_layout.md): the first message a phone shows, over a
generated set of questions (every drug x outcome x intent), is within its limits.

Characters are counted as Telegram shows them: the plain text of the HTML of the first message (headline and
footer; the JSON `headline` holds exactly these lines). Limits: effect answers median <= 450 and longest <= 700;
comparisons 600 and 900; overviews and rankings (class questions included) <= 1,000. An effect or comparison
first message holds at most two interval estimates per outcome (the absolute and the relative one).
"""

from __future__ import annotations

import re
import statistics
from itertools import combinations

import pytest

from bot.answers.as_json import answer_json
from bot.answers.regimens import drug_nodes
from bot.answers.render import first_message_lines, html_messages, plain_text

LIMITS = {"effect": (450, 700), "compare": (600, 900), "overview": (1000, 1000), "rank": (1000, 1000),
          "class": (1000, 1000)}
# an interval estimate: "(95% CI 8 to 13)", "(95% CrI +9.7 to +13.1)", "(2.64-3.32)", "(-1.9 to +0.6)"
INTERVAL = re.compile(r"\((?:95% (?:CI|CrI|interval) )?[-+]?\d[\d.,]*(?: to |-)[-+]?\d[\d.,]*\)")


def grid(kb) -> dict[str, list[str]]:
    """Every drug x outcome (effect); every drug pair and every dose pair of one drug x outcome, and each pair
    with no outcome named (a comparison, and its card); every drug (overview), every outcome (ranking) and every
    class x outcome (class question)."""
    drugs = [kb.drug_label(d) for d in kb.covered_drugs]
    outcomes = [o.name for o in kb.outcomes.values()]
    dose_pairs = [(kb.drug_label(d), x.regimen, y.regimen) for d in kb.covered_drugs
                  for x, y in combinations([n for n in drug_nodes(kb, d) if n.dose_mg], 2)]
    classes = [c.label for c in kb.classes.values()]
    return {
        "effect": [f"{d} {o}" for d in drugs for o in outcomes],
        "compare": [f"{a} vs {b} {o}" for a, b in combinations(drugs, 2) for o in outcomes]
        + [f"{d} {x} vs {y} {o}" for d, x, y in dose_pairs for o in outcomes]
        # no outcome named: the comparison card of benefits and harms
        + [f"{a} vs {b}" for a, b in combinations(drugs, 2)] + [f"{d} {x} vs {y}" for d, x, y in dose_pairs]
        + [f"is {a} or {b} better" for a, b in list(combinations(drugs, 2))[:3]],
        "overview": [q for d in drugs for q in (f"is {d} safe", f"does {d} work")],
        "rank": [q for o in outcomes for q in (f"which is best for {o}", f"rank the drugs for {o}")],
        "class": [f"which {c} has the most {o}" for c in classes for o in outcomes]
        + [f"JAK vs biologic {o}" for o in outcomes],
    }


def first_message(service, question: str) -> tuple[str, object]:
    parsed = service.understand(question)
    answer, reply = service.answer_parse(parsed, sensitivity=False)
    return plain_text(html_messages(reply, ())[0]), answer


@pytest.fixture(scope="module")
def measured(service) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for intent, questions in grid(service.kb).items():
        out[intent] = []
        for q in questions:
            message, answer = first_message(service, q)
            assert answer.parse.status == "answer" or answer.card is not None, q
            out[intent].append((q, message))
    return out


@pytest.mark.parametrize("intent", sorted(LIMITS))
def test_first_message_lengths_are_within_the_limits(measured, intent):
    median_limit, max_limit = LIMITS[intent]
    lengths = [(len(m), q) for q, m in measured[intent]]
    assert len(lengths) >= {"effect": 100, "compare": 500, "overview": 14, "rank": 30, "class": 50}[intent]
    longest = max(lengths)
    assert statistics.median(n for n, _ in lengths) <= median_limit, intent
    assert longest[0] <= max_limit, longest


@pytest.mark.parametrize("intent", ["effect", "compare"])
def test_at_most_two_interval_estimates_in_a_bottom_line(measured, intent):
    for q, message in measured[intent]:
        assert len(INTERVAL.findall(message)) <= 2, (q, message)


def test_every_first_message_says_once_it_is_not_medical_advice(measured):
    for intent, rows in measured.items():
        for q, message in rows:
            assert message.count("not medical advice") == 1, (intent, q)


def test_the_interval_pattern_counts_what_a_reader_sees_as_intervals():
    text = ("about 4 in 100 on placebo and 10 in 100 (95% CI 7 to 14); risk ratio 2.64 (95% CI 1.79 to 3.89); "
            "RR 2.96 (2.64-3.32); RD -0.7/100 (-1.9 to +0.6); +11.3 points (95% CrI +9.7 to +13.1); "
            "(2 trials together, 16 weeks); (12-16-week studies); (2,584 people); (P-score 1.00)")
    assert len(INTERVAL.findall(text)) == 5


@pytest.mark.parametrize(("question", "notice"), [
    ("should I start dupilumab given the conjunctivitis risk", "I give no treatment advice"),
    ("dupixnet conjunctivitis", "Read “dupixnet” as “dupilumab”"),
    ("upa 30 vs dupixnet acne", "Read “dupixnet” as “dupilumab”"),
])
def test_notices_stay_in_the_first_message_within_the_limits(service, question, notice):
    message, answer = first_message(service, question)
    assert notice in message
    assert len(message) <= LIMITS["compare" if answer.parse.intent == "compare" else "effect"][1]


@pytest.mark.parametrize("question", ["dupilumab skin infections", "upa 30 vs dupi acne", "is tralokinumab safe",
                                      "which JAK has the most acne", "lebrikizumab eczema herpeticum"])
def test_the_json_headline_is_exactly_the_first_message(service, question):
    result = service.ask(question)
    data = answer_json(result.answer, result.reply, service.kb, "")
    first = plain_text(html_messages(result.reply, ())[0])
    assert data["headline"] == first.split("\n") == first_message_lines(result.reply)
    assert data["headline"][-1].startswith("For clinicians; not medical advice.")
