"""gunicorn settings: `gunicorn -c archive/gunicorn.conf.py archive.wsgi`.

Every value can be overridden by environment variable (see docs/deploying.md).
"""

import gc
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

# Loopback only by default: the reverse proxy in front is the only client, and the headers it
# sets (X-Forwarded-Proto, X-Forwarded-For) are trusted only because nobody else can connect.
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# Sync workers, gunicorn's rule of thumb of 2 x cores + 1: requests are CPU-bound (search,
# rendering), so more would only queue. Capped at 8: each worker holds the search analyzers'
# dictionaries (~200 MB peak RSS measured while ingesting a 5 MB transcript).
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8)))

# The slowest legitimate request is an editor uploading a 5 MB transcript: parse and write
# took 5.6 s (German, 5,454 turns) to 10.2 s (Chinese, 7,009 turns), a corrected re-upload of
# the same size 12.8-17.1 s, and indexing those turns with the archive's analyzers 21 s
# (German) to 68 s (Chinese) more if done in the request (measured on the 2-core dev machine
# under load; see docs/deploying.md). 120 s covers the worst of these with room to spare; a
# worker silent for longer is stuck and is replaced. The reverse proxy's read timeout must be
# at least as long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
# On restart (HUP, TERM), a worker finishes the request it is serving, upload included, before
# it exits: as long as the longest request may take.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", timeout))
keepalive = 5

# Workers are replaced after 20,000-30,000 requests, which bounds slow memory growth should any
# appear. A worker's memory levels off: four workers under the load test's mix on the 100k
# benchmark archive grew from 196 to 267 MB each by some 6,500 requests each, and no further up to
# 8,700 (what they keep is bounded: matching.POSTINGS_KEPT, highlighting's runs, one index's columns).
# Replacing one costs its warm-up (2-4 s of CPU at 100k turns, 16 s at 1M) and what it has
# kept (decoded postings, analysed words, facet columns): at 2,000 requests, four workers under
# even load reached the limit within 2 s of each other (a jitter of 10% staggers them by seconds
# only) and the load test's p95 rose from 108 to 133 ms. A jitter of half the limit spreads
# them apart. `kill -HUP <master pid>` reloads code and configuration one graceful worker at a
# time, with no dropped request (the app is not preloaded, so new workers import the new code).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20_000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 10_000))
preload_app = False

# Whose X-Forwarded-Proto gunicorn believes when it sets the request scheme: the proxy's.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = "-"
errorlog = "-"


# Popen learns that the runner's exec succeeded when the write end of a pipe it shares with the
# child closes. A worker the master forks meanwhile inherits that end and keeps it open until the
# worker exits: Popen, and so the supervision, then waited minutes with the runner already running
# (seen in the fault injection). The master's forks wait while a runner is being started; the
# start itself (fork and exec in C, no Python fork hooks) takes milliseconds.
_starting_runner = threading.Lock()
os.register_at_fork(
    before=_starting_runner.acquire,
    after_in_parent=_starting_runner.release,
    after_in_child=_starting_runner.release,
)


def when_ready(server):
    """Start the job runner that writes confirmed uploads (`manage.py run_jobs`) beside the workers,
    and start it again if it dies (the OOM killer, a crash); its job then runs again (see
    interviews/upload/jobs.py). The master stops it on exit (`on_exit`), and it stops by itself if
    the master is killed. ARCHIVE_JOB_RUNNER=0 leaves it out, for a deployment that runs it as a
    service of its own (docs/deploying.md)."""
    if os.environ.get("ARCHIVE_JOB_RUNNER", "1") == "0":
        return
    manage = Path(__file__).resolve().parent.parent / "manage.py"
    server.job_runner_stopping = threading.Event()

    def supervise():
        while not server.job_runner_stopping.is_set():
            try:
                with _starting_runner:
                    server.job_runner = subprocess.Popen(
                        [sys.executable, str(manage), "run_jobs", "--exit-with-parent"]
                    )
                server.log.info("job runner started (pid %s)", server.job_runner.pid)
                # gunicorn's SIGCHLD handler may reap it first; wait() then returns all the same.
                server.job_runner.wait()
            except Exception:  # a failed fork (no memory, a process limit) must not end the supervision
                server.log.exception("job runner could not be started or waited for; trying again")
            if not server.job_runner_stopping.wait(1.0):
                runner = getattr(server, "job_runner", None)
                server.log.warning("job runner exited (%s); starting another", runner and runner.returncode)

    threading.Thread(target=supervise, name="job-runner", daemon=True).start()


def on_exit(server):
    """Stop the job runner. A job it was writing is rolled back and runs again at the next start."""
    runner = getattr(server, "job_runner", None)
    if runner is None:
        return
    server.job_runner_stopping.set()
    if runner.poll() is None:
        runner.terminate()
        try:
            runner.wait(timeout=10)
        except subprocess.TimeoutExpired:
            runner.kill()


def post_worker_init(worker):
    """Before a new worker takes its first request: load the search analyzers (jieba's dictionary
    took 0.9-4 s on the first Chinese search of each fresh worker), the searcher and its columns.
    A worker that cannot warm up (no index yet) still serves; its first search loads them."""
    import logging

    from interviews.search import query

    try:
        seconds = query.warm_up()
    except Exception:
        logging.getLogger("archive.gunicorn").warning("search warm-up failed; first search loads it", exc_info=True)
    else:
        worker.log.info("worker warmed up for search in %.2f s", seconds)
    keep_warm_up_from_the_collector()


#: The cyclic garbage collector's thresholds in a warmed-up worker (Python's own: 700, 10, 10).
GC_THRESHOLDS = (10_000, 10, 10)


def keep_warm_up_from_the_collector():
    """What a worker loaded before its first request (Django, the analyzers' dictionaries, the
    searcher) lives as long as the worker: it is frozen out of the cyclic garbage collector's
    reach, and the young collections are made rarer (`GC_THRESHOLDS`), so that most of a
    request's garbage is freed by reference counting before a collection looks at it. Replaying
    the load test's first 4,000 requests in process (`benchmarks/profile_requests.py --dir DIR
    --kind all --cache --in-order --requests 4000 --rounds 1`, 100,000 turns; 7 December 2026),
    the collector took 4.3-4.7% of the CPU, and its full collections up to 124-132 ms each, a
    request stalled that long; warmed up as a worker (``--as-worker``: some 113,000 objects
    frozen), 1.9% and 13-19 ms. Only the workers: a command's objects come and go."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def post_request(worker, req, environ, resp):
    """After each response: apply search-index work that a killed worker or command left behind
    (interviews/outbox.py). One query a minute per worker when there is none."""
    from interviews import outbox

    outbox.process_stale()
