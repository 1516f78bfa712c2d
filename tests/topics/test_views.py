"""Topic pages and topic chips, as a reader sees them."""

import io
import re
from html import unescape as html_unescape
from urllib.parse import parse_qs

import pytest
from django.core.management import call_command
from django.urls import reverse

from interviews.models import Interview, Topic, Transcript, Turn, TurnTopic
from tests.factories import SEEDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeds():
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    return Interview.objects.get()


def _carrying(slug, language=None):
    turns = [
        t
        for t in Turn.objects.with_topics().select_related("transcript")
        if slug in {x.slug for x in t.effective_topics()}
    ]
    return [t for t in turns if language is None or t.transcript.language == language]


def test_topic_url_is_built_by_reverse():
    topic = Topic(slug="data-quality")
    assert topic.get_absolute_url() == reverse("interviews:topic", args=["data-quality"]) == "/topics/data-quality/"


def test_topic_index_lists_every_topic_with_names_and_counts_per_language(client, seeds):
    html = client.get(reverse("interviews:topics")).content.decode()
    topic = Topic.objects.get(slug="data-quality")
    assert f'href="{topic.get_absolute_url()}"' in html
    assert '<span lang="de">Datenqualität und synthetische Daten</span>' in html
    assert '<span lang="zh">数据质量与合成数据</span>' in html
    de, zh = len(_carrying("data-quality", "de")), len(_carrying("data-quality", "zh"))
    card = html[html.index("Data quality and synthetic data") :]
    card = card[: card.index("</li>")]
    assert f"{de + zh} turns" in card
    hidden = '<span class="visually-hidden"> turns</span>'  # "Deutsch 11" alone says nothing to a screen reader
    assert f'Deutsch <span class="count" lang="en">{de}{hidden}</span>' in card
    assert f'中文 <span class="count" lang="en">{zh}{hidden}</span>' in card
    assert html.count('class="topic-card') == Topic.objects.count()


def test_topic_index_without_topics_says_how_to_load_them(client):
    html = client.get(reverse("interviews:topics")).content.decode()
    assert "No topics yet" in html and "manage.py load_topics" in html


def test_topic_page_lists_its_turns_grouped_by_interview_and_language(client, seeds):
    topic = Topic.objects.get(slug="data-quality")
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "<h1>Data quality and synthetic data</h1>" in html
    groups = re.findall(r'<h2 class="group-heading".*?<span class="lang-pill" lang="(\w+)">', html)
    assert groups == ["de", "zh"]
    for turn in _carrying("data-quality"):
        assert turn.get_absolute_url() in html and turn.get_transcript_url() in html
    unrelated = Turn.objects.get(transcript__language="de", ordinal=49)  # robotics
    assert unrelated.get_absolute_url() not in html


def test_topic_page_respects_editors_decisions(client, seeds):
    topic = Topic.objects.get(slug="data-quality")
    removed = _carrying("data-quality", "de")[0]
    added = Turn.objects.get(transcript__language="de", ordinal=49)
    TurnTopic.objects.filter(turn=removed, topic=topic).update(source=TurnTopic.REMOVED)
    TurnTopic.objects.update_or_create(turn=added, topic=topic, defaults={"source": TurnTopic.ADDED})
    html = client.get(topic.get_absolute_url()).content.decode()
    assert removed.get_absolute_url() not in html
    assert added.get_absolute_url() in html


def test_topic_page_narrowed_to_one_language_speaks_it(client, seeds):
    topic = Topic.objects.get(slug="data-quality")
    html = client.get(topic.get_language_url("zh")).content.decode()
    assert '<h1 lang="zh">数据质量与合成数据</h1>' in html
    assert 'aria-current="page">中文' in html
    for turn in _carrying("data-quality", "de"):
        assert turn.get_absolute_url() not in html
    for turn in _carrying("data-quality", "zh"):
        assert turn.get_absolute_url() in html


def test_topic_page_ignores_an_unknown_language(client, seeds):
    topic = Topic.objects.get(slug="data-quality")
    response = client.get(topic.get_absolute_url(), {"language": "xx<script>"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()
    assert response.context["page"].paginator.count == len(_carrying("data-quality"))


@pytest.mark.parametrize("page", ["0", "abc", "9" * 300, "2"])
def test_topic_page_out_of_range_or_bad_page_is_404(client, seeds, page):
    topic = Topic.objects.get(slug="data-quality")  # 22 turns: one page
    assert client.get(topic.get_absolute_url(), {"page": page}).status_code == 404


def test_topic_page_paginates_long_topics(client, seeds, settings, monkeypatch):
    monkeypatch.setattr("interviews.views.TOPIC_TURNS_PER_PAGE", 5)
    topic = Topic.objects.get(slug="data-quality")
    html = client.get(topic.get_absolute_url(), {"page": 2, "language": "zh"}).content.decode()
    assert "Page 2 of 3" in html
    links = {
        rel: parse_qs(html_unescape(href).lstrip("?"))
        for rel, href in re.findall(r'<a rel="(prev|next)" href="([^"]*)"', html)
    }
    assert links == {"prev": {"language": ["zh"], "page": ["1"]}, "next": {"language": ["zh"], "page": ["3"]}}


def test_unknown_topic_is_404(client):
    assert client.get(reverse("interviews:topic", args=["nope"])).status_code == 404


def test_interview_page_shows_topic_chips_in_the_transcripts_language(client, seeds):
    de = Transcript.objects.get(language="de")
    html = client.get(de.get_absolute_url()).content.decode()
    topic = Topic.objects.get(slug="data-quality")
    chip = f'<a class="topic-chip" href="{topic.get_language_url("de")}" lang="de">Datenqualität und synthetische Daten</a>'
    assert chip in html
    turn = Turn.objects.get(transcript=de, ordinal=53)  # "Die Datenqualität ist entscheidend"
    article = html[html.index(f'id="{turn.anchor}"') :]
    article = article[: article.index("</article>")]
    assert chip in article
    zh_html = client.get(Transcript.objects.get(language="zh").get_absolute_url()).content.decode()
    assert ">数据质量与合成数据</a>" in zh_html


def test_removed_topic_leaves_the_interview_page(client, seeds):
    de = Transcript.objects.get(language="de")
    turn = Turn.objects.get(transcript=de, ordinal=1)  # "Ich mag Spiele … seit meiner Kindheit."
    TurnTopic.objects.filter(turn=turn, topic__slug="founders-and-careers").update(source=TurnTopic.REMOVED)
    html = client.get(de.get_absolute_url()).content.decode()
    article = html[html.index(f'id="{turn.anchor}"') :]
    assert "Gründer und Werdegang" not in article[: article.index("</article>")]


def test_pages_with_topic_chips_do_not_query_per_turn(client, seeds, django_assert_max_num_queries):
    """Measured: 8 queries for the 125-turn Chinese transcript drawn (one of them the version of
    its translation links, part of its shared-cache key) and 2 for its charts (the strip and
    shares: turns and topics, tests/charts/test_data.py), 6 for a topic page, 2 for the index."""
    url = Transcript.objects.get(language="zh").get_absolute_url()
    with django_assert_max_num_queries(10):
        client.get(url)
    with django_assert_max_num_queries(8):
        client.get(Topic.objects.get(slug="data-quality").get_absolute_url())
    with django_assert_max_num_queries(8):
        client.get(reverse("interviews:speaker", args=["aidan-gomez"]))
    with django_assert_max_num_queries(3):
        client.get(reverse("interviews:topics"))


def test_transcript_json_lists_each_turns_topics(client, seeds):
    de = Transcript.objects.get(language="de")
    data = client.get(reverse("interviews:api_transcript", args=[de.pk])).json()
    turn = next(t for t in data["turns"] if t["ordinal"] == 53)
    assert "data-quality" in turn["topics"]
    assert all(isinstance(t["topics"], list) for t in data["turns"])
