"""One page of search results, drawn once per version of what it shows and shared by the workers
of the machine.

A search page is the search (interviews/search/query.py, whose index part the result cache
already keeps) and then its drawing: the hits' translations and snippets, the filters with their
names, the pages, the links of every control, and the template around them. What is drawn is the
same for every visitor in one interface language (the page's CSRF token and language menu are
in base.html, outside it), so the results part of the page is kept in the search result cache
(interviews/search/cache.py) under ``Found.version()``: a digest of the request, the index's
version (``Engine.index_stamp()``, changed by any write to the index from any process) and
everything the database gave this request (the hits' translations with every column shown of
them, the filters' names, the speakers the query names), with the interface language and the
code, templates and translated strings that draw it. A page drawn from the same inputs is the
same page, so the cache never answers with what an uncached request would not show: a write from
any process changes the key of the next request at once, including a write whose index work is
still pending (its database part is read by every request and is in the key; its index part is
not seen by an uncached request either until the index commits it).

The page around the results (search.html and base.html) is drawn once per process for each
interface language, host and shape, and filled in with the request's own values (`_frame`).

What a repeated request still pays: the form, the query's parsing and expansion, the index page
from the result cache, one query for the hits' translations, the facets' names, the digest and
the second cache read. The API's JSON is not kept: it costs little to make once the search is
read (measured: a repeated API request cost the same with its body kept, a first one more).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext

from interviews import page_cache
from interviews.search import cache
from interviews.search import query as archive_search

_TEMPLATES = ("_search_results.html", "_facets.html")


def page_response(request, found: archive_search.Found) -> HttpResponse:
    """The search page: the results part (`results_html`) drawn or read from the shared cache, in
    the page around it (search.html and base.html), which is drawn once per process for each
    language and shape (`_frame`) and filled in with this request's values."""
    params = found.params
    has_filters = any(params.filters.get(name) for name in archive_search.FACETS)
    # The same search as an Atom feed: the checked query and filters, without page or sort.
    feed_url = reverse("interviews:feed_search") + "?" + _search_url(params, page=None, sort="").partition("?")[2]

    def draw_results():
        return str(render_to_string("interviews/_search_results.html", results_context(found.page())))

    values = {
        "q": params.q,
        "this_page_url": _search_url(params),
        "count": found.count,
        "sort_param": params.sort,
        "feed_url": feed_url if (params.q or has_filters) else None,
        "results_html": mark_safe(_shared(found, "search-results-html", draw_results)),
    }
    if settings.DEBUG:  # templates are read again on every request while developing: so is the page
        return render(request, "interviews/search.html", values)
    filled = {**{name: values[name] or "" for name in _SLOTS}, _TOKEN: get_token(request)}
    return HttpResponse(page_cache.fill(_frame(request, values), filled))


#: The page's values that are text in the page around the results; each drawn once as a marker
#: (interviews/page_cache.py), then replaced by the request's own (escaped) value.
_SLOTS = ("q", "this_page_url", "feed_url", "sort_param", "results_html")
_TOKEN = "csrf_token"
_frames: dict = {}


def _frame(request, values) -> list[str]:
    """search.html drawn with markers for the request's values: [text, slot, text, slot, ...].
    What else it shows is the same for every request of one interface language, host and shape
    (which of its optional parts are there), so it is drawn once per process for each."""
    shape = (bool(values["q"]), bool(values["feed_url"]), bool(values["count"]), bool(values["sort_param"]))
    key = (get_language(), request.build_absolute_uri(request.path), get_script_prefix(), shape)
    if key not in _frames:
        markers = {name: page_cache.marker(name) if values[name] else values[name] for name in _SLOTS}
        markers[_TOKEN] = page_cache.marker(_TOKEN)  # the view's context wins over the CSRF context processor's
        html = render_to_string("interviews/search.html", {**values, **markers}, request=request)
        if len(_frames) > 1000:  # a few languages, hosts and shapes: never reached but by a flood of hosts
            _frames.clear()
        _frames[key] = page_cache.split(html)
    return _frames[key]


def _shared(found, kind, draw) -> str:
    version = found.version() if settings.ARCHIVE_SEARCH_CACHE else None
    if version is None:
        return draw()
    return cache.cached(found.stamp, (page_cache.CODE_STAMP, kind, version), draw)


FACET_SHOWN = 8  # values listed per facet; the rest behind "more"
# At most this many more behind "more": every value is rendered hidden on every page (measured: 200
# per facet made the template the largest part of a search request), and a longer list is no use
# to scroll through; the note under it says how many are left out.
FACET_MORE = 40


def facet_limit() -> int:
    """The most values of a facet, besides those ticked, that a page lists: what it asks `find` for."""
    return FACET_SHOWN + FACET_MORE


FACET_TITLES = {
    "speaker": gettext_lazy("Speaker"),
    "topic": gettext_lazy("Topic"),
    "language": gettext_lazy("Language"),
    "interview": gettext_lazy("Interview"),
    "year": gettext_lazy("Year"),
}


def _search_url(params, *, path=None, **changes):
    """The search URL for ``params`` with some parts changed (``page=None`` drops the page);
    ``path``: the search page's path, when the caller has it (`results_context` draws some 15)."""
    values = {
        "q": params.q,
        "sort": params.sort,
        "page": params.page if params.page != 1 else None,
        "translations": params.translations,
        "exact": params.exact,
        "group": params.group,
    }
    values.update(changes)
    filters = changes.get("filters", params.filters)
    pairs = [("q", values["q"])] if values["q"] else []
    for name in archive_search.FACETS:
        pairs += [(name, value) for value in filters.get(name, ())]
    if values["sort"]:
        pairs.append(("sort", values["sort"]))
    if values["translations"] and filters.get("language"):  # it means nothing without a language filter
        pairs.append(("translations", "1"))
    if values["exact"]:
        pairs.append(("exact", "1"))
    if not values["group"]:
        pairs.append(("group", "0"))
    if values["page"]:
        pairs.append(("page", values["page"]))
    return (path or reverse("interviews:search")) + ("?" + urlencode(pairs) if pairs else "")


def _without(filters, name, value):
    return {**filters, name: [v for v in filters.get(name, ()) if v != value]}


def _counted(translated: str, n: int) -> str:
    """A translated message whose only value is its count ``n``, as ``{% blocktranslate count %}``
    draws it: the translation unescaped, as that tag leaves it (a count needs no escaping)."""
    return mark_safe(translated % {"n": n})


def results_context(page: archive_search.SearchPage) -> dict:
    """What _search_results.html draws of ``page``: its hits, filters, pages and the links of
    every control, and the strings drawn in its loops (a plural per facet, a label per page
    link): through {% blocktranslate %} each cost some 27 us, measured alone (`Template.render`
    in German), a search page some 250 us of the 1 ms its results took to draw."""
    params = page.params
    path = reverse("interviews:search")

    def url(**changes):
        return _search_url(params, path=path, **changes)

    # The page number is the last parameter of a search URL: the links to the pages (up to nine
    # a page, each an urlencode of the whole query) share the rest.
    first_page = url(page=None)
    page_joint = "&page=" if "?" in first_page else "?page="

    def page_url(number: int) -> str:
        return f"{first_page}{page_joint}{number}"

    # The names of the values filtered on, for their chips (not of every value: some thousands).
    labels = {
        name: {v.value: v.label for v in values} for name, values in page.facets.items() if params.filters.get(name)
    }
    chips = [
        {
            "facet": FACET_TITLES[name],
            "label": labels[name].get(value, value),
            "remove_url": url(filters=_without(params.filters, name, value), page=None),
        }
        for name in archive_search.FACETS
        for value in params.filters.get(name, ())
    ]
    facets = []
    for name, values in page.facets.items():
        # Ticked values first so they are never hidden under "more" (a facet lists up to some
        # thousands of values, most often none ticked).
        ticked = [v for v in values if v.selected]
        ordered = ticked + [v for v in values if not v.selected] if ticked else values
        shown = max(FACET_SHOWN, len(ticked))
        more = ordered[shown : shown + FACET_MORE]
        hidden = max(0, len(ordered) + page.facets_left_out.get(name, 0) - shown - FACET_MORE)
        facets.append(
            {
                "name": name,
                "title": FACET_TITLES[name],
                "values": ordered[:shown],
                "more": more,
                "more_label": _counted(ngettext("%(n)s more", "%(n)s more", len(more)), len(more)) if more else "",
                "hidden": hidden,
                "hidden_label": _counted(
                    ngettext(
                        "and %(n)s more: search for a name to narrow the list.",
                        "and %(n)s more: search for a name to narrow the list.",
                        hidden,
                    ),
                    hidden,
                )
                if hidden
                else "",
            }
        )
    page_label = gettext("Page %(number)s")
    return {
        "q": params.q,
        "results": page,
        "facets": facets,
        "chips": chips,
        "clear_filters_url": url(filters={}, page=None) if chips else None,
        "suggestion_url": url(q=page.suggestion, page=None) if page.suggestion else None,
        # What else was searched (translations, other spellings), and the way back to the words typed.
        "exact_url": url(exact=True, page=None) if page.query.expansions else None,
        "expand_url": url(exact=False, page=None) if params.exact else None,
        "sort_urls": {sort: url(sort=sort, page=None) for sort in archive_search.SORTS},
        "page_links": [
            {"number": n, "url": page_url(n), "current": n == page.page, "label": mark_safe(page_label % {"number": n})}
            if n
            else None
            for n in page.page_window()
        ],
        "previous_url": page_url(page.page - 1) if page.has_previous else None,
        "next_url": page_url(page.page + 1) if page.has_next else None,
        # Grouping the languages changes the count, so the reader goes back to the first page.
        "group_url": (
            url(group=not params.group, page=None)
            if page.grouped or (not params.group and page.query.expansions)
            else None
        ),
        # Showing or hiding translations changes no count, so the reader stays on this page.
        "translations_url": (url(translations=not params.translations) if params.filters.get("language") else None),
    }
