"""Targeted tests of the parser's guards: what it must never answer, and the options it must read."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.understand.lexicon import build_lexicon
from bot.understand.parse import parse
from bot.understand.reading import STATUSES, Parse
from knowledge.loader import load

COVERED = {"skin_infection", "eczema_herpeticum", "herpes_infection", "any_infection", "conjunctivitis"}


@pytest.fixture(scope="module")
def lx():
    return build_lexicon(load())


def ask(lx, question: str) -> Parse:
    return parse(question, lx)


def drug_mentions(p: Parse) -> set[str]:
    return {m.id for m in p.uncovered if m.kind == "drug"}


# --- look-alike drugs -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, drug", [
    ("abrocitinib", "abrocitinib"), ("baricitinib", "baricitinib"), ("upadacitinib", "upadacitinib"),
    ("tralokinumab", "tralokinumab"), ("lebrikizumab", "lebrikizumab"), ("nemolizumab", "nemolizumab"),
    ("Cibinqo", "abrocitinib"), ("Olumiant", "baricitinib"), ("Adbry", "tralokinumab"), ("Adtralza", "tralokinumab"),
    ("Ebglyss", "lebrikizumab"), ("Rinvoq", "upadacitinib"), ("Nemluvio", "nemolizumab"), ("Dupixent", "dupilumab"),
    ("PF-04965842", "abrocitinib"), ("ABT-494", "upadacitinib"),
])
def test_covered_drugs_are_answered_by_generic_brand_and_code_names(lx, name, drug):
    p = ask(lx, f"{name} conjunctivitis risk")
    assert (p.status, p.intervention, p.comparator) == ("answer", drug, "placebo")
    assert not p.assumed_drug and not p.corrections


# A class ("JAK inhibitors") is answered as a ranking of its members since issue 18 (tests/test_regimen_parse.py).
@pytest.mark.parametrize("name, drug", [
    ("durvalumab", "durvalumab"), ("ciclosporin", "ciclosporin"),
    ("cyclosporine", "ciclosporin"), ("ruxolitinib", "ruxolitinib"), ("omalizumab", "omalizumab"),
])
def test_other_drugs_are_recognised_and_never_answered(lx, name, drug):
    p = ask(lx, f"{name} conjunctivitis risk")
    assert p.status == "no_data"
    assert p.intervention is None
    assert drug_mentions(p) == {drug}


@pytest.mark.parametrize("typed, intended, lookalike", [
    ("abrocitnib", "abrocitinib", "baricitinib"), ("abrocitinab", "abrocitinib", "baricitinib"),
    ("baricitinb", "baricitinib", "abrocitinib"), ("baracitinib", "baricitinib", "abrocitinib"),
    ("tralokinumib", "tralokinumab", "lebrikizumab"), ("tralokinamab", "tralokinumab", "lebrikizumab"),
    ("lebrikizimab", "lebrikizumab", "tralokinumab"), ("lebrikizumub", "lebrikizumab", "tralokinumab"),
    ("upadacitinb", "upadacitinib", "baricitinib"),
])
def test_misspelt_lookalikes_are_not_corrected_into_each_other_or_into_dupilumab(lx, typed, intended, lookalike):
    p = ask(lx, f"{typed} conjunctivitis")
    # Answered only as the drug it misspells (a listed spelling, never a fuzzy guess), or asked about.
    assert p.status in ("no_data", "clarify") or (
        p.intervention == intended and all(c[1] == intended for c in p.corrections))
    assert p.intervention not in ("dupilumab", lookalike) and not p.assumed_drug
    assert lookalike not in drug_mentions(p)
    if p.status == "no_data":
        assert drug_mentions(p) == {intended}


def test_a_name_between_two_lookalikes_asks(lx):
    # 'abricitinib' is one edit from abrocitinib and one transposition from baricitinib
    p = ask(lx, "abricitinib herpes")
    assert p.status == "clarify"
    assert p.intervention is None


@pytest.mark.parametrize("typed", ["dupilumab", "dupixent", "Dupixent®", "dupilimab", "dupliumab", "dupixnet",
                                   "dupilmab", "dupiluamb", "REGN668", "sar-231893", "dupi"])
def test_dupilumab_spellings_answer(lx, typed):
    p = ask(lx, f"{typed} conjunctivitis")
    assert (p.status, p.intervention, p.outcomes) == ("answer", "dupilumab", ("conjunctivitis",))


def test_two_covered_drugs_are_compared_and_an_uncovered_one_is_not_answered(lx):
    for q, pair in (("dupilumab vs tralokinumab conjunctivitis", ("dupilumab", "tralokinumab")),
                    ("abrocitinib or dupilumab for EASI-75", ("abrocitinib", "dupilumab"))):
        p = ask(lx, q)
        assert (p.status, p.intervention, p.comparator) == ("answer", *pair), q
    assert ask(lx, "dupilumab vs durvalumab infections").status == "no_data"
    # three drugs: a ranking among exactly those three (issue 18), never a comparison of two of them
    p = ask(lx, "dupilumab vs tralokinumab vs upadacitinib EASI-75")
    assert (p.intent, p.drugs, p.intervention) == ("rank", ("dupilumab", "tralokinumab", "upadacitinib"), None)


def test_unnamed_drug_class_is_not_assumed_to_be_dupilumab(lx):
    p = ask(lx, "JAK inhibitors and herpes")  # the class's members ranked (issue 18), never one drug assumed
    assert p.intent == "rank" and p.drugs == ("abrocitinib", "baricitinib", "upadacitinib") and not p.assumed_drug


# --- herpes, zoster, cold sores --------------------------------------------------------------------------

def test_herpes_is_herpes_infections(lx):
    p = ask(lx, "dupilumab herpes")
    assert (p.status, p.outcomes) == ("answer", ("herpes_infection",))


@pytest.mark.parametrize("term", ["herpes zoster", "shingles", "zoster", "HZ"])
def test_zoster_is_its_own_outcome(lx, term):
    p = ask(lx, f"upadacitinib {term}")
    assert (p.status, p.outcomes) == ("answer", ("herpes_zoster",))


@pytest.mark.parametrize("term", ["cold sores", "herpes labialis", "oral herpes"])
def test_narrower_herpes_terms_ask_before_using_herpes_infections(lx, term):
    p = ask(lx, f"dupilumab {term}")
    assert p.status == "clarify"
    assert p.clarification.reason == "nearest_outcome"
    assert "herpes" in p.clarification.choices[0][1]


def test_eczema_herpeticum_is_not_eczema_plus_herpes(lx):
    p = ask(lx, "dupilumab eczema herpeticum")
    assert p.outcomes == ("eczema_herpeticum",)
    p = ask(lx, "dupilumab herpes and eczema herpeticum")
    assert sorted(p.outcomes) == ["eczema_herpeticum", "herpes_infection"]


def test_a_misspelt_infection_word_stays_inside_its_phrase(lx):
    for q, want in [("dupilumab herpes infektion", ("herpes_infection",)),
                    ("dupilumab herpes virus infectons", ("herpes_infection",)),
                    ("dupilumab skni infection", ("skin_infection",)),
                    ("dupilumab skin infectoins", ("skin_infection",)),
                    ("dupilumab eczema herpeticm", ("eczema_herpeticum",))]:
        p = ask(lx, q)
        assert (p.status, p.outcomes) == ("answer", want), q


# --- negation ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, negated", [
    ("dupilumab infections without skin infection", "skin_infection"),
    ("dupilumab without skin infections", "skin_infection"),
    ("dupilumab no conjunctivitis", "conjunctivitis"),
    ("dupilumab infections other than herpes", "herpes_infection"),
    ("dupilumab infections apart from conjunctivitis", "conjunctivitis"),
    ("any infection except eczema herpeticum on dupilumab", "eczema_herpeticum"),
    ("herpes but not eczema herpeticum with dupilumab", "eczema_herpeticum"),
    ("non-conjunctivitis infections dupilumab", "conjunctivitis"),
])
def test_negated_outcomes_ask(lx, question, negated):
    p = ask(lx, question)
    assert p.status == "clarify"
    assert p.clarification.reason == "negation"
    assert negated in p.negated
    assert negated not in p.outcomes


@pytest.mark.parametrize("question", ["non-herpetic skin infections dupilumab", "dupilumab nonherpetic skin infections",
                                      "dupilumab skin infections excluding herpes",
                                      "dupilumab skin infections (not herpes)"])
def test_non_herpetic_skin_infections_is_the_outcome_not_a_negation(lx, question):
    p = ask(lx, question)
    assert (p.status, p.outcomes, p.negated) == ("answer", ("skin_infection",), ())


def test_without_topical_steroids_is_an_option_not_a_negated_outcome(lx):
    p = ask(lx, "dupilumab without topical steroids conjunctivitis")
    assert (p.status, p.outcomes, p.options.background) == ("answer", ("conjunctivitis",), "monotherapy")


# --- OR: conjunction or odds ratio -------------------------------------------------------------------------

def test_lower_case_or_is_a_conjunction(lx):
    p = ask(lx, "dupilumab skin infections or conjunctivitis")
    assert p.options.measure is None
    assert sorted(p.outcomes) == ["conjunctivitis", "skin_infection"]


def test_capital_or_is_the_odds_ratio(lx):
    p = ask(lx, "dupilumab EH OR")
    assert (p.outcomes, p.options.measure) == (("eczema_herpeticum",), "OR")


def test_odds_ratio_with_a_conjunction(lx):
    p = ask(lx, "odds ratio for conjunctivitis or skin infections with dupilumab")
    assert p.options.measure == "OR"
    assert sorted(p.outcomes) == ["conjunctivitis", "skin_infection"]


def test_colloquial_common_is_not_the_common_effect_model(lx):
    assert ask(lx, "is conjunctivitis common on dupilumab?").options.method is None
    assert ask(lx, "dupilumab conjunctivitis common effect model").options.method == "MH"


# --- spelling, accents, intent ---------------------------------------------------------------------------

@pytest.mark.parametrize("british, american", [
    ("paediatric", "pediatric"), ("impetiginised eczema", "impetiginized eczema"),
    ("eosinophilic oesophagitis", "eosinophilic esophagitis"),
])
def test_british_and_american_spellings_read_alike(lx, british, american):
    a, b = ask(lx, f"dupilumab {british} conjunctivitis"), ask(lx, f"dupilumab {american} conjunctivitis")
    assert a.as_dict() == b.as_dict()


def test_accents_are_ignored(lx):
    assert ask(lx, "dupilumab eczéma herpeticum").outcomes == ("eczema_herpeticum",)
    assert ask(lx, "dupilumab eczéma herpétique").outcomes == ("eczema_herpeticum",)
    assert ask(lx, "conjunctivitis dupilumab except CAFÉ").options.exclude_trials == ("cafe",)
    assert ask(lx, "dupilumab infections excluding Thaçi 2016").options.exclude_trials == ("thaci2016",)


@pytest.mark.parametrize("question", ["What is the risk of conjunctivitis with dupilumab?",
                                      "what is the effect of dupilumab on conjunctivitis",
                                      "Explain the conjunctivitis risk with dupilumab"])
def test_what_is_the_risk_asks_for_an_effect(lx, question):
    p = ask(lx, question)
    assert (p.status, p.intent) == ("answer", "effect")


def test_what_is_an_outcome_asks_for_a_definition(lx):
    p = ask(lx, "what is eczema herpeticum?")
    assert (p.status, p.intent, p.outcomes) == ("answer", "define", ("eczema_herpeticum",))


# --- input that is not a question ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "\n\t", "🙂👍", "x" * 4096, "<script>alert(1)</script>",
                                  "<html><body><p>&nbsp;</p></body></html>", "\x00\x01", "???", "12345",
                                  "lorem ipsum " * 400])
def test_non_questions_are_not_understood(lx, text):
    p = ask(lx, text)
    assert p.status == "not_understood"
    p.as_dict()


def test_none_is_not_understood(lx):
    assert parse(None, lx).status == "not_understood"  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_without_raising(lx, text):
    p = parse(text, lx)
    assert p.status in STATUSES
    if p.status == "answer" and p.intent == "effect":
        assert p.intervention == "dupilumab"
        assert p.outcomes and set(p.outcomes) <= COVERED


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["tralokinumab", "lebrikizumab", "abrocitinib", "baricitinib", "upadacitinib",
                        "nemolizumab", "dupilumab", "ciclosporin", "ruxolitinib", "omalizumab"]),
       st.sampled_from(["conjunctivitis", "skin infections", "herpes", "eczema herpeticum", "infections"]),
       st.integers(min_value=0, max_value=30), st.sampled_from(["", "x", "drop"]))
def test_a_drug_with_one_typo_is_answered_as_itself_or_not_at_all(lx, drug, outcome, position, edit):
    position %= len(drug)
    typed = drug[:position] + ("" if edit == "drop" else edit) + drug[position + (edit == "drop"):]
    p = parse(f"{typed} {outcome}", lx)
    if p.status == "answer":
        assert p.intervention == drug and not p.assumed_drug, (typed, p.as_dict())
    else:
        assert p.intervention in (None, drug), (typed, p.as_dict())


# --- options -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, expected", [
    ("dupilumab conjunctivitis risk ratio", {"measure": "RR"}),
    ("dupilumab conjunctivitis relative risk", {"measure": "RR"}),
    ("dupilumab conjunctivitis risk difference", {"measure": "RD"}),
    ("dupilumab conjunctivitis odds ratio", {"measure": "OR"}),
    ("dupilumab EH Peto", {"measure": "OR", "method": "PETO"}),
    ("dupilumab conjunctivitis random effects", {"method": "DL"}),
    ("dupilumab conjunctivitis DerSimonian-Laird", {"method": "DL"}),
    ("dupilumab conjunctivitis REML", {"method": "REML"}),
    ("dupilumab conjunctivitis Paule-Mandel", {"method": "PM"}),
    ("dupilumab conjunctivitis fixed effect", {"method": "MH"}),
    ("dupilumab conjunctivitis Mantel-Haenszel", {"method": "MH"}),
    ("dupilumab conjunctivitis inverse variance", {"method": "IV"}),
    ("dupilumab conjunctivitis HKSJ", {"method": "DL", "hksj": True}),
    ("dupilumab 300mg q2w conjunctivitis", {"dose_mg": 300, "interval_weeks": 2}),
    ("dupilumab 300 mg every other week conjunctivitis", {"dose_mg": 300, "interval_weeks": 2}),
    ("dupilumab fortnightly conjunctivitis", {"interval_weeks": 2}),
    ("dupilumab weekly conjunctivitis", {"interval_weeks": 1}),
    ("dupilumab qw conjunctivitis", {"interval_weeks": 1}),
    ("dupilumab q4w conjunctivitis", {"interval_weeks": 4}),
    ("dupilumab monthly conjunctivitis", {"interval_weeks": 4}),
    ("dupilumab + TCS conjunctivitis", {"background": "tcs"}),
    ("dupilumab with topical corticosteroids conjunctivitis", {"background": "tcs"}),
    ("dupilumab monotherapy conjunctivitis", {"background": "monotherapy"}),
    ("dupilumab conjunctivitis 16 week trials", {"followup_weeks": 16}),
    # the time asked about is the week of assessment (or the period counted), not the trials' length (issue 19)
    ("dupilumab conjunctivitis at week 16", {"followup_weeks": None, "timepoint_weeks": 16}),
    ("dupilumab conjunctivitis over 1 year", {"followup_weeks": None, "timepoint_weeks": 52}),
    ("dupilumab conjunctivitis if baseline risk is 10%", {"baseline_risk": 0.1}),
    ("dupilumab conjunctivitis baseline risk 2 per 1000", {"baseline_risk": 0.002}),
    ("dupilumab conjunctivitis control risk 0.08", {"baseline_risk": 0.08}),
    ("if the baseline risk of conjunctivitis is 10%, dupilumab?", {"baseline_risk": 0.1}),
    ("dupilumab conjunctivitis without CHRONOS", {"exclude_trials": ("chronos",)}),
    ("dupilumab conjunctivitis excluding CHRONOS and CAFE", {"exclude_trials": ("chronos", "cafe")}),
    ("dupilumab conjunctivitis excluding ADOL and PEDS", {"exclude_trials": ("adol", "peds")}),
    ("dupilumab conjunctivitis excluding Zhao 2022", {"exclude_trials": ("china",)}),
    ("dupilumab conjunctivitis only SOLO 1 and SOLO 2", {"only_trials": ("solo1", "solo2")}),
    ("dupilumab conjunctivitis CHRONOS only", {"only_trials": ("chronos",)}),
    ("conjunctivitis dupilumab excluding the 52-week CHRONOS trial",
     {"exclude_trials": ("chronos",), "followup_weeks": None, "timepoint_weeks": None}),
    ("NNT for conjunctivitis with dupilumab per 1000", {"nnt": True, "per": 1000}),
    ("dupilumab conjunctivitis", {"measure": None, "method": None, "dose_mg": None, "interval_weeks": None,
                                  "background": None, "followup_weeks": None, "baseline_risk": None}),
])
def test_options(lx, question, expected):
    p = ask(lx, question)
    assert p.status == "answer", p.as_dict()
    assert p.outcomes == ("conjunctivitis",) or p.outcomes == ("eczema_herpeticum",)
    got = {k: getattr(p.options, k) for k in expected}
    assert got == expected


def test_the_outcome_inside_a_baseline_risk_phrase_is_still_read(lx):
    p = ask(lx, "if the baseline risk of skin infection is 5%, what does dupilumab do")
    assert (p.outcomes, p.options.baseline_risk) == (("skin_infection",), 0.05)


def _arm_doses():
    kb = load()
    return sorted({(a.drug, int(a.dose_mg)) for a in kb.arms if a.dose_mg and a.drug in kb.drugs})


@pytest.mark.parametrize(("drug", "dose"), _arm_doses())
@pytest.mark.parametrize("written", ["{d} mg", "{d}mg", "{d} milligrams"])
def test_every_dose_held_is_read_however_written(lx, drug, dose, written):
    """Generated from arms.csv: a dose that is silently dropped turns "2 mg" into all doses pooled (baricitinib
    1, 2 and 4 mg once were, for want of a second digit)."""
    p = ask(lx, f"{drug} {written.format(d=dose)} EASI-75")
    assert p.options.dose_mg == dose and p.intervention == drug
