"""Pictures for phones: a forest plot and an icon array, as PNG bytes, each one standing alone (issue 22): its
title, who and when, the source of its lead estimate and the data version are on it, laid out at a phone's width
by bot/answers/picture_kit.py so that no label collides with another.

The forest plot gives the estimate that leads the answer the largest mark: a published meta-analysis when it
leads (our pooling of the trials held is then drawn smaller, as secondary), else our pooling (a published
estimate beside it drawn smaller). matplotlib is imported on first use only, so answering in text never pays
for it; figures are drawn with the object-oriented API on a fresh Figure (no pyplot state), safe from several
threads. Results are cached per analysis: the same numbers give the same bytes.
"""

from __future__ import annotations

import math
from functools import lru_cache

from bot.answers.bottom_line import baseline_weeks, people_words
from bot.answers.compose import OutcomeAnswer
from bot.answers.picture_kit import GREY, MARGIN, MIN_FONT, Item, Page, data_line, png, text_size, wrap
from bot.answers.wording import (
    METHOD_NAMES,
    capital,
    choose_per,
    fmt_count,
    fmt_ratio,
    kind_words,
    per_value,
    synthesis_short,
)

DRUG_COLOUR = "#1f6fb4"
PLACEBO_COLOUR = "#767676"
POOLED_COLOUR = "#b4421f"
SECONDARY_COLOUR = "#8c8c8c"
EVENT_COLOUR = "#c0392b"  # a harm: people coloured red had the event
BENEFIT_COLOUR = "#1e8449"  # a benefit: people coloured green reached the response
_RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
ROW = 13.0  # points a forest-plot row
ROW_FONT = 7.5
MIN_AXES = 100.0  # points of plot a forest plot keeps at a phone's width


def short_source(s) -> str:
    """'Fleming 2018': a published source in a picture's narrow column."""
    return synthesis_short(s).replace(" et al.", "")


def trials_weeks(oa: OutcomeAnswer) -> str:
    weeks = sorted({t.followup_weeks for t in oa.evidence.tables if t.followup_weeks})
    if not weeks:
        return ""
    return f"trials of {weeks[0]} weeks" if len(weeks) == 1 else f"trials of {weeks[0]} to {weeks[-1]} weeks"


def forest_png(oa: OutcomeAnswer, data: str = "") -> bytes | None:
    """Forest plot of the trials pooled (one row per trial), with the lead estimate largest."""
    inputs = forest_inputs(oa, data)
    return None if inputs is None else _forest(*inputs)


def forest_inputs(oa: OutcomeAnswer, data: str = "") -> tuple | None:
    """What the forest plot of an answer draws (forest_figure's arguments), or None with nothing pooled."""
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
    s = oa.evidence.lead_synthesis
    if oa.published is not None and oa.published.measure != "RD":
        published = (oa.published.estimate, oa.published.ci_low, oa.published.ci_high, short_source(s))
    leads = "published" if published is not None and oa.lead is oa.published else "ours"
    sides = (oa.evidence.intervention_label, oa.evidence.comparator_label, oa.outcome.is_benefit)
    who = people_words(oa)
    when = trials_weeks(oa)
    k = len(oa.evidence.tables)
    if leads == "published":
        lead_words = (f"Leads: {synthesis_short(s)}, published {kind_words(s)}"
                      + (f" of {s.k} trials" if s.k else "") + " (large diamond); our pooling of the "
                      f"{k} trial{'s' if k != 1 else ''} held below it, smaller.")
    else:
        lead_words = (f"Leads: our pooling of {k} trial{'s' if k != 1 else ''} ({fmt_count(oa.evidence.participants)}"
                      " people; large diamond)" + (f"; {short_source(s)} (published) smaller." if published else "."))
    context = (f"{'; '.join(x for x in (who, when) if x)}.", lead_words)
    return (rows, oa.measure, oa.method, (p.estimate, p.ci_low, p.ci_high),
            (p.pi_low, p.pi_high) if p.pi_low is not None else None, oa.outcome.plural, published, sides, leads,
            context, data)


@lru_cache(maxsize=256)
def _forest(rows, measure, method, pooled, prediction, outcome, published,
            sides=("dupilumab", "placebo", False), leads="ours", context=("", ""), data="") -> bytes:
    return png(forest_figure(rows, measure, method, pooled, prediction, outcome, published, sides, leads, context,
                             data))


def forest_figure(rows, measure, method, pooled, prediction, outcome, published,
                  sides=("dupilumab", "placebo", False), leads="ours", context=("", ""), data=""):
    """``sides``: (intervention, comparator, benefit); for a benefit a ratio above 1 favours the intervention.
    ``leads``: "published" or "ours", the estimate drawn largest."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
    from matplotlib.transforms import blended_transform_factory

    ratio = measure != "RD"
    drug, comparator, benefit = sides
    page = Page()
    page.paragraph(f"{capital(drug)} vs {comparator}: {outcome}", size=10, weight="bold")
    for text in context:
        if text:
            page.paragraph(text, size=8)
    page.space(2)

    def interval(est, lo, hi) -> str:
        return (f"{fmt_ratio(est)} ({fmt_ratio(lo)}–{fmt_ratio(hi)})" if ratio
                else f"{est * 100:+.1f} ({lo * 100:+.1f}–{hi * 100:+.1f})")

    summary = []  # (label, (est, lo, hi), text, style): the pooled rows under the trials
    ours_label = "Ours" if leads == "published" else f"Pooled ({method})"
    summary.append(("ours", ours_label, pooled, interval(*pooled)))
    if prediction is not None:
        summary.append(("prediction", "Prediction interval", (None, *prediction), ""))
    if published is not None:  # named in the line above the plot; a short label keeps the plot wide
        pe, pl, ph, _ = published
        summary.append(("published", "Published", (pe, pl, ph), interval(pe, pl, ph)))
    gap = 5.0
    # the widest layout whose plot keeps MIN_AXES points: row text at 7.5 points with each trial's weight, else
    # at 7, else without the weight (the marker's size still shows it), else with the two arms' columns headed
    # A and B and the drugs named in a line above (a long drug name then never widens its column)
    for font, weights, heads in ((ROW_FONT, True, (drug, comparator)), (MIN_FONT, True, (drug, comparator)),
                                 (MIN_FONT, False, (drug, comparator)), (MIN_FONT, False, ("A", "B"))):
        trial_texts = [(f"{interval(est, lo, hi)} {weight:.0f}%" if weights else interval(est, lo, hi))
                       if est is not None else no_marker_reason(ai, n1i, ci, n2i)
                       for (_, ai, n1i, ci, n2i, est, lo, hi, weight) in rows]
        right = trial_texts + [x[3] for x in summary] + [f"{measure} (95% CI)" + (", weight" if weights else "")]
        w_label = max([text_size(r[0], font)[0] for r in rows]
                      + [text_size(x[1], font, "bold")[0] for x in summary]) + gap
        w_drug = max([text_size(f"{r[1]}/{r[2]}", font)[0] for r in rows]
                     + [text_size(heads[0], MIN_FONT, "bold")[0]]) + gap
        w_comp = max([text_size(f"{r[3]}/{r[4]}", font)[0] for r in rows]
                     + [text_size(heads[1], MIN_FONT, "bold")[0]]) + gap
        w_right = max(text_size(t, font, "bold")[0] for t in right) + gap
        x_label = MARGIN
        x_drug = x_label + w_label
        x_comp = x_drug + w_drug
        x_axes = x_comp + w_comp
        x_right = page.width - MARGIN - w_right + gap
        if x_right - gap - x_axes >= MIN_AXES:
            break
    if heads == ("A", "B"):
        page.paragraph(f"Events/people: A, {drug}; B, {comparator}.", size=MIN_FONT, color=GREY)
    n = len(rows) + len(summary)
    header_y = page.y
    page.space(ROW)
    band = page.band(n * ROW, x_axes, x_right - gap)
    page.space(34)  # ticks and the 'favours' words
    footnote = f"{METHOD_NAMES[method]}; events/people per arm." + forest_note(rows, method)
    page.paragraph(footnote, size=MIN_FONT, color=GREY, gap=0)
    page.footer(data_line(data))
    fig, to_axes = page.figure()
    height = page.y + 8.0
    ax = to_axes(band)
    if ratio:
        ax.set_xscale("log")
    blend = blended_transform_factory(fig.transFigure, ax.transData)

    def row_text(x: float, y: float, text: str, **style) -> None:
        fig.text(x / page.width, y, text, transform=blend, va="center", **style)

    header = 1 - (header_y + ROW / 2) / height
    for x, text, colour in ((x_drug, heads[0], DRUG_COLOUR), (x_comp, heads[1], PLACEBO_COLOUR)):
        fig.text(x / page.width, header, text, fontsize=MIN_FONT, color=colour, weight="bold", va="center")
    fig.text(x_right / page.width, header, right[-1], fontsize=MIN_FONT, weight="bold", va="center")
    ys = list(range(n, 0, -1))
    finite = [v for r in rows for v in (r[6], r[7]) if v is not None and v > 0 and math.isfinite(v)]
    for (label, ai, n1i, ci, n2i, est, lo, hi, weight), y, text in zip(rows, ys, trial_texts, strict=False):
        row_text(x_label, y, label, fontsize=font)
        row_text(x_drug, y, f"{ai}/{n1i}", fontsize=font, color=DRUG_COLOUR)
        row_text(x_comp, y, f"{ci}/{n2i}", fontsize=font, color=PLACEBO_COLOUR)
        if est is not None:
            ax.plot([lo, hi], [y, y], color="black", linewidth=0.8)
            ax.plot([est], [y], marker="s", color="black", markersize=2 + 6 * math.sqrt(weight / 100))
        row_text(x_right, y, text, fontsize=font)
    for (kind, label, (est, lo, hi), text), y in zip(summary, ys[len(rows):], strict=True):
        big = (kind == "ours" and leads == "ours") or (kind == "published" and leads == "published")
        colour = POOLED_COLOUR if big else SECONDARY_COLOUR
        if kind == "prediction":
            ax.plot([lo, hi], [y, y], color=POOLED_COLOUR, linewidth=1.5, linestyle=(0, (2, 1)))
            row_text(x_label, y, label, fontsize=MIN_FONT)
        else:
            half = 0.38 if big else 0.2
            ax.fill([lo, est, hi, est], [y, y + half, y, y - half], color=colour, zorder=3 if big else 2)
            row_text(x_label, y, label, fontsize=font, weight="bold" if big else "normal",
                     color="black" if big else GREY)
            row_text(x_right, y, text, fontsize=font, weight="bold" if big else "normal",
                     color="black" if big else GREY)
        finite += [v for v in (lo, hi) if v is not None and v > 0 and math.isfinite(v)]
    null = 1.0 if ratio else 0.0
    ax.axvline(null, color="#555555", linewidth=0.8)
    if ratio:
        low, high = min([*finite, null]), max([*finite, null])
        ax.set_xlim(low / 1.3, high * 1.3)
        ticks = [t for t in _RATIO_TICKS if low / 1.3 <= t <= high * 1.3]
        ax.xaxis.set_major_locator(FixedLocator(_spaced(ax, ticks, null)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:+.0f}"))
        ax.locator_params(axis="x", nbins=4)
    ax.set_ylim(0.4, n + 0.6)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=MIN_FONT, length=2, pad=1)
    left, right_side = (comparator, drug) if benefit else (drug, comparator)
    below = 1 - (band[1] + band[3] + 14) / height
    null_x = ax.transData.transform((null, 0))[0] / fig.bbox.width
    fig.text(null_x - 0.01, below, f"← favours {left}", fontsize=MIN_FONT, ha="right", va="top", color=GREY)
    fig.text(null_x + 0.01, below, f"favours {right_side} →", fontsize=MIN_FONT, ha="left", va="top", color=GREY)
    return fig


def _spaced(ax, ticks: list[float], anchor: float) -> list[float]:
    """Ticks whose labels do not touch in this axes: the no-effect line's first, then outwards, each kept only
    when its label (measured) clears the labels already kept."""
    if not ticks:
        return ticks
    scale = ax.figure.dpi / 72
    where = {t: ax.transData.transform((t, 0))[0] for t in ticks}
    half = {t: text_size(f"{t:g}", MIN_FONT)[0] * scale / 2 + 2 * scale for t in ticks}
    start = min(ticks, key=lambda t: abs(math.log(t / anchor)) if anchor > 0 else abs(t - anchor))
    kept = [start]
    for t in sorted(ticks, key=lambda t: abs(where[t] - where[start])):
        if all(abs(where[t] - where[k]) >= half[t] + half[k] for k in kept):
            kept.append(t)
    return sorted(kept)


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
    return (f" {names}: no ratio of their own (counts shown), so no marker"
            + ("; their events still count in the pooled Mantel-Haenszel ratio." if counted else "."))


def colour_of_events(benefit: bool) -> str:
    return BENEFIT_COLOUR if benefit else EVENT_COLOUR


def icon_array_png(oa: OutcomeAnswer, data: str = "") -> bytes | None:
    """Two grids of 100 (or 1000) people, comparator beside intervention, for the absolute effect; events are
    red for a harm and green for a benefit, so colour never suggests the opposite of what happened."""
    inputs = icon_inputs(oa, data)
    return None if inputs is None else _icons(*inputs)


def icon_inputs(oa: OutcomeAnswer, data: str = "") -> tuple | None:
    """What the icon array of an answer draws (icons_figure's arguments), or None with no absolute effect."""
    a = oa.absolute
    if a is None:
        return None
    per = choose_per(a, oa.per)
    control = round(a.control_per_1000 * per / 1000)
    treated = round(a.treatment_per_1000 * per / 1000)
    ev = oa.evidence
    when = baseline_weeks(oa)
    who = people_words(oa)
    interval = f"95% CI {per_value(a.treatment_per_1000_low, per)} to {per_value(a.treatment_per_1000_high, per)}"
    lead = oa.lead
    if lead is oa.published and oa.published is not None:
        s = ev.lead_synthesis
        source = f"{synthesis_short(s)}, published {kind_words(s)}" + (f" of {s.k} trials" if s.k else "")
    else:
        k = len(ev.tables)
        source = "one trial, " + ev.tables[0].label if k == 1 else f"our pooling of {k} trials"
    base = ("the risk you gave" if oa.control_risk_source == "user"
            else f"the {ev.comparator_label} risk of the trials held")
    context = (f"{'; '.join(x for x in (who, when) if x)}.",
               f"Relative effect from {source}, applied to {base}; the drug's count is its best estimate "
               f"({interval}).")
    return (per, control, treated, f"{capital(oa.outcome.plural)}: {per:,} people on each side",
            ev.intervention_label, ev.comparator_label, oa.outcome.is_benefit, context, data)


@lru_cache(maxsize=256)
def _icons(per: int, control: int, treated: int, who: str, drug: str = "dupilumab",
           comparator: str = "placebo", benefit: bool = False, context=("", ""), data: str = "") -> bytes:
    return png(icons_figure(per, control, treated, who, drug, comparator, benefit, context, data))


def icons_figure(per, control, treated, title, drug, comparator, benefit, context=("", ""), data=""):
    page = Page()
    page.paragraph(title, size=10, weight="bold")
    for text in context:
        if text:
            page.paragraph(text, size=8)
    page.space(2)
    columns = 10 if per == 100 else 40
    rows_n = per // columns
    half = (page.inner - 12) / 2
    captions = [f"{capital(comparator)}: {control} in {per:,}", f"{capital(drug)}: {treated} in {per:,}"]
    lines = [wrap(c, half, 8.5, "bold") for c in captions]
    top = page.y
    for i, caption in enumerate(lines):
        for j, piece in enumerate(caption):
            page.items.append(Item(MARGIN + i * (half + 12), top + j * 8.5 * 1.25, piece, 8.5, "bold"))
    page.space(max(len(x) for x in lines) * 8.5 * 1.25 + 3)
    grid_h = half * rows_n / columns
    rects = [(MARGIN + i * (half + 12), page.y, half, grid_h) for i in range(2)]
    page.space(grid_h + 4)
    page.paragraph(f"Each dot is one person; coloured: {'reached it' if benefit else 'had it'}.", size=MIN_FONT,
                   color=GREY, gap=0)
    page.footer(data_line(data))
    fig, to_axes = page.figure()
    colour = colour_of_events(benefit)
    for rect, events in zip(rects, (control, treated), strict=True):
        ax = to_axes(rect)
        xs = [i % columns for i in range(per)]
        ys = [rows_n - 1 - i // columns for i in range(per)]
        colours = [colour if i < events else "#e3e3e3" for i in range(per)]
        ax.scatter(xs, ys, c=colours, s=(half / columns * 0.7) ** 2, marker="o", linewidths=0)
        ax.set_xlim(-0.6, columns - 0.4)
        ax.set_ylim(-0.6, rows_n - 0.4)
        ax.axis("off")
    return fig
