"""Analysis options a question asks for (measure, model, dose, interval, background therapy, trial length,
baseline risk, denominators), read by patterns on the normalised text before concepts are matched, so that the
words they use ('300 mg q2w', 'odds ratio') are not matched as concepts."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """Analysis options the question asked for; None means 'use the outcome's default'."""

    measure: str | None = None  # RR, OR, RD
    method: str | None = None  # MH, PETO, IV, DL, REML, PM
    hksj: bool = False
    dose_mg: int | None = None
    interval_weeks: int | None = None
    background: str | None = None  # monotherapy, tcs
    followup_weeks: int | None = None  # the trials' length ("16-week trials")
    exclude_trials: tuple[str, ...] = ()
    only_trials: tuple[str, ...] = ()
    baseline_risk: float | None = None  # a proportion, 0..1
    per: int | None = None  # 100 or 1000
    nnt: bool = False
    # Negated options ("not 300 mg qw", "excluding adolescents", "not the 52-week trials") exclude rather than
    # select; "include SOLO-CONTINUE" adds a trial that is left out by default.
    exclude_dose_mg: int | None = None
    exclude_interval_weeks: int | None = None
    exclude_followup_weeks: int | None = None
    exclude_populations: tuple[str, ...] = ()
    include_trials: tuple[str, ...] = ()
    invalid_baseline: bool = False  # a baseline risk was given but is impossible (0% or 100% and above)
    licensed_only: bool = False  # "licensed dose": only arms of the label regimen for the trial's age group
    # The time asked about ("at week 16", "week 2", "1 year", "long term"): the week of assessment for efficacy,
    # the period events were counted over for harms; 52 or more is the long term (knowledge/periods.py).
    timepoint_weeks: int | None = None

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


# A baseline risk as people write it: 5%, 0.05, 5 per 100, 1 in 20, 50 per 1,000 (normalised: "50 per 1 000").
_VALUE = (r"(?P<num>\d+(?:\.\d+)?|\.\d+)(?:\s*(?P<pct>%|percent|per\s+cent)"
          r"|\s+(?:in|per|out\s+of)\s+(?P<den>\d+(?:\s000)?|hundred|thousand))?(?![a-z0-9])"
          r"(?!\s*(?:mg|milligrams?)\b)")  # 'placebo 300 mg' is a dose, not a baseline risk


_ABOUT = r"\s+(?:of|for|in|on|with|without)\s+[a-z]+(?:\s+[a-z]+){0,2}?"  # 'of conjunctivitis', 'on placebo'


_BASELINE = re.compile(
    r"(?:baseline|control|background|untreated|placebo|assumed|assume|starting|base)\s+(?:group\s+)?"
    r"(?:(?:risk|rate|incidence|probability)(?P<about1>" + _ABOUT + r")?)?"
    r"\s*(?:is|of|at|=|was|were|be|around|about|~)?\s*(?:is\s+)?" + _VALUE
    + r"|(?:if|when|assuming)\s+(?:the\s+)?(?:risk|rate|incidence)(?P<about2>" + _ABOUT + r")?"
    r"\s+(?:is|of|was|were|be)?\s*" + _VALUE.replace("?P<num>", "?P<num2>").replace("?P<pct>", "?P<pct2>")
    .replace("?P<den>", "?P<den2>")
)
# A clinician's own words: "if my patient's risk is 5%", "for a patient with a 1 in 20 risk", "a patient whose
# risk is 5 percent", "my patient has a 5% risk".
_PATIENT_BASELINE = (
    re.compile(r"\b(?:if|when|assuming|for|with|where)\s+(?:my|the|a|an|your|our|this)?\s*(?:patient|person|child"
               r"|adult|teen|case)?\s*(?:s\s+)?(?:baseline\s+|own\s+|underlying\s+|untreated\s+)?(?:risk|chance"
               r"|probability|likelihood)(?P<about>" + _ABOUT + r")?\s+(?:is|was|of|at|=|be)?\s*(?:about|around|~)?\s*"
               + _VALUE),
    re.compile(r"\b(?:patient|person|child|adult|someone|somebody)\s+(?:with|at|who\s+has|having|has)\s+(?:an?\s+)?"
               r"(?:about\s+|around\s+)?" + _VALUE + r"\s+(?:baseline\s+|underlying\s+)?(?:risk|chance)"),
    re.compile(r"\b(?:patient|person|child|adult)\s+(?:whose|with\s+a)\s+(?:baseline\s+)?(?:risk|chance)\s+"
               r"(?:is|of)\s*" + _VALUE),
)
_DENOMINATORS = {"hundred": 100, "thousand": 1000}
_LICENSED = re.compile(r"\b(?:licen[cs]ed|label(?:led)?|approved|on\s+label|standard|recommended)\s+"
                       r"(?:doses?|dosing|dosage|regimens?|schedules?)\b")


def baseline_value(match: re.Match) -> float:
    """The proportion a baseline match states (may be impossible: the caller checks 0 < risk < 1)."""
    groups = match.groupdict()
    num = groups["num"] if groups["num"] is not None else groups["num2"]
    pct = groups["pct"] or groups.get("pct2")
    den = groups["den"] or groups.get("den2")
    value = float(num)
    if den:
        denominator = _DENOMINATORS[den] if den in _DENOMINATORS else float(den.replace(" ", ""))
        return value / denominator if denominator else -1.0
    if pct or value >= 1:  # "5%", "baseline risk 5": a percentage
        return value / 100
    return value  # "0.05": already a proportion


_DOSE = re.compile(r"\b(\d{1,4})\s*(?:mg|milligrams?)\b")  # baricitinib 1, 2, 4 mg; dupilumab 300 mg


_INTERVAL = (
    (re.compile(r"\bq\s*(\d)\s*w(?:k|ks|eeks?)?\b"), None),
    (re.compile(r"\bevery\s+(\d|one|two|four|other)\s*(?:weeks?|wks?)\b"), None),
    (re.compile(r"\b(?:every\s+week|once\s+(?:a|per)\s+week|weekly|qw|q\s*wk)\b"), 1),
    (re.compile(r"\b(?:fortnightly|biweekly|every\s+fortnight|twice\s+(?:a\s+)?monthly|every\s+other\s+week)\b"), 2),
    (re.compile(r"\b(?:monthly|every\s+month|once\s+a\s+month)\b"), 4),
)


_WORD_NUMBERS = {"one": 1, "two": 2, "four": 4, "other": 2}


# The trials' length: "16-week trials", "trials of 16 weeks", "one-year studies".
_LENGTH = (
    re.compile(r"\b(\d{1,3})\s*(?:weeks?|wks?|w)\s+(?:long\s+)?(?:trials?|studies|rcts?|duration)\b"),
    re.compile(r"\b(?:trials?|studies|rcts?)\s+(?:of|lasting)\s+(\d{1,3})\s*(?:weeks?|wks?)\b"),
    re.compile(r"\b(?:only|just|restricted\s+to|limit\s+to|lasting)\s+(\d{1,3})\s*(?:weeks?|wks?|w)\b"),
    re.compile(r"\b(?:one|1)\s*(?:year|yr)\s*(?:long\s+)?(?:trials?|studies|rcts?)\b"),
)
# The time asked about: the week of assessment (efficacy) or the period counted over (harms), not the trials'
# length ("at week 16" also reads the week-16 results of 52-week trials).
_AT = (
    re.compile(r"\b(?:at|by|to|until|through|up\s+to|after|in|from)?\s*(?:week|wk)\s*(\d{1,3})\b"),
    re.compile(r"\b(?:at|after|over|by|within|to|until|up\s+to|in|for)\s+(\d{1,3})\s*(?:weeks?|wks?)\b"),
    re.compile(r"\b(\d{1,3})\s*(?:weeks?|wks?|w)\s+(?:data|follow\s*up|results?|outcomes?|time\s*point)\b"),
)
_LONG = re.compile(r"\b(?:(?:long|longer)\s*term|long\s+run|maintenance|extension\s+(?:studies|data|period)"
                   r"|(?:(?:at|after|over|for|beyond|up\s+to|within)\s+)?(?:1|one|a)\s*(?:year|yr)"
                   r"|(?:at|after|over|for|beyond|up\s+to|within)\s+(?:2|3|4|5|6|two|three|four|five|six|several)"
                   r"\s*(?:years|yrs)|52\s*weeks?)\b"
                   r"(?!\s*(?:old|olds)\b)")
# Ages are populations, never times: "a 1 year old", "65yo", "aged 14", "8 months old".
AGE = re.compile(r"\b(\d{1,3}(?:\.\d)?)\s*(?P<unit>yo|y\s*o|yrs?\s*olds?|years?\s*olds?|years?\s+of\s+age"
                 r"|months?\s+olds?|mo\s+olds?)\b|\baged\s+(\d{1,3})\s*(?P<unit2>years?|yrs?|months?)?\b")


def age_years(match: re.Match) -> float:
    """The age an AGE match states, in years."""
    number = float(match.group(1) or match.group(3))
    unit = match.group("unit") or match.group("unit2") or ""
    return number / 12 if unit.startswith("mo") else number


_PER = re.compile(r"\bper\s*(100|1000|1 000|hundred|thousand)\b|\bin\s*(1000|100)\b\s*(?:people|patients)?$")


_MEASURES = (
    # 'what are the odds of ...' is English for 'how likely', not a request for the odds ratio
    (re.compile(r"\b(?:odds\s+ratios?|(?<!what are the )(?<!what s the )(?<!whats the )odds|peto)\b"), "OR"),
    (re.compile(r"\b(?:risk\s+ratios?|relative\s+risks?|rr)\b"), "RR"),
    (re.compile(r"\b(?:risk\s+differences?|absolute\s+risk(?:\s+difference)?|absolute\s+difference|rd|ard)\b"),
     "RD"),
)


_NNT = re.compile(r"\b(?:nnt|nnh|nntb|nnth|number\s+needed\s+to\s+(?:treat|harm))\b")


_METHODS = (
    (re.compile(r"\b(?:hksj|hartung\s+knapp|knapp\s+hartung)\b"), ("random", "DL", True)),
    (re.compile(r"\breml\b"), ("random", "REML", False)),
    (re.compile(r"\b(?:paule\s+mandel|pm\s+estimator)\b"), ("random", "PM", False)),
    (re.compile(r"\b(?:dersimonian|laird|dl)\b"), ("random", "DL", False)),
    (re.compile(r"\brandom(?:\s*effects?)?(?:\s+model)?\b"), ("random", "DL", False)),
    (re.compile(r"\bpeto\b"), ("fixed", "PETO", False)),
    (re.compile(r"\b(?:mantel|haenszel|mh)\b"), ("fixed", "MH", False)),
    (re.compile(r"\b(?:inverse\s+variance|iv)\b"), ("fixed", "IV", False)),
    # a bare 'common' is English ('is conjunctivitis common?'), not the common-effect model
    (re.compile(r"\bfixed(?:\s*effects?)?(?:\s+model)?\b|\bcommon\s*effects?(?:\s+model)?\b"),
     ("fixed", "MH", False)),
)


_BACKGROUND = (
    (re.compile(r"\b(?:with|plus|and|on|using|\+|combined\s+with|added\s+to)\s+(?:topical\s+)?(?:cortico)?steroids?\b|"
                r"\btcs\b|\btopical\s+(?:cortico)?steroids?\b|\bwith\s+topicals?\b|"
                r"\bcombination\s+(?:therapy|trials?)\b|\bconcomitant\b"), "tcs"),
    (re.compile(r"\bmonotherapy\b|\bmono\b|\b(?:without|no|off)\s+(?:topical\s+)?(?:cortico)?steroids?\b|"
                r"\bsteroid\s+free\b|"
                r"\b(?:on\s+its\s+own|by\s+itself|alone)\b"), "monotherapy"),
)


# Words that turn an option into its opposite when they come just before it ("without TCS", "not 300 mg qw",
# "excluding 52-week trials", "other than monthly"); the filler words in between are skipped.
NEGATION_WORDS = frozenset({"without", "no", "not", "except", "excluding", "exclude", "non", "minus", "nor", "off",
                            "besides", "omit", "omitting", "drop", "dropping", "remove", "removing", "ignore",
                            "ignoring", "never"})
NEGATION_PAIRS = frozenset({("other", "than"), ("apart", "from"), ("but", "not"), ("leave", "out"),
                            ("leaving", "out"), ("aside", "from"), ("rather", "than"), ("instead", "of")})
_OPTION_FILLER = frozenset({"on", "the", "a", "any", "using", "taking", "in", "for", "of", "trials", "studies",
                            "patients", "people", "those", "at", "with", "dose", "doses", "dosing", "regimen", "arms",
                            "arm", "data", "given", "treated", "receiving", "concomitant", "background"})


def negated_before(text: str, start: int) -> bool:
    """Whether a negation cue comes just before position ``start`` (up to three filler words between)."""
    words = text[:start].split()
    skipped = 0
    while words and words[-1] in _OPTION_FILLER and skipped < 3:
        words.pop()
        skipped += 1
    if not words:
        return False
    return words[-1] in NEGATION_WORDS or (len(words) > 1 and (words[-2], words[-1]) in NEGATION_PAIRS)


def read_options(text: str, original: str) -> tuple[Options, set[int], set[int]]:
    """Analysis options, the word positions they used up (so they are not matched as concepts), and the
    positions of the follow-up phrase (dropped when it only describes a named trial: 'the 52-week CHRONOS')."""
    spans: list[tuple[int, int]] = []
    values: dict = {}

    def take(match: re.Match) -> None:
        spans.append(match.span())

    match = _BASELINE.search(text) or next(filter(None, (p.search(text) for p in _PATIENT_BASELINE)), None)
    if match:
        risk = baseline_value(match)
        if 0 < risk < 1:
            values["baseline_risk"] = round(risk, 6)
        else:
            values["invalid_baseline"] = True  # "baseline risk 150%": said back, never silently ignored
        about = next((name for name in ("about1", "about2", "about") if match.groupdict().get(name)), None)
        if about:  # the words naming the outcome stay for the outcome matcher
            spans.extend([(match.start(), match.start(about)), (match.end(about), match.end())])
        else:
            take(match)
    followup_span = _read_time(text, values, take)
    dose_negated, dose_end = False, -1
    match = _DOSE.search(text)
    if match:
        dose_negated, dose_end = negated_before(text, match.start()), match.end()
        values["exclude_dose_mg" if dose_negated else "dose_mg"] = int(match.group(1))
        take(match)
    for pattern, weeks in _INTERVAL:
        match = pattern.search(text)
        if match:
            if weeks is None:
                raw = match.group(1)
                weeks = _WORD_NUMBERS.get(raw) or int(raw)
            # "not 300 mg qw": the negation of the dose covers the interval written right after it; so does a
            # negation before a number written without "mg" ("not 300 qw": parse reads the number as a dose)
            joined = dose_negated and 0 <= match.start() - dose_end <= 1
            bare = re.search(r"(?:^|\s)\d{1,4}\s*$", text[:match.start()])
            negated = joined or negated_before(text, match.start()) or (
                bare is not None and dose_end < 0 and negated_before(text, bare.start() + (bare.group()[0] == " ")))
            values["exclude_interval_weeks" if negated else "interval_weeks"] = weeks
            take(match)
            break
    for pattern, measure in _MEASURES:
        match = pattern.search(text)
        if match:
            values["measure"] = measure
            take(match)
            break
    else:
        if re.search(r"\bOR\b", original):  # only a capitalised OR is the odds ratio, not the conjunction
            values["measure"] = "OR"
            spans.extend(m.span() for m in re.finditer(r"\bor\b", text))
    if _NNT.search(text):
        values["nnt"] = True
        take(_NNT.search(text))
    for pattern, (_, method, hksj) in _METHODS:
        match = pattern.search(text)
        if match:
            values["method"], values["hksj"] = method, hksj
            take(match)
            break
    both = re.search(r"\b(?:with\s+(?:or|and)\s+without|whether\s+or\s+not)\b", text)
    for pattern, background in () if both else _BACKGROUND:  # "with or without TCS" asks for both
        match = pattern.search(text)
        if match:
            if negated_before(text, match.start()):  # "no TCS", "not on topical steroids", "not monotherapy"
                background = "monotherapy" if background == "tcs" else "tcs"
            values["background"] = background
            take(match)
            break
    match = _LICENSED.search(text)
    if match:
        values["licensed_only"] = True
        take(match)
    match = _PER.search(text)
    if match:
        raw = next(g for g in match.groups() if g)
        values["per"] = 1000 if raw in ("1000", "1 000", "thousand") else 100
        take(match)
    if values.get("method") == "PETO":
        values["measure"] = "OR"
    consumed = word_positions(text, spans)
    followup_words = word_positions(text, [followup_span]) if followup_span else set()
    return Options(**values), consumed, followup_words


def _read_time(text: str, values: dict, take) -> tuple[int, int] | None:
    """The trials' length or the time asked about, whichever the question names first, and its span (dropped
    later when it only describes a named trial: 'the 52-week CHRONOS trial')."""
    ages = [m.span() for m in AGE.finditer(text)]

    def found(pattern: re.Pattern) -> re.Match | None:
        return next((m for m in pattern.finditer(text) if not any(s < m.end() and m.start() < e for s, e in ages)),
                    None)

    for pattern in _LENGTH:
        match = found(pattern)
        if match:
            key = "exclude_followup_weeks" if negated_before(text, match.start()) else "followup_weeks"
            values[key] = int(match.group(1)) if match.groups() and match.group(1) else 52
            take(match)
            return match.span()
    for pattern in (*_AT, _LONG):
        match = found(pattern)
        if match:
            weeks = int(match.group(1)) if match.groups() and match.group(1) else 52
            values["timepoint_weeks"] = weeks
            take(match)
            return match.span()
    return None


def time_phrase(text: str) -> str:
    """The words of the normalised text that asked for a time ('week 2', 'long term'), for saying them back."""
    spans: list[re.Match] = []
    _read_time(text, {}, spans.append)
    return spans[0].group(0).strip() if spans else ""


def word_positions(text: str, spans: list[tuple[int, int]]) -> set[int]:
    consumed: set[int] = set()
    position = 0
    for index, word in enumerate(text.split()):
        start = text.index(word, position)
        end = start + len(word)
        position = end
        if any(s < end and start < e for s, e in spans):
            consumed.add(index)
    return consumed


@dataclass(frozen=True)
class RegimenToken:
    """A dose or an interval written in the question: its character span and value."""

    start: int
    end: int
    kind: str  # "dose" or "interval"
    value: float


def regimen_tokens(text: str) -> list[RegimenToken]:
    """Every dose written with its unit ("30 mg") and every interval ("every 2 weeks", "qw", "weekly") in the
    normalised text, in order and not overlapping: the sides of "upa 30mg vs 15mg" or "dupilumab weekly vs
    every 2 weeks". (read_options keeps the first of each as the intervention's options.)"""
    found: list[RegimenToken] = []
    for match in _DOSE.finditer(text):
        found.append(RegimenToken(match.start(), match.end(), "dose", float(match.group(1))))
    for pattern, weeks in _INTERVAL:
        for match in pattern.finditer(text):
            value = weeks if weeks is not None else (_WORD_NUMBERS.get(match.group(1)) or int(match.group(1)))
            if not any(t.start < match.end() and match.start() < t.end for t in found):
                found.append(RegimenToken(match.start(), match.end(), "interval", float(value)))
    return sorted(found, key=lambda t: t.start)
