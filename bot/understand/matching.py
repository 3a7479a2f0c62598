"""Phrase matching against the lexicon: exact (longest) phrases first, then timid fuzzy correction of single
unknown words, with look-alike drug names guarded. Everyday English words are never corrected.

Bounded work for any message (issue 24): each distinct word is looked up once per message, at most
MAX_FUZZY_WORDS distinct unknown words are looked up in the vocabulary at all, and the corrected readings of a
span are walked word by word, only along beginnings of vocabulary phrases, at most MAX_COMBINATIONS steps (a
span of real words takes a handful; a message of words that each have four equally near vocabulary forms took
4^6 readings per span before). benchmarks/bench_parse.py measures the worst cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

from bot.understand.lexicon import Lexicon, Sense
from bot.understand.ordinary import ORDINARY_ZIPF, PLAIN, ordinary_words
from bot.understand.reading import Clarification

# Words that are never fuzzy-corrected: everyday English that sits near vocabulary words.
COMMON_WORDS_TEXT = """
a about after all also am an and any are as at be been being but by can cause causes caused could data did
do does doing effect effects for from get gets give given had has have having how i if in increase increases
increased into is it its lower lowers make may me more most much my no not of on or our over per rate rates
reduce reduces reduced risk risks safe safety should show so some than that the their them then there these
they this those to treat treated treatment trial trials study studies under use used using versus vs was
what when where which while who why will with without would you your patient patients people person chance
odds ratio relative difference number needed fixed random model effect effects only just exclude excluding
leave except week weeks month months year years weekly every other compared compare against placebo dose
doses mg adult adults child children kid kids teen teens higher less fewer common rare risky worse better
cases case likely prevent protect protects help helps harm harmful outcome outcomes evidence meta analysis
pooled pool forest plot table tell know list which sources source reference references define definition
meaning mean means please thanks thank hello hi hey good morning evening bye okay ok cool great nice yes
catching catch catches watching matching fetching
"""


COMMON_WORDS = frozenset(COMMON_WORDS_TEXT.split())
# An ordinary English word is never corrected into a vocabulary word, however close: "effective" is not a
# misspelt "infections", "infusion" is not "infection". Ordinary = a Zipf frequency of at least 3 (about once
# per million words) in wordfreq's English list, which ships with the package (no download at run time).


@lru_cache(maxsize=20_000)
def ordinary_word(word: str) -> bool:
    if word in COMMON_WORDS:
        return True
    known = ordinary_words()  # wordfreq's answer for plain words, precomputed (bot/understand/ordinary.py)
    if known is not None and PLAIN.fullmatch(word):
        return word in known
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") >= ORDINARY_ZIPF


# Clinical shorthand for a word of a longer phrase ('hsv infxn' is 'hsv infection'); used only when the
# expansion completes an exact vocabulary phrase.
ABBREVIATIONS = {"infxn": "infection", "infxns": "infections", "infx": "infection", "infxs": "infections",
                  "inf": "infection", "infn": "infection", "infns": "infections", "conj": "conjunctivitis"}


MAX_FUZZY_WORDS = 32  # distinct unknown words per message looked up in the vocabulary; the rest stay as typed
MAX_COMBINATIONS = 64  # steps through one span's corrected readings; more is too ambiguous to read anything
MAX_WORD_CHECKS = 64  # distinct words per message checked against the English word list (wordfreq)


@dataclass
class Lookups:
    """One message's vocabulary look-ups: each word once, at most ``budget`` fuzzy searches in all."""

    budget: int = MAX_FUZZY_WORDS
    forms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fuzzy: dict[str, tuple[Sense, ...]] = field(default_factory=dict)

    checks: int = MAX_WORD_CHECKS
    ordinary: dict[str, bool] = field(default_factory=dict)

    def spend(self) -> bool:
        if self.budget <= 0:
            return False
        self.budget -= 1
        return True


def _ordinary(word: str, lookups: Lookups | None) -> bool:
    """ordinary_word, at most MAX_WORD_CHECKS distinct words a message; past that a word counts as ordinary
    (never corrected)."""
    if lookups is None:
        return ordinary_word(word)
    if word not in lookups.ordinary:
        if word not in COMMON_WORDS and lookups.checks <= 0:
            return True
        lookups.checks -= word not in COMMON_WORDS
        lookups.ordinary[word] = ordinary_word(word)
    return lookups.ordinary[word]


_PREFIXES: dict[int, tuple[object, frozenset]] = {}  # id(lexicon.phrases) -> (phrases, beginnings of phrases)


def phrase_prefixes(lexicon: Lexicon) -> frozenset[tuple[str, ...]]:
    """Every proper beginning of a multi-word vocabulary phrase (built once per lexicon)."""
    entry = _PREFIXES.get(id(lexicon.phrases))
    if entry is None or entry[0] is not lexicon.phrases:
        prefixes = frozenset(key[:n] for key in lexicon.phrases for n in range(1, len(key)))
        if len(_PREFIXES) > 8:
            _PREFIXES.clear()
        entry = _PREFIXES[id(lexicon.phrases)] = (lexicon.phrases, prefixes)
    return entry[1]


@dataclass
class Hit:
    start: int
    end: int
    senses: tuple[Sense, ...]
    typed: str
    fuzzy: bool = False


def match_phrases(words: list[str], lexicon: Lexicon, consumed: set[int]) -> list[Hit]:
    hits: list[Hit] = []
    lookups = Lookups()
    forms = [word_forms(w, lexicon, lookups) for w in words]
    i = 0
    while i < len(words):
        if i in consumed:
            i += 1
            continue
        longest = min(lexicon.longest, len(words) - i)
        readings: dict[int, set[tuple[Sense, ...]]] | None = None
        for size in range(longest, 0, -1):
            span = tuple(words[i:i + size])
            if any(j in consumed for j in range(i, i + size)):
                continue
            senses = lexicon.senses(span)
            fuzzy = False
            if not senses and size > 1 and any(len(f) > 1 for f in forms[i:i + size]):
                if readings is None:  # one walk for every length at this position
                    readings = span_readings(forms[i:i + longest], lexicon) or {}
                senses = _one(set(readings.get(size, ())))
                fuzzy = bool(senses)
            if senses:
                hits.append(Hit(i, i + size, senses, " ".join(span), fuzzy=fuzzy))
                i += size
                break
        else:
            fuzzy = fuzzy_senses(words[i], lexicon, lookups)
            if fuzzy:
                hits.append(Hit(i, i + 1, fuzzy, words[i], fuzzy=True))
            i += 1
    return hits


def word_forms(word: str, lexicon: Lexicon, lookups: Lookups | None = None) -> tuple[str, ...]:
    """The word itself, then what it may stand for inside a phrase: its spelling variant, or the phrase
    words nearest to it if it is unknown (ties kept: the neighbours decide, or nothing does)."""
    if lookups is not None:
        if word not in lookups.forms:
            lookups.forms[word] = _word_forms(word, lexicon, lookups)
        return lookups.forms[word]
    return _word_forms(word, lexicon, None)


def _word_forms(word: str, lexicon: Lexicon, lookups: Lookups | None) -> tuple[str, ...]:
    if word in ABBREVIATIONS:
        return (word, ABBREVIATIONS[word])
    variant = lexicon.variants.get(word)
    if variant:
        return (word, variant)
    if (len(word) < 4 or word in lexicon.phrase_words or lexicon.senses((word,)) or any(ch.isdigit() for ch in word)
            or _ordinary(word, lookups)):
        return (word,)
    if lookups is not None and not lookups.spend():
        return (word,)
    allowed = 1 if len(word) < 8 else 2
    found = extract(word, lexicon.phrase_words, scorer=OSA.distance, limit=3, score_cutoff=allowed)
    if not found:
        return (word,)
    best = found[0][1]
    return (word, *(term for term, score, _ in found if score == best))


def phrase_senses(forms: list[tuple[str, ...]], lexicon: Lexicon) -> tuple[Sense, ...]:
    """Senses of the one exact phrase the corrected words can spell; nothing if none, or if two disagree."""
    if all(len(f) == 1 for f in forms):
        return ()
    found = span_readings(forms, lexicon)
    return _one(found.get(len(forms), set())) if found is not None else ()


def span_readings(forms: list[tuple[str, ...]], lexicon: Lexicon) -> dict[int, set[tuple[Sense, ...]]] | None:
    """For each length n, the senses of the phrases that the first n words' forms can spell (one walk for all
    lengths); None when that takes more than MAX_COMBINATIONS steps (too ambiguous to read anything).

    The readings are walked word by word along beginnings of vocabulary phrases only, so a reading that no
    phrase starts with is dropped at its first word.
    """
    prefixes = phrase_prefixes(lexicon)
    found: dict[int, set[tuple[Sense, ...]]] = {}
    steps = 0
    readings: list[tuple[str, ...]] = [()]
    for depth, choices in enumerate(forms):
        extended = []
        for reading in readings:
            for word in choices:
                steps += 1
                if steps > MAX_COMBINATIONS:
                    return None
                candidate = (*reading, word)
                senses = lexicon.senses(candidate) if depth else ()
                if senses:
                    found.setdefault(depth + 1, set()).add(senses)
                if candidate in prefixes:
                    extended.append(candidate)
        readings = extended
        if not readings:
            break
    return found


def _one(found: set[tuple[Sense, ...]]) -> tuple[Sense, ...]:
    """The senses when every reading agrees on one concept, else nothing."""
    return found.pop() if len({tuple((s.kind, s.id) for s in f) for f in found}) == 1 else ()


def mark_trial_lists(hits: list[Hit], words: list[str], lexicon: Lexicon) -> None:
    """'excluding ADOL and PEDS': a term that is also a trial's name is the trial when it continues a list
    of trials."""
    for k, hit in enumerate(hits):
        trial_id = lexicon.shadowed_trials.get(tuple(words[hit.start:hit.end]))
        if not trial_id or k == 0 or hits[k - 1].senses[0].kind != "trial":
            continue
        between = words[hits[k - 1].end:hit.start]
        if between and all(w in ("and", "or", "nor", "the") for w in between):
            hits[k] = replace(hit, senses=(Sense("trial", trial_id, True),))


def fuzzy_senses(word: str, lexicon: Lexicon, lookups: Lookups | None = None) -> tuple[Sense, ...]:
    """Correct one misspelt word to one vocabulary word, or to nothing."""
    if lookups is not None:
        if word not in lookups.fuzzy:
            lookups.fuzzy[word] = _fuzzy_senses(word, lexicon, lookups)
        return lookups.fuzzy[word]
    return _fuzzy_senses(word, lexicon, None)


def _fuzzy_senses(word: str, lexicon: Lexicon, lookups: Lookups | None) -> tuple[Sense, ...]:
    if len(word) < 5 or any(ch.isdigit() for ch in word) or _ordinary(word, lookups):
        return ()
    if lookups is not None and not lookups.spend():
        return ()
    allowed = 1 if len(word) < 8 else 2
    found = extract(word, lexicon.single_words, scorer=OSA.distance, limit=4, score_cutoff=allowed)
    if not found:
        return ()
    best = found[0][1]
    winners = [term for term, score, _ in found if score == best]
    senses: list[Sense] = []
    for term in winners:
        for sense in lexicon.senses((term,)):
            if sense not in senses:
                senses.append(sense)
    runners = {s for term, score, _ in found if score == best + 1 for s in lexicon.senses((term,))}
    if len({(s.kind, s.id) for s in senses}) != 1:
        return tuple(senses)  # a tie between two concepts: the caller asks which was meant
    if best > 0 and any((r.kind, r.id) != (senses[0].kind, senses[0].id) for r in runners) and best == allowed:
        return ()  # no margin over a different concept: too close to call, and too risky to ask about
    return tuple(senses)


def lookalike_guard(hits: list[Hit], lexicon: Lexicon, words: list[str]) -> Clarification | None:
    """A fuzzy-corrected drug name that is also near one of its look-alikes is never silently accepted."""
    for hit in hits:
        sense = hit.senses[0]
        if not hit.fuzzy or sense.kind != "drug":
            continue
        for other in lexicon.lookalikes.get(sense.id, ()):
            if OSA.distance(hit.typed, other) <= max(2, len(other) // 4):
                label = lexicon.labels.get(("drug", sense.id), sense.id)
                return Clarification(reason="lookalike", typed=hit.typed,
                                     choices=((label, " ".join(w if w != hit.typed else label for w in words)),))
    return None
