"""Render a Reply as Telegram HTML (escaped, split under Telegram's limits) or as plain terminal text."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from bot.answers.reply import Line, Reply, Section, Span

if TYPE_CHECKING:
    from bot.understand.reading import Parse

MESSAGE_LIMIT = 4096  # Telegram: characters per message
CAPTION_LIMIT = 1024  # Telegram: characters per photo caption
_TAGS = {"b": "b", "i": "i", "code": "code"}
_TAG = re.compile(r"<[^>]+>")


def span_html(span: Span) -> str:
    text = html.escape(span.text, quote=False)
    if span.href:
        return f'<a href="{html.escape(span.href, quote=True)}">{text}</a>'
    tag = _TAGS.get(span.style)
    return f"<{tag}>{text}</{tag}>" if tag else text


def line_html(parts: Line) -> str:
    return "".join(span_html(s) for s in parts)


def line_text(parts: Line) -> str:
    return "".join(s.text for s in parts)


def section_lines(section: Section) -> list[Line]:
    return [(Span(section.title, "b"),), *section.lines]


def html_messages(reply: Reply, sections: tuple[str, ...] = (), limit: int = MESSAGE_LIMIT) -> list[str]:
    """The headline (and any sections asked for) as Telegram HTML messages, each within the limit.

    Splits only between lines, and between sections when it can; a single over-long line is cut at a
    word boundary outside any tag (each line is rendered on its own, so no tag spans two messages).
    """
    blocks: list[list[Line]] = [list(reply.headline)]
    blocks += [section_lines(s) for s in reply.sections if s.key in sections]
    if reply.footer:
        blocks[-1] = [*blocks[-1], reply.footer]
    messages: list[str] = []
    current = ""
    for block_index, block in enumerate(blocks):
        for line_index, parts in enumerate(block):
            rendered = line_html(parts)
            pieces = _fit(rendered, parts, limit)
            for piece in pieces:
                separator = "\n\n" if (line_index == 0 and block_index > 0 and current) else "\n"
                candidate = f"{current}{separator}{piece}" if current else piece
                if len(candidate) <= limit:
                    current = candidate
                else:
                    messages.append(current)
                    current = piece
    if current:
        messages.append(current)
    return messages


def _fit(rendered: str, parts: Line, limit: int) -> list[str]:
    if len(rendered) <= limit:
        return [rendered]
    # Fall back to plain escaped text for an over-long line, cut at spaces.
    text = html.escape(line_text(parts), quote=False)
    pieces, piece = [], ""
    for word in text.split(" "):
        while len(word) > limit:
            head, word = _cut_word(word, limit)
            pieces.append(head)
        candidate = f"{piece} {word}" if piece else word
        if len(candidate) > limit:
            pieces.append(piece)
            piece = word
        else:
            piece = candidate
    if piece:
        pieces.append(piece)
    return pieces


def _cut_word(word: str, limit: int) -> tuple[str, str]:
    """Cut inside an over-long word without splitting an HTML entity such as &amp;."""
    cut = limit
    amp = word.rfind("&", 0, cut)
    if amp != -1 and word.find(";", amp) >= cut:
        cut = amp
    return word[:cut], word[cut:]


def plain_text(message_html: str) -> str:
    """What Telegram shows of an HTML message: the text without its tags, entities decoded."""
    return html.unescape(_TAG.sub("", message_html))


def is_effect(parsed: Parse) -> bool:
    return parsed.status == "answer" and parsed.intent == "effect" and bool(parsed.outcomes)


def chat_sections(reply: Reply, parsed: Parse | None) -> tuple[str, ...]:
    """The sections a chat sends with the answer: effect answers, comparisons and rankings show their headline,
    their details behind buttons; others everything (delivery sends this; the benchmarks measure it)."""
    if parsed is not None and (is_effect(parsed) or parsed.intent in ("compare", "rank")):
        return ()
    return tuple(s.key for s in reply.sections)


def first_message_lines(reply: Reply) -> list[str]:
    """The lines of the first message a phone shows (before any button is pressed), as Telegram shows them:
    the headline and the footer, as delivery sends them (details stay behind buttons)."""
    messages = html_messages(reply, ())
    return plain_text(messages[0]).split("\n") if messages else []


def caption_html(reply: Reply, limit: int = CAPTION_LIMIT) -> str:
    """A photo caption: the first headline lines that fit, then the footer."""
    footer = line_html(reply.footer) if reply.footer else ""
    out = ""
    for parts in reply.headline:
        rendered = line_html(parts)
        candidate = f"{out}\n{rendered}" if out else rendered
        if len(candidate) + len(footer) + 1 > limit:
            break
        out = candidate
    if not out:
        out = html.escape(line_text(reply.headline[0]), quote=False)[: max(0, limit - len(footer) - 2)] \
            if reply.headline else ""
    return f"{out}\n{footer}" if footer and out else (out or footer)


DETAIL_SECTIONS = ("estimates", "trials", "method", "sensitivity", "sources")


def text(reply: Reply, sections: tuple[str, ...] = DETAIL_SECTIONS) -> str:
    """Plain text for the terminal: headline, then the detail sections, then the footer."""
    out = [line_text(p) for p in reply.headline]
    for section in (s for s in reply.sections if s.key in sections):
        out += ["", section.title.upper(), *(line_text(p) for p in section.lines)]
    if reply.buttons and not reply.sections:
        out += ["", "Suggestions: " + " | ".join(b.label for b in reply.buttons)]
    if reply.footer:
        out += ["", line_text(reply.footer)]
    return "\n".join(out)
