"""End to end: an editor uploads a new transcript in the admin and a reader finds it by search.

A real chromium against gunicorn serving the seed archive; nothing of ours is mocked.
"""

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

EDITOR, PASSWORD = "upload-editor", "a-long-editor-password-42"

# A third language beside the German and Chinese seeds.
TRANSCRIPT = """\
Building Robots That Learn: A Conversation with Mara Lindqvist

Interviewer: Mara, thanks for joining. What made you start a robotics company in 2021?

Mara Lindqvist: Language models learned from the whole internet, while robots learned from a few hundred demonstrations in one lab.

Interviewer: What surprised you most?

Mara Lindqvist: Tactile sensing mattered far more than camera resolution. Our grippers became reliable once they could feel slip.

Interviewer: Where will robots be in five years?

Mara Lindqvist: Folding laundry in ordinary homes, slowly, but every single day.
"""
SENTENCE = "Tactile sensing mattered far more than camera resolution."


def create_editor(live_archive):
    live_archive.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User\n"
        f"User.objects.filter(username={EDITOR!r}).exists() or "
        f"User.objects.create_superuser({EDITOR!r}, 'editor@example.org', {PASSWORD!r})",
    )


def log_in(live_archive, page):
    """The editor, created if need be, logged in to the admin."""
    create_editor(live_archive)
    page.goto(live_archive.url + "/admin/")
    page.get_by_label("Username").fill(EDITOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()


def test_editor_uploads_an_english_interview_that_readers_find_by_search(live_archive, page, tmp_path):
    log_in(live_archive, page)

    page.get_by_role("link", name="Transcripts").first.click()
    page.get_by_role("link", name="Upload transcript").click()
    file = tmp_path / "lindqvist.txt"
    file.write_text(TRANSCRIPT, encoding="utf-8")
    page.get_by_label("Transcript file").set_input_files(file)
    page.get_by_label("Publisher / source").fill("The Founder Tapes")
    page.get_by_role("button", name="Preview").click()

    # The preview: nothing written yet, the labels waiting for a person each.
    expect(page.get_by_role("heading", name="Speakers: who is each label?")).to_be_visible()
    expect(page.get_by_text("6 by 2 labels")).to_be_visible()
    expect(page.get_by_label("Language")).to_have_value("en")
    expect(page.get_by_text("names a role, not a person")).to_be_visible()
    page.get_by_label("Name of the new speaker for “Interviewer”").fill("Jonas Berg")
    page.get_by_label("Role of “Interviewer”").select_option("host")
    page.get_by_label("Role of “Mara Lindqvist”").select_option("guest")
    page.get_by_role("button", name="Update preview").click()
    first_turn = page.locator(".upload-turns li").first
    expect(first_turn.locator("strong")).to_have_text("Jonas Berg")
    expect(page.get_by_text("names a role, not a person")).to_have_count(0)

    page.get_by_role("button", name="Confirm and ingest").click()
    # The progress page, until the job runner has written it; then its script opens the result.
    expect(page.locator("progress")).to_have_count(1)
    expect(page.get_by_text("is in the archive: 6 turns")).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Read it on the site").click()
    expect(page.locator("article.turn")).to_have_count(6)
    expect(page.locator("article.turn").first.locator(".speaker")).to_have_text("Jonas Berg")

    # A reader finds one of its sentences through the public search and opens its permalink.
    page.goto(live_archive.url + "/search/?q=" + quote("tactile sensing"))
    result = page.locator("a[href^='/q/']").first
    expect(result).to_be_visible()
    result.click()
    expect(page).to_have_url(re.compile(r"/q/[a-z0-9]+/$"))
    expect(page.get_by_text(SENTENCE)).to_be_visible()
