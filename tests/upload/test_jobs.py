"""A confirmed upload is a job: the confirm answers at once with a progress page, the job runner
writes the file with the one ingest, and the page follows it to the result or the error."""

import io
import time

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from interviews.ingest import ingest_transcript
from interviews.models import Transcript, UploadJob
from interviews.upload import jobs
from tests.factories import SHORT_INTERVIEW, ingest_text, make_source
from tests.upload.test_admin import (
    ENGLISH,
    label_field,
    preview_page,
    row_counts,
    staged_uploads,
    upload,
)
from tests.upload.test_admin import (
    confirm as confirm_and_run,
)

pytestmark = pytest.mark.django_db


def confirm_only(client, page, **changes):
    """Post the preview's confirm and nothing more: no runner has seen the job yet."""
    from tests.upload.test_admin import form_data

    return client.post(page.request["PATH_INFO"], {**form_data(page, **changes), "action": "confirm"})


def queued_job(client):
    page = preview_page(client, upload(client, ENGLISH))
    response = confirm_only(client, page, **{label_field(page, "Interviewer", "name"): "Jonas Host"})
    job = UploadJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    return job, page


def progress_json(client, job):
    response = client.get(reverse("admin:interviews_transcript_upload_job_progress", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.json()


def test_confirm_queues_a_job_and_answers_with_its_progress_page(admin_client, admin_user, settings):
    before = row_counts()
    job, _page = queued_job(admin_client)
    assert (job.status, job.user, job.filename, job.attempts) == ("queued", admin_user, "robots.txt", 0)
    assert job.options["details"]["language"] == "en"
    assert next(v for v in job.options["mapping"].values() if v["name"] == "Jonas Host")
    assert Transcript.objects.count() == 0 and len(staged_uploads(settings)) == 1
    assert {k: v for k, v in row_counts().items() if k != "UploadJob"} == {
        k: v for k, v in before.items() if k != "UploadJob"
    }

    html = admin_client.get(job.get_absolute_url()).content.decode()
    assert "<progress" in html and 'src="/static/js/upload-job.js"' in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert reverse("admin:interviews_transcript_upload_job_progress", args=[job.pk]) in html


def test_confirm_uses_the_previews_parse_and_does_not_parse_again(admin_client, monkeypatch):
    """A 5 MB file takes seconds to parse: the confirm of what the preview showed answers at once."""
    page = preview_page(admin_client, upload(admin_client, ENGLISH))

    def no_parse(*args, **kwargs):
        raise AssertionError("the confirm parsed the file again")

    monkeypatch.setattr("interviews.upload.views.parse_upload", no_parse)
    response = confirm_only(admin_client, page, **{label_field(page, "Interviewer", "name"): "Jonas Host"})
    assert response.status_code == 302 and response.url == UploadJob.objects.get().get_absolute_url()


def test_a_second_confirm_leads_to_the_job_already_queued(admin_client):
    job, page = queued_job(admin_client)
    again = confirm_only(admin_client, page, **{label_field(page, "Interviewer", "name"): "Jonas Host"})
    assert again.status_code == 302 and again.url == job.get_absolute_url()
    assert UploadJob.objects.count() == 1


def test_without_a_runner_the_page_says_it_waits_for_one(admin_client):
    job, _page = queued_job(admin_client)
    state = progress_json(admin_client, job)
    assert state["status"] == "queued" and state["waiting_for_runner"] is True
    assert state["text"].startswith("Waiting for the job runner: it is not running.")
    assert "Waiting for the job runner" in admin_client.get(job.get_absolute_url()).content.decode()

    jobs.touch_runner()  # a runner is alive and will claim it
    state = progress_json(admin_client, job)
    assert state["waiting_for_runner"] is False and state["text"].startswith("Queued")


def test_a_job_whose_runner_went_silent_says_so(admin_client, settings):
    job, _page = queued_job(admin_client)
    jobs.claim(runner="another-machine:4242")
    settings.ARCHIVE_JOB_HEARTBEAT_TIMEOUT = -1  # every heartbeat is too old
    state = progress_json(admin_client, job)
    assert state["status"] == "running" and state["waiting_for_runner"] is True
    assert state["text"].startswith("The job runner writing this file stopped")


def test_progress_json_reports_turns_written_while_running(admin_client):
    job, _page = queued_job(admin_client)
    running = jobs.claim()
    assert running.pk == job.pk and running.status == "running" and running.attempts == 1
    jobs.Progress(running)(5000, 13035, "writing")
    state = progress_json(admin_client, job)
    assert (state["status"], state["stage"], state["done"], state["total"]) == ("running", "writing", 5000, 13035)
    assert state["text"] == "Writing turns: 5,000 of 13,035"
    assert state["elapsed"] >= 0 and state["elapsed_text"].count(":") == 2
    html = admin_client.get(job.get_absolute_url()).content.decode()
    assert 'max="13035" value="5000"' in html and "Writing turns: 5,000 of 13,035" in html


def test_job_goes_from_queued_to_running_to_done_and_the_page_to_the_result(admin_client, admin_user, settings):
    job, _page = queued_job(admin_client)
    done = jobs.run_next()
    assert done.pk == job.pk and done.status == "done" and done.message == ""
    transcript = Transcript.objects.get()
    assert done.transcript == transcript and transcript.uploaded_by == admin_user
    assert done.result == {
        "status": "created",
        "added": 6,
        "edited": 0,
        "removed": 0,
        "kept": 0,
        "filename": "robots.txt",
    }
    assert (done.stage, done.progress_done, done.progress_total) == ("topics", 6, 6)
    assert done.started_at and done.finished_at and done.finished_at >= done.started_at
    assert staged_uploads(settings) == [] and not (settings.ARCHIVE_JOBS_DIR / f"{job.pk}.json").exists()

    state = progress_json(admin_client, job)
    result_url = reverse("admin:interviews_transcript_upload_done", args=[transcript.pk])
    assert state["status"] == "done" and state["done_url"] == result_url
    assert state["transcript_url"] == transcript.get_absolute_url()
    page = admin_client.get(job.get_absolute_url())
    assert page.status_code == 302 and page.url == result_url
    assert "is in the archive: 6 turns" in admin_client.get(result_url).content.decode()
    assert jobs.run_next() is None  # nothing left to do


def test_a_failed_job_writes_nothing_and_shows_the_error(admin_client, settings):
    job, _page = queued_job(admin_client)
    ingest_text(text=ENGLISH, filename="robots.txt", slug="elsewhere")  # another editor was faster
    before = row_counts()
    failed = jobs.run_next()
    assert failed.status == "failed" and failed.transcript is None
    assert failed.message.startswith("this file is already in the archive as")
    assert row_counts() == before  # not a row written, the new speaker "Jonas Host" included
    assert len(staged_uploads(settings)) == 1  # the editor can go back to the preview

    state = progress_json(admin_client, job)
    assert state["status"] == "failed" and state["text"] == failed.message
    html = admin_client.get(job.get_absolute_url()).content.decode()
    assert "this file is already in the archive as" in html and "Nothing was written to the archive." in html
    assert f'href="{reverse("admin:interviews_transcript_upload_preview", args=[job.staged_token])}"' in html
    assert "<progress" not in html and "http-equiv" not in html


def test_a_duplicate_is_still_refused_on_the_preview_without_a_job(admin_client):
    page = preview_page(admin_client, upload(admin_client, ENGLISH))
    ingest_text(text=ENGLISH, filename="robots.txt", slug="elsewhere")
    response = confirm_only(admin_client, page, **{label_field(page, "Interviewer", "name"): "Jonas Host"})
    assert response.status_code == 400 and "this file is already in the archive as" in response.content.decode()
    assert not UploadJob.objects.exists()


def test_a_corrected_version_is_not_its_own_duplicate_at_confirm(admin_client):
    first = ingest_text()
    corrected = SHORT_INTERVIEW.replace("dumbest", "least clever")
    page = preview_page(
        admin_client,
        upload(admin_client, corrected, filename="talk-v2.txt", interview=str(first.transcript.interview.pk)),
    )
    response = confirm_and_run(admin_client, page)
    assert response.status_code == 302 and Transcript.objects.count() == 1
    assert Transcript.objects.get().turns.filter(text__contains="least clever").exists()


def test_a_job_whose_runner_went_silent_is_run_again_and_written_once(admin_client, settings):
    job, _page = queued_job(admin_client)
    claimed = jobs.claim(runner="another-machine:4242")
    assert jobs.requeue_stale() == []  # its heartbeat is fresh
    later = time.time() + settings.ARCHIVE_JOB_HEARTBEAT_TIMEOUT + 1
    assert [j.pk for j in jobs.requeue_stale(now=later)] == [claimed.pk]
    assert UploadJob.objects.get().status == "queued"
    done = jobs.run_next()
    assert (done.status, done.attempts) == ("done", 2) and Transcript.objects.count() == 1


def test_a_rerun_after_the_commit_only_finishes_the_index_work(admin_client, settings):
    job, _page = queued_job(admin_client)
    jobs.run_next()
    # As if the runner had died after the commit, before marking the job done.
    UploadJob.objects.filter(pk=job.pk).update(status="running", runner="another-machine:4242", heartbeat_at=None)
    assert len(jobs.requeue_stale(now=time.time() + settings.ARCHIVE_JOB_HEARTBEAT_TIMEOUT + 1)) == 1
    before = row_counts()
    done = jobs.run_next()
    assert done.status == "done" and done.stage == "indexing"
    assert {**row_counts(), "IndexTask": 0} == {**before, "IndexTask": 0}  # the index work is done now


def test_a_job_that_stops_its_runner_every_time_fails_after_three_runs(admin_client, settings):
    job, _page = queued_job(admin_client)
    later = time.time() + settings.ARCHIVE_JOB_HEARTBEAT_TIMEOUT + 1
    for _attempt in range(jobs.MAX_ATTEMPTS):
        jobs.claim(runner="another-machine:4242")
        jobs.requeue_stale(now=later)
    failed = UploadJob.objects.get()
    assert failed.status == "failed" and "stopped 3 times" in failed.message
    assert Transcript.objects.count() == 0


def test_a_runner_of_this_machine_that_is_gone_is_not_waited_for(admin_client):
    job, _page = queued_job(admin_client)
    jobs.claim(runner=f"{jobs.runner_name().rpartition(':')[0]}:{2**22 + 7}")  # no such process
    assert [j.pk for j in jobs.requeue_stale()] == [job.pk]


def test_two_runners_never_claim_the_same_job(admin_client):
    job, _page = queued_job(admin_client)
    assert jobs.claim(runner="a:1").pk == job.pk
    assert jobs.claim(runner="b:2") is None


def test_only_editors_who_may_upload_see_jobs(admin_client):
    job, _page = queued_job(admin_client)
    urls = [job.get_absolute_url(), reverse("admin:interviews_transcript_upload_job_progress", args=[job.pk])]
    for url in urls:
        assert Client().get(url).status_code == 302  # to the login page
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_transcript"))
    client = Client()
    client.force_login(viewer)
    for url in urls:
        assert client.get(url).status_code == 403
    colleague = User.objects.create_user("colleague", password="x", is_staff=True, is_superuser=True)
    client.force_login(colleague)
    assert progress_json(client, job)["status"] == "queued"  # same team: another editor's job is shown


# --- Progress from ingest ---------------------------------------------------------------------------


def long_interview(turns: int) -> str:
    lines = ["A long talk", ""]
    for n in range(turns):
        lines += [f"{'Host' if n % 2 == 0 else 'Guest'}: Turn number {n} of a long talk.", ""]
    return "\n".join(lines)


def test_ingest_reports_parsing_then_every_thousand_turns_written():
    calls = []
    ingest_transcript(make_source(text=long_interview(2500)), progress=lambda *args: calls.append(args))
    assert calls == [
        (0, 0, "parsing"),
        (0, 2500, "writing"),
        (1000, 2500, "writing"),
        (2000, 2500, "writing"),
        (2500, 2500, "writing"),
        (2500, 2500, "topics"),
    ]


def test_ingest_command_prints_progress_of_a_long_file_on_stderr(tmp_path):
    (tmp_path / "long.txt").write_text(long_interview(2100), encoding="utf-8")
    err = io.StringIO()
    call_command("ingest", str(tmp_path / "long.txt"), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        f"{tmp_path / 'long.txt'}: writing turns 1,000/2,100",
        f"{tmp_path / 'long.txt'}: writing turns 2,000/2,100",
        f"{tmp_path / 'long.txt'}: writing turns 2,100/2,100",
    ]
