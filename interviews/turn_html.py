"""A turn as HTML: the one place that draws it, for the transcript page, the speaker page and the
quote page's turns before and after.

A transcript page shows up to 200 turns. Drawn by templates (a turn, its text and its topic chips
were three includes, some 1,500 template nodes a page) and with every link reversed on its own,
the turns were three quarters of a drawn page's CPU time; here they are plain string formatting
and the links every turn shares (speaker, permalink, topic) are reversed once per page with a
placeholder, then filled in per turn (`_Route`). The HTML is the same byte for byte as the
templates drew it (tests/test_turn_html.py keeps golden turns).

Escaping: everything that comes from the archive (names, labels, text, headings, addresses) goes
through ``html.escape``, exactly what the templates' autoescaping did (Django's ``escape`` is
that function). The interface's own strings are translated with the same msgids the templates
used, and, like a template's ``{% translate %}``, are not escaped; in a ``blocktranslate`` only
the values filled in were escaped, and so they are here.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

#: Stands for the value in a reversed URL; letters only, so every URL converter accepts it.
_PLACEHOLDER = "turnhtmlplaceholder"


class _Route:
    """A named URL with one argument, reversed once (with the script prefix of the request being
    answered) and filled in per object. A value its converter's own pattern would not accept
    quite so simply goes through ``reverse()`` as before."""

    def __init__(self, name: str, pattern: str):
        self.name = name
        self.simple = re.compile(pattern).fullmatch
        self.prefix, self.suffix = reverse(name, args=[_PLACEHOLDER]).split(_PLACEHOLDER)

    def __call__(self, value: str) -> str:
        if self.simple(value):
            return f"{self.prefix}{value}{self.suffix}"
        return reverse(self.name, args=[value])


class TurnDrawer:
    """Draws turns in the active interface language; one drawer per page, so that what every turn
    shares (links, translated words) is looked up once."""

    def __init__(self):
        self.speaker_url = _Route("interviews:speaker", r"[-a-zA-Z0-9_]+")  # the slug converter
        self.quote_url = _Route("interviews:quote", r"[A-Za-z0-9]{1,32}")  # TurnKeyConverter
        self.topic_url = _Route("interviews:topic", r"[-a-zA-Z0-9_]+")
        self._topic_links = {}  # (topic slug, language) -> the topic page in that language, escaped
        self.label_title = gettext("Label as published")
        self.play_from = gettext("Play the recording from")
        self.time_title = gettext("Time in the recording")
        self.permalink_label = gettext("¶ %(n)s: permanent link to this quote by %(name)s")
        self.also_in = gettext("Also in")
        self.possible_match = gettext("possible match")
        self.topics = gettext("Topics")

    def turn_list(self, turns, transcript) -> SafeString:
        """The turns of a transcript page, a section's heading before its first turn."""
        if not turns:
            empty = gettext("This transcript has no turns.")
            return mark_safe(f'\n        <p class="empty">{empty}</p>\n      ')
        language = escape(transcript.language)
        # The white space between turns is what the templates left there, so that the page is the
        # same byte for byte as they drew it (tests/test_turn_html.py).
        out = []
        previous_section = object()
        for turn in turns:
            out.append("\n        ")
            if turn.section_id != previous_section:
                previous_section = turn.section_id
                if turn.section_id is not None:
                    section = turn.section
                    out.append(
                        f'<h2 class="section-heading" id="{escape(section.anchor)}" lang="{language}">'
                        f"{escape(section.heading)}</h2>"
                    )
            out.append("\n        ")
            out.append(self.turn(turn))
            out.append("\n      ")
        return mark_safe("".join(out))

    def turn(self, turn, *, anchor_prefix: str = "") -> SafeString:
        """One turn: who speaks (their label as published, if it differs), when, its permalink, its
        text, the same passage in other languages (``turn.also_in``, when set) and its topics."""
        speaker = turn.speaker
        name = escape(speaker.name)
        language = escape(turn.transcript.language)
        permalink = escape(self.quote_url(turn.key))
        number = turn.ordinal + 1
        anchor = f"{escape(str(anchor_prefix))}-" if anchor_prefix else ""
        label = ""
        if turn.label and turn.label != speaker.name:
            label = f'<span class="label" title="{self.label_title}" lang="{language}">“{escape(turn.label)}”</span>'
        timecode = ""
        if turn.start is not None:
            media = turn.get_media_url()
            if media:
                timecode = (
                    f'<a class="timecode" href="{escape(media)}" rel="noopener"><span aria-hidden="true">▶</span> '
                    f'<span class="visually-hidden">{self.play_from} </span>{escape(turn.clock)}</a>'
                )
            else:
                timecode = f'<span class="timecode" title="{self.time_title}">{escape(turn.clock)}</span>'
        aria = self.permalink_label % {"n": number, "name": name}
        return mark_safe(
            f'<article class="turn turn--{escape(getattr(turn, "role", "") or "speaker")}" '
            f'id="{anchor}{escape(turn.anchor)}" data-key="{escape(turn.key)}">\n'
            '  <header class="turn-head">\n'
            f'    <a class="speaker" href="{escape(self.speaker_url(speaker.slug))}">{name}</a>\n'
            f"    {label}\n"
            f"    {timecode}\n"
            f'    <a class="permalink" href="{permalink}" aria-label="{aria}">¶ {number}</a>\n'
            "  </header>\n"
            f"  \n{self._text(turn.paragraph_parts, 'turn-text', language, permalink)}\n\n"
            f"  {self._also_in(getattr(turn, 'also_in', None))}\n"
            f"  {self._topic_chips(turn)}\n"
            "</article>\n"
        )

    def text(self, turn, parts, text_class: str = "turn-text") -> SafeString:
        """A turn's text, one ``<p>`` per stored paragraph (``spans.paragraphs``) with its character
        offset, so that static/js/permalinks.js can turn a selection into a span link; a marked
        segment (a shared span) is a ``<mark>``. Nothing may sit between the tags inside a ``<p>``:
        every character there counts."""
        language = escape(turn.transcript.language)
        return mark_safe(self._text(parts, text_class, language, escape(self.quote_url(turn.key))))

    @staticmethod
    def _text(parts, text_class, language, permalink) -> str:
        paragraphs = []
        for part in parts:
            segments = "".join(
                f"<mark>{escape(segment.text)}</mark>" if segment.marked else escape(segment.text)
                for segment in part.segments
            )
            paragraphs.append(f'<p data-offset="{part.offset}">{segments}</p>')
        return (
            f'<div class="{escape(text_class)}" lang="{language}" data-quote-text data-permalink="{permalink}">'
            f"{''.join(paragraphs)}</div>"
        )

    def _also_in(self, translations) -> str:
        if not translations:
            return ""
        links = []
        for translation in translations:
            other = translation.turn
            language = escape(other.transcript.language)
            link = (
                f'<a href="{escape(self.quote_url(other.key))}" lang="{language}" hreflang="{language}">'
                f"{escape(other.transcript.language_name)}</a>"
            )
            if translation.is_possible_match:
                link += f' <span class="possible">({self.possible_match})</span>'
            links.append(link)
        return f'<p class="also-in">{self.also_in} {", ".join(links)}</p>'

    def _topic_chips(self, turn) -> str:
        topics = turn.effective_topics()
        if not topics:
            return "\n"
        language = turn.transcript.language
        escaped_language = escape(language)
        chips = "".join(
            f'<li><a class="topic-chip" href="{self._topic_link(topic, language)}" lang="{escaped_language}">'
            f"{escape(topic.name_in(language))}</a></li>"
            for topic in topics
        )
        return f'\n<ul class="topic-chips" aria-label="{self.topics}">\n  {chips}\n</ul>\n\n'

    def _topic_link(self, topic, language: str) -> str:
        """`Topic.get_language_url`, escaped, once per topic and language."""
        key = (topic.slug, language)
        if key not in self._topic_links:
            self._topic_links[key] = escape(f"{self.topic_url(topic.slug)}?{urlencode({'language': language})}")
        return self._topic_links[key]
