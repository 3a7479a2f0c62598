"""Column lists and allowed values of the knowledge-base files (see SCHEMA.md)."""

from __future__ import annotations

TRIAL_COLUMNS = (
    "trial_id", "acronym", "nct", "pmid", "doi", "citation", "design", "condition", "age_group",
    "severity", "background", "followup_weeks", "in_fleming_2018", "source", "url", "note",
)
ARM_COLUMNS = (
    "trial_id", "arm_id", "role", "drug", "regimen", "dose_mg", "interval_weeks", "route", "licensed", "n_safety",
    "source", "location", "url", "quote",
)
COUNT_COLUMNS = (
    "trial_id", "arm_id", "drug", "outcome_id", "events", "n", "derived", "timepoint_weeks", "definition_family",
    "population", "definition", "source", "location", "url", "quote", "note",
)
SYNTHESIS_COLUMNS = (
    "synthesis_id", "kind", "outcome_id", "drug", "comparator", "measure", "model", "estimate", "ci_low", "ci_high",
    "k", "participants", "trials", "dose_mg", "interval_weeks", "timepoint_weeks", "population", "cohort", "citation",
    "pmid",
    "doi", "location", "url", "quote", "certainty", "md_improvement", "note",
)
OUTCOME_FIELDS = (
    "id", "name", "plural", "event", "had", "definition", "kind", "default_measure", "default_method", "per",
)
# Optional outcome fields and their defaults.
OUTCOME_OPTIONAL = {"timepoint_weeks": None, "pool_derived": False, "family": "", "scale": "binary"}
# binary: people with an event, pooled from counts; continuous: a score (EASI, DLQI), answered from published
# mean differences only (no counts are held for it).
SCALES = frozenset({"binary", "continuous"})
DRUG_FIELDS = ("label", "terms")
DRUG_OPTIONAL = {"class": "", "target": "", "route": "", "brands": [], "codes": [], "lookalikes": []}

CONDITIONS = frozenset({"atopic_dermatitis"})
DESIGNS = frozenset({"parallel", "randomised_withdrawal"})
AGE_GROUPS = frozenset({"adults", "adolescents", "adults_adolescents", "children", "infants_preschool"})
BACKGROUNDS = frozenset({"monotherapy", "tcs"})
ROLES = frozenset({"drug", "placebo"})
YES_NO = {"yes": True, "no": False}
LICENSED = frozenset({"yes", "no", "unknown", ""})
ROUTES = frozenset({"sc", "oral", "iv", ""})
# Analysis sets a count may come from. A subgroup is not whole-trial data and is refused.
ANALYSIS_POPULATIONS = frozenset({"fas", "safety", "randomised", "pp", ""})
SYNTHESIS_KINDS = frozenset({"pairwise_ma", "network_ma", "pooled_safety"})
CERTAINTY = frozenset({"high", "moderate", "low", "very low", ""})
KINDS = frozenset({"harm", "benefit"})
MEASURES = frozenset({"RR", "OR", "RD"})
CONTINUOUS_MEASURES = frozenset({"MD"})
# Which sign of a reported mean difference means more improvement on the first-named drug: sources differ
# ("11.3-point reduction" vs "-7.5"), so each row says, and the reply words it one way.
MD_IMPROVEMENT = frozenset({"positive", "negative", ""})
METHODS = frozenset({"MH", "PETO", "IV", "DL", "REML", "PM"})
SYNTHESIS_MEASURES = frozenset({"RR", "OR", "PETO_OR", "RD", "IRR", "HR", "MD", "IR"})
RATIO_MEASURES = frozenset({"RR", "OR", "PETO_OR", "IRR", "HR"})
CONCEPT_KINDS = ("comparator", "outcome", "condition", "population",  # drugs come from drugs.yaml
                 "treatment", "situation", "risk_factor", "qualifier")

# Counts need all of these to be traceable to a source.
COUNT_PROVENANCE = ("source", "location", "url", "quote")
SYNTHESIS_PROVENANCE = ("citation", "location", "url", "quote")
ARM_PROVENANCE = ("source", "location", "url", "quote")
