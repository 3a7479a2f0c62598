"""The comparison card in words (bot/answers/card.py), within a comparison's first-message limits: one line per
outcome that the network shows one way or the other ("EASI-75: 22 more (low; Heads Up)"); the outcomes whose
interval is compatible with both fewer and more in one line with their certainty; the outcomes with no
estimate for this pair named. Intervals are one tap away (each outcome's button, and the card picture)."""

from __future__ import annotations

from bot.answers.bottom_line import weeks_words
from bot.answers.card import Card, CardRow
from bot.answers.comparison_headline import compact, is_sparse_pair, network_time_frame, network_trials
from bot.answers.network_data import population_words
from bot.answers.reply import Button, Line, Reply, bold, line
from bot.answers.sparse import node_counts
from bot.answers.summary_headline import short_name, within_budget
from bot.answers.wording import capital

NULL = {"OR": 1.0, "RR": 1.0, "RD": 0.0}


def crosses(row: CardRow) -> bool:
    e = row.pair.network
    null = NULL[row.comparison.fit.measure]
    return e.ci_low <= null <= e.ci_high


def difference(row: CardRow) -> tuple[float, int]:
    """The difference in people per 100 (per 1,000 when under one per 100), A minus B, at the row's baseline."""
    a = row.pair.absolute
    per_1000 = a.treatment_per_1000 - a.control_per_1000
    return (per_1000 / 10, 100) if abs(per_1000) >= 9.5 else (per_1000, 1000)


def difference_words(row: CardRow) -> str:
    """'22 more', '7 fewer', '3 more per 1,000'; the direction alone when there is no baseline; the counts when
    events are few (issue 21: no rate drawn from a handful of events)."""
    if is_sparse_pair(row.comparison, row.pair):
        (ea, na), (eb, nb) = (node_counts(row.comparison.fit.data.arms, n) for n in (row.pair.a, row.pair.b))
        return f"few events, {ea}/{na} vs {eb}/{nb}"
    if row.pair.absolute is None:
        return "more" if row.pair.network.ci_low > NULL[row.comparison.fit.measure] else "fewer"
    value, per = difference(row)
    size = f"{abs(value):.0f}" if abs(value) >= 0.95 else f"{abs(value):.1f}"  # under one person: one decimal
    words = f"{size} {'more' if value > 0 else 'fewer'}"
    return words + (" per 1,000" if per == 1000 else "")


def common_trials(card: Card) -> tuple[str, ...]:
    """The trials that randomised both regimens for most outcomes: named once, above the lines."""
    sets = [r.pair.direct_trials for r in card.rows if r.pair.direct_trials]
    return max(sets, key=sets.count) if sets else ()


def source_words(row: CardRow, common: tuple[str, ...] = ()) -> str:
    """The trials that randomised both regimens ('Heads Up'), 'indirect' when none did, nothing when they are
    the ones named above the lines."""
    trials = row.pair.direct_trials
    if not trials:
        return "; indirect"
    if trials == common:
        return ""
    if set(trials) < set(common):
        return f"; {len(trials)} of them"
    return "; " + ", ".join(trials[:2]) + (f" +{len(trials) - 2}" if len(trials) > 2 else "")


def rating(row: CardRow) -> str:
    return row.pair.certainty.rating if row.pair.certainty is not None else "not rated"


def row_line(row: CardRow, common: tuple[str, ...] = ()) -> Line:
    return line(f"• {capital(short_name(row.outcome.name))}: {difference_words(row)} "
                f"({rating(row)}{source_words(row, common)})")


def card_lines(card: Card) -> list[Line]:
    a, b = compact(card.a_label), compact(card.b_label)
    same = card.a.drug == card.b.drug
    b_short = b.removeprefix(f"{card.a_label.split(' ')[0]} ") if same else b
    lines = [line(bold(f"{capital(a)} vs {b_short}: benefits and harms"))]
    if not card.rows:
        lines.append(line(f"I hold no trial counts that connect {a} and {b} for any outcome."))
        return lines
    first = card.rows[0].comparison.fit
    frames = []
    for rows, what in ((card.benefits, "responses"), (card.harms, "harms")):
        weeks = [w for r in rows for w in _weeks(r)]
        if weeks:
            frames.append(f"{what} {weeks_words(weeks, what == 'responses')}")
    lines.append(line(f"{capital(population_words(first.data))}; " + ", ".join(frames)
                      + f"; network meta-analyses of trials{_background(card)}."))
    common = common_trials(card)
    if common:
        lines.append(line(f"Head to head: {', '.join(common)} (with the rest of each network)."))
    lines.append(line(f"Per 100 on {a} vs {b_short} (certainty; other head-to-head trials, or indirect):"
                      if common else f"Per 100 on {a} vs {b_short} (certainty; head-to-head trials, or indirect):"))
    for title, rows in (("Benefits", card.benefits), ("Harms", card.harms)):
        if not rows:
            continue
        lines.append(line(bold(title)))
        lines.extend(row_line(r, common) for r in rows if not crosses(r))
        unclear = [r for r in rows if crosses(r)]
        if unclear:
            ratings = {rating(r) for r in unclear}
            names = (", ".join(short_name(r.outcome.name) for r in unclear) + f" ({'all ' if len(unclear) > 1 else ''}"
                     f"{ratings.pop()})" if len(ratings) == 1 else
                     ", ".join(f"{short_name(r.outcome.name)} ({rating(r)})" for r in unclear))
            lines.append(line(f"• Compatible with both fewer and more: {names}"))
    if not card.missing:
        return lines
    n = len(card.missing)
    return within_budget(lines, [line("No estimate: " + ", ".join(short_name(m) for m in card.missing) + ".")],
                         [line(f"No estimate for {n} other outcome{'s' if n != 1 else ''}.")])


def _weeks(row: CardRow) -> list[int]:
    frame = network_time_frame(row.comparison.fit, row.outcome.is_benefit)
    return [int(w) for w in frame.replace("to", " ").split() if w.isdigit()]


def _background(card: Card) -> str:
    """' with and without topical steroids', or the one kind every outcome's network holds."""
    words = {network_trials(r.comparison.fit).split(" ", 2)[-1].strip(", ") for r in card.rows}
    return f" {words.pop()}" if len(words) == 1 else " with and without topical steroids"


def card_reply(card: Card, menu: tuple[Button, ...] = ()) -> Reply:
    """The card, its picture, the other licensed pairs' cards, then the outcome menu the question came with."""
    others = tuple(Button(f"Card: {compact(x)} vs {compact(y)}"[:60], f"ask:{x} vs {y}")
                   for x, y in card.other_pairs[:3])
    picture = (Button("Card picture", "sof"),) if card.rows else ()
    return Reply(tuple(card_lines(card)), (), picture + others + menu)
