"""One registry adverse-event cell (people affected, people at risk) for one registry group, read from either
stored copy of a record: the derm-trial-atlas extraction (`adverse_events`) or a ClinicalTrials.gov API v2
`adverseEventsModule`, whole or stored in blocks (issue 20).

What may be concluded from a term's absence is the point of this module: a term missing from a thresholded
"other events" list is *not listed* (None, never zero); a term missing from a serious-event list is zero only
where that list is known complete for the term's organ system: the whole list is stored, or the stored elements
are consecutive (their character spans abut) and run from the organ system before to the one after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .registry_record import Record, RuleError, values


@dataclass(frozen=True)
class Cell:
    """A registry cell: events, at risk, the cells as printed, and how many terms had events (-1: an exact
    count from bounds that meet)."""

    events: int
    at_risk: int
    quote: str
    terms_with_events: int = 1


def layout(record: Record, rule: dict, row: dict, where: str) -> str:
    """Which stored copy a row reads: the one the row (or rule) names, else the only one stored that holds the
    row's module (the atlas keeps no serious-event terms)."""
    named = row.get("layout") or rule.get("layout")
    stored = record.layouts - ({"atlas"} if row.get("module") == "serious_terms" else set())
    if named:
        if named not in stored:
            raise RuleError(f"{where}: layout '{named}' is not stored for {record.nct} (stored: {sorted(stored)})")
        return named
    if len(stored) != 1:
        raise RuleError(f"{where}: {record.nct} stores {sorted(stored) or 'no'} adverse-event copies: name the "
                        "row's `layout` (atlas or ctgov)")
    return next(iter(stored))


def atlas_cell(record: Record, module: str, terms: tuple, group: str, where: str) -> Cell | None:
    """The cell from the atlas copy (group = registry group title, as the atlas prints it in `arm`)."""
    if module == "serious_total":
        for cell in values(record.field("adverse_events.serious_adverse_event_rate")):
            if cell.get("arm") == group:
                return Cell(int(cell["n_affected"]), int(cell["n_at_risk"]),
                            f'serious_adverse_event_rate: "arm": "{group}", "n_affected": {cell["n_affected"]}, '
                            f'"n_at_risk": {cell["n_at_risk"]}')
        raise RuleError(f"{where}: no serious-event group '{group}' in {record.nct}")
    if module == "other_events":
        wanted = {t.lower() for t in terms[1]}
        for entry in record.other_terms():
            name = str(entry.get("term") or entry.get("meddra_pt") or "")
            if name.lower() in wanted:
                for cell in entry.get("per_arm", []):
                    if cell.get("arm") == group:
                        return Cell(int(cell["n_affected"]), int(cell["n_at_risk"]),
                                    f'"{name}": "arm": "{group}", "n_affected": {cell["n_affected"]}, '
                                    f'"n_at_risk": {cell["n_at_risk"]}')
        return None  # the atlas keeps the top terms of a thresholded list: not listed, never zero
    raise RuleError(f"{where}: module {module} is not held by the atlas layout (it keeps no serious-event terms)")


# --- ClinicalTrials.gov API v2 --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Events:
    """The adverse-event module as stored: group ids by title, both lists, and what is known complete."""

    ids: dict[str, str]  # registry group title -> EG id
    groups: dict[str, dict]  # EG id -> eventGroups element (empty when eventGroups is not stored)
    threshold: str
    serious: list[dict]
    serious_whole: bool
    serious_complete_socs: frozenset[str]  # organ systems whose serious terms are all stored (partial list)
    other: list[dict]
    other_whole: bool


def ctgov_events(record: Record, rule: dict, where: str) -> Events:
    module = record.field("adverseEventsModule")
    if module is None:
        module = record.field("resultsSection.adverseEventsModule")
    if isinstance(module, dict):
        groups = module.get("eventGroups", [])
        return Events({g["title"]: g["id"] for g in groups}, {g["id"]: g for g in groups},
                      str(module.get("frequencyThreshold", "")), module.get("seriousEvents", []), True, frozenset(),
                      module.get("otherEvents", []), True)
    groups = record.field("adverseEventsModule.eventGroups") or []
    ids = {g["title"]: g["id"] for g in groups}
    if not groups:
        ids = _declared_ids(record, rule, where)
    whole = record.field("adverseEventsModule.seriousEvents")
    serious_names = [n for n, _ in record.named("adverseEventsModule.seriousEvents.")]
    serious = whole if isinstance(whole, list) else [record.blocks[n] for n in serious_names]
    other_names = [n for n, _ in record.named("adverseEventsModule.otherEvents.")]
    if other_names:
        _check_other_events(record, rule, other_names, where)
    return Events(ids, {g["id"]: g for g in groups}, str(record.field("adverseEventsModule.frequencyThreshold") or ""),
                  serious, isinstance(whole, list),
                  frozenset() if isinstance(whole, list) else _bounded_socs(record, serious_names),
                  [record.blocks[n] for n in other_names], False)


def _bounded_socs(record: Record, names: list[str]) -> frozenset[str]:
    """Organ systems a partly stored serious list holds whole: its stored elements are consecutive, sorted by
    organ system (as the registry sorts them), and each such system has a stored neighbour on both sides."""
    if len(names) < 3 or not record.contiguous(names):
        return frozenset()
    ordered = [record.blocks[n]["organSystem"] for n in sorted(names, key=lambda n: record.span(n))]
    if ordered != sorted(ordered):
        return frozenset()
    return frozenset(ordered) - {ordered[0], ordered[-1]}


OTHER_EVENTS_KEY = ',"otherEvents":['


def _check_other_events(record: Record, rule: dict, names: list[str], where: str) -> None:
    """Terms stored one by one are read as `otherEvents` only when that is shown: the list's first element
    starts exactly after the whole stored serious list and `,"otherEvents":[` and every term comes after it;
    or the rule says how it was identified (a cross-check with the atlas copy, `event_group_ids_check`)."""
    first, serious = "adverseEventsModule.otherEvents.first_element", "adverseEventsModule.seriousEvents"
    if first in record.blocks and serious in record.blocks:
        gap = len(OTHER_EVENTS_KEY.replace('"', '\\"')) if record.origin[first].escaped else len(OTHER_EVENTS_KEY)
        start, end = record.span(first), record.span(serious)
        if start and end and start[0] - end[1] == gap and all(record.span(n)[0] >= start[0] for n in names):
            return
        raise RuleError(f"{where}: the stored otherEvents terms of {record.nct} do not follow the serious list")
    if not rule.get("other_events_identified_by"):
        raise RuleError(f"{where}: {record.nct} stores otherEvents terms without the serious list before them: say "
                        "how they were identified (`other_events_identified_by`)")


def _declared_ids(record: Record, rule: dict, where: str) -> dict[str, str]:
    """Group ids a rule declares (`event_group_ids`: EG id -> title) for a copy that stores no eventGroups,
    checked on one term stored in both copies: each id's cell equals the atlas cell of its title, in the same
    position of the list (the atlas keeps the registry's group order)."""
    declared = rule.get("event_group_ids") or {}
    term = str(rule.get("event_group_ids_check", ""))
    if not declared or not term:
        raise RuleError(f"{where}: {record.nct} stores no eventGroups: declare `event_group_ids` and the term "
                        "that checks them (`event_group_ids_check`)")
    atlas = next((e for e in record.other_terms() if str(e.get("meddra_pt") or e.get("term")) == term), None)
    ctgov = next((b for _, b in record.named("adverseEventsModule.otherEvents.") if b.get("term") == term), None)
    if atlas is None or ctgov is None:
        raise RuleError(f"{where}: '{term}' is not stored in both copies of {record.nct}")
    titles = [c["arm"] for c in atlas["per_arm"]]
    stats = [s["groupId"] for s in ctgov["stats"]]
    for gid, title in declared.items():
        a = next((c for c in atlas["per_arm"] if c["arm"] == title), None)
        s = next((s for s in ctgov["stats"] if s["groupId"] == gid), None)
        if (a is None or s is None or (a["n_affected"], a["n_at_risk"]) != (s["numAffected"], s["numAtRisk"])
                or titles.index(title) != stats.index(gid)):
            raise RuleError(f"{where}: event group {gid} is not '{title}' by the '{term}' cross-check")
    return {title: gid for gid, title in declared.items()}


def ctgov_cell(events: Events, module: str, terms: tuple, group: str, term_soc: str, where: str) -> Cell | None:
    """The cell from the API v2 module (group = registry group title)."""
    if group not in events.ids:
        raise RuleError(f"{where}: no adverse-event group titled '{group}'")
    gid = events.ids[group]
    g = events.groups.get(gid, {})
    if module == "serious_total":
        if not g:
            raise RuleError(f"{where}: eventGroups is not stored, so '{group}' has no serious-event total")
        return Cell(int(g["seriousNumAffected"]), int(g["seriousNumAtRisk"]),
                    f'eventGroups {gid} "{group}": "seriousNumAffected": {g["seriousNumAffected"]}, '
                    f'"seriousNumAtRisk": {g["seriousNumAtRisk"]}')
    serious = module == "serious_terms"
    listed = events.serious if serious else events.other
    wanted, soc = {t.lower() for t in terms[1]}, terms[2]
    hits = [e for e in listed if str(e.get("term", "")).lower() in wanted
            or (soc and str(e.get("organSystem", "")).lower() == soc.lower())]
    # a partly stored serious list gives a system organ class's sum, or a term's absence, only where every
    # term of that class is stored
    if serious and not events.serious_whole and (soc or not hits) and (soc or term_soc) not in \
            events.serious_complete_socs:
        raise RuleError(f"{where}: the stored serious-event terms are not the whole list for "
                        f"'{soc or term_soc or '(name the term_soc)'}'")
    if not hits:
        complete = "complete list" if events.serious_whole else f"every '{soc or term_soc}' term stored"
        if serious and g:
            return Cell(0, int(g["seriousNumAtRisk"]), f"no such term in seriousEvents ({complete}), {gid}", 0)
        if not serious and events.other_whole and events.threshold == "0" and g:
            at_risk = int(g.get("otherNumAtRisk", g["seriousNumAtRisk"]))
            return Cell(0, at_risk, f"no such term in otherEvents (threshold 0), {gid}", 0)
        return None  # other events above a threshold, or a list not stored whole: not listed, never zero
    return _sum_terms(events, hits, gid, serious)


def _sum_terms(events: Events, hits: list[dict], gid: str, serious: bool) -> Cell | None:
    total, at_risk, with_events, quotes = 0, None, 0, []
    for e in hits:
        stat = next((st for st in e.get("stats", []) if st.get("groupId") == gid), None)
        if stat is None:
            continue
        total += int(stat.get("numAffected", 0))
        at_risk = int(stat["numAtRisk"])
        with_events += int(stat.get("numAffected", 0)) > 0
        quotes.append(f'{e["term"]} {gid} "numAffected": {stat.get("numAffected")}, "numAtRisk": {stat["numAtRisk"]}')
    if at_risk is None:
        return None
    if serious and with_events > 1 and gid in events.groups:
        # people with any of the terms lie between the largest term count and min(sum, people with any SAE):
        # when those bounds meet, the count is exact (ADvocate 1 placebo: cellulitis 1, sepsis 1, 1 with any SAE)
        largest = max(int(st.get("numAffected", 0)) for e in hits for st in e.get("stats", [])
                      if st.get("groupId") == gid)
        anyone = int(events.groups[gid]["seriousNumAffected"])
        if largest == min(total, anyone):
            quotes.append(f'{gid} "seriousNumAffected": {anyone}: exactly {largest} (bounds meet)')
            return Cell(largest, at_risk, "; ".join(quotes), -1)
    return Cell(total, at_risk, "; ".join(quotes), with_events)
