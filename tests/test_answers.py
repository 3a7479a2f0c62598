"""The answer path from question to reply: golden texts, wording rules, HTML validity and limits, JSON."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from bot.answers.as_json import answer_json
from bot.answers.render import CAPTION_LIMIT, MESSAGE_LIMIT, caption_html, html_messages, text
from bot.answers.wording import direction_statement
from bot.cli import main
from bot.service import EvidenceService, Settings
from tests.fake_bot_api import assert_telegram_html

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
GOLDEN_QUESTIONS = {
    "skin_infection": "does dupilumab reduce skin infections?",
    "eczema_herpeticum": "dupixent eczema herpeticum",
    "herpes_infection": "herpes infections with dupilumab",
    "any_infection": "does dupilumab increase infections overall",
    "conjunctivitis": "does dupilumab cause pink eye",
    "options": "dupilumab conjunctivitis, random effects, odds ratio, without CHRONOS, if baseline risk is 4%",
    "easi75_benefit": "does tralokinumab improve EASI-75",
    "compare_direct_indirect": "abrocitinib vs dupilumab EASI-75",
    "compare_indirect_only": "tralokinumab vs lebrikizumab EASI-75",
    # issue 18: regimen against regimen from the network, and rankings by regimen
    "compare_dose_within_trial": "upadacitinib 30 mg vs 15 mg EASI-75",
    "compare_head_to_head_by_dose": "abrocitinib 200 mg vs dupilumab EASI-75",
    "ranking_class": "which JAK has the most acne",
    "overview": "is tralokinumab safe",
    "ranking": "which biologic has the least conjunctivitis",
}
# --- golden replies -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(GOLDEN_QUESTIONS))
def test_golden_reply_text(service, name):
    """The full text is pinned; regenerate with UPDATE_GOLDEN=1 after a reviewed change of data or wording."""
    result = service.ask(GOLDEN_QUESTIONS[name])
    # The content hash changes with any data edit (vocabulary included); the text around it is what is pinned.
    rendered = text(result.reply).replace(f"({service.kb.short_hash})", "(<content hash>)")
    path = GOLDEN / f"{name}.txt"
    if UPDATE or not path.exists():
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(rendered + "\n", encoding="utf-8")
    assert rendered + "\n" == path.read_text(encoding="utf-8")


def test_same_question_gives_same_text(service):
    first = text(service.ask("dupilumab skin infections").reply)
    second = text(EvidenceService.from_directory().ask("dupilumab skin infections").reply)
    assert first == second


# --- what the answers say ---------------------------------------------------------------------------------------

def test_skin_infection_leads_with_fleming_and_names_missing_trials(service):
    result = service.ask("does dupilumab reduce skin infections")
    oa = result.answer.outcomes[0]
    assert oa.lead is oa.published
    assert (oa.lead.estimate, oa.lead.ci_low, oa.lead.ci_high) == (0.54, 0.42, 0.70)
    headline = "\n".join(text(result.reply, sections=()).splitlines())
    assert "risk ratio 0.54 (95% CI 0.42 to 0.70)" in headline
    assert "Fleming et al. 2018" in headline
    assert "Fewer on dupilumab" in headline
    # The absolute effect comes before the relative effect; our pooling and the trials Fleming holds that we do
    # not are one tap away (Other estimates), not in the first message.
    assert headline.index("about 18 in 100") < headline.index("risk ratio 0.54")
    assert "SOLO 1" not in headline and "Our pooling" not in headline
    others = text(result.reply, sections=("estimates",))
    assert "SOLO 1" in others and "SOLO 2" in others  # named as missing
    assert "Our pooling of the 3 trials we hold" in others


def test_eczema_herpeticum_uses_peto_and_per_1000(service):
    oa = service.ask("EH dupilumab").answer.outcomes[0]
    assert oa.method == "PETO" and oa.lead.measure == "PETO_OR"
    reply = text(service.ask("EH dupilumab").reply, sections=())
    assert "in 1,000 on placebo" in reply


def test_interval_crossing_no_effect_is_worded_as_compatible_with_both(service):
    reply = text(service.ask("herpes infections with dupilumab").reply, sections=())
    assert "compatible with both fewer and more" in reply.lower()
    assert "significant" not in reply.lower()


def test_every_answer_rates_certainty_and_says_how_without_hedging_words(service):
    for name, question in GOLDEN_QUESTIONS.items():
        reply = text(service.ask(question).reply).lower()
        assert not re.search(r"\b(probably|may|likely|significant(ly)?)\b", reply), question
        if name.startswith(("compare", "overview", "ranking")):
            continue
        # each rating sits with its estimate: ours rule-based, or a published lead's own (or "not rated by its
        # source", with our pooling's rating on our pooling's line)
        ours = re.search(r"certainty: (high|moderate|low|very low) \(rule-based", reply)
        lead = re.search(r"certainty: not rated by its source \(|certainty \(grade, "
                         r"as rated by ", reply)
        assert ours or lead, question
        if lead:
            assert re.search(r"; certainty (high|moderate|low|very low) \(rule-based\)", reply), question
    for name in ("compare_direct_indirect", "compare_indirect_only"):
        reply = text(service.ask(GOLDEN_QUESTIONS[name]).reply).lower()
        assert re.search(r"certainty:? (moderate|low|very low)", reply)
    overview = text(service.ask(GOLDEN_QUESTIONS["overview"]).reply).lower()
    rows = len(service.ask(GOLDEN_QUESTIONS["overview"]).answer.overview.rows)
    # one rating a row, the rating of the estimate on that row (a published one "not rated" by its source)
    assert len(re.findall(r"^• .*; (?:high|moderate|low|very low|not rated)$", overview, re.M)) == rows


def test_disclaimer_appears_exactly_once(service):
    for question in [*GOLDEN_QUESTIONS.values(), "hello", "tralokinumab conjunctivitis", "help", "sources"]:
        reply = text(service.ask(question).reply)
        assert reply.count("not medical advice") == 1, question


@pytest.mark.parametrize(
    ("measure", "low", "high", "words"),
    [
        ("RR", 0.42, 0.70, "fewer people had"),
        ("RR", 1.79, 3.89, "more people had"),
        ("RR", 0.78, 1.74, "compatible with both fewer and more"),
        ("RR", 0.95, 1.05, "little or no difference"),
        ("RR", 0.85, 1.05, "compatible with both"),
        ("RD", -0.005, 0.004, "little or no difference"),
        ("RD", -0.08, -0.02, "fewer people had"),
    ],
)
def test_direction_statement(service, measure, low, high, words):
    from bot.answers.compose import Estimate

    est = Estimate(measure, (low + high) / 2, low, high, 3, 900, "pooled")
    assert words in direction_statement(est, service.kb.outcomes["skin_infection"], "dupilumab")


def test_options_are_applied_and_stated(service):
    result = service.ask(GOLDEN_QUESTIONS["options"])
    oa = result.answer.outcomes[0]
    assert (oa.measure, oa.method) == ("OR", "DL")
    assert "CHRONOS" not in [t.label for t in oa.evidence.tables]
    assert oa.absolute.control_risk == pytest.approx(0.04)
    assert oa.lead is oa.ours  # a filtered question is answered from our own pooling
    reply = text(result.reply, sections=())
    assert "without CHRONOS" in reply and "you gave" in reply


def test_settings_change_the_default_but_not_an_explicit_request(service):
    assert service.ask("skin infections dupilumab", Settings(measure="OR")).answer.outcomes[0].measure == "OR"
    oa = service.ask("skin infections dupilumab risk difference", Settings(measure="OR")).answer.outcomes[0]
    assert oa.measure == "RD"


def test_dose_filter_excludes_weight_tiered_arms(service):
    oa = service.ask("dupilumab conjunctivitis adolescents 300 mg every 2 weeks").answer.outcomes[0]
    assert not oa.evidence.tables
    assert ("ADOL", "no arm with the dose you asked for") in oa.evidence.excluded


def test_a_harm_count_from_a_percentage_is_pooled_and_labelled(service):
    """Data 2026.12.0 (issue 20): a harm count computed from a printed percentage that a whole count reproduces
    pools, labelled on its trial's line (it used to be left out); see tests/test_obtained.py for the rule over
    every outcome."""
    result = service.ask("dupilumab skin infections")
    chronos = next(t for t in result.answer.outcomes[0].evidence.tables if t.trial_id == "chronos")
    assert chronos.n1i == 315 + 110 and "from_percentage" in chronos.obtained
    assert "includes a count derived from a reported percentage" in text(result.reply)


def test_randomised_withdrawal_trial_only_when_named(service):
    oa = service.ask("dupilumab conjunctivitis").answer.outcomes[0]
    assert "solo_continue" not in {t.trial_id for t in oa.evidence.tables}
    oa = service.ask("dupilumab conjunctivitis only SOLO-CONTINUE").answer.outcomes[0]
    assert [t.trial_id for t in oa.evidence.tables] == ["solo_continue"]
    table = oa.evidence.tables[0]
    assert (table.ai, table.n1i) == (3 + 4 + 9, 84 + 87 + 167)  # all dupilumab arms against one placebo arm


@pytest.mark.parametrize(
    ("question", "needle"),
    [
        ("does ruxolitinib cause conjunctivitis", "no curated evidence on ruxolitinib"),
        ("dupilumab injection site reactions", "no curated evidence on injection-site reactions"),
        ("dupilumab asthma infections", "no curated evidence on asthma"),
        ("hello", "Hello"),
        ("qwertyuiop", "did not understand"),
        ("dupilumab cold sores", "no separate data"),
        ("dupilumab", "Which outcome"),
    ],
)
def test_unanswerable_questions_get_a_plain_reply(service, question, needle):
    result = service.ask(question)
    assert not result.answer.outcomes
    assert needle in text(result.reply)


# --- rendering --------------------------------------------------------------------------------------------------

HOSTILE = [
    "<b>dupilumab</b> skin infection & </a> <script>",
    "dupilumab " + "x" * 5000,
    "🙂" * 300,
    "\u202edupilumab conjunctivitis\u202c",
    "tralokinumab <i>conjunctivitis",
    "",
]


@pytest.mark.parametrize("question", [*GOLDEN_QUESTIONS.values(), *HOSTILE, "help", "sources", "topics",
                                      "which trials for conjunctivitis", "what is eczema herpeticum"])
def test_html_is_valid_and_within_limits(service, question):
    reply = service.ask(question).reply
    for sections in ((), ("trials", "method", "sources")):
        for message in html_messages(reply, sections):
            assert_telegram_html(message, MESSAGE_LIMIT)
            assert "<script" not in message
    assert_telegram_html(caption_html(reply), CAPTION_LIMIT)


def test_long_details_are_split_under_the_limit(service):
    reply = service.ask("dupilumab skin infections and conjunctivitis and herpes and infections").reply
    messages = html_messages(reply, ("trials", "method", "sources"), limit=600)
    assert len(messages) > 2
    assert all(len(m) <= 600 for m in messages)
    for m in messages:
        assert_telegram_html(m, 600)


# --- JSON and the command line ------------------------------------------------------------------------------

def test_ask_json_carries_parse_numbers_and_sources(capsys):
    assert main(["ask", "dupixent skin infxn?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "answer" and data["intervention"] == "dupilumab"
    assert data["outcomes"] == ["skin_infection"]
    result = data["results"][0]
    assert (result["measure"], result["estimate"], result["ci_low"], result["ci_high"]) == ("RR", 0.54, 0.42, 0.7)
    assert result["published_synthesis"]["pmid"] == "28987493"
    assert result["control_per_1000"] > result["treatment_per_1000"]
    assert any("springer" in s for s in result["sources"])
    assert data["kb_version"] and data["kb_hash"]


def test_ask_json_reads_one_question_per_line(monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("dupilumab pink eye\n\nhello\nomalizumab infections\n"))
    assert main(["ask", "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    statuses = [json.loads(line)["status"] for line in lines]
    assert statuses == ["answer", "not_understood", "no_data"]


def test_ask_default_question_and_plain_text(capsys):
    assert main(["ask", "does", "dupilumab", "reduce", "skin", "infections"]) == 0
    out = capsys.readouterr().out
    assert "risk ratio 0.54" in out and "not medical advice" in out


def test_answer_json_has_no_nan(service):
    for question in GOLDEN_QUESTIONS.values():
        result = service.ask(question)
        payload = answer_json(result.answer, result.reply, service.kb, text(result.reply))
        json.dumps(payload, allow_nan=False)


def test_text_answers_do_not_import_matplotlib():
    """Start-up stays light: matplotlib is imported only when a picture is asked for."""
    import subprocess
    import sys

    code = ("import sys; from bot.service import EvidenceService; "
            "EvidenceService.from_directory().ask('dupilumab skin infections'); print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "False"


def test_no_question_in_the_labelled_set_gets_a_silent_reply(service):
    """Every reply says something besides the footer, and an 'answer' to an effect question has numbers
    or says plainly that it has none."""
    import csv

    with (Path(__file__).parent / "data" / "questions.csv").open(newline="", encoding="utf-8") as handle:
        questions = [row["question"] for row in csv.DictReader(handle)]
    assert len(questions) >= 400
    for question in questions:
        result = service.ask(question)
        body = [line for line in text(result.reply, sections=()).splitlines()[:-1] if line.strip()]
        assert body, question
        parsed = result.answer.parse
        if parsed.status == "answer" and parsed.intent == "effect":
            assert result.answer.outcomes, question


def test_sensitivity_analyses_are_computed_only_when_asked(service):
    parsed = service.understand("dupilumab conjunctivitis")
    quick, reply = service.answer_parse(parsed, sensitivity=False)
    assert not quick.outcomes[0].leave_one_out and not any(s.key == "sensitivity" for s in reply.sections)
    assert any(b.action == "sensitivity" for b in reply.buttons)  # offered, computed on the button press
    full, reply = service.answer_parse(parsed)
    assert len(full.outcomes[0].leave_one_out) == len(full.outcomes[0].evidence.tables)
    assert any(s.key == "sensitivity" for s in reply.sections)
    _, one_trial = service.answer_parse(service.understand("dupilumab eczema herpeticum"))
    assert not any(b.action == "sensitivity" for b in one_trial.buttons)  # nothing to leave out


@pytest.mark.parametrize("low, high, shown", [
    (0.003, 510.3, "(95% CI <0.01 to 510.3)"),
    (0.004999, 1.2, "(95% CI <0.01 to 1.20)"),
    (0.005, 1.2, "(95% CI 0.01 to 1.20)"),
    (0.5, float("inf"), "(95% CI 0.50 to \u221e)"),
])
def test_a_ratio_bound_far_below_one_is_never_printed_as_zero(low, high, shown):
    """'0.00' reads as 'no risk at all'; a sparse comparison's lower bound of 0.003 is '<0.01'."""
    from bot.answers.compose import Estimate
    from bot.answers.wording import fmt_estimate

    est = Estimate("OR", 0.9, low, high, 2, 100, "pooled")
    assert fmt_estimate(est).endswith(shown)
    assert "0.00 " not in fmt_estimate(est)


def test_differences_passed_through_the_ratio_formatter_keep_their_sign_and_zero():
    """The validation table prints published mean differences with the same formatter: '-0.20' and '0.00' stay."""
    from bot.answers.numbers import fmt_ratio

    assert (fmt_ratio(-0.2), fmt_ratio(0.0), fmt_ratio(0.004), fmt_ratio(12.34)) == ("-0.20", "0.00", "<0.01", "12.3")
