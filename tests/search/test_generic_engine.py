"""The generic search engine (engines.GenericHaystack, for Solr and Elasticsearch) on a real engine.

No Solr or Elasticsearch server can run here (Debian 12 packages neither), so the path that any
engine other than our tuned Whoosh backend takes is run on Haystack's *stock* Whoosh engine: a
different backend, reached only through SearchQuerySet, with none of our fast paths (no columns,
no generations, no write lock). test_search.py's specifications that do not depend on those run
here again, with the same hand-counted expectations.
"""

import pytest
from haystack import connections

from interviews import lists
from interviews.models import IndexTask, Turn
from interviews.search import engines, indexing
from interviews.search import query as search
from interviews.search.indexes import document_id
from tests.factories import ingest_text
from tests.search.test_indexing import (  # noqa: F401  (collected and run again here, on the stock engine)
    test_ingest_makes_turns_searchable_after_commit,
    test_one_failing_turn_does_not_block_the_batch,
    test_removed_turn_disappears_from_search,
    test_rolled_back_ingest_leaves_no_index_documents,
)
from tests.search.test_query import (  # noqa: F401  (collected and run again here, on the stock engine)
    run,
    test_a_facet_limit_keeps_the_first_values_and_every_ticked_one_and_counts_the_rest,
    test_browsing_counts_every_turn_in_every_facet,
    test_chinese_words_are_segmented,
    test_exclusion_alone_lists_everything_else,
    test_facet_counts_cover_all_hits_not_only_the_page,
    test_facet_keeps_counting_its_other_values_when_one_is_ticked,
    test_facet_labels_are_names_while_values_are_identifiers,
    test_filters_combine_with_and_across_facets,
    test_fuzzed_queries_never_fail,
    test_german_stems_and_compound_parts_match,
    test_hostile_queries_answer_with_a_note,
    test_pages_past_the_end_are_not_found,
    test_phrase_and_exclusion,
    test_query_and_filters_together,
    test_query_counts_only_matching_turns,
    test_relevance_and_date_order,
    test_results_carry_what_the_list_shows,
    test_seed_index_is_complete_after_ingest,
    test_seed_search_finds_chinese_and_german_turns,
    test_seed_sentence_word_returns_its_permalink,
    test_several_values_of_one_facet_combine_with_or,
    test_snippet_marks_matches_in_each_language,
    test_topic_facet_counts_effective_topics,
    test_unknown_filter_values_are_ignored_by_the_form,
)
from tests.test_find_in_transcript import (  # noqa: F401  (the find box of a transcript, on the stock engine)
    test_a_transcript_of_the_same_slug_in_another_interview_is_not_searched,
    test_german_word_finds_its_other_forms_in_this_transcript_only,
    test_match_on_a_later_page_links_to_that_page,
)

STOCK_WHOOSH = "haystack.backends.whoosh_backend.WhooshEngine"


@pytest.fixture(autouse=True)
def _stock_whoosh_engine(settings, tmp_path, monkeypatch):
    """Haystack's own Whoosh engine instead of ours (after conftest's per-test index fixture).
    Errors must reach the outbox, as with Solr and Elasticsearch (settings.search_connection)."""
    previous = settings.HAYSTACK_CONNECTIONS
    settings.HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": STOCK_WHOOSH, "PATH": str(tmp_path / "stock-whoosh"), "SILENTLY_FAIL": False}
    }
    # Haystack picks the engine class from the settings it saw at start-up, the options from now.
    monkeypatch.setattr(connections, "connections_info", settings.HAYSTACK_CONNECTIONS)
    connections.reload("default")
    assert isinstance(engines.engine(), engines.GenericHaystack)
    yield
    settings.HAYSTACK_CONNECTIONS = previous
    monkeypatch.undo()
    connections.reload("default")


def test_the_generic_path_runs_on_a_different_engine(archive):
    backend = engines.engine().backend
    assert type(backend).__module__ == "haystack.backends.whoosh_backend"
    assert not hasattr(backend, "columns") and not hasattr(backend, "location")
    assert run("Datenqualität").count == 2


def test_the_lists_count_turns_in_the_database_where_facets_may_stop_short(archive):
    """A search server's facet counts stop at a limit (Solr's facet.limit): the speakers' and
    topics' turns are not counted from them."""
    assert search.turns_per_language("speaker") is None
    assert lists.speaker_turn_counts() == lists.speaker_turn_counts_in_database() != {}
    assert lists.topic_turn_counts() == lists.topic_turn_counts_in_database()


def test_date_order_is_newest_first_and_in_reading_order(archive):
    """One sort direction throughout (the stock Whoosh engine cannot mix them): newest interview
    first, each transcript in reading order."""
    page = run()
    assert [(hit.interview_url.split("/")[-2], hit.ordinal) for hit in page.results] == [
        ("zh-talk", 0),
        ("zh-talk", 1),
        ("ein-gespraech", 0),
        ("ein-gespraech", 1),
        ("ein-gespraech", 2),
        ("ein-gespraech", 3),
        ("a-talk", 0),
        ("a-talk", 1),
        ("a-talk", 2),
        ("a-talk", 3),
    ]


def test_facet_vocabulary_comes_from_the_engine(archive):
    vocabulary = search.facet_vocabulary()
    assert vocabulary["speaker"] == {"hanna-host", "gita-guest"}
    assert vocabulary["language"] == {"en", "de", "zh"}
    assert vocabulary["year"] == {"2023", "2024"}


def test_index_keys_are_read_a_page_at_a_time(archive):
    keys = engines.engine().indexed_keys(page_size=3)
    assert keys == sorted(Turn.objects.values_list("key", flat=True))


def test_an_engine_error_keeps_the_tasks_for_the_next_run(db, django_capture_on_commit_callbacks, monkeypatch):
    """The engine is down: nothing is lost, every row stays pending with the error, and the next
    run applies them."""
    backend = engines.engine().backend
    with django_capture_on_commit_callbacks(execute=False):
        ingest_text()

    def refuse(*args, **kwargs):
        raise ConnectionError("search engine unreachable")

    monkeypatch.setattr(backend, "update", refuse)
    result = indexing.process_index_tasks()
    assert "unreachable" in result.error
    assert IndexTask.objects.filter(attempts=1).count() == 4
    monkeypatch.undo()
    assert indexing.process_index_tasks().applied == 4
    assert run("dumbest").count == 1


def test_rebuild_writes_every_turn_and_drops_ghosts(db, indexed):
    for n in range(3):
        indexed(
            slug=f"talk-{n}",
            filename=f"t{n}.txt",
            title=f"Talk {n}",
            text=f"Talk {n}\n\nHost: Question {n} about data?\n\nGuest: Answer {n} about data.\n",
        )
    ghost = Turn.objects.filter(transcript__interview__slug="talk-0").first()
    Turn.objects.filter(pk=ghost.pk).delete()  # behind the outbox's back
    seen = []
    assert indexing.rebuild(progress=lambda done, total: seen.append((done, run("data").count)), batch_size=2) == 5
    assert all(count >= 5 for _, count in seen)  # searches stay complete while it runs
    assert run("data").count == 5
    assert indexing.check_index().ok


def test_check_index_finds_and_fixes_a_missing_and_a_ghost_document(db, indexed):
    indexed()
    missing = Turn.objects.get(text__startswith="Welcome")
    ghost = Turn.objects.get(text__contains="dumbest")
    engines.engine().backend.remove(document_id(missing.key))  # documents are named by the turn's key
    Turn.objects.filter(pk=ghost.pk).delete()  # behind the outbox's back

    report = indexing.check_index()
    assert (report.missing, report.ghosts, report.ok) == ([missing.key], [ghost.key], False)
    assert indexing.check_index(fix=True).fixed
    assert indexing.check_index().ok
    assert run("dumbest").count == 0
    assert [hit.key for hit in run("welcome").results] == [missing.key]


def test_search_page_and_api_work_on_the_generic_path(client, archive):
    page = client.get("/search/", {"q": "Datenqualität", "speaker": "gita-guest"})
    assert page.status_code == 200
    assert "<mark>Datenqualität</mark>" in page.content.decode()
    api = client.get("/api/search", {"q": "数据质量", "language": "zh"}).json()
    assert api["count"] == 2
    assert api["facets"]["language"] == {"zh": 2}
    assert api["results"][0]["snippet_html"].count("<mark>") >= 1
