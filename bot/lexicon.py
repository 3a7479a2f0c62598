"""The phrase index that questions are matched against, built once from the knowledge base's vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from knowledge.records import Concept, KnowledgeBase
from knowledge.text import normalise


@dataclass(frozen=True)
class Sense:
    """One meaning of a phrase: a vocabulary concept, or a trial named by its acronym."""

    kind: str  # drug, comparator, outcome, condition, population, trial
    id: str
    covered: bool
    nearest: str = ""


@dataclass(frozen=True)
class Lexicon:
    phrases: Mapping[tuple[str, ...], tuple[Sense, ...]]
    longest: int
    single_words: tuple[str, ...]  # one-word phrases, the only ones fuzzy matching may correct to
    lookalikes: Mapping[str, tuple[str, ...]]  # concept id -> normalised names never to be confused with it
    labels: Mapping[tuple[str, str], str]

    def senses(self, phrase: tuple[str, ...]) -> tuple[Sense, ...]:
        return self.phrases.get(phrase, ())


def _trial_aliases(acronym: str, trial_id: str) -> set[str]:
    full = normalise(acronym)
    aliases = {full, normalise(trial_id.replace("_", " "))}
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
            add(term, Sense(concept.kind, concept.id, concept.covered, concept.nearest))
    vocabulary_keys = set(phrases)
    for trial in kb.trials:
        for alias in _trial_aliases(trial.acronym, trial.trial_id):
            # A trial alias that is also an ordinary term ("peds") would hijack it: keep the term.
            if tuple(alias.split()) not in vocabulary_keys:
                add(alias, Sense("trial", trial.trial_id, True))
    frozen = {k: tuple(v) for k, v in phrases.items()}
    return Lexicon(
        phrases=MappingProxyType(frozen),
        longest=max(len(k) for k in frozen),
        single_words=tuple(sorted(k[0] for k in frozen if len(k) == 1 and len(k[0]) >= 4)),
        lookalikes=MappingProxyType({c.id: c.lookalikes for c in concepts if c.lookalikes}),
        labels=MappingProxyType({(c.kind, c.id): c.label for c in concepts}
                                | {("trial", t.trial_id): t.acronym for t in kb.trials}),
    )
