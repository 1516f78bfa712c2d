"""Speaker names in queries: a reader who types a speaker's name, whole, in part, in another script
or without its accents, is offered that speaker's page and sees their turns first."""

import json

import pytest
from django.urls import reverse

from interviews.models import Speaker
from interviews.search import indexing
from interviews.search.names import NameIndex
from interviews.search.query import SearchParams, parse_query, search

SPEAKERS = [
    ("aidan-gomez", "Aidan Gomez", ["Aidan", "艾丹·戈麦斯"]),
    ("harry-stebbings", "Harry Stebbings", ["Q", "Harry"]),
    ("ewa-wisniewska", "Ewa Wiśniewska", []),
]


def named(query, speakers=SPEAKERS):
    index = NameIndex.build(speakers, stop_words={"the", "and"})
    return [(m.start, m.end, m.slugs) for m in index.match(parse_query(query).include)]


# --- Which words name a speaker (pure) ---------------------------------------------------------


def test_a_full_name_names_the_speaker_as_one_run():
    assert named("Aidan Gomez") == [(0, 2, ("aidan-gomez",))]


def test_one_word_of_a_name_names_the_speaker():
    assert named("gomez synthetic data") == [(0, 1, ("aidan-gomez",))]


def test_case_and_accents_are_folded():
    assert named("WISNIEWSKA") == [(0, 1, ("ewa-wisniewska",))]
    assert named("Wiśniewska") == [(0, 1, ("ewa-wisniewska",))]


def test_an_alias_in_another_script_names_the_speaker_with_or_without_its_separator():
    assert named("艾丹·戈麦斯") == [(0, 1, ("aidan-gomez",))]  # one clause of two words
    assert named("艾丹戈麦斯") == [(0, 1, ("aidan-gomez",))]
    assert named("戈麦斯 数据") == [(0, 1, ("aidan-gomez",))]


def test_a_label_and_a_stop_word_name_nobody():
    assert named("Q") == []
    assert named("the data", [("the-band", "The", [])]) == []


def test_a_shared_first_name_names_every_speaker_who_has_it():
    speakers = [("harry-a", "Harry Alpha", []), ("harry-b", "Harry Beta", [])]
    assert named("harry", speakers) == [(0, 1, ("harry-a", "harry-b"))]
    assert named("harry beta", speakers) == [(0, 2, ("harry-b",))]


# --- Searching by name -------------------------------------------------------------------------


@pytest.fixture
def gita(archive):
    speaker = Speaker.objects.get(slug="gita-guest")
    speaker.aliases = [*speaker.aliases, "吉塔"]
    speaker.save()
    return speaker


def test_a_name_ranks_the_speakers_turns_first_in_every_language(archive):
    page = search(SearchParams(q="Gita"))
    assert [s.slug for s in page.speakers] == ["gita-guest"]
    assert page.count == 5  # her turns in English, German and Chinese
    assert {hit.speaker for hit in page.results} == {"Gita Guest"}
    assert {hit.language for hit in page.results} == {"en", "de", "zh"}


def test_a_speakers_own_turns_rank_above_turns_that_only_mention_the_name(db, indexed):
    """A host who says the name again and again does not push the guest's own words down: the
    speaker clause of the expanded query counts in every language field, a mention in one."""
    indexed(
        text=(
            "A talk\n\nHost: Gita, Gita, Gita! Welcome, Gita, Gita.\n\n"
            "Guest: Thank you for having me on the show today.\n\n"
            "Host: Gita, Gita, tell us, Gita.\n\n"
            "Guest: We train models on clean data.\n"
        )
    )
    page = search(SearchParams(q="Gita"))
    assert page.count == 4
    assert [hit.speaker for hit in page.results] == ["Gita Guest", "Gita Guest", "Hanna Host", "Hanna Host"]


def test_a_name_and_a_word_find_the_speakers_turns_about_it(archive):
    page = search(SearchParams(q="gita guest datenqualität"))
    assert page.count >= 1
    assert page.results[0].speaker == "Gita Guest"


def test_an_alias_an_editor_adds_is_searchable_at_once(gita):
    page = search(SearchParams(q="吉塔"))
    assert [s.slug for s in page.speakers] == ["gita-guest"]
    assert {hit.speaker for hit in page.results} == {"Gita Guest"}


def test_a_name_is_not_translated(archive):
    assert search(SearchParams(q="Gita Guest")).query.expansions == ()


def test_exact_search_names_nobody(archive):
    assert search(SearchParams(q="Gita", exact=True)).speakers == []


def test_the_results_page_offers_the_speakers_page_first(client, archive):
    html = client.get(reverse("interviews:search"), {"q": "gita"}).content.decode()
    assert 'class="named-speaker" href="/speakers/gita-guest/"' in html
    assert "Speaker: Gita Guest" in html
    assert html.index("named-speaker") < html.index('<ol class="results"')


def test_the_api_reports_the_speakers_a_query_names(client, archive):
    data = json.loads(client.get(reverse("interviews:api_search"), {"q": "Gita"}).content)
    assert data["speakers"] == [
        {"slug": "gita-guest", "name": "Gita Guest", "url": "http://testserver/speakers/gita-guest/"}
    ]
    assert json.loads(client.get(reverse("interviews:api_search"), {"q": "daten"}).content)["speakers"] == []


def test_a_renamed_speaker_is_found_by_the_new_name(archive):
    speaker = Speaker.objects.get(slug="gita-guest")
    speaker.name = "Gita Gomez"
    speaker.save()
    indexing.process_index_tasks()
    assert [s.slug for s in search(SearchParams(q="Gomez")).speakers] == ["gita-guest"]
