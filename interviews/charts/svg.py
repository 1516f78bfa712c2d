"""SVG charts as strings: plain data in, escaped markup out. Pure Python, no Django.

Colours are never written here: shapes carry classes (``chart-s1`` … for a series, ``chart-heat1``
… for a heat level) that static/css/archive.css fills from custom properties, light and dark, so
a chart follows the colour scheme and the page's Content Security Policy (no inline style). Text
is ``currentColor``. Every chart has a ``<title>`` and ``<desc>`` naming it, and is ``role="img"``
unless it holds links (then ``role="group"``: an image's content is presentational); the links inside (to a turn, to a search) are for pointers and take no tab stop
(``tabindex="-1"``): the table that goes with every chart holds the same links for the keyboard.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from html import escape

PALETTE_SIZE = 6  # series colours in archive.css (--series-1 … --series-6), each 3:1 on both schemes
HEAT_LEVELS = 5  # heat colours in archive.css (--heat-1 … --heat-5), each with text at 4.5:1
STRIP_WIDTH = 1000  # the strip's viewBox width: positions are thousandths of the conversation


def esc(value) -> str:
    """Text or an attribute value, escaped for HTML and SVG alike (quotes included)."""
    return escape(str(value), quote=True)


class Palette:
    """Series classes handed out in the order keys are first asked for: the same key gets the same
    colour in every chart of a page that shares the palette. Past PALETTE_SIZE keys the colours
    repeat (the legend and each shape's title still name the series)."""

    def __init__(self, keys=()):
        self._classes: dict = {}
        for key in keys:
            self.css_class(key)

    def css_class(self, key) -> str:
        if key not in self._classes:
            self._classes[key] = f"chart-s{len(self._classes) % PALETTE_SIZE + 1}"
        return self._classes[key]


@dataclass(frozen=True)
class LinearScale:
    """Maps 0…domain_max onto 0…range_max; a zero domain maps everything to 0."""

    domain_max: float
    range_max: float

    def __call__(self, value: float) -> float:
        if self.domain_max <= 0:
            return 0.0
        return max(0.0, min(value, self.domain_max)) / self.domain_max * self.range_max


def heat_level(value: float, maximum: float) -> int:
    """0 for nothing, else 1…HEAT_LEVELS on a square-root scale: counts are skewed (a few topics
    carry most turns), and a linear scale would leave every other cell at the palest level."""
    if value <= 0 or maximum <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, math.ceil(HEAT_LEVELS * math.sqrt(value / maximum))))


def text_width(text: str, size: float) -> float:
    """Estimated width of ``text`` at font ``size``: a full-width (CJK) character is one em, any
    other about 0.56 em. Used to fit labels; the server knows no fonts."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.56 * size for ch in text)


def fit(text: str, width: float, size: float) -> str:
    """``text`` cut with "…" to fit ``width`` at font ``size``."""
    if text_width(text, size) <= width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > width:
            break
        out += ch
    return out.rstrip() + "…"


def _fmt(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".")


def _lang(lang: str) -> str:
    return f' lang="{esc(lang)}"' if lang else ""


def _open_svg(
    chart_id: str, css_class: str, view_box: str, title: str, desc: str, extra: str = "", *, linked: bool = False
) -> str:
    # role="img" makes its content presentational: links inside one are "nested interactive"
    # (axe-core), so a chart that links is a named group instead.
    role = "group" if linked else "img"
    return (
        f'<svg class="{esc(css_class)}" viewBox="{view_box}"{extra} role="{role}" focusable="false" '
        f'aria-labelledby="{esc(chart_id)}-title" aria-describedby="{esc(chart_id)}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{esc(chart_id)}-title">{esc(title)}</title><desc id="{esc(chart_id)}-desc">{esc(desc)}</desc>'
    )


def _link(href: str, title: str, shape: str) -> str:
    """A shape that links (for pointers only) and names itself in a tooltip."""
    inner = f"<title>{esc(title)}</title>{shape}" if title else shape
    if not href:
        return f"<g>{inner}</g>"
    return f'<a href="{esc(href)}" tabindex="-1">{inner}</a>'


# --- The strip of a conversation ---------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One turn (or one bucket of turns) of the strip: its width is its share of ``weight``."""

    weight: float
    css_class: str
    href: str = ""
    title: str = ""


def layout(weights) -> list[tuple[float, float]]:
    """(x, width) of each weight along STRIP_WIDTH, in order, edge to edge."""
    weights = [max(0.0, w) for w in weights]
    scale = LinearScale(sum(weights), STRIP_WIDTH)
    out, x = [], 0.0
    for w in weights:
        width = scale(w)
        out.append((x, width))
        x += width
    return out


def strip_row(segments, *, chart_id: str, title: str, desc: str, height: int = 10, gaps: bool = True) -> str:
    """One row of the strip: a rectangle per segment, edge to edge across the width. The viewBox is
    stretched to the row's CSS size (preserveAspectRatio="none": there is no text to distort); with
    ``gaps`` a hairline in the page's colour separates neighbours."""
    segments = list(segments)
    parts = [
        _open_svg(
            chart_id,
            "chart-strip" + (" chart-strip--gaps" if gaps else ""),
            f"0 0 {STRIP_WIDTH} {height}",
            title,
            desc,
            ' preserveAspectRatio="none"',
            linked=any(s.href for s in segments),
        )
    ]
    for segment, (x, width) in zip(segments, layout(s.weight for s in segments)):
        rect = f'<rect class="{esc(segment.css_class)}" x="{_fmt(x)}" y="0" width="{_fmt(width)}" height="{height}"/>'
        parts.append(_link(segment.href, segment.title, rect))
    parts.append("</svg>")
    return "".join(parts)


def lane_row(segments, marked, *, chart_id: str, title: str, desc: str, height: int = 10) -> str:
    """Marks under the strip: for each segment whose index is in ``marked``, a tick as wide as the
    segment (at least a few thousandths, so that a short turn still shows)."""
    segments = list(segments)
    parts = [
        _open_svg(chart_id, "chart-lane", f"0 0 {STRIP_WIDTH} {height}", title, desc, ' preserveAspectRatio="none"'),
        f'<rect class="chart-lane-track" x="0" y="{height / 2 - 0.5}" width="{STRIP_WIDTH}" height="1"/>',
    ]
    for index, (x, width) in enumerate(layout(s.weight for s in segments)):
        if index not in marked:
            continue
        tick = max(width, 3.0)
        # No link and no tooltip: the strip above links the same turn, and the lane's title names it.
        parts.append(
            f'<rect class="chart-mark" x="{_fmt(min(x, STRIP_WIDTH - tick))}" y="0" width="{_fmt(tick)}" height="{height}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


# --- Horizontal bars -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    value_text: str  # what is written after the bar: "1,234 · 45%"
    css_class: str = "chart-bar"
    lang: str = ""  # the label's language, when it is not the page's
    href: str = ""


BAR_ROW = 36
BAR_FONT = 13
BAR_VALUE_SPACE = 96  # room after the longest bar for "12,345 · 100%"


def bars(rows, *, chart_id: str, title: str, desc: str, width: int = 320) -> str:
    """Horizontal bars, one row each: the label above its bar, the value text after it."""
    rows = list(rows)
    height = max(1, len(rows)) * BAR_ROW
    scale = LinearScale(max((row.value for row in rows), default=0), width - BAR_VALUE_SPACE)
    parts = [
        _open_svg(
            chart_id,
            "chart-bars",
            f"0 0 {width} {height}",
            title,
            desc,
            f' width="{width}" height="{height}"',
            linked=any(row.href for row in rows),
        )
    ]
    for i, row in enumerate(rows):
        y = i * BAR_ROW
        length = scale(row.value)
        label = f'<text x="0" y="{y + 13}" class="chart-label"{_lang(row.lang)}>{esc(fit(row.label, width, BAR_FONT))}</text>'
        bar = f'<rect class="{esc(row.css_class)}" x="0" y="{y + 18}" width="{_fmt(max(length, 1.5 if row.value else 0))}" height="12" rx="2"/>'
        value = f'<text x="{_fmt(length + 6)}" y="{y + 28.5}" class="chart-value">{esc(row.value_text)}</text>'
        parts.append(label + _link(row.href, f"{row.label}: {row.value_text}" if row.href else "", bar) + value)
    parts.append("</svg>")
    return "".join(parts)


# --- Heat maps (a matrix of counts) --------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    """Row or column labels, in order, with their language when it is not the page's."""

    labels: tuple
    lang: str = ""


@dataclass(frozen=True)
class Cell:
    value: int
    href: str = ""
    title: str = ""


HEAT_CELL_W = 44
HEAT_CELL_H = 28
HEAT_FONT = 12
HEAT_MAX_LABEL = 260


def heatmap(
    rows: Axis, columns: Axis, cells: dict, *, chart_id: str, title: str, desc: str, rotate_columns: bool
) -> str:
    """A grid of counts: ``cells[(row index, column index)]`` is a Cell (missing means 0). Each
    count is written in its cell; its colour is its heat level. Column labels are turned 45° when
    ``rotate_columns`` (names), level otherwise (years)."""
    maximum = max((cell.value for cell in cells.values()), default=0)
    label_w = min(HEAT_MAX_LABEL, max((text_width(label, HEAT_FONT) for label in rows.labels), default=0) + 10)
    column_label_w = max((text_width(label, HEAT_FONT) for label in columns.labels), default=0)
    if rotate_columns:
        column_label_w = min(column_label_w, HEAT_MAX_LABEL)
        head = column_label_w * 0.71 + 12
        right = max(0.0, column_label_w * 0.71 - HEAT_CELL_W / 2)
    else:
        head, right = 22.0, 0.0
    width = label_w + len(columns.labels) * HEAT_CELL_W + right + 2
    height = head + len(rows.labels) * HEAT_CELL_H + 2
    parts = [
        _open_svg(
            chart_id,
            "chart-heat",
            f"0 0 {_fmt(width)} {_fmt(height)}",
            title,
            desc,
            f' width="{_fmt(width)}" height="{_fmt(height)}"',
            linked=any(cell.href for cell in cells.values()),
        )
    ]
    for c, label in enumerate(columns.labels):
        cx = label_w + c * HEAT_CELL_W + HEAT_CELL_W / 2
        if rotate_columns:
            text = fit(label, HEAT_MAX_LABEL, HEAT_FONT)
            parts.append(
                f'<text class="chart-label" x="0" y="0" transform="translate({_fmt(cx - 4)} {_fmt(head - 6)}) rotate(-45)"'
                f"{_lang(columns.lang)}>{esc(text)}</text>"
            )
        else:
            parts.append(
                f'<text class="chart-label" x="{_fmt(cx)}" y="{_fmt(head - 7)}" text-anchor="middle"{_lang(columns.lang)}>'
                f"{esc(label)}</text>"
            )
    for r, label in enumerate(rows.labels):
        y = head + r * HEAT_CELL_H
        parts.append(
            f'<text class="chart-label" x="{_fmt(label_w - 8)}" y="{_fmt(y + HEAT_CELL_H / 2 + 4)}" text-anchor="end"'
            f"{_lang(rows.lang)}>{esc(fit(label, label_w - 10, HEAT_FONT))}</text>"
        )
        for c in range(len(columns.labels)):
            cell = cells.get((r, c)) or Cell(0)
            level = heat_level(cell.value, maximum)
            x = label_w + c * HEAT_CELL_W
            shape = (
                f'<rect class="chart-heat{level}" x="{_fmt(x + 1)}" y="{_fmt(y + 1)}" width="{HEAT_CELL_W - 2}" '
                f'height="{HEAT_CELL_H - 2}" rx="3"/>'
            )
            if cell.value:
                shape += (
                    f'<text class="chart-heat-text{level}" x="{_fmt(x + HEAT_CELL_W / 2)}" y="{_fmt(y + HEAT_CELL_H / 2 + 4)}" '
                    f'text-anchor="middle">{cell.value}</text>'
                )
                parts.append(_link(cell.href, cell.title, shape))
            else:
                parts.append(shape)
    parts.append("</svg>")
    return "".join(parts)
