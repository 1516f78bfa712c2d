"""The charts in a real browser: the strip leads into the transcript, the archive's cells into
the search, and a phone keeps the conversation on its first screen."""

import pytest

pytestmark = pytest.mark.browser


def test_a_segment_of_the_strip_leads_to_its_turn(live_archive, sized_page):
    page, size = sized_page
    page.goto(live_archive.url + "/interviews/20vc-aidan-gomez-cohere/zh/")
    if size["width"] < 600:
        assert page.locator("article.turn").first.bounding_box()["y"] < size["height"]  # the strip is folded
        page.get_by_text("The conversation at a glance").first.click()
    page.locator(".chart-strip a").nth(10).click()
    assert page.url.endswith("#t10")
    assert page.evaluate("document.querySelector(':target').id") == "t10"


def test_a_cell_of_the_archive_leads_to_the_turns_it_counts(live_archive, sized_page):
    page, size = sized_page
    page.goto(live_archive.url + "/charts/")
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    cell = page.locator("svg.chart-heat").first.locator("a").first
    count = cell.locator("text").text_content()
    cell.click()
    assert "/search/?speaker=" in page.url and "&topic=" in page.url
    assert f"{count} turn" in page.locator(".results-count").inner_text()
