"""How a search page's results are drawn (interviews/search_pages.py and the search page's template
tags): the shortcuts that make a page cheaper to draw give what the plain way gives, escaped the
way the template language escapes it."""

from types import SimpleNamespace

import pytest
from django.template import engines
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from interviews import search_pages
from interviews.search import query as archive_search
from interviews.search.query import FacetValue, SearchPage, SearchParams
from interviews.templatetags import search_facets

# A filter checkbox as the template language draws it (the markup facet_options draws in Python).
OPTIONS = engines["django"].from_string(
    "{% load i18n %}{% for v in values %}"
    '<li><label><input type="checkbox" name="{{ name }}" value="{{ v.value }}"{% if v.selected %} checked{% endif %}>'
    ' <span class="facet-label"{% if name == "language" %} lang="{{ v.value }}"{% endif %}>{{ v.label }}</span>'
    ' <span class="count">{{ v.count }}<span class="visually-hidden">'
    " {% blocktranslate count n=v.count %}turn{% plural %}turns{% endblocktranslate %}</span></span></label></li>"
    "{% endfor %}"
)

HOSTILE = "<b>\"Ada\" & 'Grace'</b>"


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_filter_checkboxes_are_the_templates_markup_drawn_again_or_not(language):
    """A filter's options read the same the first time a process draws them and every time after,
    and a value renamed since (a topic's name in another language) shows its new name."""
    values = [
        FacetValue(HOSTILE, HOSTILE, 1, False),
        FacetValue("de", "Deutsch", 2, True),
        FacetValue("ada-lovelace", "Ada Lovelace", 12345, False),
        FacetValue("ada-lovelace", "Ada King", 12345, False),
        FacetValue("2019", "2019", 0, True),
    ]
    search_facets._heads.clear()
    search_facets._tails.clear()
    with translation.override(language):
        for name in ("speaker", "language"):
            expected = OPTIONS.render({"name": name, "values": values})
            assert search_facets.facet_options(name, values) == expected  # drawn
            assert search_facets.facet_options(name, values) == expected  # read back
    assert "&lt;b&gt;&quot;Ada&quot; &amp; &#x27;Grace&#x27;&lt;/b&gt;" in expected


def a_page(params: SearchParams, num_pages: int, facets=None, left_out=None) -> SearchPage:
    return SearchPage(
        query=SimpleNamespace(expansions=[]),
        params=params,
        sort=params.sort or "relevance",
        count=num_pages * params.page_size,
        page=params.page,
        num_pages=num_pages,
        results=[],
        facets=facets or {name: [] for name in archive_search.FACETS},
        suggestion=None,
        took_ms=0.0,
        facets_left_out=left_out or {},
    )


words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    q=words,
    filters=st.dictionaries(st.sampled_from(list(archive_search.FACETS)), st.lists(words, max_size=2), max_size=3),
    sort=st.sampled_from(["", "date", "relevance"]),
    page=st.integers(1, 30),
    more=st.integers(0, 30),
    translations=st.booleans(),
    exact=st.booleans(),
    group=st.booleans(),
)
def test_each_page_link_is_the_search_address_of_that_page(q, filters, sort, page, more, translations, exact, group):
    """The links to the other pages of results (numbers, previous, next) keep everything else the
    search asked for, as the search address of that page does."""
    params = SearchParams(
        q=q, filters=filters, sort=sort, page=page, translations=translations, exact=exact, group=group
    )
    context = search_pages.results_context(a_page(params, page + more))
    links = [link for link in context["page_links"] if link]
    assert [link["number"] for link in links] == [n for n in a_page(params, page + more).page_window() if n]
    for link in links:
        assert link["url"] == search_pages._search_url(params, page=link["number"])
    assert context["previous_url"] == (search_pages._search_url(params, page=page - 1) if page > 1 else None)
    assert context["next_url"] == (search_pages._search_url(params, page=page + 1) if more else None)


def test_ticked_values_are_listed_first_and_the_rest_in_the_facets_order():
    speakers = [FacetValue(f"s{n}", f"Speaker {n}", 100 - n, n in (3, 11)) for n in range(60)]
    years = [FacetValue(str(year), str(year), 1, False) for year in range(2024, 1990, -1)]
    params = SearchParams(filters={"speaker": ["s3", "s11"]})
    facets = {**{name: [] for name in archive_search.FACETS}, "speaker": speakers, "year": years}
    context = search_pages.results_context(a_page(params, 1, facets))
    listed = {facet["name"]: facet for facet in context["facets"]}
    assert [v.value for v in listed["speaker"]["values"]] == ["s3", "s11", "s0", "s1", "s2", "s4", "s5", "s6"]
    assert listed["speaker"]["more"] == [v for v in speakers if not v.selected][6 : 6 + search_pages.FACET_MORE]
    assert listed["speaker"]["hidden"] == 60 - 8 - search_pages.FACET_MORE
    # The values `find` left out are counted among those hidden.
    cut = search_pages.results_context(a_page(params, 1, facets, left_out={"speaker": 500}))
    assert next(f for f in cut["facets"] if f["name"] == "speaker")["hidden"] == 560 - 8 - search_pages.FACET_MORE
    assert listed["year"]["values"] == years[:8] and listed["year"]["more"] == years[8:]
    assert [chip["label"] for chip in context["chips"]] == ["Speaker 3", "Speaker 11"]


# The strings the results template drew in its loops, as it drew them.
MORE = engines["django"].from_string(
    "{% load i18n %}{% blocktranslate count n=n %}{{ n }} more{% plural %}{{ n }} more{% endblocktranslate %}"
)
HIDDEN = engines["django"].from_string(
    "{% load i18n %}{% blocktranslate count n=n %}and {{ n }} more: search for a name to narrow the list."
    "{% plural %}and {{ n }} more: search for a name to narrow the list.{% endblocktranslate %}"
)
PAGE = engines["django"].from_string(
    "{% load i18n %}{% blocktranslate with number=number %}Page {{ number }}{% endblocktranslate %}"
)


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
@pytest.mark.parametrize("speakers", [9, 10, 48, 49, 50, 1234])
def test_the_counts_under_the_filters_and_the_page_labels_read_as_the_template_wrote_them(language, speakers):
    values = [FacetValue(f"s{n}", f"Speaker {n}", 1, False) for n in range(speakers)]
    facets = {**{name: [] for name in archive_search.FACETS}, "speaker": values}
    with translation.override(language):
        context = search_pages.results_context(a_page(SearchParams(page=7), 1234, facets))
        speaker = next(facet for facet in context["facets"] if facet["name"] == "speaker")
        assert speaker["more_label"] == MORE.render({"n": min(speakers - 8, 40)})
        if speakers > 48:
            assert speaker["hidden_label"] == HIDDEN.render({"n": speakers - 48})
        else:
            assert not speaker["hidden"]
        links = [link for link in context["page_links"] if link]
        assert [link["label"] for link in links] == [PAGE.render({"number": link["number"]}) for link in links]
    assert len(links) == 7
