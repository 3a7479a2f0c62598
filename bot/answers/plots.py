"""Pictures for phones: a forest plot and an icon array, as PNG bytes.

matplotlib is imported here only, on first use, so answering in text never pays for it. Figures are drawn
with the object-oriented API on a fresh Figure (no pyplot state), which keeps this safe to call from
several threads. Results are cached per analysis: the same numbers give the same bytes.
"""

from __future__ import annotations

import io
import math
import textwrap
from functools import lru_cache

from bot.answers.compose import OutcomeAnswer
from bot.answers.wording import MEASURE_NAMES, METHOD_NAMES, choose_per, fmt_ratio, synthesis_short

DRUG_COLOUR = "#1f6fb4"
PLACEBO_COLOUR = "#9a9a9a"
POOLED_COLOUR = "#b4421f"
EVENT_COLOUR = "#c0392b"  # a harm: people coloured red had the event
BENEFIT_COLOUR = "#1e8449"  # a benefit: people coloured green reached the response
_RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def forest_png(oa: OutcomeAnswer) -> bytes | None:
    """Forest plot of our pooling (one row per trial, pooled diamond, prediction interval)."""
    if oa.pooled is None or not oa.pooled.defined:
        return None
    # each trial's own figure is the one the pooling method gives for it alone (as in the Trials section)
    own = oa.trial_estimates or tuple((s.estimate, s.ci_low, s.ci_high) if s.estimate is not None else None
                                      for s in oa.pooled.studies)
    rows = tuple(
        (t.label, t.ai, t.n1i, t.ci, t.n2i, *(e if e is not None else (None, None, None)), w)
        for t, e, w in zip(oa.evidence.tables, own, oa.pooled.weights, strict=True)
    )
    p = oa.pooled
    published = None
    if oa.published is not None and oa.published.measure != "RD":
        label = synthesis_short(oa.evidence.lead_synthesis) + " (published)"
        published = (oa.published.estimate, oa.published.ci_low, oa.published.ci_high, label)
    sides = (oa.evidence.intervention_label, oa.evidence.comparator_label, oa.outcome.is_benefit)
    return _forest(rows, oa.measure, oa.method, (p.estimate, p.ci_low, p.ci_high),
                   (p.pi_low, p.pi_high) if p.pi_low is not None else None, oa.outcome.plural, published, sides)


@lru_cache(maxsize=256)
def _forest(rows, measure, method, pooled, prediction, outcome, published,
            sides=("dupilumab", "placebo", False)) -> bytes:
    """``sides``: (intervention, comparator, benefit); for a benefit a ratio above 1 favours the intervention."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
    from matplotlib.transforms import blended_transform_factory

    ratio = measure != "RD"
    n = len(rows)
    extra = 1 + (prediction is not None) + (published is not None)
    height = 1.5 + 0.42 * (n + extra + 1)
    fig = Figure(figsize=(7.2, height), dpi=150)
    ax = fig.add_axes((0.40, 0.85 / height, 0.36, 1 - 1.35 / height))
    if ratio:
        ax.set_xscale("log")
    # Row labels sit in figure x-coordinates but on the axes' rows, so they line up at any height.
    blend = blended_transform_factory(fig.transFigure, ax.transData)

    def row_text(x: float, y: float, text: str, **style) -> None:
        fig.text(x, y, text, transform=blend, **style)

    y_positions = list(range(n + extra, extra, -1))
    finite = [v for r in rows for v in (r[6], r[7]) if v is not None and v > 0 and math.isfinite(v)]
    finite += [pooled[1], pooled[2]]
    for (label, ai, n1i, ci, n2i, est, lo, hi, weight), y in zip(rows, y_positions, strict=True):
        row_text(0.02, y, label, fontsize=9, va="center")
        row_text(0.22, y, f"{ai}/{n1i}", fontsize=8, va="center", color=DRUG_COLOUR)
        row_text(0.31, y, f"{ci}/{n2i}", fontsize=8, va="center", color=PLACEBO_COLOUR)
        if est is not None:
            ax.plot([lo, hi], [y, y], color="black", linewidth=1)
            ax.plot([est], [y], marker="s", color="black", markersize=3 + 9 * math.sqrt(weight / 100))
        text = (f"{fmt_ratio(est)} ({fmt_ratio(lo)}–{fmt_ratio(hi)})  {weight:.0f}%" if est is not None and ratio
                else (f"{est * 100:+.1f} ({lo * 100:+.1f}–{hi * 100:+.1f})  {weight:.0f}%" if est is not None
                      else "no marker: " + no_marker_reason(ai, n1i, ci, n2i)))  # fits the column at 8 pt
        row_text(0.77, y, text, fontsize=8, va="center")
    y = extra
    est, lo, hi = pooled
    ax.fill([lo, est, hi, est], [y, y + 0.3, y, y - 0.3], color=POOLED_COLOUR)
    row_text(0.02, y, f"Pooled ({method})", fontsize=9, va="center", weight="bold")
    row_text(0.77, y, _interval(est, lo, hi, ratio), fontsize=8, va="center", weight="bold")
    if prediction is not None:
        y -= 1
        ax.plot(list(prediction), [y, y], color=POOLED_COLOUR, linewidth=2, linestyle=(0, (2, 1)))
        row_text(0.02, y, "95% prediction interval", fontsize=8, va="center")
        finite += [v for v in prediction if v and v > 0 and math.isfinite(v)]
    if published is not None:
        y -= 1
        pe, pl, ph, label = published
        ax.plot([pl, ph], [y, y], color="#444444", linewidth=1.5)
        ax.plot([pe], [y], marker="D", color="#444444", markersize=5)
        row_text(0.02, y, label, fontsize=8, va="center")
        row_text(0.77, y, _interval(pe, pl, ph, ratio), fontsize=8, va="center")
        finite += [pl, ph]
    null = 1.0 if ratio else 0.0
    ax.axvline(null, color="#555555", linewidth=0.8)
    if ratio:
        low, high = min([*finite, null]), max([*finite, null])
        ax.set_xlim(low / 1.3, high * 1.3)
        ticks = [t for t in _RATIO_TICKS if low / 1.3 <= t <= high * 1.3]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
    header = n + extra + 1
    ax.set_ylim(0.3, header + 0.6)
    drug, comparator, benefit = sides
    row_text(0.22, header, drug[:13], fontsize=7, color=DRUG_COLOUR, va="center", weight="bold")
    row_text(0.31, header, comparator[:13], fontsize=7, color=PLACEBO_COLOUR, va="center", weight="bold")
    row_text(0.77, header, f"{measure} (95% CI)  weight", fontsize=7, va="center", weight="bold")
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=7)
    left, right = (comparator, drug) if benefit else (drug, comparator)
    ax.set_xlabel(f"← favours {left}   {MEASURE_NAMES[measure]}   favours {right} →", fontsize=8)
    fig.text(0.02, 1 - 0.3 / height, f"{drug[:1].upper() + drug[1:]} vs {comparator}: {outcome}", fontsize=10,
             weight="bold", va="top")
    footnote = textwrap.fill(f"{METHOD_NAMES[method]}; events/total per arm." + forest_note(rows, method), 135)
    fig.text(0.02, 0.06 / height, footnote, fontsize=6, color="#555555", va="bottom")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def no_marker_reason(ai: int, n1i: int, ci: int, n2i: int) -> str:
    """Why a trial has no estimate of its own, in words (its counts are printed beside it)."""
    if ai + ci == 0:
        return "no events"
    if ai == n1i and ci == n2i:
        return "all had it"
    return "0 in one arm" if 0 in (ai, ci) else "not estimable"


def forest_note(rows: tuple, method: str) -> str:
    """A footnote for trials without a marker: under Mantel-Haenszel their events still enter the pooled ratio
    (so the diamond can sit away from the trials that have markers); a trial with no events at all adds nothing."""
    blank = [r for r in rows if r[5] is None]
    if not blank:
        return ""
    names = ", ".join(r[0] for r in blank[:3]) + (", …" if len(blank) > 3 else "")
    counted = method == "MH" and any(r[1] + r[3] for r in blank)
    return (f" {names}: no ratio of their own (counts shown)"
            + ("; their events still count in the pooled Mantel-Haenszel ratio." if counted else "."))


def colour_of_events(benefit: bool) -> str:
    return BENEFIT_COLOUR if benefit else EVENT_COLOUR


def _interval(est: float, lo: float, hi: float, ratio: bool) -> str:
    if ratio:
        return f"{fmt_ratio(est)} ({fmt_ratio(lo)}–{fmt_ratio(hi)})"
    return f"{est * 100:+.1f} ({lo * 100:+.1f}–{hi * 100:+.1f}) per 100"


def icon_array_png(oa: OutcomeAnswer) -> bytes | None:
    """Two grids of 100 (or 1000) people, comparator beside intervention, for the absolute effect; events are
    red for a harm and green for a benefit, so colour never suggests the opposite of what happened."""
    a = oa.absolute
    if a is None:
        return None
    per = choose_per(a, oa.per)
    control = round(a.control_per_1000 * per / 1000)
    treated = round(a.treatment_per_1000 * per / 1000)
    ev = oa.evidence
    return _icons(per, control, treated, f"People who {oa.outcome.had}", ev.intervention_label,
                  ev.comparator_label, oa.outcome.is_benefit)


@lru_cache(maxsize=256)
def _icons(per: int, control: int, treated: int, who: str, drug: str = "dupilumab",
           comparator: str = "placebo", benefit: bool = False) -> bytes:
    from matplotlib.figure import Figure

    columns = 10 if per == 100 else 40
    rows = per // columns
    fig = Figure(figsize=(7.2, 4.2 if per == 100 else 3.4), dpi=150)
    for index, (title, events, colour) in enumerate(
        ((f"{comparator[:1].upper() + comparator[1:]}: {control} in {per:,}", control, colour_of_events(benefit)),
         (f"{drug[:1].upper() + drug[1:]}: {treated} in {per:,}", treated, colour_of_events(benefit)))
    ):
        ax = fig.add_axes((0.04 + index * 0.5, 0.1, 0.42, 0.7))
        xs = [i % columns for i in range(per)]
        ys = [rows - 1 - i // columns for i in range(per)]
        colours = [colour if i < events else "#e3e3e3" for i in range(per)]
        ax.scatter(xs, ys, c=colours, s=60 if per == 100 else 6, marker="o")
        ax.set_xlim(-1, columns)
        ax.set_ylim(-1, rows)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=10)
    fig.text(0.04, 0.94, f"{who[:60]} (coloured), out of {per:,}", fontsize=11, weight="bold")
    fig.text(0.04, 0.02, "Illustration of the best estimate; see the reply for its 95% CI.", fontsize=7,
             color="#555555")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
