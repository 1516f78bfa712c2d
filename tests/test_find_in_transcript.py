"""The find box of a transcript: `?find=words` lists the matching turns of that transcript on its
own page, found the way the archive's search finds them, each linked to its turn on its page."""

import re

import pytest
from django.urls import reverse

from interviews.models import Turn

pytestmark = pytest.mark.django_db

GERMAN = "/interviews/ein-gespraech/de/"
CHINESE = "/interviews/zh-talk/zh/"


def find(client, url, words, **params):
    response = client.get(url, {"find": words, **params})
    assert response.status_code == 200
    html = response.content.decode()
    panel = html.split('<section class="find-panel"')[1].split("</section>")[0]
    return panel, re.findall(r'<li><a href="([^"]+)">', panel)


def test_find_box_submits_to_the_transcript_itself(client, archive):
    html = client.get(GERMAN).content.decode()
    form = html.split('<form class="find-box"')[1].split("</form>")[0]
    assert f'action="{GERMAN}"' in form and 'name="find"' in form


def test_plain_transcript_page_has_no_find_panel(client, archive):
    assert "find-panel" not in client.get(GERMAN).content.decode()


def test_german_word_finds_its_other_forms_in_this_transcript_only(client, archive):
    """ "Modell" finds "Modelle" in the German transcript and nothing of the other interviews."""
    panel, links = find(client, GERMAN, "Modell")
    assert "2 turns match “Modell”" in panel
    assert links == [f"{GERMAN}#t0", f"{GERMAN}#t1"]
    assert "<mark>Modelle</mark>" in panel


def test_chinese_word_is_found_inside_a_sentence(client, archive):
    panel, links = find(client, CHINESE, "合成数据")
    assert "1 turn matches “合成数据”" in panel
    assert links == [f"{CHINESE}#t1"]
    assert "<mark>合成数据</mark>" in panel


def test_no_match_says_what_to_try_and_offers_the_whole_archive(client, archive):
    panel, links = find(client, GERMAN, "Quantencomputer")
    assert links == []
    assert "0 turns match “Quantencomputer”" in panel
    assert "No turn of this transcript has these words." in panel
    assert f'href="{reverse("interviews:search")}?q=Quantencomputer"' in panel
    assert f'class="find-clear" href="{GERMAN}"' in panel


def test_match_on_a_later_page_links_to_that_page(client, archive, settings):
    """Turns are paginated: a match links to the page that holds it, and clearing keeps the page."""
    settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE = 2
    panel, links = find(client, GERMAN, "Rechenleistung", page=2)
    assert links == [f"{GERMAN}?page=2#t2", f"{GERMAN}?page=2#t3"]
    assert f'class="find-clear" href="{GERMAN}?page=2"' in panel


def test_timed_turn_shows_its_time(client, archive):
    Turn.objects.filter(transcript__interview__slug="ein-gespraech", ordinal=1).update(start=754)
    panel, _ = find(client, GERMAN, "Modell")
    assert '<span aria-hidden="true">▶</span> 12:34' in panel


def test_words_are_escaped(client, archive):
    panel, _ = find(client, GERMAN, "<b>Daten</b>")
    assert "<b>" not in panel and "&lt;b&gt;Daten&lt;/b&gt;" in panel


def test_find_costs_a_bounded_number_of_queries(client, archive, django_assert_max_num_queries):
    """The plain page costs 6 queries and its charts 2 (the strip and shares: turns, topics); the
    find adds 5 however many turns match (facet labels 3, the matches' translations 1, their times 1)."""
    client.get(GERMAN, {"find": "Daten"})  # warm: the facet vocabulary, the search cache
    with django_assert_max_num_queries(13):
        client.get(GERMAN, {"find": "Daten"})


def test_a_transcript_of_the_same_slug_in_another_interview_is_not_searched(client, archive, indexed):
    """Transcript slugs are unique only within an interview: the find narrows on both."""
    indexed(
        text="Noch ein Gespräch\n\nHost: Welche Modelle?\n\nGuest: Große Modelle.\n",
        filename="noch.txt",
        slug="noch-ein-gespraech",
        title="Noch ein Gespräch",
        language="de",
        transcript_slug="de",
    )
    _, links = find(client, GERMAN, "Modell")
    assert links == [f"{GERMAN}#t0", f"{GERMAN}#t1"]
    _, other = find(client, "/interviews/noch-ein-gespraech/de/", "Modell")
    assert other == ["/interviews/noch-ein-gespraech/de/#t0", "/interviews/noch-ein-gespraech/de/#t1"]
