"""The reply as styled text, independent of where it is shown (Telegram HTML, terminal, JSON)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    text: str
    style: str = ""  # "", "b" (bold), "i" (italic), "code"
    href: str = ""


Line = tuple[Span, ...]


@dataclass(frozen=True)
class Section:
    key: str  # trials, method, sources, absolute, subgroups
    title: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # e.g. "plot", "icons", "trials", "method", "measure:OR", "model:random", "sources", "ask:<q>"


@dataclass(frozen=True)
class Reply:
    headline: tuple[Line, ...]
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: Line = ()


def bold(text: str) -> Span:
    return Span(text, "b")


def italic(text: str) -> Span:
    return Span(text, "i")


def link(text: str, href: str) -> Span:
    return Span(text, "", href)


def line(*parts: Span | str) -> Line:
    return tuple(Span(p) if isinstance(p, str) else p for p in parts)
