"""What every public page shares: the site chrome, error pages that say what to do next, the
favicon, a description for search engines and link previews, the current section marked in the
navigation, and a bounded number of database queries."""

import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import include, path

from interviews.models import Interview, Turn
from interviews.quotes.spans import fingerprint
from tests.factories import SEEDS, SHORT_INTERVIEW, ingest_text


def boom(request):
    raise RuntimeError("a bug in a view")


# pytest.mark.urls("tests.test_pages"): the archive's URLs plus one view that fails.
urlpatterns = [path("boom/", boom), path("", include("archive.urls"))]
handler404 = "interviews.views.page_not_found"


@pytest.fixture
def seeds(db):
    call_command("ingest", str(SEEDS), stdout=io.StringIO())
    return Interview.objects.get()


@pytest.fixture
def archive(seeds):
    """The seeds and three more interviews, so that a query per interview on the home page shows."""
    for n in range(3):
        text = SHORT_INTERVIEW + f"\nHost: Thank you for talk number {n}.\n"  # the same file is refused
        ingest_text(text=text, slug=f"talk-{n}", title=f"Talk {n}", filename=f"talk-{n}.txt")
    return seeds


def has_site_chrome(html):
    return (
        '<a class="brand" href="/">Founder Interview Archive</a>' in html
        and '<nav aria-label="Main">' in html
        and 'href="/static/css/archive.css"' in html
        and '<a class="skip-link" href="#main">' in html
        and '<main id="main"' in html
    )


# --- Error pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_not_found_page_looks_like_the_site_and_offers_search_and_browsing(client):
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert has_site_chrome(html)
    assert "This page is not in the archive" in html
    assert "<code>/no/such/page/</code>" in html
    assert 'action="/search/"' in html and 'name="q"' in html
    assert 'href="/topics/"' in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'rel="canonical"' not in html  # a missing page is nobody's canonical address


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, explanation",
    [
        ("/q/zzzzzzzz/", "Quote links look like"),
        ("/interviews/no-such-interview/", "No interview or transcript lives at"),
        ("/speakers/nobody/", "No speaker lives at"),
        ("/topics/no-such-topic/", "There is no such topic"),
    ],
)
def test_not_found_page_names_what_kind_of_page_was_missing(client, url, explanation):
    response = client.get(url)
    assert response.status_code == 404
    assert explanation in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/interviews/nope/", "/api/transcripts/999/", "/api/nowhere"])
def test_api_addresses_answer_not_found_in_json(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Nothing at this address.", "path": url}}


@pytest.mark.django_db
def test_not_found_page_escapes_the_address(client):
    html = client.get("/<script>alert(1)</script>/").content.decode()
    assert "<script>alert" not in html


@pytest.mark.urls("tests.test_pages")
def test_server_error_page_looks_like_the_site_without_database_or_context_processors(client):
    """No database marker: a query from the 500 page (or the layout it must not share) fails."""
    client.raise_request_exception = False
    response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert has_site_chrome(html)
    assert "Something went wrong on our side" in html
    assert 'href="/"' in html


# --- Favicon, description, language, navigation -----------------------------------------------


@pytest.mark.django_db
def test_favicon_is_linked_from_pages_and_answers_at_favicon_ico(client):
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.svg"
    with open(finders.find("favicon.svg"), encoding="utf-8") as svg:
        assert svg.read().startswith("<svg")


def page_urls(interview):
    de = interview.transcripts.get(language="de")
    turn = Turn.objects.get(transcript=de, ordinal=5)
    return {
        "home": "/",
        "interviews": "/interviews/",
        "speakers": "/speakers/",
        "interview": de.get_absolute_url(),
        "side by side": f"/interviews/{interview.slug}/side-by-side/?left=de&right=zh",
        "speaker": "/speakers/aidan-gomez/",
        "topics": "/topics/",
        "topic": "/topics/data-quality/",
        "quote": f"{turn.get_absolute_url()}?s=10-40&h={fingerprint(turn.text[10:40])}",
    }


PAGE_TYPES = ["home", "interviews", "speakers", "interview", "side by side", "speaker", "topics", "topic", "quote"]


@pytest.mark.parametrize("page", PAGE_TYPES)
def test_every_page_has_one_description_and_english_as_its_language(client, seeds, page):
    html = client.get(page_urls(seeds)[page]).content.decode()
    descriptions = re.findall(r'<meta name="description" content="([^"]*)">', html)
    assert len(descriptions) == 1 and len(descriptions[0]) > 20
    assert html.count("<html ") == 1 and '<html lang="en">' in html  # content carries its own lang


def test_interview_description_names_the_interview_and_its_languages(client, seeds):
    html = client.get(page_urls(seeds)["interview"]).content.decode()
    assert (
        f'<meta name="description" content="{seeds.title}: the transcripts in Deutsch and 中文, '
        'with a permanent link to every turn.">'
    ) in html


@pytest.mark.parametrize(
    "page, current",
    [
        ("interviews", '<a href="/interviews/" aria-current="page">Interviews</a>'),
        ("interview", '<a href="/interviews/" aria-current="true">Interviews</a>'),
        ("side by side", '<a href="/interviews/" aria-current="true">Interviews</a>'),
        ("speakers", '<a href="/speakers/" aria-current="page">Speakers</a>'),
        ("speaker", '<a href="/speakers/" aria-current="true">Speakers</a>'),
        ("topics", '<a href="/topics/" aria-current="page">Topics</a>'),
        ("topic", '<a href="/topics/" aria-current="true">Topics</a>'),
    ],
)
def test_main_navigation_marks_where_the_reader_is(client, seeds, page, current):
    html = client.get(page_urls(seeds)[page]).content.decode()
    nav = html.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert current in nav
    assert nav.count("aria-current") == 1


def test_label_as_published_carries_the_transcript_language(client, seeds):
    zh = seeds.transcripts.get(language="zh")
    Turn.objects.filter(transcript=zh, ordinal=0).update(label="主持人")
    html = client.get(zh.get_absolute_url()).content.decode()
    assert '<span class="label" title="Label as published" lang="zh">“主持人”</span>' in html


# --- Queries ------------------------------------------------------------------------------------

# Measured on the seeds plus three short interviews (74 and 125 turns, 19 topics, 4 interviews):
# each bound is the count today plus one or two, so a query per interview, turn or topic (an
# N+1) fails it, while the page may still grow a query.
QUERY_BOUNDS = {
    "home": 17,  # 16: the latest interviews (3) and the overview (13; tests/test_home.py)
    "interviews": 10,  # 9, for 4 interviews with their filters and the count of its pages
    "speakers": 5,  # 4, for 8 speakers (one whether index work is pending, one the kept counts)
    "interview": 9,  # 7, for 74 turns
    "side by side": 8,  # 6, for 199 turns
    "speaker": 7,  # 5, for 99 turns
    "topics": 4,  # 3, for 19 topics (one whether index work is pending, one the kept counts)
    "topic": 8,  # 6, for 22 turns
    "quote": 10,  # 8, for the quote, its two neighbours (their topics in one query) and a translation
}


@pytest.mark.parametrize("page", PAGE_TYPES)
def test_page_queries_do_not_grow_with_the_archive(client, archive, page, django_assert_max_num_queries):
    url = page_urls(archive)[page]
    with django_assert_max_num_queries(QUERY_BOUNDS[page]):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("page", ["?page=2", "?page=3"])
def test_later_transcript_pages_keep_the_first_page_query_count(
    client, archive, settings, page, django_assert_max_num_queries
):
    settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE = 50  # the 125 Chinese turns on three pages
    zh = archive.transcripts.get(language="zh")
    with django_assert_max_num_queries(QUERY_BOUNDS["interview"]):
        response = client.get(zh.get_absolute_url() + page)
    assert response.status_code == 200 and 'rel="prev"' in response.content.decode()


@pytest.mark.django_db
def test_not_found_page_itself_reads_nothing_from_the_database(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert client.get("/no/such/page/").status_code == 404
    with django_assert_max_num_queries(2):  # the quote's two lookups: a live key, a removed key
        assert client.get("/q/zzzzzzzz/").status_code == 404


# --- Colours ------------------------------------------------------------------------------------

CSS = finders.find("css/archive.css")


def palette(scheme):
    """The custom properties of :root in light mode, or as the dark-mode block overrides them."""
    with open(CSS, encoding="utf-8") as f:
        css = f.read()
    light = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-f]{6})", css.split("@media (prefers-color-scheme: dark)")[0]))
    if scheme == "light":
        return light
    dark_block = css.split("@media (prefers-color-scheme: dark)")[1].split("\n}\n")[0]
    return {**light, **dict(re.findall(r"--([\w-]+):\s*(#[0-9a-f]{6})", dark_block))}


def contrast(a, b):
    def luminance(hex_colour):
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_and_links_meet_wcag_aa_on_every_background_in_both_schemes(scheme):
    colours = palette(scheme)
    for text in ("text", "muted", "accent"):
        for background in ("bg", "surface", "host", "accent-soft"):
            ratio = contrast(colours[text], colours[background])
            assert ratio >= 4.5, f"{scheme}: --{text} on --{background} is {ratio:.2f}:1"
    assert contrast(colours["text"], colours["mark"]) >= 4.5  # highlighted words
    assert contrast(colours["bg"], colours["accent"]) >= 4.5  # the search button's label


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_rings_and_control_borders_stand_out_at_three_to_one(scheme):
    colours = palette(scheme)
    for background in ("bg", "surface", "host"):
        assert contrast(colours["focus"], colours[background]) >= 3
    for background in ("bg", "surface"):
        assert contrast(colours["control"], colours[background]) >= 3
