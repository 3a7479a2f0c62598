"""The JSON of regimen comparisons and rankings from the network (``ask --json``): one result per regimen pair
with its network, direct (naming its trials) and indirect estimates and their coherence; a ranking's entries
in the order shown, each with its regimen, estimate against placebo and P-score."""

from __future__ import annotations

from analysis.network import NetworkEstimate
from bot.answers.network_data import DEFAULT_POPULATION
from bot.answers.network_evidence import NetworkComparison, RegimenPair
from bot.answers.network_fit import NetworkFit
from bot.answers.ranking import NetworkRanking
from bot.answers.regimens import Node
from bot.understand.reading import Parse

NOT_RATED = {"rating": "not rated", "source": None, "reasons": []}


def _dose(value: float | None) -> float | int | None:
    return int(value) if value is not None and float(value).is_integer() else value


def _node(node: Node, label: str) -> dict:
    return {"drug": node.drug, "dose_mg": _dose(node.dose_mg), "interval_weeks": node.interval_weeks, "label": label}


def _estimate(e: NetworkEstimate | None, measure: str) -> dict | None:
    if e is None:
        return None
    return {"measure": measure, "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high}


def network_json(fit: NetworkFit, estimate: NetworkEstimate | None = None) -> dict:
    """{measure, model, estimate, ci_low, ci_high, k, tau2} (the estimate when one pair is asked about)."""
    r = fit.result
    out = {"measure": fit.measure, "model": fit.model, "k": r.k if r else 0, "tau2": r.tau2 if r else None,
           "Q": r.Q if r else None, "df": r.df if r else None}
    if estimate is not None:
        out.update(estimate=estimate.estimate, ci_low=estimate.ci_low, ci_high=estimate.ci_high)
    return out


def _context(fit: NetworkFit) -> dict:
    data = fit.data
    used = set(fit.result.studies) if fit.result else set()
    return {
        "population": data.population if data.population_asked else f"{DEFAULT_POPULATION} (default)",
        "background": data.background or "both (one network)",
        "trials": [t.trial_id for t in data.trials if t.trial_id in used],
        "not_used": [{"trial": label, "reason": why} for label, why in data.excluded + fit.left_out],
        "notes": list(fit.notes),
    }


def pair_json(c: NetworkComparison, p: RegimenPair) -> dict:
    measure = c.fit.measure
    a = p.absolute
    return {
        "outcome": c.outcome.id, "kind": c.outcome.kind, "intervention": p.a.drug, "comparator": p.b.drug,
        "intervention_regimen": _node(p.a, p.a_label), "comparator_regimen": _node(p.b, p.b_label),
        "lead": "network",
        "network": network_json(c.fit, p.network),
        "as_asked": None if c.asked_analysis is None else {
            "measure": c.asked_analysis[0], "model": c.asked_analysis[1],
            **({} if p.as_asked is None else {"estimate": p.as_asked.estimate, "ci_low": p.as_asked.ci_low,
                                              "ci_high": p.as_asked.ci_high})},
        "direct": None if p.direct is None else {**_estimate(p.direct, measure), "k": len(p.direct_trials),
                                                 "trials": list(p.direct_trials)},
        "indirect": _estimate(p.indirect, measure),
        "coherence": None if p.p_difference is None else {"p": p.p_difference, "flag": bool(p.coherence_flag)},
        "disagreement": bool(p.coherence_flag),
        "absolute": None if a is None else {
            "per_1000_on_comparator": a.control_per_1000, "per_1000_on_intervention": a.treatment_per_1000,
            "per_1000_on_intervention_ci": [a.treatment_per_1000_low, a.treatment_per_1000_high],
            "baseline": p.baseline_source},
        "by_background": [{"background": b, **_estimate(e, measure)} for b, e in p.by_background],
        "published": [{"id": x.synthesis.synthesis_id, "citation": x.synthesis.citation,
                       "measure": x.synthesis.measure, "estimate": x.estimate, "ci_low": x.ci_low,
                       "ci_high": x.ci_high, "cohort": x.synthesis.cohort or None,
                       "certainty": x.synthesis.certainty or None, "agrees": x.agrees, "inside": x.inside}
                      for x in p.published],
        "certainty": p.certainty.as_dict() if p.certainty else NOT_RATED,
        **_context(c.fit),
        "read_as": list(c.sides), "missing": list(c.missing),
    }


def network_comparison_json(c: NetworkComparison) -> list[dict]:
    """One result per regimen pair; a comparison with no pair answered says what is missing."""
    if c.pairs:
        return [pair_json(c, p) for p in c.pairs]
    return [{"outcome": c.outcome.id, "kind": c.outcome.kind, "lead": None, "network": None, "direct": None,
             "indirect": None, "coherence": None, "certainty": NOT_RATED, "asked": c.asked,
             **_context(c.fit), "read_as": list(c.sides), "missing": list(c.missing)
             + ([c.fit.reason] if c.fit.reason else [])}]


def network_ranking_json(r: NetworkRanking, parsed: Parse) -> dict:
    measure = r.fit.measure
    return {
        "outcome": r.outcome.id, "kind": r.outcome.kind, "drug_class": parsed.drug_class or None,
        "drug_classes": list(parsed.drug_classes), "drugs": list(parsed.drugs), "order": r.order,
        "high_first": r.high_first, "network": network_json(r.fit), "baseline_risk": r.baseline,
        "baseline": r.baseline_source or None,
        "ranked": [{"drug": x.node.drug, "dose_mg": _dose(x.node.dose_mg), "interval_weeks": x.node.interval_weeks,
                    "label": x.label, **_estimate(x.vs_placebo, measure), "k": x.direct_trials,
                    "participants": None, "p_score": x.p_score,
                    "per_1000": None if x.absolute is None else x.absolute.treatment_per_1000,
                    "per_1000_ci": None if x.absolute is None else [x.absolute.treatment_per_1000_low,
                                                                    x.absolute.treatment_per_1000_high],
                    "as_asked": _estimate(x.as_asked, r.asked_fit.measure) if r.asked_fit is not None else None,
                    "certainty": x.certainty.as_dict() if x.certainty else NOT_RATED} for x in r.rows],
        "not_licensed": list(r.not_licensed), "missing": list(r.missing), **_context(r.fit),
    }
