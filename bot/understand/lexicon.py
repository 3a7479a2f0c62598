"""The phrase index that questions are matched against, built once from the knowledge base's vocabulary."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from rapidfuzz.distance import OSA

from knowledge.periods import count_period, rate_period
from knowledge.records import Concept, KnowledgeBase
from knowledge.text import normalise


@dataclass(frozen=True)
class Sense:
    """One meaning of a phrase: a vocabulary concept, or a trial named by its acronym."""

    kind: str  # drug, comparator, outcome, condition, population, trial
    id: str
    covered: bool
    nearest: str = ""
    within: bool = True  # counted within `nearest` (else only related to it)


@dataclass(frozen=True)
class Lexicon:
    phrases: Mapping[tuple[str, ...], tuple[Sense, ...]]
    longest: int
    single_words: tuple[str, ...]  # one-word phrases, the only ones fuzzy matching may correct to
    lookalikes: Mapping[str, tuple[str, ...]]  # concept id -> normalised names never to be confused with it
    labels: Mapping[tuple[str, str], str]
    covered_outcomes: tuple[str, ...]  # in the knowledge base's order, for "which outcome?" buttons
    # Words that occur inside multi-word phrases ('skin' of 'skin infection'): a misspelt word may be corrected
    # to one of them, but the correction counts only if it completes an exact multi-word phrase.
    phrase_words: frozenset[str] = frozenset()
    # A one-word spelling variant -> the phrase word of the same concept it stands for ('infektion' ->
    # 'infection'), so that 'herpes infektion' reads as the phrase 'herpes infection', not two outcomes.
    variants: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # Trial aliases hidden by an ordinary term ('peds'): used only where a list of trials is being named.
    shadowed_trials: Mapping[tuple[str, ...], str] = field(default_factory=lambda: MappingProxyType({}))
    # Drugs the knowledge base holds trial arms of, in drugs.yaml order; a question naming none of them is
    # answered for the only one, or asked about when there are several.
    covered_drugs: tuple[str, ...] = ()
    # Words that stand for several outcomes ('efficacy' -> EASI-75 and IGA 0/1).
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # Every vocabulary concept by (kind, id): population ages and age groups, risk factors' outcomes, reasons.
    concepts: Mapping[tuple[str, str], Concept] = field(default_factory=lambda: MappingProxyType({}))
    # (drug, outcome, compared with: placebo, another drug id, or "none" for pooled safety rates) -> the periods in
    # weeks its trial counts and rates speak for (knowledge/periods.py): "week 2" for an outcome no count
    # speaks for is said back, not dropped.
    periods: Mapping[tuple[str, str, str], tuple[tuple[int, int], ...]] = field(
        default_factory=lambda: MappingProxyType({}))
    drug_classes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # The doses and intervals arms.csv holds per drug ((dose_mg or None, interval_weeks or None, licensed), ...),
    # so that a number without "mg" is read as a dose where it fits a regimen of the drug named ("upa 30"), and
    # "high dose" / "low dose" as its highest or lowest licensed dose.
    regimens: Mapping[str, tuple[tuple[float | None, int | None, bool], ...]] = field(
        default_factory=lambda: MappingProxyType({}))
    # Classes of drugs (drugs.yaml `classes`): id -> (label, normalised terms, member drug ids).
    classes: Mapping[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=lambda: MappingProxyType({}))

    def senses(self, phrase: tuple[str, ...]) -> tuple[Sense, ...]:
        return self.phrases.get(phrase, ())


def _trial_aliases(acronym: str, trial_id: str) -> set[str]:
    full = normalise(acronym)
    aliases = {full, normalise(trial_id.replace("_", " "))}
    # 'AD-1021 (Thaçi 2016)' and 'Zhao 2022 (China)' are named by either half.
    outside = re.sub(r"\([^)]*\)", " ", acronym)
    aliases.add(normalise(outside))
    aliases.update(normalise(inner) for inner in re.findall(r"\(([^)]*)\)", acronym))
    for prefix in ("liberty ad ", "liberty "):
        if full.startswith(prefix):
            aliases.add(full[len(prefix):])
    return {a for a in aliases if a}


def build_lexicon(kb: KnowledgeBase) -> Lexicon:
    phrases: dict[tuple[str, ...], list[Sense]] = {}

    def add(term: str, sense: Sense) -> None:
        key = tuple(term.split())
        if key and sense not in phrases.setdefault(key, []):
            phrases[key].append(sense)

    concepts: tuple[Concept, ...] = kb.concepts
    for concept in concepts:
        for term in concept.terms:
            add(term, Sense(concept.kind, concept.id, concept.covered, concept.nearest, concept.within))
    vocabulary_keys = set(phrases)
    shadowed: dict[tuple[str, ...], str] = {}
    for trial in kb.trials:
        for alias in _trial_aliases(trial.acronym, trial.trial_id):
            # A trial alias that is also an ordinary term ("peds") would hijack it: keep the term.
            if tuple(alias.split()) not in vocabulary_keys:
                add(alias, Sense("trial", trial.trial_id, True))
            else:
                shadowed[tuple(alias.split())] = trial.trial_id
    # 'the SOLO trials': trials whose short names differ only by a final number, named together.
    groups: dict[tuple[str, ...], list[str]] = {}
    for trial in kb.trials:
        for alias in _trial_aliases(trial.acronym, trial.trial_id):
            words = alias.split()
            if len(words) == 2 and words[-1].isdigit():
                groups.setdefault(tuple(words[:-1]), []).append(trial.trial_id)
    for stem, trial_ids in groups.items():
        if len(set(trial_ids)) > 1:
            for noun in ("trials", "studies", "rcts"):
                for trial_id in dict.fromkeys(trial_ids):
                    add(" ".join((*stem, noun)), Sense("trial", trial_id, True))
    frozen = {k: tuple(v) for k, v in phrases.items()}
    phrase_words = frozenset(w for k in frozen if len(k) > 1 for w in k if len(w) >= 4 and not w.isdigit())
    uses = Counter(w for k in frozen if len(k) > 1 for w in k)
    variants: dict[str, str] = {}
    for key, senses in frozen.items():
        word = key[0]
        if len(key) != 1 or len(word) < 5 or len({(s.kind, s.id) for s in senses}) != 1:
            continue
        allowed = 1 if len(word) < 8 else 2
        # The phrase word of the same concept it most likely misspells: the most used one, then the closest.
        close = sorted((-uses[w], OSA.distance(word, w), w) for w in phrase_words
                       if w != word and abs(len(w) - len(word)) <= allowed and uses[w] > uses[word]
                       and {(s.kind, s.id) for s in frozen.get((w,), ())} == {(senses[0].kind, senses[0].id)})
        close = [c for c in close if c[1] <= allowed]
        if close and (len(close) == 1 or close[1][:2] != close[0][:2]):
            variants[word] = close[0][2]
    return Lexicon(
        phrases=MappingProxyType(frozen),
        longest=max(len(k) for k in frozen),
        single_words=tuple(sorted(k[0] for k in frozen if len(k) == 1 and len(k[0]) >= 4)),
        lookalikes=MappingProxyType({c.id: c.lookalikes for c in concepts if c.lookalikes}),
        labels=MappingProxyType({(c.kind, c.id): c.label for c in concepts}
                                | {("trial", t.trial_id): t.acronym for t in kb.trials}),
        covered_outcomes=tuple(kb.outcomes),
        phrase_words=phrase_words,
        variants=MappingProxyType(variants),
        shadowed_trials=MappingProxyType(shadowed),
        covered_drugs=kb.covered_drugs,
        groups=MappingProxyType({c.id: c.group for c in concepts if c.group}),
        concepts=MappingProxyType({(c.kind, c.id): c for c in concepts}),
        periods=MappingProxyType(_periods(kb)),
        drug_classes=MappingProxyType({d.id: d.drug_class for d in kb.drugs.values()}),
        regimens=MappingProxyType({d: tuple(sorted({(a.dose_mg, a.interval_weeks, a.licensed == "yes")
                                                    for a in kb.arms if a.drug == d},
                                                   key=lambda r: (r[0] or 0, r[1] or 0, r[2])))
                                   for d in kb.covered_drugs}),
        classes=MappingProxyType({c.id: (c.label, c.terms, c.members) for c in kb.classes.values()}),
    )


def _periods(kb: KnowledgeBase) -> dict[tuple[str, str, str], tuple[tuple[int, int], ...]]:
    """Counts speak for a time only when they can be compared: the trial has a count of another arm for the
    outcome, and neither was obtained in a way the outcome does not pool (as evidence selection requires)."""
    held: dict[tuple[str, str, str], set[tuple[int, int]]] = {}
    trials = {t.trial_id: t for t in kb.trials}
    usable = [c for c in kb.counts if c.outcome_id in kb.outcomes and kb.outcomes[c.outcome_id].pools(c.obtained)]
    drugs_counted: dict[tuple[str, str], set[str]] = {}
    for count in usable:
        drugs_counted.setdefault((count.trial_id, count.outcome_id), set()).add(count.drug)
    for count in usable:
        outcome = kb.outcomes[count.outcome_id]
        compared = drugs_counted[(count.trial_id, count.outcome_id)] - {count.drug}
        if count.drug == "placebo" or not compared or count.trial_id not in trials:
            continue
        period = count_period(count, trials[count.trial_id], outcome.is_benefit)
        for other in compared if period is not None else ():
            held.setdefault((count.drug, count.outcome_id, other), set()).add(period)
    for s in kb.syntheses:
        if s.comparator == "none":
            held.setdefault((s.drug, s.outcome_id, "none"), set()).add(rate_period(s))
    return {key: tuple(sorted(value)) for key, value in held.items()}
