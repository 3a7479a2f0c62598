"""Regimens as the nodes of a network: what a prescriber chooses (upadacitinib 15 mg daily, dupilumab 300 mg
every 2 weeks), built from arms.csv. Placebo is one node.

Grouping rules (docs/network_validation.md repeats them for readers):
- A node is (drug, maintenance dose, interval). A loading dose does not make another node: every held arm of a
  regimen used the label loading dose (dupilumab 600 mg, tralokinumab 600 mg, lebrikizumab 500 mg twice) or
  none, so "300 mg every 2 weeks (600 mg loading)" is the node "300 mg every 2 weeks".
- A weight-tiered arm (doses by body weight, one interval: "200/300 mg every 2 weeks" in adolescents) joins the
  drug's licensed fixed dose at the same interval when that dose is one of its tiers (dupilumab 300 mg every 2
  weeks: heavier adolescents get exactly that), because it is the label regimen the tiers put into practice; the
  trial list marks such arms "weight-tiered". Otherwise ("100/200 mg every 2 weeks" in children, no tier of 300
  mg) it is a node of its own ("weight-tiered every 2 weeks"), never labelled as a dose nobody in it had.
- An arm whose dose or interval was not recorded, that combines two regimens ("300 mg qw or q2w"), or whose
  dose was escalated on response ("15 mg, escalated to 30 mg") is no regimen a prescriber can choose: it is
  left out of the network, and its trial is named with that reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.records import Arm, KnowledgeBase

PLACEBO = "placebo"
_INTERVAL_WORDS = {1: "every week", 2: "every 2 weeks", 4: "every 4 weeks", 8: "every 8 weeks"}


@dataclass(frozen=True)
class Node:
    """One regimen of the network. ``dose_mg`` None with ``drug`` set means weight-tiered doses."""

    drug: str
    dose_mg: float | None = None
    interval_weeks: int | None = None  # None for a daily oral drug (and placebo)

    @property
    def sort_key(self) -> tuple:
        """Drug, then fixed doses from the lowest (weight-tiered last), then interval."""
        return (self.drug, self.dose_mg is None, self.dose_mg or 0.0, self.interval_weeks or 0)

    @property
    def is_placebo(self) -> bool:
        return self.drug == PLACEBO

    @property
    def regimen(self) -> str:
        """'15 mg', '300 mg every 2 weeks', 'weight-tiered every 4 weeks'; '' for placebo."""
        if self.is_placebo:
            return ""
        dose = f"{self.dose_mg:g} mg" if self.dose_mg is not None else "weight-tiered"
        interval = _INTERVAL_WORDS.get(self.interval_weeks, f"every {self.interval_weeks} weeks") \
            if self.interval_weeks else ""
        return " ".join(p for p in (dose, interval) if p)

    def label(self, kb: KnowledgeBase) -> str:
        """'upadacitinib 15 mg', 'dupilumab 300 mg every 2 weeks', 'placebo': also the engine's treatment name."""
        if self.is_placebo:
            return PLACEBO
        return f"{kb.drug_label(self.drug)} {self.regimen}"


PLACEBO_NODE = Node(PLACEBO)


@dataclass(frozen=True)
class Placement:
    """Where one arm goes: its node, or why it has none; ``grouped`` when a weight-tiered arm joined a
    fixed-dose node."""

    arm: Arm
    node: Node | None
    reason: str = ""
    grouped: bool = False


def _oral(arm: Arm) -> bool:
    return arm.route == "oral"


def licensed_fixed_dose(kb: KnowledgeBase, drug: str, interval_weeks: int | None) -> float | None:
    """The drug's licensed fixed dose at one interval, when the arms hold exactly one (dupilumab every 2 weeks:
    300 mg); None otherwise."""
    def find() -> float | None:
        doses = {a.dose_mg for a in kb.arms_of_drug(drug) if a.licensed == "yes" and a.dose_mg is not None
                 and a.interval_weeks == interval_weeks}
        return doses.pop() if len(doses) == 1 else None

    return kb.cached(("licensed_fixed_dose", drug, interval_weeks), find)


def place(kb: KnowledgeBase, arm: Arm) -> Placement:
    """The node of one arm under the grouping rules above."""
    if arm.role == "placebo" or arm.drug == PLACEBO:
        return Placement(arm, PLACEBO_NODE)
    text = arm.regimen.lower()
    if "escalat" in text:
        return Placement(arm, None, "its dose was escalated on response, so it is no fixed regimen")
    if arm.dose_mg is not None and (arm.interval_weeks is not None or _oral(arm)):
        return Placement(arm, Node(arm.drug, arm.dose_mg, arm.interval_weeks))
    if arm.dose_mg is None and arm.interval_weeks is not None and "weight" in text:
        fixed = licensed_fixed_dose(kb, arm.drug, arm.interval_weeks)
        if fixed is not None and fixed in tiers(arm.regimen):
            return Placement(arm, Node(arm.drug, fixed, arm.interval_weeks), grouped=True)
        return Placement(arm, Node(arm.drug, None, arm.interval_weeks))
    if arm.dose_mg is not None:
        return Placement(arm, None, "its arms of two intervals were combined, so it is no single regimen")
    return Placement(arm, None, "its dose was not recorded")


def tiers(regimen: str) -> tuple[float, ...]:
    """The doses of a weight-tiered regimen as arms.csv writes them: '200/300 mg q2w' -> (200, 300)."""
    found = re.search(r"(\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)+)\s*mg", regimen)
    return tuple(float(x) for x in re.split(r"\s*/\s*", found.group(1))) if found else ()


def drug_nodes(kb: KnowledgeBase, drug: str) -> tuple[Node, ...]:
    """Every node of one drug that some arm of the knowledge base holds, in dose then interval order."""
    nodes = {p.node for a in kb.arms_of_drug(drug) for p in (place(kb, a),) if p.node is not None}
    return tuple(sorted(nodes, key=lambda n: n.sort_key))


def licensed_nodes(kb: KnowledgeBase, drug: str, age_groups: frozenset[str] | None = None) -> tuple[Node, ...]:
    """The drug's licensed regimens: nodes holding an arm marked licensed (for the trial's age group), in trials
    of the age groups given (every trial when None)."""
    def find() -> tuple[Node, ...]:
        nodes = {p.node for a in kb.arms_of_drug(drug) if a.licensed == "yes"
                 and (age_groups is None or kb.trial(a.trial_id).age_group in age_groups)
                 for p in (place(kb, a),) if p.node is not None}
        return tuple(sorted(nodes, key=lambda n: n.sort_key))

    return kb.cached(("licensed_nodes", drug, age_groups), find)


def matching_nodes(nodes: tuple[Node, ...] | list[Node], drug: str, dose_mg: float | None,
                   interval_weeks: int | None) -> tuple[Node, ...]:
    """Nodes of ``drug`` that fit what a question named: a dose, an interval, both or neither."""
    return tuple(n for n in nodes if n.drug == drug
                 and (dose_mg is None or n.dose_mg == dose_mg)
                 and (interval_weeks is None or n.interval_weeks == interval_weeks))
