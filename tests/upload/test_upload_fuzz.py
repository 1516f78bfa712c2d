"""Fuzzed files through the admin upload (the real views, the test client): the suite's short version
of benchmarks/fuzz_uploads.py, which sends 600 of them through gunicorn.

Every kind of hostile file in tests/hostile_inputs.py, the largest made small: each is refused with
a message and writes nothing, or reaches the preview and, confirmed as it stands, is written whole
or not at all.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from interviews.models import Transcript
from interviews.search import indexing
from tests.hostile_inputs import FUZZERS, fuzzed_uploads
from tests.upload.test_admin import UPLOAD_URL, form_data, row_counts, run_queued_jobs

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FILES = 40


def error_shown(html: str) -> bool:
    return 'class="errorlist' in html or 'class="errornote"' in html or 'class="messagelist"' in html


def test_fuzzed_uploads_are_refused_with_a_message_or_written_whole(
    admin_client, settings, django_capture_on_commit_callbacks
):
    files = fuzzed_uploads(FILES, seed=40, light=True)
    assert {kind for kind, _, _ in files} == set(FUZZERS)  # every kind at least once
    written = 0
    for kind, filename, data in files:
        before = row_counts()
        latest = Transcript.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = admin_client.post(UPLOAD_URL, {"file": SimpleUploadedFile(filename, data)})
        assert response.status_code in (200, 302), kind
        if response.status_code == 200:  # refused, with the reason beside the file field
            assert error_shown(response.content.decode()), kind
            assert row_counts() == before, kind
            continue
        page = admin_client.get(response.url)
        assert page.status_code == 200, kind
        confirmed = admin_client.post(response.url, {**form_data(page), "action": "confirm"})
        if confirmed.status_code == 302 and "/upload/jobs/" in confirmed.url:  # queued: run it here
            with django_capture_on_commit_callbacks(execute=True):
                run_queued_jobs()
            confirmed = admin_client.get(confirmed.url)
            before["UploadJob"] += 1
        if confirmed.status_code == 302 and "/done/" in confirmed.url:
            written += 1
            (transcript,) = Transcript.objects.filter(pk__gt=latest)
            assert transcript.turns.count() == transcript.turn_count > 0, kind
            assert list(transcript.turns.values_list("ordinal", flat=True)) == list(range(transcript.turn_count)), kind
        else:
            assert confirmed.status_code in (200, 400), kind
            assert error_shown(confirmed.content.decode()), kind
            assert row_counts() == before, kind
            admin_client.post(response.url, {"action": "cancel"})
    assert written >= 10  # the valid and the merely odd files do get in
    assert indexing.check_index().ok
    assert not list(settings.ARCHIVE_STAGING_DIR.iterdir())
