"""The names in the search page's filters: read once per version of the index by each process, and
never shown stale, whoever renames a speaker, an interview or a topic, from whichever process."""

import json
import os

import pytest

from interviews import editing
from interviews.models import Speaker, Topic, Turn
from interviews.search.engines import engine
from interviews.search.query import SearchParams, search
from interviews.topics.tagging import load_vocabulary
from interviews.topics.vocabulary import VOCABULARY_FILE
from tests.factories import ingest_text
from tests.search.fixtures import GERMAN

# Each test searches, writes the index and searches again: Whoosh's Searcher.refresh() then leaves a
# multi-segment reader's old readers to the garbage collector (a ResourceWarning), as the running
# site does after every write (tests/search/test_cache.py).
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def labels(page, facet):
    return {value.value: value.label for value in page.facets[facet]}


def test_a_second_search_reads_no_names_from_the_database(archive, django_assert_num_queries):
    """The first search of a version of the index reads the names of its filters; the next
    searches with the same values read none (only each page's translations)."""
    search(SearchParams(q="daten"))
    with django_assert_num_queries(1):  # the hits' translations
        page = search(SearchParams(q="daten", sort="date"))
    assert labels(page, "speaker")["gita-guest"] == "Gita Guest"


def test_a_search_page_reads_only_its_translations_once_the_names_are_known(archive, client, django_assert_num_queries):
    client.get("/search/", {"q": "daten"})
    with django_assert_num_queries(1):  # the hits' translations; the filters' names are known
        html = client.get("/search/", {"q": "daten", "sort": "date"}).content.decode()
    assert '<span class="facet-label">Gita Guest</span>' in html


def test_a_speaker_renamed_by_an_editor_shows_in_the_next_search(archive, django_capture_on_commit_callbacks):
    assert labels(search(SearchParams()), "speaker")["gita-guest"] == "Gita Guest"
    speaker = Speaker.objects.get(slug="gita-guest")
    speaker.name = "Gita Gast"
    with django_capture_on_commit_callbacks(execute=True):
        speaker.save()
        editing.reindex_speaker(speaker)
    assert labels(search(SearchParams()), "speaker")["gita-guest"] == "Gita Gast"


def test_a_speaker_renamed_in_the_admin_shows_in_the_next_search_page(
    archive, admin_client, django_capture_on_commit_callbacks
):
    """An editor renames a speaker; the next search page lists the new name among its filters."""
    speaker = Speaker.objects.get(slug="gita-guest")
    assert "Gita Guest" in admin_client.get("/search/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/interviews/speaker/{speaker.pk}/change/",
            {
                "name": "Gita Gast",
                "slug": "gita-guest",
                "bio": "",
                "aliases": "Guest",
                "redirects-TOTAL_FORMS": "0",
                "redirects-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    html = admin_client.get("/search/").content.decode()
    assert '<span class="facet-label">Gita Gast</span>' in html
    assert '<span class="facet-label">Gita Guest</span>' not in html


def test_a_rename_indexed_by_another_process_is_seen_at_once(archive):
    """This process has read the names; the database then holds a new one and another process
    commits the re-indexed turns. No hook runs here: the index's new version alone makes this
    process read the names again."""
    assert labels(search(SearchParams()), "speaker")["gita-guest"] == "Gita Guest"
    Speaker.objects.filter(slug="gita-guest").update(name="Gita Gast")
    turns = list(engine().index_queryset().filter(speaker__slug="gita-guest"))
    pid = os.fork()
    if pid == 0:  # the other process: writes the index only, through its own backend instance
        status = 1
        try:
            from haystack import connections

            connections.reload("default")
            engine().index_turns(turns)
            status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert labels(search(SearchParams()), "speaker")["gita-guest"] == "Gita Gast"


def test_an_interview_retitled_by_its_manifest_shows_in_the_next_search(archive, django_capture_on_commit_callbacks):
    """A corrected manifest renames an interview while re-ingesting one of its transcripts: every
    document of the interview, in each of its transcripts, is re-indexed, so the filters and the
    hits in every language carry the new title."""
    with django_capture_on_commit_callbacks(execute=True):
        ingest_text(
            text=GERMAN.replace("Daten", "Datensätze"), filename="talk-de.txt", language="de", transcript_slug="de"
        )
    assert labels(search(SearchParams()), "interview")["a-talk"] == "A talk about data"
    with django_capture_on_commit_callbacks(execute=True):
        ingest_text(title="A talk about data, corrected", published_on=None)
    page = search(SearchParams(filters={"interview": ["a-talk"]}))
    assert labels(page, "interview")["a-talk"] == "A talk about data, corrected"
    assert {hit.language for hit in page.results} == {"en", "de"}
    assert {hit.interview for hit in page.results} == {"A talk about data, corrected"}


def test_a_topic_renamed_by_load_topics_shows_in_the_next_search(archive, tmp_path, django_capture_on_commit_callbacks):
    page = search(SearchParams())
    slug, name = next((value.value, value.label) for value in page.facets["topic"])
    assert name == Topic.objects.get(slug=slug).name_en
    vocabulary = json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))
    for topic in vocabulary["topics"]:
        if topic["slug"] == slug:
            topic["name_en"] = "Renamed in the file"
    path = tmp_path / "topics.json"
    path.write_text(json.dumps(vocabulary), encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        assert slug in load_vocabulary(path).updated
    assert labels(search(SearchParams()), "topic")[slug] == "Renamed in the file"
    assert Turn.objects.filter(topic_links__topic__slug=slug).exists()
