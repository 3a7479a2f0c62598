"""docs/conversation.md's table of carried slots is the one the code reads (bot/understand/frame.py CARRY):
same slots, same kinds of follow-up, same kept/reset/set cells, same reasons; and every field of the frame
belongs to exactly one slot, so an option added later cannot be carried (or dropped) without a row."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from bot.understand.frame import CARRY, KINDS
from bot.understand.options import Options
from bot.understand.reading import Parse

DOC = Path(__file__).resolve().parents[1] / "docs" / "conversation.md"


def _doc_table() -> tuple[list[str], dict[str, list[str]]]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, text in enumerate(lines) if text.startswith("| slot | new drug"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = {}
    for text in lines[start + 2:]:
        if not text.startswith("|"):
            break
        cells = [c.strip() for c in text.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return header, rows


def _cell(carry, kind: str) -> str:
    if kind == carry.kind and kind != "new option":
        return "set"
    return "reset" if kind in carry.resets_on else "kept"


def test_the_doc_table_is_the_code_table():
    header, rows = _doc_table()
    assert header == ["slot", *KINDS, "why"]
    assert list(rows) == [c.slot for c in CARRY]
    for carry in CARRY:
        assert rows[carry.slot][:-1] == [_cell(carry, k) for k in KINDS], carry.slot
        assert rows[carry.slot][-1] == carry.why, carry.slot


def test_every_field_of_the_frame_belongs_to_one_slot():
    option_fields = [f for c in CARRY for f in c.option_fields]
    assert sorted(option_fields) == sorted(f.name for f in fields(Options)), "an option with no row, or two"
    parse_fields = {f.name for f in fields(Parse)}
    slotted = [f for c in CARRY for f in c.parse_fields if f in parse_fields]
    assert len(slotted) == len(set(slotted))
    # the reading's own bookkeeping, not the question: never carried as such
    not_slots = {"status", "options", "uncovered", "clarification", "corrections", "negated", "notices", "unused",
                 "named", "carried"}
    assert parse_fields - not_slots == set(slotted)


def test_the_doc_names_the_fields_of_each_slot():
    text = DOC.read_text(encoding="utf-8")
    for carry in CARRY:
        for name in carry.option_fields:
            assert re.search(rf"`{name}`", text), name
