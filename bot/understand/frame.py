"""The conversation keeps the question. A question is a frame of slots (the Parse: intent, the two sides,
outcomes, population, background therapy, time, trials, condition, baseline risk, display options); a follow-up
changes the slots it names and keeps or resets the others as the table CARRY says. docs/conversation.md shows
the same table with the reasons; tests/test_conversation_table.py checks that the two agree.

A message that names a drug and an outcome, or asks for a ranking or an overview, is a question of its own
(nothing carries). A menu button carries the whole frame of the message it is under with one slot filled: its
canned question is read as a follow-up that can never start afresh (``tap=True``)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from bot.understand.details import settle_time
from bot.understand.lexicon import Lexicon
from bot.understand.options import Options
from bot.understand.reading import Clarification, Parse

KINDS = ("new drug", "new comparator", "new outcome", "new population", "new time", "new option")


@dataclass(frozen=True)
class Carry:
    """One slot of the frame: the Parse and Options fields that hold it, the follow-up kinds after which it is
    reset rather than kept (when the follow-up does not name it), and why."""

    slot: str
    kind: str  # the follow-up kind that names this slot
    parse_fields: tuple[str, ...]
    option_fields: tuple[str, ...]
    resets_on: frozenset[str]
    why: str


def _carry(slot, kind, parse_fields=(), option_fields=(), resets_on=(), why=""):
    return Carry(slot, kind, tuple(parse_fields), tuple(option_fields), frozenset(resets_on), why)


# The table (docs/conversation.md mirrors it). Regimen sides (intervention_regimen / comparator_regimen), when
# the Parse has them, travel with the intervention and comparator slots.
CARRY = (
    _carry("intent", "new option", ["intent"], resets_on=["new comparator"],
           why="A second side makes the question a comparison ('vs placebo' makes it one drug against placebo "
               "again); otherwise the kind of answer stays, except that an overview given an outcome, or a "
               "ranking given a drug, becomes that drug's answer for that outcome."),
    _carry("intervention", "new drug", ["intervention", "assumed_drug", "intervention_regimen"],
           why="The drug (or regimen) asked about changes only when another is named."),
    _carry("regimen", "new option", option_fields=["dose_mg", "interval_weeks", "exclude_dose_mg",
                                                   "exclude_interval_weeks", "licensed_only"],
           resets_on=["new drug"],
           why="A dose or interval belongs to its drug: 300 mg every 2 weeks of dupilumab says nothing of "
               "tralokinumab."),
    _carry("comparator", "new comparator", ["comparator", "comparator_regimen"],
           why="'What about tralokinumab' after A vs B compares tralokinumab with B (with placebo when "
               "tralokinumab was B)."),
    _carry("outcomes", "new outcome", ["outcomes"],
           why="A new drug, comparator, population or time is asked about the same outcomes."),
    _carry("population", "new population", ["population"], ["exclude_populations"],
           why="The patients asked about do not change with the drug, outcome or time."),
    _carry("background", "new option", option_fields=["background"],
           why="With or without topical steroids describes the patients' treatment, whatever else changes."),
    _carry("time", "new time", option_fields=["timepoint_weeks", "followup_weeks", "exclude_followup_weeks"],
           why="The time asked about stays until another is named (and is said back when the new drug or "
               "outcome has nothing held at that time)."),
    _carry("trials", "new option", option_fields=["only_trials", "exclude_trials", "include_trials"],
           resets_on=["new drug", "new comparator"],
           why="Trials named belong to one comparison: another drug or comparator has other trials."),
    _carry("condition", "new option", ["condition"],
           why="Always atopic dermatitis: other conditions are refused."),
    _carry("baseline_risk", "new option", option_fields=["baseline_risk", "invalid_baseline"],
           resets_on=["new outcome", "new population", "new time"],
           why="A baseline risk is one outcome's risk, in one kind of patient, over one period: it carries only "
               "while all three stay (a new drug or comparator is asked for the same patient)."),
    _carry("display", "new option", option_fields=["measure", "method", "hksj", "per", "nnt"],
           why="Measure, model, per 100 or 1,000 and NNT change how an answer is shown, never its bottom line."),
    _carry("drug_class", "new option", ["drug_class", "drugs", "drug_classes", "regimens", "order"],
           resets_on=["new drug", "new comparator"],
           why="A class, or the drugs named together, narrows a ranking (in the order asked); naming a drug "
               "leaves the ranking."),
)
BY_SLOT = {c.slot: c for c in CARRY}
_PARSE_FIELDS = {f.name: f.default for f in fields(Parse)}
_OPTION_DEFAULTS = Options()
# Slots shown in the "kept from your last question" line (intent and condition are never worth a word).
ANNOUNCED = ("intervention", "comparator", "outcomes", "population", "background", "time", "trials", "regimen",
             "baseline_risk", "display", "drug_class")
FILTER_SLOTS = ("population", "background", "time", "trials", "regimen", "baseline_risk", "display")


def _plain(value):
    """A side named without a dose or interval (Regimen('placebo'), Regimen('dupilumab')) says no more than the
    drug field beside it."""
    bare = getattr(value, "dose_mg", 0) is None and getattr(value, "interval_weeks", 0) is None
    return None if bare else value


def slot_value(parsed: Parse, slot: str) -> tuple:
    """A slot's value, for telling whether a follow-up changed it."""
    carry = BY_SLOT[slot]
    return (tuple(_plain(getattr(parsed, f)) for f in carry.parse_fields if f in _PARSE_FIELDS)
            + tuple(getattr(parsed.options, f) for f in carry.option_fields))


def slot_is_empty(parsed: Parse, slot: str) -> bool:
    carry = BY_SLOT[slot]
    return all(_plain(getattr(parsed, f)) in ((), None, "", False, "placebo")
               for f in carry.parse_fields if f in _PARSE_FIELDS) and \
        all(getattr(parsed.options, f) == getattr(_OPTION_DEFAULTS, f) for f in carry.option_fields)


def _take(target: Parse, source: Parse, slot: str) -> Parse:
    carry = BY_SLOT[slot]
    values = {f: getattr(source, f) for f in carry.parse_fields if f in _PARSE_FIELDS}
    options = {f: getattr(source.options, f) for f in carry.option_fields}
    return replace(target, **values, options=replace(target.options, **options))


def _reset(target: Parse, slot: str) -> Parse:
    return _take(target, Parse(status="answer", intent=None), slot)


def is_frame(parsed: Parse | None) -> bool:
    """A reading a follow-up can lean on: an answer or a clarifying question about the evidence."""
    return parsed is not None and parsed.status in ("answer", "clarify") \
        and parsed.intent in ("effect", "compare", "overview", "rank") \
        and bool(parsed.intervention or parsed.comparator != "placebo" or parsed.outcomes
                 or parsed.intent == "rank")


def is_fresh(new: Parse) -> bool:
    """A question of its own: it names a drug and an outcome, or asks for a ranking or an overview."""
    if "intent" in new.named:
        return True
    outcome_like = bool(new.outcomes) or (new.clarification is not None and new.clarification.reason in (
        "nearest_outcome", "related_outcome", "negation"))
    return "intervention" in new.named and outcome_like


def leans(new: Parse) -> bool:
    """Whether a typed message can be a follow-up: it names something, and nothing that stops an answer."""
    if new.status not in ("answer", "clarify", "not_understood") or any(not m.nearest for m in new.uncovered):
        return False
    if new.intent not in (None, "effect", "compare", "overview", "rank"):
        return False
    outcome_like = new.clarification is not None and new.clarification.reason in (
        "nearest_outcome", "related_outcome", "negation")
    return bool(new.named) or outcome_like or any(u.slot == "time" for u in new.unused)


def follow_up(new: Parse, last: Parse | None, lexicon: Lexicon, *, tap: bool = False) -> Parse:
    """The frame after ``new``: ``new`` itself when it stands alone, else ``last`` with the slots ``new`` names
    changed and the others kept or reset as CARRY says. ``tap``: a menu button's canned question, which always
    continues the frame it was offered under."""
    if not is_frame(last) or (not tap and (not leans(new) or is_fresh(new))):
        return new
    changed = [s for s in new.named if s in BY_SLOT and slot_value(new, s) != slot_value(last, s)]
    kinds = {BY_SLOT[s].kind for s in changed}
    notices = tuple(n for n in new.notices if n != "carried_filters")
    if tap and "not_advice" in last.notices and "not_advice" not in notices:
        notices += ("not_advice",)  # a menu under an advice question still answers that question
    merged = replace(last, named=new.named, corrections=new.corrections, uncovered=(), negated=(),
                     unused=new.unused, notices=notices, clarification=None, carried=())
    carried = []
    for carry in CARRY:
        if carry.slot in new.named:
            merged = _take_named(merged, new, last, carry, kinds)
        elif carry.resets_on & kinds:
            merged = _reset(merged, carry.slot)
        elif not slot_is_empty(last, carry.slot):
            carried.append(carry.slot)
    if "intervention" in changed and merged.intervention == last.comparator:
        merged = _reset(merged, "comparator")  # "what about B" after A vs B: B against placebo
        carried = [s for s in carried if s != "comparator"]
    merged = _kind_of_answer(merged, new, last)
    carried = [s for s in carried if s in ANNOUNCED and not slot_is_empty(merged, s)]
    notices = merged.notices + (("carried_filters",) if carried else ())
    merged = replace(merged, carried=tuple(carried), notices=notices)
    return settle_time(_complete(merged, new, lexicon), lexicon)


FIELDWISE = ("display", "regimen")  # "as odds ratio" keeps "random effects"; "weekly" keeps "300 mg"


def _take_named(merged: Parse, new: Parse, last: Parse, carry: Carry, kinds: set[str]) -> Parse:
    """A slot the follow-up names. Display options and a regimen are changed field by field (the fields the
    message sets); a Peto odds ratio switched to another measure falls back to that measure's default model."""
    if carry.slot not in FIELDWISE:
        return _take(merged, new, carry.slot)
    if carry.resets_on & kinds:
        merged = _reset(merged, carry.slot)
    changes = {f: getattr(new.options, f) for f in carry.option_fields
               if getattr(new.options, f) != getattr(_OPTION_DEFAULTS, f)}
    if "method" in changes and "hksj" not in changes:
        changes["hksj"] = False
    options = replace(merged.options, **changes)
    if "measure" in changes and "method" not in changes and last.options.method == "PETO" \
            and changes["measure"] != "OR":
        options = replace(options, method=None)
    return replace(merged, options=options)


def _kind_of_answer(merged: Parse, new: Parse, last: Parse) -> Parse:
    """The intent the merged frame asks for (see the intent row of CARRY)."""
    if new.intent == "overview" and "intent" in new.named:  # every outcome: a baseline risk of one is dropped
        cleared = _reset(_reset(_reset(merged, "comparator"), "outcomes"), "baseline_risk")
        return replace(_reset(cleared, "drug_class"), intent="overview")
    if new.intent == "rank" and "intent" in new.named:
        return replace(_reset(_reset(merged, "comparator"), "intervention"), intent="rank")
    if merged.comparator != "placebo":
        return replace(_reset(merged, "drug_class"), intent="compare")
    if last.intent == "rank" and merged.intervention is None:
        return replace(merged, intent="rank")
    if last.intent == "overview" and not merged.outcomes:
        return replace(merged, intent="overview")
    return replace(_reset(merged, "drug_class") if merged.intervention else merged, intent="effect")


def _complete(frame: Parse, new: Parse, lexicon: Lexicon) -> Parse:
    """An answer when the frame is whole; else the clarifying question it still needs, with buttons that fill
    the missing slot of this frame."""
    reason = new.clarification.reason if new.status == "clarify" and new.clarification is not None else None
    if reason in ("ambiguous_term", "lookalike", "negation", "nearest_outcome", "related_outcome"):
        return replace(frame, status="clarify", clarification=new.clarification)
    if frame.intent == "rank":
        if frame.outcomes:
            return replace(frame, status="answer")
        return replace(frame, status="clarify", clarification=Clarification("need_outcome", "", tuple(
            (lexicon.labels[("outcome", o)], f"which drug is best for {lexicon.labels[('outcome', o)]}")
            for o in lexicon.covered_outcomes)))
    if frame.intervention is None:
        asked = " ".join(lexicon.labels[("outcome", o)] for o in frame.outcomes)
        versus = f" vs {lexicon.labels[('drug', frame.comparator)]}" if frame.comparator != "placebo" else ""
        return replace(frame, status="clarify", clarification=Clarification("need_drug", "", tuple(
            (lexicon.labels[("drug", d)], f"{lexicon.labels[('drug', d)]}{versus} {asked}".strip())
            for d in lexicon.covered_drugs if d != frame.comparator)))
    if frame.intent == "overview" or frame.outcomes:
        return replace(frame, status="answer")
    drug = lexicon.labels[("drug", frame.intervention)]
    return replace(frame, status="clarify", clarification=Clarification("need_outcome", "", tuple(
        (lexicon.labels[("outcome", o)], f"{drug} {lexicon.labels[('outcome', o)]}")
        for o in lexicon.covered_outcomes)))


def frame_after(shown: Parse, previous: Parse | None) -> Parse | None:
    """The frame a chat keeps after a reply: the reply's own reading when it is one; after a refusal, the
    covered drug it named (so 'and acne?' after 'cibinqo nausea' asks about abrocitinib), else the frame
    before; after anything else (thanks, help), the frame before."""
    if is_frame(shown):
        return shown
    if shown.status == "no_data" and shown.intervention:
        return Parse(status="clarify", intent="effect", intervention=shown.intervention,
                     population=shown.population, clarification=Clarification("need_outcome", "", ()))
    return previous


def without_carried(parsed: Parse) -> Parse:
    """The 'Clear filters' button: the same question with the filters a follow-up kept from earlier removed
    (the drug, comparator and outcomes stay)."""
    cleared = parsed
    for slot in parsed.carried:
        if slot in FILTER_SLOTS:
            cleared = _reset(cleared, slot)
    carried = tuple(s for s in parsed.carried if s not in FILTER_SLOTS)
    notices = tuple(n for n in parsed.notices if n != "carried_filters") + (("carried_filters",) if carried else ())
    return replace(cleared, carried=carried, notices=notices)
