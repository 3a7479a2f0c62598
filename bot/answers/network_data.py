"""The network of one outcome, from the knowledge base: every trial's arms as regimen nodes with their counts,
under the question's population and filters, and every trial left out with its reason.

Population: the one asked about, else adults and adolescents (trials of adults, of adolescents, and of both);
children's and infants' trials join only when asked for. Background therapy: one network holds trials with and
without topical steroids (their nodes are the same regimens); every answer says how many of each it holds, and
a comparison shows the two apart where they differ (network_evidence). "With topical steroids" or
"monotherapy" in the question keeps only those trials. Counts follow the pairwise rules: one definition within
a trial (the outcome's own where the trial reports it; trials may differ, named in the answer), counts derived
from rounded percentages only where the outcome pools them (efficacy), randomised-withdrawal trials only when
named.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property

from bot.answers.evidence import AGE_GROUP_WORDS, FAMILY_WORDS, age_groups, trial_filter_reason, trial_label
from bot.answers.regimens import Node, place
from bot.understand.options import Options
from knowledge.records import Count, KnowledgeBase, Trial

DEFAULT_POPULATION = "adults_adolescents"
# Which trials' age groups answer a population: adults and adolescents by default.
POPULATION_GROUPS = {
    "adults_adolescents": frozenset({"adults", "adolescents", "adults_adolescents"}),
    "adults": frozenset({"adults", "adults_adolescents"}),
    "adolescents": frozenset({"adolescents", "adults_adolescents"}),
    "children": frozenset({"children"}),
    "infants_preschool": frozenset({"infants_preschool"}),
}


@dataclass(frozen=True)
class NetworkArm:
    """One node of one trial: its arms (one, or several weight tiers of one regimen) and their counts."""

    trial_id: str
    trial: str  # the trial's short name
    node: Node
    events: int
    n: int
    arm_ids: tuple[str, ...]
    counts: tuple[Count, ...]
    grouped: bool  # a weight-tiered arm joined a fixed-dose node

    @property
    def derived(self) -> bool:
        return any(c.derived for c in self.counts)


@dataclass(frozen=True)
class NetworkData:
    outcome_id: str
    population: str  # the population key used (DEFAULT_POPULATION when none was asked)
    population_asked: bool
    background: str | None  # "tcs", "monotherapy" or None for both
    # Definition families of the trials' counts, (family, trials) most used first: within a trial every arm is
    # counted one way (the outcome's own definition where the trial reports it); trials may differ, as in
    # published network meta-analyses, and the answer names the definitions.
    families: tuple[tuple[str, int], ...]
    arms: tuple[NetworkArm, ...]
    excluded: tuple[tuple[str, str], ...]  # (trial, reason)
    trials: tuple[Trial, ...]  # the trials in the network, in knowledge-base order
    # Regimens licensed for this population: nodes holding an arm marked licensed in a trial of the population
    # (whether or not it counted this outcome), so a licensed regimen missing here can be said to be missing.
    licensed: frozenset[Node] = frozenset()
    excluded_populations: tuple[str, ...] = ()  # "excluding adolescents": their trials left out, said

    @cached_property
    def nodes(self) -> tuple[Node, ...]:
        return tuple(sorted({a.node for a in self.arms}, key=lambda n: n.sort_key))

    def arrays(self, labels: dict[Node, str]) -> tuple[list[str], list[str], list[int], list[int]]:
        """The engine's long format: study, treatment (node labels), events, n."""
        return ([a.trial_id for a in self.arms], [labels[a.node] for a in self.arms],
                [a.events for a in self.arms], [a.n for a in self.arms])

    def trials_with(self, *nodes: Node) -> tuple[Trial, ...]:
        """Trials holding an arm of every node given (the direct evidence between two nodes)."""
        held = self._nodes_of_trial
        return tuple(t for t in self.trials if set(nodes) <= held.get(t.trial_id, set()))

    @cached_property
    def _nodes_of_trial(self) -> dict[str, frozenset[Node]]:
        held: dict[str, set[Node]] = {}
        for a in self.arms:
            held.setdefault(a.trial_id, set()).add(a.node)
        return {k: frozenset(v) for k, v in held.items()}

    def restricted(self, background: str) -> NetworkData:
        """The same network with the trials of one background therapy only (made once per network: the same
        object each time, so that its fits are kept with it)."""
        parts = self._parts
        if background not in parts:
            keep = {t.trial_id for t in self.trials if t.background == background}
            parts[background] = replace(self, background=background,
                                        arms=tuple(a for a in self.arms if a.trial_id in keep),
                                        trials=tuple(t for t in self.trials if t.trial_id in keep))
        return parts[background]

    @cached_property
    def _parts(self) -> dict[str, NetworkData]:
        return {}

    def component(self, node: Node) -> frozenset[str]:
        """Trial ids connected to ``node`` through shared regimens (found once per node)."""
        found = self._components.get(node)
        if found is None:
            trials_of, nodes_of = self._trials_of_node, self._nodes_of_trial
            seen_nodes, seen_trials, todo = {node}, set(), [node]
            while todo:
                for trial in trials_of.get(todo.pop(), ()):
                    if trial not in seen_trials:
                        seen_trials.add(trial)
                        for other in nodes_of[trial] - seen_nodes:
                            seen_nodes.add(other)
                            todo.append(other)
            found = self._components[node] = frozenset(seen_trials)
        return found

    def connected(self, a: Node, b: Node) -> bool:
        """Whether some trial of ``b`` is connected to ``a``."""
        trials = self.component(a)
        return any(t in trials for t in self._trials_of_node.get(b, ()))

    @cached_property
    def _components(self) -> dict[Node, frozenset[str]]:
        return {}

    @cached_property
    def _trials_of_node(self) -> dict[Node, tuple[str, ...]]:
        found: dict[Node, dict[str, None]] = {}
        for a in self.arms:
            found.setdefault(a.node, {})[a.trial_id] = None
        return {k: tuple(v) for k, v in found.items()}

    @property
    def placebo_risks(self) -> tuple[tuple[int, int], ...]:
        return tuple((a.events, a.n) for a in self.arms if a.node.is_placebo)


def population_words(data: NetworkData) -> str:
    """'adults and adolescents (default)', 'children', 'adults and adolescents (default), adolescents' trials
    left out as asked'."""
    words = "adults and adolescents" if data.population == DEFAULT_POPULATION else \
        AGE_GROUP_WORDS.get(data.population, data.population)
    words = words if data.population_asked else f"{words} (default)"
    if data.excluded_populations:
        left = " and ".join(AGE_GROUP_WORDS.get(p, p) for p in data.excluded_populations)
        words += f", trials of {left} left out as asked"
    return words


def background_words(data: NetworkData, held: set[str] | None = None) -> str:
    """'trials with and without topical steroids in one network', or the one kind the question asked for, or
    the one kind the trials used (``held``: their background therapies) happen to be."""
    if data.background == "tcs":
        return "trials with topical steroids only"
    if data.background == "monotherapy":
        return "trials without topical steroids only"
    if held == {"tcs"}:
        return "trials, all with topical steroids"
    if held == {"monotherapy"}:
        return "trials, all without topical steroids"
    return "trials with and without topical steroids in one network"


# Options that do not choose trials, so that one network serves every measure, model, baseline and layout.
NOT_FILTERS = {"measure": None, "method": None, "hksj": False, "baseline_risk": None, "per": None, "nnt": False,
               "invalid_baseline": False}


def build_network(kb: KnowledgeBase, outcome_id: str, options: Options, population: str | None) -> NetworkData:
    """Every trial with counts of the outcome, reduced to its regimen nodes; every trial that is not used named.
    Kept in the knowledge base's memo per outcome, filters and population (the same object each time)."""
    filters = replace(options, **NOT_FILTERS)
    return kb.cached(("network", outcome_id, filters, population),
                     lambda: _build_network(kb, outcome_id, filters, population))


def _build_network(kb: KnowledgeBase, outcome_id: str, options: Options, population: str | None) -> NetworkData:
    outcome = kb.outcomes[outcome_id]
    key = population or DEFAULT_POPULATION
    ages = POPULATION_GROUPS.get(key) or frozenset(age_groups(kb, key))  # "kids": the vocabulary's age groups
    counts = {(c.trial_id, c.arm_id): c for c in kb.counts_for(outcome_id)}
    counted = {trial_id for trial_id, _ in counts}
    placements = kb.cached(("placements",), lambda: {(a.trial_id, a.arm_id): place(kb, a) for a in kb.arms})
    licensed = kb.cached(("licensed_in", ages), lambda: frozenset(
        p.node for t in kb.trials if t.age_group in ages for a in kb.arms_of(t.trial_id)
        if a.licensed == "yes" for p in (placements[(a.trial_id, a.arm_id)],) if p.node is not None))
    candidates: list[tuple[Trial, list]] = []
    excluded: list[tuple[str, str]] = []
    for trial in kb.trials:
        if trial.trial_id not in counted:  # no count of this outcome (the check below, without the arms)
            continue
        arms = [(a, counts.get((trial.trial_id, a.arm_id))) for a in kb.arms_of(trial.trial_id)]
        if not any(c for _, c in arms):
            continue
        label = trial_label(trial)
        reason = _trial_reason(trial, options, ages, kb)
        if reason:
            excluded.append((label, reason))
            continue
        candidates.append((trial, arms))
    used: list[NetworkArm] = []
    trials: list[Trial] = []
    families: Counter = Counter()
    for trial, arms in candidates:
        label = trial_label(trial)
        family = _family(outcome.family, [c for _, c in arms if c])
        by_node: dict[Node, list] = {}
        dropped: list[str] = []
        for arm, count in arms:
            placement = placements[(arm.trial_id, arm.arm_id)]
            if count is None:
                continue
            if placement.node is None:
                dropped.append(f"{arm.regimen}: {placement.reason}")
            elif (count.definition_family or "unstated") != family:
                dropped.append(f"{arm.regimen}: counted under another definition")
            elif count.derived and not outcome.pool_derived:
                dropped.append(f"{arm.regimen}: count only derivable from a rounded percentage")
            else:
                by_node.setdefault(placement.node, []).append((arm, count, placement.grouped))
        if len(by_node) < 2:
            why = "; ".join(dropped) if dropped else "counts for one arm only"
            excluded.append((label, f"fewer than two regimens with counts ({why})"))
            continue
        trials.append(trial)
        families[family] += 1
        for node, items in by_node.items():
            used.append(NetworkArm(trial.trial_id, label, node, sum(c.events for _, c, _ in items),
                                   sum(c.n for _, c, _ in items), tuple(a.arm_id for a, _, _ in items),
                                   tuple(c for _, c, _ in items), any(g for _, _, g in items)))
        excluded.extend((label, f"arm left out: {why}") for why in dropped)
    return NetworkData(outcome_id, key, population is not None, options.background, tuple(families.most_common()),
                       tuple(used), tuple(excluded), tuple(trials), licensed, tuple(options.exclude_populations))


def _trial_reason(trial: Trial, options: Options, ages: frozenset[str], kb: KnowledgeBase) -> str:
    return trial_filter_reason(trial, options, trial.age_group in ages, "the drug", kb) or ""


def _family(preferred: str, counts: list[Count]) -> str:
    """One trial's definition family: the outcome's own when some arm is counted that way, else the one most of
    its arms use (ties: alphabetical, so the choice is stable)."""
    families = Counter(c.definition_family or "unstated" for c in counts)
    if preferred in families:
        return preferred
    return max(sorted(families), key=lambda f: families[f])


def family_words(family: str) -> str:
    return FAMILY_WORDS.get(family, family)
