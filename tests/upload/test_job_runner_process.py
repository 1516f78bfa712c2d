"""The job runner as it runs in production: a real `manage.py run_jobs` process, killed with
SIGKILL in the middle of writing a long upload. A new runner finishes the job, and the archive
holds exactly one transcript of the file, whole."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.live import ROOT, LiveArchive
from tests.upload.test_jobs import long_interview

pytestmark = pytest.mark.slow

TURNS = 5_000

QUEUE_A_JOB = """
import json, sys
from django.contrib.auth.models import User
from interviews.upload import jobs
from interviews.upload.staging import stage
editor = User.objects.create_superuser("editor", password="x")
details = {"language": "en", "translation": "original"}
staged = stage(open(sys.argv[1], "rb").read(), "long.txt", editor, details=details)
print(json.dumps({"job": jobs.queue(staged, details=details, mapping={}, user=editor).pk}))
"""

WHAT_IS_WRITTEN = """
import json
from interviews.models import IndexTask, Transcript, Turn, UploadJob
job = UploadJob.objects.get()
print(json.dumps({
    "status": job.status, "attempts": job.attempts, "message": job.message,
    "transcripts": Transcript.objects.count(), "turns": Turn.objects.count(),
    "turn_counts": list(Transcript.objects.values_list("turn_count", flat=True)),
    "pending_index_work": IndexTask.objects.count(),
}))
"""


def python(archive, code, *args):
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}", *args],
        cwd=ROOT,
        env=archive.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_runner_killed_mid_job_leaves_nothing_and_the_next_runner_writes_it_once(tmp_path):
    archive = LiveArchive(data_dir=tmp_path / "archive", port=0)
    archive.data_dir.mkdir()
    archive.manage("migrate", "--noinput")
    upload = tmp_path / "long.txt"
    upload.write_text(long_interview(TURNS), encoding="utf-8")
    job = python(archive, QUEUE_A_JOB, str(upload))["job"]

    progress_file = archive.data_dir / "jobs" / f"{job}.json"
    runner = subprocess.Popen(
        [sys.executable, "manage.py", "run_jobs"], cwd=ROOT, env=archive.env, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        stage = {}
        while stage.get("stage") != "writing" and time.monotonic() < deadline and runner.poll() is None:
            time.sleep(0.02)
            try:
                stage = json.loads(progress_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
        assert stage.get("stage") == "writing", f"the runner never started writing: {stage}"
        os.kill(runner.pid, signal.SIGKILL)
    finally:
        runner.kill()
        runner.wait()

    killed = python(archive, WHAT_IS_WRITTEN)
    assert (killed["status"], killed["attempts"], killed["transcripts"], killed["turns"]) == ("running", 1, 0, 0)

    subprocess.run(
        [sys.executable, "manage.py", "run_jobs", "--once"], cwd=ROOT, env=archive.env, check=True, timeout=600
    )
    after = python(archive, WHAT_IS_WRITTEN)
    assert after == {
        "status": "done",
        "attempts": 2,
        "message": "",
        "transcripts": 1,
        "turns": TURNS,
        "turn_counts": [TURNS],
        "pending_index_work": 0,
    }
