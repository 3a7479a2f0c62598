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
    "trial_id", "arm_id", "drug", "outcome_id", "events", "n", "obtained", "percent", "timepoint_weeks",
    "definition_family", "population", "definition", "source", "location", "url", "quote", "note",
)
# Files written before data 2026.12.0 had one ambiguous column, `derived` (yes/no), in place of `obtained` and
# `percent`. They are still read: `derived=no` is `read`, `derived=yes` the cautious `from_percentage` (never
# `exact_sum`, which only a curator who checked the arithmetic may claim).
COUNT_LEGACY_COLUMNS = {"derived": ("obtained", "percent")}
# How a count was obtained (SCHEMA.md): read as printed; an exact sum (or difference) of printed counts of
# disjoint groups; from a printed percentage of a known n; from a percentage no whole count reproduces (a
# model-based or multiply-imputed estimate); a sum of registry term counts (an upper bound: one person with
# two terms counts twice).
OBTAINED = ("read", "exact_sum", "from_percentage", "imputed", "term_sum")
# Counts that are not exact numbers of people: labelled wherever they are shown.
APPROXIMATE = frozenset({"from_percentage", "imputed", "term_sum"})
# Which of them each outcome pools, unless outcomes.yaml says otherwise (`pool_obtained`).
POOL_OBTAINED_HARM = ("read", "exact_sum", "from_percentage")
POOL_OBTAINED_BENEFIT = ("read", "exact_sum", "from_percentage", "imputed")
SYNTHESIS_COLUMNS = (
    "synthesis_id", "kind", "outcome_id", "drug", "comparator", "measure", "model", "estimate", "ci_low", "ci_high",
    "k", "participants", "trials", "dose_mg", "interval_weeks", "timepoint_weeks", "population", "cohort", "citation",
    "pmid",
    "doi", "location", "url", "quote", "certainty", "md_improvement", "scope", "note",
)
# What a synthesis could see (syntheses.csv `scope`): empty = no restriction known; `phase2_only` = it pooled
# phase 2 trials only; `before_phase3` = it was published before the drug's phase 3 trials reported. Either is
# labelled wherever the synthesis is shown, and never leads over our pooling of the drug's later trials.
SYNTHESIS_OPTIONAL_COLUMNS = frozenset({"scope"})  # files from before 2026.12.0 lack it: read as empty
SYNTHESIS_SCOPES = frozenset({"", "phase2_only", "before_phase3"})
OUTCOME_FIELDS = (
    "id", "name", "plural", "event", "had", "definition", "kind", "default_measure", "default_method", "per",
)
# Optional outcome fields and their defaults.
OUTCOME_OPTIONAL = {"timepoint_weeks": None, "pool_derived": False, "family": "", "scale": "binary",
                    "subset_denominator": False}
# Definition families an outcome's counts may follow; each names its MedDRA term set (outcomes.yaml).
FAMILY_FIELDS = ("label",)
FAMILY_OPTIONAL = {"terms": [], "soc": "", "serious_only": False, "note": ""}
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

# Another source's count for a held (trial, arm, outcome) that disagrees with it: both are held, the note says
# which is used and why, and the Trials detail shows the disagreement (disagreements.csv, optional).
DISAGREEMENT_COLUMNS = ("trial_id", "arm_id", "outcome_id", "events", "n", "source", "location", "url", "quote",
                        "note")
# Counts need all of these to be traceable to a source.
COUNT_PROVENANCE = ("source", "location", "url", "quote")
SYNTHESIS_PROVENANCE = ("citation", "location", "url", "quote")
ARM_PROVENANCE = ("source", "location", "url", "quote")
