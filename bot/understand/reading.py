"""The structured reading of one question (Parse), with what it could not use (Mention) and the clarifying
question it asks instead of guessing (Clarification)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.understand.options import Options

STATUSES = ("answer", "clarify", "no_data", "not_understood")


@dataclass(frozen=True)
class Mention:
    """A recognised name the knowledge base holds no evidence on (or holds only through a nearer concept)."""

    kind: str
    id: str
    typed: str
    nearest: str = ""
    within: bool = True


@dataclass(frozen=True)
class Unused:
    """A word that would change the answer but that could not be used, said back rather than dropped.

    ``slot`` names the frame slot it would have filled (time, population, qualifier, risk_factor); ``said`` is
    how the reply quotes it (the words typed, or for a slot carried from an earlier question its canonical
    words, 'week 2'); ``why`` ends the sentence "I could not use 'week 2': <why>". Never stored (see frames).
    """

    slot: str
    said: str
    why: str
    id: str = ""  # the vocabulary concept, when the word is one (a risk factor's outcomes are read from it)


@dataclass(frozen=True)
class Clarification:
    """A short question with buttons; each choice is a complete question the user can send back."""

    reason: str  # ambiguous_term, lookalike, negation, nearest_outcome, need_outcome
    typed: str
    choices: tuple[tuple[str, str], ...]  # (button label, question to ask on press)


@dataclass(frozen=True)
class Regimen:
    """One side of a question as it was named: a drug, a drug at a dose, or a drug at an interval. None for what
    the question did not name ("upadacitinib" alone: dose_mg and interval_weeks None)."""

    drug: str
    dose_mg: float | None = None
    interval_weeks: int | None = None

    def as_dict(self) -> dict:
        return {"drug": self.drug, "dose_mg": self.dose_mg, "interval_weeks": self.interval_weeks}


@dataclass(frozen=True)
class Parse:
    status: str
    intent: str | None
    intervention: str | None = None
    comparator: str = "placebo"
    outcomes: tuple[str, ...] = ()
    condition: str | None = None
    population: str | None = None
    options: Options = field(default_factory=Options)
    uncovered: tuple[Mention, ...] = ()
    clarification: Clarification | None = None
    corrections: tuple[tuple[str, str], ...] = ()  # (typed, understood as)
    negated: tuple[str, ...] = ()
    assumed_drug: bool = False
    drug_class: str = ""  # a ranking restricted to one class of drug ("biologic", "JAK inhibitor")
    # What the reader must know, as short codes: not_advice (an advice question), corrected (a spelling was
    # corrected), ignored (part of the question could not be used: `unused`, or an uncovered outcome beside
    # covered ones), carried_filters (a follow-up kept earlier slots: `carried`), invalid_value (e.g. an
    # impossible baseline risk), not_held (a topic no trial outcome answers).
    notices: tuple[str, ...] = ()
    # Words said back as unusable ("I could not use 'week 2': ..."); the JSON's `ignored` lists them.
    unused: tuple[Unused, ...] = ()
    # The frame slots this message itself named (intervention, comparator, outcomes, population, time...): a
    # follow-up changes these and keeps the rest (bot/understand/frame.py, docs/conversation.md).
    named: tuple[str, ...] = ()
    # The slots a follow-up kept from the question before, announced at the top of the reply.
    carried: tuple[str, ...] = ()
    # Each side as the question named it (None when no drug was named): "upa 30 vs 15" is upadacitinib 30 mg
    # against upadacitinib 15 mg. The options' dose_mg / interval_weeks stay those of the intervention side.
    intervention_regimen: Regimen | None = None
    comparator_regimen: Regimen | None = None
    # A question about many drugs: the drugs it names ("dupixent vs adbry vs ebglyss") or the members of the
    # classes it names, and those classes' labels ("JAK vs biologic": both); a ranking among them.
    drugs: tuple[str, ...] = ()
    drug_classes: tuple[str, ...] = ()
    # The regimens a ranking among several was asked with ("upadacitinib 15 mg, 30 mg and dupilumab",
    # "abrocitinib 100 and 200 mg vs placebo"): a drug named with doses is ranked by those doses only.
    regimens: tuple[Regimen, ...] = ()
    # Which end of a ranking answers the question: "most" (highest first), "least" (lowest first), "best"
    # (most benefit first), "worst"; "" = best.
    order: str = ""

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "intent": self.intent,
            "intervention": self.intervention,
            "comparator": self.comparator,
            "outcomes": list(self.outcomes),
            "condition": self.condition,
            "population": self.population,
            "options": self.options.as_dict(),
            "uncovered": [m.__dict__ for m in self.uncovered],
            "clarify": None if self.clarification is None else {
                "reason": self.clarification.reason,
                "typed": self.clarification.typed,
                "choices": [list(c) for c in self.clarification.choices],
            },
            "corrections": [list(c) for c in self.corrections],
            "negated": list(self.negated),
            "assumed_drug": self.assumed_drug,
            "drug_class": self.drug_class or None,
            "notices": list(self.notices),
            "ignored": [u.said for u in self.unused],
            "unused": [u.__dict__ for u in self.unused],
            "carried": list(self.carried),
            "intervention_regimen": None if self.intervention_regimen is None else self.intervention_regimen.as_dict(),
            "comparator_regimen": None if self.comparator_regimen is None else self.comparator_regimen.as_dict(),
            "drugs": list(self.drugs),
            "drug_classes": list(self.drug_classes),
            "regimens": [r.as_dict() for r in self.regimens],
            "order": self.order or None,
        }
