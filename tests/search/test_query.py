"""Searching (interviews/search/query.py): what a user finds and how facets count.

Transcripts go in through the real ingest and the real outbox; the index is a fresh Whoosh
directory per test (tests/conftest.py). Facet counts are checked against fixtures counted by hand.
"""

import datetime
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interviews.forms import SearchForm
from interviews.models import Topic, Turn, TurnTopic
from interviews.search import columns, indexing
from interviews.search import query as search
from interviews.search.engines import engine
from interviews.search.query import SearchParams, parse_query


def run(q="", sort="", page=1, **filters):
    return search.search(SearchParams(q=q, filters=filters, sort=sort, page=page))


def counts(page, facet):
    return {v.value: v.count for v in page.facets[facet]}


def turn(interview, ordinal):
    return Turn.objects.get(transcript__interview__slug=interview, ordinal=ordinal)


# --- Facet counts and filters ------------------------------------------------------------------


def test_browsing_counts_every_turn_in_every_facet(archive):
    """An empty query lists all ten turns, newest first, with facet counts over all of them."""
    page = run()
    assert page.count == 10
    assert page.sort == "date"
    assert counts(page, "speaker") == {"hanna-host": 5, "gita-guest": 5}
    assert counts(page, "language") == {"en": 4, "de": 4, "zh": 2}
    assert counts(page, "interview") == {"a-talk": 4, "ein-gespraech": 4, "zh-talk": 2}
    assert counts(page, "year") == {"2023": 4, "2024": 6}
    assert [hit.language for hit in page.results][:2] == ["zh", "zh"]  # 2024-06 first
    assert [hit.ordinal for hit in page.results[:2]] == [0, 1]  # a transcript reads in order


def test_facet_counts_cover_all_hits_not_only_the_page(archive, indexed):
    long_text = "A long talk\n\n" + "\n\n".join(
        f"{'Host' if i % 2 == 0 else 'Guest'}: Data point number {i} about data." for i in range(30)
    )
    indexed(text=long_text, filename="long.txt", slug="long-talk", title="A long talk", transcript_slug="long")
    page = run("data")
    assert len(page.results) == search.PAGE_SIZE
    assert page.count == sum(counts(page, "interview").values())
    assert counts(page, "interview")["long-talk"] == 30


def test_query_counts_only_matching_turns(archive):
    page = run("Datenqualität")
    assert page.count == 2
    assert counts(page, "language") == {"de": 2}
    assert counts(page, "speaker") == {"hanna-host": 1, "gita-guest": 1}


def test_filters_combine_with_and_across_facets(archive):
    assert run(speaker=["gita-guest"], language=["de"]).count == 2
    assert run(interview=["a-talk"], speaker=["hanna-host"]).count == 2
    assert run(year=["2023"], language=["de"]).count == 0


def test_several_values_of_one_facet_combine_with_or(archive):
    assert run(language=["de", "zh"]).count == 6
    assert run(language=["de", "zh"], speaker=["hanna-host"]).count == 3


def test_facet_keeps_counting_its_other_values_when_one_is_ticked(archive):
    """Ticking Hanna still shows Gita with her count (to add her), while the other facets count
    only Hanna's turns."""
    page = run(speaker=["hanna-host"])
    assert page.count == 5
    assert counts(page, "speaker") == {"hanna-host": 5, "gita-guest": 5}
    assert counts(page, "language") == {"en": 2, "de": 2, "zh": 1}
    assert [v.value for v in page.facets["speaker"] if v.selected] == ["hanna-host"]


def test_a_facet_limit_keeps_the_first_values_and_every_ticked_one_and_counts_the_rest(archive):
    """A page lists some dozens of a facet's values, of thousands at a million turns: only those
    are made and named, and how many were left out is counted. zh (2 turns) is ticked, so it
    stays though it is not among the first."""
    params = SearchParams(filters={"language": ["zh"]})
    every = search.search(params)
    cut = search.search(params, facet_limit=1)
    for name, values in every.facets.items():
        first = [v for v in values if not v.selected][:1]
        assert cut.facets[name] == [v for v in values if v.selected or v in first]
        assert cut.facets_left_out.get(name, 0) == len(values) - len(cut.facets[name])
    assert [v.value for v in cut.facets["language"]] == ["de", "zh"]  # de and en 4 turns each: by name
    assert cut.facets_left_out["language"] == 1
    assert [v.value for v in cut.facets["year"]] == ["2024"]  # years newest first, then cut
    assert every.facets_left_out == {}


def test_query_and_filters_together(archive):
    page = run("Rechenleistung", speaker=["gita-guest"])
    assert page.count == 1
    assert page.results[0].key == turn("ein-gespraech", 3).key


def test_topic_facet_counts_effective_topics(archive):
    """Topics come from Turn.effective_topics(): rule and editor-added links count, a link an
    editor removed does not."""
    Topic.objects.all().delete()  # hand-counted topics only, not the shipped vocabulary's rules
    data = Topic.objects.create(slug="data-quality", name_en="Data quality")
    compute = Topic.objects.create(slug="compute", name_en="Scaling and compute")
    for interview, ordinal in [("a-talk", 1), ("ein-gespraech", 1), ("zh-talk", 1)]:
        TurnTopic.objects.create(turn=turn(interview, ordinal), topic=data)
    TurnTopic.objects.create(turn=turn("a-talk", 3), topic=compute)
    TurnTopic.objects.create(turn=turn("ein-gespraech", 3), topic=compute, source=TurnTopic.ADDED)
    TurnTopic.objects.create(turn=turn("zh-talk", 1), topic=compute, source=TurnTopic.REMOVED)
    indexing.index_turns(Turn.objects.all())

    page = run()
    assert counts(page, "topic") == {"data-quality": 3, "compute": 2}
    assert {v.value: v.label for v in page.facets["topic"]}["compute"] == "Scaling and compute"
    assert run(topic=["data-quality"], language=["de"]).count == 1
    assert run(topic=["data-quality", "compute"]).count == 5
    both_languages = run(topic=["data-quality"])
    assert counts(both_languages, "language") == {"en": 1, "de": 1, "zh": 1}


def test_every_facet_the_ui_offers_exists_in_the_index(archive):
    backend = engine().backend
    columns = backend.columns()
    for name, fieldname in search.FACETS.items():
        assert fieldname in backend.schema, name
        assert fieldname in columns.single_fields | columns.multi_fields, name


def test_facet_labels_are_names_while_values_are_identifiers(archive):
    page = run()
    speaker = {v.value: v.label for v in page.facets["speaker"]}
    assert speaker["gita-guest"] == "Gita Guest"
    assert {v.value: v.label for v in page.facets["interview"]}["zh-talk"] == "关于数据的对话"
    assert {v.value: v.label for v in page.facets["language"]}["de"] == "Deutsch"


def test_unknown_filter_values_are_ignored_by_the_form(archive):
    from django.http import QueryDict

    form = SearchForm(
        QueryDict("speaker=nobody&speaker=gita-guest&topic=nope&year=1850&language=de"),
        vocabulary=search.facet_vocabulary(),
    )
    assert form.is_valid()
    params = form.params()
    assert params.filters == {"speaker": ["gita-guest"], "language": ["de"]}
    assert search.search(params).count == 2


def key_column_read(backend) -> bool:
    """Whether this process has read the key column of every segment of the index."""
    return all("key" in segment._fields for segment, _, _ in backend.columns().leaves)


def test_a_workers_warm_up_reads_the_columns_a_search_across_languages_needs(archive):
    """gunicorn warms each worker up before its first request (query.warm_up): a search across
    languages, grouped by translation, then reads no column of the index (the key column took 4.5 s
    at 1,000,000 turns), whatever dictionaries the archive has."""
    backend = engine().backend
    columns._SEGMENT_CACHE.clear()
    assert not key_column_read(backend)

    search.warm_up()

    assert key_column_read(backend)


def test_a_workers_warm_up_reads_the_columns_though_another_worker_kept_its_results(archive, settings):
    """The result cache is shared by the workers: a worker that starts after another has warmed
    up finds the warm-up's results kept, and must still read the columns into its own process."""
    settings.ARCHIVE_SEARCH_CACHE = True
    search.warm_up()  # the first worker's: its results are kept
    backend = engine().backend
    backend._columns = None  # a fresh worker's process has read no column of this index yet
    columns._SEGMENT_CACHE.clear()

    search.warm_up()

    assert key_column_read(backend)


# --- Languages -----------------------------------------------------------------------------------


def test_german_stems_and_compound_parts_match(archive):
    german = turn("ein-gespraech", 1).key
    for query in ["Datenqualität", "datenqualitat", "Qualität", "Modell"]:
        assert german in {hit.key for hit in run(query).results}, query


ACCENTED = """\
A talk with accents

Host: Who joined the team?

Guest: Piotr Wiśniewski did, and his naïve café idea became our ﬁrst product, with Søren and Æsa.
"""


@pytest.mark.parametrize("language", ["en", "pl"])
@pytest.mark.parametrize(
    "query",
    [
        "Wisniewski",
        "wisniewski",
        "Wiśniewski",
        "WIŚNIEWSKI",
        "naive cafe",
        "naïve café",
        '"naive cafe idea"',
        "first",
        "soren",
        "aesa",
    ],
)
def test_accents_and_ligatures_fold_in_latin_script_fields(db, indexed, language, query):
    """Wiśniewski is found by Wisniewski, naïve café by naive cafe (and the other way round), ﬁrst
    by first, Søren by soren, Æsa by aesa: in the English field and in the other languages' one."""
    indexed(text=ACCENTED, language=language, transcript_slug=language, slug=f"accents-{language}")
    assert [hit.ordinal for hit in run(query).results] == [1]


def test_a_folded_query_marks_the_word_as_written(db, indexed):
    indexed(text=ACCENTED)
    (hit,) = run("wisniewski naive cafe").results
    assert "<mark>Wiśniewski</mark>" in hit.snippet_html
    assert "<mark>naïve</mark>" in hit.snippet_html
    assert "<mark>café</mark>" in hit.snippet_html


def test_chinese_words_are_segmented(archive):
    assert {hit.key for hit in run("合成数据").results} == {turn("zh-talk", 1).key}
    assert run("数据质量").count == 2


def test_phrase_and_exclusion(archive):
    assert run('"Modelle lernen"').count == 1
    assert run('"lernen Modelle"').count == 0
    assert {hit.key for hit in run("Datenqualität -Modelle").results} == set()
    assert {hit.key for hit in run("Rechenleistung -teuerste").results} == {turn("ein-gespraech", 2).key}


def test_exclusion_alone_lists_everything_else(archive):
    page = run("-Datenqualität")
    assert page.count == 8
    assert counts(page, "language") == {"en": 4, "de": 2, "zh": 2}


def test_relevance_and_date_order(archive):
    assert run("data").sort == "relevance"
    dated = run("数据", sort="date")
    assert dated.sort == "date"
    assert [hit.ordinal for hit in dated.results] == sorted(hit.ordinal for hit in dated.results)


def test_did_you_mean_only_when_nothing_matches(archive):
    missing = run("Datenqualitat Rechenleistungg")
    assert missing.count == 0
    assert missing.suggestion == "datenqualität rechenleistung"
    assert run("Datenqualität").suggestion is None
    assert run("Qwertzuiopü").suggestion is None  # nothing close: no suggestion rather than nonsense


def test_snippet_marks_matches_in_each_language(archive):
    (hit,) = run("合成数据").results
    assert "<mark>合成数据</mark>" in hit.snippet_html
    german = {hit.key: hit for hit in run("Modell").results}[turn("ein-gespraech", 1).key]
    assert "<mark>Modelle</mark>" in german.snippet_html


def test_results_carry_what_the_list_shows(archive):
    (hit,) = run("合成数据").results
    zh_turn = turn("zh-talk", 1)
    assert hit.permalink == zh_turn.get_absolute_url()
    assert hit.speaker == "Gita Guest"
    assert hit.interview == "关于数据的对话"
    assert hit.language == "zh"
    assert hit.date == datetime.date(2024, 6, 1)
    assert hit.text == zh_turn.text


# --- Query safety --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, note",
    [
        ('-ANDNOT""-', "not an operator"),
        ("T ANDNOT ANDNOT :", "not an operator"),
        ('""', "no words"),
        ("*", "Wildcards"),
        ("a*", "Wildcards"),
        ("(" * 200 + "data" + ")" * 200, "shortened"),
        ("x" * 10_000, "shortened"),
        (" OR ".join(f"word{i}" for i in range(1000)), "shortened"),
    ],
)
def test_hostile_queries_answer_with_a_note(archive, query, note):
    page = run(query)
    assert any(note in n for n in page.query.notes), page.query.notes


def test_many_words_are_capped(archive):
    query = " ".join(f"w{i}" for i in range(100))
    parsed = parse_query(query)
    assert sum(len(words) for words in parsed.include) == search.MAX_QUERY_WORDS
    assert any("first 24 words" in n for n in parsed.notes)


def test_parse_query_keeps_only_words_and_our_own_syntax():
    parsed = parse_query('Daten "neue Modelle" -Robotik title:x AND (y) “KI Startups” C++')
    assert parsed.include == (("daten",), ("neue", "modelle"), ("title", "x"), ("y",), ("ki", "startups"), ("c",))
    assert parsed.exclude == (("robotik",),)
    assert parsed.whoosh_syntax() == 'daten "neue modelle" "title x" y "ki startups" c NOT robotik'
    assert parsed.display() == 'daten "neue modelle" "title x" y "ki startups" c -robotik'


def test_pages_past_the_end_are_not_found(archive):
    assert run(page=1).page == 1
    with pytest.raises(search.PageNotFound):
        run(page=2)
    with pytest.raises(search.PageNotFound):
        run(page=10**300)
    with pytest.raises(search.PageNotFound):
        run("nothingmatchesthis", page=2)
    assert run("nothingmatchesthis").count == 0  # page 1 of nothing is an empty page, not a 404


_SYNTAX = st.sampled_from(list("\"“”()[]{}*?:^~+-!&|\\/'<>") + ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO", " "])
_WORDS = st.sampled_from(["Daten", "数据质量", "model", "ä", "x", "合成", "", "Modelle", "🙂", "\x00", "\u200b"])
FUZZ_EXAMPLES = int(os.environ.get("SEARCH_FUZZ_EXAMPLES", "300"))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.one_of(st.text(max_size=300), st.lists(st.one_of(_SYNTAX, _WORDS), max_size=40).map("".join)),
    sort=st.sampled_from(["", "date", "relevance", "bogus"]),
)
def test_fuzzed_queries_never_fail(archive, query, sort):
    """Any text at all gives a page of results (maybe empty) and never an exception."""
    page = run(query, sort=sort)
    assert page.count >= 0
    assert len(page.results) <= search.PAGE_SIZE
    for hit in page.results:
        assert "<" not in hit.snippet_html.replace("<mark>", "").replace("</mark>", "")


# --- The seeds -------------------------------------------------------------------------------------


def test_seed_search_finds_chinese_and_german_turns(seeds):
    chinese = run("数据质量")
    assert chinese.count >= 1 and {hit.language for hit in chinese.results} == {"zh"}
    assert any("数据质量至关重要" in hit.text for hit in chinese.results)

    compound = run("Datenqualität")
    assert compound.count >= 1 and {hit.language for hit in compound.results} == {"de"}
    part = run("Daten")
    assert {hit.key for hit in compound.results} <= {hit.key for hit in part.results}
    assert {hit.language for hit in part.results} == {"de"}


def test_seed_sentence_word_returns_its_permalink(seeds):
    synthetic = Turn.objects.get(text__contains="我们的重点是合成数据")
    assert synthetic.get_absolute_url() in {hit.permalink for hit in run("合成数据").results}
    robotics = Turn.objects.filter(transcript__language="de", text__contains="Robotik").first()
    assert robotics.get_absolute_url() in {hit.permalink for hit in run("Robotik").results}


def test_seed_index_is_complete_after_ingest(seeds):
    report = indexing.check_index()
    assert report.ok
    assert report.documents == Turn.objects.count() == 199


def test_a_hits_links_are_what_reverse_gives_under_any_script_prefix():
    """Each hit's links (its permalink, its speaker's and its interview's pages) are what
    ``reverse()`` gives for its key or slug, the site served at / or under a prefix; an argument
    ``reverse()`` refuses is refused the same way."""
    from django.urls import NoReverseMatch, get_script_prefix, reverse, set_script_prefix

    arguments = ("342kucms", "ABC9", "x" * 32, "x" * 33, "ada-lovelace", "a_b", "0standin0", "a.b", "ü", "a/b", "")
    saved = get_script_prefix()
    try:
        for prefix in ("/", "/archive/"):
            set_script_prefix(prefix)
            for name in ("interviews:quote", "interviews:speaker", "interviews:interview"):
                for argument in arguments:
                    try:
                        expected = reverse(name, args=[argument])
                    except NoReverseMatch:
                        with pytest.raises(NoReverseMatch):
                            search._path(name, argument, prefix)
                    else:
                        assert search._path(name, argument, prefix) == expected
    finally:
        set_script_prefix(saved)
    assert search._path("interviews:quote", "342kucms", "/archive/") == "/archive/q/342kucms/"
