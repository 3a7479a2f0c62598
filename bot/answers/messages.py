"""Every reply that is not an effect answer (help, topics, sources, trials, definitions, clarifying questions,
'no data'), and `word`, which picks the reply for any parse."""

from __future__ import annotations

from bot.answers.card_text import card_reply
from bot.answers.carried import carried_lines, clear_button
from bot.answers.comparison_text import comparison_reply, overview_reply, ranking_reply
from bot.answers.compose import Answer
from bot.answers.effect_text import effect_reply
from bot.answers.evidence import trial_label
from bot.answers.reply import Button, Line, Reply, bold, line
from bot.answers.wording import (
    AGE_WORDS,
    EXAMPLES,
    capital,
    citation_line,
    concept_label,
    covered_drugs_text,
    covered_outcomes_text,
    footer,
    scope_text,
)
from bot.understand.parse import UNHELD_LABELS
from bot.understand.reading import Parse
from knowledge.records import KnowledgeBase


def word(answer: Answer, kb: KnowledgeBase) -> Reply:
    """The reply for any parse: an effect answer, a clarifying question, a plain 'no data', help."""
    parsed = answer.parse
    handlers = {
        "clarify": _clarify, "no_data": _no_data, "not_understood": _not_understood,
    }
    if answer.card is not None:  # "A vs B" with no outcome named: the card, with the outcome menu under it
        reply = card_reply(answer.card, _clarify(parsed, kb).buttons)
    elif parsed.status in handlers:
        reply = handlers[parsed.status](parsed, kb)
    elif parsed.intent == "help":
        reply = help_reply(kb)
    elif parsed.intent == "topics":
        reply = topics_reply(kb)
    elif parsed.intent == "sources":
        reply = sources_reply(kb)
    elif parsed.intent == "trials":
        reply = trials_reply(kb, parsed.outcomes)
    elif parsed.intent == "define":
        reply = define_reply(kb, parsed.outcomes)
    elif parsed.intent == "compare":
        reply = comparison_reply(answer, kb)
    elif parsed.intent == "overview":
        reply = overview_reply(answer, kb)
    elif parsed.intent == "rank":
        reply = ranking_reply(answer, kb)
    else:
        reply = effect_reply(answer, kb)
    buttons = clear_button(parsed) + reply.buttons if parsed.status == "answer" else reply.buttons
    return Reply(notice_lines(parsed, kb) + reply.headline, reply.sections, buttons, footer(answer))


NOT_ADVICE = "I give no treatment advice: this is what the trials show, for you to weigh for your patient."


def notice_lines(parsed: Parse, kb: KnowledgeBase) -> tuple[Line, ...]:
    """What the reader must know before the answer: what a follow-up kept from the question before, an advice
    question, a corrected word, a word that could not be used, an impossible value."""
    lines: list[Line] = list(carried_lines(parsed, kb))
    if "not_advice" in parsed.notices:
        lines.append(line(NOT_ADVICE))
    if parsed.corrections:
        lines.append(line("Read " + ", ".join(f"“{typed}” as “{meant}”" for typed, meant in parsed.corrections)
                          + "."))
    if parsed.status != "no_data":  # a refused question is refused as a whole
        lines.extend(line(f"I could not use “{u.said}”: {u.why}.") for u in parsed.unused)
    if "invalid_value" in parsed.notices:
        lines.append(line("A baseline risk must be above 0% and below 100% (for example 5%, 0.05, 1 in 20 or "
                          "50 per 1,000); I used the placebo risk of the trials instead."))
    return tuple(lines)


def help_reply(kb: KnowledgeBase) -> Reply:
    return Reply((
        line(bold("Evidence bot")),
        line(f"I answer quick questions about {scope_text(kb)} in atopic dermatitis from curated "
             "randomised trials and published meta-analyses, with every number cited."),
        line(f"Outcomes: {covered_outcomes_text(kb)}."),
        line("Ask in your own words, for example:"),
        *(line(f"• {q}") for q in EXAMPLES),
        line("Options: odds ratio / risk difference, random effects, 300 mg q2w, with topical steroids, "
             "16-week trials, without CHRONOS, if baseline risk is 10%."),
    ), buttons=tuple(Button(q, f"ask:{q}") for q in EXAMPLES))


def topics_reply(kb: KnowledgeBase) -> Reply:
    outcomes = [line(f"• {o.plural}: {o.definition}") for o in kb.outcomes.values()]
    return Reply((
        line(bold("What I cover")),
        line(f"Drugs: {scope_text(kb)}. Condition: atopic dermatitis (adults, adolescents, children)."),
        *outcomes,
        line(f"{len(kb.trials)} trials and {len(kb.syntheses)} published pooled estimates; knowledge base "
             f"{kb.version} ({kb.short_hash})."),
    ))


def sources_reply(kb: KnowledgeBase) -> Reply:
    seen: set[str] = set()
    lines: list[Line] = [line(bold("Sources"))]
    for s in kb.syntheses:
        if s.citation not in seen:
            seen.add(s.citation)
            lines.append(citation_line(s.citation, s.pmid, s.doi))
    for t in kb.trials:
        if t.citation not in seen:
            seen.add(t.citation)
            lines.append(citation_line(t.citation, t.pmid, t.doi, nct=t.nct))
    return Reply(tuple(lines))


def trials_reply(kb: KnowledgeBase, outcome_ids: tuple[str, ...]) -> Reply:
    """One short line per trial, grouped by drug, so the whole list fits one chat message; the outcome list
    is shown when the question named outcomes, else a count (each answer lists its own trials in full)."""
    lines: list[Line] = [line(bold(f"Trials of {scope_text(kb)} in atopic dermatitis"))]
    held: dict[str, set[str]] = {}
    for c in kb.counts:
        held.setdefault(c.trial_id, set()).add(c.outcome_id)
    for drug in kb.covered_drugs:
        trials = [t for t in kb.trials_of(drug)
                  if next(a.drug for a in kb.arms_of(t.trial_id) if a.role == "drug") == drug]
        if not trials:
            continue
        lines.append(line(bold(capital(kb.drug_label(drug)))))
        for t in trials:
            others = [kb.drug_label(d) for d in dict.fromkeys(a.drug for a in kb.arms_of(t.trial_id))
                      if d not in (drug, "placebo")]
            versus = f"vs {', '.join(others)}; " if others else ""
            weeks = f"{t.followup_weeks} wk, " if t.followup_weeks else ""
            tcs = "TCS" if t.background == "tcs" else "no TCS"
            mine = held.get(t.trial_id, set())
            if outcome_ids:
                named = [kb.outcomes[o].name for o in outcome_ids if o in mine]
                have = ", ".join(named) if named else "no counts"
            else:
                have = f"{len(mine)} outcome{'s' if len(mine) != 1 else ''}" if mine else "no counts"
            lines.append(line(f"• {trial_label(t)} ({versus}{weeks}{tcs}, {AGE_WORDS[t.age_group]}): {have}"))
    return Reply(tuple(lines))


def define_reply(kb: KnowledgeBase, outcome_ids: tuple[str, ...]) -> Reply:
    lines: list[Line] = []
    for o in outcome_ids:
        outcome = kb.outcomes[o]
        lines += [line(bold(capital(outcome.name))), line(outcome.definition)]
    return Reply(tuple(lines), buttons=tuple(
        Button(f"{capital(kb.drug_label(d))} and {kb.outcomes[o].plural}"[:60],
               f"ask:{kb.drug_label(d)} {kb.outcomes[o].plural}")
        for o in outcome_ids for d in kb.covered_drugs[:3]))


def _clarify(parsed: Parse, kb: KnowledgeBase) -> Reply:
    c = parsed.clarification
    typed = c.typed
    texts = {
        "ambiguous_term": f"“{typed}” could mean more than one thing. Which did you mean?",
        "lookalike": f"Did you mean {c.choices[0][0]}? “{typed}” is close to the name of another drug, "
                     "so I will not guess.",
        "negation": "I can only report each outcome as a whole, not one outcome excluding another. "
                    "Which one shall I show?",
        "nearest_outcome": f"I have no separate data on “{typed}”. It is counted within the nearest outcome "
                           "I cover, which I can show instead:",
        "related_outcome": f"I have no data on “{typed}”, and it is not counted within any outcome I hold. The "
                           "nearest I hold is a different outcome, which I can show instead:",
        "need_outcome": "Which outcome would you like? I cover:",
        "need_drug": "Which drug do you mean? I hold trials of:",
    }
    return Reply((line(texts[c.reason]),), buttons=tuple(Button(label[:60], f"ask:{q}") for label, q in
                                                        c.choices))


def _no_data(parsed: Parse, kb: KnowledgeBase) -> Reply:
    topics = [m for m in parsed.uncovered if m.kind == "topic"]
    named = [m for m in parsed.uncovered if not m.nearest and m.kind != "topic"]
    labels = [concept_label(kb, m.kind, m.id) for m in named]
    what = " and ".join(dict.fromkeys(labels)) or "that"
    drug = kb.drug_label(parsed.intervention or kb.covered_drugs[0])
    suggestion = EXAMPLES[0]
    if parsed.outcomes:
        suggestion = f"does {drug} affect {kb.outcomes[parsed.outcomes[0]].plural}?"
    elif parsed.intervention:
        suggestion = f"is {drug} safe?"
    if topics:
        held = " and ".join(UNHELD_LABELS.get(m.id, m.id) for m in topics)
        opening = (f"I don't hold information on {held}: I answer from randomised-trial outcomes only "
                   "(efficacy and harms against placebo or another drug). The product label and your local "
                   "guidance are the places for that.")
    else:
        opening = f"I have no curated evidence on {what}."
    return Reply((
        line(opening),
        line(f"I cover {scope_text(kb)} in atopic dermatitis, for {covered_outcomes_text(kb)}."),
        line(f"Try: “{suggestion}”"),
    ), buttons=(Button(suggestion[:60], f"ask:{suggestion}"), Button("What I cover", "topics")))


def _not_understood(parsed: Parse, kb: KnowledgeBase) -> Reply:
    if parsed.intent == "greeting":
        opening = f"Hello! I answer quick questions about trials of {covered_drugs_text(kb)} in atopic dermatitis."
    elif parsed.intent == "thanks":
        opening = "You're welcome."
    else:
        opening = "Sorry, I did not understand that."
    return Reply((line(opening), line(f"Try, for example: “{EXAMPLES[0]}”")),
                 buttons=tuple(Button(q, f"ask:{q}") for q in EXAMPLES))
