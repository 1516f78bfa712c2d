"""A transcript page's turns are drawn once and kept in the shared result cache: every reader gets
the same page, in their interface language, and never the page from before a write."""

import re

import pytest
from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.urls import reverse

from interviews import editing
from interviews.models import IndexTask, Interview, Turn, TurnAlignment
from interviews.translations import store as translations


def cache_entries():
    return caches["search"].entry_count()


@pytest.fixture
def de(seeds):
    """The German transcript of the seeds (74 turns, aligned with the Chinese one), indexed."""
    assert not IndexTask.objects.exists()
    return Interview.objects.get().transcripts.get(language="de")


def page(client, transcript, **headers):
    response = client.get(transcript.get_absolute_url(), **headers)
    assert response.status_code == 200
    return response.content.decode()


def without_csrf(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_a_transcript_page_is_drawn_once_and_then_read_from_the_cache(client, de, django_assert_max_num_queries):
    """The page's turns, its charts (the strip, who speaks about what) and the page around them
    are three entries."""
    first = page(client, de)
    assert cache_entries() == 3
    with django_assert_max_num_queries(5):  # no turns, topics, translations or charts read (10 the first time)
        again = page(client, de)
    assert without_csrf(again) == without_csrf(first)
    assert cache_entries() == 3


def test_each_interface_language_has_its_own_page(client, de):
    english = page(client, de)
    german = page(client, de, HTTP_ACCEPT_LANGUAGE="de")
    assert "Also in" in english and "Auch auf" in german and "Also in" not in german
    assert "The conversation at a glance" in english and "The conversation at a glance" not in german
    assert cache_entries() == 6


def test_pages_of_a_long_transcript_are_separate_entries(client, de, settings):
    settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE = 50
    assert 'id="t0"' in page(client, de)
    second = client.get(de.get_absolute_url() + "?page=2").content.decode()
    assert 'id="t50"' in second and 'id="t0"' not in second
    assert cache_entries() == 5  # the charts are the same on every page


def test_an_edited_turn_shows_at_once(client, de, django_capture_on_commit_callbacks):
    """An editor corrects a turn (as the admin does: save, then re-index it after the commit)."""
    page(client, de)
    turn = Turn.objects.get(transcript=de, ordinal=3)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        turn.text = "Ein Quokka hat diesen Satz geschrieben."
        turn.save()
        editing.turn_changed(turn)
    assert not IndexTask.objects.exists()  # the index has it too: its version changed
    assert "Ein Quokka hat diesen Satz geschrieben." in page(client, de)


def test_an_edit_shows_at_once_even_before_the_index_has_it(client, de):
    """Between a write's commit and its index commit (or in a bulk load between two commits) the
    index's version has not changed yet: the page is drawn from the database, not the cache."""
    page(client, de)
    turn = Turn.objects.get(transcript=de, ordinal=3)
    turn.text = "Ein Quokka hat diesen Satz geschrieben."
    turn.save()
    editing.turn_changed(turn)  # the commit hook that would index it does not run here
    assert IndexTask.objects.exists()
    assert "Ein Quokka hat diesen Satz geschrieben." in page(client, de)


def test_a_renamed_speaker_shows_at_once(client, de, django_capture_on_commit_callbacks):
    speaker = Turn.objects.get(transcript=de, ordinal=0).speaker
    assert f">{speaker.name}</a>" in page(client, de)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        speaker.name = "Harold Stebbings-Quokka"
        speaker.save()
        editing.reindex_speaker(speaker)
    html = page(client, de)
    assert ">Harold Stebbings-Quokka</a>" in html  # on the turns
    assert "</span>Harold Stebbings-Quokka</li>" in html  # in the strip's legend


def test_a_rejected_translation_link_leaves_the_page_at_once(client, de):
    """Editors change translation links in the database only; the page's links are in the key."""
    turn = Turn.objects.filter(transcript=de).filter(alignments_from__isnull=False).order_by("ordinal").first()
    links = TurnAlignment.objects.filter(source=turn)
    counterpart = links.first().target.get_absolute_url()
    assert f'href="{counterpart}"' in page(client, de)
    translations.reject(links)
    assert f'href="{counterpart}"' not in page(client, de)


def test_the_cache_can_be_turned_off(client, de, settings):
    settings.ARCHIVE_SEARCH_CACHE = False
    page(client, de)
    assert cache_entries() == 0


def test_the_page_from_the_cache_is_the_page_drawn(client, de, settings):
    """Each interface language, the first request and the next, the cache on or off: the same page
    but for the CSRF token."""
    pages = {}
    for cached in (False, True, True):
        settings.ARCHIVE_SEARCH_CACHE = cached
        for language in ("en", "de", "zh-hans"):
            html = without_csrf(page(client, de, HTTP_ACCEPT_LANGUAGE=language))
            assert pages.setdefault(language, html) == html


def test_the_request_s_own_values_are_filled_in(client, de, settings):
    """The CSRF token of the language menu, the address it returns to and the absolute canonical
    address are this request's, not those of the request that drew the page."""
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    page(client, de)
    reader = Client(enforce_csrf_checks=True)
    html = reader.get(de.get_absolute_url() + "?utm=a%22b", HTTP_HOST="other.example").content.decode()
    assert f'name="next" value="{de.get_absolute_url()}?utm=a%22b"' in html
    assert f'<link rel="canonical" href="http://other.example{de.get_absolute_url()}">' in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    switched = reader.post(
        reverse("set_language"),
        {"language": "de", "next": "/", "csrfmiddlewaretoken": token},
        HTTP_HOST="other.example",
    )
    assert switched.status_code == 302  # the reader's own token: the language menu works


def test_a_retitled_interview_shows_at_once_even_before_the_index_has_it(client, de):
    """The interview's, its transcripts' and its sections' columns are read on every request and
    are in the page's key: a change shows before its index work is done, or without any."""
    page(client, de)
    interview = de.interview
    Interview.objects.filter(pk=interview.pk).update(programme="Quokka Radio")
    assert IndexTask.objects.count() == 0
    assert ">Quokka Radio</p>" in page(client, de)


def test_a_renamed_section_shows_in_the_contents_at_once(client, de):
    section = de.sections.order_by("ordinal").first()
    if section is None:
        pytest.skip("the seeds' German transcript has no sections")
    page(client, de)
    de.sections.filter(pk=section.pk).update(heading="Über Quokkas")
    assert ">Über Quokkas</a>" in page(client, de)
