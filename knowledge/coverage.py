"""The coverage table of CURATION.md, generated (`evidence-bot kb coverage --obtained`): for each drug and
outcome, how many trials hold counts for the drug's arms, by how the least exact of those counts was obtained.
"""

from __future__ import annotations

from .records import KnowledgeBase

# least exact last: a trial is filed under the least exact way any of its counts for the cell was obtained
ORDER = ("read", "exact_sum", "from_percentage", "imputed", "term_sum")
LETTER = {"read": "R", "exact_sum": "S", "from_percentage": "P", "imputed": "I", "term_sum": "T"}
LEGEND = ("Cells: trials with counts for the drug's arms (and a comparator arm), by how the least exact count "
          "was obtained: R read as printed, S exact sum of printed counts (e.g. adult + adolescent groups), "
          "P from a printed percentage of a known n, I from a percentage no whole count reproduces "
          "(model-based; pooled for efficacy only), T sum of registry terms (an upper bound; never pooled); "
          "'+n so' = trials whose counts are serious cases only (never pooled with all cases); - = none.")


def cell(kb: KnowledgeBase, drug: str, outcome_id: str) -> str:
    outcome = kb.outcomes[outcome_id]
    by_trial: dict[str, list] = {}
    for c in kb.counts_for(outcome_id):
        by_trial.setdefault(c.trial_id, []).append(c)
    tally: dict[str, int] = {}
    serious_only = 0
    for counts in by_trial.values():
        mine = [c for c in counts if c.drug == drug]
        others = [c for c in counts if c.drug != drug]
        if not mine or not others:
            continue
        if all(outcome.serious_only(c.definition_family) for c in mine):
            serious_only += 1
            continue
        worst = max((c.obtained for c in mine + others), key=ORDER.index)
        tally[worst] = tally.get(worst, 0) + 1
    total = sum(tally.values())
    if not total and not serious_only:
        return "-"
    parts = " ".join(f"{LETTER[o]}{tally[o]}" for o in ORDER if tally.get(o))
    text = f"{total} ({parts})" if total else "0"
    return text + (f" +{serious_only} so" if serious_only else "")


def obtained_table(kb: KnowledgeBase) -> str:
    """Markdown: one row per covered drug, one column per outcome held as counts."""
    outcomes = [o for o in kb.outcomes.values() if not o.is_continuous and kb.counts_for(o.id)]
    header = "| drug | " + " | ".join(o.id for o in outcomes) + " |"
    rule = "|---|" + "---|" * len(outcomes)
    rows = [f"| {kb.drug_label(d)} | " + " | ".join(cell(kb, d, o.id) for o in outcomes) + " |"
            for d in kb.covered_drugs]
    totals: dict[str, int] = {}
    for c in kb.counts:
        totals[c.obtained] = totals.get(c.obtained, 0) + 1
    summary = ", ".join(f"{totals[o]} {o}" for o in ORDER if totals.get(o))
    return "\n".join([f"Knowledge base {kb.version}: {len(kb.counts)} counts ({summary}).", "", header, rule, *rows,
                      "", LEGEND])
