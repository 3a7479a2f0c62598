"""Evidence selection: which trials and arms answer a question, and why the others do not.

Every trial that compares the two sides asked about is accounted for: either it contributes a 2x2 table, or it
is listed with the reason it was left out (no readable counts, a derived count, another population, a filter the user
asked for). The answer names them, so "we hold fewer trials than the meta-analysis" is never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from analysis import combine_arms, median_control_risk
from bot.understand.options import Options
from knowledge.periods import count_period, covers, rate_period, when_words
from knowledge.records import Arm, Count, KnowledgeBase, Outcome, Synthesis, Trial


@dataclass(frozen=True)
class Query:
    """What evidence is asked for: one outcome, an intervention against a comparator, and the filters."""

    intervention: str  # a drug id
    comparator: str  # "placebo" or another drug id (head-to-head)
    outcome_id: str
    population: str | None = None


@dataclass(frozen=True)
class StudyTable:
    """One trial reduced to the intervention (selected arms combined) against its comparator arm(s)."""

    trial_id: str
    label: str
    ai: int
    n1i: int
    ci: int
    n2i: int
    arms: tuple[str, ...]  # regimens of the intervention arms combined
    counts: tuple[Count, ...]
    followup_weeks: int | None
    background: str
    age_group: str
    control_arms: tuple[str, ...] = ()  # regimens of the comparator arm(s)
    timepoint_weeks: int | None = None  # the week the counts were assessed, if the source states it
    design: str = "parallel"  # or randomised_withdrawal, labelled wherever the trial is shown

    @property
    def family(self) -> str:
        """The definition family of the counts ("mixed" when the arms were counted differently)."""
        families = {c.definition_family or "unstated" for c in self.counts}
        return families.pop() if len(families) == 1 else "mixed"

    @property
    def participants(self) -> int:
        return self.n1i + self.n2i

    @property
    def derived(self) -> bool:
        """Some count is not an exact number of people (from a percentage, model-based): labelled."""
        return any(c.derived for c in self.counts)

    @property
    def obtained(self) -> tuple[str, ...]:
        """How the counts were obtained, each way once (read, exact_sum, from_percentage, imputed)."""
        return tuple(dict.fromkeys(c.obtained for c in self.counts))


@dataclass(frozen=True)
class Evidence:
    outcome_id: str
    tables: tuple[StudyTable, ...]
    excluded: tuple[tuple[str, str], ...]  # (trial label, reason)
    syntheses: tuple[Synthesis, ...]  # best first
    missing_from_synthesis: tuple[str, ...]  # labels of the lead synthesis' trials we cannot pool
    filters: tuple[str, ...]  # filters applied, in words, for the reply
    intervention: str = ""
    comparator: str = "placebo"
    intervention_label: str = ""  # as the reply names them ("tralokinumab", "placebo")
    comparator_label: str = "placebo"
    family: str = ""  # the definition family pooled
    other_definitions: tuple[StudyTable, ...] = ()  # trials set aside for counting under another definition
    # Filters the lead synthesis does not itself answer: a one-dose estimate answers the dose filter it is for,
    # so only the other filters keep it from answering.
    synthesis_filters: tuple[str, ...] = ()
    # One-dose estimates of this comparison that do not lead (no dose was asked, or another interval): listed
    # beside the answer, each labelled with its dose, never its bottom line.
    by_dose: tuple[Synthesis, ...] = ()
    # Incidence rates on the drug from pooled safety analyses (no comparison with placebo): shown as rates, for
    # harms the placebo-controlled trials are too small or too short to count (zoster, thrombosis, MACE).
    rates: tuple[Synthesis, ...] = ()

    @property
    def participants(self) -> int:
        return sum(t.participants for t in self.tables)

    @property
    def median_control_risk(self) -> float | None:
        if not self.tables:
            return None
        return median_control_risk([t.ci for t in self.tables], [t.n2i for t in self.tables])

    @property
    def lead_synthesis(self) -> Synthesis | None:
        return self.syntheses[0] if self.syntheses else None


def trial_label(trial: Trial) -> str:
    return trial.acronym.removeprefix("LIBERTY AD ").removeprefix("LIBERTY-AD-")


def select(kb: KnowledgeBase, query: Query, options: Options) -> Evidence:
    """Pick the tables to pool for one outcome and one comparison under the user's options.

    Only trials with arms of both sides are considered; each is either pooled or listed with its reason.
    """
    outcome = kb.outcomes[query.outcome_id]
    counts = {(c.trial_id, c.arm_id): c for c in kb.counts_for(query.outcome_id)}
    tables: list[StudyTable] = []
    excluded: list[tuple[str, str]] = []
    filters = filters_in_words(kb, query, options)
    for trial in kb.trials_of(query.intervention):  # the trials with an arm of it, in trials.csv order
        arms = kb.arms_of(trial.trial_id)
        if not _compares(arms, query):
            continue
        label = trial_label(trial)
        reason = _trial_filter(kb, trial, options, query)
        if reason:
            excluded.append((label, reason))
            continue
        table, why = _table(kb, trial, arms, counts, options, query, outcome)
        if table is None:
            excluded.append((label, why))
        elif not _at_time(table, trial, options, outcome.is_benefit):
            excluded.append((label, _other_time(table, trial, outcome.is_benefit)))
        elif outcome.serious_only(table.family):  # serious cases only: never pooled with, nor shown as, all cases
            excluded.append((label, f"counts {family_words(outcome, table.family)}, not all cases"))
        else:
            tables.append(table)
    family, tables, other_definitions = _one_definition(tables, outcome.family)
    excluded += [(t.label, f"counted under another definition ({family_words(outcome, t.family)}); "
                           "pooled only in the sensitivity line") for t in other_definitions]
    candidates = _rank_syntheses(kb.syntheses_for(query.outcome_id, query.intervention, query.comparator))
    syntheses = tuple(s for s in candidates if _answers_regimen(s, options))
    by_dose = tuple(sorted((s for s in candidates if s.dose_mg is not None and s not in syntheses
                            and _within_regimen(s, options)), key=lambda s: (s.citation, s.dose_mg)))
    missing: tuple[str, ...] = ()
    synthesis_filters = filters
    rates = tuple(s for s in kb.syntheses_for(query.outcome_id, query.intervention, "none")
                  if query.comparator == "placebo" and _within_regimen(s, options)
                  and (options.timepoint_weeks is None or covers(rate_period(s), options.timepoint_weeks)))
    beyond_regimen = filters_in_words(kb, query, replace(options, dose_mg=None, interval_weeks=None))
    beyond_time = filters_in_words(kb, query, replace(options, dose_mg=None, interval_weeks=None,
                                                      timepoint_weeks=None))
    if beyond_regimen:  # a one-dose estimate covers all its trials, not the subset the other filters ask for
        by_dose = ()
    if beyond_time:  # a rate is of its whole cohort; the time asked selects the cohort (periods.py)
        rates = ()
    if syntheses:
        pooled = {t.trial_id for t in tables}
        missing = tuple(trial_label(kb.trial(t)) for t in syntheses[0].trials if t not in pooled)
        if syntheses[0].dose_mg is not None:
            synthesis_filters = beyond_regimen
    return Evidence(query.outcome_id, tuple(tables), tuple(excluded), syntheses, missing, filters,
                    query.intervention, query.comparator, kb.drug_label(query.intervention),
                    kb.drug_label(query.comparator), family, tuple(other_definitions), synthesis_filters,
                    by_dose, rates)


def _answers_regimen(s: Synthesis, options: Options) -> bool:
    """A synthesis answers a question about its own regimen only: an all-doses estimate answers a question
    that names no regimen, a one-dose estimate one that names that dose (and, if the question names an
    interval, that interval: "300 mg every 4 weeks" is not answered by an every-2-weeks estimate)."""
    if s.dose_mg != options.dose_mg:
        return False
    return options.interval_weeks is None or s.interval_weeks == options.interval_weeks


def _within_regimen(s: Synthesis, options: Options) -> bool:
    """A one-dose estimate that falls inside what was asked: any dose when none was named, else that dose."""
    return ((options.dose_mg is None or s.dose_mg == options.dose_mg)
            and (options.interval_weeks is None or s.interval_weeks == options.interval_weeks))


FAMILY_WORDS = {"preferred_term": "the single preferred term", "cluster": "a cluster of terms",
                "serious_only": "serious cases only", "any_skin_infection": "any skin infection",
                "soc": "the system organ class", "serious_list": "counted from the serious-event list",
                "total": "all participants with an event", "adjudicated": "adjudicated events",
                "unstated": "definition not stated", "nri": "non-responder imputation", "observed": "observed cases",
                "mixed": "mixed definitions"}


def family_words(outcome: Outcome, family: str) -> str:
    """A family as the reply names it: the outcome's own label (outcomes.yaml), else the general words."""
    known = outcome.family_def(family)
    return known.label if known is not None else FAMILY_WORDS.get(family, family)


def _one_definition(tables: list[StudyTable], preferred: str
                    ) -> tuple[str, list[StudyTable], list[StudyTable]]:
    """Pool within one definition family: the outcome's own, else the one most trials (then most people) use.
    Counts under another definition are set aside, named, and pooled only in a labelled sensitivity line."""
    if not tables:
        return preferred, tables, []
    families = {t.family for t in tables}
    if len(families) == 1:
        return families.pop(), tables, []
    def weight(f: str) -> tuple[int, int]:
        return (sum(t.family == f for t in tables), sum(t.participants for t in tables if t.family == f))
    family = preferred if preferred in families else max(sorted(families), key=weight)
    return family, [t for t in tables if t.family == family], [t for t in tables if t.family != family]


def _compares(arms: tuple[Arm, ...], query: Query) -> bool:
    drugs = {a.drug for a in arms}
    return query.intervention in drugs and query.comparator in drugs


def age_groups(kb: KnowledgeBase, population: str, overlapping: bool = False) -> tuple[str, ...]:
    """The trial age groups a population names (vocabulary.yaml): those answering a question about it, or with
    ``overlapping`` every one that enrolled any of it (what "excluding" it leaves out)."""
    concept = kb.concept("population", population)
    groups = () if concept is None else (concept.overlaps if overlapping else concept.age_groups)
    if groups:
        return groups
    mixed = population == "adults" or (overlapping and population == "adolescents")  # a vocabulary without them
    return (population, "adults_adolescents") if mixed else (population,)


def population_words(kb: KnowledgeBase, population: str) -> str:
    concept = kb.concept("population", population)
    return concept.label if concept is not None else AGE_GROUP_WORDS.get(population, population)


def _trial_filter(kb: KnowledgeBase, trial: Trial, options: Options, query: Query) -> str | None:
    population = query.population
    in_population = not population or trial.age_group in age_groups(kb, population)
    return trial_filter_reason(trial, options, in_population, kb.drug_label(query.intervention), kb)


def trial_filter_reason(trial: Trial, options: Options, in_population: bool, drug: str,
                        kb: KnowledgeBase | None = None) -> str | None:
    """Why the question's filters leave a trial out (None when they keep it): trials named, population, ages
    excluded (every trial that enrolled any of an excluded population, from the vocabulary when ``kb`` is
    given), background therapy, length, and the randomised-withdrawal design (only when named). Shared by the
    pairwise evidence and the network of one outcome (network_data)."""
    if options.only_trials and trial.trial_id not in options.only_trials:
        return "not among the trials you asked for"
    if trial.trial_id in options.exclude_trials:
        return "left out as you asked"
    if not in_population:
        return f"other age group ({AGE_GROUP_WORDS.get(trial.age_group, trial.age_group)})"
    if any(trial.age_group in (age_groups(kb, p, overlapping=True) if kb is not None else (p,))
           for p in options.exclude_populations):
        return f"left out as you asked ({AGE_GROUP_WORDS.get(trial.age_group, trial.age_group)})"
    if options.background and trial.background != options.background:
        return "other background therapy" + (" (with topical steroids)" if trial.background == "tcs"
                                              else " (no topical steroids)")
    if options.followup_weeks and trial.followup_weeks != options.followup_weeks:
        length = f"{trial.followup_weeks} weeks" if trial.followup_weeks else "length not recorded"
        return f"other length ({length})"
    if options.exclude_followup_weeks and trial.followup_weeks == options.exclude_followup_weeks:
        return f"left out as you asked ({trial.followup_weeks} weeks)"
    if trial.design == "randomised_withdrawal" and trial.trial_id not in options.only_trials + options.include_trials:
        return f"randomised-withdrawal design (everyone had {drug} first); ask for it by name to include it"
    return None


AGE_GROUP_WORDS = {"adults": "adults", "adolescents": "adolescents", "adults_adolescents": "adults and adolescents",
                   "children": "children", "infants_preschool": "infants and preschool children",
                   # populations of the vocabulary that span several trial age groups (issue 19)
                   "under_12": "children (6 months to 11 years)",
                   "under_18": "children and adolescents (6 months to 17 years)"}


def _table(kb: KnowledgeBase, trial: Trial, arms: tuple[Arm, ...], counts: dict, options: Options, query: Query,
           outcome: Outcome) -> tuple[StudyTable | None, str]:
    control_arms = [a for a in arms if a.drug == query.comparator]
    drug_arms = [a for a in arms if a.drug == query.intervention and arm_matches(a, options)]
    if not drug_arms:
        return None, "no arm with the dose you asked for"
    read = [(a, counts[(trial.trial_id, a.arm_id)]) for a in drug_arms if (trial.trial_id, a.arm_id) in counts]
    controls = [(a, counts[(trial.trial_id, a.arm_id)]) for a in control_arms
                if (trial.trial_id, a.arm_id) in counts]
    if not controls or not read:
        return None, "no readable counts for this outcome"
    # how each count was obtained decides whether it pools (outcomes.yaml pool_obtained); the rest are named
    kept = [(a, c) for a, c in controls if outcome.pools(c.obtained)]
    if not kept:
        return None, f"{kb.drug_label(query.comparator)} count {OBTAINED_WORDS[controls[0][1].obtained]}"
    controls = kept
    kept = [(a, c) for a, c in read if outcome.pools(c.obtained)]
    if not kept:
        return None, f"{kb.drug_label(query.intervention)} count {OBTAINED_WORDS[read[0][1].obtained]}"
    read = kept
    # arms of one trial pool within the control's definition: an arm counted another way is left out
    control_families = {c.definition_family for _, c in controls}
    if len(control_families) == 1 and any(c.definition_family not in control_families for _, c in read):
        same = [(a, c) for a, c in read if c.definition_family in control_families]
        if same:
            read = same
    ai, n1i = combine_arms([c.events for _, c in read], [c.n for _, c in read])
    ci, n2i = combine_arms([c.events for _, c in controls], [c.n for _, c in controls])
    weeks = {c.timepoint_weeks for _, c in read + controls}
    return StudyTable(
        trial_id=trial.trial_id, label=trial_label(trial), ai=ai, n1i=n1i, ci=ci, n2i=n2i,
        arms=tuple(a.regimen for a, _ in read), counts=tuple(c for _, c in read) + tuple(c for _, c in controls),
        followup_weeks=trial.followup_weeks, background=trial.background, age_group=trial.age_group,
        control_arms=tuple(a.regimen for a, _ in controls),
        timepoint_weeks=weeks.pop() if len(weeks) == 1 else None, design=trial.design,
    ), ""


def _at_time(table: StudyTable, trial: Trial, options: Options, is_benefit: bool) -> bool:
    """Whether the trial's counts speak for the time asked (any time when none was asked)."""
    if options.timepoint_weeks is None:
        return True
    return all(covers(count_period(c, trial, is_benefit), options.timepoint_weeks) for c in table.counts)


def _other_time(table: StudyTable, trial: Trial, is_benefit: bool) -> str:
    periods = {count_period(c, trial, is_benefit) for c in table.counts}
    if None in periods:
        return "the time its counts speak for is not recorded"
    words = sorted({f"week {a}" if a == b else "a year or more" for a, b in periods})
    return ("assessed at " if is_benefit else "counted over ") + ", ".join(words).replace(
        "counted over week", "counted to week")


def obtained_label(table: StudyTable) -> str:
    """How the pooled counts were obtained, when any is not a plain read count: shown on the trial's line."""
    return "; ".join(OBTAINED_LABELS[o] for o in table.obtained if o in OBTAINED_LABELS)


OBTAINED_LABELS = {
    "exact_sum": "includes an exact sum of printed counts (e.g. adult and adolescent groups)",
    "from_percentage": "includes a count derived from a reported percentage",
    "imputed": "includes a count from a model-based percentage (approximate)",
}
# Why a count is not pooled, by how it was obtained (the outcome's pool_obtained leaves it out).
OBTAINED_WORDS = {
    "from_percentage": "only derivable from a rounded percentage",
    "imputed": "only from a model-based percentage (no whole count of people reproduces it)",
    "term_sum": "only as a sum of terms, an upper bound (one person with two terms counts twice)",
    "read": "read", "exact_sum": "an exact sum",
}


def arm_matches(arm: Arm, options: Options) -> bool:
    """An arm answers a dose question only when its fixed dose and interval are those asked for; a
    weight-tiered dose is no fixed dose (some patients had the other one)."""
    if options.licensed_only and arm.licensed != "yes":
        return False
    if options.dose_mg is not None and arm.dose_mg != options.dose_mg:
        return False
    if options.interval_weeks is not None and arm.interval_weeks != options.interval_weeks:
        return False
    if options.exclude_dose_mg is None and options.exclude_interval_weeks is None:
        return True
    # "not 300 mg qw": leave out the arms that match everything excluded, keep the rest
    dose_hit = options.exclude_dose_mg is None or arm.dose_mg == options.exclude_dose_mg
    interval_hit = options.exclude_interval_weeks is None or arm.interval_weeks == options.exclude_interval_weeks
    return not (dose_hit and interval_hit)


def _rank_syntheses(syntheses: tuple[Synthesis, ...]) -> tuple[Synthesis, ...]:
    """Meta-analyses that report a comparative measure lead: pairwise ones first, then the one with the most
    trials (then participants); ties keep file order. Single-arm incidence rates never lead. A mean difference
    can only be reported for a score (the loader keeps MD rows to continuous outcomes)."""
    comparative = [s for s in syntheses if s.measure in ("RR", "OR", "PETO_OR", "RD", "MD")]
    # A network meta-analysis' k counts the whole network, not the trials of this comparison, so a pairwise
    # meta-analysis of the comparison itself leads whenever one exists.
    return tuple(sorted(comparative, key=lambda s: (s.kind != "pairwise_ma", -(s.k or 0), -(s.participants or 0))))


def regimen_words(dose_mg: float | None, interval_weeks: int | None) -> str:
    dose = f"{dose_mg:g} mg" if dose_mg else ""
    interval = {None: "", 1: "every week", 2: "every 2 weeks", 4: "every 4 weeks"}.get(
        interval_weeks, f"every {interval_weeks} weeks")
    return " ".join(part for part in (dose, interval) if part)


def filters_in_words(kb: KnowledgeBase, query: Query, options: Options) -> tuple[str, ...]:
    words = []
    if query.population:
        words.append(population_words(kb, query.population))
    drug = kb.drug_label(query.intervention)
    if options.dose_mg or options.interval_weeks:
        words.append(f"{drug} {regimen_words(options.dose_mg, options.interval_weeks)}")
    if options.licensed_only:
        words.append("licensed regimens only")
    if options.exclude_dose_mg or options.exclude_interval_weeks:
        words.append(f"not {drug} {regimen_words(options.exclude_dose_mg, options.exclude_interval_weeks)}")
    if options.background:
        words.append("with topical steroids" if options.background == "tcs" else "without topical steroids")
    if options.followup_weeks:
        words.append(f"{options.followup_weeks}-week trials")
    if options.exclude_followup_weeks:
        words.append(f"not the {options.exclude_followup_weeks}-week trials")
    if options.timepoint_weeks:
        words.append(when_words(options.timepoint_weeks))
    if options.exclude_populations:
        words.append("not " + " or ".join(population_words(kb, p) for p in options.exclude_populations))
    if options.include_trials:
        words.append("including " + ", ".join(trial_label(kb.trial(t)) for t in options.include_trials))
    if options.only_trials:
        words.append("only " + ", ".join(trial_label(kb.trial(t)) for t in options.only_trials))
    if options.exclude_trials:
        words.append("without " + ", ".join(trial_label(kb.trial(t)) for t in options.exclude_trials))
    return tuple(words)
