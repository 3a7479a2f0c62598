"""Statistics engine for evidence-bot: pure functions over 2x2 counts.

numpy + scipy only; no I/O and no wording. Entry points::

    pool(ai, n1i, ci, n2i, *, measure="RR", method="MH", hksj=False, labels=None, level=0.95)
    pool_all(ai, n1i, ci, n2i, labels=None)
    pool_summary(tables, *, measure, method, hksj, level)  # no per-study records, weights as an array
    subgroup_analysis(groups, *, measure, method, hksj, level)
    leave_one_out(ai, n1i, ci, n2i, *, measure, method, hksj, labels, level)
    absolute_effect(measure, estimate, ci_low, ci_high, control_risk)
    bucher(theta_a, se_a, theta_b, se_b, measure)  # indirect comparison through a common comparator
    network_meta_analysis(study, treatment, events, n, *, measure, model, reference)  # arm-level NMA
"""

from .absolute import (
    absolute_effect,
    absolute_from_result,
    median_control_risk,
    nnt_from_difference,
    treatment_risk,
)
from .effects import combine_arms, validate_tables
from .indirect import IndirectResult, bucher, bucher_from_results
from .network import (
    DisconnectedNetwork,
    NetworkEstimate,
    NetworkResult,
    SplitEstimate,
    default_reference,
    network_meta_analysis,
)
from .pool import method_keys, pool, pool_all, pool_summary, pool_tables
from .results import NNT, AbsoluteEffect, NNTEnd, PooledResult, StudyEffect, SubgroupResult
from .subgroups import LeaveOneOut, leave_one_out, subgroup_analysis, subset

__all__ = [
    "NNT",
    "AbsoluteEffect",
    "DisconnectedNetwork",
    "IndirectResult",
    "LeaveOneOut",
    "NNTEnd",
    "NetworkEstimate",
    "NetworkResult",
    "PooledResult",
    "SplitEstimate",
    "StudyEffect",
    "SubgroupResult",
    "absolute_effect",
    "absolute_from_result",
    "bucher",
    "bucher_from_results",
    "combine_arms",
    "default_reference",
    "leave_one_out",
    "median_control_risk",
    "method_keys",
    "network_meta_analysis",
    "nnt_from_difference",
    "pool",
    "pool_all",
    "pool_summary",
    "pool_tables",
    "subgroup_analysis",
    "subset",
    "treatment_risk",
    "validate_tables",
]
