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
from bot.understand.reading import Parse

MEASURES = ("RR", "OR", "RD")
MODELS = ("fixed", "random")
PERS = (100, 1000)
_OPTION_FIELDS = {f.name: f for f in fields(Options)}


# --- parse snapshots (no text) ----------------------------------------------------------------------------

def snapshot(parsed: Parse) -> dict[str, Any]:
    """What a follow-up or a button needs from an effect question: ids and options, never typed words."""
    return {
        "intent": parsed.intent,
        "intervention": parsed.intervention,
        "outcomes": list(parsed.outcomes),
        "population": parsed.population,
        "options": parsed.options.as_dict(),
        "assumed_drug": bool(parsed.assumed_drug),
    }


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
    if intent not in ("effect", "trials", "define") or not isinstance(population, str | type(None)) \
            or not isinstance(intervention, str | type(None)):
        return None
    return Parse(status="answer", intent=intent, intervention=intervention, outcomes=tuple(outcomes),
                 population=population, options=options, assumed_drug=bool(data.get("assumed_drug")))


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
