"""Understand a clinician's question by rules and fuzzy keyword matching: no language model.

The parser is deliberately timid. Exact (longest) phrase matches come first; fuzzy matching only corrects a
single leftover word to a single vocabulary word, with a tight edit distance and a margin over the runner-up;
a name that could be a look-alike drug, a term with two meanings or a negated outcome makes it ask rather
than guess. Answering a question that was not asked is the failure this module exists to prevent.

Inside a multi-word phrase a misspelt word may also be read as a word of that phrase ('skni infection',
'herpes infektion'), but only when the corrected words then form an exact vocabulary phrase, so the
correction is confirmed by its neighbours; otherwise each word is matched on its own as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import product

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

from bot.understand.lexicon import Lexicon, Sense
from knowledge.text import normalise

STATUSES = ("answer", "clarify", "no_data", "not_understood")

# Words that are never fuzzy-corrected: everyday English that sits near vocabulary words.
_COMMON_WORDS = """
a about after all also am an and any are as at be been being but by can cause causes caused could data did
do does doing effect effects for from get gets give given had has have having how i if in increase increases
increased into is it its lower lowers make may me more most much my no not of on or our over per rate rates
reduce reduces reduced risk risks safe safety should show so some than that the their them then there these
they this those to treat treated treatment trial trials study studies under use used using versus vs was
what when where which while who why will with without would you your patient patients people person chance
odds ratio relative difference number needed fixed random model effect effects only just exclude excluding
leave except week weeks month months year years weekly every other compared compare against placebo dose
doses mg adult adults child children kid kids teen teens higher less fewer common rare risky worse better
cases case likely prevent protect protects help helps harm harmful outcome outcomes evidence meta analysis
pooled pool forest plot table tell know list which sources source reference references define definition
meaning mean means please thanks thank hello hi hey good morning evening bye okay ok cool great nice yes
catching catch catches watching matching fetching
"""
_COMMON = frozenset(_COMMON_WORDS.split())

# Clinical shorthand for a word of a longer phrase ('hsv infxn' is 'hsv infection'); used only when the
# expansion completes an exact vocabulary phrase.
_ABBREVIATIONS = {"infxn": "infection", "infxns": "infections", "infx": "infection", "infxs": "infections",
                  "inf": "infection", "infn": "infection", "infns": "infections", "conj": "conjunctivitis"}

_NEGATION = frozenset({"without", "no", "not", "except", "excluding", "exclude", "non", "minus", "nor", "besides"})
_NEGATION_PAIRS = {("other", "than"), ("apart", "from"), ("but", "not"), ("leave", "out"), ("leaving", "out"),
                   ("aside", "from")}
_ONLY = frozenset({"only", "just", "solely", "exclusively", "restrict", "restricted"})
_FILLER = frozenset({"any", "a", "an", "the", "of", "having", "getting", "developing", "risk", "history"})


@dataclass(frozen=True)
class Options:
    """Analysis options the question asked for; None means 'use the outcome's default'."""

    measure: str | None = None  # RR, OR, RD
    method: str | None = None  # MH, PETO, IV, DL, REML, PM
    hksj: bool = False
    dose_mg: int | None = None
    interval_weeks: int | None = None
    background: str | None = None  # monotherapy, tcs
    followup_weeks: int | None = None
    exclude_trials: tuple[str, ...] = ()
    only_trials: tuple[str, ...] = ()
    baseline_risk: float | None = None  # a proportion, 0..1
    per: int | None = None  # 100 or 1000
    nnt: bool = False

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Mention:
    """A recognised name the knowledge base holds no evidence on (or holds only through a nearer concept)."""

    kind: str
    id: str
    typed: str
    nearest: str = ""


@dataclass(frozen=True)
class Clarification:
    """A short question with buttons; each choice is a complete question the user can send back."""

    reason: str  # ambiguous_term, lookalike, negation, nearest_outcome, need_outcome
    typed: str
    choices: tuple[tuple[str, str], ...]  # (button label, question to ask on press)


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
        }


@dataclass
class _Hit:
    start: int
    end: int
    senses: tuple[Sense, ...]
    typed: str
    fuzzy: bool = False


# --- option patterns (on the normalised text, where '300mg' is '300 mg' and 'q2w' is 'q 2 w') ---------------

_PERCENT = r"(\d+(?:\.\d+)?)\s*(%|percent|per cent|in 1000|per 1000|in 1 000|per 1 000|in 100|per 100)(?![a-z0-9])"
_ABOUT = r"\s+(?:of|for|in|on|with|without)\s+[a-z]+(?:\s+[a-z]+){0,2}?"  # 'of conjunctivitis', 'on placebo'
_BASELINE = re.compile(
    r"(?:baseline|control|background|untreated|placebo|assumed|assume|starting|base)\s+(?:group\s+)?"
    r"(?:(?:risk|rate|incidence|probability)(?P<about1>" + _ABOUT + r")?)?"
    r"\s*(?:is|of|at|=|was|were|be|around|about|~)?\s*(?:is\s+)?" + _PERCENT
    + r"|(?:if|when|assuming)\s+(?:the\s+)?(?:risk|rate|incidence)(?P<about2>" + _ABOUT + r")?"
    r"\s+(?:is|of|was|were|be)?\s*" + _PERCENT
)
_FRACTION = re.compile(r"(?:baseline|control)\s+(?:risk|rate)\s+(?:is|of|=)?\s*(0?\.\d+)\b")
_DOSE = re.compile(r"\b(\d{2,3})\s*(?:mg|milligrams?)\b")
_INTERVAL = (
    (re.compile(r"\bq\s*(\d)\s*w(?:k|ks|eeks?)?\b"), None),
    (re.compile(r"\bevery\s+(\d|one|two|four|other)\s*(?:weeks?|wks?)\b"), None),
    (re.compile(r"\b(?:every\s+week|once\s+(?:a|per)\s+week|weekly|qw|q\s*wk)\b"), 1),
    (re.compile(r"\b(?:fortnightly|biweekly|every\s+fortnight|twice\s+(?:a\s+)?monthly|every\s+other\s+week)\b"), 2),
    (re.compile(r"\b(?:monthly|every\s+month|once\s+a\s+month)\b"), 4),
)
_WORD_NUMBERS = {"one": 1, "two": 2, "four": 4, "other": 2}
_FOLLOWUP = (
    re.compile(r"\b(\d{1,3})\s*(?:weeks?|wks?|w)\b(?:\s+(?:trials?|studies|rcts?|follow\s*up|long|duration|data))"),
    re.compile(r"\b(?:only|just|restricted\s+to|limit\s+to|trials?\s+of|studies\s+of|lasting|over)\s+(\d{1,3})"
               r"\s*(?:weeks?|wks?|w)\b"),
    re.compile(r"\b(?:at|by|to|until|through|up\s+to)\s+(?:week|wk|w)\s*(\d{1,3})\b"),
)
_YEAR = re.compile(r"\b(?:one|1)\s*(?:year|yr)\s*(?:long\s+)?(?:trials?|studies|follow\s*up|data)|"
                   r"\b(?:long\s*term|1\s*year|one\s*year|52\s*weeks?)\b")
_PER = re.compile(r"\bper\s*(100|1000|1 000|hundred|thousand)\b|\bin\s*(1000|100)\b\s*(?:people|patients)?$")
_MEASURES = (
    # 'what are the odds of ...' is English for 'how likely', not a request for the odds ratio
    (re.compile(r"\b(?:odds\s+ratios?|(?<!what are the )(?<!what s the )(?<!whats the )odds|peto)\b"), "OR"),
    (re.compile(r"\b(?:risk\s+ratios?|relative\s+risks?|rr)\b"), "RR"),
    (re.compile(r"\b(?:risk\s+differences?|absolute\s+risk(?:\s+difference)?|absolute\s+difference|rd|ard)\b"),
     "RD"),
)
_NNT = re.compile(r"\b(?:nnt|nnh|nntb|nnth|number\s+needed\s+to\s+(?:treat|harm))\b")
_METHODS = (
    (re.compile(r"\b(?:hksj|hartung\s+knapp|knapp\s+hartung)\b"), ("random", "DL", True)),
    (re.compile(r"\breml\b"), ("random", "REML", False)),
    (re.compile(r"\b(?:paule\s+mandel|pm\s+estimator)\b"), ("random", "PM", False)),
    (re.compile(r"\b(?:dersimonian|laird|dl)\b"), ("random", "DL", False)),
    (re.compile(r"\brandom(?:\s*effects?)?(?:\s+model)?\b"), ("random", "DL", False)),
    (re.compile(r"\bpeto\b"), ("fixed", "PETO", False)),
    (re.compile(r"\b(?:mantel|haenszel|mh)\b"), ("fixed", "MH", False)),
    (re.compile(r"\b(?:inverse\s+variance|iv)\b"), ("fixed", "IV", False)),
    # a bare 'common' is English ('is conjunctivitis common?'), not the common-effect model
    (re.compile(r"\bfixed(?:\s*effects?)?(?:\s+model)?\b|\bcommon\s*effects?(?:\s+model)?\b"),
     ("fixed", "MH", False)),
)
_BACKGROUND = (
    (re.compile(r"\b(?:with|plus|and|on|\+|combined\s+with|added\s+to)\s+(?:topical\s+)?(?:cortico)?steroids?\b|"
                r"\btcs\b|\bwith\s+topicals?\b|\bcombination\s+(?:therapy|trials?)\b|\bconcomitant\b"), "tcs"),
    (re.compile(r"\bmonotherapy\b|\bmono\b|\b(?:without|no)\s+(?:topical\s+)?(?:cortico)?steroids?\b|"
                r"\b(?:on\s+its\s+own|by\s+itself|alone)\b"), "monotherapy"),
)
_INTENTS = (
    ("help", re.compile(r"^(?:help|start|commands?|how\s+(?:do|does|to)\s+(?:i\s+)?(?:use|ask)(?:\s+(?:you|this|it))?"
                        r"|what\s+can\s+you\s+do|what\s+do\s+you\s+do|how\s+does\s+this\s+work)\b")),
    ("topics", re.compile(r"\b(?:topics|what\s+(?:do\s+you|can\s+you)\s+(?:cover|know|answer)|what\s+(?:can|should)"
                          r"\s+i\s+ask|what\s+evidence\s+do\s+you\s+have|coverage)\b")),
    ("sources", re.compile(r"\b(?:sources?|references?|citations?|cite|bibliography|where\s+(?:does|do)\s+"
                           r"(?:this|the\s+data|your\s+data)\s+come\s+from)\b")),
    ("trials", re.compile(r"\b(?:(?:which|what|list|show|name)\s+(?:the\s+|of\s+the\s+|all\s+)?"
                          r"(?:trials?|studies|rcts?)"
                          r"|(?:trials?|studies|rcts?)\s+(?:included|used|pooled|do\s+you\s+have|are\s+there)"
                          r"|^trials?\b|^studies\b|how\s+many\s+(?:trials?|studies|rcts?))")),
    ("define", re.compile(r"^(?:what\s+(?:is|are|does)|whats|define|definition\s+of|meaning\s+of|explain)\b")),
)
_GREETING = re.compile(r"^(?:hi|hello|hey|hiya|yo|good\s+(?:morning|afternoon|evening|day)|greetings|howdy)\b")
_THANKS = re.compile(r"^(?:thanks?|thank\s+you|thx|ty|cheers|great|ok(?:ay)?|cool|nice|perfect|bye|goodbye)\b")
_EFFECT_CUES = re.compile(r"\b(?:risk|reduce|increase|cause|effect|rate|odds|more|less|fewer|safe|chance|"
                          r"incidence|associated|lower|higher|prevent|protect|worse|better|compared|versus|vs)\b")


def parse(question: str, lexicon: Lexicon) -> Parse:
    """One message in, one structured reading out; never raises on text."""
    text = normalise(question or "")[:2000]
    words = text.split()
    if not words:
        return Parse(status="not_understood", intent=None)
    options, consumed, followup_words = _options(text, question or "")
    hits = _match(words, lexicon, consumed)
    _trial_lists(hits, words, lexicon)
    corrections = tuple((h.typed, lexicon.labels.get((h.senses[0].kind, h.senses[0].id), h.senses[0].id))
                        for h in hits if h.fuzzy and len(h.senses) == 1)
    intent = _intent(text)

    # Ambiguity and look-alikes come first: guessing there is how wrong answers happen.
    for hit in hits:
        distinct = {(s.kind, s.id) for s in hit.senses}
        if len(distinct) > 1 and any(s.kind != "trial" for s in hit.senses):
            return _clarify_ambiguous(hit, lexicon, options, corrections)

    trial_refs = [(h, s.id) for h in hits if h.senses[0].kind == "trial" for s in h.senses]
    only, exclude = _trial_options(words, trial_refs)
    options = replace(options, only_trials=only, exclude_trials=exclude)
    if followup_words and any(h.start == max(followup_words) + 1 for h, _ in trial_refs):
        options = replace(options, followup_weeks=None)  # 'excluding the 52-week CHRONOS trial' names a trial
    concept_hits = [h for h in hits if h.senses[0].kind != "trial"]

    by_kind: dict[str, list[_Hit]] = {}
    for hit in concept_hits:
        by_kind.setdefault(hit.senses[0].kind, []).append(hit)

    negated = [h for h in by_kind.get("outcome", []) if _is_negated(words, h.start)]
    outcome_hits = [h for h in by_kind.get("outcome", []) if h not in negated]

    uncovered = tuple(
        Mention(h.senses[0].kind, h.senses[0].id, h.typed, h.senses[0].nearest)
        for h in concept_hits if not h.senses[0].covered and h not in negated
    )
    drugs = _distinct(by_kind.get("drug", []))
    named = _distinct(outcome_hits, covered_only=True)
    specific = [o for o in named if o not in lexicon.groups]
    # 'efficacy' stands for its group only when nothing more specific was named ('IGA response' is IGA 0/1).
    outcomes = specific or list(dict.fromkeys(o for concept in named for o in lexicon.groups[concept]))
    conditions = _distinct(by_kind.get("condition", []))
    populations = _distinct(by_kind.get("population", []), covered_only=True)
    covered_drugs = [d for d in drugs if _covered(by_kind["drug"], d)]
    base = Parse(
        status="answer", intent=intent or ("effect" if (drugs or outcome_hits) else None),
        intervention=covered_drugs[0] if covered_drugs else None,
        comparator=covered_drugs[1] if len(covered_drugs) == 2 else "placebo", outcomes=tuple(outcomes),
        condition=next((c for c in conditions if _covered(by_kind["condition"], c)), None),
        population=populations[0] if populations else None,
        options=options, uncovered=uncovered, corrections=corrections,
        negated=tuple(dict.fromkeys(h.senses[0].id for h in negated)),
    )
    if base.intent in ("help", "topics", "sources"):
        return base
    if not hits and base.intent is None:
        if _GREETING.match(text) or _THANKS.match(text):
            return replace(base, status="not_understood", intent="greeting" if _GREETING.match(text) else "thanks")
        return replace(base, status="not_understood")

    lookalike = _lookalike_guard(hits, lexicon, words)
    if lookalike:
        return replace(base, status="clarify", clarification=lookalike)

    # Anything recognised but not covered stops the answer: never answer about something else instead.
    blocking = [m for m in uncovered if not m.nearest]
    if any(m.kind in ("drug", "condition", "comparator", "population") for m in blocking) or (
        blocking and not specific and base.intent in ("effect", "define", None)
    ):
        return replace(base, status="no_data")
    if len(covered_drugs) > 2 or (covered_drugs and len(drugs) > len(covered_drugs)):
        return replace(base, status="no_data")
    drug = lexicon.labels[("drug", covered_drugs[0])] + " " if covered_drugs else ""

    nearest = [m for m in uncovered if m.nearest]
    if nearest:
        mention = nearest[0]
        label = lexicon.labels.get(("outcome", mention.nearest), mention.nearest)
        return replace(base, status="clarify", clarification=Clarification(
            reason="nearest_outcome", typed=mention.typed,
            choices=((f"Show {label}", f"{drug}{label}"),)))

    if negated:
        choices = tuple((lexicon.labels[("outcome", o)], f"{drug}{lexicon.labels[('outcome', o)]}")
                        for o in dict.fromkeys(list(outcomes) + [h.senses[0].id for h in negated]))
        return replace(base, status="clarify", clarification=Clarification(
            reason="negation", typed=" ".join(h.typed for h in negated), choices=choices))

    if base.intent == "define" and outcomes and (covered_drugs or _EFFECT_CUES.search(text)):
        # 'what is the risk of conjunctivitis with dupilumab' asks for an effect, not a definition
        base = replace(base, intent="effect")
    if base.intent == "define" and not outcomes:
        if not covered_drugs:
            return replace(base, status="not_understood")
        base = replace(base, intent="effect")  # 'what is dupilumab': ask which outcome, below
    if base.intent in ("trials", "define"):
        return base

    if not outcomes:
        if covered_drugs or base.condition or trial_refs:
            return replace(base, status="clarify", intent="effect", clarification=Clarification(
                reason="need_outcome", typed="",
                choices=tuple((lexicon.labels[("outcome", o)], f"{drug}{lexicon.labels[('outcome', o)]}")
                              for o in lexicon.covered_outcomes)))
        return replace(base, status="not_understood")

    if base.intervention is None:
        if len(lexicon.covered_drugs) != 1:
            # Several drugs are covered: which one is the question; never pick one for the user.
            asked = " ".join(lexicon.labels[("outcome", o)] for o in outcomes)
            return replace(base, status="clarify", clarification=Clarification(
                reason="need_drug", typed="", choices=tuple(
                    (lexicon.labels[("drug", d)], f"{lexicon.labels[('drug', d)]} {asked}")
                    for d in lexicon.covered_drugs)))
        # One drug is covered; say that it was assumed rather than pretend it was asked.
        base = replace(base, intervention=lexicon.covered_drugs[0], assumed_drug=True)
    return replace(base, intent="effect" if base.intent not in ("trials", "define") else base.intent)


# --- matching -------------------------------------------------------------------------------------------------

def _match(words: list[str], lexicon: Lexicon, consumed: set[int]) -> list[_Hit]:
    hits: list[_Hit] = []
    forms = [_forms(w, lexicon) for w in words]
    i = 0
    while i < len(words):
        if i in consumed:
            i += 1
            continue
        for size in range(min(lexicon.longest, len(words) - i), 0, -1):
            span = tuple(words[i:i + size])
            if any(j in consumed for j in range(i, i + size)):
                continue
            senses = lexicon.senses(span)
            fuzzy = False
            if not senses and size > 1:
                senses = _phrase_senses(forms[i:i + size], lexicon)
                fuzzy = bool(senses) and any(len(f) > 1 for f in forms[i:i + size])
            if senses:
                hits.append(_Hit(i, i + size, senses, " ".join(span), fuzzy=fuzzy))
                i += size
                break
        else:
            fuzzy = _fuzzy(words[i], lexicon)
            if fuzzy:
                hits.append(_Hit(i, i + 1, fuzzy, words[i], fuzzy=True))
            i += 1
    return hits


def _forms(word: str, lexicon: Lexicon) -> tuple[str, ...]:
    """The word itself, then what it may stand for inside a phrase: its spelling variant, or the phrase
    words nearest to it if it is unknown (ties kept: the neighbours decide, or nothing does)."""
    if word in _ABBREVIATIONS:
        return (word, _ABBREVIATIONS[word])
    variant = lexicon.variants.get(word)
    if variant:
        return (word, variant)
    if (len(word) < 4 or word in _COMMON or word in lexicon.phrase_words or lexicon.senses((word,))
            or any(ch.isdigit() for ch in word)):
        return (word,)
    allowed = 1 if len(word) < 8 else 2
    found = extract(word, lexicon.phrase_words, scorer=OSA.distance, limit=3, score_cutoff=allowed)
    if not found:
        return (word,)
    best = found[0][1]
    return (word, *(term for term, score, _ in found if score == best))


def _phrase_senses(forms: list[tuple[str, ...]], lexicon: Lexicon) -> tuple[Sense, ...]:
    """Senses of the one exact phrase the corrected words can spell; nothing if none, or if two disagree."""
    if all(len(f) == 1 for f in forms):
        return ()
    found: set[tuple[Sense, ...]] = set()
    for combo in product(*forms):
        senses = lexicon.senses(combo)
        if senses:
            found.add(senses)
    return found.pop() if len({tuple((s.kind, s.id) for s in f) for f in found}) == 1 else ()


def _trial_lists(hits: list[_Hit], words: list[str], lexicon: Lexicon) -> None:
    """'excluding ADOL and PEDS': a term that is also a trial's name is the trial when it continues a list
    of trials."""
    for k, hit in enumerate(hits):
        trial_id = lexicon.shadowed_trials.get(tuple(words[hit.start:hit.end]))
        if not trial_id or k == 0 or hits[k - 1].senses[0].kind != "trial":
            continue
        between = words[hits[k - 1].end:hit.start]
        if between and all(w in ("and", "or", "nor", "the") for w in between):
            hits[k] = replace(hit, senses=(Sense("trial", trial_id, True),))


def _fuzzy(word: str, lexicon: Lexicon) -> tuple[Sense, ...]:
    """Correct one misspelt word to one vocabulary word, or to nothing."""
    if len(word) < 5 or word in _COMMON or any(ch.isdigit() for ch in word):
        return ()
    allowed = 1 if len(word) < 8 else 2
    found = extract(word, lexicon.single_words, scorer=OSA.distance, limit=4, score_cutoff=allowed)
    if not found:
        return ()
    best = found[0][1]
    winners = [term for term, score, _ in found if score == best]
    senses: list[Sense] = []
    for term in winners:
        for sense in lexicon.senses((term,)):
            if sense not in senses:
                senses.append(sense)
    runners = {s for term, score, _ in found if score == best + 1 for s in lexicon.senses((term,))}
    if len({(s.kind, s.id) for s in senses}) != 1:
        return tuple(senses)  # a tie between two concepts: the caller asks which was meant
    if best > 0 and any((r.kind, r.id) != (senses[0].kind, senses[0].id) for r in runners) and best == allowed:
        return ()  # no margin over a different concept: too close to call, and too risky to ask about
    return tuple(senses)


def _lookalike_guard(hits: list[_Hit], lexicon: Lexicon, words: list[str]) -> Clarification | None:
    """A fuzzy-corrected drug name that is also near one of its look-alikes is never silently accepted."""
    for hit in hits:
        sense = hit.senses[0]
        if not hit.fuzzy or sense.kind != "drug":
            continue
        for other in lexicon.lookalikes.get(sense.id, ()):
            if OSA.distance(hit.typed, other) <= max(2, len(other) // 4):
                label = lexicon.labels.get(("drug", sense.id), sense.id)
                return Clarification(reason="lookalike", typed=hit.typed,
                                     choices=((label, " ".join(w if w != hit.typed else label for w in words)),))
    return None


def _clarify_ambiguous(hit: _Hit, lexicon: Lexicon, options: Options, corrections) -> Parse:
    choices = []
    for sense in hit.senses:
        label = lexicon.labels.get((sense.kind, sense.id), sense.id)
        choices.append((label, label))
    return Parse(status="clarify", intent="effect", options=options, corrections=corrections,
                 clarification=Clarification(reason="ambiguous_term", typed=hit.typed, choices=tuple(choices)))


def _distinct(hits: list[_Hit], covered_only: bool = False) -> list[str]:
    ids = [h.senses[0].id for h in hits if h.senses[0].covered or not covered_only]
    return list(dict.fromkeys(ids))


def _covered(hits: list[_Hit], concept_id: str) -> bool:
    return any(h.senses[0].id == concept_id and h.senses[0].covered for h in hits)


def _is_negated(words: list[str], start: int) -> bool:
    j = start - 1
    while j >= 0 and words[j] in _FILLER and start - j <= 3:
        j -= 1
    if j < 0:
        return False
    if words[j] in _NEGATION:
        return True
    return j >= 1 and (words[j - 1], words[j]) in _NEGATION_PAIRS


def _trial_options(words: list[str], refs: list[tuple[_Hit, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    only: list[str] = []
    exclude: list[str] = []
    mode = None
    for hit, trial_id in refs:
        window = words[max(0, hit.start - 4):hit.start]
        cue_negation = [k for k, w in enumerate(window) if w in _NEGATION or w in ("drop", "remove", "omit")]
        cue_negation += [k + 1 for k in range(len(window) - 1) if (window[k], window[k + 1]) in _NEGATION_PAIRS]
        cue_only = [k for k, w in enumerate(window) if w in _ONLY]
        if cue_negation or cue_only:
            mode = "exclude" if max(cue_negation, default=-1) > max(cue_only, default=-1) else "only"
        if mode is None:
            mode = "only"
        (exclude if mode == "exclude" else only).append(trial_id)
    return tuple(dict.fromkeys(only)), tuple(dict.fromkeys(exclude))


# --- options ------------------------------------------------------------------------------------------------

def _options(text: str, original: str) -> tuple[Options, set[int], set[int]]:
    """Analysis options, the word positions they used up (so they are not matched as concepts), and the
    positions of the follow-up phrase (dropped when it only describes a named trial: 'the 52-week CHRONOS')."""
    spans: list[tuple[int, int]] = []
    values: dict = {}

    def take(match: re.Match) -> None:
        spans.append(match.span())

    match = _BASELINE.search(text) or _FRACTION.search(text)
    if match:
        named = set(match.re.groupindex.values())
        groups = [g for k, g in enumerate(match.groups(), 1) if g is not None and k not in named]
        number = float(groups[0])
        unit = groups[1] if len(groups) > 1 else ""
        if "1000" in unit or "1 000" in unit:
            number /= 10
        risk = number if match.re is _FRACTION else number / 100
        if 0 < risk < 1:
            values["baseline_risk"] = round(risk, 6)
        about = next((name for name in ("about1", "about2") if match.re is _BASELINE and match.group(name)), None)
        if about:  # the words naming the outcome stay for the outcome matcher
            spans.extend([(match.start(), match.start(about)), (match.end(about), match.end())])
        else:
            take(match)
    followup_span = None
    for pattern in _FOLLOWUP:
        match = pattern.search(text)
        if match:
            values["followup_weeks"] = int(match.group(1))
            followup_span = match.span()
            take(match)
            break
    else:
        match = _YEAR.search(text)
        if match:
            values["followup_weeks"] = 52
            followup_span = match.span()
            take(match)
    match = _DOSE.search(text)
    if match:
        values["dose_mg"] = int(match.group(1))
        take(match)
    for pattern, weeks in _INTERVAL:
        match = pattern.search(text)
        if match:
            if weeks is None:
                raw = match.group(1)
                weeks = _WORD_NUMBERS.get(raw) or int(raw)
            values["interval_weeks"] = weeks
            take(match)
            break
    for pattern, measure in _MEASURES:
        match = pattern.search(text)
        if match:
            values["measure"] = measure
            take(match)
            break
    else:
        if re.search(r"\bOR\b", original):  # only a capitalised OR is the odds ratio, not the conjunction
            values["measure"] = "OR"
            spans.extend(m.span() for m in re.finditer(r"\bor\b", text))
    if _NNT.search(text):
        values["nnt"] = True
        take(_NNT.search(text))
    for pattern, (_, method, hksj) in _METHODS:
        match = pattern.search(text)
        if match:
            values["method"], values["hksj"] = method, hksj
            take(match)
            break
    for pattern, background in _BACKGROUND:
        match = pattern.search(text)
        if match:
            values["background"] = background
            take(match)
            break
    match = _PER.search(text)
    if match:
        raw = next(g for g in match.groups() if g)
        values["per"] = 1000 if raw in ("1000", "1 000", "thousand") else 100
        take(match)
    if values.get("method") == "PETO":
        values["measure"] = "OR"
    consumed = _positions(text, spans)
    followup_words = _positions(text, [followup_span]) if followup_span else set()
    return Options(**values), consumed, followup_words


def _positions(text: str, spans: list[tuple[int, int]]) -> set[int]:
    consumed: set[int] = set()
    position = 0
    for index, word in enumerate(text.split()):
        start = text.index(word, position)
        end = start + len(word)
        position = end
        if any(s < end and start < e for s, e in spans):
            consumed.add(index)
    return consumed


def _intent(text: str) -> str | None:
    for name, pattern in _INTENTS:
        if pattern.search(text):
            return name
    return None
