"""The JSON form of an answer: the parse, and per outcome the numbers and their sources."""

from __future__ import annotations

import math
from typing import Any

from bot.answers.compose import Answer, OutcomeAnswer
from bot.answers.network_evidence import NetworkComparison
from bot.answers.network_json import network_comparison_json, network_ranking_json
from bot.answers.ranking import NetworkRanking
from bot.answers.render import first_message_lines
from bot.answers.reply import Reply
from knowledge.records import KnowledgeBase


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 10)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def outcome_json(oa: OutcomeAnswer, kb: KnowledgeBase) -> dict:
    lead, ours, a = oa.lead, oa.ours, oa.absolute
    synthesis = oa.evidence.lead_synthesis
    return {
        "outcome": oa.outcome.id,
        "kind": oa.outcome.kind,
        "intervention": oa.evidence.intervention,
        "comparator": oa.evidence.comparator,
        "measure": lead.measure if lead else oa.measure,
        "method": ("published: " + synthesis.model) if lead is not None and lead is oa.published else oa.method,
        "lead": None if lead is None else ("published" if lead is oa.published else "pooled"),
        "estimate": lead.estimate if lead else None,
        "ci_low": lead.ci_low if lead else None,
        "ci_high": lead.ci_high if lead else None,
        "k": lead.k if lead else 0,
        "participants": lead.participants if lead else 0,
        "control_per_1000": a.control_per_1000 if a else None,
        "treatment_per_1000": a.treatment_per_1000 if a else None,
        "treatment_per_1000_ci": [a.treatment_per_1000_low, a.treatment_per_1000_high] if a else None,
        "control_risk_source": oa.control_risk_source or None,
        "certainty": oa.certainty.as_dict() if oa.certainty else {"rating": "not rated", "source": None,
                                                                   "reasons": []},
        "notes": list(oa.notes),
        "pooled": None if oa.pooled is None else {
            "measure": oa.measure, "method": oa.method, "hksj": oa.hksj,
            "estimate": ours.estimate if ours else None, "ci_low": ours.ci_low if ours else None,
            "ci_high": ours.ci_high if ours else None, "k": len(oa.evidence.tables),
            "participants": oa.evidence.participants, "defined": oa.pooled.defined, "reason": oa.pooled.reason,
            "Q": oa.pooled.Q, "I2": oa.pooled.I2, "tau2": oa.pooled.tau2,
            "pi_low": oa.pooled.pi_low, "pi_high": oa.pooled.pi_high,
        },
        "published_synthesis": None if synthesis is None else {
            "id": synthesis.synthesis_id, "measure": synthesis.measure, "model": synthesis.model,
            "estimate": synthesis.estimate, "ci_low": synthesis.ci_low, "ci_high": synthesis.ci_high,
            "k": synthesis.k, "participants": synthesis.participants, "citation": synthesis.citation,
            "pmid": synthesis.pmid or None, "doi": synthesis.doi or None, "applies": oa.published is not None,
            "agreement": oa.agreement,
        },
        "missing_from_synthesis": list(oa.evidence.missing_from_synthesis),
        "published_by_dose": [
            {"id": s.synthesis_id, "kind": s.kind, "dose_mg": s.dose_mg, "interval_weeks": s.interval_weeks,
             "measure": s.measure, "estimate": s.estimate, "ci_low": s.ci_low, "ci_high": s.ci_high,
             "certainty": s.certainty or None, "citation": s.citation} for s in oa.evidence.by_dose
        ],
        "published_rates": [
            {"id": s.synthesis_id, "dose_mg": s.dose_mg, "cohort": s.cohort or None,
             "per_100_patient_years": s.estimate, "ci_low": s.ci_low, "ci_high": s.ci_high,
             "citation": s.citation} for s in oa.evidence.rates
        ],
        "trials": [
            {"trial": t.trial_id, "label": t.label, "ai": t.ai, "n1i": t.n1i, "ci": t.ci, "n2i": t.n2i,
             "arms": list(t.arms), "control_arms": list(t.control_arms), "timepoint_weeks": t.timepoint_weeks,
             "derived": t.derived} for t in oa.evidence.tables
        ],
        "not_pooled": [{"trial": label, "reason": why} for label, why in oa.evidence.excluded],
        "sources": sorted({c.url for t in oa.evidence.tables for c in t.counts}
                          | ({synthesis.url} if synthesis else set())
                          | {s.url for s in oa.evidence.by_dose + oa.evidence.rates}),
    }


def _estimate_json(est) -> dict | None:
    if est is None:
        return None
    return {"measure": est.measure, "estimate": est.estimate, "ci_low": est.ci_low, "ci_high": est.ci_high,
            "k": est.k, "participants": est.participants}


def comparison_json(c, kb: KnowledgeBase) -> dict:
    """Direct (same shape as `pooled`, or null), indirect (Bucher, with each side), published, certainty."""
    direct = outcome_json(c.direct, kb)["pooled"] if c.direct.ours is not None else None
    indirect = None
    if c.indirect is not None:
        indirect = {"measure": c.indirect.measure, "method": f"Bucher ({c.via_a.method})",
                    "estimate": c.indirect.estimate, "ci_low": c.indirect.ci_low, "ci_high": c.indirect.ci_high,
                    "a": {"drug": c.a, **_side(c.via_a)}, "b": {"drug": c.b, **_side(c.via_b)},
                    "fragility": list(c.fragility)}
    return {
        "outcome": c.outcome.id, "kind": c.outcome.kind, "intervention": c.a, "comparator": c.b,
        "lead": c.lead or None, "direct": direct, "indirect": indirect,
        "indirect_reason": c.indirect_reason or None,
        "published": None if c.published is None else {
            **_estimate_json(c.published), "id": c.published_synthesis.synthesis_id,
            "citation": c.published_synthesis.citation, "certainty": c.published_synthesis.certainty or None},
        "disagreement": c.disagreement,
        "certainty": c.certainty.as_dict() if c.certainty else {"rating": "not rated", "source": None, "reasons": []},
    }


def _side(oa) -> dict:
    ours = oa.ours
    return {"estimate": ours.estimate if ours else None, "ci_low": ours.ci_low if ours else None,
            "ci_high": ours.ci_high if ours else None, "k": len(oa.evidence.tables)}


def _results(answer: Answer, kb: KnowledgeBase) -> list[dict]:
    if answer.comparisons:
        return [item for c in answer.comparisons for item in (
            network_comparison_json(c) if isinstance(c, NetworkComparison) else [comparison_json(c, kb)])]
    if answer.overview is not None:
        return [outcome_json(oa, kb) for oa in answer.overview.rows]
    if answer.rankings:
        return [network_ranking_json(r, answer.parse) if isinstance(r, NetworkRanking) else
                {"outcome": r.outcome.id, "kind": r.outcome.kind, "drug_class": r.drug_class or None,
                 "ranked": [{"drug": oa.evidence.intervention, **_estimate_json(oa.ours)} for oa in r.rows],
                 "missing": list(r.missing)} for r in answer.rankings]
    return [outcome_json(oa, kb) for oa in answer.outcomes]


def answer_json(answer: Answer, reply: Reply, kb: KnowledgeBase, text: str) -> dict:
    parsed = answer.parse.as_dict()
    return _clean({
        **{k: parsed[k] for k in ("status", "intent", "intervention", "comparator", "outcomes", "condition",
                                  "population", "options", "drug_class", "intervention_regimen",
                                  "comparator_regimen", "drugs", "drug_classes", "order")},
        "uncovered": parsed["uncovered"],
        "clarify": parsed["clarify"],
        "corrections": parsed["corrections"],
        "notices": parsed["notices"],
        "ignored": parsed["ignored"],  # words said back as unusable ("week 2"), with `unused` saying why
        "unused": parsed["unused"],
        "carried": parsed["carried"],  # frame slots a follow-up kept from the question before
        "negated": parsed["negated"],
        "results": _results(answer, kb),
        # exactly the first message's lines (headline and footer, as Telegram shows them): docs/answer_layout.md
        "headline": first_message_lines(reply),
        "buttons": [{"label": b.label, "action": b.action} for b in reply.buttons],
        "kb_version": answer.kb_version,
        "kb_hash": answer.kb_hash,
        "text": text,
    })
