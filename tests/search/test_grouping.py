"""Results in several languages: the same passage found in German and Chinese is one result, "in 2
languages", with each version shown; counts and pages count it once, facets count turns."""

import pytest

from interviews.search import dictionaries
from interviews.search.grouping import group_ranked
from interviews.search.query import PAGE_SIZE, SearchParams, search
from tests.search.test_expansion import CEDICT, DING

# --- Grouping ranked keys (pure) ---------------------------------------------------------------


def test_aligned_hits_are_one_group_led_by_the_best_ranked():
    assert group_ranked(["de1", "zh9", "zh1", "de9"], [("de1", "zh1"), ("de9", "zh9")]) == [
        ["de1", "zh1"],
        ["zh9", "de9"],
    ]


def test_links_chain_and_links_to_turns_that_are_no_hits_change_nothing():
    assert group_ranked(["a", "b", "c", "d"], [("c", "a"), ("a", "b"), ("d", "x")]) == [["a", "b", "c"], ["d"]]


def test_hits_without_links_stand_alone_in_their_order():
    assert group_ranked(["a", "b"], []) == [["a"], ["b"]]


# --- Searching the seeds -----------------------------------------------------------------------


@pytest.fixture
def translated(seeds, settings):
    """The seed interview (German and Chinese, aligned) and small dictionaries: Daten <-> data <-> 数据."""
    dictionaries.build(settings.DATA_DIR / "dictionaries.sqlite3", cedict_lines=CEDICT, ding_lines=DING)


def every_page(**params):
    pages, number = [], 1
    while True:
        page = search(SearchParams(page=number, **params))
        pages.append(page)
        if not page.has_next:
            return pages
        number += 1


def test_a_query_searched_in_its_translations_groups_the_languages(translated):
    grouped = search(SearchParams(q="Daten"))
    separate = search(SearchParams(q="Daten", group=False))
    assert grouped.grouped and not separate.grouped
    assert {hit.language for hit in separate.results} == {"de", "zh"}
    assert grouped.count < separate.count
    in_two = [hit for hit in grouped.results if hit.language_count == 2]
    assert in_two, "some results read in German and Chinese"
    for hit in in_two:
        other = {t.language for t in hit.translations} - {hit.language}
        assert other and all(t.permalink for t in hit.translations)


def test_a_group_counts_once_and_every_hit_is_on_exactly_one_page(translated):
    separate_keys = set()
    for page in every_page(q="Daten", group=False):
        separate_keys |= {hit.key for hit in page.results}
    shown, results = [], 0
    for page in every_page(q="Daten"):
        assert len(page.results) <= PAGE_SIZE
        results += len(page.results)
        for hit in page.results:
            shown.append(hit.key)
            shown += [t.key for t in hit.translations if t.key in separate_keys]
    assert results == search(SearchParams(q="Daten")).count
    assert len(shown) == len(set(shown))  # no hit twice, as a result or a version
    assert set(shown) == separate_keys  # and none lost


def test_facets_count_turns_grouped_or_not(translated):
    grouped = search(SearchParams(q="Daten"))
    separate = search(SearchParams(q="Daten", group=False))
    assert {n: [(v.value, v.count) for v in values] for n, values in grouped.facets.items()} == {
        n: [(v.value, v.count) for v in values] for n, values in separate.facets.items()
    }


def test_a_language_filter_or_a_date_order_does_not_group(translated):
    assert not search(SearchParams(q="Daten", filters={"language": ["de"]})).grouped
    assert not search(SearchParams(q="Daten", sort="date")).grouped
    assert not search(SearchParams(q="Daten", exact=True)).grouped


def test_the_page_says_in_how_many_languages_and_offers_them_separately(client, translated):
    html = client.get("/search/", {"q": "Daten"}).content.decode()
    count = search(SearchParams(q="Daten")).count
    assert f"{count} results match" in html  # results, not turns: a result may hold two
    assert 'class="in-languages">in 2 languages<' in html
    assert 'href="/search/?q=Daten&amp;group=0">Show each language separately</a>' in html
    separate = client.get("/search/", {"q": "Daten", "group": "0"}).content.decode()
    assert "in 2 languages" not in separate and 'href="/search/?q=Daten">Group the languages</a>' in separate


def test_the_api_says_results_are_grouped_and_gives_each_version(client, translated):
    data = client.get("/api/search", {"q": "Daten"}).json()
    assert data["grouped"] is True
    assert any(result["translations"] for result in data["results"])
    assert client.get("/api/search", {"q": "Daten", "group": "0"}).json()["grouped"] is False
