"""archive/gunicorn.conf.py: what the master does beside serving."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in a process of its own: loading the settings registers a fork hook for the whole process.
FORK_WHILE_STARTING = """
import os, runpy, threading
conf = runpy.run_path("archive/gunicorn.conf.py")
lock = conf["_starting_runner"]
started = []
def start_runner():
    started.append("runner started")
    lock.release()
lock.acquire()  # a runner is being started in another thread of the master
threading.Timer(0.5, start_runner).start()
pid = os.fork()  # the master spawning a worker
if pid == 0:
    os._exit(0)
print(started or ["worker forked first"])
os.waitpid(pid, 0)
"""


def test_the_master_forks_no_worker_while_a_job_runner_is_being_started():
    """A worker forked mid-start would hold the start's pipe open and stall the runner's
    supervision until that worker exits."""
    result = subprocess.run(
        [sys.executable, "-c", FORK_WHILE_STARTING], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['runner started']"  # the fork waited for the start to end


WARMED_WORKER = """
import gc, json, logging, runpy, django
django.setup()
conf = runpy.run_path("archive/gunicorn.conf.py")
class Worker:
    log = logging.getLogger("worker")
before = {"thresholds": gc.get_threshold(), "frozen": gc.get_freeze_count()}
conf["post_worker_init"](Worker())
print(json.dumps([before, {"thresholds": gc.get_threshold(), "frozen": gc.get_freeze_count()}]))
"""


def test_a_warmed_up_worker_keeps_what_it_loaded_from_the_garbage_collector(tmp_path):
    """What a worker loads before its first request lives as long as it does: frozen, so the
    collector's full collections (over 100 ms each on the 100,000-turn archive) no longer walk
    it, and young collections made rarer. Even a worker whose search warm-up failed (here, an
    empty data directory: no index)."""
    import json
    import os

    result = subprocess.run(
        [sys.executable, "-c", WARMED_WORKER],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "archive.settings", "ARCHIVE_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    before, after = json.loads(result.stdout.strip().splitlines()[-1])
    assert before == {"thresholds": [700, 10, 10], "frozen": 0}  # Python's own
    assert after["thresholds"] == [10_000, 10, 10]
    assert after["frozen"] > 10_000  # Django, the analyzers, the settings: all that was loaded
