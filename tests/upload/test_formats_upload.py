"""Uploading subtitle and podcast files in the admin: previewed as turns with times, written with
the recording they came from, and linked to its moments."""

import pytest

from interviews.models import Transcript
from tests.test_times import VTT
from tests.upload.test_admin import confirm, label_field, preview_page, row_counts, upload

pytestmark = pytest.mark.django_db


def test_a_webvtt_upload_with_voice_spans_becomes_timed_turns_linked_to_the_recording(admin_client):
    page = preview_page(admin_client, upload(admin_client, VTT, "talk.vtt", media_url="https://example.org/talk.mp3"))
    labels = [row.label for row in page.context["mapping_form"].rows]
    assert labels == ["Host", "Guest"]
    response = confirm(
        admin_client,
        page,
        **{
            label_field(page, "Host", "name"): "Hanna Host",
            label_field(page, "Guest", "name"): "Gita Guest",
        },
    )
    assert response.status_code == 302
    transcript = Transcript.objects.get()
    assert transcript.media_url == "https://example.org/talk.mp3"
    assert [t.start for t in transcript.turns.all()] == [4.0, 7.0, 754.0, 761.0]
    html = admin_client.get(transcript.get_absolute_url()).content.decode()
    assert 'href="https://example.org/talk.mp3#t=754"' in html


def test_a_malformed_subtitle_upload_is_refused_and_writes_nothing(admin_client):
    before = row_counts()
    response = upload(admin_client, "WEBVTT\n\n00:00:01.000 --> soon\n<v Ann>Hi.\n", "talk.vtt")
    assert response.status_code == 200
    assert "Line 3 is not a cue timing" in response.content.decode()
    assert row_counts() == before
