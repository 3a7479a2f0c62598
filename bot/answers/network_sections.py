"""What sits behind the buttons of a network answer: its trials (every arm with its counts, and every trial
left out with why), its method (model, heterogeneity, how regimens were grouped, definitions) and its sources
(where each count was read, and the published estimates shown beside ours)."""

from __future__ import annotations

from bot.answers.network_data import family_words
from bot.answers.network_fit import MEASURE_WORDS, NetworkFit
from bot.answers.reply import Line, line
from bot.answers.wording import AGE_WORDS, citation_line
from knowledge.records import KnowledgeBase, Synthesis

GROUPING = ("Nodes are regimens (drug, maintenance dose, interval); a loading dose makes no other node; "
            "weight-tiered doses join the licensed fixed dose at their interval when it is one of their tiers "
            "(else they are a node of their own); arms with no fixed regimen (dose not recorded, two intervals "
            "combined, dose escalated) are left out.")


def network_trials_lines(fit: NetworkFit, kb: KnowledgeBase) -> tuple[Line, ...]:
    """One line per trial of the network (kept in the knowledge base's memo with the fit it lists)."""
    return kb.cached(("trials_lines", id(fit)), lambda: (fit, _trials_lines(fit, kb)))[1]


def _trials_lines(fit: NetworkFit, kb: KnowledgeBase) -> tuple[Line, ...]:
    used = set(fit.result.studies) if fit.result is not None else set()
    lines: list[Line] = []
    arms_of = _arms_by_trial(fit)
    for trial in fit.data.trials:
        if trial.trial_id not in used:
            continue
        arms = arms_of[trial.trial_id]
        counts = "; ".join(f"{a.node.label(kb)} {a.events}/{a.n}" + (" (weight-tiered)" if a.grouped else "")
                           for a in arms)
        meta = ", ".join(m for m in (f"{trial.followup_weeks} wk" if trial.followup_weeks else "",
                                      "with TCS" if trial.background == "tcs" else "no TCS",
                                      AGE_WORDS.get(trial.age_group, trial.age_group)) if m)
        derived = "; includes counts derived from reported percentages" if any(a.derived for a in arms) else ""
        lines.append(line(f"• {arms[0].trial}: {counts} ({meta}){derived}"))
    for label, why in fit.data.excluded + fit.left_out:
        lines.append(line(f"• Not used: {label} ({why})"))
    return tuple(lines)


def network_method_lines(fit: NetworkFit) -> tuple[Line, ...]:
    if fit.result is None:
        return (line(f"No network was fitted: {fit.reason}."),)
    r = fit.result
    model = ("random effects, one between-trial variance estimated by REML (tau² = "
             f"{r.tau2:.3f})" if fit.model == "random" else "fixed effect")
    families = ", ".join(f"{family_words(f)} ({n} trial{'s' if n != 1 else ''})" for f, n in fit.data.families)
    lines = [
        line(f"Frequentist network meta-analysis of arm-level counts (contrast-based; trials with three or four arms "
             f"handled exactly): {MEASURE_WORDS[fit.measure]}, {model}; heterogeneity Q = {r.Q:.1f} on {r.df} df; "
             f"{r.k} trials, {len(r.treatments)} regimens including placebo."),
        line("Direct and indirect evidence are separated by back-calculation (as netmeta's netsplit); they are said "
             "to disagree below p = 0.05. Indirect evidence is shown only when some other trial holds one of the two "
             "regimens (otherwise it would rest on the same trials' other arms). A trial with a zero cell gets 0.5 "
             "added to the events and 1 to the people of every arm; a trial with no events in any arm is left out, "
             "named under Trials."),
        line(GROUPING),
        line(f"Outcome definitions as each trial reported them: {families}." if families else ""),
        line("Absolute numbers apply the network estimate to a baseline risk: the middle placebo risk of the "
             "network's trials unless you give one."),
    ]
    return tuple(x for x in lines if x != line(""))


def network_source_lines(fit: NetworkFit, kb: KnowledgeBase, published: tuple[Synthesis, ...] = ()
                         ) -> tuple[Line, ...]:
    """The published estimates shown, then every trial of the network with where its counts were read (the
    trials' lines kept in the knowledge base's memo with the fit they list)."""
    lines = [citation_line(s.citation, s.pmid, s.doi, extra=s.location) for s in dict.fromkeys(published)]
    return tuple(lines) + kb.cached(("source_lines", id(fit)), lambda: (fit, _trial_sources(fit)))[1]


def _trial_sources(fit: NetworkFit) -> tuple[Line, ...]:
    lines: list[Line] = []
    used = set(fit.result.studies) if fit.result is not None else set()
    arms_of = _arms_by_trial(fit)
    for trial in fit.data.trials:
        if trial.trial_id not in used:
            continue
        counts = [c for a in arms_of[trial.trial_id] for c in a.counts]
        where = "; ".join(dict.fromkeys(f"{c.source}, {c.location} ({c.url})" for c in counts))
        lines.append(citation_line(trial.citation, trial.pmid, trial.doi, nct=trial.nct,
                                   extra=f"counts read from {where}"))
    return tuple(lines)


def _arms_by_trial(fit: NetworkFit) -> dict[str, list]:
    """The network's arms grouped by trial, in their order (one pass, not one scan per trial)."""
    found: dict[str, list] = {}
    for a in fit.data.arms:
        found.setdefault(a.trial_id, []).append(a)
    return found
