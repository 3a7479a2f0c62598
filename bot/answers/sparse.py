"""Sparse evidence: when a ratio rests on a handful of events, the counts are the message.

With fewer than 10 events in all, or fewer than 3 on one side, a risk ratio or odds ratio is decided by one or
two events (the lebrikizumab eczema-herpeticum 'Peto OR 0.05' came from 0 against 2), its interval can span two
orders of magnitude, and a rate per 1,000 with a decimal claims a precision no one observed. Such an answer
leads with the counts and the risk difference, which stay defined with zero cells; the ratio, where estimable,
is kept for the detail. Pure functions: which comparisons are sparse, and the numbers the wording uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SPARSE_TOTAL = 10  # fewer events than this in all the trials together
SPARSE_SIDE = 3  # or fewer than this on one side (none, one or two)
WIDE_RATIO = 100.0  # an interval whose upper end is this many times its lower end spans two orders of magnitude


@dataclass(frozen=True)
class Counts:
    """Events and people on each side, summed over the trials (a count, not an estimate)."""

    events: int
    total: int
    control_events: int
    control_total: int
    trials: int

    @property
    def all_events(self) -> int:
        return self.events + self.control_events


def counts(tables: Sequence) -> Counts:
    return Counts(sum(t.ai for t in tables), sum(t.n1i for t in tables), sum(t.ci for t in tables),
                  sum(t.n2i for t in tables), len(tables))


def is_sparse(tables: Sequence) -> bool:
    if not tables:
        return False
    c = counts(tables)
    return sparse_counts(c.events, c.control_events)


def wide(low: float | None, high: float | None) -> bool:
    """A ratio interval spanning two orders of magnitude (or open-ended): never shown without its counts."""
    if low is None or high is None or low <= 0:
        return True
    return high / low >= WIDE_RATIO


def node_counts(arms: Sequence, node) -> tuple[int, int]:
    """Events and people on one regimen across the network's arms (any objects with node, events and n)."""
    mine = [a for a in arms if a.node == node]
    return sum(a.events for a in mine), sum(a.n for a in mine)


def with_common(arms: Sequence, node, common) -> Counts:
    """A regimen against the common comparator in the trials that randomised both: its events and people, and
    the comparator's, summed over those trials."""
    trials = {a.trial_id for a in arms if a.node == node} & {a.trial_id for a in arms if a.node == common}
    here = [a for a in arms if a.trial_id in trials]
    mine, theirs = [a for a in here if a.node == node], [a for a in here if a.node == common]
    return Counts(sum(a.events for a in mine), sum(a.n for a in mine), sum(a.events for a in theirs),
                  sum(a.n for a in theirs), len(trials))


def sparse_counts(events: int, control_events: int) -> bool:
    return events + control_events < SPARSE_TOTAL or min(events, control_events) < SPARSE_SIDE
