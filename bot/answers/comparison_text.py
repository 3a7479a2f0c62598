"""Replies for drug-versus-drug comparisons, rankings and a drug's summary of findings.

Wording rules of the effect reply hold here too (no "significant", no hedging words without a rating). Two
more: an indirect comparison always says it is not randomised and what makes it fragile, and an ordering of
drugs always says that an ordering is not a certainty.
"""

from __future__ import annotations

from bot.answers.certainty_text import estimate_certainty_lines
from bot.answers.compare import Comparison, Ranking
from bot.answers.comparison_headline import network_headline, score_headline
from bot.answers.compose import Answer, Estimate, OutcomeAnswer
from bot.answers.effect_text import source_lines, trials_lines
from bot.answers.network_evidence import NetworkComparison
from bot.answers.network_sections import network_method_lines, network_source_lines, network_trials_lines
from bot.answers.network_text import network_comparison_lines
from bot.answers.network_text import ranking_lines as network_ranking_lines
from bot.answers.overview import Overview
from bot.answers.published_text import (
    by_source,
    dose_prefix,
    orientation,
    rated_value,
    regimen_label,
    source_words,
)
from bot.answers.ranking import NetworkRanking
from bot.answers.reply import Button, Line, Reply, Section, bold, line
from bot.answers.summary_headline import overview_headline, ranking_headline
from bot.answers.wording import (
    METHOD_NAMES,
    capital,
    citation_line,
    direction_statement,
    fmt_count,
    fmt_estimate,
    fmt_published,
    synthesis_short,
)
from knowledge.records import KnowledgeBase, Synthesis

# --- A vs B ---------------------------------------------------------------------------------------------------

def comparison_reply(answer: Answer, kb: KnowledgeBase) -> Reply:
    headline: list[Line] = []
    sections: list[Section] = []
    for index, c in enumerate(answer.comparisons):
        if index:
            headline.append(line(""))
        suffix = "" if len(answer.comparisons) == 1 else f" ({c.outcome.plural})"
        if isinstance(c, NetworkComparison):
            headline.extend(network_headline(c))
            published = tuple(pub.synthesis for p in c.pairs for pub in p.published)
            sections.append(Section("estimates", "Other estimates" + suffix, tuple(network_comparison_lines(c)[1:])))
            sections.append(Section("trials", "Trials" + suffix, network_trials_lines(c.fit, kb)))
            rated = tuple(x for p in c.pairs for x in estimate_certainty_lines(f"{p.a_label} vs {p.b_label}",
                                                                               p.certainty))
            sections.append(Section("method", "Method" + suffix, network_method_lines(c.fit) + rated))
            sections.append(Section("sources", "Sources" + suffix, network_source_lines(c.fit, kb, published)))
            continue
        headline.extend(score_headline(c))
        sections.append(Section("estimates", "Other estimates" + suffix, tuple(comparison_headline(c)[1:])))
        sections.append(Section("trials", "Trials" + suffix, comparison_trials(c, kb)))
        sections.append(Section("sources", "Sources" + suffix, comparison_sources(c, kb)))
    a, b = answer.parse.intervention, answer.parse.comparator
    keys = ("estimates", "trials", "method", "sources") if any(s.key == "method" for s in sections) else (
        "estimates", "trials", "sources")
    names = {"estimates": "Other estimates"}
    card = (Button("Card picture", "sof"),) if a and b and b != "placebo" else ()  # every outcome of the pair
    buttons = card + tuple(Button(names.get(k, k.capitalize()), k) for k in keys) + tuple(
        Button(f"{capital(kb.drug_label(d))} overview"[:60], f"ask:is {kb.drug_label(d)} safe")
        for d in dict.fromkeys((a, b)) if d and d != "placebo")
    return Reply(tuple(headline), tuple(sections), buttons)


def comparison_headline(c: Comparison) -> list[Line]:
    lines = [line(bold(f"{capital(c.a_label)} vs {c.b_label}: {c.outcome.plural}"))]
    if c.published is not None:
        s = c.published_synthesis
        statement = direction_statement(c.published, c.outcome, c.a_label, c.b_label)
        lines.append(line(f"{fmt_published(c.published, s, capital=True)}: {statement}. ",
                          f"Published network meta-analysis ({synthesis_short(s)}; {s.model})."))
    if c.direct.ours is not None:
        lines.append(line(f"Direct, head-to-head: {_direct_words(c)}."))
    else:
        lines.append(line(f"Direct, head-to-head: no trial of {c.a_label} against {c.b_label} has counts for "
                          "this outcome."))
    if c.indirect is not None:
        est = Estimate(c.indirect.measure if c.indirect.measure != "OR" or c.via_a.method != "PETO" else "PETO_OR",
                       c.indirect.estimate, c.indirect.ci_low, c.indirect.ci_high, None, None, "indirect")
        statement = direction_statement(est, c.outcome, c.a_label, c.b_label)
        lines.append(line(f"Indirect, through placebo: {fmt_estimate(est)}: {statement}. "
                          f"From our pooling of {_side(c.via_a)} and {_side(c.via_b)}, "
                          f"{METHOD_NAMES[c.via_a.method]} (Bucher method)."))
        lines.append(line("An indirect comparison is fragile: " + "; ".join(c.fragility) + "."))
    else:
        lines.append(line(f"Indirect, through placebo: not possible ({c.indirect_reason})."))
    lines.extend(line(text) for text in comparison_by_dose(c))
    if c.disagreement:
        lines.append(line("The direct and indirect estimates disagree (their intervals do not overlap): "
                          "trust neither blindly."))
    if c.lead == "" and c.published_by_dose:
        lines.append(line("No estimate across all doses: the published estimates above are for single regimens; "
                          "their certainty, where the source rated it, is beside each."))
        return lines
    if c.lead == "":
        lines.append(line(f"I hold no evidence comparing {c.a_label} with {c.b_label} for {c.outcome.plural}."))
    lines.append(line(_lead_sentence(c)))
    return lines


def comparison_by_dose(c: Comparison) -> list[str]:
    """Published one-regimen A vs B estimates, one sentence per source, each labelled with its regimen."""
    def part(s: Synthesis, est) -> str:
        pair = (f"{c.a_label} {regimen_label(s)} vs {c.b_label}" if s.drug == c.a
                else f"{c.a_label} vs {c.b_label} {regimen_label(s)}")
        return f"{pair}: {rated_value(s, est)}"

    return [f"Published by dose ({source_words(group[0][0])}): " + "; ".join(part(s, est) for s, est in group)
            + orientation(group[0][0], c.a_label) + "."
            for group in by_source(c.published_by_dose, lambda pair: pair[0])]


def _direct_words(c: Comparison) -> str:
    oa = c.direct
    trials = ", ".join(t.label for t in oa.evidence.tables)
    what = "one trial" if len(oa.evidence.tables) == 1 else f"{len(oa.evidence.tables)} trials pooled"
    statement = direction_statement(oa.basis or oa.ours, c.outcome, c.a_label, c.b_label)
    return (f"{fmt_estimate(oa.ours)}: {statement} ({what}: {trials}; "
            f"{fmt_count(oa.evidence.participants)} people)")


def _side(oa: OutcomeAnswer) -> str:
    k = len(oa.evidence.tables)
    return f"{oa.evidence.intervention_label} vs placebo ({k} trial{'s' if k != 1 else ''})"


def _lead_sentence(c: Comparison) -> str:
    if c.certainty is None:
        return "Certainty of the evidence: not rated."
    what = {"published": "the published estimate", "direct": "the head-to-head evidence",
            "indirect": "the indirect estimate"}[c.lead]
    if c.certainty.source == "published" and not c.certainty.rated:
        return f"Certainty of {what}: not rated by its source ({c.certainty.citation})."
    label = "as published" if c.certainty.source == "published" else c.certainty.rule_words
    return f"Certainty of {what}: {c.certainty.rating} ({label})."


def comparison_trials(c: Comparison, kb: KnowledgeBase) -> tuple[Line, ...]:
    lines: list[Line] = []
    for title, oa in (("Head-to-head", c.direct), (f"{capital(c.a_label)} vs placebo", c.via_a),
                      (f"{capital(c.b_label)} vs placebo", c.via_b)):
        lines.append(line(bold(title)))
        lines.extend(trials_lines(oa, kb) or (line("• none"),))
    return tuple(lines)


def comparison_sources(c: Comparison, kb: KnowledgeBase) -> tuple[Line, ...]:
    lines: list[Line] = []
    published = ((c.published_synthesis,) if c.published_synthesis is not None else ()) + tuple(
        s for s, _ in c.published_by_dose)
    for s in dict.fromkeys(published):
        dose = dose_prefix(s)
        lines.append(citation_line(s.citation, s.pmid, s.doi, extra=f"{dose}{s.location}"))
    seen: set[str] = set()
    for oa in (c.direct, c.via_a, c.via_b):
        for item in source_lines(oa, kb, by_dose=False):
            key = repr(item)
            if key not in seen:
                seen.add(key)
                lines.append(item)
    return tuple(lines)


# --- which is best --------------------------------------------------------------------------------------------

def ranking_reply(answer: Answer, kb: KnowledgeBase) -> Reply:
    headline: list[Line] = []
    buttons: list[Button] = []
    sections: list[Section] = []
    for index, r in enumerate(answer.rankings):
        if index:
            headline.append(line(""))
        if isinstance(r, NetworkRanking):
            headline.extend(ranking_headline(r))
            suffix = "" if len(answer.rankings) == 1 else f" ({r.outcome.plural})"
            sections.append(Section("estimates", "Other estimates" + suffix, tuple(network_ranking_lines(r))))
            sections.append(Section("trials", "Trials" + suffix, network_trials_lines(r.fit, kb)))
            rated = tuple(x for row in r.rows for x in estimate_certainty_lines(f"{row.label} vs placebo",
                                                                                 row.certainty))
            sections.append(Section("method", "Method" + suffix, network_method_lines(r.fit) + rated))
            sections.append(Section("sources", "Sources" + suffix, network_source_lines(r.fit, kb)))
            if len(r.rows) > 1:  # the top two against each other, with direct and indirect evidence
                first, second = r.rows[0].label, r.rows[1].label
                buttons.append(Button(f"{capital(first)} vs {second}"[:60],
                                      f"ask:{first} vs {second} {r.outcome.name}"))
            continue
        headline.extend(ranking_lines(r))
        buttons.extend(Button(f"{capital(oa.evidence.intervention_label)}: {r.outcome.name}"[:60],
                              f"ask:{oa.evidence.intervention_label} {r.outcome.name}") for oa in r.rows[:4])
    keys = [Button("Other estimates" if k == "estimates" else k.capitalize(), k)
            for k in ("estimates", "trials", "method", "sources") if any(s.key == k for s in sections)]
    return Reply(tuple(headline), tuple(sections), tuple(keys + buttons[:8]))


def ranking_lines(r: Ranking) -> list[Line]:
    who = f"{r.drug_class}s" if r.drug_class else "drugs"
    order = "most first" if r.outcome.is_benefit else "fewest first"
    lines = [line(bold(f"{capital(r.outcome.plural)}: {who} against placebo, ordered by our pooled estimate "
                       f"({order})"))]
    if not r.rows:
        lines.append(line(f"I hold no trial counts for {r.outcome.plural} for any of these {who}."))
    for rank, oa in enumerate(r.rows, 1):
        k = len(oa.evidence.tables)
        lines.append(line(f"{rank}. {capital(oa.evidence.intervention_label)}: {fmt_estimate(oa.ours)}; "
                          f"{k} trial{'s' if k != 1 else ''}, {fmt_count(oa.evidence.participants)} people"))
    if r.missing:
        lines.append(line("No estimate held for: " + ", ".join(r.missing) + "."))
    if len(r.rows) > 1:
        lines.append(line("An ordering is not a certainty: each drug was compared with placebo in its own trials, "
                          "not with the others, and where their intervals overlap the order is uncertain. For two "
                          "drugs, ask \u201cA vs B\u201d for direct and indirect evidence."))
    return lines


# --- one drug's summary of findings ---------------------------------------------------------------------------

def overview_reply(answer: Answer, kb: KnowledgeBase) -> Reply:
    o: Overview = answer.overview
    lines = overview_headline(o, answer.parse.population)
    buttons = [Button(capital(oa.outcome.name)[:60], f"ask:{o.label} {oa.outcome.name}") for oa in o.rows[:8]]
    return Reply(tuple(lines), (), (Button("Summary picture", "sof"), *buttons))
