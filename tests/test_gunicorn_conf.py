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
