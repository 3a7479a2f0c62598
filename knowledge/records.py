"""Typed, frozen records of the knowledge base, built once after validation."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from knowledge.assessments import Assessments
    from knowledge.memo import Memo

from .schema import APPROXIMATE

T = TypeVar("T")


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
    dose_mg: float | None
    interval_weeks: int | None  # None for daily oral drugs and placebo
    route: str
    licensed: str  # yes / no / unknown / "" (placebo): the label regimen for the trial's age group
    n_safety: int | None
    source: str
    location: str
    url: str
    quote: str


@dataclass(frozen=True)
class Count:
    trial_id: str
    arm_id: str
    drug: str
    outcome_id: str
    events: int
    n: int
    obtained: str  # read, exact_sum, from_percentage, imputed, term_sum (schema.OBTAINED)
    timepoint_weeks: int | None  # efficacy: the assessment week; harms: the length of the window, if stated
    definition_family: str  # which definition the count follows (e.g. preferred_term vs cluster); pooled within one
    population: str  # analysis set: fas, safety, randomised, pp
    definition: str
    source: str
    location: str
    url: str
    quote: str
    note: str
    percent: str = ""  # the printed percentage a from_percentage or imputed count was computed from, as printed

    @property
    def derived(self) -> bool:
        """Not an exact number of people (computed from a percentage, model-based, or an upper-bound sum of
        terms); read counts and exact sums of read counts are not derived. Kept for readers of the old column."""
        return self.obtained in APPROXIMATE


@dataclass(frozen=True)
class Disagreement:
    """Another source's count for a held count that differs from it; `note` says which is used and why."""

    trial_id: str
    arm_id: str
    outcome_id: str
    events: int
    n: int
    source: str
    location: str
    url: str
    quote: str
    note: str


@dataclass(frozen=True)
class Synthesis:
    synthesis_id: str
    kind: str  # pairwise_ma, network_ma, pooled_safety
    outcome_id: str
    drug: str
    comparator: str
    measure: str
    model: str
    estimate: float
    ci_low: float | None  # None only for an incidence rate printed without an interval
    ci_high: float | None
    k: int | None
    participants: int | None
    trials: tuple[str, ...]
    dose_mg: float | None  # a dose-specific estimate; None = all doses pooled
    interval_weeks: int | None  # its dosing interval (2 = every 2 weeks); None = daily or all intervals
    timepoint_weeks: int | None
    population: str
    citation: str
    pmid: str
    doi: str
    location: str
    url: str
    quote: str
    certainty: str
    note: str
    md_improvement: str = ""  # for a mean difference: "positive" or "negative", the sign that means improvement
    cohort: str = ""  # for a pooled safety rate: which cohort or period ("placebo-controlled, 12-16 weeks")
    scope: str = ""  # "", phase2_only or before_phase3: what the synthesis could not see (schema.SYNTHESIS_SCOPES)


@dataclass(frozen=True)
class Family:
    """One definition family of an outcome: the MedDRA term set (or system organ class) its counts follow.
    A serious-only family counts events from the serious-event list only: never pooled with, nor shown as,
    counts of all events of the same terms."""

    id: str
    label: str  # as the reply names it ("the single preferred term", "serious cases only")
    terms: tuple[str, ...] = ()  # MedDRA preferred terms, as registries print them
    soc: str = ""  # a system organ class, for families defined by one
    serious_only: bool = False
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    id: str
    name: str
    plural: str
    event: str  # after "would": "have a skin infection", "reach EASI-75"
    had: str  # after "people": "had skin infections", "reached EASI-75"
    definition: str
    kind: str  # benefit (more events is better) or harm
    default_measure: str
    default_method: str
    per: int
    timepoint_weeks: int | None = None  # the assessment week counts must match (efficacy), None for harms
    pool_derived: bool = False  # pool counts derived from reported percentages (labelled as such)
    family: str = ""  # the definition family pooled by default, "" = the one most trials use
    scale: str = "binary"  # binary (counts of people) or continuous (a score; published mean differences only)
    # assessed in a subset of the analysis set (itch response: a baseline score of 4 or more), so its n may be
    # below the arm's n for the other outcomes at that week, never above
    subset_denominator: bool = False
    families: tuple[Family, ...] = ()  # the definition families its counts may follow (() = not declared)
    pool_obtained: tuple[str, ...] = ()  # how a count may have been obtained to be pooled (schema.OBTAINED)

    def pools(self, obtained: str) -> bool:
        return obtained in self.pool_obtained

    def family_def(self, family_id: str) -> Family | None:
        return next((f for f in self.families if f.id == family_id), None)

    def serious_only(self, family_id: str) -> bool:
        """Counts of this family hold serious cases only, while the outcome counts all cases."""
        known = self.family_def(family_id)
        return known is not None and known.serious_only

    @property
    def is_continuous(self) -> bool:
        return self.scale == "continuous"

    @property
    def is_benefit(self) -> bool:
        return self.kind == "benefit"


@dataclass(frozen=True)
class Drug:
    """A drug as questions name it and answers describe it; covered when some trial has an arm of it."""

    id: str
    label: str
    drug_class: str
    target: str
    route: str
    brands: tuple[str, ...]
    codes: tuple[str, ...]
    lookalikes: tuple[str, ...]


@dataclass(frozen=True)
class DrugClass:
    """A class of drugs a question may name ("JAK inhibitors", "IL-13 antibodies"): its members are data."""

    id: str
    label: str  # singular, as answers name it: "JAK inhibitor"
    plural: str  # "JAK inhibitors"
    members: tuple[str, ...]  # drug ids, in drugs.yaml order
    terms: tuple[str, ...]  # normalised names people type ("jaks", "il 13 antibodies")


@dataclass(frozen=True)
class Concept:
    """Something a question can name: a drug, outcome, condition, population or comparator; or a treatment,
    special situation, risk factor or qualifier that it can only be told is not covered or not usable."""

    kind: str
    id: str
    label: str
    covered: bool
    terms: tuple[str, ...]
    lookalikes: tuple[str, ...] = ()
    # A narrower term is recognised but only answered through its nearest covered concept, after asking.
    nearest: str = ""
    # A word that stands for several covered outcomes ('efficacy' = EASI-75 and IGA 0/1): answered as all of them.
    group: tuple[str, ...] = ()
    # Whether the uncovered term is counted within its nearest outcome (cold sores within herpes infections) or
    # only related to it (blepharitis is not conjunctivitis): the wording must not claim the first for the second.
    within: bool = True
    # Populations: the trial age groups answering a question about it, those left out by "excluding" it (every
    # trial that enrolled any of it), and the ages in years it spans (for "a 14 year old").
    age_groups: tuple[str, ...] = ()
    overlaps: tuple[str, ...] = ()
    ages: tuple[float, float] | None = None
    # An uncovered population answered as a covered one, with `why` said back ("over 65" -> adults).
    answer_as: str = ""
    # Why a recognised word cannot be used (said back: "I could not use 'smoker': <why>").
    why: str = ""
    # Risk factors: the outcomes a patient-specific question about it is answered with.
    bears_on: tuple[str, ...] = ()


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
    drugs: Mapping[str, Drug] = field(default_factory=dict)
    classes: Mapping[str, DrugClass] = field(default_factory=dict)  # drugs.yaml `classes`, by id
    disagreements: tuple[Disagreement, ...] = ()
    assessments: Assessments | None = None  # risk of bias, thresholds, published ratings (knowledge/assessments.py)
    _trial_index: Mapping[str, Trial] = field(default_factory=dict, repr=False, compare=False)
    _arms_index: Mapping[str, tuple[Arm, ...]] = field(default_factory=dict, repr=False, compare=False)
    _counts_index: Mapping[str, tuple[Count, ...]] = field(default_factory=dict, repr=False, compare=False)
    # Indexes by drug and by (outcome, drug, comparator), so that answers look records up instead of scanning
    # every trial (issue 23: answer time that grows with the evidence asked about, not with the whole base).
    _drug_index: Mapping[str, tuple[tuple[Arm, ...], tuple[Trial, ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _synthesis_index: Mapping[tuple[str, str, str], tuple[Synthesis, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _disagreement_index: Mapping[tuple[str, str], tuple[Disagreement, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _covered: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)
    # Results of pure functions of this knowledge base, kept by whoever attached the memo (with_memo: the
    # service, bounded); None = nothing is kept. Not compared, not copied by replace().
    memo: Memo | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcomes", MappingProxyType(dict(self.outcomes)))
        object.__setattr__(self, "drugs", MappingProxyType(dict(self.drugs)))
        object.__setattr__(self, "classes", MappingProxyType(dict(self.classes)))
        object.__setattr__(self, "_trial_index", MappingProxyType({t.trial_id: t for t in self.trials}))
        arms: dict[str, list[Arm]] = {}
        for arm in self.arms:
            arms.setdefault(arm.trial_id, []).append(arm)
        object.__setattr__(self, "_arms_index", MappingProxyType({k: tuple(v) for k, v in arms.items()}))
        counts: dict[str, list[Count]] = {}
        for count in self.counts:
            counts.setdefault(count.outcome_id, []).append(count)
        object.__setattr__(self, "_counts_index", MappingProxyType({k: tuple(v) for k, v in counts.items()}))
        drug_arms: dict[str, list[Arm]] = {}
        for arm in self.arms:
            drug_arms.setdefault(arm.drug, []).append(arm)
        drug_trials = {d: {a.trial_id for a in held} for d, held in drug_arms.items()}
        object.__setattr__(self, "_drug_index", MappingProxyType({
            d: (tuple(held), tuple(t for t in self.trials if t.trial_id in drug_trials[d]))
            for d, held in drug_arms.items()}))
        syntheses: dict[tuple[str, str, str], list[Synthesis]] = {}
        for s in self.syntheses:
            syntheses.setdefault((s.outcome_id, s.drug, s.comparator), []).append(s)
        object.__setattr__(self, "_synthesis_index", MappingProxyType({k: tuple(v) for k, v in syntheses.items()}))
        disagreements: dict[tuple[str, str], list[Disagreement]] = {}
        for d in self.disagreements:
            disagreements.setdefault((d.trial_id, d.outcome_id), []).append(d)
        object.__setattr__(self, "_disagreement_index",
                           MappingProxyType({k: tuple(v) for k, v in disagreements.items()}))
        object.__setattr__(self, "_covered", tuple(d for d in self.drugs if d in drug_arms))

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    def with_memo(self, memo: Memo) -> KnowledgeBase:
        """A copy of this knowledge base that keeps results of pure functions of it in ``memo``."""
        copy = replace(self)
        object.__setattr__(copy, "memo", memo)
        return copy

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, kept under ``key`` in the memo when there is one. ``key`` must name every input of the
        computation other than this knowledge base."""
        return compute() if self.memo is None else self.memo.get(key, compute)

    def trial(self, trial_id: str) -> Trial:
        return self._trial_index[trial_id]

    def arms_of(self, trial_id: str) -> tuple[Arm, ...]:
        return self._arms_index.get(trial_id, ())

    def counts_for(self, outcome_id: str) -> tuple[Count, ...]:
        return self._counts_index.get(outcome_id, ())

    def disagreements_for(self, trial_id: str, outcome_id: str) -> tuple[Disagreement, ...]:
        return self._disagreement_index.get((trial_id, outcome_id), ())

    def syntheses_for(self, outcome_id: str, drug: str, comparator: str = "placebo") -> tuple[Synthesis, ...]:
        return self._synthesis_index.get((outcome_id, drug, comparator), ())

    def arms_of_drug(self, drug_id: str) -> tuple[Arm, ...]:
        """Every arm of one drug (placebo included), in arms.csv order."""
        return self._drug_index.get(drug_id, ((), ()))[0]

    def drug_label(self, drug_id: str) -> str:
        return "placebo" if drug_id == "placebo" else (
            self.drugs[drug_id].label if drug_id in self.drugs else drug_id)

    @property
    def covered_drugs(self) -> tuple[str, ...]:
        """Drugs with at least one trial arm, in drugs.yaml order."""
        return self._covered

    def trials_of(self, drug_id: str) -> tuple[Trial, ...]:
        """Trials with an arm of one drug, in trials.csv order."""
        return self._drug_index.get(drug_id, ((), ()))[1]

    def concept(self, kind: str, concept_id: str) -> Concept | None:
        return next((c for c in self.concepts if c.kind == kind and c.id == concept_id), None)
