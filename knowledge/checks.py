"""Checks across rows, run by `evidence-bot kb check` (and so by the test suite), never when the bot loads:
each rule is written over every row, so a fault found once by hand is caught wherever else it hides.

- A count from a percentage must reproduce it: some whole count of n prints as the percentage, and the count
  is one of them (`from_percentage`); a percentage no whole count reproduces is `imputed` and its count the
  nearest whole number.
- One arm has one denominator per analysis set at one time point: a count whose n differs from the same arm's
  n for another outcome of the same kind at the same week must say why in its note ("denominator ...").
- A count read from a serious-event list belongs to its outcome's serious-only family (or to an outcome that
  counts serious events only).
- Every citation names its authors or a group, a year and a journal (or the registry).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

from .errors import DataIssue
from .percent import whole_counts
from .records import Count, KnowledgeBase

# A stated reason for a denominator that differs from the arm's other counts at the same week: the curator
# writes "denominator differs: <why>" in the note.
DENOMINATOR_REASON = re.compile(r"\bdenominator differs:", re.IGNORECASE)
# Why a percentage that a whole count reproduces is still model-based: an imputation, or a printed 95% interval
# that no whole count of n gives (knowledge/intervals.py; the registry re-derivation finds these).
IMPUTED_REASON = re.compile(r"imputation|no whole count of \d+ gives both", re.IGNORECASE)
# A count whose definition says it was read from the serious-event list (registry or paper).
SERIOUS_LIST = re.compile(r"(?<!no )serious[- ](adverse )?events? list|from the serious list|reported as a serious",
                          re.IGNORECASE)
# "Surname AB", "Surname AB, Surname CD", "Surname-Other A et al", "de Bruin-Weller M": authors first.
AUTHORS = re.compile(r"^(?:[a-z]+ )?[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)* [A-Z]{1,3}\b")
# A group or sponsor named as the author: "LEO Pharma (sponsor).", "EAACI/ETFAD (group)." or a name ending in
# an organisational word ("... Investigators", "... Consortium").
GROUP = re.compile(r"^[A-Z][\w&/.,' -]*? \((?:sponsor|group)\)\.|^[A-Z][\w&/.,' -]* (?:Group|Consortium|"
                   r"Collaboration|Investigators|Society|Association)\b")
YEAR = re.compile(r"\b(19|20)\d\d\b")


def check(kb: KnowledgeBase, files: dict[str, dict[tuple, int]]) -> list[DataIssue]:
    """Every cross-row problem, with the file and line of the row at fault. `files` maps a file name to
    {record key: line} (loader.line_index)."""
    lines = files.get("counts.csv", {})
    issues: list[DataIssue] = []

    def at(count: Count, column: str, message: str) -> None:
        key = (count.trial_id, count.arm_id, count.outcome_id)
        issues.append(DataIssue("counts.csv", lines.get(key), column, f"{'/'.join(key)}: {message}"))

    for count in kb.counts:
        _percentage(count, at)
        outcome = kb.outcomes[count.outcome_id]
        serious_outcome = "serious" in outcome.name
        if SERIOUS_LIST.search(count.definition) and not serious_outcome \
                and not outcome.serious_only(count.definition_family):
            at(count, "definition_family", f"counted from the serious-event list, so it holds serious cases "
                                           f"only: its family must be serious-only, not '{count.definition_family}'")
    _denominators(kb, at)
    for trial in kb.trials:
        problem = citation_problem(trial.citation)
        if problem:
            issues.append(DataIssue("trials.csv", files.get("trials.csv", {}).get((trial.trial_id,)), "citation",
                                    f"{trial.trial_id}: {problem}"))
    doses = defaultdict(set)
    for arm in kb.arms:
        doses[arm.drug].add(arm.dose_mg)
    for s in kb.syntheses:
        if s.dose_mg is not None and s.dose_mg not in doses[s.drug]:
            issues.append(DataIssue("syntheses.csv", files.get("syntheses.csv", {}).get((s.synthesis_id,)),
                                    "dose_mg", f"{s.synthesis_id}: {s.dose_mg:g} mg is no dose of {s.drug} in any "
                                               "trial held (arms.csv): a one-dose estimate names a trial regimen"))
        problem = citation_problem(s.citation)
        if problem:
            issues.append(DataIssue("syntheses.csv", files.get("syntheses.csv", {}).get((s.synthesis_id,)),
                                    "citation", f"{s.synthesis_id}: {problem}"))
    return issues


def _percentage(count: Count, at) -> None:
    if count.obtained not in ("from_percentage", "imputed"):
        return
    fits = whole_counts(count.percent, count.n)
    if count.obtained == "from_percentage" and count.events not in fits:
        at(count, "events", (f"{count.events}/{count.n} does not print as {count.percent}%; whole counts that do: "
                             f"{', '.join(map(str, fits))}" if fits else
                             f"no whole count of {count.n} prints as {count.percent}%: the denominator is another n "
                             "(correct it) or the percentage is model-based (mark the count imputed)"))
    if count.obtained == "imputed":
        if fits and count.events in fits and not IMPUTED_REASON.search(count.note):
            at(count, "obtained", f"{count.events}/{count.n} reproduces {count.percent}%: from_percentage, unless "
                                  "the note says the percentage comes from an imputation or that no whole count of "
                                  "n gives both it and its printed interval")
        if abs(count.events - float(count.percent) * count.n / 100) > 0.5 + 1e-9:
            at(count, "events", f"not the nearest whole number to {count.percent}% of {count.n}")


def _denominators(kb: KnowledgeBase, at) -> None:
    """Within one arm, analysis set, kind and week, counts share one n, unless the note says "denominator
    differs: <why>". An outcome assessed in its own subset (itch response: a baseline score of 4 or more) takes
    the number analysed for it and is not compared."""
    groups: dict[tuple, list[Count]] = defaultdict(list)
    for count in kb.counts:
        if kb.outcomes[count.outcome_id].subset_denominator:
            continue
        kind = kb.outcomes[count.outcome_id].kind
        groups[(count.trial_id, count.arm_id, count.timepoint_weeks, kind, count.population)].append(count)
    for members in groups.values():
        usual = Counter(c.n for c in members).most_common()
        if len(usual) < 2:
            continue
        common = usual[0][0] if usual[0][1] > usual[1][1] else None
        for count in members:
            if count.n != common and not DENOMINATOR_REASON.search(count.note):
                others = ", ".join(f"{c.outcome_id} n={c.n}" for c in members if c is not count)
                at(count, "n", f"n={count.n} differs from the same arm's n at the same week ({others}) with no "
                               "stated reason (the note says 'denominator differs: ...')")


def citation_problem(citation: str) -> str:
    """'' when the citation names authors or a group and a year; else what is missing."""
    text = citation.strip()
    if "authors not read" in text or not (AUTHORS.match(text) or GROUP.match(text)):
        return "names no authors or group: give the authors (Surname AB et al.) or the group or sponsor"
    if not YEAR.search(text) and "ClinicalTrials.gov NCT" not in text:  # a registry record is undated
        return "gives no year"
    return ""


KEYS = {"counts.csv": ("trial_id", "arm_id", "outcome_id"), "trials.csv": ("trial_id",),
        "syntheses.csv": ("synthesis_id",)}


def line_index(directory: Path) -> dict[str, dict[tuple, int]]:
    """{file: {key: editor line}} so a cross-row problem names the line to fix (header = line 1)."""
    index: dict[str, dict[tuple, int]] = {}
    for name, columns in KEYS.items():
        with (directory / name).open(newline="", encoding="utf-8") as handle:
            index[name] = {tuple(row.get(c, "") for c in columns): line
                           for line, row in enumerate(csv.DictReader(handle), start=2)}
    return index
