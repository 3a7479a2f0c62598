"""Plain-language wording of answers, after GRADE's informative statements and Cochrane's PLS guidance.

Rules that are easy to break by accident, so they live here and are tested:
- never "significant"; an interval that includes no effect is "compatible with both fewer and more";
- "little or no difference" only when the whole interval is trivially small;
- no certainty words ("probably", "may") unless a source rated certainty; otherwise say it was not rated;
- the absolute effect comes first, as natural frequencies with a stated denominator;
- one short line that this is not medical advice."""

from __future__ import annotations

import math
import re

from analysis import NNT, AbsoluteEffect
from bot.answers.compose import Answer, Estimate
from bot.answers.numbers import fmt_ratio
from bot.answers.reply import Line, italic, line, link
from knowledge.records import KnowledgeBase, Outcome, Synthesis

DISCLAIMER = "For clinicians; not medical advice."


EXAMPLES = (
    "does dupilumab reduce skin infections?",
    "tralokinumab EASI-75",
    "does dupilumab cause conjunctivitis?",
)


MEASURE_NAMES = {"RR": "risk ratio", "OR": "odds ratio", "PETO_OR": "Peto odds ratio", "RD": "risk difference",
                 "MD": "mean difference in improvement"}


METHOD_NAMES = {
    "MH": "Mantel-Haenszel fixed-effect", "PETO": "Peto fixed-effect", "IV": "inverse-variance fixed-effect",
    "DL": "DerSimonian-Laird random-effects", "REML": "REML random-effects", "PM": "Paule-Mandel random-effects",
}


AGE_WORDS = {"adults": "adults", "adolescents": "adolescents", "adults_adolescents": "adults and adolescents",
             "children": "children aged 6 to 11", "infants_preschool": "children aged 6 months to 5 years"}


# An interval wholly inside these bounds is "little or no difference" (ratio scale; RD in absolute risk).
TRIVIAL_RATIO = (0.9, 1 / 0.9)


TRIVIAL_RD = 0.01


def fmt_estimate(est: Estimate, capital: bool = False) -> str:
    text = _fmt_estimate(est)
    return text[0].upper() + text[1:] if capital else text


def _fmt_estimate(est: Estimate) -> str:
    if est.measure == "MD":
        return (f"{MEASURE_NAMES['MD']} {est.estimate:+.1f} points "
                f"(95% CI {est.ci_low:+.1f} to {est.ci_high:+.1f})")
    if est.measure == "RD":
        return (f"{MEASURE_NAMES['RD']} {est.estimate * 100:+.1f} per 100 "
                f"(95% CI {est.ci_low * 100:+.1f} to {est.ci_high * 100:+.1f})")
    return (f"{MEASURE_NAMES[est.measure]} {fmt_ratio(est.estimate)} "
            f"(95% CI {fmt_ratio(est.ci_low)} to {fmt_ratio(est.ci_high)})")


def fmt_published(est: Estimate, synthesis: Synthesis, capital: bool = False) -> str:
    """A published estimate with the interval its source reports: a Bayesian network gives credible
    intervals (CrI), which are not confidence intervals and are not called so; a source that ran both models
    without labelling its intervals gets the neutral "95% interval"."""
    text = fmt_estimate(est, capital)
    model = synthesis.model.lower()
    if "bayes" in model and "frequentist" in model:  # both were run and the interval is not labelled
        return text.replace("95% CI", "95% interval")
    return text.replace("95% CI", "95% CrI") if "bayes" in model else text


KIND_WORDS = {"network_ma": "network meta-analysis", "pairwise_ma": "meta-analysis",
              "pooled_safety": "pooled safety analysis"}  # what a synthesis is, as a reply names it


SCOPE_WORDS = {"phase2_only": "of phase 2 trials only", "before_phase3": "published before the phase 3 trials"}


def kind_words(s: Synthesis) -> str:
    """What a synthesis is, with what it could not see ('meta-analysis of phase 2 trials only')."""
    kind = KIND_WORDS.get(s.kind, "meta-analysis")
    return f"{kind} {SCOPE_WORDS[s.scope]}" if s.scope in SCOPE_WORDS else kind


def fmt_count(n: int) -> str:
    return f"{n:,}"


def per_value(per_1000: float, per: int) -> str:
    """Natural frequencies are whole people; below one person, one decimal says 'fewer than one'."""
    value = per_1000 * per / 1000
    if value >= 0.95:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 0.05 else "0"


def choose_per(absolute: AbsoluteEffect, requested: int) -> int:
    """Natural frequencies read best as whole numbers: rare outcomes move to per 1000."""
    if requested == 100 and min(absolute.control_per_1000, absolute.treatment_per_1000) < 10:
        return 1000
    return requested


def direction_statement(est: Estimate, outcome: Outcome, drug: str = "the drug", comparator: str = "placebo") -> str:
    """GRADE-style statement of what the interval shows, without a certainty word.

    The outcome's verb phrase ("had skin infections", "reached EASI-75") makes benefits and harms read
    naturally with the same more/fewer logic; whether more is good is said by the outcome's kind elsewhere.
    A score (mean difference, above 0 = more improvement) reads as more or less improvement."""
    if est.measure == "MD":
        if est.ci_low > 0:
            return f"{outcome.name} improved more on {drug} than on {comparator}"
        if est.ci_high < 0:
            return f"{outcome.name} improved less on {drug} than on {comparator}"
        return (f"the results are compatible with both more and less improvement in {outcome.name} on {drug} "
                f"than on {comparator}")
    if est.measure == "RD":
        low, high, trivial = est.ci_low, est.ci_high, est.ci_low >= -TRIVIAL_RD and est.ci_high <= TRIVIAL_RD
        null = 0.0
    else:
        low, high = est.ci_low, est.ci_high
        trivial = TRIVIAL_RATIO[0] <= low and high <= TRIVIAL_RATIO[1]
        null = 1.0
    if trivial:
        return f"little or no difference in {outcome.plural} between {drug} and {comparator}"
    if high < null:
        return f"fewer people {outcome.had} on {drug} than on {comparator}"
    if low > null:
        return f"more people {outcome.had} on {drug} than on {comparator}"
    people = f"people who {outcome.had}" if outcome.is_benefit else f"people having {outcome.plural}"
    versus = "" if comparator == "placebo" else f" than on {comparator}"
    return f"the results are compatible with both fewer and more {people} on {drug}{versus}"


def nnt_text(nnt: NNT) -> str:
    def end(e) -> str:
        return "infinity" if e.value is None else f"{e.kind} {math.ceil(e.value)}"

    if nnt.value is None:
        return "no number needed to treat: the estimate shows no difference"
    head = f"{nnt.kind} {math.ceil(nnt.value)}"
    if nnt.through_infinity:
        return f"{head} (95% CI {end(nnt.low)} to infinity to {end(nnt.high)})"
    return f"{head} (95% CI {math.ceil(nnt.low.value) if nnt.low.value else 'infinity'} to " \
           f"{math.ceil(nnt.high.value) if nnt.high.value else 'infinity'})"


def synthesis_short(s: Synthesis) -> str:
    """'Fleming et al. 2018': first author's surname and the year, as people cite in conversation; where the
    authors were not read, the journal and year ('Eur J Clin Pharmacol 2022'), never a placeholder."""
    year = re.search(r"\b(19|20)\d\d\b", s.citation)
    when = year.group(0) if year else ""
    if s.citation.startswith("[authors not read"):
        rest = s.citation.split("]", 1)[-1]
        journal = re.search(r"\.\s+([A-Z][A-Za-z .&()-]+?)\s+(?:19|20)\d\d\b", rest)
        return f"{journal.group(1).strip()} {when}".strip() if journal else f"a {kind_words(s)} published {when}"
    author = re.match(r"\s*([^\W\d_][\w'-]*)\s+[A-Z]{1,3}\b", s.citation)
    if author:
        first = s.citation.split(".")[0]
        et_al = " et al." if "," in first or " et al" in s.citation[:40] else ""
        return f"{author.group(1)}{et_al} {when}".strip()
    journal = re.search(r"\.\s+([A-Z][A-Za-z .&()-]+?)\s+(?:19|20)\d\d\b", s.citation)
    if journal:  # a title and a journal, no authors read: "J Eur Acad Dermatol Venereol 2025"
        return f"{journal.group(1).strip()} {when}".strip()
    return f"a {kind_words(s)} published {when}".strip()


def footer(answer_or_version: Answer | str, kb_hash: str = "") -> Line:
    if isinstance(answer_or_version, Answer):
        version, kb_hash = answer_or_version.kb_version, answer_or_version.kb_hash
    else:
        version = answer_or_version
    return line(italic(f"{DISCLAIMER} Data {version} ({kb_hash}).") if kb_hash else italic(DISCLAIMER))


def size_words(k: int | None, participants: int | None, prefix: str = ", ") -> str:
    parts = []
    if k:
        parts.append(f"{k} trial{'s' if k != 1 else ''}")
    if participants:
        parts.append(f"{fmt_count(participants)} people")
    return (prefix + ", ".join(parts)) if parts else ""


def fmt_study(measure: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:+.1f}/100" if measure == "RD" else fmt_ratio(value)


def citation_line(citation: str, pmid: str, doi: str, nct: str = "", extra: str = "") -> Line:
    parts: list = ["• " + citation.rstrip(".") + "."]
    if pmid:
        parts += [" ", link(f"PMID {pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/")]
    if doi:
        parts += [" ", link(f"doi:{doi}", f"https://doi.org/{doi}")]
    if nct:
        parts += [" ", link(nct, f"https://clinicaltrials.gov/study/{nct}")]
    if extra:
        parts.append(f" — {extra}")
    return line(*parts)


def covered_outcomes_text(kb: KnowledgeBase) -> str:
    return ", ".join(o.plural for o in kb.outcomes.values())


def covered_drugs_text(kb: KnowledgeBase) -> str:
    labels = [kb.drug_label(d) for d in kb.covered_drugs]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def scope_text(kb: KnowledgeBase) -> str:
    """'dupilumab versus placebo' or 'dupilumab, tralokinumab and upadacitinib, against placebo and each other'."""
    head_to_head = any(len({a.drug for a in kb.arms_of(t.trial_id) if a.role == "drug"}) > 1 for t in kb.trials)
    versus = "against placebo and each other" if head_to_head else "versus placebo"
    return f"{covered_drugs_text(kb)} {versus}" if len(kb.covered_drugs) == 1 else \
        f"{covered_drugs_text(kb)}, {versus}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def concept_label(kb: KnowledgeBase, kind: str, concept_id: str) -> str:
    concept = kb.concept(kind, concept_id)
    return concept.label if concept else concept_id
