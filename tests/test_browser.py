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
    page.keyboard.press("Tab")  # the first control of the content, not the header's links
    assert page.evaluate("document.activeElement.closest('main') !== null") is True
    assert page.evaluate("document.activeElement.closest('header') === null") is True
    # <main> was focusable only while the skip link had put focus there.
    assert page.evaluate("document.getElementById('main').hasAttribute('tabindex')") is False


def test_skip_link_works_without_javascript(live_archive, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_archive.url + "/topics/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.evaluate("document.activeElement.textContent") == "AI agents and assistants"
    context.close()


def test_tab_after_a_click_in_the_transcript_goes_to_the_next_link_after_the_click(live_archive, page):
    """A reader clicks into a turn's text, then tabs: focus moves on from where they clicked (the
    turn's "Also in" link), not back to the top of the page; Shift+Tab goes to the link before."""
    page.goto(live_archive.url + "/interviews/20vc-aidan-gomez-cohere/de/")
    turn = page.locator("article.turn").nth(20)
    turn.scroll_into_view_if_needed()
    turn.locator("p[data-offset]").first.click()
    assert page.evaluate("document.activeElement === document.body")  # a click on text focuses nothing
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.closest('article.turn')?.id, document.activeElement.textContent]")
    assert focused == [turn.get_attribute("id"), "中文"]
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.className") == "permalink"
    assert page.evaluate("document.activeElement.closest('article.turn').id") == turn.get_attribute("id")


# --- In a browser -------------------------------------------------------------------------------


def test_side_by_side_columns_stack_on_a_narrow_screen(live_archive, page):
    """Wide: the German and Chinese turns of a row sit next to each other. Phone: one above the
    other, each with its language shown."""
    page.goto(live_archive.url + "/interviews/20vc-aidan-gomez-cohere/de/")
    page.get_by_role("link", name="Side by side").click()  # German on the left: the page read from
    row = page.locator("li.sbs-row:has(.sbs-turn):has(.sbs-cell[lang=de] .sbs-turn)").nth(3)
    de, zh = row.locator(".sbs-cell[lang=de]"), row.locator(".sbs-cell[lang=zh]")
    assert abs(de.bounding_box()["y"] - zh.bounding_box()["y"]) < 2
    assert de.bounding_box()["x"] < zh.bounding_box()["x"]
    assert de.locator(".sbs-lang").bounding_box()["width"] <= 1  # for screen readers only: the column heads say it
    page.set_viewport_size({"width": 390, "height": 800})
    assert zh.bounding_box()["y"] > de.bounding_box()["y"] + de.bounding_box()["height"] - 1
    assert de.locator(".sbs-lang").bounding_box()["width"] > 20 and zh.locator(".sbs-lang").inner_text() == "中文"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # long German compounds and Chinese lines wrap, nothing scrolls sideways


def test_keyboard_user_picks_languages_without_javascript(live_archive, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_archive.url + "/interviews/20vc-aidan-gomez-cohere/side-by-side/")
    page.get_by_label("Left").focus()
    page.keyboard.press("ArrowDown")  # Deutsch → 中文
    page.get_by_label("Right").select_option("de")
    page.get_by_role("button", name="Compare").press("Enter")
    page.wait_for_url("**left=zh&right=de")
    assert page.locator(".sbs-columns div").first.inner_text().startswith("中文")
    context.close()


PHONE_PAGES = [
    "/",
    "/interviews/20vc-aidan-gomez-cohere/de/",
    "/interviews/20vc-aidan-gomez-cohere/zh/",
    "/interviews/20vc-aidan-gomez-cohere/side-by-side/?left=zh&right=de",
    "/speakers/aidan-gomez/",
    "/topics/",
    "/topics/data-quality/",
    "/charts/",
    "/no/such/page/with-a-long-address-that-has-no-spaces-in-it-at-all/",
]


def test_no_page_scrolls_sideways_on_a_phone(live_archive, browser):
    """At 390px, glued German words ("abChatGPTBisher veröffentlichtGPT-4Zeitraum"), the
    YouTube URL, Chinese lines and long section headings all wrap; quote pages included."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(live_archive.url + "/interviews/20vc-aidan-gomez-cohere/de/")
    quotes = [page.locator("article.turn .permalink").nth(n).get_attribute("href") for n in (5, 40)]
    page.goto(live_archive.url + "/interviews/20vc-aidan-gomez-cohere/zh/")
    quotes.append(page.locator("article.turn .permalink").nth(27).get_attribute("href"))
    for path in PHONE_PAGES + quotes:
        page.goto(live_archive.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    context.close()
