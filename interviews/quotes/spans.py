"""Exact spans of a turn: `/q/<key>/?s=<start>-<end>&h=<fingerprint>`.

Pure Python, no Django: the quote page, the card image and the JSON all resolve a span here.

Offsets
    ``start`` and ``end`` count Unicode code points (Python ``str`` indices) into ``Turn.text`` as
    stored, end exclusive. Paragraphs are stored joined by exactly ``"\\n\\n"``, and those two
    characters count like any others: a span from the end of one paragraph into the next includes
    them. The page renders every paragraph of ``text.split("\\n\\n")`` as a ``<p data-offset=…>``
    holding its start offset, so the browser never has to know the separator rule; its script
    converts the selection's UTF-16 positions to code points (an emoji is 2 units in JavaScript,
    1 character here) before building the link. Whitespace at either edge of a span is trimmed.

Fingerprint
    ``h`` is a 31-bit polynomial hash of the span's code points (``h = (h * 1000003 + cp) mod
    2**31 - 1``, in base 36), the same arithmetic in static/js/permalinks.js (it stays below
    2**53, exact in a JavaScript number). It lets a link outlive a corrected re-ingest: when the
    text at the offsets no longer hashes to ``h``, the span's text is searched for in the new
    turn text with a rolling hash (linear in the turn's length) and the occurrence nearest the old
    offset wins. A link that cannot be resolved falls back to the whole turn with a note; it is
    never an error. Links are self-contained: nothing is written to the database when one is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PARAGRAPH_SEPARATOR = "\n\n"

FINGERPRINT_MOD = 2_147_483_647  # 2**31 - 1, a prime
FINGERPRINT_BASE = 1_000_003

_SPAN_PARAM = re.compile(r"([0-9]{1,7})-([0-9]{1,7})")  # not \d: that admits every script's digits
_HASH_PARAM = re.compile(r"[0-9a-z]{1,7}")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"

# Why a span is (not) shown, as the page and the JSON report it.
NONE = "none"  # no span asked for
EXACT = "exact"  # the offsets still point at the same text (or carry no fingerprint)
MOVED = "moved"  # the text was found again at other offsets after a corrected re-ingest
MISSING = "missing"  # the fingerprinted text is no longer in the turn
INVALID = "invalid"  # malformed or out-of-range parameters


def _base36(n: int) -> str:
    digits = ""
    while True:
        n, r = divmod(n, 36)
        digits = _DIGITS[r] + digits
        if n == 0:
            return digits


def fingerprint(text: str) -> str:
    """The short hash carried in a span link (`h=`); the same function runs in the browser."""
    h = 0
    for ch in text:
        h = (h * FINGERPRINT_BASE + ord(ch)) % FINGERPRINT_MOD
    return _base36(h)


def find(text: str, length: int, wanted: str, near: int = 0) -> int | None:
    """Start of the `length`-character substring of `text` whose fingerprint is `wanted` (the one
    nearest `near` if several), or None. Linear time: a rolling hash over the text."""
    if length <= 0 or length > len(text):
        return None
    try:
        target = int(wanted, 36)
    except ValueError:
        return None
    mod, base = FINGERPRINT_MOD, FINGERPRINT_BASE
    high = pow(base, length - 1, mod)
    codes = [ord(ch) for ch in text]
    h = 0
    for cp in codes[:length]:
        h = (h * base + cp) % mod
    best = None
    for start in range(len(codes) - length + 1):
        if start:
            h = ((h - codes[start - 1] * high) * base + codes[start + length - 1]) % mod
        if h == target and (best is None or abs(start - near) < abs(best - near)):
            best = start
    return best


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def text(self, text: str) -> str:
        return text[self.start : self.end]

    def query(self, text: str) -> dict[str, str]:
        """The query parameters of a link to this span of `text`."""
        return {"s": f"{self.start}-{self.end}", "h": fingerprint(self.text(text))}


@dataclass(frozen=True)
class Resolution:
    """What a span link means for the turn text as it is now."""

    status: str
    span: Span | None = None

    @property
    def note(self) -> str:
        """The sentence shown above a quote whose span link could not be honoured, else ""."""
        if self.status == MISSING:
            return (
                "The transcript has been corrected since this link was made, and the passage it "
                "highlighted is no longer in this quote, so the whole quote is shown."
            )
        if self.status == INVALID:
            return "This link’s selection does not fit this quote, so the whole quote is shown."
        return ""


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets narrowed so the span neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def resolve(text: str, s: str | None, h: str | None = None) -> Resolution:
    """Turn the `s` and `h` query parameters into a span of `text`, re-finding moved text.

    Never raises: anything that does not name a passage of this text is INVALID (or MISSING
    when a fingerprinted passage is gone), and the caller shows the whole turn.
    """
    if not s:
        return Resolution(NONE)
    match = _SPAN_PARAM.fullmatch(s.strip())
    if not match or (h is not None and h != "" and not _HASH_PARAM.fullmatch(h)):
        return Resolution(INVALID)
    start, end = int(match.group(1)), int(match.group(2))
    if start >= end:
        return Resolution(INVALID)
    if end <= len(text) and (not h or fingerprint(text[start:end]) == h):
        status = EXACT
    elif h:
        found = find(text, end - start, h, near=start)
        if found is None:
            return Resolution(MISSING)
        start, end, status = found, found + (end - start), MOVED
    else:
        return Resolution(INVALID)
    start, end = trim(text, start, end)
    if start >= end:
        return Resolution(INVALID)
    if start == 0 and end == len(text):
        return Resolution(NONE)  # the whole turn: nothing to single out
    return Resolution(status, Span(start, end))


# --- Rendering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool = False


@dataclass(frozen=True)
class Paragraph:
    offset: int  # code point offset of the paragraph's first character in the turn text
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments)


def paragraphs(text: str, span: Span | None = None) -> list[Paragraph]:
    """Every piece of `text.split("\\n\\n")` with its offset, the span's characters marked.

    Empty pieces are kept (rendered as empty, hidden paragraphs) so that the page's paragraphs and
    offsets describe the stored text exactly.
    """
    result = []
    offset = 0
    for piece in text.split(PARAGRAPH_SEPARATOR):
        end = offset + len(piece)
        if span is None or span.end <= offset or span.start >= end:
            segments = (Segment(piece),) if piece else ()
        else:
            a, b = max(span.start, offset) - offset, min(span.end, end) - offset
            segments = tuple(
                seg for seg in (Segment(piece[:a]), Segment(piece[a:b], True), Segment(piece[b:])) if seg.text
            )
        result.append(Paragraph(offset, segments))
        offset = end + len(PARAGRAPH_SEPARATOR)
    return result
