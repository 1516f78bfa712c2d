"""End to end: an editor uploads a WebVTT file with voice spans and a recording's address, sees
the turns in the preview, confirms, and a reader's ▶ on a timed turn opens the recording at that
second. Also the preview's way on for a file without labels, in a real browser.

A real chromium against gunicorn serving the seed archive; nothing of ours is mocked.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.upload.test_browser_upload import log_in

pytestmark = pytest.mark.browser

VTT = """\
WEBVTT

00:00:01.000 --> 00:00:04.000
<v Jonas Berg>Welcome, Mara. What made you start a robotics company?

00:00:04.500 --> 00:00:09.000
<v Mara Lindqvist>Robots learned from a few hundred demonstrations in one lab.

00:00:09.000 --> 00:00:12.000
<v Mara Lindqvist>Language models learned from the whole internet.

00:01:10.000 --> 00:01:14.000
<v Jonas Berg>What surprised you most?

00:01:15.000 --> 00:01:21.500
<v Mara Lindqvist>Tactile sensing mattered far more than camera resolution.
"""

UNLABELLED = """\
A conversation about grippers

Welcome to the show. Tell us how the company started.

It started in a garage, like most robotics companies do.

And the first customer came from a laundry.

They still fold towels with our grippers every day.
"""


def open_upload_form(live_archive, page):
    page.goto(live_archive.url + "/admin/interviews/transcript/")
    page.get_by_role("link", name="Upload transcript").click()


def follow_to_the_transcript_link(page, timeout=30):
    """After confirm: the result page, or a progress page that turns into it; whichever it is,
    wait (reloading a page that does not refresh itself) until the link to the transcript shows."""
    link = page.get_by_role("link", name="Read it on the site")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            expect(link).to_be_visible(timeout=3000)
            return link
        except AssertionError:
            page.reload()
    expect(link).to_be_visible(timeout=1000)
    return link


def test_editor_uploads_a_vtt_and_readers_play_a_turn_from_its_second(live_archive, page, tmp_path):
    log_in(live_archive, page)
    open_upload_form(live_archive, page)
    file = tmp_path / "lindqvist-episode.vtt"
    file.write_text(VTT, encoding="utf-8")
    media = live_archive.url + "/static/test-recordings/lindqvist-episode.mp3"
    page.get_by_label("Transcript file").set_input_files(file)
    page.locator("input[name=media_url]").fill(media)  # "Original recording URL" is the interview's
    page.get_by_role("button", name="Preview").click()

    # The voice spans are the speakers; one speaker's consecutive cues are one turn.
    expect(page.get_by_role("heading", name="Speakers: who is each label?")).to_be_visible()
    expect(page.get_by_text("4 by 2 labels")).to_be_visible()
    turns = page.locator(".upload-turns li")
    expect(turns).to_have_count(4)
    expect(turns.nth(1).locator("strong")).to_have_text("Mara Lindqvist")
    expect(turns.nth(1)).to_contain_text("Robots learned from a few hundred demonstrations in one lab.")
    expect(turns.nth(1)).to_contain_text("Language models learned from the whole internet.")
    page.get_by_label("Role of “Jonas Berg”").select_option("host")
    page.get_by_label("Role of “Mara Lindqvist”").select_option("guest")

    page.get_by_role("button", name="Confirm and ingest").click()
    follow_to_the_transcript_link(page).click()
    expect(page.locator("article.turn")).to_have_count(4)

    # The last turn starts at 1:15: its ▶ opens the recording at second 75.
    play = page.locator("article.turn").filter(has_text="Tactile sensing").locator("a.timecode")
    expect(play).to_contain_text("1:15")
    expect(play).to_have_attribute("href", media + "#t=75")
    play.click()
    expect(page).to_have_url(re.compile(re.escape(media) + r"#t=75$"))


def test_a_file_without_labels_reaches_the_preview_with_ways_on(live_archive, page, tmp_path):
    log_in(live_archive, page)
    open_upload_form(live_archive, page)
    file = tmp_path / "grippers.txt"
    file.write_text(UNLABELLED, encoding="utf-8")
    page.get_by_label("Transcript file").set_input_files(file)
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_text("The parser found no speaker labels")).to_be_visible()
    page.get_by_label("Alternating speakers, each paragraph a turn, starting with …").check()
    page.get_by_label("Who speaks first").fill("Jonas Berg")
    page.get_by_label("Who answers").fill("Mara Lindqvist")
    page.get_by_label("Paragraphs before the conversation (title, introduction)").fill("1")
    page.get_by_role("button", name="Update preview").click()

    turns = page.locator(".upload-turns li")
    expect(turns).to_have_count(4)
    expect(turns.nth(0).locator("strong")).to_have_text("Jonas Berg")
    expect(turns.nth(1).locator("strong")).to_have_text("Mara Lindqvist")
    expect(turns.nth(1)).to_contain_text("It started in a garage")
