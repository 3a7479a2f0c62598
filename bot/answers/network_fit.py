"""One network meta-analysis of one outcome, as the answers use it: the engine's fit of the network built by
network_data, with every node's treatment name, every trial the fit left out, and the estimates turned to the
order a question asks (A vs B).

The model is the question's: odds ratio and random effects (REML, one between-trial variance) by default, as
published network meta-analyses of these drugs report; a risk ratio, risk difference or fixed effect when
asked. A disconnected network is fitted on the part that holds the regimens asked about; the trials of the
other parts are named as not connected.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

from analysis import median_control_risk
from analysis.network import DisconnectedNetwork, NetworkEstimate, NetworkResult, network_meta_analysis
from bot.answers.network_data import NetworkData
from bot.answers.regimens import PLACEBO_NODE, Node
from bot.understand.options import Options
from knowledge.records import KnowledgeBase, Outcome

FIXED_METHODS = frozenset({"MH", "IV", "PETO"})
# The analysis every bottom line comes from, as published network meta-analyses of these drugs report them; a
# measure or model asked for is shown beside it.
DEFAULT_MEASURE, DEFAULT_MODEL = "OR", "random"
MEASURE_WORDS = {"OR": "odds ratio", "RR": "risk ratio", "RD": "risk difference"}


@dataclass(frozen=True)
class NetworkFit:
    data: NetworkData
    measure: str  # OR, RR, RD
    model: str  # random, fixed
    result: NetworkResult | None  # None when nothing could be fitted (reason says why)
    labels: Mapping[Node, str]  # node -> the engine's treatment name (the regimen's label)
    left_out: tuple[tuple[str, str], ...]  # (trial, reason) dropped at fit time
    reason: str = ""
    notes: tuple[str, ...] = ()  # what was changed from the request ("a Peto odds ratio is not a network model")

    @cached_property
    def nodes(self) -> tuple[Node, ...]:
        if self.result is None:
            return ()
        names = set(self.result.treatments)
        return tuple(n for n in self.data.nodes if self.labels[n] in names)

    @cached_property
    def _node_set(self) -> frozenset[Node]:
        return frozenset(self.nodes)

    @cached_property
    def _used(self) -> frozenset[str]:
        """Ids of the trials the fit used."""
        return frozenset(self.result.studies) if self.result is not None else frozenset()

    def has(self, node: Node) -> bool:
        return node in self._node_set

    def estimate(self, a: Node, b: Node) -> NetworkEstimate | None:
        """A against B from the network (direct and indirect evidence together)."""
        if self.result is None or not (self.has(a) and self.has(b)):
            return None
        return self.result.pair(self.labels[a], self.labels[b])

    def split(self, a: Node, b: Node) -> tuple[NetworkEstimate | None, NetworkEstimate | None, int, float | None]:
        """(direct, indirect, trials with both, p of their difference), turned to A vs B; (None, network-only
        indirect, 0, None) when no trial holds both."""
        if self.result is None:
            return None, None, 0, None
        for s in self.result.splits:
            if {s.treatment, s.versus} == {self.labels.get(a), self.labels.get(b)}:
                same = s.treatment == self.labels[a]
                direct = s.direct if same else turned(s.direct, self.measure)
                indirect = None if s.indirect is None else (s.indirect if same else turned(s.indirect, self.measure))
                return direct, indirect, s.k_direct, s.p_difference
        return None, self.estimate(a, b), 0, None

    @property
    def trials(self) -> tuple[str, ...]:
        """Short names of the trials the fit used."""
        used = self._used
        return tuple(dict.fromkeys(a.trial for a in self.data.arms if a.trial_id in used))

    @cached_property
    def placebo_risk(self) -> float | None:
        """The middle placebo risk of the trials used: the common baseline of absolute numbers."""
        return self.observed_risk(PLACEBO_NODE)

    @cached_property
    def _used_arms(self) -> dict[Node, tuple]:
        """The arms of the trials used, by node, in the network's order."""
        used = self._used
        found: dict[Node, list] = {}
        for a in self.data.arms:
            if a.trial_id in used:
                found.setdefault(a.node, []).append(a)
        return {k: tuple(v) for k, v in found.items()}

    def observed_risk(self, node: Node) -> float | None:
        """The middle risk in the arms of one regimen in the trials used (all its events over all its people
        when the middle one is 0, as with rare harms); None when no arm of it had an event."""
        arms = self._used_arms.get(node, ())
        if not arms:
            return None
        risk = median_control_risk([a.events for a in arms], [a.n for a in arms])
        if risk <= 0:
            risk = sum(a.events for a in arms) / sum(a.n for a in arms)
        return risk if 0 < risk < 1 else None

    def arms_of(self, node: Node) -> int:
        """How many trials used hold an arm of ``node``."""
        return len(self._used_arms.get(node, ()))

    def events(self, nodes: Iterable[Node]) -> int:
        return sum(a.events for node in set(nodes) for a in self._used_arms.get(node, ()))

    def trials_of(self, nodes: Iterable[Node]) -> int:
        return len({a.trial_id for node in set(nodes) for a in self._used_arms.get(node, ())})


def turned(e: NetworkEstimate, measure: str) -> NetworkEstimate:
    """B vs A from A vs B."""
    if measure == "RD":
        return NetworkEstimate(e.versus, e.treatment, -e.estimate, -e.ci_high, -e.ci_low, -e.log_estimate, e.se)
    return NetworkEstimate(e.versus, e.treatment, 1 / e.estimate, 1 / e.ci_high, 1 / e.ci_low, -e.log_estimate,
                           e.se)


def analysis_of(outcome: Outcome, options: Options) -> tuple[str, str, tuple[str, ...]]:
    """Measure, model and notes for a network: the question's where it applies, else odds ratio, random effects."""
    notes: list[str] = []
    measure = options.measure if options.measure in MEASURE_WORDS else "OR"
    method = options.method or ""
    model = "fixed" if method in FIXED_METHODS else "random"
    if method == "PETO":
        notes.append("a Peto odds ratio is not a network model: the network's odds ratio is shown")
    if options.hksj:
        notes.append("the Hartung-Knapp adjustment is not applied to a network")
    return measure, model, tuple(notes)


def fit_network(kb: KnowledgeBase, data: NetworkData, measure: str = "OR", model: str = "random",
                keep: Iterable[Node] = (), notes: tuple[str, ...] = ()) -> NetworkFit:
    """Fit the part of the network that holds ``keep`` (placebo when nothing is named). Kept in the knowledge
    base's memo per network, measure, model, connected part and notes; the fit holds its network, so the
    network's id in the key cannot be reused while the entry lasts."""
    wanted = [n for n in keep if n in data.nodes] or [PLACEBO_NODE]
    component = _component(data, wanted[0])
    return kb.cached(("fit", id(data), measure, model, component, notes),
                     lambda: _fit_network(kb, data, measure, model, component, notes))


def _fit_network(kb: KnowledgeBase, data: NetworkData, measure: str, model: str, component: frozenset[str],
                 notes: tuple[str, ...]) -> NetworkFit:
    labels = MappingProxyType({n: n.label(kb) for n in data.nodes})
    left_out = tuple((trial, "not connected to the regimens asked about")
                     for trial in dict.fromkeys(a.trial for a in data.arms if a.trial_id not in component))
    arms = [a for a in data.arms if a.trial_id in component]
    if len({a.node for a in arms}) < 2:
        return NetworkFit(data, measure, model, None, labels, left_out, "no trial of these regimens has counts "
                          "for this outcome", notes)
    study = [a.trial_id for a in arms]
    try:
        result = network_meta_analysis(study, [labels[a.node] for a in arms], [a.events for a in arms],
                                       [a.n for a in arms], measure=measure, model=model,
                                       reference=labels[PLACEBO_NODE] if any(a.node.is_placebo for a in arms)
                                       else None)
    except DisconnectedNetwork as exc:  # the component search above should make this impossible
        return NetworkFit(data, measure, model, None, labels, left_out, f"the network is not connected ({exc})", notes)
    except (ValueError, ArithmeticError) as exc:  # never a crash: the answer says no network could be fitted
        return NetworkFit(data, measure, model, None, labels, left_out, f"the network could not be fitted ({exc})",
                          notes)
    names = {a.trial_id: a.trial for a in arms}
    dropped = tuple((names.get(s, s), "no events in any arm (or events in every participant)")
                    for s in result.excluded)
    return NetworkFit(data, measure, model, result, labels, left_out + dropped, "", notes)


def _component(data: NetworkData, node: Node) -> frozenset[str]:
    """Trial ids connected to ``node`` through shared regimens."""
    return data.component(node)


def connected(data: NetworkData, a: Node, b: Node) -> bool:
    return data.connected(a, b)


def difference_p(a: NetworkEstimate, b: NetworkEstimate) -> float:
    """Two-sided p of the difference between two estimates from independent sets of trials (z test on the
    model scale)."""
    z = (a.log_estimate - b.log_estimate) / math.sqrt(a.se ** 2 + b.se ** 2)
    return math.erfc(abs(z) / math.sqrt(2))
