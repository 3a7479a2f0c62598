"""Regimens ranked from the network of one outcome: "which is best for X", "which JAK has the most acne",
"dupixent vs adbry vs ebglyss", "JAK vs biologic".

Each regimen of the drugs asked about (their licensed regimens in this population; the others are named) with
its network estimate against placebo, its risk at one common baseline (the middle placebo risk of the
network's trials, or the question's), its P-score and its certainty. The order answers the question: "most"
puts the highest risk first, "least" the lowest, "best" the most benefit (the fewest events of a harm). The
P-scores (Rücker & Schwarzer 2015) are computed among the regimens listed, so they say how sure the order is:
a P-score near 1 means nearly surely ahead of every other listed regimen, near 0.5 that the order is a guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis import AbsoluteEffect, absolute_effect
from analysis.network import NetworkEstimate
from bot.answers.certainty import Certainty
from bot.answers.network_data import build_network
from bot.answers.network_evidence import fits_as_asked, network_certainty
from bot.answers.network_fit import NetworkFit
from bot.answers.regimens import PLACEBO_NODE, Node, matching_nodes
from bot.understand.options import Options
from bot.understand.reading import Regimen
from knowledge.records import KnowledgeBase, Outcome


@dataclass(frozen=True)
class RankedRegimen:
    node: Node
    label: str
    drug_class: str
    vs_placebo: NetworkEstimate
    absolute: AbsoluteEffect | None
    p_score: float
    certainty: Certainty | None
    direct_trials: int  # trials that randomised this regimen against placebo
    as_asked: NetworkEstimate | None = None  # under the measure or model asked for (display only)


@dataclass(frozen=True)
class NetworkRanking:
    outcome: Outcome
    fit: NetworkFit  # odds ratio, random effects: the order, P-scores and absolute numbers come from it
    rows: tuple[RankedRegimen, ...]  # in the order shown: the first answers the question
    high_first: bool  # rows go from the highest risk (or response) to the lowest
    order: str  # most, least, best, worst
    who: str  # "JAK inhibitors", "dupilumab, tralokinumab and lebrikizumab", "drugs"
    baseline: float | None  # the placebo risk the absolute numbers use
    baseline_source: str  # "user" or "placebo"
    not_licensed: tuple[str, ...]  # labels of regimens of these drugs in the network but not licensed
    missing: tuple[str, ...]  # sentences: drugs asked about with no regimen in this network, and why
    asked_fit: NetworkFit | None = None  # the measure or model the question asked for, when it differs


def high_first(outcome: Outcome, order: str) -> bool:
    """Whether the first line is the highest risk (or response): 'most' always, 'least' never; 'best' for a
    benefit, 'worst' for a harm."""
    if order == "most":
        return True
    if order == "least":
        return False
    return outcome.is_benefit if order in ("", "best") else not outcome.is_benefit


def rank_regimens(kb: KnowledgeBase, outcome_id: str, options: Options, population: str | None,
                  drugs: tuple[str, ...] = (), order: str = "", who: str = "",
                  regimens: tuple[Regimen, ...] = ()) -> NetworkRanking:
    """``regimens``: the doses a question named for some drugs (those drugs are ranked by those doses only);
    other drugs by their licensed regimens in this population. Kept in the knowledge base's memo."""
    return kb.cached(("rank", outcome_id, options, population, drugs, order, who, regimens),
                     lambda: _rank_regimens(kb, outcome_id, options, population, drugs, order, who, regimens))


def _rank_regimens(kb: KnowledgeBase, outcome_id: str, options: Options, population: str | None,
                   drugs: tuple[str, ...], order: str, who: str, regimens: tuple[Regimen, ...]) -> NetworkRanking:
    outcome = kb.outcomes[outcome_id]
    asked = drugs or kb.covered_drugs
    data = build_network(kb, outcome_id, options, population)
    fit, asked_fit = fits_as_asked(kb, data, outcome, options, (PLACEBO_NODE,))
    measure = fit.measure
    in_network = [n for n in fit.nodes if n.drug in asked]
    dosed = {r.drug for r in regimens if r.dose_mg is not None or r.interval_weeks is not None}
    named = [n for r in regimens if r.drug in dosed
             for n in matching_nodes(in_network, r.drug, r.dose_mg, r.interval_weeks)]
    # one drug ("which dose of upadacitinib is better"): every regimen of it; else the licensed ones
    shown = [n for n in in_network if n.drug not in dosed and (n in data.licensed or len(asked) == 1)]
    # a drug with no licensed regimen in the network is ranked by the regimens it has
    shown += [n for n in in_network if n.drug not in dosed and n not in shown
              and not any(m.drug == n.drug for m in shown)]
    shown = list(dict.fromkeys(named + shown))
    up = high_first(outcome, order)
    scores = p_scores_among(fit, shown, larger_is_better=up)
    baseline, source = (options.baseline_risk, "user") if options.baseline_risk is not None else \
        (fit.placebo_risk, "placebo")
    rows = []
    for node in shown:
        estimate = fit.estimate(node, PLACEBO_NODE)
        absolute = None
        if baseline is not None:
            absolute = absolute_effect(measure, estimate.estimate, estimate.ci_low, estimate.ci_high, baseline,
                                       events_are_harmful=not outcome.is_benefit)
        direct = len(fit.data.trials_with(node, PLACEBO_NODE))
        rows.append(RankedRegimen(node, node.label(kb), kb.drugs[node.drug].drug_class, estimate, absolute,
                                  scores[node], network_certainty(fit, estimate, (node, PLACEBO_NODE),
                                                                  indirect_only=direct == 0, kb=kb), direct,
                                  asked_fit.estimate(node, PLACEBO_NODE) if asked_fit is not None else None))
    rows.sort(key=lambda r: (-r.p_score, -r.vs_placebo.log_estimate if up else r.vs_placebo.log_estimate))
    not_licensed = tuple(n.label(kb) for n in in_network if n not in shown and n.drug not in dosed)
    absent = [r for r in regimens if r.drug in dosed and not matching_nodes(in_network, r.drug, r.dose_mg,
                                                                                 r.interval_weeks)]
    missing = tuple(f"{Node(r.drug, r.dose_mg, r.interval_weeks).label(kb)} is not in the network for "
                    f"{outcome.plural}" for r in absent) + tuple(
        f"{kb.drug_label(d)} is not connected to placebo by the trials held for {outcome.plural}"
        if any(n.drug == d for n in data.nodes) else f"{kb.drug_label(d)}: no trial with counts of {outcome.plural}"
        for d in asked if not any(n.drug == d for n in in_network))
    return NetworkRanking(outcome, fit, tuple(rows), up, order or "best", who or "drugs", baseline,
                          source if baseline is not None else "", not_licensed, missing, asked_fit)


def p_scores_among(fit: NetworkFit, nodes: list[Node], *, larger_is_better: bool) -> dict[Node, float]:
    """Rücker and Schwarzer's P-score of each node among ``nodes`` only: the mean, over the others listed, of
    the one-sided probability that it is ahead, Phi(d_ij / se_ij) on the model scale."""
    scores: dict[Node, float] = {}
    for node in nodes:
        others = [m for m in nodes if m != node]
        if not others:
            scores[node] = math.nan
            continue
        total = 0.0
        for other in others:
            e = fit.estimate(node, other)
            z = e.log_estimate / e.se if e.se > 0 else 0.0
            total += _phi(z if larger_is_better else -z)
        scores[node] = total / len(others)
    return scores


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))
