"""Confirmed uploads are written in the background, by the job runner (`manage.py run_jobs`).

The preview's confirm only queues an UploadJob and answers at once with the job's progress page.
A runner (gunicorn starts one with the site: archive/gunicorn.conf.py) claims queued jobs one at
a time and writes each with `ingest_upload()`, that is `ingest_transcript()`, the one writer.

- **Claiming** is one `UPDATE … WHERE status = 'queued'`: of two runners, the second finds the row
  no longer queued and updates nothing, on SQLite and PostgreSQL alike (PostgreSQL re-checks the
  condition once the first update commits), so no row lock or queue server is needed.
- **A runner that dies** (SIGKILL, the OOM killer, a reboot) leaves its job "running" with a
  heartbeat that stops. After ``ARCHIVE_JOB_HEARTBEAT_TIMEOUT`` seconds any runner puts the job
  back in the queue and runs it again, up to MAX_ATTEMPTS times. The transcript a job wrote is
  recorded on the job in the ingest's own transaction: a rerun either writes the file (nothing of
  the first attempt was committed) or only finishes the index work. Never two transcripts.
- **Progress and heartbeats** go to small JSON files in ``ARCHIVE_JOBS_DIR``, not the database:
  the ingest holds SQLite's one write lock for its whole transaction, and a progress row written
  inside it would not be seen before the commit anyway. Runner and site share a machine (they
  share the staging directory already).
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from interviews import outbox
from interviews.models import IndexTask, UploadJob
from interviews.parsing import Message, ParseOptions
from interviews.sources import IngestError
from interviews.upload.messages import from_stored
from interviews.upload.staging import UploadError, ingest_upload, label_rows, load_staged, parse_upload

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
HEARTBEAT_EVERY = 2.0  # seconds between a busy runner's heartbeats; far under the timeout


def jobs_dir() -> Path:
    path = Path(settings.ARCHIVE_JOBS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def runner_name() -> str:
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


def _write_json(path: Path, data: dict) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, path)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# --- Queueing and claiming ------------------------------------------------------------------------


def queue(staged, *, details: dict, mapping: dict, user, options: dict | None = None) -> UploadJob:
    """A job for the staged upload, with the editor's details and label choices (form strings) and
    the way the file is read (`ParseOptions.to_json()`);
    the one already waiting or running for it if there is one (a confirm clicked twice)."""
    unfinished = UploadJob.objects.filter(
        staged_token=staged.token, status__in=[UploadJob.QUEUED, UploadJob.RUNNING]
    ).first()
    if unfinished:
        return unfinished
    return UploadJob.objects.create(
        user=user,
        staged_token=staged.token,
        filename=staged.filename,
        options={
            "details": details,
            "mapping": mapping,
            "parse_options": options or {},
            "language": translation.get_language(),  # the runner says what happened in the editor's language
        },
    )


def claim(runner: str | None = None) -> UploadJob | None:
    """The oldest queued job, now running for `runner`; None when the queue is empty."""
    runner = runner or runner_name()
    for pk in UploadJob.objects.filter(status=UploadJob.QUEUED).values_list("pk", flat=True)[:5]:
        now = timezone.now()
        claimed = UploadJob.objects.filter(pk=pk, status=UploadJob.QUEUED).update(
            status=UploadJob.RUNNING,
            runner=runner,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat_at=now,
        )
        if claimed:
            return UploadJob.objects.get(pk=pk)
    return None


def last_heartbeat(job: UploadJob) -> float:
    """When the job's runner last showed it was alive (a timestamp)."""
    beats = [job.heartbeat_at.timestamp()] if job.heartbeat_at else []
    progress = _read_json(jobs_dir() / f"{job.pk}.json")
    if progress.get("attempt") == job.attempts and progress.get("at"):
        beats.append(progress["at"])
    return max(beats, default=0.0)


def requeue_stale(*, now: float | None = None) -> list[UploadJob]:
    """Jobs whose runner went silent: back in the queue, or failed after MAX_ATTEMPTS runs."""
    now = time.time() if now is None else now
    timeout = settings.ARCHIVE_JOB_HEARTBEAT_TIMEOUT
    requeued = []
    for job in UploadJob.objects.filter(status=UploadJob.RUNNING):
        if now - last_heartbeat(job) <= timeout and not _died_here(job.runner):
            continue
        same_run = UploadJob.objects.filter(pk=job.pk, status=UploadJob.RUNNING, attempts=job.attempts)
        if job.attempts >= MAX_ATTEMPTS:
            message = _(
                "The job runner stopped %(count)d times while writing this file (the machine may be short of "
                "memory). Nothing was written."
            ) % {"count": job.attempts}
            if job.transcript_id:
                message = _("The transcript was written, but the job runner stopped while indexing it.")
            same_run.update(status=UploadJob.FAILED, message=message, finished_at=timezone.now())
            continue
        if same_run.update(status=UploadJob.QUEUED):
            logger.warning("upload job %s: its runner %s went silent; queued again", job.pk, job.runner)
            requeued.append(job)
    return requeued


def _died_here(runner: str) -> bool:
    """A runner of this machine whose process is gone (a restart need not wait for the timeout)."""
    host, _sep, pid = runner.rpartition(":")
    if host != socket.gethostname()[:80] or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, under another user
        return False
    return False


# --- Running ------------------------------------------------------------------------------------


class Progress:
    """The `progress(done, total, stage)` callback `ingest_transcript()` takes, kept in the job's
    progress file; a thread rewrites the file every HEARTBEAT_EVERY seconds as the heartbeat."""

    def __init__(self, job: UploadJob):
        self.job = job
        self.path = jobs_dir() / f"{job.pk}.json"
        self.state = {"stage": "", "done": 0, "total": 0}
        self._lock = threading.Lock()

    def __call__(self, done: int, total: int, stage: str) -> None:
        with self._lock:
            self.state = {"stage": stage, "done": done, "total": total}
        self.beat()

    def beat(self) -> None:
        with self._lock:
            _write_json(self.path, {**self.state, "attempt": self.job.attempts, "at": time.time()})
        touch_runner()

    def indexing_started(self) -> None:
        self(0, IndexTask.objects.count(), "indexing")

    def count_indexing(self) -> None:
        """While indexing, how many of the pending index rows are gone (the index writes them)."""
        if self.state["stage"] == "indexing" and self.state["total"]:
            left = IndexTask.objects.count()
            self(max(0, self.state["total"] - left), self.state["total"], "indexing")

    @contextmanager
    def beating(self, every: float = HEARTBEAT_EVERY):
        stop = threading.Event()

        def run():
            try:
                while not stop.wait(every):
                    try:
                        self.count_indexing()
                        self.beat()
                    except Exception:  # a heartbeat must never take the job down
                        logger.exception("upload job %s: heartbeat failed", self.job.pk)
            finally:
                close_old_connections()

        thread = threading.Thread(target=run, name=f"upload-job-{self.job.pk}-heartbeat", daemon=True)
        self.beat()
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()


def run(job: UploadJob) -> UploadJob:
    """Write a claimed job's upload; the job ends done or failed (with the editor's message)."""
    progress = Progress(job)
    status, message, said = UploadJob.DONE, "", None
    with progress.beating(), translation.override(job.options.get("language")):
        try:
            if job.transcript_id is None:
                _write(job, progress)
            else:  # an earlier run committed the transcript and died before the index work
                progress.indexing_started()
                outbox.process_pending()
        except (IngestError, UploadError) as exc:
            status, message = UploadJob.FAILED, str(exc)
            parser_said = exc.message if isinstance(exc, UploadError) else (exc.args or [None])[0]
            if isinstance(parser_said, Message):
                said = parser_said.to_json()  # the parser's message: said again in each reader's language
        except Exception as exc:
            logger.exception("upload job %s failed", job.pk)
            status = UploadJob.FAILED
            message = _("The file could not be written (%(error)s). Nothing was written.") % {
                "error": f"{type(exc).__name__}: {exc}"
            }
    return _finish(job, status, message, progress, said)


def _write(job: UploadJob, progress: Progress) -> None:
    # Imported here: forms imports the staging module this module sits beside.
    from interviews.forms import LabelMappingForm, TranscriptDetailsForm

    staged = load_staged(job.staged_token, job.user)
    data = staged.read()
    form = TranscriptDetailsForm(job.options.get("details") or {})
    if not form.is_valid():
        raise UploadError(_("The upload's details are no longer valid: open its preview and confirm again."))
    details = form.cleaned_data
    progress(0, 0, "parsing")
    way = ParseOptions.from_json(job.options.get("parse_options"))
    parsed = parse_upload(
        data,
        staged.filename,
        interview=details["interview"],
        language=details["language"],
        title=details["title"],
        encoding=details.get("encoding", ""),
        options=way,
    )
    mapping = LabelMappingForm(
        None, rows=label_rows(parsed), interview=details["interview"], saved=job.options.get("mapping")
    )
    with transaction.atomic():
        # Runs first after the commit, before the outbox's own callback applies the index work.
        transaction.on_commit(progress.indexing_started)
        result = ingest_upload(
            data, staged.filename, details, parsed, mapping.choices(), job.user, options=way, progress=progress
        )
        job.transcript = result.transcript
        job.result = {
            "status": result.status,
            "added": result.turns_added,
            "edited": result.turns_edited,
            "removed": result.turns_removed,
            "kept": result.turns_kept,
            "filename": staged.filename,
        }
        job.save(update_fields=["transcript", "result"])
    staged.discard()


def _finish(job: UploadJob, status: str, message: str, progress: Progress, said: dict | None = None) -> UploadJob:
    """`message` is in the language the editor confirmed the upload in (English for a job queued
    without one); `said`, when the parser refused the file, is its message kept to be said in the
    language of whoever reads it."""
    state = progress.state
    UploadJob.objects.filter(pk=job.pk, attempts=job.attempts).update(
        status=status,
        message=message,
        **({"result": {"message": said}} if said else {}),
        stage=state["stage"],
        progress_done=state["done"],
        progress_total=state["total"],
        finished_at=timezone.now(),
    )
    progress.path.unlink(missing_ok=True)
    job.refresh_from_db()
    return job


def run_next() -> UploadJob | None:
    """Requeue jobs whose runner died, then run the oldest queued job; None if there was none."""
    if not transaction.get_connection().in_atomic_block:
        # The runner's loop: drop a connection the database closed. Never inside a caller's
        # transaction (PostgreSQL would lose it; a test runs jobs inside one).
        close_old_connections()
    touch_runner()
    requeue_stale()
    job = claim()
    return run(job) if job else None


# --- What the progress page shows ---------------------------------------------------------------


def touch_runner() -> None:
    """A runner's sign of life, for the progress page: a queued job is waiting for nobody?"""
    (jobs_dir() / "runner").touch()


def runner_alive(*, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    try:
        return now - (jobs_dir() / "runner").stat().st_mtime <= settings.ARCHIVE_JOB_HEARTBEAT_TIMEOUT
    except OSError:
        return False


def state(job: UploadJob) -> dict:
    """Where the job is, for the progress page and its JSON: status, stage, turns done of total,
    seconds elapsed, and a sentence saying it."""
    if job.status == UploadJob.RUNNING:
        live = _read_json(jobs_dir() / f"{job.pk}.json")
        stage, done, total = live.get("stage", ""), live.get("done", 0), live.get("total", 0)
    else:
        stage, done, total = job.stage, job.progress_done, job.progress_total
    end = job.finished_at or timezone.now()
    # Queued with no runner alive, or running for a runner that went silent: say so, not spin.
    waiting = (job.status == UploadJob.QUEUED and not runner_alive()) or (
        job.status == UploadJob.RUNNING and time.time() - last_heartbeat(job) > settings.ARCHIVE_JOB_HEARTBEAT_TIMEOUT
    )
    return {
        "status": job.status,
        "stage": stage,
        "done": done,
        "total": total,
        "elapsed": round((end - job.created_at).total_seconds(), 1),
        "elapsed_text": format_elapsed((end - job.created_at).total_seconds()),
        "waiting_for_runner": waiting,
        "text": describe(job.status, stage, done, total, waiting=waiting, message=failure_text(job)),
    }


def failure_text(job: UploadJob) -> str:
    """Why the job failed, in the active language when the parser said it."""
    said = (job.result or {}).get("message")
    return (from_stored(said) if said else "") or job.message


def describe(status: str, stage: str, done: int, total: int, *, waiting: bool = False, message: str = "") -> str:
    if status == UploadJob.FAILED:
        return message
    if status == UploadJob.DONE:
        return _("Done: the transcript is in the archive.")
    if waiting and status == UploadJob.RUNNING:
        return _(
            "The job runner writing this file stopped. The next runner starts the job again "
            "(“make serve” starts one with the site)."
        )
    if waiting:
        return _(
            "Waiting for the job runner: it is not running. “make serve” starts it with the site; "
            "on a server, start “manage.py run_jobs” (see docs/deploying.md)."
        )
    if status == UploadJob.QUEUED:
        return _("Queued: the job runner starts on it in a moment.")
    if stage == "writing":
        return _("Writing turns: %(done)s of %(total)s") % {"done": f"{done:,}", "total": f"{total:,}"}
    if stage == "topics":
        return _("Tagging topics in %(total)s turns") % {"total": f"{total:,}"}
    if stage == "aligning":
        return _("Linking the turns to the interview's other transcripts")
    if stage == "indexing":
        return _("Indexing for search: %(done)s of %(total)s turns") % {"done": f"{done:,}", "total": f"{total:,}"}
    return _("Reading the file…")


def format_elapsed(seconds: float) -> str:
    return str(datetime.timedelta(seconds=int(seconds)))
