"""Layout for pictures read on a phone: a page 360 points wide (a phone's width), laid out from the top in points
with every text measured by the renderer before it is placed, so that no label collides with another and none
leaves the page, whatever drug or trial name it holds (issue 22; tests/test_picture_layout.py checks it).

A picture is a `Page`: wrapped paragraphs (title, who and when, the source of its lead estimate), tables whose
columns are as wide as their widest cell (a cell too wide for its share wraps onto more lines), and a footer with
the data version. `Page.figure()` draws it on a fresh matplotlib Figure (object-oriented API, no pyplot state);
a forest plot adds its axes in a band the page reserves for it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache

PHONE_WIDTH = 360.0  # points
MARGIN = 8.0
MIN_FONT = 7.0  # points at 360 points wide: the smallest text a phone shows legibly
DPI = 216  # three pixels a point: sharp on a phone's screen (1,080 pixels wide)
GREY = "#555555"
RULE = "#dddddd"


@lru_cache(maxsize=1)
def _renderer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(100, 100, 72)  # 72 dpi: one pixel is one point


SLACK = 1.04  # hinting at the picture's resolution draws text a little wider than measured at 72 dpi


def text_size(text: str, size: float, weight: str = "normal") -> tuple[float, float]:
    """Width and height of one line of text in points, as the renderer draws it (with a little slack)."""
    from matplotlib.font_manager import FontProperties

    width, height, _ = _renderer().get_text_width_height_descent(text or " ", FontProperties(size=size,
                                                                                            weight=weight), False)
    return width * SLACK, height


def wrap(text: str, width: float, size: float, weight: str = "normal") -> list[str]:
    """Words onto lines no wider than ``width`` points (a single word wider than that is cut)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if text_size(candidate, size, weight)[0] <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while text_size(word, size, weight)[0] > width and len(word) > 1:
            cut = len(word)
            while cut > 1 and text_size(word[:cut], size, weight)[0] > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


@dataclass
class Item:
    """One line of text at (x, y) points from the page's top left; ``ha`` left, right or center."""

    x: float
    y: float  # the top of the line
    text: str
    size: float
    weight: str = "normal"
    color: str = "black"
    ha: str = "left"


@dataclass
class Page:
    width: float = PHONE_WIDTH
    items: list[Item] = field(default_factory=list)
    rules: list[tuple[float, float, float]] = field(default_factory=list)  # (x0, x1, y) horizontal lines
    fills: list[tuple[float, float, float, float, str]] = field(default_factory=list)  # x, y, w, h, colour
    bands: list[tuple[float, float, float, float]] = field(default_factory=list)  # x, y, w, h for axes
    y: float = MARGIN

    @property
    def inner(self) -> float:
        return self.width - 2 * MARGIN

    def paragraph(self, text: str, size: float = 8.0, weight: str = "normal", color: str = "black",
                  gap: float = 2.0) -> None:
        for piece in wrap(text, self.inner, size, weight):
            self.items.append(Item(MARGIN, self.y, piece, size, weight, color))
            self.y += size * 1.25
        self.y += gap

    def space(self, points: float) -> None:
        self.y += points

    def band(self, height: float, x0: float | None = None, x1: float | None = None) -> tuple[float, float, float,
                                                                                              float]:
        """Reserve a band of the page for an axes; returns (x, y, w, h) in points."""
        x0 = MARGIN if x0 is None else x0
        x1 = self.width - MARGIN if x1 is None else x1
        rect = (x0, self.y, x1 - x0, height)
        self.bands.append(rect)
        self.y += height
        return rect

    def table(self, header: tuple[str, ...], rows: list[tuple[str, ...]], size: float = 7.5,
              colours: list[str] | None = None) -> None:
        """Columns as wide as their widest cell, shrunk in proportion when the page is too narrow (cells then wrap
        onto more lines); a light rule under the header and between rows."""
        pad = 4.0
        ncol = len(header)
        cells = [[header[c]] + [row[c] for row in rows] for c in range(ncol)]
        natural = [max(text_size(cell, size, "bold" if r == 0 else "normal")[0] for r, cell in enumerate(col)) + pad
                   for col in cells]
        least = [max(text_size(word, size, "bold" if r == 0 else "normal")[0] for r, cell in enumerate(col)
                     for word in cell.split(" ")) + pad for col in cells]
        widths = _fit(natural, least, self.inner)
        xs = [MARGIN + sum(widths[:c]) for c in range(ncol)]
        for r, row in enumerate([header, *rows]):
            weight = "bold" if r == 0 else "normal"
            cells = [wrap(cell, widths[c] - pad, size, weight) for c, cell in enumerate(row)]
            height = max(len(c) for c in cells) * size * 1.25
            if r == 0:
                self.fills.append((MARGIN, self.y - 1.5, self.inner, height + 3, "#f2f2f2"))
            for c, lines in enumerate(cells):
                colour = colours[r - 1] if colours and r > 0 and c == 0 else "black"
                for i, piece in enumerate(lines):
                    self.items.append(Item(xs[c], self.y + i * size * 1.25, piece, size, weight, colour))
            self.y += height + 3
            self.rules.append((MARGIN, self.width - MARGIN, self.y - 1.5))
        self.y += 3

    def footer(self, text: str) -> None:
        self.space(2)
        self.paragraph(text, size=MIN_FONT, color=GREY, gap=0)

    def figure(self):
        """The page drawn on a fresh Figure; returns (figure, to_axes) where to_axes(rect) makes an axes in a
        reserved band."""
        from matplotlib.figure import Figure

        height = self.y + MARGIN
        fig = Figure(figsize=(self.width / 72, height / 72), dpi=DPI)
        for x, y, w, h, colour in self.fills:
            fig.patches.append(_rect(fig, x / self.width, 1 - (y + h) / height, w / self.width, h / height, colour))
        for x0, x1, y in self.rules:
            fig.add_artist(_line(fig, (x0 / self.width, x1 / self.width), (1 - y / height,) * 2))
        for it in self.items:
            fig.text(it.x / self.width, 1 - it.y / height, it.text, fontsize=it.size, weight=it.weight,
                     color=it.color, ha=it.ha, va="top")

        def to_axes(rect: tuple[float, float, float, float]):
            x, y, w, h = rect
            return fig.add_axes((x / self.width, 1 - (y + h) / height, w / self.width, h / height))

        return fig, to_axes


def _fit(natural: list[float], least: list[float], total: float) -> list[float]:
    """Column widths: natural where the page allows (the rest shared out); else the widest column gives way
    first, a point at a time, never below its longest word (a word is never cut)."""
    if sum(natural) <= total:
        extra = (total - sum(natural)) / len(natural)
        return [w + extra for w in natural]
    widths = list(natural)
    while sum(widths) > total:
        slack = [i for i in range(len(widths)) if widths[i] - least[i] >= 1]
        if not slack:
            break  # it cannot fit: the layout test says so
        widest = max(slack, key=lambda i: widths[i])
        widths[widest] -= min(1.0, sum(widths) - total)
    return widths


def _rect(fig, x, y, w, h, colour):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, transform=fig.transFigure, facecolor=colour, edgecolor="none", zorder=-1)


def _line(fig, xs, ys):
    from matplotlib.lines import Line2D

    return Line2D(xs, ys, transform=fig.transFigure, color=RULE, linewidth=0.6)


def png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def data_line(version: str) -> str:
    """The footer every picture carries: the data version, and that it is not medical advice."""
    return f"Data {version}. For clinicians; not medical advice." if version else \
        "For clinicians; not medical advice."
