"""Sparse evidence said as counts (issue 21): a zero-event arm, a 2-event comparison and a zero-total comparison
lead with the counts and the risk difference; over every drug and outcome, no sparse answer leads with a ratio,
no reply says 'undefined', and no summary line shows a ratio spanning two orders of magnitude without counts."""

from __future__ import annotations

import re

import pytest

from bot.answers.render import text
from bot.answers.sparse import is_sparse

RATIO_WORDS = re.compile(r"\b(risk ratio|odds ratio)\b", re.IGNORECASE)


def _headline(result) -> str:
    return text(result.reply, sections=())


def test_a_zero_event_arm_leads_with_the_counts_and_the_risk_difference(service):
    """Baricitinib herpes: 7 of 375 against 0 of 249 (BREEZE-AD1): no ratio can be estimated, none is implied."""
    result = service.ask("baricitinib herpes infections")
    oa = result.answer.outcomes[0]
    head = _headline(result)
    assert oa.sparse and oa.lead is None
    assert "7 of 375 people on baricitinib and 0 of 249 on placebo had herpes virus infections (BREEZE-AD1, " \
           "16 weeks)." in head
    assert re.search(r"Risk difference \+1\.9 per 100 \(95% CI \+0\.\d to \+3\.\d\): more people", head)
    assert not RATIO_WORDS.search(head.split("Risk difference")[0]) and "undefined" not in text(result.reply)
    assert oa.certainty.rating == "low" and "very sparse" in " ".join(oa.certainty.reasons)


def test_a_two_event_comparison_gives_no_rate_per_1000_and_keeps_the_ratio_for_method(service):
    """Lebrikizumab eczema herpeticum: 0 against 2 events; before, '7 → 0.3 per 1,000' and a Peto OR led."""
    result = service.ask("lebrikizumab eczema herpeticum")
    oa = result.answer.outcomes[0]
    head = _headline(result)
    assert oa.sparse
    assert head.splitlines()[1].startswith("0 of 577 people on lebrikizumab and 2 of 290 on placebo had eczema "
                                           "herpeticum (2 trials together, 16 weeks).")
    assert "in 1,000" not in head and "per 1,000" not in head and not RATIO_WORDS.search(head)
    method = text(result.reply, sections=("method",))
    assert "Ratio, for reference: 0.05" in method


def test_a_comparison_where_no_one_had_the_event_says_so(service):
    # BREEZE-AD1's zoster zeros are serious-only since data 2026.12.0 (never shown as all-severity shingles); its
    # serious infections are a real zero-total comparison
    result = service.ask("baricitinib serious infection")
    head = _headline(result)
    assert head.splitlines()[1].startswith("No one had serious infections: 0 of 375 people on baricitinib and "
                                           "0 of 249 on placebo (BREEZE-AD1, 16 weeks).")
    assert "undefined" not in text(result.reply, sections=("trials", "method", "sources"))


def test_no_sparse_answer_leads_with_a_ratio_and_no_reply_says_undefined(service):
    """Every drug against placebo for every outcome with counts, built from the knowledge base."""
    kb = service.kb
    seen = 0
    for drug in kb.covered_drugs:
        for outcome in kb.outcomes.values():
            if outcome.is_continuous:
                continue
            result = service.ask(f"{kb.drug_label(drug)} {outcome.name}")
            for oa in result.answer.outcomes:
                full = text(result.reply, sections=("trials", "method", "sensitivity", "sources"))
                assert "undefined" not in full, (drug, outcome.id)
                if oa.sparse:
                    seen += 1
                    head = _headline(result)
                    first = head.splitlines()[1]
                    assert not RATIO_WORDS.search(first) and "per 1,000" not in head, (drug, outcome.id, first)
                    assert is_sparse(oa.evidence.tables)
    assert seen >= 5


@pytest.mark.parametrize("drug", ["abrocitinib", "baricitinib", "upadacitinib", "lebrikizumab", "dupilumab"])
def test_summary_lines_never_show_a_two_orders_wide_ratio_without_counts(service, drug):
    result = service.ask(f"is {drug} safe")
    for row in text(result.reply, sections=()).splitlines():
        for low, high in re.findall(r"\(95% CI (\d+(?:\.\d+)?) to (\d+(?:\.\d+)?)\)", row):
            if float(low) > 0 and float(high) / float(low) >= 100:
                assert re.search(r"\[\d+/[\d,]+ vs \d+/[\d,]+\]", row), row
    overview = result.answer.overview
    for oa in overview.rows:
        if oa.sparse:
            assert f"{sum(t.ai for t in oa.evidence.tables)}/" in text(result.reply, sections=())


def test_network_answers_with_few_events_lead_with_counts_and_show_them_beside_ratios(service):
    """Regimen against regimen and rankings from the network (issue 18) follow the same rule."""
    pair = _headline(service.ask("upadacitinib 30 vs dupilumab eczema herpeticum")).splitlines()
    first = next(i for i, s in enumerate(pair) if s.startswith(("Few events:", "About ", "Network ")))
    assert pair[first].startswith("Few events: 4 of 307 on upadacitinib 30 mg")
    assert not any(" in 1,000 on " in s for s in pair)
    ranking = _headline(service.ask("compare all JAKs for shingles"))
    for row in re.findall(r"^\d+\. .*$", ranking, flags=re.MULTILINE):
        assert re.search(r"\[\d+/[\d,]+ vs \d+/[\d,]+\]", row), row
