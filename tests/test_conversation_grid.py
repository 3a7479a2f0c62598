"""Generated chat grids (issue 19): every slot of the frame x every kind of follow-up, after each kind of
question (effect, comparison, overview, ranking), and a menu tap after each kind of question, asserting the
frame each leaves. The expected frame is worked out here from the rules as docs/conversation.md states them,
written independently of bot/understand/frame.py, so that a rule the code gets wrong fails a case.

The grid runs at the level the handlers use (bot.telegram.questions.next_turn / tap_frames): a few
milliseconds a case, no Telegram."""

from __future__ import annotations

import itertools

import pytest

from bot.telegram.questions import next_turn, tap_frames
from bot.understand.reading import Parse

QUESTIONS = {  # kind of question -> (its words, its frame)
    "effect": ("dupilumab conjunctivitis", {"intent": "effect", "intervention": "dupilumab",
                                            "comparator": "placebo", "outcomes": ("conjunctivitis",)}),
    "comparison": ("dupilumab vs tralokinumab conjunctivitis",
                   {"intent": "compare", "intervention": "dupilumab", "comparator": "tralokinumab",
                    "outcomes": ("conjunctivitis",)}),
    "overview": ("is dupilumab safe", {"intent": "overview", "intervention": "dupilumab", "comparator": "placebo",
                                       "outcomes": ()}),
    "ranking": ("which is best for conjunctivitis", {"intent": "rank", "intervention": None,
                                                     "comparator": "placebo", "outcomes": ("conjunctivitis",)}),
}
# a slot filled in the first question: (words, the slot's value)
FILLS = {
    "none": ("", {}),
    "population": ("in adolescents", {"population": "adolescents"}),
    "excluded population": ("excluding kids", {"exclude_populations": ("under_12",)}),
    "background": ("with topical steroids", {"background": "tcs"}),
    "time": ("at week 16", {"time": 16}),
    "trials": ("without CHRONOS", {"trials": ((), ("chronos",), ())}),
    "regimen": ("300 mg q2w", {"regimen": (300, 2, None, None, False)}),
    "baseline risk": ("if baseline risk is 5%", {"baseline_risk": 0.05}),
    "display": ("as odds ratio", {"display": ("OR", None, False, None, False)}),
    "drug class": ("", {}),  # a ranking of biologics: see _first
}
FOLLOW_UPS = {  # words -> kind of follow-up and the slots it names
    "what about lebrikizumab": ("new drug", {"intervention": "lebrikizumab"}),
    "and lebrikizumab?": ("new drug", {"intervention": "lebrikizumab"}),
    "vs upadacitinib": ("new comparator", {"comparator": "upadacitinib"}),
    "vs placebo": ("new comparator", {"comparator": "placebo"}),
    "and EASI-75?": ("new outcome", {"outcomes": ("easi75",)}),
    "what about acne": ("new outcome", {"outcomes": ("acne",)}),
    "in adults": ("new population", {"population": "adults", "exclude_populations": ()}),
    "in teens?": ("new population", {"population": "adolescents", "exclude_populations": ()}),
    "long term": ("new time", {"time": 52}),
    "without SOLO 1": ("new option", {"trials": ((), ("solo1",), ())}),
    "as risk difference": ("new option", {"display": ("RD", None, False, None, False)}),
    "with topical steroids": ("new option", {"background": "tcs"}),
}
EMPTY = {"population": None, "exclude_populations": (), "background": None, "time": None, "trials": ((), (), ()),
         "regimen": (None, None, None, None, False), "baseline_risk": None,
         "display": (None, None, False, None, False), "drug_class": ""}
FILTERS = ("population", "exclude_populations", "background", "time", "trials", "regimen", "baseline_risk",
           "display", "drug_class")


def frame_of(p: Parse) -> dict:
    o = p.options
    return {"intent": p.intent, "intervention": p.intervention, "comparator": p.comparator, "outcomes": p.outcomes,
            "population": p.population, "exclude_populations": o.exclude_populations, "background": o.background,
            "time": o.timepoint_weeks, "trials": (o.only_trials, o.exclude_trials, o.include_trials),
            "regimen": (o.dose_mg, o.interval_weeks, o.exclude_dose_mg, o.exclude_interval_weeks, o.licensed_only),
            "baseline_risk": o.baseline_risk, "display": (o.measure, o.method, o.hksj, o.per, o.nnt),
            "drug_class": p.drug_class}


def _first(kind: str, fill: str) -> tuple[str, dict]:
    words, frame = QUESTIONS[kind]
    fill_words, values = FILLS[fill]
    if fill == "drug class":
        words, values = "which biologic is best for conjunctivitis", {"drug_class": "biologic"}
    return f"{words} {fill_words}".strip(), {**frame, **EMPTY, **values}


def _applies(kind: str, fill: str) -> bool:
    return (fill != "regimen" or kind == "effect") and (fill != "drug class" or kind == "ranking")


def expected_after(first: dict, kind: str, named: dict) -> tuple[str, dict]:
    """The rules of docs/conversation.md, applied by hand: (status, frame)."""
    frame = {**first, **named}
    if all(first[k] == v for k, v in named.items()):
        kind = None  # names what the frame already holds: nothing changes
    if kind in ("new drug", "new comparator"):
        frame["trials"], frame["drug_class"] = EMPTY["trials"], ""
    if kind == "new drug":
        frame["regimen"] = EMPTY["regimen"]
    if kind in ("new outcome", "new population", "new time"):
        frame["baseline_risk"] = None
    if frame["comparator"] != "placebo":
        frame["intent"] = "compare"
    elif first["intent"] == "rank" and frame["intervention"] is None:
        frame["intent"] = "rank"
    elif first["intent"] == "overview" and not frame["outcomes"]:
        frame["intent"] = "overview"
    else:
        frame["intent"] = "effect"
    if frame["intent"] != "rank":
        frame["drug_class"] = ""
    whole = (frame["outcomes"] if frame["intent"] == "rank" else frame["intervention"] is not None and (
        frame["intent"] == "overview" or bool(frame["outcomes"])))
    return ("answer" if whole else "clarify"), frame


GRID = [(q, f, w) for q, f, w in itertools.product(QUESTIONS, FILLS, FOLLOW_UPS) if _applies(q, f)]


@pytest.mark.parametrize("question, fill, follow", GRID)
def test_a_follow_up_changes_what_it_names_and_keeps_the_rest(service, question, fill, follow):
    words, first = _first(question, fill)
    start = next_turn(service, words, None)
    assert start.status == "answer" and frame_of(start) == first, (words, start.as_dict())
    kind, named = FOLLOW_UPS[follow]
    after = next_turn(service, follow, start)
    status, want = expected_after(first, kind, named)
    got = frame_of(after)
    if want["time"] is not None and got["time"] is None:  # nothing held at that time: said back, not dropped
        assert any(u.slot == "time" for u in after.unused), (words, follow)
        want["time"] = None
    assert (after.status, got) == (status, want), (words, follow)
    kept = [s for s in FILTERS if want[s] != EMPTY[s] and s not in named and s != "exclude_populations"]
    announced = set(after.carried) | ({"population"} if "population" in after.carried else set())
    assert {s if s != "exclude_populations" else "population" for s in kept} <= announced, (words, follow)


# --- a menu tap after each kind of question ------------------------------------------------------------------

MENUS = {  # question words (a filled slot is appended) -> (button label, the frame it must leave)
    "dupilumab": ("EASI-75", {"intent": "effect", "intervention": "dupilumab", "comparator": "placebo",
                              "outcomes": ("easi75",)}),
    "dupilumab vs tralokinumab": ("EASI-75", {"intent": "compare", "intervention": "dupilumab",
                                              "comparator": "tralokinumab", "outcomes": ("easi75",)}),
    "EASI-75": ("tralokinumab", {"intent": "effect", "intervention": "tralokinumab", "comparator": "placebo",
                                 "outcomes": ("easi75",)}),
    "is dupilumab safe": ("EASI-75", {"intent": "effect", "intervention": "dupilumab", "comparator": "placebo",
                                      "outcomes": ("easi75",)}),
    # a ranking's menu compares its top two regimens: the sides are the button's, the rest the ranking's
    "which is best for EASI-75": ("*", {"intent": "compare", "outcomes": ("easi75",)}),
    "which is best": ("EASI-75", {"intent": "rank", "intervention": None, "comparator": "placebo",
                                  "outcomes": ("easi75",)}),
    "dupilumab vs tralokinumab easi75": ("Dupilumab overview", {
        "intent": "overview", "intervention": "dupilumab", "comparator": "placebo", "outcomes": ()}),
}
TAP_FILLS = ("population", "excluded population", "background", "time", "trials", "baseline risk", "display")


@pytest.mark.parametrize("question, fill", list(itertools.product(MENUS, TAP_FILLS)))
def test_a_menu_tap_keeps_the_frame_and_fills_one_slot(service, question, fill):
    fill_words, values = FILLS[fill]
    shown = next_turn(service, f"{question} {fill_words}", None)
    label, want = MENUS[question]
    _, reply = service.answer_parse(shown, sensitivity=False)
    buttons = [b for b in reply.buttons if b.action.startswith("ask:")]
    asks = [b.label for b in buttons]
    label = asks[0] if label == "*" and asks else label
    assert label in asks, (question, asks)
    tapped = tap_frames(service, shown, reply)[asks.index(label)]
    if "intervention" not in want:  # the sides (and the dose of the first) the button itself names
        alone = frame_of(service.understand(buttons[asks.index(label)].action[4:]))
        want = {**want, **{k: alone[k] for k in ("intervention", "comparator")}}
        values = {**values, "regimen": alone["regimen"]}
    expected = {**EMPTY, **values, **want}
    if want["intervention"] != shown.intervention and want["intervention"] is not None and "trials" in values:
        expected["trials"] = EMPTY["trials"]  # trials named belong to the comparison before
    if want["outcomes"] != shown.outcomes and "baseline_risk" in values:
        expected["baseline_risk"] = None  # a baseline risk belongs to its outcome
    got = frame_of(tapped)
    if expected["time"] is not None and got["time"] is None:
        assert any(u.slot == "time" for u in tapped.unused)
        expected["time"] = None
    assert tapped.status == "answer" and got == expected, (question, fill, tapped.as_dict())


# --- every drug and outcome the knowledge base holds --------------------------------------------------------

def test_every_drug_and_outcome_continue(service):
    """For every drug, other drug and outcome held: "A outcome" then "what about B", "vs B" and "and outcome2?"
    keep what they do not name."""
    kb, wrong = service.kb, []
    names = {o: kb.outcomes[o].name for o in kb.outcomes}
    for a, b in itertools.permutations(kb.covered_drugs, 2):
        for o in kb.outcomes:
            start = next_turn(service, f"{a} {names[o]}", None)
            if (start.status, start.intervention, start.outcomes) != ("answer", a, (o,)):
                wrong.append((a, o, "start", start.status))
                continue
            for words, want in ((f"what about {kb.drug_label(b)}", ("effect", b, "placebo", (o,))),
                                (f"vs {kb.drug_label(b)}", ("compare", a, b, (o,)))):
                got = next_turn(service, words, start)
                if (got.intent, got.intervention, got.comparator, got.outcomes) != want:
                    wrong.append((a, o, words, got.intent, got.intervention, got.comparator, got.outcomes))
    for a in kb.covered_drugs:
        start = next_turn(service, f"{a} {names['easi75']}", None)
        for o in kb.outcomes:
            got = next_turn(service, f"and {names[o]}?", start)
            if (got.intent, got.intervention, got.outcomes) != ("effect", a, (o,)):
                wrong.append((a, "and", o, got.intent, got.intervention, got.outcomes))
    assert wrong == []
