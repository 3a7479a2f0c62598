"""Evidence selection: which trials and arms answer a question, and why the others do not.

Every trial the knowledge base holds is accounted for: either it contributes a 2x2 table, or it is listed
with the reason it was left out (no readable counts, a derived count, another population, a filter the user
asked for). The answer names them, so "we hold fewer trials than the meta-analysis" is never hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis import combine_arms, median_control_risk
from bot.understand.parse import Options
from knowledge.records import Arm, Count, KnowledgeBase, Synthesis, Trial


@dataclass(frozen=True)
class StudyTable:
    """One trial reduced to dupilumab (all selected arms combined) against its placebo arm."""

    trial_id: str
    label: str
    ai: int
    n1i: int
    ci: int
    n2i: int
    arms: tuple[str, ...]  # regimens of the dupilumab arms combined
    counts: tuple[Count, ...]
    followup_weeks: int | None
    background: str
    age_group: str

    @property
    def participants(self) -> int:
        return self.n1i + self.n2i


@dataclass(frozen=True)
class Evidence:
    outcome_id: str
    tables: tuple[StudyTable, ...]
    excluded: tuple[tuple[str, str], ...]  # (trial label, reason)
    syntheses: tuple[Synthesis, ...]  # best first
    missing_from_synthesis: tuple[str, ...]  # labels of the lead synthesis' trials we cannot pool
    filters: tuple[str, ...]  # filters applied, in words, for the reply

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


_DOSES = re.compile(r"(\d+(?:/\d+)*)\s*mg")
_INTERVAL = re.compile(r"\bq(\d)w\b|\b(qw)\b")


def regimen_schedule(regimen: str) -> tuple[frozenset[int], frozenset[int]]:
    """Fixed doses (mg) and dosing intervals (weeks) of a regimen such as '300 mg q2w'.

    A weight-tiered dose ('200/300 mg q2w') is no fixed dose: some patients had the other one, so it never
    matches a question about one dose.
    """
    doses = frozenset(int(m.group(1)) for m in _DOSES.finditer(regimen) if "/" not in m.group(1))
    intervals = frozenset(1 if m.group(2) else int(m.group(1)) for m in _INTERVAL.finditer(regimen.lower()))
    return doses, intervals


def trial_label(trial: Trial) -> str:
    return trial.acronym.removeprefix("LIBERTY AD ").removeprefix("LIBERTY-AD-")


def select(kb: KnowledgeBase, outcome_id: str, options: Options, population: str | None = None) -> Evidence:
    """Pick the tables to pool for one outcome under the user's options."""
    counts = {(c.trial_id, c.arm_id): c for c in kb.counts_for(outcome_id)}
    tables: list[StudyTable] = []
    excluded: list[tuple[str, str]] = []
    filters = _filters_in_words(kb, options, population)
    for trial in kb.trials:
        label = trial_label(trial)
        reason = _trial_filter(trial, options, population)
        if reason:
            excluded.append((label, reason))
            continue
        table, why = _table(trial, kb.arms_of(trial.trial_id), counts, options)
        if table is None:
            excluded.append((label, why))
        else:
            tables.append(table)
    syntheses = _rank_syntheses(kb.syntheses_for(outcome_id))
    missing: tuple[str, ...] = ()
    if syntheses:
        pooled = {t.trial_id for t in tables}
        missing = tuple(trial_label(kb.trial(t)) for t in syntheses[0].trials if t not in pooled)
    return Evidence(outcome_id, tuple(tables), tuple(excluded), syntheses, missing, filters)


def _trial_filter(trial: Trial, options: Options, population: str | None) -> str | None:
    if options.only_trials and trial.trial_id not in options.only_trials:
        return "not among the trials you asked for"
    if trial.trial_id in options.exclude_trials:
        return "left out as you asked"
    if population and trial.age_group != population:
        return f"other age group ({trial.age_group.replace('_', ' ')})"
    if options.background and trial.background != options.background:
        return "other background therapy" + (" (with topical steroids)" if trial.background == "tcs"
                                              else " (dupilumab alone)")
    if options.followup_weeks and trial.followup_weeks != options.followup_weeks:
        length = f"{trial.followup_weeks} weeks" if trial.followup_weeks else "length not recorded"
        return f"other length ({length})"
    if trial.design == "randomised_withdrawal" and trial.trial_id not in options.only_trials:
        return "randomised-withdrawal design (everyone had dupilumab first); ask for it by name to include it"
    return None


def _table(trial: Trial, arms: tuple[Arm, ...], counts: dict, options: Options
           ) -> tuple[StudyTable | None, str]:
    placebo = next(a for a in arms if a.role == "placebo")
    control = counts.get((trial.trial_id, placebo.arm_id))
    drug_arms = [a for a in arms if a.role == "drug" and _arm_matches(a, options)]
    if not drug_arms:
        return None, "no arm with the dose you asked for"
    read = [(a, counts[(trial.trial_id, a.arm_id)]) for a in drug_arms if (trial.trial_id, a.arm_id) in counts]
    if control is None or not read:
        return None, "no readable counts for this outcome"
    if control.derived:
        return None, "placebo count only derivable from a rounded percentage"
    exact = [(a, c) for a, c in read if not c.derived]
    if not exact:
        return None, "dupilumab count only derivable from a rounded percentage"
    ai, n1i = combine_arms([c.events for _, c in exact], [c.n for _, c in exact])
    return StudyTable(
        trial_id=trial.trial_id, label=trial_label(trial), ai=ai, n1i=n1i, ci=control.events, n2i=control.n,
        arms=tuple(a.regimen for a, _ in exact), counts=tuple(c for _, c in exact) + (control,),
        followup_weeks=trial.followup_weeks, background=trial.background, age_group=trial.age_group,
    ), ""


def _arm_matches(arm: Arm, options: Options) -> bool:
    if options.dose_mg is None and options.interval_weeks is None:
        return True
    doses, intervals = regimen_schedule(arm.regimen)
    if options.dose_mg is not None and options.dose_mg not in doses:
        return False
    return options.interval_weeks is None or options.interval_weeks in intervals


def _rank_syntheses(syntheses: tuple[Synthesis, ...]) -> tuple[Synthesis, ...]:
    """The synthesis with the most trials (then participants) leads; ties keep file order."""
    return tuple(sorted(syntheses, key=lambda s: (-(s.k or 0), -(s.participants or 0))))


def _filters_in_words(kb: KnowledgeBase, options: Options, population: str | None) -> tuple[str, ...]:
    words = []
    if population:
        words.append(population.replace("_", " "))
    if options.dose_mg or options.interval_weeks:
        dose = f"{options.dose_mg} mg " if options.dose_mg else ""
        interval = {None: "", 1: "every week", 2: "every 2 weeks", 4: "every 4 weeks"}.get(
            options.interval_weeks, f"every {options.interval_weeks} weeks")
        words.append(f"dupilumab {dose}{interval}".strip())
    if options.background:
        words.append("with topical steroids" if options.background == "tcs" else "dupilumab alone")
    if options.followup_weeks:
        words.append(f"{options.followup_weeks}-week trials")
    if options.only_trials:
        words.append("only " + ", ".join(trial_label(kb.trial(t)) for t in options.only_trials))
    if options.exclude_trials:
        words.append("without " + ", ".join(trial_label(kb.trial(t)) for t in options.exclude_trials))
    return tuple(words)
