"""A search page's results are drawn once and kept in the shared result cache: a repeat reads them
back, the same bytes as drawn afresh, in the reader's interface language, and never what was
drawn before a write. The API's answers, made from the same search, stay the same too."""

import json
import re

import pytest
from django.core.cache import caches
from django.db import transaction

from interviews import editing
from interviews.models import IndexTask, Speaker, Topic, TurnAlignment
from interviews.topics import tagging
from interviews.translations import store as translations
from tests.factories import index_first_turn_in_another_process

SEARCHES = [
    "/search/?q=daten",
    "/search/?q=daten&language=de",
    "/search/?q=daten&language=de&translations=1",
    "/search/?q=daten&sort=date",
    "/search/?q=datenqualit%C3%A4t&exact=1",
    "/search/?q=quokkas",
    "/search/?speaker=gita-guest",
    "/search/",
]


def cache_entries():
    return caches["search"].entry_count()


def without_csrf(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def get(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200
    return without_csrf(response.content.decode())


def test_a_repeated_search_page_is_read_from_the_cache(client, archive, django_assert_max_num_queries):
    """The second request draws nothing: its results part is one more entry beside the index's."""
    first = get(client, "/search/?q=daten")
    entries = cache_entries()
    with django_assert_max_num_queries(1):  # the hits' translations, which are in the key
        again = get(client, "/search/?q=daten")
    assert again == first
    assert cache_entries() == entries


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_a_cached_page_is_the_page_drawn_afresh(client, archive, settings, language):
    """Byte for byte (the CSRF token aside), for pages with filters, translations, no hits, no
    query, with the page around the results drawn once or through the whole template."""
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    cached = [(get(client, url, **headers), get(client, url, **headers)) for url in SEARCHES]
    settings.ARCHIVE_SEARCH_CACHE = False
    fresh = [get(client, url, **headers) for url in SEARCHES]
    settings.DEBUG = True  # the whole page through the template, not the page around drawn once
    templated = [get(client, url, **headers) for url in SEARCHES]
    for (drawn, read_back), uncached, whole in zip(cached, fresh, templated, strict=True):
        assert drawn == read_back == uncached == whole


def test_an_api_answer_is_the_same_with_the_cache_on_and_off(client, archive, settings):
    urls = [url.replace("/search/", "/api/search") for url in SEARCHES]
    cached = [(client.get(url), client.get(url)) for url in urls]
    settings.ARCHIVE_SEARCH_CACHE = False
    for (made, read_back), url in zip(cached, urls, strict=True):
        fresh = client.get(url)
        assert made.status_code == read_back.status_code == fresh.status_code == 200
        assert made["Content-Type"] == read_back["Content-Type"] == fresh["Content-Type"] == "application/json"
        assert made.content == read_back.content == fresh.content
        assert json.loads(fresh.content)["count"] >= 0


def test_each_interface_language_has_its_own_page(client, archive):
    english = get(client, "/search/?q=daten")
    german = get(client, "/search/?q=daten", HTTP_ACCEPT_LANGUAGE="de")
    assert "Speaker" in english and "Sprecher" in german
    assert get(client, "/search/?q=daten") == english


def test_api_links_name_the_host_the_request_came_by(client, archive):
    first = client.get("/api/search?q=daten").json()
    other = client.get("/api/search?q=daten", HTTP_HOST="localhost").json()
    assert first["results"][0]["permalink"].startswith("http://testserver/")
    assert other["results"][0]["permalink"].startswith("http://localhost/")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # see the last test
def test_a_new_turn_shows_at_once(client, archive, indexed):
    assert "No results" in get(client, "/search/?q=quokkas")
    indexed(
        text="A talk about quokkas\n\nHost: Have you met the quokkas?\n",
        filename="quokkas.txt",
        slug="quokka-talk",
        title="Quokka talk",
    )
    assert "Have you met the <mark>quokkas</mark>?" in get(client, "/search/?q=quokkas")
    assert "Have you met the" in client.get("/api/search?q=quokkas").content.decode()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # see the last test
def test_a_renamed_speaker_shows_at_once(client, archive, django_capture_on_commit_callbacks):
    """On the hits and in the filters, on the page and in the API."""
    assert ">Gita Guest<" in get(client, "/search/?q=daten")
    client.get("/api/search?q=daten")
    speaker = Speaker.objects.get(slug="gita-guest")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        speaker.name = "Gita Quokka"
        speaker.save()
        editing.reindex_speaker(speaker)
    assert not IndexTask.objects.exists()
    html = get(client, "/search/?q=daten")
    assert ">Gita Guest<" not in html and html.count("Gita Quokka") >= 2  # a hit and a filter
    assert "Gita Guest" not in client.get("/api/search?q=daten").content.decode()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # see the last test
def test_a_renamed_topic_shows_at_once(client, seeds, django_capture_on_commit_callbacks):
    topic = Topic.objects.filter(turn_links__isnull=False).distinct().order_by("slug").first()
    url, old_name = f"/search/?topic={topic.slug}", topic.name_en
    assert f"{old_name}<" in get(client, url)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        topic.name_en = "Quokka husbandry"
        topic.save()
        tagging.reindex_turns_of([topic.pk])
    html = get(client, url)
    assert "Quokka husbandry" in html and f"{old_name}<" not in html


def test_a_rejected_translation_link_leaves_the_page_at_once(client, seeds):
    """Editors change translation links in the database only: the page's links are in the key."""
    link = TurnAlignment.objects.filter(source__transcript__language="de").select_related("source", "target").first()
    word = max(re.findall(r"\w+", link.source.text), key=len).lower()
    url = f"/search/?q={word}&language=de&translations=1"
    counterpart = f'href="{link.target.get_absolute_url()}"'
    assert counterpart in get(client, url)
    translations.reject(TurnAlignment.objects.filter(pk=link.pk))
    assert counterpart not in get(client, url)


def test_the_cache_can_be_turned_off(client, archive, settings):
    settings.ARCHIVE_SEARCH_CACHE = False
    get(client, "/search/?q=daten")
    client.get("/api/search?q=daten")
    assert cache_entries() == 0


# As in tests/search/test_cache.py: Whoosh's Searcher.refresh() leaves a reader to the collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_write_from_another_process_changes_the_next_page_at_once(client, archive):
    """A page is cached; another process then commits a changed turn to the index. The very next
    request shows it: the index's version is in the key."""
    assert "No results" in get(client, "/search/?q=quokka")
    assert "No results" in get(client, "/search/?q=quokka")  # now from the cache
    index_first_turn_in_another_process("Have you ever met a quokka?")
    assert "Have you ever met a <mark>quokka</mark>?" in get(client, "/search/?q=quokka")


def test_each_page_carries_its_own_csrf_token_for_the_language_switch(client, archive):
    """The page around the results is drawn once per process: the language menu's token is still
    each visitor's own, the one their CSRF cookie confirms."""
    from django.middleware.csrf import _unmask_cipher_token

    tokens = []
    for browser in (client, type(client)()):
        response = browser.get("/search/?q=daten")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]
        assert _unmask_cipher_token(token) == response.cookies["csrftoken"].value
        tokens.append(response.cookies["csrftoken"].value)
    assert tokens[0] != tokens[1]
