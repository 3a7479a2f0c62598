"""Summary pictures for a phone, each standing alone (issue 22): a drug's summary of findings (one row per
outcome, benefits then harms) and the comparison card of two regimens (bot/answers/card.py). Each carries its
title, who and when, where its estimates come from and the data version, laid out at a phone's width by
bot/answers/picture_kit.py, and is drawn only when asked for."""

from __future__ import annotations

from functools import lru_cache

from bot.answers.bottom_line import ages_words, baseline_weeks, weeks_words
from bot.answers.numbers import fmt_ratio
from bot.answers.overview import Overview
from bot.answers.picture_kit import GREY, Page, data_line, png
from bot.answers.summary_headline import short_name, short_relative
from bot.answers.summary_text import absolute_cells, certainty_cell, leads_with_counts, relative_cell
from bot.answers.wording import capital, synthesis_short

HEADER = ("Outcome", "Placebo", "{drug}", "Relative effect (95% CI)", "Source", "Certainty")
CARD_HEADER = ("Outcome", "{a}", "{b}", "Difference (95% CI)", "Trials", "Certainty")
KIND_COLOUR = {"benefit": "#1e8449", "harm": "#c0392b"}


def sof_png(o: Overview, data: str = "", population: str | None = None) -> bytes | None:
    inputs = sof_inputs(o, data, population)
    return None if inputs is None else _draw(*inputs)


def sof_inputs(o: Overview, data: str = "", population: str | None = None) -> tuple | None:
    """What the summary-of-findings picture draws (sof_figure's arguments), or None with no row."""
    if not o.rows:
        return None
    rows = []
    weeks = {"benefit": [], "harm": []}
    for oa in o.rows:
        control, treated = (_per(x) for x in absolute_cells(oa) or ("-", "-"))  # no rate from a few events
        relative = relative_cell(oa) if leads_with_counts(oa) else relative_cell(oa, short_relative(oa.lead))
        if oa.published is not None and oa.lead is oa.published:
            source = synthesis_short(oa.evidence.lead_synthesis).replace(" et al.", "")
        else:
            k = len(oa.evidence.tables)
            source = "one trial (ours)" if k == 1 else f"ours, {k} trials"
        c = oa.certainty
        rating = "not rated" if c is not None and c.source == "published" and not c.rated else certainty_cell(
            oa, short=True)
        rows.append((oa.outcome.kind, capital(short_name(oa.outcome.name)), control, treated,
                     relative.replace("risk difference", "RD"), source, rating))
        weeks[oa.outcome.kind] += [int(w) for w in baseline_weeks(oa).replace("to", " ").split() if w.isdigit()]
    when = "; ".join(f"{what} {weeks_words(weeks[kind], kind == 'benefit')}"
                     for kind, what in (("benefit", "responses"), ("harm", "harms")) if weeks[kind])
    who = (capital(population.replace("_", " ")) if population
           else ages_words(t.age_group for oa in o.rows for t in oa.evidence.tables) or "People in the trials held")
    return capital(o.label), tuple(rows), (f"{who}; {when}." if when else f"{who}."), data


def _per(cell: str) -> str:
    """'17 per 100' -> '17' (the header says per 100); '7 per 1,000' -> '7/1,000'."""
    return cell.replace(" per 1,000", "/1,000").replace(" per 100", "")


@lru_cache(maxsize=64)
def _draw(drug: str, rows: tuple[tuple[str, ...], ...], context: str = "", data: str = "") -> bytes:
    return png(sof_figure(drug, rows, context, data))


def sof_figure(drug: str, rows: tuple[tuple[str, ...], ...], context: str = "", data: str = ""):
    page = Page()
    page.paragraph(f"{drug} vs placebo: summary of findings", size=10, weight="bold")
    if context:
        page.paragraph(context, size=8)
    page.paragraph("Per 100 people (per 1,000 where marked) on placebo and on the drug; events/people and a risk "
                   "difference where events are few. Each row's estimate: the published source named, else our "
                   "pooling of the trials held.", size=7.5, color=GREY)
    header = tuple(h.format(drug=drug) for h in HEADER)
    page.table(header, [r[1:] for r in rows], colours=[KIND_COLOUR[r[0]] for r in rows])
    page.paragraph("Green: benefit; red: harm. Certainty: the source's rating for a published estimate, else "
                   "rule-based (GRADE domains).", size=7, color=GREY, gap=0)
    page.footer(data_line(data))
    return page.figure()[0]


# --- the comparison card -----------------------------------------------------------------------------------------

def card_png(card, data: str = "") -> bytes | None:
    inputs = card_inputs(card, data)
    return None if inputs is None else _card(*inputs)


def card_inputs(card, data: str = "") -> tuple | None:
    """What the card picture draws (card_figure's arguments), or None with no row."""
    from bot.answers.card_text import crosses, rating, source_words
    from bot.answers.comparison_headline import compact, is_sparse_pair
    from bot.answers.network_data import population_words
    from bot.answers.sparse import node_counts
    from bot.answers.wording import choose_per, per_value

    if not card.rows:
        return None
    a, b = compact(card.a_label), compact(card.b_label)
    rows = []
    for r in card.rows:
        p = r.pair
        if is_sparse_pair(r.comparison, p):  # few events: the counts, never a rate drawn from them
            (ea, na), (eb, nb) = (node_counts(r.comparison.fit.data.arms, n) for n in (p.a, p.b))
            e = p.network
            cells = (f"{ea}/{na}", f"{eb}/{nb}", or_cell(e))
        elif p.absolute is not None:
            per = choose_per(p.absolute, r.outcome.per)
            x = p.absolute
            diff, low, high = (v * per / 1000 for v in (x.difference_per_1000, x.difference_per_1000_low,
                                                        x.difference_per_1000_high))
            unit = "" if per == 100 else "/1,000"
            cells = (f"{per_value(x.treatment_per_1000, per)}{unit}", f"{per_value(x.control_per_1000, per)}{unit}",
                     f"{_signed(diff)} ({_signed(low)} to {_signed(high)}){unit}")
        else:
            e = p.network
            cells = ("-", "-", or_cell(e))
        trials = source_words(r).removeprefix("; ") or "indirect"
        rows.append((r.outcome.kind, capital(short_name(r.outcome.name)), *cells, trials,
                     rating(r) + (" (±)" if crosses(r) else "")))
    first = card.rows[0].comparison.fit
    benefit = [w for r in card.benefits for w in _weeks(r)]
    harm = [w for r in card.harms for w in _weeks(r)]
    when = "; ".join(x for x in (f"responses {weeks_words(benefit, True)}" if benefit else "",
                                 f"harms {weeks_words(harm, False)}" if harm else "") if x)
    context = (f"{capital(population_words(first.data))}; {when}.",
               f"Per 100 people (per 1,000 where marked) on each, at the middle placebo risk of each outcome's "
               f"trials; difference {a} minus {b}. Each row: a network meta-analysis of the trials held "
               "(trials that randomised both named; indirect where none did). (±): compatible with both fewer "
               "and more.")
    return f"{capital(a)} vs {b}: benefits and harms", a, b, tuple(rows), context, data


def _signed(value: float) -> str:
    """'+22', '-6', '0' (never '-0')."""
    whole = round(value)
    return "0" if whole == 0 else f"{whole:+d}"


def _weeks(row) -> list[int]:
    from bot.answers.comparison_headline import network_time_frame

    frame = network_time_frame(row.comparison.fit, row.outcome.is_benefit)
    return [int(w) for w in frame.replace("to", " ").split() if w.isdigit()]


@lru_cache(maxsize=64)
def _card(title: str, a: str, b: str, rows: tuple, context: tuple, data: str) -> bytes:
    return png(card_figure(title, a, b, rows, context, data))


def card_figure(title: str, a: str, b: str, rows: tuple, context: tuple, data: str = ""):
    page = Page()
    page.paragraph(title, size=10, weight="bold")
    page.paragraph(context[0], size=8)
    page.paragraph(context[1], size=7.5, color=GREY)
    header = tuple(h.format(a=a, b=b) for h in CARD_HEADER)
    page.table(header, [r[1:] for r in rows], colours=[KIND_COLOUR[r[0]] for r in rows])
    page.paragraph("Green: benefit; red: harm. Certainty: rule-based for a network estimate (GRADE domains).",
                   size=7, color=GREY, gap=0)
    page.footer(data_line(data))
    return page.figure()[0]


# --- which summary picture an answer has ------------------------------------------------------------------------

def summary_picture(answer, kb) -> tuple[bytes | None, str]:
    """The summary picture of an answer and its file name: an overview's summary of findings; the card of a card
    question; for a comparison of one outcome, the card of the same two sides (every outcome)."""
    from bot.answers.card import card_for

    data = f"{answer.kb_version} ({answer.kb_hash})"
    if answer.overview is not None:
        return sof_png(answer.overview, data, answer.parse.population), "summary.png"
    if answer.card is not None:
        return card_png(answer.card, data), "card.png"
    if answer.comparisons and answer.parse.intervention and answer.parse.comparator:
        return card_png(card_for(kb, answer.parse), data), "card.png"
    return None, "summary.png"


def or_cell(e) -> str:
    """An odds ratio with its interval, bounds printed as in the words ("<0.01", not "0.00")."""
    return f"OR {fmt_ratio(e.estimate)} ({fmt_ratio(e.ci_low)}-{fmt_ratio(e.ci_high)})"
