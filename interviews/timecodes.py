"""Time codes: read from every common published form, written for pages, subtitles and links.

Pure Python, no Django: the parser, the exports and the templates share these rules.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# `1:23`, `01:23`, `1:23:45`, `00:01:23.456` (WebVTT) and `00:00:01,000` (SRT).
TIMECODE = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
_TIMECODE_RE = re.compile(rf"({TIMECODE})")
# A time code opening a turn's text, bare or in brackets: `[00:01:23] `, `(1:23) `, `00:01:23 - `.
_LEADING_RE = re.compile(rf"\s*+([\[(]?)({TIMECODE})([\])]?)[ \t]*+(?:[-–—|][ \t]++)?")


def seconds(code: str) -> float | None:
    """`"1:02:03.5"` → 3723.5; None when `code` is not a time code (or its minutes run past 59)."""
    code = code.strip().strip("[]()")
    if not _TIMECODE_RE.fullmatch(code):
        return None
    whole, _, fraction = code.replace(",", ".").partition(".")
    parts = [int(p) for p in whole.split(":")]
    if any(p > 59 for p in parts[1:]):
        return None
    value = 0
    for part in parts:
        value = value * 60 + part
    return value + (float(f"0.{fraction}") if fraction else 0.0)


def split_leading(text: str) -> tuple[float | None, str]:
    """(seconds, rest) for a text that opens with a time code, else (None, text).

    Brackets must pair (`[0:20]`, `(1:23)`); a bare time code must have hours (`00:01:23`) and be
    followed by words, so a turn that opens with a clock time ("9:30 is when…") keeps it.
    """
    match = _LEADING_RE.match(text)
    if not match:
        return None, text
    opening, code, closing = match.groups()
    if (opening, closing) not in (("", ""), ("[", "]"), ("(", ")")):
        return None, text
    rest = text[match.end() :]
    if not opening and (code.count(":") < 2 or not rest or rest[0].isdigit() or match.group(0)[-1:] not in " \t"):
        return None, text
    value = seconds(code)
    if value is None:
        return None, text
    return value, rest.lstrip()


def clock(value: float) -> str:
    """For readers: 754 → "12:34", 3723 → "1:02:03"."""
    total = int(value)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def full(value: float, separator: str = ".") -> str:
    """For subtitle files: 3723.5 → "01:02:03.500" (WebVTT) or "01:02:03,500" (SRT)."""
    millis = round(value * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "music.youtube.com"}


def media_link(url: str, value: float) -> str:
    """`url` opened at `value` seconds: `t=` in the query for YouTube, a `#t=` media fragment
    (which browsers' audio and video players honour) for anything else."""
    at = max(0, int(value))
    parts = urlsplit(url)
    if parts.hostname in _YOUTUBE_HOSTS:
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "t"]
        return urlunsplit(parts._replace(query=urlencode([*query, ("t", f"{at}s")])))
    return urlunsplit(parts._replace(fragment=f"t={at}"))
