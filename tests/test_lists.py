"""Ways in: /interviews/ with its filters, /speakers/, the find box of a transcript, Atom feeds."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.urls import reverse

from interviews import editing, lists
from interviews.models import IndexTask, Interview, Speaker, Topic, Turn, TurnTopic
from tests.factories import SEEDS, ingest_text

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def seeds():
    call_command("load_topics", stdout=io.StringIO())
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    return Interview.objects.get()


@pytest.fixture
def two_interviews(seeds):
    ingest_text(slug="a-talk", title="A talk about data", published_on="2021-03-04")
    return seeds, Interview.objects.get(slug="a-talk")


def titles(html):
    return re.findall(r'class="card-title"><a href="[^"]*">([^<]*)</a>', html)


def test_interview_list_shows_every_interview_newest_first(client, two_interviews):
    html = client.get(reverse("interviews:interview_list")).content.decode()
    assert titles(html) == ["20VC: Aidan Gomez, Cohere, with Harry Stebbings", "A talk about data"]
    oldest = client.get(reverse("interviews:interview_list"), {"sort": "oldest"}).content.decode()
    assert titles(oldest) == ["A talk about data", "20VC: Aidan Gomez, Cohere, with Harry Stebbings"]


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"year": "2021"}, ["A talk about data"]),
        ({"year": "2024"}, ["20VC: Aidan Gomez, Cohere, with Harry Stebbings"]),
        ({"language": "en"}, ["A talk about data"]),
        ({"language": "zh"}, ["20VC: Aidan Gomez, Cohere, with Harry Stebbings"]),
        ({"speaker": "gita-guest"}, ["A talk about data"]),
        ({"topic": "data-quality", "language": "de"}, ["20VC: Aidan Gomez, Cohere, with Harry Stebbings"]),
    ],
)
def test_interview_list_filters_by_year_language_speaker_and_topic(client, two_interviews, filters, expected):
    html = client.get(reverse("interviews:interview_list"), filters).content.decode()
    assert titles(html) == expected


def test_interview_list_pages_through_a_large_archive_keeping_filters_and_order(client, two_interviews, monkeypatch):
    """At a million turns the archive has thousands of interviews: the list comes a page at a
    time, and moving between pages keeps the filters and the order chosen."""
    monkeypatch.setattr("interviews.views.INTERVIEWS_PER_PAGE", 1)
    text = "Hanna Host: What do chips cost?\n\nGita Guest: More every year."
    ingest_text(slug="b-talk", title="B talk about chips", published_on="2020-05-06", text=text)
    first = client.get(reverse("interviews:interview_list"), {"language": "en", "sort": "oldest"}).content.decode()
    assert titles(first) == ["B talk about chips"]
    assert "Every interview in the archive, narrowed: 2 interviews." in first
    assert "Page 1 of 2" in first
    next_link = re.search(r'<a rel="next" href="([^"]*)"', first).group(1).replace("&amp;", "&")
    assert 'rel="prev"' not in first
    second = client.get(reverse("interviews:interview_list") + next_link).content.decode()
    assert titles(second) == ["A talk about data"]
    assert "Page 2 of 2" in second and 'rel="next"' not in second
    previous_link = re.search(r'<a rel="prev" href="([^"]*)"', second).group(1).replace("&amp;", "&")
    assert titles(client.get(reverse("interviews:interview_list") + previous_link).content.decode()) == titles(first)
    everything = client.get(reverse("interviews:interview_list")).content.decode()
    assert "Every interview in the archive: 3 interviews." in everything and "Page 1 of 3" in everything


@pytest.mark.parametrize("page", ["3", "0", "x", "99999999999999999999"])
def test_a_page_past_the_end_of_the_interview_list_is_not_found(client, two_interviews, monkeypatch, page):
    monkeypatch.setattr("interviews.views.INTERVIEWS_PER_PAGE", 1)
    assert client.get(reverse("interviews:interview_list"), {"page": page}).status_code == 404


def test_unknown_filter_values_are_ignored(client, two_interviews):
    html = client.get(reverse("interviews:interview_list"), {"speaker": "nobody", "year": "1066", "sort": "x"})
    assert len(titles(html.content.decode())) == 2


def test_no_match_says_what_to_try(client, two_interviews):
    html = client.get(reverse("interviews:interview_list"), {"speaker": "gita-guest", "language": "zh"}).content
    assert "No interview matches these filters." in html.decode()
    assert 'href="/search/"' in html.decode()


def test_speaker_list_names_roles_counts_and_languages(client, seeds):
    html = client.get(reverse("interviews:speakers")).content.decode()
    gomez = html.split('href="/speakers/aidan-gomez/">Aidan Gomez</a>')[1].split("</li>")[0]
    assert '<span class="role">guest</span>' in gomez
    assert "1 interview · 99 turns" in gomez
    assert '<span lang="de">Deutsch</span>, <span lang="zh">中文</span>' in gomez
    assert "Cohere" in gomez  # the first sentence of the bio: who they are


def test_transcript_page_has_a_find_box_that_searches_only_that_transcript(client, seeds):
    """The find box lists the matches on the transcript page itself (tests/test_find_in_transcript.py)."""
    de = seeds.transcripts.get(language="de")
    html = client.get(de.get_absolute_url()).content.decode()
    form = html.split('<form class="find-box"')[1].split("</form>")[0]
    assert f'action="{de.get_absolute_url()}"' in form and 'name="find"' in form


def test_transcript_metadata_is_in_a_fold(client, seeds):
    """On a phone the fold is closed (CSS opens it on wide screens): the conversation comes first."""
    html = client.get(seeds.transcripts.get(language="de").get_absolute_url()).content.decode()
    fold = html.split('<details class="fold">')[1].split("</aside>")[0]  # it holds the shares' own toggles
    assert "<summary>Find · source · who speaks · contents</summary>" in fold
    assert 'id="source-heading"' in fold and 'id="shares-heading"' in fold and 'id="toc-heading"' in fold


def feed_entries(client, url):
    response = client.get(url)
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    return root, root.findall(f"{ATOM}entry")


def test_new_interviews_feed_lists_interviews(client, two_interviews):
    root, entries = feed_entries(client, reverse("interviews:feed_interviews"))
    assert root.find(f"{ATOM}title").text == "Founder Interview Archive: new interviews"
    assert {e.find(f"{ATOM}title").text for e in entries} == {i.title for i in two_interviews}
    assert entries[0].find(f"{ATOM}link").get("href").startswith("http://testserver/interviews/")


def test_speaker_feed_lists_only_their_interviews(client, two_interviews):
    _, entries = feed_entries(client, reverse("interviews:feed_speaker", args=["gita-guest"]))
    assert [e.find(f"{ATOM}title").text for e in entries] == ["A talk about data"]
    assert client.get(reverse("interviews:feed_speaker", args=["nobody"])).status_code == 404


def test_topic_feed_lists_quotes_with_permalinks(client, seeds):
    _, entries = feed_entries(client, reverse("interviews:feed_topic", args=["data-quality"]))
    assert entries
    assert all("/q/" in e.find(f"{ATOM}link").get("href") for e in entries)


def test_saved_search_feed_lists_the_newest_hits(client, seeds):
    _, entries = feed_entries(client, reverse("interviews:feed_search") + "?q=Datenqualität")
    assert entries and all("/q/" in e.find(f"{ATOM}link").get("href") for e in entries)


@pytest.mark.parametrize(
    "url, feed",
    [
        ("/", "/feeds/interviews/"),
        ("/interviews/", "/feeds/interviews/"),
        ("/speakers/aidan-gomez/", "/feeds/speakers/aidan-gomez/"),
        ("/topics/data-quality/", "/feeds/topics/data-quality/"),
        ("/search/?q=Daten", "/feeds/search/?q=Daten"),
    ],
)
def test_pages_link_their_feed(client, seeds, url, feed):
    html = client.get(url).content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in html and f'href="{feed}"' in html


# --- Counts of turns kept per version of the index ------------------------------------------------


def without_csrf(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def speaker_line(html, slug):
    return html.split(f'href="/speakers/{slug}/">')[1].split("</li>")[0]


def topic_card(html, name):
    card = html[html.index(name) :]
    return card[: card.index("</li>")]


def test_counts_on_the_lists_are_counted_once_per_version_of_the_index(client, seeds, django_assert_max_num_queries):
    first = client.get(reverse("interviews:topics")).content.decode()
    client.get(reverse("interviews:speakers"))
    with django_assert_max_num_queries(2):  # whether index work is pending, the topics: no turn counted
        again = client.get(reverse("interviews:topics")).content.decode()
    assert without_csrf(again) == without_csrf(first)


def test_a_new_interview_counts_on_every_list_at_once(client, seeds, django_capture_on_commit_callbacks):
    """Adding turns commits them to the index too: its version changes, and the next reader in
    any worker counts again."""
    client.get(reverse("interviews:speakers"))
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        ingest_text(slug="a-talk", title="A talk about data", published_on="2021-03-04")
    assert not IndexTask.objects.exists()
    turns = Turn.objects.filter(speaker__slug="gita-guest").count()
    assert f"1 interview · {turns} turns" in speaker_line(
        client.get(reverse("interviews:speakers")).content.decode(), "gita-guest"
    )
    assert f"<strong>{Turn.objects.count()}</strong> quotes" in client.get("/").content.decode()


def test_an_editors_topic_decision_counts_at_once_even_before_the_index_has_it(client, seeds):
    """Between a write's commit and its index commit, the counts are read from the database."""
    name = "Data quality and synthetic data"
    carried = TurnTopic.objects.filter(topic__slug="data-quality").exclude(source=TurnTopic.REMOVED)
    before = carried.count()
    topic = Topic.objects.get(slug="data-quality")
    chip = f'href="{topic.get_absolute_url()}">{name} <span class="count">{{}}</span>'
    assert f"{before} turns" in topic_card(client.get(reverse("interviews:topics")).content.decode(), name)
    assert chip.format(before) in client.get("/").content.decode()
    link = carried.select_related("turn").first()
    link.source = TurnTopic.REMOVED
    link.save()
    editing.turn_changed(link.turn)  # the commit hook that would index it does not run here
    assert IndexTask.objects.exists()
    assert f"{before - 1} turns" in topic_card(client.get(reverse("interviews:topics")).content.decode(), name)
    assert chip.format(before - 1) in client.get("/").content.decode()


def test_the_index_counts_what_the_database_counts(seeds, django_capture_on_commit_callbacks):
    """Speakers' and topics' turns per language, counted from the index's facets, are the
    database's counts: after an ingest, a merge of two speakers and an editor's topic decision,
    each indexed."""
    with django_capture_on_commit_callbacks(execute=True):
        ingest_text(slug="a-talk", title="A talk about data", published_on="2021-03-04")
    with django_capture_on_commit_callbacks(execute=True):
        editing.merge_speakers(Speaker.objects.get(slug="gita-guest"), [Speaker.objects.get(slug="hanna-host")])
    link = TurnTopic.objects.exclude(source=TurnTopic.REMOVED).select_related("turn").first()
    with django_capture_on_commit_callbacks(execute=True):
        link.source = TurnTopic.REMOVED
        link.save()
        editing.turn_changed(link.turn)
    assert not IndexTask.objects.exists()
    from_index = {
        "speakers": lists._by_id(Speaker, "speaker"),
        "topics": lists._by_id(Topic, "topic"),
    }
    assert from_index == {
        "speakers": lists.speaker_turn_counts_in_database(),
        "topics": lists.topic_turn_counts_in_database(),
    }
    assert [list(by) for by in from_index["speakers"].values()] == [
        sorted(by) for by in from_index["speakers"].values()
    ]
    assert lists.topic_turn_totals() == {pk: sum(by.values()) for pk, by in from_index["topics"].items()}


def test_what_the_index_does_not_hold_shows_at_once(client, seeds):
    """A speaker's biography is not indexed: it is read afresh, beside the kept counts."""
    client.get(reverse("interviews:speakers"))
    Speaker.objects.filter(slug="aidan-gomez").update(bio="Co-founded a quokka sanctuary. Then Cohere.")
    html = client.get(reverse("interviews:speakers")).content.decode()
    assert "Co-founded a quokka sanctuary." in speaker_line(html, "aidan-gomez")
