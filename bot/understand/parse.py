"""Understand a clinician's question by rules and fuzzy keyword matching: no language model.

The parser is deliberately timid. Exact (longest) phrase matches come first; fuzzy matching only corrects a
single leftover word to a single vocabulary word, with a tight edit distance and a margin over the runner-up;
a name that could be a look-alike drug, a term with two meanings or a negated outcome makes it ask rather
than guess. Answering a question that was not asked is the failure this module exists to prevent.

Inside a multi-word phrase a misspelt word may also be read as a word of that phrase ('skni infection',
'herpes infektion'), but only when the corrected words then form an exact vocabulary phrase, so the
correction is confirmed by its neighbours; otherwise each word is matched on its own as before."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.understand.details import (
    choose_population,
    comparator_only,
    named_slots,
    risk_outcomes,
    said_back_words,
    settle_time,
)
from bot.understand.lexicon import Lexicon
from bot.understand.matching import Hit, lookalike_guard, mark_trial_lists, match_phrases
from bot.understand.options import NEGATION_PAIRS, NEGATION_WORDS, Options, read_options, time_phrase
from bot.understand.reading import Clarification, Mention, Parse, Regimen, Unused
from bot.understand.sides import class_positions, read_classes, read_sides
from knowledge.text import normalise

_NEGATION = NEGATION_WORDS


_NEGATION_PAIRS = NEGATION_PAIRS


_ONLY = frozenset({"only", "just", "solely", "exclusively", "restrict", "restricted"})


_FILLER = frozenset({"any", "a", "an", "the", "of", "having", "getting", "developing", "risk", "history", "in",
                     "among", "for", "on", "patients", "people"})
_INCLUDE = frozenset({"include", "including", "includes", "plus", "add", "adding", "also", "incl"})


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


# A drug's summary of findings: "is it safe", "side effects", "does it work", "tell me about".
_OVERVIEW = re.compile(
    r"\b(?:is|are)\s+(?:\S+\s+){0,2}safe\b|\bsafety\b|\bside\s*effects?\b|\badverse\s+(?:events?|effects?)\b"
    r"|\btolerab\w*|\bdo(?:es)?\s+(?:\S+\s+){0,2}work\b|\bhow\s+(?:well|effective|safe)\b|\bis\s+\S+\s+effective\b"
    r"|\btell\s+me\s+about\b|\boverview\b|\bsummary\b|\bbenefits?\s+and\s+(?:harms|risks)\b|\bpros\s+and\s+cons\b")
# "Which is best for X": every drug against placebo, ordered; never a single drug picked for the user.
_RANK = re.compile(r"\bwhich\b.*\b(?:best|better|least|most|fewest|lowest|highest|safest|worst)\b"
                   r"|\brank(?:ing|ed)?\b|\bbest\s+(?:drug|treatment|option|biologic|jak)")
# A question about a class, or about several drugs at once: "compare all JAKs", "JAK vs biologic".
_MANY = re.compile(r"\b(?:compare|comparing|comparison|all|each|every|vs|versus|v|or|against|than|between)\b")
# "Which dose of upadacitinib is better for EASI-75": its regimens against each other (a ranking of them).
_DOSE_CHOICE = re.compile(r"\b(?:which|what)\s+(?:dose|dosage|strength|regimen)s?\b.*\b(?:better|best|more|most|"
                          r"less|least|fewer|fewest|safer|safest|higher|lower|works?)\b"
                          r"|\bcompare\s+(?:the\s+)?(?:doses|regimens|dosages)\b")
# Which end of a ranking answers the question (Parse.order); "best" when none is said.
_ORDER = (("most", re.compile(r"\b(?:most|highest|more|greatest|largest|biggest)\b")),
          ("least", re.compile(r"\b(?:least|fewest|lowest|less|smallest|safest)\b")),
          ("worst", re.compile(r"\bworst\b")),
          ("best", re.compile(r"\b(?:best|better|top|most\s+effective|strongest)\b")))
# Recognised words that only say what kind of answer is wanted, not what it is about.
_SCOPE_CONCEPTS = frozenset({"adverse_events_overall", "jak_inhibitors", "efficacy"})


_GREETING = re.compile(r"^(?:hi|hello|hey|hiya|yo|good\s+(?:morning|afternoon|evening|day)|greetings|howdy)\b")


_THANKS = re.compile(r"^(?:thanks?|thank\s+you|thx|ty|cheers|great|ok(?:ay)?|cool|nice|perfect|bye|goodbye)\b")


_EFFECT_CUES = re.compile(r"\b(?:risk|reduce|increase|cause|effect|rate|odds|more|less|fewer|safe|chance|"
                          r"incidence|associated|lower|higher|prevent|protect|worse|better|compared|versus|vs)\b")


# Advice questions get a plain sentence that the bot gives no treatment advice, then the evidence it holds.
_ADVICE = re.compile(
    r"\b(?:should|shall|can|could|do|must|would\s+you)\s+(?:i|we|you|they|he|she|my\s+patient)\s+(?:still\s+)?"
    r"(?:stop|continue|prescribe|start|switch|give|use|restart|pause|hold|discontinue|taper|treat|keep|change|add"
    r"|recommend|try|choose|avoid)\b"
    r"|\bhow\s+(?:should\s+(?:i|we)\s+|do\s+(?:i|we|you)\s+|to\s+|best\s+to\s+)?(?:treat|manage|handle|prevent)\b"
    r"|\bis\s+it\s+(?:safe|ok|okay|fine|wise)\s+to\s+\w+|\bwhat\s+should\s+(?:i|we)\b|\brecommend\w*\b"
    r"|\badvi[cs]e\b|\bwhat\s+(?:would|do)\s+you\s+(?:do|suggest|use)\b|\bwhen\s+(?:to|should\s+i)\s+(?:stop|switch)\b"
    # a patient-specific question: "ok to start rinvoq in a 65yo smoker?", "is dupixent ok for a 70 year old?"
    r"|\b(?:ok|okay|safe|fine|wise|reasonable|alright|appropriate)\s+to\s+(?:start|give|use|continue|prescribe"
    r"|switch|stop|restart|add|try|begin|initiate)\b"
    r"|\bis\s+\S+\s+(?:ok|okay|fine|suitable|appropriate|alright|a\s+good\s+(?:choice|option|idea))\s+"
    r"(?:in|for|with)\b")
# Topics no trial outcome answers: said plainly, never met with the outcome menu.
_UNHELD_TOPICS = (
    ("dosing", re.compile(r"\bwhat\s+(?:dose|dosage)\b|\bwhich\s+dose\b|\bdosage\b|\bdosing\s+(?:schedule|regimen|"
                          r"instructions?|guidance)\b|\bhow\s+(?:much|often|frequently)\s+(?:should|do|to|is\s+\S+\s+"
                          r"(?:given|injected|taken|dosed))\b|\bloading\s+dose\b"
                          r"|\bmissed\s+(?:a\s+)?dose\b|\bdose\s+(?:adjustment|reduction|for)\b")),
    ("cost", re.compile(r"\bcosts?\b|\bprice\b|\bexpensive\b|\bafford\w*|\binsurance\b|\breimburse\w*"
                        r"|\bcheap\w*|\bfunding\b")),
    ("vaccination", re.compile(r"\bvaccin\w*|\bimmuni[sz]ation\w*|\bjabs?\b")),
    ("time to response", re.compile(r"\bhow\s+(?:long|soon|quickly|fast)\b|\bonset\b|\btime\s+to\s+(?:response|effect|"
                                    r"onset|benefit)\b|\bwhen\s+(?:will|does)\s+\S+\s+(?:start|begin|kick)")),
)
_BARE_DOSING = re.compile(r"\bdos(?:ing|age|ages)\b")
UNHELD_LABELS = {"dosing": "dosing", "cost": "costs or prices", "vaccination": "vaccination",
                 "time to response": "how quickly a drug starts to work"}


def parse(question: str, lexicon: Lexicon) -> Parse:
    """One message in, one structured reading out, with the notices a reader must see; never raises on text."""
    reading = _read(question, lexicon)
    text = normalise(question or "")[:2000]
    notices = []
    if _ADVICE.search(text):
        notices.append("not_advice")
    if reading.corrections:
        notices.append("corrected")
    if reading.options.invalid_baseline:
        notices.append("invalid_value")
    if reading.status == "answer" and reading.uncovered:
        notices.append("ignored")
    topic = next((name for name, pattern in _UNHELD_TOPICS if pattern.search(text)), None)
    if topic == "dosing" and reading.status == "answer" and reading.intent in ("compare", "rank") \
            and reading.outcomes:
        topic = None  # "which dose of upadacitinib is better for EASI-75", "... with a 600 mg loading dose vs ..."
    if not topic and not reading.outcomes and _BARE_DOSING.search(text):
        topic = "dosing"  # "nemluvio dosing"; with an outcome ("licensed dosing, conjunctivitis") it is a filter
    situations = [m for m in reading.uncovered if m.kind == "situation"]
    if situations and not topic:
        topic = lexicon.labels.get(("situation", situations[0].id), situations[0].id)
    if topic and reading.intent not in ("help", "topics", "sources", "trials"):
        notices.append("not_held")
        reading = replace(reading, status="no_data", clarification=None, outcomes=(),
                          uncovered=(Mention("topic", topic, topic),
                                     *(m for m in reading.uncovered if m.kind != "situation")))
    reading = _patient_specific(replace(reading, notices=tuple(notices)), lexicon)
    reading = comparator_only(reading, text, lexicon)
    reading = settle_time(reading, lexicon, time_phrase(text))
    if reading.status == "answer" and reading.unused and "ignored" not in reading.notices:
        reading = replace(reading, notices=(*reading.notices, "ignored"))
    return replace(reading, named=named_slots(reading, text))


def _patient_specific(reading: Parse, lexicon: Lexicon) -> Parse:
    """An advice question about one drug for a described patient ('ok to start rinvoq in a 14 year old?') gets,
    after the not-advice notice, the held evidence that bears on it: the drug's summary of findings in that
    population, or the harms a named risk factor bears on ('in a 65yo smoker': MACE and thromboembolism)."""
    described = reading.population or any(u.slot in ("population", "risk_factor") for u in reading.unused)
    clarifying = reading.status == "clarify" and reading.clarification is not None \
        and reading.clarification.reason == "need_outcome"
    if "not_advice" in reading.notices and described and clarifying and reading.intervention \
            and reading.comparator == "placebo":
        bearing = risk_outcomes(reading.unused, lexicon)  # "in a smoker": the harms smoking bears on
        if bearing:
            return replace(reading, status="answer", intent="effect", outcomes=bearing, clarification=None)
        return replace(reading, status="answer", intent="overview", clarification=None)
    return reading


_SAID_BACK_KINDS = ("qualifier", "risk_factor")


def _populations(population_hits: list[Hit], words: list[str], text: str, options: Options, lexicon: Lexicon
                 ) -> tuple[str | None, Options, tuple[Unused, ...], tuple[Mention, ...]]:
    """The population asked about and those excluded ('excluding kids' leaves out every trial of children under
    12), with what was said back and the uncovered populations that stop the answer."""
    excluded = [h for h in population_hits if _is_negated(words, h.start)]
    named = [(h.senses[0].id, h.typed) for h in population_hits if h not in excluded]
    population, unused, blocking = choose_population(named, text, lexicon)
    if excluded:
        left_out = [h.senses[0].id for h in excluded if h.senses[0].covered]
        unused += tuple(Unused("population", h.typed, "I can only leave out age groups that trials were run in",
                               h.senses[0].id) for h in excluded if not h.senses[0].covered)
        options = replace(options, exclude_populations=tuple(dict.fromkeys(left_out)))
    return population, options, unused, blocking


def _read(question: str, lexicon: Lexicon) -> Parse:
    text = normalise(question or "")[:2000]
    words = text.split()
    if not words:
        return Parse(status="not_understood", intent=None)
    options, consumed, followup_words = read_options(text, question or "")
    hits = match_phrases(words, lexicon, consumed)
    mark_trial_lists(hits, words, lexicon)
    corrections = tuple((h.typed, lexicon.labels.get((h.senses[0].kind, h.senses[0].id), h.senses[0].id))
                        for h in hits if h.fuzzy and len(h.senses) == 1)
    intent = _intent(text)

    # Ambiguity and look-alikes come first: guessing there is how wrong answers happen.
    for hit in hits:
        distinct = {(s.kind, s.id) for s in hit.senses}
        if len(distinct) > 1 and any(s.kind != "trial" for s in hit.senses):
            return _clarify_ambiguous(hit, lexicon, options, corrections)

    trial_refs = [(h, s.id) for h in hits if h.senses[0].kind == "trial" for s in h.senses]
    only, exclude, include = _trial_options(words, trial_refs)
    options = replace(options, only_trials=only, exclude_trials=exclude, include_trials=include)
    if followup_words and any(h.start == max(followup_words) + 1 for h, _ in trial_refs):
        # 'excluding the 52-week CHRONOS trial' names a trial; the length only describes it
        options = replace(options, followup_weeks=None, exclude_followup_weeks=None, timepoint_weeks=None)
    concept_hits = [h for h in hits if h.senses[0].kind != "trial"]

    by_kind: dict[str, list[Hit]] = {}
    for hit in concept_hits:
        by_kind.setdefault(hit.senses[0].kind, []).append(hit)

    negated = [h for h in by_kind.get("outcome", []) if _is_negated(words, h.start)]
    outcome_hits = [h for h in by_kind.get("outcome", []) if h not in negated]

    population, options, unused, population_blocking = _populations(
        by_kind.get("population", []), words, text, options, lexicon)
    for kind in _SAID_BACK_KINDS:
        unused += said_back_words(by_kind.get(kind, []), kind, lexicon)
    uncovered = tuple(
        Mention(h.senses[0].kind, h.senses[0].id, h.typed, h.senses[0].nearest, h.senses[0].within)
        for h in concept_hits if not h.senses[0].covered and h not in negated and h.senses[0].kind != "population"
    ) + population_blocking
    drugs = _distinct(by_kind.get("drug", []))
    named = _distinct(outcome_hits, covered_only=True)
    specific = [o for o in named if o not in lexicon.groups]
    # 'efficacy' stands for its group only when nothing more specific was named ('IGA response' is IGA 0/1).
    outcomes = specific or list(dict.fromkeys(o for concept in named for o in lexicon.groups[concept]))
    conditions = _distinct(by_kind.get("condition", []))
    covered_drugs = [d for d in drugs if _covered(by_kind["drug"], d)]
    sides = read_sides(text, hits, consumed | class_positions(text, lexicon), lexicon)
    regimens = [r for r in sides.regimens if r.drug in covered_drugs]
    options = _regimen_options(options, regimens, sides.excluded_dose)
    base = Parse(
        status="answer", intent=intent or ("effect" if (drugs or outcome_hits) else None),
        intervention=covered_drugs[0] if covered_drugs else None,
        comparator=covered_drugs[1] if len(covered_drugs) == 2 else "placebo", outcomes=tuple(outcomes),
        condition=next((c for c in conditions if _covered(by_kind["condition"], c)), None),
        population=population,
        options=options, uncovered=uncovered, corrections=corrections,
        negated=tuple(dict.fromkeys(h.senses[0].id for h in negated)), unused=unused,
        intervention_regimen=regimens[0] if regimens else None,
        comparator_regimen=(regimens[1] if len(regimens) > 1 else Regimen("placebo") if regimens else None),
    )
    if len(regimens) == 2 and regimens[0].drug == regimens[1].drug:  # "upa 30 vs 15": one drug, two regimens
        base = replace(base, comparator=regimens[0].drug)
    if base.intent in ("help", "topics", "sources"):
        return base
    if not hits and base.intent is None and not _RANK.search(text):
        if _GREETING.match(text) or _THANKS.match(text):
            return replace(base, status="not_understood", intent="greeting" if _GREETING.match(text) else "thanks")
        return replace(base, status="not_understood")

    lookalike = lookalike_guard(hits, lexicon, words)
    if lookalike:
        return replace(base, status="clarify", clarification=lookalike)

    scoped = _scoped(base, text, covered_drugs, specific, lexicon)
    if scoped is not None:
        return scoped

    # Anything recognised but not covered stops the answer: never answer about something else instead.
    blocking = [m for m in uncovered if not m.nearest]
    if any(m.kind in ("drug", "condition", "comparator", "population", "treatment", "situation")
           for m in blocking) or (
        blocking and not specific and base.intent in ("effect", "define", None)
    ):
        return replace(base, status="no_data")
    if covered_drugs and len(drugs) > len(covered_drugs):
        return replace(base, status="no_data")
    placebo_named = any(r.drug == "placebo" for r in sides.regimens)
    if len(covered_drugs) > 2 or len(regimens) > 2 or (len(regimens) > 1 and placebo_named):
        # "dupixent vs adbry vs ebglyss", "upa 15, 30 and dupilumab", "abro 100 and 200 vs placebo": a ranking
        # among them, each against placebo
        named = tuple(regimens) if any(r.dose_mg is not None or r.interval_weeks is not None for r in regimens) \
            else ()
        return replace(_among(base, covered_drugs, (), specific, lexicon, text), regimens=named)
    if (len(covered_drugs) == 2 or base.comparator == base.intervention) and base.intent in ("effect", None):
        base = replace(base, intent="compare")
    drug = lexicon.labels[("drug", covered_drugs[0])] + " " if covered_drugs else ""

    nearest = [m for m in uncovered if m.nearest]
    if nearest:
        mention = nearest[0]
        label = lexicon.labels.get(("outcome", mention.nearest), mention.nearest)
        return replace(base, status="clarify", clarification=Clarification(
            reason="nearest_outcome" if mention.within else "related_outcome", typed=mention.typed,
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
            return replace(base, status="clarify", intent="compare" if base.intent == "compare" else "effect",
                           clarification=Clarification(
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
    return replace(base, intent=base.intent if base.intent in ("trials", "define", "compare") else "effect")


def _clarify_ambiguous(hit: Hit, lexicon: Lexicon, options: Options, corrections) -> Parse:
    choices = []
    for sense in hit.senses:
        label = lexicon.labels.get((sense.kind, sense.id), sense.id)
        choices.append((label, label))
    return Parse(status="clarify", intent="effect", options=options, corrections=corrections,
                 clarification=Clarification(reason="ambiguous_term", typed=hit.typed, choices=tuple(choices)))


def _distinct(hits: list[Hit], covered_only: bool = False) -> list[str]:
    ids = [h.senses[0].id for h in hits if h.senses[0].covered or not covered_only]
    return list(dict.fromkeys(ids))


def _covered(hits: list[Hit], concept_id: str) -> bool:
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


def _trial_options(words: list[str], refs: list[tuple[Hit, str]]
                   ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Trials named with 'only' / 'without' / 'include' cues: (only, exclude, include). The nearest cue wins,
    and it carries over a list ('excluding ADOL and PEDS'); a trial named with no cue is 'only'."""
    lists: dict[str, list[str]] = {"only": [], "exclude": [], "include": []}
    mode = None
    for hit, trial_id in refs:
        window = words[max(0, hit.start - 4):hit.start]
        cues = [(k, "exclude") for k, w in enumerate(window) if w in _NEGATION]
        # "not including CHRONOS": the negation governs the inclusion word that follows it
        cues += [(k + 1.5, "exclude") for k in range(len(window) - 1)
                 if window[k] in _NEGATION and window[k + 1] in _INCLUDE]
        cues += [(k + 1, "exclude") for k in range(len(window) - 1) if (window[k], window[k + 1]) in _NEGATION_PAIRS]
        cues += [(k, "only") for k, w in enumerate(window) if w in _ONLY]
        cues += [(k, "include") for k, w in enumerate(window) if w in _INCLUDE]
        if cues:
            mode = max(cues)[1]
        lists[mode or "only"].append(trial_id)
    return tuple(tuple(dict.fromkeys(lists[k])) for k in ("only", "exclude", "include"))


def _intent(text: str) -> str | None:
    for name, pattern in _INTENTS:
        if pattern.search(text):
            return name
    return None


def _scoped(base: Parse, text: str, covered_drugs: list[str], specific: list[str], lexicon: Lexicon
            ) -> Parse | None:
    """An overview of one drug, or a ranking of all drugs (of a class), when the question asks for one; None
    otherwise. Words that only name the kind of answer ('side effects', 'JAK inhibitors') are not treated as
    uncovered topics here, but anything else uncovered still stops the answer."""
    others = [m for m in base.uncovered if m.id not in _SCOPE_CONCEPTS and not m.nearest]
    if others or base.negated or base.intent not in ("effect", "define", None):
        return None
    uncovered = tuple(m for m in base.uncovered if m.id not in _SCOPE_CONCEPTS)
    classes = read_classes(text, lexicon)
    if len(covered_drugs) == 1 and _DOSE_CHOICE.search(text):  # "which dose of upadacitinib is better for X"
        return _among(replace(base, uncovered=uncovered), covered_drugs, (), specific, lexicon, text)
    if (not covered_drugs and (_RANK.search(text) or classes)) or (classes and _MANY.search(text)):
        return _among(replace(base, uncovered=uncovered), covered_drugs, classes, specific, lexicon, text)
    if len(covered_drugs) == 1 and not specific and (
            _OVERVIEW.search(text) or any(m.id == "adverse_events_overall" for m in base.uncovered)):
        return replace(base, status="answer", intent="overview", outcomes=(), uncovered=uncovered)
    return None


def _among(base: Parse, named: list[str], classes: tuple[str, ...], specific: list[str], lexicon: Lexicon,
           text: str) -> Parse:
    """A ranking among several drugs: those named, the members of the classes named, or all drugs. Parse.drugs
    holds them (empty for all), drug_classes the classes' labels, drug_class the one class when only one."""
    members = [d for c in classes for d in lexicon.classes[c][2] if d in lexicon.covered_drugs]
    drugs = tuple(dict.fromkeys([*named, *members])) if (named or classes) else ()
    labels = tuple(lexicon.classes[c][0] for c in classes)
    ranked = replace(base, status="answer", intent="rank", intervention=None, comparator="placebo", drugs=drugs,
                     drug_classes=labels, drug_class=labels[0] if len(labels) == 1 and not named else "",
                     intervention_regimen=None, comparator_regimen=None, order=_order(text),
                     options=replace(base.options, dose_mg=None, interval_weeks=None))
    if specific or base.outcomes:  # 'JAK vs biologic efficacy': efficacy's outcomes
        return replace(ranked, outcomes=tuple(specific) or base.outcomes)
    who = " vs ".join(lexicon.labels[("drug", d)] for d in named) if named and not classes else "which drug"
    return replace(ranked, status="clarify", clarification=Clarification(
        reason="need_outcome", typed="", choices=tuple(
            (lexicon.labels[("outcome", o)],
             f"{who} is best for {lexicon.labels[('outcome', o)]}" if who == "which drug"
             else f"{who} {lexicon.labels[('outcome', o)]}")
            for o in lexicon.covered_outcomes)))


def _order(text: str) -> str:
    """'most', 'least', 'worst' or 'best': the end of a ranking the question asks for ('' when none)."""
    for name, pattern in _ORDER:
        if pattern.search(text):
            return "best" if name == "most" and re.search(r"\bmost\s+(?:effective|efficacious)\b", text) else name
    return ""


def _number(value: float | None) -> float | int | None:
    return int(value) if value is not None and float(value).is_integer() else value


def _regimen_options(options: Options, regimens: list[Regimen], excluded_dose: float | None) -> Options:
    """The options' dose and interval are the intervention side's ('dupilumab vs upadacitinib 30 mg' does not
    filter dupilumab to 30 mg); a dose excluded without its unit ('not 300 qw') is excluded."""
    changes: dict = {}
    if regimens:
        changes.update(dose_mg=_number(regimens[0].dose_mg), interval_weeks=regimens[0].interval_weeks)
    if excluded_dose is not None and options.exclude_dose_mg is None:
        changes["exclude_dose_mg"] = _number(excluded_dose)
    return replace(options, **changes) if changes else options
