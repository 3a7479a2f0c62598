"""Judgements published about the evidence, as data: risk of bias per trial, decision thresholds per outcome,
and GRADE ratings published for comparisons that syntheses.csv does not hold.

They are kept apart from the trial data because they are other people's judgements about it, each with the
review, table and verbatim cell it was read from (knowledge/curation/certainty/ builds the files). The
certainty rules (bot/answers/certainty_rules.py) read them; nothing here judges anything.

The three files are optional: a knowledge base without them loads, and every risk of bias is then "not
assessed" and every threshold GRADE's default. A row that is present but wrong is refused with file, line and
column, like every other file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .errors import DataIssue
from .rows import RowError, choice, number, required, slug

ROB_FILE, THRESHOLD_FILE, RATING_FILE = "risk_of_bias.csv", "thresholds.csv", "published_ratings.csv"
FILES = (ROB_FILE, THRESHOLD_FILE, RATING_FILE)

ROB_COLUMNS = ("trial_id", "outcome_id", "outcome_kind", "tool", "domain", "judgement", "source", "location", "url",
               "quote", "note")
THRESHOLD_COLUMNS = ("outcome_id", "scale", "threshold", "basis", "source", "location", "url", "quote", "note")
RATING_COLUMNS = ("rating_id", "outcome_id", "compare_with", "source_outcome", "drug", "comparator", "dose_mg",
                  "estimate", "rating", "secondary", "citation", "location", "url", "quote", "note")

TOOLS = {
    "rob1": frozenset({"random_sequence", "allocation_concealment", "blinding_participants", "blinding_outcome",
                       "incomplete_outcome", "selective_reporting", "other_bias", "overall"}),
    "rob2": frozenset({"randomisation", "deviations", "missing_outcome", "measurement", "selective_reporting",
                       "overall"}),
}
JUDGEMENTS = {"rob1": frozenset({"low", "unclear", "high"}), "rob2": frozenset({"low", "some_concerns", "high"})}
OUTCOME_KINDS = frozenset({"", "benefit", "harm"})
SCALES = frozenset({"ratio", "md"})
BASES = frozenset({"mid", "grade_default"})
RATINGS = frozenset({"high", "moderate", "low", "very low"})
PROVENANCE = ("source", "location", "url", "quote")

# GRADE's documented default when no threshold is published: a relative change of 25% (GRADE guidelines 6).
DEFAULT_RATIO_THRESHOLD = 1.25


@dataclass(frozen=True)
class RiskOfBias:
    trial_id: str
    outcome_id: str  # "" = every outcome of the trial (or every outcome of `outcome_kind`)
    outcome_kind: str  # "" = any; "benefit" or "harm": the outcomes the source assessed it for
    tool: str  # rob1 (Cochrane 2011) or rob2
    domain: str
    judgement: str  # low, unclear (rob1), some_concerns (rob2), high
    source: str
    location: str
    url: str
    quote: str
    note: str

    @property
    def source_short(self) -> str:
        """'Zhang 2022' (first author and year), or 'Dermatol Ther 2022' where the authors were not read."""
        return short_citation(self.source)


def short_citation(citation: str) -> str:
    year = re.search(r"\b(?:19|20)\d\d\b", citation)
    when = year.group(0) if year else ""
    if not citation.startswith("["):
        author = re.match(r"\s*([^\W\d_][\w'-]*)\s+[A-Z]{1,3}\b", citation)
        if author:
            return f"{author.group(1)} {when}".strip()
    journal = re.search(r"\.\s+([A-Z][A-Za-z .&()-]+?)\s+(?:19|20)\d\d\b", citation.split("]", 1)[-1])
    return f"{journal.group(1).strip()} {when}".strip() if journal else citation[:40]


@dataclass(frozen=True)
class Threshold:
    """The smallest effect that matters for an outcome: a ratio (1.25 = a 25% relative change either way) or a
    score difference in points."""

    outcome_id: str
    scale: str  # ratio or md
    value: float
    basis: str  # mid (published minimal important difference) or grade_default
    source: str
    location: str
    url: str
    quote: str
    note: str

    @property
    def ratio_bounds(self) -> tuple[float, float]:
        """(0.75, 1.25) for 1.25: GRADE states its default as RR below 0.75 or above 1.25."""
        return (2 - self.value, self.value)


@dataclass(frozen=True)
class PublishedRating:
    """A GRADE rating a review published for one comparison and outcome (held for calibration)."""

    rating_id: str
    outcome_id: str  # the outcome the source rated, where we hold it ("" when we do not)
    compare_with: str  # the binary outcome we rate that it is compared with, when the source rated another one
    source_outcome: str
    drug: str
    comparator: str
    dose_mg: float | None
    estimate: str
    rating: str
    secondary: bool  # read in a review that reports the rating, not in the rating review itself
    citation: str
    location: str
    url: str
    quote: str
    note: str


@dataclass(frozen=True)
class Assessments:
    risk_of_bias: tuple[RiskOfBias, ...] = ()
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)
    ratings: tuple[PublishedRating, ...] = ()
    _by_trial: Mapping[str, tuple[RiskOfBias, ...]] = field(default_factory=dict, init=False, repr=False,
                                                             compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "thresholds", MappingProxyType(dict(self.thresholds)))
        by_trial: dict[str, list[RiskOfBias]] = {}
        for row in self.risk_of_bias:
            by_trial.setdefault(row.trial_id, []).append(row)
        object.__setattr__(self, "_by_trial", MappingProxyType({k: tuple(v) for k, v in by_trial.items()}))

    def risk_of_bias_for(self, trial_id: str, outcome_id: str, outcome_kind: str) -> tuple[RiskOfBias, ...]:
        """The judgements that apply to one trial's result for one outcome: rows for that outcome first, else
        rows for the outcome's kind (a review that assessed the trial's harms), else rows for every outcome."""
        rows = self._by_trial.get(trial_id, ())
        for applies in (lambda r: r.outcome_id == outcome_id,
                        lambda r: not r.outcome_id and r.outcome_kind == outcome_kind,
                        lambda r: not r.outcome_id and not r.outcome_kind):
            chosen = tuple(r for r in rows if applies(r))
            if chosen:
                return chosen
        return ()

    def threshold(self, outcome_id: str) -> Threshold | None:
        return self.thresholds.get(outcome_id)


def load_assessments(directory: Path, read_rows: Callable, context: dict, issues: list[DataIssue]) -> Assessments:
    """Parse the three files with the loader's row reader (`read_rows(directory, name, columns, parse, issues,
    context)`), collecting issues rather than stopping at the first; an absent file is no assessments."""
    def rows(name: str, columns: tuple[str, ...], parse) -> list:
        if not (directory / name).is_file():
            return []
        return [record for _, record in read_rows(directory, name, columns, parse, issues, context)]

    thresholds = rows(THRESHOLD_FILE, THRESHOLD_COLUMNS, parse_threshold)
    return Assessments(tuple(rows(ROB_FILE, ROB_COLUMNS, parse_risk_of_bias)),
                       {t.outcome_id: t for t in thresholds},
                       tuple(rows(RATING_FILE, RATING_COLUMNS, parse_rating)))


def _provenance(row: dict) -> dict:
    for column in PROVENANCE:
        required(row, column)
    return {c: row[c] for c in PROVENANCE}


def _outcome(row: dict, column: str, context: dict, allow_blank: bool = True) -> str:
    value = row[column]
    if not value and allow_blank:
        return ""
    if value not in context["outcomes"]:
        raise RowError(column, f"'{value}' is not an outcome id in outcomes.yaml")
    return value


def parse_risk_of_bias(row: dict, context: dict) -> RiskOfBias:
    trial = slug(row, "trial_id")
    if trial not in context["trials"]:
        raise RowError("trial_id", f"'{trial}' is not a trial in trials.csv")
    tool = choice(row, "tool", TOOLS)
    domain = choice(row, "domain", TOOLS[tool])
    judgement = choice(row, "judgement", JUDGEMENTS[tool])
    return RiskOfBias(trial, _outcome(row, "outcome_id", context), choice(row, "outcome_kind", OUTCOME_KINDS), tool,
                      domain, judgement, **_provenance(row), note=row["note"])


def parse_threshold(row: dict, context: dict) -> Threshold:
    outcome = _outcome(row, "outcome_id", context, allow_blank=False)
    scale = choice(row, "scale", SCALES)
    value = number(row, "threshold")
    if value <= 0 or (scale == "ratio" and value <= 1):
        raise RowError("threshold", f"{value} is not a threshold: a ratio threshold is above 1 (1.25 = 25%), "
                                    "a score threshold above 0")
    return Threshold(outcome, scale, value, choice(row, "basis", BASES), **_provenance(row), note=row["note"])


def parse_rating(row: dict, context: dict) -> PublishedRating:
    outcome = _outcome(row, "outcome_id", context)
    compare_with = _outcome(row, "compare_with", context)
    if not outcome and not compare_with:
        raise RowError("compare_with", "a rating of an outcome we do not hold needs the outcome it is compared with")
    drugs = context["drugs"]
    drug = required(row, "drug")
    if drug not in drugs:
        raise RowError("drug", f"'{drug}' is not a drug in drugs.yaml")
    comparator = required(row, "comparator")
    if comparator != "placebo" and comparator not in drugs:
        raise RowError("comparator", f"'{comparator}' is neither placebo nor a drug in drugs.yaml")
    dose = number(row, "dose_mg") if row["dose_mg"] else None
    required(row, "citation")
    return PublishedRating(slug(row, "rating_id"), outcome, compare_with, required(row, "source_outcome"), drug,
                           comparator, dose, required(row, "estimate"), choice(row, "rating", RATINGS),
                           choice(row, "secondary", {"yes", "no"}) == "yes", row["citation"],
                           **{c: required(row, c) for c in ("location", "url", "quote")}, note=row["note"])
