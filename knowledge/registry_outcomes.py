"""Responder outcomes from a stored registry record (issue 20): a count the registry prints, or a percentage of
its number analysed turned into a count of people, from either copy: the atlas `results.arm_results` (an
endpoint by rank and position) or a ClinicalTrials.gov API v2 outcome measure stored as a block
(`outcomeMeasures.<name>`, a class such as "Week 12" when the measure has one per week).

A percentage becomes a count only when a whole count of n reproduces everything the record prints about it: the
percentage and, where the record prints one, its 95% interval (the record's rule names the interval,
`outcome_ci`: wald or clopper_pearson; knowledge/intervals.py). Otherwise the count is `imputed` (model-based:
the nearest whole number). A rule may take n from another endpoint of the same arm and week
(`denominator_from`) only where the printed n reproduces neither and that n reproduces both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from . import intervals
from .percent import whole_counts
from .registry_record import Derived, Record, RuleError


@dataclass(frozen=True)
class Printed:
    """What a record prints for one arm: the value (a percentage or a count), n, and the 95% interval."""

    value: str
    n: int
    ci: tuple[str, str] | None
    is_percent: bool
    quote: str


def outcome(record: Record, rule: dict, row: dict, common: dict, where: str) -> Derived:
    if "measure" in row:
        printed, alternative, terms, time_frame, week, copy = _ctgov(record, row, common, where)
    else:
        printed, alternative, terms, time_frame, week, copy = _atlas(record, row, common, where)
    events, n, obtained, percent, why = _count(printed, rule, row, alternative, where)
    return Derived(**common, events=events, n=n, obtained=obtained, percent=percent,
                   population=row.get("population", "fas"), timepoint_weeks=week, module="outcome", terms=terms,
                   time_frame=time_frame, quote=printed.quote + why, copies=(copy,))


def _fits(percent: str, n: int, ci: tuple[str, str] | None, method: str | None, where: str) -> tuple[int, ...]:
    """Whole counts of n that print as the percentage and, where an interval is printed, as its interval."""
    fits = whole_counts(percent, n)
    if not (ci and fits):
        return fits
    if method is None:
        raise RuleError(f"{where}: the record prints a 95% CI ({ci[0]}-{ci[1]}): name its interval in the rule "
                        f"(`outcome_ci`: {', '.join(intervals.METHODS)} or none) so kb check can test n")
    if method == "none":
        return fits
    return tuple(k for k in fits if intervals.reproduces(k, n, ci[0], ci[1], method))


def _count(printed: Printed, rule: dict, row: dict, alternative: Callable[[dict], Printed],
           where: str) -> tuple[int, int, str, str, str]:
    """(events, n, obtained, percent, why) for one arm."""
    if not printed.is_percent:
        return int(float(printed.value)), printed.n, "read", "", ""
    method, pct, n = rule.get("outcome_ci"), printed.value, printed.n
    fits, why = _fits(pct, n, printed.ci, method, where), ""
    if row.get("denominator_from"):
        if fits:
            raise RuleError(f"{where}: the printed n {n} reproduces {pct}%: `denominator_from` is not needed")
        other = alternative(row["denominator_from"])
        fits = _fits(pct, other.n, printed.ci, method, where)
        if not fits:
            raise RuleError(f"{where}: neither the printed n {n} nor {other.n} ({other.quote}) reproduces {pct}%"
                            + (f" and its 95% CI {printed.ci[0]}-{printed.ci[1]}" if printed.ci else ""))
        why = (f"; n {other.n} from {other.quote}: the printed n {n} reproduces neither {pct}%"
               + (f" nor its 95% CI ({method})" if printed.ci else ""))
        n = other.n
    elif printed.ci and whole_counts(pct, n) and not fits:
        why = f"; no whole count of {n} reproduces the printed 95% CI ({method}): a model-based estimate"
    exact = float(pct) * n / 100
    if fits:
        return min(fits, key=lambda k: abs(k - exact)), n, "from_percentage", pct, why
    return round(exact), n, "imputed", pct, why


# --- the atlas copy -----------------------------------------------------------------------------------------

def _atlas(record: Record, row: dict, common: dict, where: str):
    rank, position = row["endpoint"]["rank"], int(row["endpoint"]["position"])
    week = int(row["week"])
    (group,) = common["groups"]
    result = _arm_result(record, rank, position, group, week, where)
    verbatim = _endpoint_verbatim(record, result["endpoint"].get("verbatim_sha1", ""))
    expected = str(row.get("verbatim_contains", ""))
    if expected and verbatim is None:
        raise RuleError(f"{where}: the wording of endpoint {rank} {position} is not stored, so the rule's "
                        f"'{expected}' cannot be checked")
    if expected and expected.lower() not in verbatim.lower():
        raise RuleError(f"{where}: endpoint {rank} {position} reads '{verbatim[:80]}', not '{expected}'")
    printed = _atlas_printed(result, rank, position, group, week)

    def alternative(other: dict) -> Printed:
        r2, p2 = other["rank"], int(other["position"])
        return _atlas_printed(_arm_result(record, r2, p2, group, week, where), r2, p2, group, week)

    name = next((n for n, b in record.named("arm_results.") if b is result), "results.arm_results")
    return (printed, alternative, f"endpoint {rank} {position}" + (f" ({expected})" if expected else ""),
            f"week {week}", week, record.copy_of(name))


def _arm_result(record: Record, rank: str, position: int, group: str, week: int, where: str) -> dict:
    matches = [r for r in record.arm_results()
               if r.get("endpoint", {}).get("rank") == rank and r.get("endpoint", {}).get("position") == position
               and r.get("arm_id") == group and _week(r.get("timepoint") or {}) == week]
    if len(matches) != 1:
        raise RuleError(f"{where}: {len(matches)} results for {rank} {position}, {group}, week {week}")
    return matches[0]


def _week(timepoint: dict) -> int | None:
    """The week a result is assessed at: its time point, or the end of a range ("baseline to week 16" is
    value 0, end_value 16 in ECZTRA 7)."""
    if timepoint.get("unit") != "week":
        return None
    return timepoint["end_value"] if timepoint.get("end_value") is not None else timepoint.get("value")


def _atlas_printed(result: dict, rank: str, position: int, group: str, week: int) -> Printed:
    n = int(result["denominator"])
    head = f'{rank} position {position}, "arm_id": "{group}", week {week}, "denominator": {n}, '
    if result.get("responders") is not None:
        return Printed(str(result["responders"]), n, None, False, head + f'"responders": {result["responders"]}')
    pct = result["response_rate_pct"]
    percent = format(pct, "g") if float(pct) != int(pct) else f"{pct:.1f}"
    ci = None
    if result.get("ci_lower") is not None and float(result.get("ci_pct") or 0) == 95:
        ci = (intervals.printed(result["ci_lower"]), intervals.printed(result["ci_upper"]))
    return Printed(percent, n, ci, True, head + f'"response_rate_pct": {pct}'
                   + (f', "ci_lower": {ci[0]}, "ci_upper": {ci[1]}' if ci else ""))


def _endpoint_verbatim(record: Record, sha1: str) -> str | None:
    """The endpoint's wording, found by the hash its results carry (None when the wording is not stored)."""
    for endpoint in record.endpoints():
        text = str(endpoint.get("verbatim", ""))
        if sha1 and hashlib.sha1(text.encode()).hexdigest() == sha1:
            return text
    return None


# --- a ClinicalTrials.gov API v2 outcome measure ------------------------------------------------------------

def _measure(record: Record, name: str, where: str) -> dict:
    measure = record.field(f"outcomeMeasures.{name}")
    if not isinstance(measure, dict):
        raise RuleError(f"{where}: no stored outcome measure '{name}'")
    return measure


def _ctgov(record: Record, row: dict, common: dict, where: str):
    name = row["measure"]
    measure = _measure(record, name, where)
    expected = str(row.get("verbatim_contains", ""))
    if expected.lower() not in str(measure.get("title", "")).lower():
        raise RuleError(f"{where}: outcome measure reads '{measure.get('title', '')[:80]}', not '{expected}'")
    (entry,) = common["groups"]
    gid = _group_id(measure, entry, where)
    title = next(g.get("title", "") for g in measure.get("groups", []) if g["id"] == gid)
    printed = _ctgov_printed(measure, name, gid, row.get("class"), where)

    def alternative(other: dict) -> Printed:
        other_measure = _measure(record, other["measure"], where)
        return _ctgov_printed(other_measure, other["measure"], _group_id(other_measure, title, where),
                              other.get("class", row.get("class")), where)

    label = f"outcome measure {name}" + (f", class {row['class']}" if row.get("class") else "")
    return (printed, alternative, f"{label} ({expected})", str(measure.get("timeFrame")), int(row["week"]),
            record.copy_of(f"outcomeMeasures.{name}"))


def _group_id(measure: dict, entry: str, where: str) -> str:
    """A rule's outcome group: a group id of this measure, or a group title (ids differ between measures)."""
    groups = measure.get("groups", [])
    if any(g.get("id") == entry for g in groups):
        return entry
    matches = [g["id"] for g in groups if g.get("title") == entry]
    if len(matches) != 1:
        raise RuleError(f"{where}: {len(matches)} outcome groups of the measure are '{entry}'")
    return matches[0]


def _ctgov_printed(measure: dict, name: str, gid: str, class_title: str | None, where: str) -> Printed:
    classes = measure.get("classes", [])
    if class_title:
        classes = [c for c in classes if c.get("title") == class_title]
    if len(classes) != 1:
        raise RuleError(f"{where}: {len(classes)} classes of '{name}' match (name the row's `class`)")
    (cls,) = classes
    denoms = cls.get("denoms") or measure["denoms"]
    n = int(next(c["value"] for d in denoms for c in d["counts"] if c["groupId"] == gid))
    m = next(m for cat in cls["categories"] for m in cat["measurements"] if m["groupId"] == gid)
    ci = None
    if "95% Confidence" in str(measure.get("dispersionType", "")) and m.get("lowerLimit") is not None:
        ci = (str(m["lowerLimit"]), str(m["upperLimit"]))
    is_percent = "percent" in str(measure.get("unitOfMeasure", "")).lower()
    quote = (f'{name}{", " + class_title if class_title else ""}: denoms {gid} "{n}"; measurements {gid} '
             f'"{m["value"]}"' + (f' ({ci[0]}-{ci[1]})' if ci else "") + f' ({measure.get("unitOfMeasure")})')
    return Printed(str(m["value"]), n, ci, is_percent, quote)
