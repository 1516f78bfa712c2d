"""Quote cards: the OpenGraph image (1200x630 PNG) behind each quote permalink.

Pure Python + Pillow, no Django imports, so it is tested on plain strings.

    content = CardContent(quote="...", speaker="...", interview="...", date="2024-08-24", language="zh")
    png = render_card(content)          # bytes, deterministic for the same content
    key = card_cache_key(content)       # sha256 over the fields + RENDERER_VERSION

Fonts are looked up on the machine by :mod:`~interviews.quotes.card_fonts`; text that needs CJK
glyphs when no CJK font is installed raises :class:`~interviews.quotes.card_fonts.FontMissing`
(the view turns that into a fallback image) instead of drawing tofu boxes. Line breaking
(kinsoku, hyphenation) is in :mod:`~interviews.quotes.card_text`; this module fits the quote into
its box and draws the card.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from typing import NamedTuple

from PIL import Image, ImageDraw

from interviews.quotes.card_fonts import FontInfo, find_font, font_for_text, load_font, norm_lang
from interviews.quotes.card_text import (
    ELLIPSIS,
    clean_text,
    ellipsize,
    strip_outer_quotes,
    text_width,
    truncate_to_width,
    wrap_lines,
)

# Bump when the layout, fonts or line breaking change, so cached cards are regenerated.
RENDERER_VERSION = "3"

WIDTH, HEIGHT = 1200, 630
# ---------------------------------------------------------------------------------------------
# Content
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardContent:
    quote: str  # the quote text (or selected span), plain text
    speaker: str
    interview: str  # interview title
    date: str  # already formatted, e.g. "2024-08-24" (may be "")
    language: str  # ISO 639-1 of the quote: "de", "zh", "en", "ja", ...
    site_name: str = "Founder Interview Archive"
    provenance: str = ""  # the quote's language and kind of translation: "German, machine translation"
    time: str = ""  # where the turn starts in the recording, as a reader reads it: "12:34", "1:02:03"


def card_cache_key(content: CardContent) -> str:
    """A stable key for the rendered card: changes when any field or the renderer changes."""
    payload = json.dumps(
        [
            RENDERER_VERSION,
            content.quote,
            content.speaker,
            content.interview,
            content.date,
            content.language,
            content.site_name,
            content.provenance,
            content.time,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Fitting the quote into its box
# ---------------------------------------------------------------------------------------------


MAX_QUOTE_SIZE = 56
MIN_QUOTE_SIZE = 30
MAX_QUOTE_CHARS = 2000  # longer input is cut before layout (it could never fit anyway)


class FitResult(NamedTuple):
    lines: list[str]
    font_size: int
    truncated: bool


def line_height(size: int, cjk: bool) -> int:
    return round(size * (1.5 if cjk else 1.3))


def _block_height(n_lines: int, size: int, cjk: bool) -> float:
    # The first line's cap/ideograph height plus the leading of the rest.
    return (n_lines - 1) * line_height(size, cjk) + size * 1.1


def fit_quote(
    text: str,
    font: FontInfo,
    box: tuple[int, int],
    language: str = "en",
    max_size: int = MAX_QUOTE_SIZE,
    min_size: int = MIN_QUOTE_SIZE,
) -> FitResult:
    """Lines and font size for the quote in a (width, height) box.

    Tries sizes from max_size down to min_size (step 2) and takes the first at which the wrapped
    text fits; if it does not fit even at min_size, keeps as many lines as fit and ends the last
    one with "…" at a word or CJK-character boundary (truncated=True).
    """
    box_w, box_h = box
    text = clean_text(text)
    truncated = False
    if len(text) > MAX_QUOTE_CHARS:
        text = text[:MAX_QUOTE_CHARS]
        truncated = True

    def max_lines(size: int) -> int:
        return max(1, int((box_h - size * 1.1) // line_height(size, font.cjk)) + 1)

    if not truncated:
        for size in range(max_size, min_size - 1, -2):
            lines = wrap_lines(text, load_font(font, size), box_w, language, limit=max_lines(size))
            if len(lines) <= max_lines(size):
                return FitResult([ln.text for ln in lines], size, False)
    size = min_size
    fnt = load_font(font, size)
    lines = wrap_lines(text, fnt, box_w, language, limit=max_lines(size))
    keep = max_lines(size)
    if len(lines) <= keep and not truncated:
        return FitResult([ln.text for ln in lines], size, False)
    kept = lines[:keep]
    last = ellipsize(kept[-1], fnt, box_w)
    return FitResult([ln.text for ln in kept[:-1]] + [last], size, True)


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


BACKGROUND = (247, 244, 238)
INK = (28, 27, 25)
MUTED = (112, 106, 97)
ACCENT = (176, 72, 44)
RULE = (221, 214, 201)

MARGIN_X = 80
QUOTE_BOX = (176, 76, 1120, 452)  # left, top, right, bottom
FOOTER_RULE_Y = 486
SPEAKER_BASELINE = 540
META_BASELINE = 584


def _draw_text(draw: ImageDraw.ImageDraw, xy, text: str, font, fill, anchor="ls") -> None:
    if text:
        draw.text(xy, text, font=font, fill=fill, anchor=anchor)


def render_card(content: CardContent) -> bytes:
    """The 1200x630 PNG for a quote. Raises FontMissing if CJK text has no CJK font to draw it."""
    language = norm_lang(content.language) or "en"
    quote = strip_outer_quotes(clean_text(content.quote))
    speaker = clean_text(content.speaker)
    interview = clean_text(content.interview)
    date = clean_text(content.date)
    provenance = clean_text(content.provenance)
    time = clean_text(content.time)
    site = clean_text(content.site_name)

    # Fonts first: a missing CJK font fails before any drawing.
    quote_font = font_for_text(quote, language, "regular", "serif")
    speaker_font_info = font_for_text(speaker, language, "bold", "sans")
    meta_font_info = font_for_text(interview + date + provenance, language, "regular", "sans")
    site_font_info = font_for_text(site, "en", "bold", "sans")
    mark_font = load_font(find_font("en", "bold", "serif"), 168)

    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 11, HEIGHT), fill=ACCENT)  # accent band on the left edge
    _draw_quote(draw, quote, quote_font, mark_font, language)

    # Footer: hairline, speaker (bold) with the site name on the right, then title · date · language.
    draw.line((MARGIN_X, FOOTER_RULE_Y, WIDTH - MARGIN_X, FOOTER_RULE_Y), fill=RULE, width=2)
    site_w = _draw_site_name(draw, site.upper(), load_font(site_font_info, 20))
    speaker_font = load_font(speaker_font_info, 30)
    time_font = load_font(find_font("en", "regular", "sans"), 26)
    time_w = _time_width(time, time_font)
    speaker_max = WIDTH - 2 * MARGIN_X - site_w - 40 - (time_w + TIME_GAP if time_w else 0)
    speaker = truncate_to_width(speaker, speaker_font, speaker_max)
    _draw_text(draw, (MARGIN_X, SPEAKER_BASELINE), speaker, speaker_font, INK)
    if time_w:
        _draw_time(draw, MARGIN_X + text_width(speaker_font, speaker) + TIME_GAP, time, time_font)
    meta_font = load_font(meta_font_info, 22)
    sep = "  \u00b7  "
    meta_max = WIDTH - 2 * MARGIN_X
    date_part = sep.join(part for part in (date, provenance) if part)
    date_part = (sep + date_part) if (date_part and interview) else date_part
    title_max = meta_max - text_width(meta_font, date_part)
    title = truncate_to_width(interview, meta_font, title_max) if interview else ""
    _draw_text(draw, (MARGIN_X, META_BASELINE), title + date_part, meta_font, MUTED)

    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _draw_quote(draw: ImageDraw.ImageDraw, quote: str, quote_font: FontInfo, mark_font, language: str) -> None:
    """The quote, vertically centred in its box, with a large quotation mark in the gutter."""
    left, top, right, bottom = QUOTE_BOX
    box_w, box_h = right - left, bottom - top
    lines, size, _ = fit_quote(quote or ELLIPSIS, quote_font, (box_w, box_h), language)
    fnt = load_font(quote_font, size)
    lh = line_height(size, quote_font.cjk)
    block = _block_height(len(lines), size, quote_font.cjk)
    # Centre optically: short quotes sit a little above the middle.
    y0 = top + max(0.0, (box_h - block) * 0.42)
    first_baseline = y0 + size * 0.88
    for i, line in enumerate(lines):
        _draw_text(draw, (left, round(first_baseline + i * lh)), line, fnt, INK)

    # The mark's top level with the top of the first line.
    probe = "\u56fd" if quote_font.cjk else "H"
    line_top = first_baseline + fnt.getbbox(probe, anchor="ls")[1]
    mark = "\u201c"
    mbox = mark_font.getbbox(mark, anchor="ls")
    draw.text((MARGIN_X - mbox[0], round(line_top - mbox[1])), mark, font=mark_font, fill=ACCENT, anchor="ls")


TIME_GAP = 24  # between the speaker and the time code
PLAY_SIZE = 16  # the ▶ before the time code: drawn as a triangle, whatever glyphs the font has


def _time_width(time: str, font) -> float:
    return PLAY_SIZE + 8 + text_width(font, time) if time else 0


def _draw_time(draw: ImageDraw.ImageDraw, x: float, time: str, font) -> None:
    """ "▶ 12:34" on the speaker line: where the quote starts in the recording."""
    top = SPEAKER_BASELINE - 19
    draw.polygon([(x, top), (x, top + PLAY_SIZE), (x + PLAY_SIZE * 0.87, top + PLAY_SIZE / 2)], fill=ACCENT)
    _draw_text(draw, (round(x + PLAY_SIZE + 8), SPEAKER_BASELINE), time, font, MUTED)


def _draw_site_name(draw: ImageDraw.ImageDraw, site_text: str, site_font) -> float:
    """The site name at the right of the speaker line, letter-spaced; returns its width."""
    if not site_text:
        return text_width(site_font, site_text)
    # Letter-spaced small caps look: draw character by character with 1.5 px tracking.
    tracking = 1.5
    total = sum(text_width(site_font, ch) for ch in site_text) + tracking * (len(site_text) - 1)
    if total > 460:
        site_text = truncate_to_width(site_text, site_font, 460)
        total = text_width(site_font, site_text)
        tracking = 0.0
    x = WIDTH - MARGIN_X - total
    for ch in site_text:
        _draw_text(draw, (round(x), SPEAKER_BASELINE), ch, site_font, ACCENT)
        x += text_width(site_font, ch) + tracking
    return total
