"""What the store keeps of a question: its parser's reading (ids and options), never the words typed.

A question is kept only as what the parser made of it: intent, outcome ids, population id and analysis options
(measures, doses, trial ids, numbers). That is enough to answer a follow-up ("and eczema herpeticum?") or a
button press after a restart, and says nothing a person typed.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from bot.service import Settings
from bot.understand.options import Options
from bot.understand.reading import Clarification, Parse, Regimen

MEASURES = ("RR", "OR", "RD")
MODELS = ("fixed", "random")
PERS = (100, 1000)
_OPTION_FIELDS = {f.name: f for f in fields(Options)}


# --- parse snapshots (no text) ----------------------------------------------------------------------------

def snapshot(parsed: Parse) -> dict[str, Any]:
    """What a follow-up or a button needs from a question's frame: ids and options, never typed words."""
    data = {
        "intent": parsed.intent,
        "intervention": parsed.intervention,
        "outcomes": list(parsed.outcomes),
        "population": parsed.population,
        "options": parsed.options.as_dict(),
        "assumed_drug": bool(parsed.assumed_drug),
        # the rest of the frame (issue 19): the other side, the class of a ranking, what was kept from before,
        # and whether it still asks which drug or outcome
        "comparator": parsed.comparator,
        "drug_class": parsed.drug_class,
        "carried": list(parsed.carried),
        # each side as named (issue 18) and the drugs of a ranking among several, with its order
        "intervention_regimen": _regimen_dict(parsed.intervention_regimen),
        "comparator_regimen": _regimen_dict(parsed.comparator_regimen),
        "drugs": list(parsed.drugs),
        "drug_classes": list(parsed.drug_classes),
        "regimens": [_regimen_dict(r) for r in parsed.regimens],
        "order": parsed.order,
    }
    if parsed.status == "clarify" and parsed.clarification is not None \
            and parsed.clarification.reason in _FRAME_QUESTIONS:
        data["asks"] = parsed.clarification.reason
    return data


def _regimen_dict(regimen: Regimen | None) -> dict | None:
    return None if regimen is None else regimen.as_dict()


_NOT_A_REGIMEN = object()


def _regimen(data: Any) -> Regimen | object | None:
    """A regimen from its snapshot; _NOT_A_REGIMEN when the data is not one."""
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("drug"), str):
        return _NOT_A_REGIMEN
    dose, interval = data.get("dose_mg"), data.get("interval_weeks")
    if (dose is not None and (isinstance(dose, bool) or not isinstance(dose, int | float))) or \
            (interval is not None and (isinstance(interval, bool) or not isinstance(interval, int))):
        return _NOT_A_REGIMEN
    return Regimen(data["drug"], dose, interval)


def _strings(value: Any) -> tuple[str, ...] | None:
    return tuple(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


_FRAME_QUESTIONS = ("need_outcome", "need_drug")
_INTENTS = ("effect", "trials", "define", "compare", "overview", "rank")


def delta(base: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """What ``other`` (a snapshot) changes of ``base``: a menu button's frame is kept as the difference from the
    frame of the message it is under (one slot, usually), not as a whole."""
    out = {k: v for k, v in other.items() if k != "options" and base.get(k) != v}
    out.update({k: None for k in base if k not in other})  # a key the other frame lacks ("asks")
    options = {k: v for k, v in other.get("options", {}).items() if base.get("options", {}).get(k) != v}
    if options:
        out["options"] = options
    return out


def undelta(base: dict[str, Any], change: Any) -> dict[str, Any] | None:
    if not isinstance(change, dict) or not isinstance(base.get("options"), dict):
        return None
    options = change.get("options", {})
    if not isinstance(options, dict):
        return None
    return {**base, **change, "options": {**base["options"], **options}}


def restore(data: Any) -> Parse | None:
    """The Parse a snapshot describes, or None when the snapshot is not one this version wrote."""
    if not isinstance(data, dict):
        return None
    outcomes = data.get("outcomes")
    if not isinstance(outcomes, list) or not all(isinstance(o, str) for o in outcomes):
        return None
    options = _options(data.get("options"))
    if options is None:
        return None
    intent = data.get("intent")
    population = data.get("population")
    intervention = data.get("intervention")
    comparator = data.get("comparator", "placebo")
    drug_class = data.get("drug_class", "")
    carried = data.get("carried", [])
    asks = data.get("asks")
    if intent not in _INTENTS or not all(isinstance(v, str | type(None)) for v in (population, intervention)) \
            or not isinstance(comparator, str) or not isinstance(drug_class, str) \
            or not isinstance(carried, list) or not all(isinstance(c, str) for c in carried) \
            or asks not in (None, *_FRAME_QUESTIONS):
        return None
    sides = [_regimen(data.get(k)) for k in ("intervention_regimen", "comparator_regimen")]
    regimens = [_regimen(r) for r in data.get("regimens", [])] if isinstance(data.get("regimens", []), list) \
        else [_NOT_A_REGIMEN]
    drugs, classes, order = _strings(data.get("drugs", [])), _strings(data.get("drug_classes", [])), \
        data.get("order", "")
    if _NOT_A_REGIMEN in sides or any(r is None or r is _NOT_A_REGIMEN for r in regimens) \
            or drugs is None or classes is None or not isinstance(order, str):
        return None
    return Parse(status="clarify" if asks else "answer", intent=intent, intervention=intervention,
                 comparator=comparator, outcomes=tuple(outcomes), population=population, options=options,
                 assumed_drug=bool(data.get("assumed_drug")), drug_class=drug_class, carried=tuple(carried),
                 notices=("carried_filters",) if carried else (),
                 clarification=Clarification(asks, "", ()) if asks else None,
                 intervention_regimen=sides[0], comparator_regimen=sides[1], drugs=drugs, drug_classes=classes,
                 regimens=tuple(regimens), order=order)


def _field_types(annotation: str) -> tuple[tuple[type, ...], bool]:
    """The JSON types a field of Options is stored as, from its annotation, and whether it may be None.

    Read from the dataclass itself, so an option added to Options is kept across restarts without a change here.
    """
    if "tuple" in annotation:
        return (list,), False
    for name, types in (("bool", (bool,)), ("float", (float, int)), ("int", (int,)), ("str", (str,))):
        if name in annotation:
            return types, "None" in annotation
    return (), False


_OPTION_TYPES = {f.name: _field_types(str(f.type)) for f in fields(Options)}


def _options(data: Any) -> Options | None:
    if not isinstance(data, dict):
        return None
    values: dict[str, Any] = {}
    for name, value in data.items():
        types, nullable = _OPTION_TYPES.get(name, ((), False))
        if not types or name not in _OPTION_FIELDS:
            continue  # written by another version: ignore rather than fail
        if value is None:
            if not nullable:
                return None
            values[name] = None
            continue
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            return None
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                return None
            value = tuple(value)
        values[name] = value
    return Options(**values)


def settings_from(data: Any) -> Settings:
    if not isinstance(data, dict):
        return Settings()
    measure = data.get("measure") if data.get("measure") in MEASURES else None
    model = data.get("model") if data.get("model") in MODELS else None
    per = data.get("per") if data.get("per") in PERS else None
    return Settings(measure=measure, model=model, per=per)


def settings_dict(settings: Settings) -> dict[str, Any]:
    return {"measure": settings.measure, "model": settings.model, "per": settings.per}
