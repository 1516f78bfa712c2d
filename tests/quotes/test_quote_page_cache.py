"""A quote page is drawn once and kept in the shared result cache: every reader gets the same
page, in their interface language, with their own span, host and CSRF token, and never the page
from before a write."""

import re

import pytest
from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.urls import reverse

from interviews import editing
from interviews.models import IndexTask, Interview, Turn, TurnAlignment
from interviews.quotes.spans import fingerprint
from interviews.translations import store as translations


def cache_entries():
    return caches["search"].entry_count()


@pytest.fixture
def turn(seeds):
    """A German turn of the seeds with a translation link, indexed."""
    assert not IndexTask.objects.exists()
    de = Interview.objects.get().transcripts.get(language="de")
    return Turn.objects.filter(transcript=de, alignments_from__isnull=False).order_by("ordinal")[3]


def page(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_a_quote_page_is_drawn_once_and_then_read_from_the_cache(client, turn, django_assert_max_num_queries):
    first = page(client, turn.get_absolute_url())
    assert cache_entries() == 1
    with django_assert_max_num_queries(1):  # the turn, with what the key needs of the database
        again = page(client, turn.get_absolute_url())
    assert again == first


def test_the_page_from_the_cache_is_the_page_drawn(client, turn, settings):
    """Each interface language, with and without a span, the first request and the next, the
    cache on or off: the same page but for the CSRF token."""
    span = f"{turn.get_absolute_url()}?s=10-40&h={fingerprint(turn.text[10:40])}"
    pages = {}
    for cached in (False, True, True):
        settings.ARCHIVE_SEARCH_CACHE = cached
        for language in ("en", "de", "zh-hans"):
            for url in (turn.get_absolute_url(), span):
                html = page(client, url, HTTP_ACCEPT_LANGUAGE=language)
                assert pages.setdefault((language, url), html) == html
    assert pages[("en", span)] != pages[("en", turn.get_absolute_url())]  # the span is the request's own
    assert cache_entries() == 6


def test_the_host_and_the_csrf_token_are_the_request_s_own(client, turn, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    page(client, turn.get_absolute_url())
    reader = Client(enforce_csrf_checks=True)
    html = reader.get(turn.get_absolute_url(), HTTP_HOST="other.example").content.decode()
    assert f'<link rel="canonical" href="http://other.example{turn.get_absolute_url()}">' in html
    assert "http://testserver" not in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    switched = reader.post(
        reverse("set_language"),
        {"language": "de", "next": "/", "csrfmiddlewaretoken": token},
        HTTP_HOST="other.example",
    )
    assert switched.status_code == 302


def test_an_edited_quote_shows_at_once(client, turn, django_capture_on_commit_callbacks):
    page(client, turn.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        turn.text = "Ein Quokka hat diesen Satz geschrieben."
        turn.save()
        editing.turn_changed(turn)
    assert not IndexTask.objects.exists()
    assert "Ein Quokka hat diesen Satz geschrieben." in page(client, turn.get_absolute_url())


def test_an_edit_of_the_turn_before_shows_at_once_even_before_the_index_has_it(client, turn):
    page(client, turn.get_absolute_url())
    before = Turn.objects.get(transcript=turn.transcript, ordinal=turn.ordinal - 1)
    before.text = "Ein Quokka hat den Satz davor geschrieben."
    before.save()
    editing.turn_changed(before)  # the commit hook that would index it does not run here
    assert IndexTask.objects.exists()
    assert "Ein Quokka hat den Satz davor geschrieben." in page(client, turn.get_absolute_url())


def test_a_retitled_interview_shows_at_once(client, turn):
    """The turn's, transcript's and interview's columns are read on every request and are in the key."""
    page(client, turn.get_absolute_url())
    Interview.objects.update(programme="Quokka Radio")
    assert "Quokka Radio" in page(client, turn.get_absolute_url())


def test_a_rejected_translation_link_leaves_the_quote_page_at_once(client, turn):
    links = TurnAlignment.objects.filter(source=turn)
    counterpart = links.first().target.get_absolute_url()
    assert f'href="{counterpart}"' in page(client, turn.get_absolute_url())
    translations.reject(links)
    assert f'href="{counterpart}"' not in page(client, turn.get_absolute_url())


def test_a_removed_quote_is_gone_at_once(client, turn, django_capture_on_commit_callbacks):
    page(client, turn.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        editing.forget_turns(Turn.objects.filter(pk=turn.pk))
        Turn.objects.filter(pk=turn.pk).delete()
    assert client.get(turn.get_absolute_url()).status_code == 404
