"""The search page's hits, drawn in Python: through the template language each hit was some 40
nodes (its links, dates, plurals and the translations under it), about 150 µs of template work a
hit, a fifth of a search page's CPU. The markup is the template's as it was, byte for byte; every
value is escaped as the template language escapes it (quotes too: many go into attributes), and
the strings are the same messages, translated by the same catalogue."""

import html
from datetime import date as Date

from django import template
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

register = template.Library()


@register.simple_tag
def search_hits(results) -> SafeString:
    """The ``<li>`` of each hit of ``results`` (a ``query.SearchPage``)."""
    strings = _Strings()
    return mark_safe("\n" + "".join(_hit(hit, results.grouped, strings) for hit in results.results) + "\n")


class _Strings:
    """The interface strings of the hits, translated once per page rather than once per hit."""

    def __init__(self):
        # {% translate %} leaves a literal's translation unescaped, as these are.
        self.also_in = gettext("Also in")
        self.possible_match = gettext("possible match")
        self.same_passage = gettext("The same passage in other languages")
        self.not_sure = gettext("The automatic alignment is not sure these say the same thing")
        self.no_translation = gettext("No translation of this turn is linked.")
        self.quote = gettext("Quote ¶ %(n)s")
        self.by_in = gettext("by %(speaker)s in %(interview)s")
        self.by = gettext("by %(speaker)s")


def esc(value) -> str:
    """``conditional_escape`` without its lazy-string wrapper (some 10 calls a hit): HTML (a
    snippet) as it is, anything else escaped, quotes too."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


#: {(interface language, day): the date drawn}: the archive's few hundred dates, formatted once
#: per process in each language rather than on every page.
_dates: dict = {}


def _date(day: Date) -> str:
    key = (get_language(), day)
    if key not in _dates:
        if len(_dates) > 20_000:  # a few languages times the archive's dates: never reached but by a flood
            _dates.clear()
        _dates[key] = (
            f'<span><time datetime="{esc(day.isoformat())}">{esc(date_format(day, "SHORT_DATE_FORMAT"))}</time></span>'
        )
    return _dates[key]


def _hit(hit, grouped: bool, s: _Strings) -> str:
    language = esc(hit.language)
    in_languages = ""
    if grouped and hit.language_count > 1:
        count = hit.language_count
        in_languages = (
            '<span class="in-languages">'
            + ngettext("in %(counter)s language", "in %(counter)s languages", count) % {"counter": esc(count)}
            + "</span>"
        )
    also_in = ""
    if hit.also_in and hit.translations is None:
        links = ", ".join(
            f'<a href="{esc(t.permalink)}" lang="{esc(t.language)}" hreflang="{esc(t.language)}">'
            f"{esc(t.language_name)}</a>"
            + (f' <span class="possible">({s.possible_match})</span>' if t.possible_match else "")
            for t in hit.also_in
        )
        also_in = f'<span class="also-in">{s.also_in} {links}</span>'
    if hit.translations:
        under = (
            f'\n    <ul class="hit-translations" aria-label="{s.same_passage}">\n      '
            + "".join(_translation(t, s) for t in hit.translations)
            + "\n    </ul>\n    "
        )
    elif hit.translations is not None and not grouped:
        under = f'\n    <p class="hit-translations-none">{s.no_translation}</p>\n    '
    else:
        under = ""
    return (
        '<li class="result">\n'
        "  <article>\n"
        '    <header class="result-head">\n'
        f'      <a class="speaker" href="{esc(hit.speaker_url)}">{esc(hit.speaker)}</a>\n'
        '      <span class="meta">\n'
        f'        <span><a href="{esc(hit.interview_url)}">{esc(hit.interview)}</a></span>\n'
        f'        <span lang="{language}">{esc(hit.language_name)}</span>\n'
        f"        {_date(hit.date) if hit.date else ''}\n"
        f"        {in_languages}\n"
        "      </span>\n"
        "    </header>\n"
        f'    <p class="snippet" lang="{language}">{esc(hit.snippet_html)}</p>\n'
        '    <p class="result-foot">\n'
        f'      <a class="result-link" href="{esc(hit.permalink)}">{s.quote % {"n": esc(hit.ordinal + 1)}}'
        f'<span class="visually-hidden"> {s.by_in % {"speaker": esc(hit.speaker), "interview": esc(hit.interview)}}'
        "</span></a>\n"
        f"      {also_in}\n"
        "    </p>\n"
        "    \n"
        f"    {under}\n"
        "  </article>\n"
        "</li>"
    )


def _translation(t, s: _Strings) -> str:
    language = esc(t.language)
    possible = " hit-translation--possible" if t.possible_match else ""
    badge = f'<span class="badge" title="{s.not_sure}">{s.possible_match}</span>' if t.possible_match else ""
    return (
        f'\n      <li class="hit-translation{possible}">\n'
        '        <p class="translation-head">\n'
        f'          <a href="{esc(t.permalink)}" hreflang="{language}"><span lang="{language}">'
        f"{esc(t.language_name)}</span>, ¶ {esc(t.ordinal + 1)}"
        f'<span class="visually-hidden"> {s.by % {"speaker": esc(t.speaker)}}</span></a>\n'
        f'          <span class="muted" aria-hidden="true">{esc(t.speaker)}</span>\n'
        f"          {badge}\n"
        "        </p>\n"
        f'        <p class="translation-text" lang="{language}">{esc(t.snippet_html)}</p>\n'
        "      </li>\n      "
    )
