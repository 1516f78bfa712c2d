"""Pages and their JSON twins, as a reader sees them."""

import io
import re

import pytest
from django.core.management import call_command
from django.db.models import Min
from django.urls import reverse

from interviews.models import Interview, Speaker, Transcript, Turn
from tests.factories import SEEDS, ingest_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeds():
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    return Interview.objects.get()


def test_empty_archive_home_explains_how_to_add_transcripts(client):
    html = client.get("/").content.decode()
    assert "The archive is empty" in html
    assert "manage.py ingest" in html


def test_home_lists_interview_with_languages_and_speakers(client, seeds):
    html = client.get("/").content.decode()
    assert seeds.title in html
    assert "Deutsch" in html and "中文" in html
    assert "Aidan Gomez" in html and "Harry Stebbings" in html


def test_interview_page_shows_transcript_with_toc_anchors_and_source(client, seeds):
    de = seeds.transcripts.get(language="de")
    html = client.get(de.get_absolute_url()).content.decode()
    first_section = de.sections.get(ordinal=0)
    assert 'href="#s0"' in html and first_section.heading in html
    assert 'id="t0"' in html and 'id="t73"' in html
    assert "Machine translation" in html
    assert "QbitAI" in html
    turn = de.turns.get(ordinal=5)
    assert turn.get_absolute_url() in html
    assert 'lang="de"' in html


def test_transcript_contents_list_the_sections_in_the_order_they_are_spoken(client, seeds):
    de = seeds.transcripts.get(language="de")
    html = client.get(de.get_absolute_url()).content.decode()
    anchors = re.findall(r'<li><a href="#(s\d+)"', html)
    assert anchors == [f"s{n}" for n in range(de.sections.count())]


def test_topic_list_is_in_name_order(client, seeds):
    html = client.get("/topics/").content.decode()
    names = re.findall(r'<h2><a href="/topics/[^"]+/">([^<]+)</a>', html)
    assert len(names) > 5 and names == sorted(names)


def test_interview_page_switches_language(client, seeds):
    zh = seeds.transcripts.get(language="zh")
    html = client.get(zh.get_absolute_url()).content.decode()
    assert 'aria-current="page">中文' in html
    assert zh.turns.get(ordinal=0).text[:20] in html
    assert 'lang="zh"' in html


def test_interview_default_page_shows_a_transcript(client, seeds):
    html = client.get(seeds.get_absolute_url()).content.decode()
    assert 'id="t0"' in html


def test_unknown_transcript_language_is_404(client, seeds):
    assert client.get(reverse("interviews:transcript", args=[seeds.slug, "fr"])).status_code == 404


def test_speaker_page_lists_turns_across_languages(client, seeds):
    speaker = Speaker.objects.get(name="Aidan Gomez")
    html = client.get(speaker.get_absolute_url()).content.decode()
    assert "Cohere" in html  # the bio
    assert "(99 turns)" in html  # 37 German + 62 Chinese
    assert "Deutsch" in html and "中文" in html


def test_speaker_page_shows_fifty_turns_a_page(client, seeds):
    """A founder heard in many interviews has thousands of turns: the page stays small."""
    url = Speaker.objects.get(name="Aidan Gomez").get_absolute_url()
    first, second = client.get(url).content.decode(), client.get(url + "?page=2").content.decode()
    assert first.count('<article class="turn') == 50 and second.count('<article class="turn') == 49
    assert "(99 turns)" in second and "Page 2 of 2" in second and 'rel="prev" href="?page=1"' in second
    assert 'rel="next" href="?page=2"' in first
    assert client.get(url + "?page=3").status_code == 404


def test_quote_page_shows_quote_with_context_and_transcript_link(client, seeds):
    turn = Turn.objects.get(transcript__language="de", ordinal=3)
    html = client.get(turn.get_absolute_url()).content.decode()
    assert turn.paragraphs[0] in html
    assert turn.get_transcript_url() in html
    for ordinal in (2, 4):
        neighbour = Turn.objects.get(transcript=turn.transcript, ordinal=ordinal)
        assert neighbour.paragraphs[0] in html


def test_removed_quote_answers_gone_with_a_link_to_its_interview(client):
    result = ingest_text()
    turn = result.transcript.turns.get(text="And compute?")
    from tests.factories import SHORT_INTERVIEW

    ingest_text(text=SHORT_INTERVIEW.replace("Host: And compute?\n\n", ""))
    response = client.get(f"/q/{turn.key}/")
    assert response.status_code == 410
    assert result.transcript.get_absolute_url() in response.content.decode()


def test_unknown_quote_is_404(client):
    assert client.get("/q/doesnotexist/").status_code == 404


def test_transcript_text_is_escaped(client):
    ingest_text(text="Host: <script>alert(1)</script> hi?\n\nGuest: <b>bold</b> answer.\n\nHost: ok?\n\nGuest: yes.\n")
    html = client.get(Transcript.objects.get().get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;b&gt;bold" in html or "bold" in html


# --- JSON -----------------------------------------------------------------------------------


def test_api_interview_list(client, seeds):
    data = client.get("/api/interviews/").json()
    assert data["results"][0]["slug"] == seeds.slug
    assert data["results"][0]["languages"] == ["de", "zh"]


def test_api_interview_detail_lists_transcripts(client, seeds):
    data = client.get(f"/api/interviews/{seeds.slug}/").json()
    assert {t["language"] for t in data["transcripts"]} == {"de", "zh"}
    de = next(t for t in data["transcripts"] if t["language"] == "de")
    assert de["url"].endswith(seeds.transcripts.get(language="de").get_absolute_url())
    assert client.get(de["api_url"]).status_code == 200


def test_api_transcript_has_turns_with_permalinks(client, seeds):
    zh = seeds.transcripts.get(language="zh")
    data = client.get(f"/api/transcripts/{zh.pk}/").json()
    assert len(data["turns"]) == 125
    first = data["turns"][0]
    assert set(first) >= {"key", "ordinal", "speaker", "section", "text", "permalink"}
    assert first["speaker"] == "Harry Stebbings"
    assert first["permalink"].endswith(f"/q/{first['key']}/")
    assert client.get(first["permalink"]).status_code == 200


def test_api_unknown_interview_is_404(client):
    assert client.get("/api/interviews/nope/").status_code == 404


def test_not_found_page_says_what_was_not_found(client):
    """A page number past the end, a quote key that never existed: the archive's own page, with the
    reason and a way on, not a bare "Not Found"."""
    response = client.get(reverse("interviews:search"), {"page": "9" * 300})
    html = response.content.decode()
    assert response.status_code == 404
    assert "No such page of results." in html
    assert 'class="site-header"' in html and reverse("interviews:search") in html
    assert "No quote has this key" in client.get(reverse("interviews:quote", args=["zzzzzzzz"])).content.decode()


def test_unknown_address_says_there_is_no_page_there(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Nothing lives at <code>/no/such/page/</code>" in response.content.decode()
    assert "Resolver404" not in response.content.decode()


def test_unknown_interview_page_is_friendly_not_a_model_name(client):
    """get_object_or_404's "No Interview matches the given query." is for developers: a reader sees
    what was not found and a way on."""
    response = client.get(reverse("interviews:interview", args=["no-such-interview"]))
    html = response.content.decode()
    assert response.status_code == 404
    assert "No interview or transcript lives at" in html
    assert "matches the given query" not in html
    assert 'class="site-header"' in html


def test_server_error_page_is_friendly(client, monkeypatch):
    """An exception in a view: the archive's own 500 page, never a traceback."""
    from django.test import Client

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("interviews.views.render", broken)
    response = Client(raise_request_exception=False).get(reverse("interviews:topics"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "RuntimeError" not in html and "Traceback" not in html


# --- Long transcripts: pages of turns ---------------------------------------------------------


@pytest.fixture
def pages_of_fifty(settings):
    settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE = 50


def test_seed_transcript_stays_one_page_at_two_hundred_turns_a_page(client, seeds):
    zh = seeds.transcripts.get(language="zh")
    html = client.get(zh.get_absolute_url()).content.decode()
    assert 'id="t0"' in html and 'id="t124"' in html
    assert 'class="pagination"' not in html and 'rel="next"' not in html


def test_long_transcript_is_split_into_pages_of_turn_positions(client, seeds, pages_of_fifty):
    """125 turns at 50 a page: three pages, each holding its own range of turns, linked both ways."""
    zh = seeds.transcripts.get(language="zh")
    url = zh.get_absolute_url()
    first = client.get(url).content.decode()
    assert 'id="t0"' in first and 'id="t49"' in first and 'id="t50"' not in first
    assert f'<link rel="next" href="{url}?page=2">' in first and 'rel="prev"' not in first
    second = client.get(url, {"page": 2}).content.decode()
    assert 'id="t50"' in second and 'id="t99"' in second and 'id="t0"' not in second
    assert f'<link rel="prev" href="{url}">' in second and f'<link rel="next" href="{url}?page=3">' in second
    assert f'<link rel="canonical" href="http://testserver{url}?page=2">' in second
    last = client.get(url, {"page": 3}).content.decode()
    assert 'id="t100"' in last and 'id="t124"' in last and 'rel="next"' not in last
    assert 'aria-label="Page 1 of 3"' in last and '<a href="' + url + '?page=3" aria-current="page">3</a>' in last


@pytest.mark.parametrize("page", ["4", "0", "two"])
def test_transcript_page_that_does_not_exist_is_404(client, seeds, pages_of_fifty, page):
    zh = seeds.transcripts.get(language="zh")
    assert client.get(zh.get_absolute_url(), {"page": page}).status_code == 404


def test_contents_link_each_section_on_the_page_that_holds_it(client, seeds, settings):
    settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE = 20
    de = seeds.transcripts.get(language="de")
    url = de.get_absolute_url()
    later = de.sections.annotate(first=Min("turns__ordinal")).filter(first__gte=20).order_by("ordinal").first()
    page = later.first // 20 + 1
    html = client.get(url).content.decode()
    assert f'href="{url}?page={page}#{later.anchor}"' in html
    on_its_page = client.get(url, {"page": page}).content.decode()
    assert f'href="#{later.anchor}"' in on_its_page and f'id="{later.anchor}"' in on_its_page


def test_links_to_a_turn_land_on_the_page_that_holds_it(client, seeds, pages_of_fifty):
    """The quote page's "Read it in the full transcript" (and so /q/<key>/ and the t<n> redirect)."""
    zh = seeds.transcripts.get(language="zh")
    turn = zh.turns.get(ordinal=120)
    assert turn.get_transcript_url() == f"{zh.get_absolute_url()}?page=3#t120"
    assert zh.turns.get(ordinal=49).get_transcript_url() == f"{zh.get_absolute_url()}#t49"
    quote = client.get(client.get(reverse("interviews:turn_at", args=[seeds.slug, zh.slug, 120]))["Location"])
    assert f'href="{zh.get_absolute_url()}?page=3#t120"' in quote.content.decode()
    assert 'id="t120"' in client.get(f"{zh.get_absolute_url()}?page=3").content.decode()


def test_side_by_side_is_paged_by_rows(client, seeds, pages_of_fifty):
    de, zh = seeds.transcripts.get(language="de"), seeds.transcripts.get(language="zh")
    url = seeds.get_side_by_side_url(de, zh)
    first = client.get(url).content.decode()
    assert first.count('<li class="sbs-row"') + first.count('<li class="sbs-row sbs-row--possible"') == 50
    assert f'<link rel="next" href="{url.replace("&", "&amp;")}&amp;page=2">' in first
    last_page = client.get(url, {"page": 99})
    assert last_page.status_code == 404


def test_speaker_page_gives_turns_of_two_transcripts_distinct_ids(client, seeds):
    """Aidan Gomez speaks in the German and the Chinese transcript, both numbering turns from t0:
    on his page each turn's id names its transcript. Links to his turns are their permalinks,
    which all land on the quote; the transcript pages keep their #t<n> anchors."""
    html = client.get("/speakers/aidan-gomez/").content.decode()
    ids = re.findall(r'<article class="turn[^"]*" id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) > 20
    assert "20vc-aidan-gomez-cohere-de-t1" in ids and "20vc-aidan-gomez-cohere-zh-t1" in ids
    assert not re.findall(r'href="#t\d+"', html)
    for permalink in set(re.findall(r'class="permalink" href="(/q/[^"]+)"', html)):
        assert 'id="quote"' in client.get(permalink).content.decode()
    assert 'id="t1"' in client.get("/interviews/20vc-aidan-gomez-cohere/de/").content.decode()
