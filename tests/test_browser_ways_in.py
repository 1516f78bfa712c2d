"""End to end at 1280 and 390 px: the home page, the lists, the transcript's fold, the quote first,
the search filters."""

import pytest

from tests.live import PHONE

pytestmark = pytest.mark.browser


def test_home_page_says_what_is_inside_and_leads_to_speakers(live_archive, sized_page):
    page, size = sized_page
    page.goto(live_archive.url + "/")
    assert "199 quotes" in page.locator(".archive-stats").inner_text()
    assert page.locator(".quote-card").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.get_by_role("link", name="All speakers").click()
    assert page.locator("h1").inner_text() == "Speakers"


def test_interviews_list_filters_by_language(live_archive, sized_page):
    page, _ = sized_page
    page.goto(live_archive.url + "/interviews/")
    page.get_by_label("Language", exact=True).select_option("zh")
    page.get_by_role("button", name="Show").click()
    assert "language=zh" in page.url
    assert page.locator(".card").count() == 1


def test_transcript_details_fold_on_a_phone_and_not_on_a_desktop(live_archive, sized_page):
    page, size = sized_page
    page.goto(live_archive.url + "/interviews/20vc-aidan-gomez-cohere/de/")
    find = page.get_by_label("Find in this transcript")
    if size is PHONE:
        assert not find.is_visible()
        assert page.locator("article.turn").first.bounding_box()["y"] < size["height"]  # on the first screen
        page.locator(".fold > summary").click()
    assert find.is_visible()
    find.fill("Daten")
    find.press("Enter")
    assert "/interviews/20vc-aidan-gomez-cohere/de/?find=Daten" in page.url  # the matches on the page itself
    assert page.locator(".find-matches > li").count() > 0


def test_quote_page_shows_the_quote_on_the_first_screen(live_archive, sized_page):
    page, size = sized_page
    page.goto(live_archive.url + "/interviews/20vc-aidan-gomez-cohere/de/")
    page.goto(live_archive.url + page.locator("article.turn .permalink").nth(5).get_attribute("href"))
    assert page.locator("blockquote.quote").bounding_box()["y"] < size["height"] / 2


def test_search_filters_come_first_on_a_phone_and_beside_results_on_a_desktop(live_archive, sized_page):
    page, size = sized_page
    page.goto(live_archive.url + "/search/?q=Daten")
    speaker_filter = page.locator("#filters input[type=checkbox]").first
    if size is PHONE:
        summary = page.locator(".fold--filters > summary")
        assert summary.bounding_box()["y"] < page.locator("ol.results").bounding_box()["y"]
        assert not speaker_filter.is_visible()
        summary.click()
    assert speaker_filter.is_visible()
