"""One normalisation for vocabulary terms and questions, so that both sides of a match are spelled alike."""

from __future__ import annotations

import re
import unicodedata

# British -> American spellings, applied word by word so the vocabulary needs only one of them.
_SPELLING = {
    "paediatric": "pediatric", "paediatrics": "pediatrics", "oesophagitis": "esophagitis",
    "haemorrhage": "hemorrhage", "randomised": "randomized", "randomisation": "randomization",
    "anaemia": "anemia", "oedema": "edema", "favour": "favor", "favours": "favors", "colour": "color",
    "tumour": "tumor", "programme": "program", "analyse": "analyze", "behaviour": "behavior",
    "leukaemia": "leukemia", "impetiginised": "impetiginized", "foetal": "fetal",
}
_NON_WORD = re.compile(r"[^a-z0-9%.]+")
_SPACE_RUN = re.compile(r"(\s)\s+")  # a run of white space: kept as its first character
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")


def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation, split '300mg' into '300 mg', fold British spelling.

    Decimal points and per-cent signs survive, because '2.5%' is an option the user gave. The letter-digit
    split keeps the regimen shorthands apart ('q2w' -> 'q 2 w'); the vocabulary is normalised the same way.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _SPACE_RUN.sub(r"\1", text)  # before any other pattern sees it; the result is the same
    text = text.replace("'s ", " ").replace("’s ", " ")
    text = _NON_WORD.sub(" ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # keep only decimal points
    text = _LETTER_DIGIT.sub(" ", text)
    words = [_SPELLING.get(w, w) for w in text.split()]
    return " ".join(words)


def tokens(text: str) -> list[str]:
    return normalise(text).split()
