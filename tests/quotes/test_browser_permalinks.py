"""End to end: linking to an exact passage in a real browser against gunicorn and the seeds."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from interviews.quotes.spans import fingerprint

pytestmark = pytest.mark.browser

GERMAN = "/interviews/20vc-aidan-gomez-cohere/de/"
LESSON = "Ja, das nennt man beim maschinellen Lernen"


def character_box(page, turn_locator, paragraph, start, end):
    """Viewport coordinates of the left edge of character `start` and the right edge of
    character `end - 1` in a paragraph of a turn's text (both on the middle of the line)."""
    return (
        turn_locator.locator("p[data-offset]")
        .nth(paragraph)
        .evaluate(
            """(p, [start, end]) => {
            const node = p.firstChild;
            const r1 = document.createRange(); r1.setStart(node, start); r1.setEnd(node, start + 1);
            const r2 = document.createRange(); r2.setStart(node, end - 1); r2.setEnd(node, end);
            const a = r1.getBoundingClientRect(), b = r2.getBoundingClientRect();
            return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
        }""",
            [start, end],
        )
    )


def drag_select(page, box):
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, box["y2"], steps=5)
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()


def test_reader_selects_words_with_the_mouse_and_links_to_exactly_them(live_archive, page):
    page.goto(live_archive.url + GERMAN)
    turn = page.locator("article.turn", has_text=LESSON)
    turn.scroll_into_view_if_needed()
    text = turn.locator("p[data-offset]").first.inner_text()
    start = text.index("maschinellen Lernen")
    end = start + len("maschinellen Lernen")
    drag_select(page, character_box(page, turn, 0, start, end))
    assert page.evaluate("window.getSelection().toString()") == "maschinellen Lernen"

    link = page.get_by_role("link", name="Link to this quote", exact=True)
    link.wait_for()
    href = link.get_attribute("href")
    query = parse_qs(urlsplit(href).query)
    assert query["s"] == [f"{start}-{end}"]
    assert query["h"] == [fingerprint("maschinellen Lernen")]

    link.click()
    page.wait_for_url(re.compile(r"/q/[a-z2-7]+/\?s="))
    marks = page.locator(".quote-text mark")
    assert marks.all_inner_texts() == ["maschinellen Lernen"]
    assert page.locator("#share-url").input_value() == href
    assert "maschinellen Lernen" == page.locator('meta[property="og:description"]').get_attribute("content")


def test_selection_across_paragraphs_in_the_chinese_quote_page_is_linked_and_scrolled_to(live_archive, page):
    """On a Chinese quote page, a selection from the end of one paragraph into the next links to
    a span that includes the paragraph break; the linked page scrolls the highlight into view."""
    page.set_viewport_size({"width": 900, "height": 500})
    page.goto(live_archive.url + GERMAN.replace("/de/", "/zh/"))
    turn = page.locator("article.turn").filter(has=page.locator("p[data-offset]").nth(2)).first
    turn.locator(".permalink").click()
    quote = page.locator(".quote-text")
    first = quote.locator("p[data-offset]").nth(0).inner_text()
    second_offset = int(quote.locator("p[data-offset]").nth(1).get_attribute("data-offset"))
    second = quote.locator("p[data-offset]").nth(1).inner_text()
    # Both ends of the drag must be on screen: context turns above the quote push it down.
    quote.locator("p[data-offset]").nth(1).scroll_into_view_if_needed()
    box_a = character_box(page, quote, 0, len(first) - 4, len(first) - 3)
    box_b = character_box(page, quote, 1, 5, 6)
    drag_select(page, {"x1": box_a["x1"], "y1": box_a["y1"], "x2": box_b["x2"], "y2": box_b["y2"]})
    link = page.get_by_role("link", name="Link to this quote", exact=True)
    link.wait_for()
    query = parse_qs(urlsplit(link.get_attribute("href")).query)
    expected = first[-4:] + "\n\n" + second[:6]
    assert query["s"] == [f"{len(first) - 4}-{second_offset + 6}"]
    assert query["h"] == [fingerprint(expected)]
    page.screenshot(path="/tmp/permalinks-popover.png")

    link.click()
    page.wait_for_url(re.compile(r"\?s="))
    assert page.locator(".quote-text mark").all_inner_texts() == [first[-4:], second[:6]]
    page.wait_for_function(
        "() => { const r = document.querySelector('.quote-text mark').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }"
    )


def test_keyboard_user_extends_a_selection_and_reaches_the_link_with_tab(live_archive, page):
    page.goto(live_archive.url + GERMAN)
    turn = page.locator("article.turn", has_text=LESSON)
    turn.scroll_into_view_if_needed()
    text = turn.locator("p[data-offset]").first.inner_text()
    start = text.index("maschinellen")
    box = character_box(page, turn, 0, start, start + 1)
    page.mouse.dblclick(box["x1"] + 2, box["y1"])  # selects the word "maschinellen"
    for _ in range(len(" Lernen")):
        page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("window.getSelection().toString()") == "maschinellen Lernen"
    link = page.get_by_role("link", name="Link to this quote", exact=True)
    link.wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Link to this quote"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?s="))
    assert page.locator(".quote-text mark").all_inner_texts() == ["maschinellen Lernen"]


def test_selection_reaching_into_another_turn_offers_no_link(live_archive, page):
    page.goto(live_archive.url + GERMAN)
    turn = page.locator("article.turn", has_text=LESSON)
    turn.scroll_into_view_if_needed()
    box_a = character_box(page, turn, 2, 3, 4)
    following = page.locator("article.turn", has_text="Sie haben gerade darüber gesprochen").first
    box_b = character_box(page, following, 0, 10, 11)
    drag_select(page, {"x1": box_a["x1"], "y1": box_a["y1"], "x2": box_b["x2"], "y2": box_b["y2"]})
    page.wait_for_timeout(400)
    assert page.locator(".quote-popover").count() == 0


def test_offsets_count_an_emoji_as_one_character_like_the_server(live_archive, page):
    """JavaScript counts an emoji as two UTF-16 units; the link must count it as one character
    and hash the same code points as interviews/quotes/spans.py."""
    page.goto(live_archive.url + GERMAN)
    samples = ["", "a", "Daten", "中国😀", "Ein 😀 Emoji\n\nund 𝔘nicode"]
    assert page.evaluate("(xs) => xs.map(window.archivePermalinks.fingerprint)", samples) == [
        fingerprint(s) for s in samples
    ]
    page.evaluate(
        """() => {
            const div = document.createElement('div');
            div.setAttribute('data-quote-text', '');
            div.dataset.permalink = '/q/testtest/';
            div.innerHTML = '<p data-offset="0">Ein 😀 Emoji</p><p data-offset="13">und 𝔘nicode</p>';
            document.querySelector('main').prepend(div);
            const [a, b] = div.querySelectorAll('p');
            // UTF-16 positions: "Ein 😀 " is 7 units (the emoji is 2), "und 𝔘" is 6.
            window.getSelection().setBaseAndExtent(a.firstChild, 7, b.firstChild, 6);
        }"""
    )
    link = page.get_by_role("link", name="Link to this quote", exact=True)
    link.wait_for()
    query = parse_qs(urlsplit(link.get_attribute("href")).query)
    text = "Ein 😀 Emoji\n\nund 𝔘nicode"
    start, end = text.index("Emoji"), text.index("𝔘") + 1
    assert query["s"] == [f"{start}-{end}"] == ["6-18"]
    assert query["h"] == [fingerprint("Emoji\n\nund 𝔘")]


def test_copy_link_button_copies_the_share_url(live_archive, browser):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_archive.url)
    page = context.new_page()
    try:
        page.goto(live_archive.url + GERMAN)
        page.locator("article.turn", has_text=LESSON).locator(".permalink").click()
        page.get_by_role("button", name="Copy link").click()
        copied = page.get_by_role("status").filter(has_text="Copied")
        copied.wait_for()  # announced when the clipboard's promise resolves, not at the click
        assert copied.count() == 1
        assert page.evaluate("navigator.clipboard.readText()") == page.locator("#share-url").input_value()
    finally:
        context.close()


def test_without_javascript_the_link_is_shown_and_the_span_still_highlighted(live_archive, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_archive.url + GERMAN)
        href = page.locator("article.turn", has_text=LESSON).locator(".permalink").get_attribute("href")
        page.goto(f"{live_archive.url}{href}?s=0-2")
        assert page.locator(".quote-text mark").all_inner_texts() == ["Ja"]
        share = page.locator("#share-url")
        assert share.is_visible() and share.get_attribute("readonly") is not None
        assert share.input_value() == f"{live_archive.url}{href}?s=0-2&h={fingerprint('Ja')}"
        assert page.get_by_role("button", name="Copy link").count() == 0  # hidden without script
    finally:
        context.close()
