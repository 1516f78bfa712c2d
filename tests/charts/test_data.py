"""The charts' numbers: they agree with the search facets, count what a reader would count, and
cost a fixed number of queries."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from interviews.charts import data
from interviews.charts.words import count_words
from interviews.forms import SearchForm
from interviews.models import Transcript, Turn, TurnTopic
from interviews.search import query as archive_search
from tests.factories import SHORT_INTERVIEW, ingest_text


def linked_search(url):
    """What the search page behind ``url`` reports: the filters read by the search form itself."""
    parts = urlsplit(url)
    assert parts.path == reverse("interviews:search")
    form = SearchForm(parse_qs(parts.query), vocabulary=archive_search.facet_vocabulary())
    assert form.is_valid()
    params = form.params()
    assert set(params.filters) == set(parse_qs(parts.query))  # every filter in the link is one the index knows
    return archive_search.search(params)


def facet_count(results, name, value):
    return next((v.count for v in results.facets[name] if v.value == value), 0)


def cells(matrix):
    return [(row, column, n, url) for row in matrix.rows for column, (n, url) in zip(matrix.columns, row.cells) if n]


def test_speaker_topic_cells_equal_the_search_and_its_facets(seeds):
    matrix = data.archive_charts().speakers
    checked = cells(matrix)
    assert len(checked) > 10
    for _row, _column, n, url in checked[:: max(1, len(checked) // 6)]:  # a spread of cells, big and small
        results = linked_search(url)
        assert results.count == n, url
        # The same number, read as a facet: searching the speaker alone, the topic facet counts it.
        speaker, topic = parse_qs(urlsplit(url).query)["speaker"][0], parse_qs(urlsplit(url).query)["topic"][0]
        alone = archive_search.search(archive_search.SearchParams(filters={"speaker": [speaker]}))
        assert facet_count(alone, "topic", topic) == n, url


def test_topic_year_cells_equal_the_search_and_its_facets(archive):
    charts = data.archive_charts()
    assert charts.years.columns == ["2023", "2024"]
    checked = cells(charts.years)
    assert checked
    for _row, year, n, url in checked:
        results = linked_search(url)
        assert results.count == n, url
        topic = parse_qs(urlsplit(url).query)["topic"][0]
        by_topic = archive_search.search(archive_search.SearchParams(filters={"topic": [topic]}))
        assert facet_count(by_topic, "year", year) == n, url


def test_a_topic_an_editor_removed_is_counted_nowhere(seeds):
    link = TurnTopic.objects.filter(topic__slug="data-quality").select_related("turn__speaker").first()
    before = data.archive_charts().speakers
    row = next(r for r in before.rows if r.label == link.topic.name_en)
    column = before.columns.index(link.turn.speaker.name)
    TurnTopic.objects.filter(pk=link.pk).update(source=TurnTopic.REMOVED)
    after = data.archive_charts().speakers
    row_after = next(r for r in after.rows if r.label == link.topic.name_en)
    assert row_after.cells[column][0] == row.cells[column][0] - 1


def test_the_strip_has_a_segment_per_turn_linking_into_its_page(seeds, settings):
    settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE = 50
    zh = Transcript.objects.get(language="zh")
    charts = data.transcript_charts(zh)
    assert charts.bucket_size == 1
    assert len(charts.segments) == zh.turn_count == 125
    turn = Turn.objects.select_related("speaker", "transcript__interview").get(transcript=zh, ordinal=60)
    segment = charts.segments[60]
    assert segment.href == turn.get_transcript_url() == f"{zh.get_absolute_url()}?page=2#t60"
    assert segment.words == count_words(turn.text)
    assert segment.title.startswith(f"¶ 61 · {turn.speaker.name}: {turn.text[:5]}")
    assert {name for s in charts.segments for name in s.topics} >= {"数据质量与合成数据"}
    assert charts.strip.count("<a ") == 125
    assert 0 < len(charts.lanes) <= data.STRIP_LANES


def test_a_long_transcript_is_drawn_in_buckets(seeds, monkeypatch):
    monkeypatch.setattr(data, "STRIP_MAX_SEGMENTS", 40)
    zh = Transcript.objects.get(language="zh")
    charts = data.transcript_charts(zh)
    assert charts.bucket_size == 4  # 125 turns, at most 40 segments
    assert len(charts.segments) == 32
    assert (charts.segments[1].first, charts.segments[1].last) == (5, 8)
    assert sum(s.words for s in charts.segments) == charts.total_words
    assert charts.strip.count("<a ") == 32


def test_shares_of_speakers_add_up_to_the_transcript(seeds):
    de = Transcript.objects.get(language="de")
    charts = data.transcript_charts(de)
    assert sum(share.words for share in charts.speaker_shares) == charts.total_words
    assert charts.total_words == sum(count_words(t) for t in de.turns.values_list("text", flat=True))
    assert 99 <= sum(share.percent for share in charts.speaker_shares) <= 101
    guest = charts.speaker_shares[0]
    assert guest.label == "Aidan Gomez" and guest.percent > 50
    # Same speaker, same colour, in the strip, its legend and the shares.
    assert dict(charts.legend)["Aidan Gomez"] == guest.css_class
    assert {s.css_class for s in charts.segments if s.speaker == "Aidan Gomez"} == {guest.css_class}
    topic = next(share for share in charts.topic_shares if share.label == "Datenqualität und synthetische Daten")
    assert topic.lang == "de" and topic.href == "/topics/data-quality/?language=de"


# --- Pages ---------------------------------------------------------------------------------------


def test_transcript_page_shows_the_strip_above_the_turns_and_the_shares(client, seeds):
    zh = Transcript.objects.get(language="zh")
    html = client.get(zh.get_absolute_url()).content.decode()
    strip, first_turn = html.index('class="strip"'), html.index('id="t0"')
    assert strip < first_turn
    assert html.count('role="img"') == 1 + len(data.transcript_charts(zh).lanes)  # the lanes, speaker bars
    assert html.count('role="group" focusable="false"') == 2  # what links: the strip, the topic bars
    assert 'aria-labelledby="strip-title"' in html and '<title id="strip-title">' in html
    assert "Turns as a table" in html and f'<a href="{zh.get_absolute_url()}#t3">¶ 4</a>' in html
    assert "Words per speaker" in html and "Words per topic" in html
    assert 'class="chart-label" lang="zh">数据质量与合成数据</text>' in html  # a CJK label, as text


def test_archive_page_links_every_cell_to_its_search(client, seeds):
    html = client.get(reverse("interviews:charts")).content.decode()
    assert "Speakers and topics" in html and "Topics over the years" in html
    assert 'href="/search/?speaker=aidan-gomez&amp;topic=data-quality"' in html
    assert 'href="/search/?topic=data-quality&amp;year=2024"' in html
    assert "Every dated interview is from 2024" in html  # the seed archive has one year


def test_archive_page_is_reached_from_the_topics_and_home_pages(client, seeds):
    url = reverse("interviews:charts")
    assert f'href="{url}"' in client.get(reverse("interviews:topics")).content.decode()
    assert f'href="{url}"' in client.get("/").content.decode()


def test_an_empty_archive_says_what_the_charts_will_show(client, db):
    html = client.get(reverse("interviews:charts")).content.decode()
    assert "No turn carries a topic yet" in html and "No dated interview has a topic yet" in html
    assert "<svg" not in html


ARCHIVE_PAGE_QUERIES = 5


def test_archive_page_reads_the_same_number_of_queries_however_big_the_archive(
    client, seeds, django_assert_num_queries
):
    with django_assert_num_queries(ARCHIVE_PAGE_QUERIES):
        client.get(reverse("interviews:charts"))
    for n in range(3):
        ingest_text(text=SHORT_INTERVIEW + f"\nHost: Thanks, number {n}.\n", slug=f"more-{n}", filename=f"more{n}.txt")
    with django_assert_num_queries(ARCHIVE_PAGE_QUERIES):
        assert client.get(reverse("interviews:charts")).status_code == 200


@pytest.mark.parametrize("language", ["de", "zh"])
def test_the_charts_of_a_transcript_take_two_queries_however_long(seeds, language, django_assert_num_queries):
    transcript = Transcript.objects.select_related("interview").get(language=language)
    with django_assert_num_queries(2):
        data.transcript_charts(transcript)
