"""A summary-of-findings picture for a phone: one row per outcome (benefits, then harms), with the risk on
placebo and on the drug, the relative effect, the trials and people, and the certainty. Drawn with
matplotlib's object-oriented API on a fresh Figure, like the forest plot, and only when asked for."""

from __future__ import annotations

import io
from functools import lru_cache

from bot.answers.overview import Overview
from bot.answers.summary_text import absolute_cells, certainty_cell, relative_cell
from bot.answers.wording import capital, fmt_count, fmt_ratio, synthesis_short

HEADER = ("Outcome", "Placebo", "Drug", "Relative effect (95% CI)", "Evidence", "Certainty")
KIND_COLOUR = {"benefit": "#1e8449", "harm": "#c0392b"}


def sof_png(o: Overview) -> bytes | None:
    if not o.rows:
        return None
    rows = []
    for oa in o.rows:
        lead = oa.lead
        control, treated = absolute_cells(oa) or ("-", "-")  # no rate per 1,000 drawn from a handful of events
        if lead.measure == "RD":
            relative = f"RD {lead.estimate * 100:+.1f} ({lead.ci_low * 100:+.1f} to {lead.ci_high * 100:+.1f})"
        else:
            short = {"RR": "RR", "OR": "OR", "PETO_OR": "Peto OR"}[lead.measure]
            relative = f"{short} {fmt_ratio(lead.estimate)} ({fmt_ratio(lead.ci_low)}-{fmt_ratio(lead.ci_high)})"
        relative = relative_cell(oa, relative)
        if lead is oa.published:
            evidence = synthesis_short(oa.evidence.lead_synthesis)
        else:
            k = len(oa.evidence.tables)
            evidence = f"{k} trial{'s' if k != 1 else ''}, {fmt_count(oa.evidence.participants)}"
        rows.append((oa.outcome.kind, capital(oa.outcome.name), control, treated, relative, evidence,
                     certainty_cell(oa, short=True)))
    return _draw(capital(o.label), tuple(rows))


@lru_cache(maxsize=64)
def _draw(drug: str, rows: tuple[tuple[str, ...], ...]) -> bytes:
    from matplotlib.figure import Figure

    height = 0.95 + 0.3 * (len(rows) + 1)
    fig = Figure(figsize=(7.2, height), dpi=150)
    ax = fig.add_axes((0.01, 0.3 / height, 0.98, 1 - 0.75 / height))
    ax.axis("off")
    table = ax.table(cellText=[r[1:] for r in rows], colLabels=HEADER, loc="upper center", cellLoc="left",
                     colLoc="left", colWidths=(0.2, 0.13, 0.13, 0.26, 0.16, 0.12))
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 1.5)
    for (row, _col), cell in table.get_celld().items():
        cell.set_edgecolor("#dddddd")
        if row == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("#f2f2f2")
    for index, row in enumerate(rows, start=1):
        table[index, 0].get_text().set_color(KIND_COLOUR[row[0]])
    fig.text(0.02, 1 - 0.3 / height, f"{drug} vs placebo: summary of findings", fontsize=10, weight="bold",
             va="top")
    fig.text(0.02, 0.12 / height, "Risks per 100 or 1,000 people (events/people and a risk difference where events "
             "are few); green = benefit, red = harm. Certainty: the source's for a published estimate, else "
             "rule-based (GRADE domains). "
             "Not medical advice.",
             fontsize=5.5, color="#555555")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()

