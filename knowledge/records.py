"""Typed, frozen records of the knowledge base, built once after validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Trial:
    trial_id: str
    acronym: str
    nct: str
    pmid: str
    doi: str
    citation: str
    design: str
    condition: str
    age_group: str
    severity: str
    background: str
    followup_weeks: int | None
    in_fleming_2018: bool
    source: str
    url: str
    note: str


@dataclass(frozen=True)
class Arm:
    trial_id: str
    arm_id: str
    role: str
    drug: str
    regimen: str
    n_safety: int | None
    source: str
    location: str
    url: str
    quote: str


@dataclass(frozen=True)
class Count:
    trial_id: str
    arm_id: str
    outcome_id: str
    events: int
    n: int
    derived: bool
    definition: str
    source: str
    location: str
    url: str
    quote: str
    note: str


@dataclass(frozen=True)
class Synthesis:
    synthesis_id: str
    outcome_id: str
    drug: str
    comparator: str
    measure: str
    model: str
    estimate: float
    ci_low: float
    ci_high: float
    k: int | None
    participants: int | None
    trials: tuple[str, ...]
    citation: str
    pmid: str
    doi: str
    location: str
    url: str
    quote: str
    certainty: str
    note: str


@dataclass(frozen=True)
class Outcome:
    id: str
    name: str
    plural: str
    event: str
    definition: str
    direction: str
    default_measure: str
    default_method: str
    per: int


@dataclass(frozen=True)
class Concept:
    """Something a question can name: a drug, outcome, condition, population or comparator."""

    kind: str
    id: str
    label: str
    covered: bool
    terms: tuple[str, ...]
    lookalikes: tuple[str, ...] = ()
    # A narrower term is recognised but only answered through its nearest covered concept, after asking.
    nearest: str = ""


@dataclass(frozen=True)
class KnowledgeBase:
    version: str
    content_hash: str
    title: str
    trials: tuple[Trial, ...]
    arms: tuple[Arm, ...]
    counts: tuple[Count, ...]
    syntheses: tuple[Synthesis, ...]
    outcomes: Mapping[str, Outcome]
    concepts: tuple[Concept, ...]
    _trial_index: Mapping[str, Trial] = field(default_factory=dict, repr=False, compare=False)
    _arms_index: Mapping[str, tuple[Arm, ...]] = field(default_factory=dict, repr=False, compare=False)
    _counts_index: Mapping[str, tuple[Count, ...]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcomes", MappingProxyType(dict(self.outcomes)))
        object.__setattr__(self, "_trial_index", MappingProxyType({t.trial_id: t for t in self.trials}))
        arms: dict[str, list[Arm]] = {}
        for arm in self.arms:
            arms.setdefault(arm.trial_id, []).append(arm)
        object.__setattr__(self, "_arms_index", MappingProxyType({k: tuple(v) for k, v in arms.items()}))
        counts: dict[str, list[Count]] = {}
        for count in self.counts:
            counts.setdefault(count.outcome_id, []).append(count)
        object.__setattr__(self, "_counts_index", MappingProxyType({k: tuple(v) for k, v in counts.items()}))

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    def trial(self, trial_id: str) -> Trial:
        return self._trial_index[trial_id]

    def arms_of(self, trial_id: str) -> tuple[Arm, ...]:
        return self._arms_index.get(trial_id, ())

    def counts_for(self, outcome_id: str) -> tuple[Count, ...]:
        return self._counts_index.get(outcome_id, ())

    def syntheses_for(self, outcome_id: str, drug: str = "dupilumab") -> tuple[Synthesis, ...]:
        return tuple(s for s in self.syntheses if s.outcome_id == outcome_id and s.drug == drug)

    def concept(self, kind: str, concept_id: str) -> Concept | None:
        return next((c for c in self.concepts if c.kind == kind and c.id == concept_id), None)
