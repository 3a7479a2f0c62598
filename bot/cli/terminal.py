"""Text from input files made safe to show on a terminal."""

from __future__ import annotations

import unicodedata

# Zero-width (non-)joiner: needed to write Persian, Indic scripts and emoji sequences; they move no cursor and
# switch no mode, so they are shown as they are.
_KEEP = frozenset("\u200c\u200d")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_ESCAPED = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def safe_text(text: str) -> str:
    """``text`` with every control character replaced by a visible escape, e.g. ESC by ``\\x1b``.

    Study labels (and file names) come from files we did not write. Printed raw, ESC [ ... sequences (and
    the 8-bit CSI U+009B) can clear or recolour the screen, move the cursor, set the window title or, on
    some terminals, answer back as if typed; other C0/C1 controls ring the bell, return the carriage or
    break a line; bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C) make
    the text read in another order than it is stored ("Trojan source"); U+2028/U+2029 start new lines.
    So every character of Unicode category Cc, Cf, Zl, Zp or Cs is shown as a Python-style escape (``\\t``,
    ``\\n``, ``\\r``, ``\\xNN``, ``\\uNNNN``, ``\\UNNNNNNNN``), except the zero-width joiner and non-joiner.
    The escape stays visible, so a reader sees that the label holds something odd, and where; letters,
    accents, any script and emoji pass unchanged. (A label that already holds a backslash followed by
    ``x1b`` reads the same as an escaped ESC; machine-readable output, JSON, keeps the exact text.)
    """
    if text.isprintable():  # the common case: no control, format or separator character at all
        return text
    return "".join(
        _escape(ch) if not ch.isprintable() and ch not in _KEEP and unicodedata.category(ch) in _ESCAPED
        else ch
        for ch in text
    )
