"""The search page and /api/search, as a reader and an API client see them."""

import json
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interviews.models import Turn
from tests.hostile_inputs import PATHOLOGICAL_QUERIES

XSS_PAYLOADS = [
    "<img src=x onerror=alert(1)//",
    "<script>alert('x')</script>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">payload</a>',
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "&lt;b&gt;payload&lt;/b&gt; <b onmouseover=alert(1)>payload</b>",
]


def get(client, **params):
    response = client.get(reverse("interviews:search"), params)
    assert response.status_code == 200
    return response.content.decode()


def api(client, expect=200, **params):
    response = client.get(reverse("interviews:api_search"), params)
    assert response.status_code == expect
    return json.loads(response.content)


class Tags(HTMLParser):
    """Every start tag in a page, with its attributes."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def links(html, css_class):
    return [
        attrs["href"] for tag, attrs in Tags(html).tags if tag == "a" and css_class in attrs.get("class", "").split()
    ]


# --- The page --------------------------------------------------------------------------------------


def test_results_show_speaker_interview_language_date_snippet_and_permalink(client, archive):
    html = get(client, q="合成数据")
    synthetic = Turn.objects.get(text__contains="合成数据")
    assert "1 turn matches" in html
    assert "Gita Guest" in html and "关于数据的对话" in html and "中文" in html
    assert '<time datetime="2024-06-01">1 Jun 2024</time>' in html
    assert '<p class="snippet" lang="zh">' in html and "<mark>合成数据</mark>" in html
    assert links(html, "result-link") == [synthetic.get_absolute_url()]


def test_dates_and_counts_are_drawn_in_each_reader_s_language(client, archive):
    """A hit's date and a count's "turns" are kept per process once drawn: per interface language."""
    english = get(client, q="合成数据")
    assert '<time datetime="2024-06-01">1 Jun 2024</time>' in english
    assert '<span class="count">1<span class="visually-hidden"> turn</span></span>' in english
    german = client.get(reverse("interviews:search"), {"q": "合成数据"}, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<time datetime="2024-06-01">01.06.2024</time>' in german
    assert '<span class="count">1<span class="visually-hidden"> Redebeitrag</span></span>' in german
    assert '<time datetime="2024-06-01">1 Jun 2024</time>' in get(client, q="合成数据")


def test_facet_sidebar_has_checkboxes_with_counts(client, archive):
    html = get(client)
    boxes = {
        (attrs["name"], attrs["value"])
        for tag, attrs in Tags(html).tags
        if tag == "input" and attrs.get("type") == "checkbox"
    }
    assert {("speaker", "hanna-host"), ("language", "zh"), ("interview", "a-talk"), ("year", "2023")} <= boxes
    assert 'Deutsch</span> <span class="count">4<span class="visually-hidden"> turns</span></span>' in html
    assert ("topic", "data-quality") in boxes  # "Data quality matters more…" is tagged at ingest


def test_topic_facet_says_so_when_no_turn_has_a_topic(client, archive):
    from interviews.models import Turn, TurnTopic
    from interviews.search import indexing

    TurnTopic.objects.all().delete()
    indexing.index_turns(Turn.objects.all())
    assert "No topics on these turns." in get(client)


def test_ticked_values_stay_checked_and_show_as_removable_chips(client, archive):
    html = get(client, q="Daten", speaker="gita-guest", language=["de", "zh"])
    checked = {
        (attrs["name"], attrs["value"]) for tag, attrs in Tags(html).tags if tag == "input" and "checked" in attrs
    }
    assert checked == {("speaker", "gita-guest"), ("language", "de"), ("language", "zh")}
    chips = links(html, "chip")
    remove_zh = next(
        url
        for url in chips
        if "language" in parse_qs(urlsplit(url).query) and parse_qs(urlsplit(url).query)["language"] == ["de"]
    )
    assert parse_qs(urlsplit(remove_zh).query) == {"q": ["Daten"], "speaker": ["gita-guest"], "language": ["de"]}
    clear_all = chips[-1]
    assert parse_qs(urlsplit(clear_all).query) == {"q": ["Daten"]}


def test_unknown_facet_value_is_ignored_on_the_page_and_in_the_api(client, archive):
    html = get(client, language="de", speaker="nobody-at-all")
    assert "4 turns match" not in html  # a filter is not a query
    assert "All 4 turns" in html
    assert "nobody-at-all" not in html
    assert api(client, language="de", speaker="nobody-at-all")["count"] == 4


def test_pagination_links_and_pages_past_the_end(client, archive, indexed):
    text = "A long talk\n\n" + "\n\n".join(
        f"{'Host' if i % 2 == 0 else 'Guest'}: Point {i} about data." for i in range(45)
    )
    indexed(text=text, filename="long.txt", slug="long-talk", title="A long talk", transcript_slug="long")
    html = get(client, q="data", page=2)
    assert 'aria-current="page">2</a>' in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert "21–40" in html
    assert client.get(reverse("interviews:search"), {"q": "data", "page": 4}).status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "9" * 300, "999999"])
def test_bad_page_numbers_are_not_found(client, archive, page):
    assert client.get(reverse("interviews:search"), {"page": page}).status_code == 404
    assert client.get(reverse("interviews:api_search"), {"page": page}).status_code == 404


def test_sort_by_date_and_relevance(client, archive):
    html = get(client, q="数据")
    assert '<strong aria-current="true">relevance</strong>' in html
    html = get(client, q="数据", sort="date")
    assert '<strong aria-current="true">date</strong>' in html
    assert get(client, q="数据", sort="sideways")  # an unknown order falls back to relevance


def test_no_query_browses_everything_newest_first(client, archive):
    html = get(client)
    assert "All 10 turns" in html
    assert "Newest first" in html


def test_no_hits_suggests_a_spelling(client, archive):
    html = get(client, q="Rechenleistungg", language="de")
    assert "Nothing matches “Rechenleistungg” with these filters." in html
    (suggestion,) = links(html, "suggestion-link")
    assert parse_qs(urlsplit(suggestion).query) == {"q": ["rechenleistung"], "language": ["de"]}
    assert client.get(suggestion).content.decode().count('class="result-link"') == 2


def test_no_hits_with_filters_offers_to_drop_them(client, archive):
    html = get(client, q="Rechenleistung", language="zh")
    assert "Nothing matches “Rechenleistung” with these filters." in html
    assert "Search without filters" in html


def test_empty_archive_says_so(client, db):
    assert "The archive is empty" in get(client)


def test_header_and_home_page_lead_to_search(client, db):
    home = client.get("/").content.decode()
    forms = [attrs for tag, attrs in Tags(home).tags if tag == "form"]
    assert {
        "method": "get",
        "action": reverse("interviews:search"),
        "role": "search",
        "class": "search-box search-box--home",
    } in forms
    assert f'<a href="{reverse("interviews:search")}">Search</a>' in home
    assert f'<a href="{reverse("interviews:search")}" aria-current="page">Search</a>' in get(client)


# --- Safety ----------------------------------------------------------------------------------------


@pytest.fixture
def hostile(db, indexed):
    text = "Payloads\n\n" + "\n\n".join(f"Guest: payload number {i}: {p}" for i, p in enumerate(XSS_PAYLOADS))
    indexed(text=text, filename="xss.txt", slug="xss", title="<script>alert('title')</script>")


def test_xss_payloads_in_transcripts_render_as_text_on_the_page(client, hostile):
    html = get(client, q="payload")
    tags = Tags(html).tags
    assert not [t for t, a in tags if t in {"img", "svg", "iframe", "b"}]
    scripts = [a.get("src") for t, a in tags if t == "script"]
    assert scripts and all(src and src.startswith("/static/js/") for src in scripts)  # no inline script
    assert not [a for t, a in tags if any(name.startswith("on") for name in a)]
    assert not [a for t, a in tags if t == "a" and a.get("href", "").startswith("javascript:")]
    assert "&lt;img src=x onerror=alert(1)//" in html
    assert html.count("<mark>payload</mark>") >= len(XSS_PAYLOADS)


def test_xss_payloads_in_transcripts_stay_escaped_in_the_api(client, hostile):
    data = api(client, q="payload")
    assert data["count"] == len(XSS_PAYLOADS)
    for result in data["results"]:
        markup = result["snippet_html"].replace("<mark>", "").replace("</mark>", "")
        assert "<" not in markup and ">" not in markup
    texts = {r["text"] for r in data["results"]}
    assert any("<img src=x onerror=alert(1)//" in text for text in texts)  # text is the raw text, for JSON


def test_query_echo_is_escaped(client, archive):
    html = get(client, q='"><script>alert(1)</script>')
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "q",
    [
        '-ANDNOT""-',
        "T ANDNOT ANDNOT :",
        '""',
        "*",
        "a*",
        "((((((((((data))))))))))" * 20,
        "x" * 10_000,
        " OR ".join(["word"] * 1000),
        "title:x",
        "[a TO z]",
        "data^99",
        "~",
        "\\",
        "NOT",
    ],
)
def test_hostile_queries_answer_with_a_page_never_an_error(client, archive, q):
    html = get(client, q=q)
    assert 'class="results-count"' in html
    data = api(client, q=q)
    assert set(data) == {"count", "page", "results", "facets", "suggestion", "expansions", "speakers", "grouped"}


def test_pathological_queries_get_results_or_a_message(client, archive, unlimited):
    """The table benchmarks/pathological_queries.py times against gunicorn: every query gets a page of
    results or a page saying why there are none; a bad page number gets a 404 saying that page does
    not exist; the API the same as JSON. (One test, one archive: the table is long.)"""
    failures = []
    for label, params in PATHOLOGICAL_QUERIES:
        response = client.get(reverse("interviews:search"), params)
        html = response.content.decode()
        if response.status_code == 404:  # only a page number can be "not found"
            said = "page" in params and "No such page of results." in html
        else:
            said = response.status_code == 200 and (
                '<ol class="results"' in html or "Nothing matches" in html or "No turns with these filters" in html
            )
        api_response = client.get(reverse("interviews:api_search"), params)
        data = json.loads(api_response.content)
        if api_response.status_code == 404:
            api_said = "page" in params and data == {
                "error": {"code": "not_found", "message": "No such page of results."}
            }
        else:
            api_said = api_response.status_code == 200 and set(data) == {
                "count",
                "page",
                "results",
                "facets",
                "suggestion",
                "expansions",
                "speakers",
                "grouped",
            }
        if not (said and api_said):
            failures.append((label, response.status_code, api_response.status_code))
    assert failures == []


# --- The API ---------------------------------------------------------------------------------------


def test_api_returns_exactly_the_documented_shape(client, archive):
    data = api(client, q="数据质量")
    assert set(data) == {"count", "page", "results", "facets", "suggestion", "expansions", "speakers", "grouped"}
    assert data["count"] == 2 and data["page"] == 1 and data["suggestion"] is None
    result = data["results"][0]
    assert set(result) == {
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
    assert result["also_in"] == []  # one transcript per interview here: nothing is aligned
    turn = Turn.objects.get(key=result["key"])
    assert result["permalink"] == "http://testserver" + turn.get_absolute_url()
    assert result["language"] == "zh" and result["date"] == "2024-06-01"
    assert set(data["facets"]) == {"speaker", "topic", "language", "interview", "year"}
    assert data["facets"]["language"] == {"zh": 2}
    assert data["facets"]["speaker"] == {"hanna-host": 1, "gita-guest": 1}


def test_api_facet_keys_are_accepted_back_as_filters(client, archive):
    facets = api(client)["facets"]
    for name, values in facets.items():
        for value, count in values.items():
            assert api(client, **{name: value})["count"] == count, (name, value)


def test_api_filters_and_pages(client, archive):
    assert api(client, language=["de", "zh"], speaker="hanna-host")["count"] == 3
    assert api(client, q="Rechenleistungg")["suggestion"] == "rechenleistung"
    assert api(client, expect=404, page=2) == {"error": {"code": "not_found", "message": "No such page of results."}}


def test_a_nul_in_the_query_is_searched_not_a_missing_page(client, archive):
    """A NUL made Django's CharField reject the whole form, and the page said "No such page"."""
    assert "Datenqualität" in get(client, q="Daten\x00qualität")
    assert api(client, q="\x00", sort="\x00date")["count"] == 10


@pytest.fixture
def unlimited(request):
    """Hundreds of queries from one client: this tests the query path, not the rate limiter."""
    request.getfixturevalue("settings").ARCHIVE_RATE_LIMIT = "off"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["q", "speaker", "topic", "language", "interview", "year", "page", "sort", "translations", "other"]
        ),
        st.one_of(st.text(max_size=60), st.sampled_from(["de", "2024", "gita-guest", "2", "-1", "9" * 50])),
        max_size=6,
    )
)
def test_fuzzed_query_strings_get_a_page_or_a_404(client, archive, unlimited, params):
    for name in ("interviews:search", "interviews:api_search"):
        assert client.get(reverse(name), params).status_code in (200, 404)


def test_filters_come_before_the_results_in_a_fold(client, archive):
    """On a phone the "Filters" control is the first thing after the search box (closed; wide
    screens show it open beside the results)."""
    html = get(client, q="data")
    assert html.index('<details class="fold fold--filters">') < html.index('<ol class="results"')
    assert "<summary>Filters</summary>" in html


def test_no_hits_show_what_to_try_instead_of_empty_filters(client, archive):
    html = get(client, q="zzzqqqxxx")
    assert "Nothing matches “zzzqqqxxx”" in html
    assert 'id="filters"' not in html and "None." not in html
    assert 'href="/topics/"' in html and 'href="/speakers/"' in html and "Try fewer words" in html


def test_search_page_links_its_feed_without_unknown_filters(client, archive):
    html = get(client, q="data", speaker="nobody-at-all")
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Newest results for this search" href="/feeds/search/?q=data">'
        in html
    )
