"""The sides of a question, each a drug, a drug at a dose or a drug at an interval ("upa 30 vs 15", "abro 200
vs dupi", "dupilumab weekly vs every 2 weeks", "rinvoq 30mg or 15mg"), and the classes of drugs it names.

A question is cut into segments at its comparison words (vs, versus, or, against, than, compared with). A dose
or interval belongs to the drug before it in its segment (or the first drug of the segment when written before
it); a segment with a regimen and no drug ("vs 15") is another regimen of the drug named before it. A number
without "mg" is a dose only where it fits a regimen of that drug held in arms.csv, written right after the
drug or opening its segment ("abro 200", "vs 15", "bari 4"), and never when a unit other than mg follows it
("16 weeks", "2 trials"). Negated regimens ("not 300 qw") are exclusions, read by the options, never sides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.understand.lexicon import Lexicon
from bot.understand.matching import Hit
from bot.understand.options import negated_before, regimen_tokens
from bot.understand.reading import Regimen

_CONNECTORS = frozenset({"vs", "versus", "v", "or", "against", "than", "compared", "over", "and"})
_JOINERS = frozenset({"at", "a", "dose", "of", "the", "on", "with"})  # may sit between a drug and its dose
_NOT_DOSE_UNITS = frozenset({"week", "weeks", "wk", "wks", "w", "year", "years", "yr", "yrs", "yo", "kg", "day",
                             "days", "month", "months", "trial", "trials", "study", "studies", "rct", "rcts",
                             "patients", "people", "percent", "%", "in", "per", "out", "hours", "h", "x", "times"})
_NUMBER = re.compile(r"^\d{1,4}(?:\.\d+)?$")
_HIGH_LOW = re.compile(r"\b(high(?:er)?|max(?:imum)?|top|low(?:er)?|min(?:imum)?|starting)\s+doses?\b")
_LOADING = frozenset({"loading", "load", "induction", "initial", "initially"})


@dataclass(frozen=True)
class Sides:
    """What the question names, in order: each side's regimen, and doses it excludes ("not 300 qw")."""

    regimens: tuple[Regimen, ...]
    excluded_dose: float | None = None


def read_sides(text: str, hits: list[Hit], consumed: set[int], lexicon: Lexicon) -> Sides:
    """Each named drug (and placebo) with the dose and interval written for it."""
    words = text.split()
    offsets = _offsets(text, words)
    covered = {i for h in hits for i in range(h.start, h.end)}
    anchors = [(h.start, h.end, h.senses[0].id) for h in hits
               if h.senses[0].covered and (h.senses[0].kind == "drug" or h.senses[0].id == "placebo")
               and len({s.id for s in h.senses}) == 1]
    if not anchors:
        return Sides(())
    tokens = []  # (word position, kind, value, negated, bare)
    for token in regimen_tokens(text):
        position = _position(offsets, token.start)
        tokens.append((position, token.kind, token.value, _negated_at(text, words, offsets, position), False))
    taken = {p for p, *_ in tokens}
    for i, word in enumerate(words):
        if _NUMBER.match(word) and i not in consumed and i not in covered and i not in taken \
                and (i + 1 >= len(words) or words[i + 1] not in _NOT_DOSE_UNITS):
            tokens.append((i, "dose", float(word), _negated_at(text, words, offsets, i), True))
    for match in _HIGH_LOW.finditer(text):  # "high dose" / "low dose": resolved against the owner's doses
        position = _position(offsets, match.start())
        tokens.append((position, "dose", 1.0 if match.group(1).startswith(("high", "max", "top")) else -1.0,
                       _negated_at(text, words, offsets, position), "level"))
    tokens = [t for t in tokens if not (t[1] == "dose" and _loading(words, t[0]))]
    tokens.sort(key=lambda t: t[0])
    segments = _segments(words)
    sides: list[list] = []  # [drug, dose, interval, segment, end]
    for start, end, drug in anchors:
        sides.append([drug, None, None, segments[start], end])
    excluded_dose = None
    for position, kind, value, negated, bare in tokens:
        owner = _owner(sides, segments[position], position)
        if owner is None:
            previous = [s for s in sides if s[3] < segments[position]]
            base = previous[-1] if previous else (sides[0] if sides else None)
            if base is None or base[0] == "placebo":
                continue
            if bare and not _opens(words, segments, position):
                continue
            owner = [base[0], None, None, segments[position], position]
            sides.append(owner)
            sides.sort(key=lambda s: (s[3], s[4]))
        if owner[0] == "placebo":  # "dupilumab vs placebo, 300 mg": the dose is the drug's
            drugs = [x for x in sides if x[0] != "placebo"]
            before = [x for x in drugs if x[4] <= position]
            owner = before[-1] if before else (drugs[0] if drugs else None)
            if owner is None:
                continue
        if bare == "level":
            value = _level(lexicon, owner[0], value)
            if value is None or negated:
                continue
            bare = False
        if bare:
            if negated or _negated_interval_follows(tokens, position):  # "not 300 qw"
                if _fits(lexicon, owner[0], value):
                    excluded_dose = value
                continue
            # Written right after its drug, or opening its side, a number is that drug's dose even when no
            # trial holds it ("upa 45" is answered "I hold no trial of upadacitinib 45 mg", never as upa).
            placed = _adjacent(words, owner, position) or _opens(words, segments, position)
            if not placed or value >= 1000:
                continue
        elif negated:
            continue
        slot = 1 if kind == "dose" else 2
        value = int(value) if kind == "interval" else value
        if owner[slot] is not None and owner[slot] != value:  # "upadacitinib 15mg, 30mg": another regimen
            owner = [owner[0], None, None, owner[3], position]
            sides.append(owner)
            sides.sort(key=lambda s: (s[3], s[4]))
        owner[slot] = value
    regimens = tuple(Regimen(d, _number(dose), None if interval is None else int(interval))
                     for d, dose, interval, _, _ in sides)
    return Sides(_distinct(regimens), excluded_dose)


def _class_matches(text: str, lexicon: Lexicon) -> list[tuple[int, int, str]]:
    """(start, end, class id) of class names in the words, longest first and not overlapping: 'il 13
    antibodies' is the IL-13 class, not also 'antibodies' (biologics)."""
    words = text.split()
    found = []
    for class_id, (_, terms, _) in lexicon.classes.items():
        for term in terms:
            size = len(term.split())
            found.extend((i, i + size, class_id) for i in range(len(words) - size + 1)
                         if " ".join(words[i:i + size]) == term)
    kept: list[tuple[int, int, str]] = []
    for start, end, class_id in sorted(found, key=lambda m: (m[0] - m[1], m[0])):
        if not any(s < end and start < e for s, e, _ in kept):
            kept.append((start, end, class_id))
    return sorted(kept)


def read_classes(text: str, lexicon: Lexicon) -> tuple[str, ...]:
    """Ids of the classes of drugs a question names, in the order it names them."""
    return tuple(dict.fromkeys(c for _, _, c in _class_matches(text, lexicon)))


def class_positions(text: str, lexicon: Lexicon) -> set[int]:
    """Word positions covered by class names ("il 13 antibodies"), so their numbers are never doses."""
    return {i for start, end, _ in _class_matches(text, lexicon) for i in range(start, end)}


def _number(value: float | None) -> float | int | None:
    return int(value) if value is not None and float(value).is_integer() else value


def _distinct(regimens: tuple[Regimen, ...]) -> tuple[Regimen, ...]:
    """A drug named twice with nothing new ('dupilumab ... dupixent') is one side."""
    out: list[Regimen] = []
    for r in regimens:
        if out and r == out[-1]:
            continue
        if r.dose_mg is None and r.interval_weeks is None and any(o.drug == r.drug for o in out):
            continue
        out.append(r)
    return tuple(out)


def _offsets(text: str, words: list[str]) -> list[int]:
    out, position = [], 0
    for word in words:
        start = text.index(word, position)
        out.append(start)
        position = start + len(word)
    return out


def _position(offsets: list[int], char: int) -> int:
    return max(i for i, start in enumerate(offsets) if start <= char)


def _segments(words: list[str]) -> list[int]:
    """The segment number of every word: a comparison word starts a new segment."""
    out, segment = [], 0
    for word in words:
        if word in _CONNECTORS:
            segment += 1
        out.append(segment)
    return out


def _owner(sides: list[list], segment: int, position: int) -> list | None:
    """The drug a regimen token of this segment belongs to: the last one named before it, else the first."""
    here = [s for s in sides if s[3] == segment]
    if not here:
        return None
    before = [s for s in here if s[4] <= position]
    return before[-1] if before else here[0]


def _fits(lexicon: Lexicon, drug: str, dose: float) -> bool:
    return any(held == dose for held, _, _ in lexicon.regimens.get(drug, ()))


def _level(lexicon: Lexicon, drug: str, sign: float) -> float | None:
    """The highest (sign > 0) or lowest licensed fixed dose of a drug with two or more; None otherwise."""
    doses = sorted({dose for dose, _, licensed in lexicon.regimens.get(drug, ()) if licensed and dose is not None})
    if len(doses) < 2:
        return None
    return doses[-1] if sign > 0 else doses[0]


def _loading(words: list[str], position: int) -> bool:
    """'600 mg loading', 'a loading dose of 600 mg', '600 mg then 300 mg': not a regimen's maintenance dose."""
    after = words[position + 1:position + 3]
    if any(w in _LOADING or w == "then" for w in after):
        return True
    for w in reversed(words[max(0, position - 4):position]):  # 'a loading dose of 600 mg', not '... then 300 mg'
        if w in ("then", "followed", "and", "vs", "versus", "or"):
            return False
        if w in _LOADING:
            return True
    return False


def _adjacent(words: list[str], owner: list, position: int) -> bool:
    """Only joining words, or the side's own dose, between the drug and the number ('upadacitinib 15, 30')."""
    between = words[owner[4]:position]
    return all(w in _JOINERS or w in ("mg", "milligrams") or _NUMBER.match(w) for w in between)


def _opens(words: list[str], segments: list[int], position: int) -> bool:
    """The number is the first word of its segment after the comparison word ('vs 15', 'or 15')."""
    j = position - 1
    while j >= 0 and words[j] in _JOINERS:
        j -= 1
    return j >= 0 and words[j] in _CONNECTORS and segments[j] == segments[position]


def _negated_at(text: str, words: list[str], offsets: list[int], position: int) -> bool:
    """A negation just before the token, or before the dose written right before it ('not 300 mg qw',
    'not 300 qw': the interval is excluded with its dose)."""
    if negated_before(text, offsets[position]):
        return True
    j = position - 1
    if j >= 1 and words[j] in ("mg", "milligram", "milligrams") and _NUMBER.match(words[j - 1]):
        j -= 1
    return j >= 0 and j < position and _NUMBER.match(words[j]) is not None and negated_before(text, offsets[j])


def _negated_interval_follows(tokens: list, position: int) -> bool:
    """'not 300 qw': the interval right after the number is negated, so the number is excluded with it."""
    return any(p == position + 1 and kind == "interval" and negated for p, kind, _, negated, _ in tokens)
