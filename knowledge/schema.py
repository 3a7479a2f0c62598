"""Column lists and allowed values of the knowledge-base files (see SCHEMA.md)."""

from __future__ import annotations

TRIAL_COLUMNS = (
    "trial_id", "acronym", "nct", "pmid", "doi", "citation", "design", "condition", "age_group",
    "severity", "background", "followup_weeks", "in_fleming_2018", "source", "url", "note",
)
ARM_COLUMNS = ("trial_id", "arm_id", "role", "drug", "regimen", "n_safety", "source", "location", "url", "quote")
COUNT_COLUMNS = (
    "trial_id", "arm_id", "outcome_id", "events", "n", "derived", "definition", "source", "location", "url",
    "quote", "note",
)
SYNTHESIS_COLUMNS = (
    "synthesis_id", "outcome_id", "drug", "comparator", "measure", "model", "estimate", "ci_low", "ci_high",
    "k", "participants", "trials", "citation", "pmid", "doi", "location", "url", "quote", "certainty", "note",
)
OUTCOME_FIELDS = (
    "id", "name", "plural", "event", "definition", "direction", "default_measure", "default_method", "per",
)

CONDITIONS = frozenset({"atopic_dermatitis"})
DESIGNS = frozenset({"parallel", "randomised_withdrawal"})
AGE_GROUPS = frozenset({"adults", "adolescents", "children", "infants_preschool"})
BACKGROUNDS = frozenset({"monotherapy", "tcs"})
ROLES = frozenset({"drug", "placebo"})
YES_NO = {"yes": True, "no": False}
DIRECTIONS = frozenset({"harm", "benefit"})
MEASURES = frozenset({"RR", "OR", "RD"})
METHODS = frozenset({"MH", "PETO", "IV", "DL", "REML", "PM"})
SYNTHESIS_MEASURES = frozenset({"RR", "OR", "PETO_OR", "RD", "IRR", "HR"})
RATIO_MEASURES = frozenset({"RR", "OR", "PETO_OR", "IRR", "HR"})
CONCEPT_KINDS = ("drug", "comparator", "outcome", "condition", "population")

# Counts need all of these to be traceable to a source.
COUNT_PROVENANCE = ("source", "location", "url", "quote")
SYNTHESIS_PROVENANCE = ("citation", "location", "url", "quote")
ARM_PROVENANCE = ("source", "location", "url", "quote")
