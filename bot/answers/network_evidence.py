"""Regimen against regimen, from the network of one outcome.

For each pair of regimens a question asks about: the network estimate (it leads), with absolute numbers at a
stated baseline; the direct evidence (the trials that randomised both regimens, named: JADE COMPARE's 200 mg
arm alone, never pooled with its 100 mg arm); the indirect evidence (the rest of the network); and, whenever
both exist, whether they agree (the p of their difference, as netmeta's netsplit). A published network
estimate of the same regimen pair stays beside ours with its source, and whether the two agree.

A side named without a dose means the drug's licensed regimens in this network, each separately; a side whose
regimen is not in the network for the outcome is said to be missing, never replaced by another.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from analysis import AbsoluteEffect, absolute_effect, treatment_risk
from analysis.network import NetworkEstimate
from bot.answers.certainty import Certainty, rate
from bot.answers.certainty import Evidence as CertaintyInputs
from bot.answers.certainty_network import network_rating
from bot.answers.evidence import trial_label
from bot.answers.network_data import DEFAULT_POPULATION, POPULATION_GROUPS, NetworkData, build_network
from bot.answers.network_fit import (
    DEFAULT_MEASURE,
    DEFAULT_MODEL,
    NetworkFit,
    analysis_of,
    connected,
    difference_p,
    fit_network,
)
from bot.answers.regimens import PLACEBO, PLACEBO_NODE, Node, drug_nodes, licensed_nodes, matching_nodes
from bot.understand.options import Options
from bot.understand.reading import Regimen
from knowledge.records import KnowledgeBase, Outcome, Synthesis

COHERENCE_ALPHA = 0.05  # direct and indirect "disagree" below this p
BACKGROUND_ALPHA = 0.05  # the networks with and without topical steroids "differ" below this p


@dataclass(frozen=True)
class PublishedPair:
    """A published network estimate of the same regimen pair, turned to A vs B, and how ours compares."""

    synthesis: Synthesis
    estimate: float
    ci_low: float
    ci_high: float
    ours: NetworkEstimate | None  # ours in the same cohort (its background therapy), same measure
    agrees: bool | None  # intervals overlap; None when not comparable (another measure, or no estimate)
    inside: bool | None  # our point estimate inside the published interval


@dataclass(frozen=True)
class RegimenPair:
    a: Node
    b: Node
    a_label: str
    b_label: str
    network: NetworkEstimate | None
    direct: NetworkEstimate | None
    direct_trials: tuple[str, ...]
    indirect: NetworkEstimate | None
    p_difference: float | None
    absolute: AbsoluteEffect | None  # A's risk at the risk on B
    risk_b: float | None
    baseline_source: str  # "user", "placebo" (B in the network at the middle placebo risk) or "observed"
    published: tuple[PublishedPair, ...]
    by_background: tuple[tuple[str, NetworkEstimate], ...]  # shown when the two networks differ
    background_p: float | None
    certainty: Certainty | None
    # The same pair under the measure or model the question asked for, shown beside: a display toggle never
    # changes the bottom line (the odds ratio, random effects, its absolute numbers and direction).
    as_asked: NetworkEstimate | None = None

    @property
    def coherence_flag(self) -> bool | None:
        """True when direct and indirect evidence disagree; None when one of them does not exist."""
        return None if self.p_difference is None else self.p_difference < COHERENCE_ALPHA


@dataclass(frozen=True)
class NetworkComparison:
    """Every regimen pair of one outcome a comparison question asks about."""

    outcome: Outcome
    fit: NetworkFit
    pairs: tuple[RegimenPair, ...]
    missing: tuple[str, ...]  # sentences: a regimen asked about that is not in this network, and why
    sides: tuple[str, ...]  # how a side named without a full regimen was read ("dupilumab as its licensed regimen, …")
    asked: str = ""  # the two sides as the question named them ("upadacitinib 30 mg vs upadacitinib 15 mg")
    # Published network estimates of the two drugs with their doses pooled, turned to A vs B: shown beside the
    # regimen pairs when the question named no dose, never compared with a regimen pair of ours.
    published_pooled: tuple[PublishedPair, ...] = ()
    asked_analysis: tuple[str, str] | None = None  # (measure, model) asked for, when not the default


def resolve_side(kb: KnowledgeBase, data: NetworkData, side: Regimen) -> tuple[tuple[Node, ...], str, str]:
    """The nodes a side means in this network, a sentence on how it was read ("" when as named), and a
    sentence when it is not in the network ("" when it is)."""
    if side.drug == PLACEBO:
        return (PLACEBO_NODE,), "", ""
    label = kb.drug_label(side.drug)
    in_network = data.nodes
    named = side.dose_mg is not None or side.interval_weeks is not None
    if named:
        found = matching_nodes(in_network, side.drug, side.dose_mg, side.interval_weeks)
        if not found:
            held = matching_nodes(drug_nodes(kb, side.drug), side.drug, side.dose_mg, side.interval_weeks)
            what = f"{label} {Node(side.drug, side.dose_mg, side.interval_weeks).regimen}".strip()
            if held:
                return (), "", f"{what} is not in the network for this outcome (no trial of it has counts here)"
            return (), "", f"I hold no trial of {what}"
        if len(found) > 1:
            licensed = tuple(n for n in found if n in data.licensed)
            if len(licensed) == 1:
                return licensed, f"{label} {_named(side)} read as the licensed {licensed[0].regimen}", ""
            return found, f"{label} {_named(side)}: each regimen held, separately", ""
        return found, "", ""
    licensed = tuple(n for n in sorted(data.licensed, key=lambda n: n.sort_key) if n.drug == side.drug)
    mine = tuple(n for n in in_network if n.drug == side.drug)
    present = tuple(n for n in licensed if n in mine)
    absent = [n.regimen for n in licensed if n not in mine]
    gap = (f"{label} {' and '.join(absent)} {'is' if len(absent) == 1 else 'are'} not in the network for this "
           "outcome (no trial of it has counts here)") if absent else ""
    if not mine:
        return (), "", gap or f"{label} is not in the network for this outcome (no trial of it has counts here)"
    if not present:
        return mine, f"{label}: each regimen held (none licensed here)", gap
    regimens = " and ".join(n.regimen for n in licensed)
    if len(licensed) == 1:
        return present, f"{label} {regimens} (licensed)", gap
    each = ", each separately" if len(present) > 1 else ""
    return present, f"{label} {regimens} (licensed){each}", gap


def _named(side: Regimen) -> str:
    return Node(side.drug, side.dose_mg, side.interval_weeks).regimen.replace("weight-tiered", "").strip()


def compare_regimens(kb: KnowledgeBase, outcome_id: str, a: Regimen, b: Regimen, options: Options,
                     population: str | None) -> NetworkComparison:
    """Every regimen pair the two sides mean, from the network of one outcome (kept in the knowledge base's
    memo)."""
    return kb.cached(("compare", outcome_id, a, b, options, population),
                     lambda: _compare_regimens(kb, outcome_id, a, b, options, population))


def _compare_regimens(kb: KnowledgeBase, outcome_id: str, a: Regimen, b: Regimen, options: Options,
                      population: str | None) -> NetworkComparison:
    outcome = kb.outcomes[outcome_id]
    data = build_network(kb, outcome_id, options, population)
    a_nodes, a_read, a_missing = resolve_side(kb, data, a)
    b_nodes, b_read, b_missing = resolve_side(kb, data, b)
    wanted = [(x, y) for x in a_nodes for y in b_nodes if x != y]
    missing = [m for m in (a_missing, b_missing) if m]
    reachable = [(x, y) for x, y in wanted if connected(data, x, y)]
    missing += [f"{x.label(kb)} and {y.label(kb)} are not connected by any chain of trials for this outcome"
                for x, y in wanted if (x, y) not in reachable]
    keep = [n for pair in reachable for n in pair]
    fit, asked_fit = fits_as_asked(kb, data, outcome, options, keep)
    pairs = tuple(replace(pair_estimates(kb, fit, x, y, options),
                          as_asked=asked_fit.estimate(x, y) if asked_fit is not None else None)
                  for x, y in reachable if fit.has(x) and fit.has(y))
    asked = f"{side_label(kb, a)} vs {side_label(kb, b)}"
    pooled = tuple(_doses_pooled(kb, outcome_id, a, b)) if _no_regimen(a) and _no_regimen(b) else ()
    return NetworkComparison(outcome, fit, pairs, tuple(missing), tuple(s for s in (a_read, b_read) if s), asked,
                             pooled, None if asked_fit is None else (asked_fit.measure, asked_fit.model))


def fits_as_asked(kb: KnowledgeBase, data: NetworkData, outcome: Outcome, options: Options, keep
                  ) -> tuple[NetworkFit, NetworkFit | None]:
    """The network under the default analysis (odds ratio, random effects: it sets the bottom line), and under
    the measure or model the question asked for when that differs (shown beside, as the effect reply does)."""
    measure, model, notes = analysis_of(outcome, options)
    fit = fit_network(kb, data, DEFAULT_MEASURE, DEFAULT_MODEL, keep, notes)
    if (measure, model) == (DEFAULT_MEASURE, DEFAULT_MODEL):
        return fit, None
    return fit, fit_network(kb, data, measure, model, keep)


def _no_regimen(side: Regimen) -> bool:
    return side.dose_mg is None and side.interval_weeks is None


def _doses_pooled(kb: KnowledgeBase, outcome_id: str, a: Regimen, b: Regimen):
    for s in kb.syntheses:
        if (s.kind == "network_ma" and s.outcome_id == outcome_id and s.dose_mg is None and s.ci_low is not None
                and s.measure in ("OR", "RR", "RD") and (s.drug, s.comparator) in ((a.drug, b.drug), (b.drug, a.drug))):
            estimate = (s.estimate, s.ci_low, s.ci_high) if s.drug == a.drug else _invert(s)
            yield PublishedPair(s, *estimate, None, None, None)


def side_label(kb: KnowledgeBase, side: Regimen) -> str:
    """A side as named: 'upadacitinib 30 mg', 'dupilumab every week', 'dupilumab', 'placebo'."""
    if side.drug == PLACEBO:
        return PLACEBO
    return f"{kb.drug_label(side.drug)} {_named(side)}".strip()


# An indirect estimate whose standard error on the model scale is above this carries no information (an interval
# spanning more than e^±39): back-calculation when nearly all evidence is direct. It is said to be absent.
UNINFORMATIVE_SE = 10.0


def independent_split(fit: NetworkFit, a: Node, b: Node):
    """netsplit's (direct, indirect, k_direct, p) for the pair, with the indirect estimate (and p) dropped where it
    is not independent evidence: no other trial holds either regimen, so it would rest on the direct trials' own
    other arms (their placebo); or it is uninformative. The answer and its certainty both read this one split."""
    direct, indirect, k_direct, p = fit.split(a, b)
    if k_direct and indirect is not None:
        used = set(fit.result.studies)
        both = {t.trial_id for t in fit.data.trials_with(a, b)}
        elsewhere = {x.trial_id for x in fit.data.arms if x.node in (a, b) and x.trial_id in used} - both
        if not elsewhere or indirect.se > UNINFORMATIVE_SE:
            return direct, None, k_direct, None
    return direct, indirect, k_direct, p


def pair_estimates(kb: KnowledgeBase, fit: NetworkFit, a: Node, b: Node, options: Options) -> RegimenPair:
    outcome = kb.outcomes[fit.data.outcome_id]
    network = fit.estimate(a, b)
    direct, indirect, k_direct, p = independent_split(fit, a, b)
    used = set(fit.result.studies)
    both = [t for t in fit.data.trials_with(a, b) if t.trial_id in used]
    direct_trials = tuple(trial_label(t) for t in both) if k_direct else ()
    risk_b, source = _risk_on(fit, b, options)
    absolute = None
    if network is not None and risk_b is not None:
        absolute = absolute_effect(fit.measure, network.estimate, network.ci_low, network.ci_high, risk_b,
                                   events_are_harmful=not outcome.is_benefit)
    by_background, background_p = _by_background(kb, fit, a, b)
    published = tuple(_published(kb, fit, a, b))
    certainty = network_certainty(fit, network, (a, b), indirect_only=k_direct == 0, kb=kb) if network else None
    return RegimenPair(a, b, a.label(kb), b.label(kb), network, direct if k_direct else None, direct_trials,
                       indirect if k_direct else network, p, absolute, risk_b, source, published, by_background,
                       background_p, certainty)


def _risk_on(fit: NetworkFit, node: Node, options: Options) -> tuple[float | None, str]:
    """The risk on B that A's absolute numbers are worked out at, and where it comes from: the question's
    baseline risk ("user"); else B's risk in the network at the middle placebo risk of its trials ("placebo");
    else, when no placebo arm had an event, the risk observed in B's own arms ("observed")."""
    if options.baseline_risk is not None:
        return options.baseline_risk, "user"
    p0 = fit.placebo_risk
    if p0 is not None and node.is_placebo:
        return p0, "placebo"
    vs_placebo = fit.estimate(node, PLACEBO_NODE) if p0 is not None else None
    if vs_placebo is not None:
        risk = treatment_risk(fit.measure, vs_placebo.estimate, p0)
        if 0 < risk < 1:
            return risk, "placebo"
    observed = fit.observed_risk(node)
    return (observed, "observed") if observed is not None else (None, "")


def _by_background(kb: KnowledgeBase, fit: NetworkFit, a: Node, b: Node
                   ) -> tuple[tuple[tuple[str, NetworkEstimate], ...], float | None]:
    """A vs B in the trials without and with topical steroids separately, when both hold the pair: shown only
    when the two differ (p below BACKGROUND_ALPHA), so that one network stands where they agree."""
    if fit.data.background is not None:
        return (), None
    found = []
    for background in ("monotherapy", "tcs"):
        part = fit.data.restricted(background)
        if not (a in part.nodes and b in part.nodes and connected(part, a, b)):
            return (), None
        sub = fit_network(kb, part, fit.measure, fit.model, (a, b))
        estimate = sub.estimate(a, b)
        if estimate is None:
            return (), None
        found.append((background, estimate))
    p = difference_p(found[0][1], found[1][1])
    return (tuple(found) if p < BACKGROUND_ALPHA else ()), p


def cohort_background(s: Synthesis) -> str | None:
    """The background therapy of a published estimate's cohort ("monotherapy trials" -> monotherapy)."""
    text = f"{s.cohort} {s.population}".lower()
    if "monotherapy" in text:
        return "monotherapy"
    if "topical steroid" in text or "tcs" in text:
        return "tcs"
    return None


def published_nodes(kb: KnowledgeBase, s: Synthesis) -> tuple[Node, Node] | None:
    """The regimen pair a published network estimate is of, or None when the source pooled doses or named a
    comparator drug with more than one licensed regimen."""
    if s.dose_mg is None:
        return None
    first = Node(s.drug, s.dose_mg, s.interval_weeks)
    if s.comparator == PLACEBO:
        return first, PLACEBO_NODE
    licensed = licensed_nodes(kb, s.comparator, POPULATION_GROUPS[DEFAULT_POPULATION])
    return (first, licensed[0]) if len(licensed) == 1 else None


def our_published_counterpart(kb: KnowledgeBase, s: Synthesis, population: str | None = None
                              ) -> tuple[NetworkEstimate | None, str]:
    """Our estimate of the regimen pair, outcome and cohort (background therapy) of a published network
    estimate, under the source's measure; and why there is none."""
    if s.measure not in ("OR", "RR", "RD"):
        return None, "a score or another measure: we pool counts of people only"
    pair = published_nodes(kb, s)
    if pair is None and s.dose_mg is None:
        return None, "the source pooled the doses or did not state them; our nodes are regimens"
    if pair is None:
        return None, "the source's comparator has more than one licensed regimen and it named none"
    background = cohort_background(s)
    data = build_network(kb, s.outcome_id, Options(background=background), population)
    a, b = pair
    if a not in data.nodes or b not in data.nodes:
        return None, "a regimen of the pair is not in our network for this outcome"
    if not connected(data, a, b):
        return None, "the pair is not connected in our network"
    fit = fit_network(kb, data, s.measure, "random", (a, b))
    estimate = fit.estimate(a, b)
    return estimate, "" if estimate is not None else fit.reason


def _published(kb: KnowledgeBase, fit: NetworkFit, a: Node, b: Node):
    for s in kb.syntheses:
        if s.kind != "network_ma" or s.outcome_id != fit.data.outcome_id or s.ci_low is None:
            continue
        pair = published_nodes(kb, s)
        if pair is None or {pair[0], pair[1]} != {a, b}:
            continue
        same = pair[0] == a
        estimate = (s.estimate, s.ci_low, s.ci_high) if same else _invert(s)
        background = cohort_background(s)
        if background is not None and fit.data.background not in (None, background):
            continue  # another cohort than the one asked about
        ours = None
        if s.measure == fit.measure:
            if background is None or fit.data.background == background:
                ours = fit.estimate(a, b)
            else:
                part = fit.data.restricted(background)
                if a in part.nodes and b in part.nodes and connected(part, a, b):
                    ours = fit_network(kb, part, fit.measure, fit.model, (a, b)).estimate(a, b)
        agrees = inside = None
        if ours is not None:
            agrees = ours.ci_low <= estimate[2] and estimate[1] <= ours.ci_high
            inside = estimate[1] <= ours.estimate <= estimate[2]
        yield PublishedPair(s, *estimate, ours, agrees, inside)


def _invert(s: Synthesis) -> tuple[float, float, float]:
    if s.measure in ("OR", "RR"):
        return 1 / s.estimate, 1 / s.ci_high, 1 / s.ci_low
    return -s.estimate, -s.ci_high, -s.ci_low


@dataclass(frozen=True)
class _Heterogeneity:
    """What certainty.rate reads of a pooling, for a network: I² from the network's Q and its df."""

    measure: str
    k: int
    I2: float
    ci_low: float
    ci_high: float
    defined: bool = True
    pi_low: float | None = None
    pi_high: float | None = None
    studies: tuple = ()  # no per-trial estimates for a network's own heterogeneity
    tau2: float | None = None
    random_effects: bool = False


def network_certainty(fit: NetworkFit, estimate: NetworkEstimate, nodes, *, indirect_only: bool,
                      kb: KnowledgeBase | None = None) -> Certainty:
    """The one place a network estimate gets its certainty: GRADE for network meta-analysis
    (bot/answers/certainty_network.py) from the trials of the pair and of each regimen against placebo, with
    their published risk of bias; without the knowledge base, the pairwise rules on the network's interval."""
    if kb is not None and fit.result is not None:
        a, b = nodes
        used = set(fit.result.studies)
        _, indirect, k_direct, p = independent_split(fit, a, b)
        return network_rating(
            tuple(x for x in fit.data.arms if x.trial_id in used), fit.data.trials, a, b, PLACEBO_NODE,
            measure=fit.measure, estimate=(estimate.estimate, estimate.ci_low, estimate.ci_high),
            indirect=(indirect.estimate, indirect.ci_low, indirect.ci_high) if indirect is not None and k_direct
            else None, p_difference=p, outcome=kb.outcomes[fit.data.outcome_id], assessments=kb.assessments,
            control_risk=fit.placebo_risk, names=(a.label(kb), b.label(kb)))
    result = fit.result
    i2 = max(0.0, (result.Q - result.df) / result.Q * 100) if result.Q > 0 and result.df > 0 else 0.0
    k = fit.trials_of(nodes)
    pooled = _Heterogeneity(fit.measure, result.k, i2, estimate.ci_low, estimate.ci_high) if result.df > 0 else None
    return rate(CertaintyInputs(fit.measure, estimate.ci_low, estimate.ci_high, k, pooled, fit.events(nodes),
                                indirect=indirect_only))
