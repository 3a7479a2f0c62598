"""The YAML files: outcomes (what each outcome means and how it is worded), drugs (their names and
look-alikes) and the vocabulary of everything else a question can name."""

from __future__ import annotations

from knowledge.rows import SLUG

from . import schema
from .errors import DataIssue
from .records import Concept, Drug, DrugClass, Family, Outcome
from .text import normalise


def parse_outcomes(data: dict, issues: list[DataIssue]) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    entries = data.get("outcomes") if data else None
    if not isinstance(entries, list):
        if data:
            issues.append(DataIssue("outcomes.yaml", None, "outcomes", "expected a list under 'outcomes'"))
        return outcomes
    for position, entry in enumerate(entries, start=1):
        where = f"outcome #{position}"
        if not isinstance(entry, dict):
            issues.append(DataIssue("outcomes.yaml", None, where, "expected a mapping"))
            continue
        missing = [f for f in schema.OUTCOME_FIELDS if f not in entry]
        if missing:
            issues.append(DataIssue("outcomes.yaml", None, f"{where}.{missing[0]}", "required field missing"))
            continue
        optional = {f: entry.get(f, default) for f, default in schema.OUTCOME_OPTIONAL.items()}
        families = _families(entry.get("families"), f"{entry['id']}.families", issues)
        pool = entry.get("pool_obtained") or (schema.POOL_OBTAINED_BENEFIT if optional["pool_derived"]
                                              else schema.POOL_OBTAINED_HARM)
        outcome = Outcome(**{f: entry[f] for f in schema.OUTCOME_FIELDS}, **optional, families=families,
                          pool_obtained=tuple(map(str, pool)) if isinstance(pool, list | tuple) else ())
        problems = [
            ("id", not SLUG.match(str(outcome.id)), "not a lower-case identifier"),
            ("id", outcome.id in outcomes, "duplicate outcome id"),
            ("kind", outcome.kind not in schema.KINDS, "must be harm or benefit"),
            ("timepoint_weeks", outcome.timepoint_weeks is not None and not isinstance(outcome.timepoint_weeks, int),
             "must be a whole number of weeks"),
            ("pool_derived", not isinstance(outcome.pool_derived, bool), "must be true or false"),
            ("scale", outcome.scale not in schema.SCALES, "must be binary or continuous"),
            ("default_measure", outcome.scale != "continuous" and outcome.default_measure not in schema.MEASURES,
             "must be RR, OR or RD"),
            ("default_measure", outcome.scale == "continuous"
             and outcome.default_measure not in schema.CONTINUOUS_MEASURES, "a continuous outcome's measure is MD"),
            ("default_method", outcome.default_method not in schema.METHODS, "unknown method"),
            ("default_method", outcome.default_method == "PETO" and outcome.default_measure != "OR",
             "the Peto method estimates an odds ratio only"),
            ("per", outcome.per not in (100, 1000), "must be 100 or 1000"),
            ("pool_obtained", not outcome.pool_obtained or not set(outcome.pool_obtained) <= set(schema.OBTAINED)
             or not {"read", "exact_sum"} <= set(outcome.pool_obtained),
             f"must list how pooled counts may be obtained ({', '.join(schema.OBTAINED)}), read and exact_sum "
             "included: an exact sum of read counts is as exact as a read count"),
            ("family", bool(outcome.family) and bool(families) and outcome.family_def(outcome.family) is None,
             "is not one of the outcome's families"),
        ]
        bad = [(f, m) for f, failed, m in problems if failed]
        for field_name, message in bad:
            issues.append(DataIssue("outcomes.yaml", None, f"{outcome.id}.{field_name}", message))
        if not bad:
            outcomes[outcome.id] = outcome
    return outcomes


def _families(data: object, where: str, issues: list[DataIssue]) -> tuple[Family, ...]:
    """`families:` of one outcome: id -> label, MedDRA terms (or a system organ class), serious_only."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        issues.append(DataIssue("outcomes.yaml", None, where, "expected a mapping of family id -> fields"))
        return ()
    families = []
    for family_id, entry in data.items():
        at = f"{where}.{family_id}"
        if not isinstance(entry, dict) or not SLUG.match(str(family_id)):
            issues.append(DataIssue("outcomes.yaml", None, at, "needs a lower-case id and a mapping of fields"))
            continue
        missing = [f for f in schema.FAMILY_FIELDS if not entry.get(f)]
        unknown = [f for f in entry if f not in schema.FAMILY_FIELDS and f not in schema.FAMILY_OPTIONAL]
        terms = entry.get("terms", [])
        if missing or unknown or not isinstance(terms, list):
            issues.append(DataIssue("outcomes.yaml", None, at,
                                    f"fields: {', '.join(schema.FAMILY_FIELDS)} required; terms a list; unknown: "
                                    f"{', '.join(map(str, unknown)) or 'none'}"))
            continue
        families.append(Family(id=str(family_id), label=str(entry["label"]), terms=tuple(map(str, terms)),
                               soc=str(entry.get("soc", "")), serious_only=bool(entry.get("serious_only")),
                               note=str(entry.get("note", ""))))
    seen: dict[tuple, str] = {}
    for f in families:  # one family per term set: two ids for one set would split what is one definition
        key = (tuple(sorted(t.lower() for t in f.terms)), f.soc.lower(), f.serious_only)
        if (f.terms or f.soc) and key in seen:
            issues.append(DataIssue("outcomes.yaml", None, f"{where}.{f.id}",
                                    f"same term set as family '{seen[key]}': one family per term set"))
        seen.setdefault(key, f.id)
    return tuple(families)


def parse_concepts(data: dict, outcomes: dict[str, Outcome], issues: list[DataIssue],
              owner: dict[str, str]) -> tuple[Concept, ...]:
    """Vocabulary entries; a term may belong to one concept only, or matching would be a coin toss."""
    concepts: list[Concept] = []
    owner = dict(owner)
    for kind in schema.CONCEPT_KINDS:
        section = (data or {}).get(kind + "s", {})
        if not isinstance(section, dict):
            issues.append(DataIssue("vocabulary.yaml", None, kind + "s", "expected a mapping of concepts"))
            continue
        for concept_id, entry in section.items():
            where = f"{kind}s.{concept_id}"
            if not isinstance(entry, dict) or not isinstance(entry.get("terms"), list) or not entry["terms"]:
                issues.append(DataIssue("vocabulary.yaml", None, where, "needs a non-empty 'terms' list"))
                continue
            covered = bool(entry.get("covered", False))
            group = tuple(str(g) for g in entry.get("group", []) or [])
            unknown = [g for g in group if g not in outcomes]
            if (kind != "outcome" and group) or unknown:
                issues.append(DataIssue("vocabulary.yaml", None, f"{where}.group",
                                        f"group members must be outcomes in outcomes.yaml: {unknown or group}"))
            if kind == "outcome" and covered and not group and concept_id not in outcomes:
                issues.append(DataIssue("vocabulary.yaml", None, where,
                                        "covered outcome is not defined in outcomes.yaml"))
            nearest = str(entry.get("nearest", ""))
            if nearest and kind == "outcome" and nearest not in outcomes:
                issues.append(DataIssue("vocabulary.yaml", None, f"{where}.nearest",
                                        f"'{nearest}' is not an outcome in outcomes.yaml"))
            terms = tuple(dict.fromkeys(normalise(str(t)) for t in entry["terms"]))
            for term in terms:
                key = f"{kind}:{term}" if kind == "population" else term
                if key in owner and owner[key] != where:
                    issues.append(DataIssue("vocabulary.yaml", None, f"{where}.terms",
                                            f"term '{term}' also belongs to {owner[key]}"))
                owner[key] = where
            concepts.append(Concept(
                kind=kind, id=str(concept_id), label=str(entry.get("label", concept_id)), covered=covered,
                terms=terms, lookalikes=tuple(normalise(str(t)) for t in entry.get("lookalikes", [])),
                nearest=nearest, group=group, within=bool(entry.get("counted_within", True)),
                why=str(entry.get("why", "")), **_extra_fields(kind, entry, where, outcomes, issues),
            ))
    populations = {c.id: c for c in concepts if c.kind == "population"}
    for c in concepts:
        if c.answer_as and not (c.answer_as in populations and populations[c.answer_as].covered):
            issues.append(DataIssue("vocabulary.yaml", None, f"populations.{c.id}.answer_as",
                                    f"'{c.answer_as}' is not a covered population"))
    for outcome_id in outcomes:
        if not any(c.kind == "outcome" and c.id == outcome_id for c in concepts):
            issues.append(DataIssue("vocabulary.yaml", None, f"outcomes.{outcome_id}",
                                    "outcome in outcomes.yaml has no vocabulary entry"))
    return tuple(concepts)


def _extra_fields(kind: str, entry: dict, where: str, outcomes: dict[str, Outcome], issues: list[DataIssue]
                  ) -> dict:
    """The fields only populations (age groups, ages, answered as) and risk factors (outcomes they bear on)
    have; a field given to another kind, or naming what does not exist, is reported."""
    fields: dict = {}
    allowed = {"population": ("age_groups", "overlaps", "ages", "answer_as"), "risk_factor": ("bears_on",)}
    for name in ("age_groups", "overlaps", "ages", "answer_as", "bears_on"):
        if name in entry and name not in allowed.get(kind, ()):
            issues.append(DataIssue("vocabulary.yaml", None, f"{where}.{name}", f"not a field of a {kind}"))
    if kind == "population":
        for name in ("age_groups", "overlaps"):
            groups = tuple(str(g) for g in entry.get(name, []) or [])
            unknown = [g for g in groups if g not in schema.AGE_GROUPS]
            if unknown:
                issues.append(DataIssue("vocabulary.yaml", None, f"{where}.{name}",
                                        f"not trial age groups: {unknown}"))
            fields[name] = groups
        ages = entry.get("ages")
        if ages is not None:
            if not (isinstance(ages, list) and len(ages) == 2 and all(isinstance(a, int | float) for a in ages)
                    and ages[0] <= ages[1]):
                issues.append(DataIssue("vocabulary.yaml", None, f"{where}.ages", "must be [youngest, oldest]"))
            else:
                fields["ages"] = (float(ages[0]), float(ages[1]))
        fields["answer_as"] = str(entry.get("answer_as", "") or "")
    if kind == "risk_factor":
        bears_on = tuple(str(o) for o in entry.get("bears_on", []) or [])
        unknown = [o for o in bears_on if o not in outcomes]
        if unknown:
            issues.append(DataIssue("vocabulary.yaml", None, f"{where}.bears_on", f"not outcomes: {unknown}"))
        fields["bears_on"] = tuple(o for o in bears_on if o in outcomes)
    return fields


def parse_drugs(data: dict, issues: list[DataIssue]) -> tuple[dict[str, Drug], list[Concept]]:
    """drugs.yaml: each drug's names (generic, brands, codes, other terms) and look-alikes."""
    drugs: dict[str, Drug] = {}
    concepts: list[Concept] = []
    owner: dict[str, str] = {}
    section = (data or {}).get("drugs")
    if not isinstance(section, dict):
        if data:
            issues.append(DataIssue("drugs.yaml", None, "drugs", "expected a mapping of drugs"))
        return drugs, concepts
    for drug_id, entry in section.items():
        where = f"drugs.{drug_id}"
        if not isinstance(entry, dict) or not SLUG.match(str(drug_id)) or drug_id in ("placebo", "none"):
            issues.append(DataIssue("drugs.yaml", None, where, "needs a lower-case id and a mapping of fields"))
            continue
        missing = [f for f in schema.DRUG_FIELDS if not entry.get(f)]
        if missing:
            issues.append(DataIssue("drugs.yaml", None, f"{where}.{missing[0]}", "required field missing"))
            continue
        fields = {f: entry.get(f, default) for f, default in schema.DRUG_OPTIONAL.items()}
        lists = ("terms", "brands", "codes", "lookalikes")
        if any(not isinstance(entry.get(f, []), list) for f in lists):
            issues.append(DataIssue("drugs.yaml", None, where, f"{', '.join(lists)} must be lists"))
            continue
        drug = Drug(id=str(drug_id), label=str(entry["label"]), drug_class=str(fields["class"]),
                    target=str(fields["target"]), route=str(fields["route"]),
                    brands=tuple(map(str, fields["brands"])), codes=tuple(map(str, fields["codes"])),
                    lookalikes=tuple(map(str, fields["lookalikes"])))
        names = [drug_id, drug.label, *drug.brands, *drug.codes, *map(str, entry["terms"])]
        terms = tuple(dict.fromkeys(t for t in (normalise(n) for n in names) if t))
        for term in terms:
            if term in owner and owner[term] != where:
                issues.append(DataIssue("drugs.yaml", None, f"{where}.terms", f"term '{term}' also belongs to "
                                                                              f"{owner[term]}"))
            owner[term] = where
        drugs[drug.id] = drug
        concepts.append(Concept(kind="drug", id=drug.id, label=drug.label, covered=False, terms=terms,
                                lookalikes=tuple(normalise(t) for t in drug.lookalikes)))
    return drugs, concepts


def parse_classes(data: dict, drugs: dict[str, Drug], issues: list[DataIssue]) -> dict[str, DrugClass]:
    """drugs.yaml `classes`: each class's label, plural, member drugs (ids of drugs.yaml) and the names people
    type for it. Optional: a file without the section has no classes."""
    section = (data or {}).get("classes") or {}
    classes: dict[str, DrugClass] = {}
    if not isinstance(section, dict):
        issues.append(DataIssue("drugs.yaml", None, "classes", "expected a mapping of classes"))
        return classes
    for class_id, entry in section.items():
        where = f"classes.{class_id}"
        if not isinstance(entry, dict) or not SLUG.match(str(class_id)):
            issues.append(DataIssue("drugs.yaml", None, where, "needs a lower-case id and a mapping of fields"))
            continue
        missing = [f for f in ("label", "plural", "members", "terms") if not entry.get(f)]
        if missing:
            issues.append(DataIssue("drugs.yaml", None, f"{where}.{missing[0]}", "required field missing"))
            continue
        if not isinstance(entry["members"], list) or not isinstance(entry["terms"], list):
            issues.append(DataIssue("drugs.yaml", None, where, "members and terms must be lists"))
            continue
        unknown = [m for m in entry["members"] if m not in drugs]
        if unknown:
            issues.append(DataIssue("drugs.yaml", None, f"{where}.members", f"not a drug of drugs.yaml: {unknown[0]}"))
            continue
        members = tuple(d for d in drugs if d in entry["members"])
        terms = tuple(dict.fromkeys(t for t in (normalise(str(n)) for n in entry["terms"]) if t))
        classes[str(class_id)] = DrugClass(str(class_id), str(entry["label"]), str(entry["plural"]), members, terms)
    return classes
