"""A transcript's charts as HTML: the strip of the conversation above the turns and the shares of
who speaks about what beside them; the one place that draws them (interviews/transcript_pages.py
keeps what they draw in the result cache).

They were two templates whose loops (a table row per turn, up to 300) made up about a quarter of a
drawn transcript page's CPU time; here they are plain string formatting, the way
interviews/turn_html.py draws the turns, and the HTML is the same byte for byte as the templates
drew it (tests/charts/test_transcript_html.py keeps golden charts).

Escaping and translation follow the templates: what comes from the archive (names, topics,
addresses, languages) goes through ``html.escape``, as autoescaping did; the interface's strings
use the templates' msgids, unescaped like a ``{% translate %}``, and only the values filled into
a ``blocktranslate`` are escaped. The SVG drawings (interviews/charts/svg.py) are already markup.
"""

from __future__ import annotations

from html import escape

from django.conf import settings
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from interviews.charts.data import TranscriptCharts


def _number_format():
    """How a template writes a count, ``{{ value }}``: ``localize``, which for an integer is
    ``str`` unless the settings group thousands (a table of 300 rows calls it 900 times)."""
    return localize if settings.USE_THOUSAND_SEPARATOR else str


def strip(charts: TranscriptCharts) -> SafeString:
    """The conversation at a glance, above the turns: a strip of turns coloured by speaker, the
    transcript's most frequent topics marked under it, and the same as a table behind a toggle.
    Folded on phones, like the details beside it (.fold, whose rules archive.css repeats for it),
    so that the conversation starts on the first screen."""
    _number = _number_format()
    at_a_glance = gettext("The conversation at a glance")
    # Strings are looked up before the f-strings below: makemessages (xgettext) does not read calls
    # inside an f-string, and would drop them from the catalogues.
    who_speaks, speakers, as_table_label = (
        gettext("Who speaks"),
        gettext("Speakers"),
        gettext("The conversation as a table"),
    )
    turn_head, speaker_head = gettext("Turn"), gettext("Speaker")
    words_head, topics_head = gettext("Words"), gettext("Topics")
    lanes = "".join(
        f'<span class="strip-label" lang="{escape(lang)}">{escape(name)}</span>{lane}'
        for name, lang, lane in charts.lanes
    )
    legend = "".join(
        f'<li><span class="swatch {escape(css_class)}" aria-hidden="true"></span>{escape(name)}</li>'
        for name, css_class in charts.legend
    )
    if charts.bucket_size > 1:
        summary = gettext("Turns as a table, %(size)s to a row") % {"size": _number(charts.bucket_size)}
    else:
        summary = gettext("Turns as a table")
    language = escape(charts.language)
    rows = []
    for segment in charts.segments:
        last = f"–{_number(segment.last)}" if segment.last != segment.first else ""
        rows.append(
            "\n          "
            f'<tr><td><a href="{escape(segment.href)}">¶ {_number(segment.first)}{last}</a></td>'
            f'<td>{escape(segment.speaker)}</td><td class="num">{_number(segment.words)}</td>'
            f'<td lang="{language}">{", ".join(escape(topic) for topic in segment.topics)}</td></tr>'
            "\n          "
        )
    return mark_safe(
        "\n\n"
        '<details class="strip-fold">\n'
        f"<summary>{at_a_glance}</summary>\n"
        '<figure class="strip" aria-labelledby="strip-caption">\n'
        f'  <figcaption id="strip-caption" class="strip-caption">{at_a_glance}</figcaption>\n'
        '  <div class="strip-rows">\n'
        f'    <span class="strip-label">{who_speaks}</span>{charts.strip}\n'
        f"    {lanes}\n"
        "  </div>\n"
        f'  <ul class="chart-legend" aria-label="{speakers}">\n'
        f"    {legend}\n"
        "  </ul>\n"
        '  <details class="chart-table">\n'
        f"    <summary>{summary}</summary>\n"
        '    <div class="table-scroll" tabindex="0" role="region" '
        f'aria-label="{as_table_label}">\n'
        "      <table>\n"
        f'        <thead><tr><th scope="col">{turn_head}</th><th scope="col">{speaker_head}</th>'
        f'<th scope="col" class="num">{words_head}</th><th scope="col">{topics_head}</th></tr></thead>\n'
        "        <tbody>\n"
        f"          {''.join(rows)}\n"
        "        </tbody>\n"
        "      </table>\n"
        "    </div>\n"
        "  </details>\n"
        "</figure>\n"
        "</details>\n"
    )


def shares(charts: TranscriptCharts) -> SafeString:
    """Who speaks how much, and about what, in this transcript: bars, each with its table behind a
    toggle."""
    _number = _number_format()
    words = ngettext(
        "%(counter)s word in this transcript.", "%(counter)s words in this transcript.", charts.total_words
    ) % {"counter": _number(charts.total_words)}
    as_a_table = gettext("As a table")
    # Looked up outside the f-strings, which makemessages does not read (see strip()).
    words_head, share_head_text = gettext("Words"), gettext("Share")
    words_per_topic, topic_head = gettext("Words per topic"), gettext("Topic")
    heading, both_hint = gettext("Who speaks, about what"), gettext("A turn with two topics counts for both.")
    words_per_speaker, speaker_head = gettext("Words per speaker"), gettext("Speaker")
    share_head = f'<th scope="col" class="num">{words_head}</th><th scope="col" class="num">{share_head_text}</th>'
    speaker_rows = "".join(
        f'<tr><td>{escape(share.label)}</td><td class="num">{_number(share.words)}</td>'
        f'<td class="num">{_number(share.percent)}%</td></tr>'
        for share in charts.speaker_shares
    )
    topics = ""
    if charts.topic_shares:
        topic_rows = "".join(
            f'<tr><td><a href="{escape(share.href)}" lang="{escape(share.lang)}">{escape(share.label)}</a></td>'
            f'<td class="num">{_number(share.words)}</td><td class="num">{_number(share.percent)}%</td></tr>'
            for share in charts.topic_shares
        )
        topics = (
            '\n  <figure class="chart">\n'
            f"    <figcaption>{words_per_topic}</figcaption>\n"
            f"    {charts.topic_bars}\n"
            '    <details class="chart-table">\n'
            f"      <summary>{as_a_table}</summary>\n"
            "      <table>\n"
            f'        <thead><tr><th scope="col">{topic_head}</th>{share_head}</tr></thead>\n'
            f"        <tbody>{topic_rows}</tbody>\n"
            "      </table>\n"
            "    </details>\n"
            "  </figure>\n"
            "  "
        )
    return mark_safe(
        "\n\n"
        '<section class="shares" aria-labelledby="shares-heading">\n'
        f'  <h2 id="shares-heading">{heading}</h2>\n'
        f'  <p class="hint">{words} {both_hint}</p>\n'
        '  <figure class="chart">\n'
        f"    <figcaption>{words_per_speaker}</figcaption>\n"
        f"    {charts.speaker_bars}\n"
        '    <details class="chart-table">\n'
        f"      <summary>{as_a_table}</summary>\n"
        "      <table>\n"
        f'        <thead><tr><th scope="col">{speaker_head}</th>{share_head}</tr></thead>\n'
        f"        <tbody>{speaker_rows}</tbody>\n"
        "      </table>\n"
        "    </details>\n"
        "  </figure>\n"
        f"  {topics}\n"
        "</section>\n"
    )
