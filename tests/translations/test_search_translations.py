"""Search results and their translations: "Also in 中文" on every hit, and, with a language filter,
"Show matches in all languages" (`translations=1`), which puts each hit's aligned turns under it.

On the seeds: ingest aligns the German (74 turns) and Chinese (125 turns) transcripts by itself,
and the outbox indexes them after the commit, as in production.
"""

import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interviews.models import Turn, TurnAlignment
from interviews.translations import store as translations
from tests.factories import SEEDS
from tests.search.test_search_views import Tags, links

# Aidan Gomez on data quality, in both seeds (German ¶ 54, Chinese ¶ 101).
DATA_QUALITY_DE = "Datenqualität ist entscheidend"
DATA_QUALITY_ZH = "数据质量至关重要"


@pytest.fixture
def seeds(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest", str(SEEDS), stdout=io.StringIO())


def page(client, **params):
    response = client.get(reverse("interviews:search"), params)
    assert response.status_code == 200
    return response.content.decode()


def api(client, **params):
    response = client.get(reverse("interviews:api_search"), params)
    assert response.status_code == 200
    return json.loads(response.content)


def german(text):
    return Turn.objects.get(transcript__language="de", text__contains=text)


def chinese(text):
    return Turn.objects.get(transcript__language="zh", text__contains=text)


def result_for(data, turn):
    return next(result for result in data["results"] if result["key"] == turn.key)


def reject_links_of(turn):
    translations.reject(TurnAlignment.objects.filter(source=turn) | TurnAlignment.objects.filter(target=turn))


# --- "Also in" --------------------------------------------------------------------------------------


def test_german_hit_shows_also_in_chinese_linking_to_the_aligned_turn(client, seeds):
    html = page(client, q="Datenqualität")
    target = chinese(DATA_QUALITY_ZH).get_absolute_url()
    assert f'Also in <a href="{target}" lang="zh" hreflang="zh">中文</a>' in html
    assert html.count('class="also-in"') == 2  # both German hits have a Chinese counterpart


def test_chinese_hit_shows_also_in_german(client, seeds):
    html = page(client, q="数据质量至关重要")
    target = german(DATA_QUALITY_DE).get_absolute_url()
    assert f'Also in <a href="{target}" lang="de" hreflang="de">Deutsch</a>' in html


def test_api_results_list_also_in(client, seeds):
    data = api(client, q="Datenqualität")
    counterpart = chinese(DATA_QUALITY_ZH)
    assert result_for(data, german(DATA_QUALITY_DE))["also_in"] == [
        {
            "language": "zh",
            "key": counterpart.key,
            "permalink": "http://testserver" + counterpart.get_absolute_url(),
            "possible_match": False,
        }
    ]
    # The documented keys are all still there, unchanged.
    assert set(data["results"][0]) == {
        "key",
        "permalink",
        "speaker",
        "interview",
        "language",
        "date",
        "snippet_html",
        "text",
        "also_in",
    }


def test_a_possible_match_is_marked_as_one(client, seeds):
    turn = german(DATA_QUALITY_DE)
    TurnAlignment.objects.filter(source=turn).update(confidence=translations.POSSIBLE_MATCH_THRESHOLD - 0.1)
    html = page(client, q="Datenqualität ist entscheidend")
    assert "(possible match)" in html
    assert result_for(api(client, q="Datenqualität"), turn)["also_in"][0]["possible_match"] is True


def test_a_rejected_alignment_is_not_shown(client, seeds):
    turn = german(DATA_QUALITY_DE)
    reject_links_of(turn)
    html = page(client, q="Datenqualität ist entscheidend")
    assert chinese(DATA_QUALITY_ZH).get_absolute_url() not in html
    assert "Also in" not in html
    assert result_for(api(client, q="Datenqualität"), turn)["also_in"] == []
    nested = page(client, q="Datenqualität ist entscheidend", language="de", translations="1")
    assert chinese(DATA_QUALITY_ZH).get_absolute_url() not in nested
    assert "No translation of this turn is linked." in nested


# --- "Show matches in all languages" ------------------------------------------------------------------


def test_german_results_show_their_aligned_chinese_turns_and_count_only_german_turns(client, seeds):
    plain = page(client, q="Daten", language="de")
    html = page(client, q="Daten", language="de", translations="1")
    assert "11 turns match" in plain and "11 turns match" in html
    assert html.count('class="result"') == 11
    assert "not counted as hits" in html
    # Under each German hit, its Chinese turns, linked to their permalinks and labelled.
    hits = Turn.objects.filter(key__in=[r["key"] for r in api(client, q="Daten", language="de")["results"]])
    aligned = translations.translations_for(hits)
    expected = {t.turn.get_absolute_url() for found in aligned.values() for t in found}
    nested = {attrs["href"] for tag, attrs in Tags(html).tags if tag == "a" and attrs.get("hreflang") == "zh"}
    assert expected and nested == expected
    quality = html[html.index(german(DATA_QUALITY_DE).get_absolute_url()) :]
    quality = quality[: quality.index("</article>")]
    assert (
        f'<a href="{chinese(DATA_QUALITY_ZH).get_absolute_url()}" hreflang="zh"><span lang="zh">中文</span>, ¶ 101'
        in quality
    )
    assert '<p class="translation-text" lang="zh">' in quality and "数据质量至关" in quality


def test_the_api_nests_translations_and_keeps_count_and_facets(client, seeds):
    plain = api(client, q="Daten", language="de")
    data = api(client, q="Daten", language="de", translations="1")
    assert data["count"] == plain["count"] == 11 and data["facets"] == plain["facets"]
    assert [r["key"] for r in data["results"]] == [r["key"] for r in plain["results"]]
    quality = result_for(data, german(DATA_QUALITY_DE))
    counterpart = chinese(DATA_QUALITY_ZH)
    assert quality["translations"] == [
        {
            "language": "zh",
            "key": counterpart.key,
            "permalink": "http://testserver" + counterpart.get_absolute_url(),
            "possible_match": False,
            "speaker": "Aidan Gomez",
            "snippet_html": quality["translations"][0]["snippet_html"],
        }
    ]
    assert quality["translations"][0]["snippet_html"].startswith("数据的重要性。")
    assert "translations" not in plain["results"][0]


def test_names_from_the_query_are_marked_in_the_translations_too(client, seeds):
    """GPT-4 is written the same way in both languages, so it is marked in the Chinese as well."""
    data = api(client, q="GPT-4", language="de", translations="1")
    snippets = [t["snippet_html"] for r in data["results"] for t in r["translations"]]
    assert snippets and all("<mark>GPT</mark>" in s for s in snippets)


def test_translations_paginate_with_their_hits(client, seeds):
    """74 German turns are four pages of German hits, however many Chinese turns come with them."""
    html = page(client, language="de", translations="1", page="2")
    assert "All 74 turns" in html and "21–40" in html
    assert html.count('class="result"') == 20
    pages = [attrs["href"] for tag, attrs in Tags(html).tags if tag == "a" and attrs.get("rel") in ("prev", "next")]
    assert len(pages) == 2
    assert all(parse_qs(urlsplit(url).query)["translations"] == ["1"] for url in pages)
    assert len(api(client, language="de", translations="1", page="4")["results"]) == 14


def test_the_option_is_offered_only_with_a_language_filter(client, seeds):
    def box(html):
        return [attrs for tag, attrs in Tags(html).tags if tag == "input" and attrs.get("name") == "translations"]

    assert box(page(client, q="Daten")) == []
    assert "Show matches in all languages" not in page(client, q="Daten")
    unticked = box(page(client, q="Daten", language="de"))
    assert len(unticked) == 1 and "checked" not in unticked[0]
    assert "checked" in box(page(client, q="Daten", language="de", translations="1"))[0]


def test_without_a_language_filter_the_option_changes_nothing(client, seeds):
    assert api(client, q="GPT", translations="1") == api(client, q="GPT")
    html = page(client, q="GPT", translations="1")
    assert 'class="hit-translations"' not in html and "Also in" in html


def test_showing_and_hiding_keeps_the_page_and_removing_the_language_drops_the_option(client, seeds):
    html = page(client, language="de", translations="1", page="2")
    [hide] = links(html, "translations-toggle")
    assert "Hide them" in html
    assert parse_qs(urlsplit(hide).query) == {"language": ["de"], "page": ["2"]}
    remove_language = links(html, "chip")[0]
    assert parse_qs(urlsplit(remove_language).query) == {}
    [show] = links(page(client, language="de", page="2"), "translations-toggle")
    assert parse_qs(urlsplit(show).query) == {"language": ["de"], "translations": ["1"], "page": ["2"]}


@pytest.mark.parametrize("value", ["0", "false", ""])
def test_translations_can_be_switched_off_in_the_query_string(client, seeds, value):
    data = api(client, q="Daten", language="de", translations=value)
    assert "translations" not in data["results"][0]


# --- Cost ----------------------------------------------------------------------------------------------


def test_a_results_page_reads_translations_in_one_query_however_many_hits(client, seeds, django_assert_max_num_queries):
    """One hit or twenty, each with its Chinese turns: the same few queries (facet labels and one
    for the translations), never one per hit."""
    counts = {}
    for label, params in {
        "one": {"q": "Dateninnovation Modellinnovation"},
        "twenty": {"language": "de", "translations": "1"},
    }.items():
        page(client, **params)  # the first search of an index version reads the speakers' names once
        with CaptureQueriesContext(connection) as queries:
            html = page(client, **params)
        counts[label] = len(queries)
        assert html.count('class="result"') == (1 if label == "one" else 20)
    assert counts["one"] == counts["twenty"]
    with django_assert_max_num_queries(4):
        page(client, language="de", translations="1", page="3")
    with django_assert_max_num_queries(4):
        api(client, language="de", translations="1", page="3")
