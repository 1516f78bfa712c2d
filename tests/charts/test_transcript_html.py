"""A transcript's charts, drawn in Python (interviews/charts/transcript_html.py), are what their
templates drew, byte for byte: the golden files in tests/fixtures/chart_html/ were drawn by those
templates on the seeds with markup in every name an editor could type (tests/test_turn_html.py's
archive), in the three interface languages, with the strip one segment per turn and in buckets,
and for a transcript without topics.

A change to the charts' HTML on purpose regenerates them: ``REGENERATE_CHART_HTML=1`` and read
the diff; never silently.
"""

import os
from pathlib import Path

import pytest
from django.utils import translation

from interviews import transcript_pages
from interviews.charts import data
from interviews.models import TurnTopic
from tests import test_turn_html

# The seeds with markup wherever an editor could type it, as the turns' golden files have them.
archive, topics = test_turn_html.archive, test_turn_html.topics

GOLDEN = Path(__file__).parent.parent / "fixtures" / "chart_html"


def assert_golden(name, html):
    path = GOLDEN / name
    if os.environ.get("REGENERATE_CHART_HTML"):
        path.write_text(html, encoding="utf-8")
    assert html == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


@pytest.mark.parametrize(
    "transcript, language, max_segments",
    [("de", "en", 300), ("de", "de", 40), ("zh", "zh-hans", 7)],
    ids=["turn-by-turn-markup", "buckets-german", "buckets-chinese"],
)
def test_a_transcripts_charts_are_what_the_templates_drew(
    archive, settings, monkeypatch, transcript, language, max_segments
):
    settings.ARCHIVE_SEARCH_CACHE = False
    monkeypatch.setattr(data, "STRIP_MAX_SEGMENTS", max_segments)
    with translation.override(language):
        html = transcript_pages.transcript_charts(archive[transcript], index_pending=False)
    assert_golden(f"{transcript}-{max_segments}.{language}.strip.html", html["strip"])
    assert_golden(f"{transcript}-{max_segments}.{language}.shares.html", html["shares"])


def test_a_transcript_without_topics_shows_no_topic_shares(archive, settings):
    settings.ARCHIVE_SEARCH_CACHE = False
    TurnTopic.objects.filter(turn__transcript=archive["zh"]).delete()
    with translation.override("de"):
        html = transcript_pages.transcript_charts(archive["zh"], index_pending=False)
    assert "Wörter je Thema" not in html["shares"]
    assert_golden("zh-no-topics.de.strip.html", html["strip"])
    assert_golden("zh-no-topics.de.shares.html", html["shares"])


def test_a_transcript_without_turns_has_no_charts(archive, settings):
    settings.ARCHIVE_SEARCH_CACHE = False
    archive["zh"].turns.all().delete()
    assert transcript_pages.transcript_charts(archive["zh"], index_pending=False) == {"strip": "", "shares": ""}


def test_counts_are_localised_as_a_template_writes_them(archive, settings):
    """With thousands grouped by the settings, the tables group them as ``{{ n }}`` did."""
    settings.ARCHIVE_SEARCH_CACHE = False
    settings.USE_THOUSAND_SEPARATOR = True
    with translation.override("de"):
        html = transcript_pages.transcript_charts(archive["de"], index_pending=False)
    total = sum(share.words for share in data.transcript_charts(archive["de"]).speaker_shares)
    assert total >= 1000
    assert f"{total // 1000}.{total % 1000:03d} Wörter in diesem Transkript." in html["shares"]
