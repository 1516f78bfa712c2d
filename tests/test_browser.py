"""End to end: a real browser against gunicorn serving the seed archive."""
import pytest

pytestmark = pytest.mark.browser


def test_reader_opens_an_interview_and_switches_to_chinese(live_archive, page):
    page.goto(live_archive.url + "/")
    page.get_by_role("link", name="20VC: Aidan Gomez, Cohere, with Harry Stebbings").click()
    page.get_by_role("navigation", name="Languages").get_by_role("link", name="中文").click()
    first_turn = page.locator("article.turn").first
    assert first_turn.locator(".speaker").inner_text() == "Harry Stebbings"
    assert page.locator("article.turn").count() == 125


def test_keyboard_user_reaches_content_with_the_skip_link(live_archive, page):
    page.goto(live_archive.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
