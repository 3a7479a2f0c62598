"""Network meta-analysis of arm-level binary data: the public entry point.

Frequentist and contrast-based, as metafor's ``rma.mv(yi, V, mods = ~ 0 + <treatments but the reference>,
random = ~ comp | study, rho = 1/2, method = "REML")`` fits it (the fixed-effect model without the random
term): multi-arm trials exact, one common tau² by REML, OR, RR or RD, 95% Wald intervals, Q and its df,
P-scores and netmeta's netsplit. The pieces live in small modules:

* analysis/network_data.py: checks, grouping by study, the zero-cell rule, excluded studies, connectivity;
* analysis/network_fit.py: the model over arms (GLS at a tau², tau² by REML);
* analysis/network_split.py: direct and indirect evidence by back-calculation;
* analysis/network_results.py: the frozen result records.

Checked against metafor on tests/reference/network_fixtures.json (tests/test_network_metafor.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from ._dist import chi2_sf
from .network_data import check_options, prepare
from .network_fit import Network
from .network_results import (
    DisconnectedNetwork,
    NetworkEstimate,
    NetworkResult,
    SplitEstimate,
    make_estimate,
)
from .network_split import splits

__all__ = [
    "DisconnectedNetwork",
    "NetworkEstimate",
    "NetworkResult",
    "SplitEstimate",
    "default_reference",
    "network_meta_analysis",
]


def default_reference(treatments: Sequence[str]) -> str:
    """"placebo" (in any case) when the network holds it, else the first treatment in code-point order."""
    placebo = [t for t in treatments if t.casefold() == "placebo"]
    return min(placebo) if placebo else min(treatments)


def network_meta_analysis(study: Sequence[str], treatment: Sequence[str], events: Sequence[int],
                          n: Sequence[int], *, measure: str = "OR", model: str = "random",
                          reference: str | None = None) -> NetworkResult:
    """Fit a network to arm-level binary data, one entry per arm in each of the four sequences.

    ``measure`` is OR, RR or RD; ``model`` fixed or random (REML tau²); ``reference`` defaults to
    :func:`default_reference`. Raises ValueError on bad input and DisconnectedNetwork (a ValueError) when
    no study links two groups of treatments.
    """
    check_options(measure, model)
    arms = prepare(study, treatment, events, n, measure)
    names = arms.treatments
    if reference is None:
        reference = default_reference(names)
    elif reference not in names:
        where = "only in studies left out" if reference in set(treatment) else "not in the data"
        raise ValueError(f"reference {reference!r} is {where}; treatments: {', '.join(names)}")
    ref = names.index(reference)
    net = Network(arms, ref)
    fixed = net.fit(0.0)
    fit = fixed if model == "fixed" else net.fit(net.reml_tau2())
    df = arms.n_contrasts - (len(names) - 1)
    estimates = tuple(
        make_estimate(measure, names[j], reference, float(fit.coef[j]), float(fit.cov[j, j]) ** 0.5)
        for j in range(len(names)) if j != ref
    )
    return NetworkResult(
        measure=measure, model=model, reference=reference, treatments=names, studies=arms.studies,
        excluded=arms.excluded, k=len(arms.studies), tau2=fit.tau2, Q=fixed.Q, df=df,
        estimates=estimates, splits=splits(net, fit),
        Q_pval=chi2_sf(fixed.Q, df) if df > 0 else None, corrected=arms.corrected,
        coefficients=tuple(fit.coef.tolist()), covariance=tuple(map(tuple, fit.cov.tolist())),
    )
