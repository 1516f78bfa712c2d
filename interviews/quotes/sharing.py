"""What a shared quote looks like elsewhere: its URLs, preview text, card image and citation.

`SharedQuote` gathers, for one turn and an optional span, everything the quote page, its JSON
and its card need, so the three agree. Cards are rendered by `cards.render_card` and cached on
disk under `DATA_DIR/cards/<card_cache_key>.png`: the key hashes the card's text, so a corrected
transcript gives a new file and stale cards are never served.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse

from interviews import languages, page_cache
from interviews.quotes import spans
from interviews.quotes.card_text import is_breakable_cjk
from interviews.quotes.cards import CardContent, card_cache_key, render_card
from interviews.quotes.citations import Citation, citation_for_turn
from interviews.translations import store as translations

logger = logging.getLogger(__name__)

DESCRIPTION_LIMIT = 200  # characters of the quote in og:description / twitter:description
# Cards cached on disk at most; beyond it the oldest are deleted. Span links make many distinct
# cards possible (one per passage), so the cache must not grow without bound.
CARD_CACHE_MAX_FILES = 5000

_TRAILING = " ,.;:!?–—-，。、；：！？…（「『《([{“‘„"


def excerpt(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """`text` on one line, cut to at most `limit` characters at a word boundary (or between two
    CJK characters, which need no space to break), ending with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    for i in range(limit - 1, limit // 2, -1):
        if text[i] == " " or is_breakable_cjk(text[i]) or is_breakable_cjk(text[i - 1]):
            head = text[:i].rstrip(_TRAILING)
            if head:
                return head + "…"
    return text[: limit - 1] + "…"  # one enormous word: cut it


def cards_dir() -> Path:
    return Path(settings.DATA_DIR) / "cards"


def card_is_cached(content: CardContent) -> bool:
    """Whether the card is on disk already: serving it costs a file read, not a drawing."""
    return (cards_dir() / f"{card_cache_key(content)}.png").is_file()


def card_png(content: CardContent) -> tuple[bytes, str]:
    """(PNG bytes, cache key) for a card, from the disk cache or freshly rendered and stored.

    Raises card_fonts.FontMissing when the text needs a font the machine lacks.
    """
    key = card_cache_key(content)
    path = cards_dir() / f"{key}.png"
    try:
        return path.read_bytes(), key
    except FileNotFoundError:
        pass
    except OSError as exc:  # an unreadable cache costs the cache, not the image
        logger.warning("Could not read cached quote card %s: %s", path, exc)
    png = render_card(content)
    try:
        _store(path, png)
    except OSError as exc:  # a full or read-only disk costs the cache, not the image
        logger.warning("Could not cache quote card %s: %s", path, exc)
    return png, key


def _store(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename: concurrent requests never see half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".png")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _prune(path.parent)


def _prune(directory: Path, limit: int | None = None) -> None:
    limit = CARD_CACHE_MAX_FILES if limit is None else limit
    entries = [e for e in os.scandir(directory) if e.name.endswith(".png") and not e.name.startswith(".")]
    if len(entries) <= limit:
        return
    entries.sort(key=lambda e: e.stat().st_mtime)
    for entry in entries[: len(entries) - int(limit * 0.9)]:
        Path(entry.path).unlink(missing_ok=True)


@dataclass
class SharedQuote:
    """One turn (and maybe a span of it) as it is linked, previewed, drawn and cited."""

    turn: object  # a Turn with speaker, transcript and interview loaded
    resolution: spans.Resolution
    absolute: Callable[[str], str]  # request.build_absolute_uri

    @classmethod
    def from_request(cls, request, turn) -> SharedQuote:
        resolution = spans.resolve(turn.text, request.GET.get("s"), request.GET.get("h"))
        return cls(turn, resolution, request.build_absolute_uri)

    @property
    def span(self) -> spans.Span | None:
        return self.resolution.span

    @property
    def text(self) -> str:
        """The span's text, or the whole turn's."""
        return self.span.text(self.turn.text) if self.span else self.turn.text

    @property
    def marked_text(self) -> str:
        """The text as quoted on a card: "…" where a span leaves out the start or the end of the turn."""
        if not self.span:
            return self.turn.text
        text = self.text.strip()
        before = self.turn.text[: self.span.start].strip()
        after = self.turn.text[self.span.end :].strip()
        return ("…" if before else "") + text + ("…" if after else "")

    @property
    def provenance(self) -> str:
        """ "German", or "German, machine translation": the language, and the kind of translation."""
        transcript = self.turn.transcript
        language = languages.english_name(transcript.language)
        # Spelled out here, not the model's choice label: that one follows the interface language,
        # and the card drawn from this is one image per URL for every reader.
        kind = {transcript.MACHINE: "machine translation", transcript.HUMAN: "human translation"}
        if transcript.translation in kind:
            return f"{language}, {kind[transcript.translation]}"
        return language

    @property
    def query(self) -> str:
        """`?s=…&h=…` for the (re-found) span, else ""; the fingerprint is always recomputed."""
        return "?" + urlencode(self.span.query(self.turn.text)) if self.span else ""

    @property
    def permalink(self) -> str:
        return self.absolute(self.turn.get_absolute_url())

    @property
    def url(self) -> str:
        """The link to share: the permalink, with the span when there is one."""
        return self.permalink + self.query

    @property
    def card_url(self) -> str:
        return self.absolute(reverse("interviews:quote_card", args=[self.turn.key]) + self.query)

    @property
    def transcript_url(self) -> str:
        return self.absolute(self.turn.get_transcript_url())

    @property
    def title(self) -> str:
        return f"{self.turn.speaker.name} in “{self.turn.transcript.interview.title}”"

    @property
    def description(self) -> str:
        return excerpt(self.text)

    @property
    def headline(self) -> str:
        """A short excerpt for the page title."""
        return excerpt(self.text, 70)

    @property
    def site_name(self) -> str:
        return settings.ARCHIVE_SITE_NAME

    @cached_property
    def paragraphs(self) -> list[spans.Paragraph]:
        return spans.paragraphs(self.turn.text, self.span)

    @cached_property
    def citation(self) -> Citation:
        return citation_for_turn(self.turn, self.url)

    @property
    def card_content(self) -> CardContent:
        interview = self.turn.transcript.interview
        date = interview.date
        return CardContent(
            quote=self.marked_text,
            speaker=self.turn.speaker.name,
            interview=interview.title,
            date=date.isoformat() if date else "",
            language=self.turn.transcript.language,
            provenance=self.provenance,
            site_name=settings.ARCHIVE_SITE_NAME,
            time=self.turn.clock,  # where the turn starts: a span of it starts there or a little later
        )


def quote_page_key(request, turn) -> tuple:
    """What a quote page shows that the search index's version does not decide, for its cache key
    (interviews/page_cache.py), from ``turn`` read `translations.with_links_version`: the turn's,
    its speaker's, section's, transcript's and interview's columns as read for the request, the
    version of its translation links (editors change those in the database only), the span asked
    for, and the host its absolute links name. The turns before and after, their topics, the
    translations' text and the interview's people are re-indexed by every write that changes
    them (interviews/transcript_pages.py), which changes the index's version."""
    transcript = turn.transcript
    related = (turn, turn.speaker, turn.section, transcript, transcript.interview)
    return (
        "quote",
        [page_cache.columns(instance) for instance in related],
        translations.turn_links_version(turn),
        request.GET.get("s"),
        request.GET.get("h"),
        request.build_absolute_uri("/"),
    )


def lower_case_redirect(request, url_name, key):
    """Keys are lower case; a link that upper-cased one (some chat apps and print do) is moved
    permanently to the canonical URL, keeping a span."""
    params = {name: request.GET[name] for name in ("s", "h") if name in request.GET}
    url = reverse(url_name, args=[key.lower()])
    return HttpResponsePermanentRedirect(url + ("?" + urlencode(params) if params else ""))
