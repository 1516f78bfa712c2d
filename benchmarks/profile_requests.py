#!/usr/bin/env python
"""Where a request's time goes: cProfile over requests of the load test's mix, in process.

    .venv/bin/python benchmarks/profile_requests.py --dir bench-20000 --requests 200 --kind search
    .venv/bin/python benchmarks/profile_requests.py --dir bench-20000 --kind all --cache --in-order --requests 4000

Runs against a benchmark archive kept by `make loadtest` (or `manage.py bench --keep DIR`), through
Django's test client with debug off, the result cache off unless --cache; prints the CPU time per
request without the profiler (median of --rounds passes), then, profiled, the share of each part of
a page (search, hits and snippets, database reads, template, the rest) and the functions that take
the time (cumulative), so a change can be measured before and after.

``--kind all --cache --in-order`` replays the load test's mix as it comes, every kind, from an
empty result cache (as the load test starts), and also says what each kind cost in the first
pass, apart for the requests asked before in the pass (repeats) and the others: where the CPU of
the load test goes.

The unprofiled passes also say what the cyclic garbage collector took: its share of the CPU and
its longest collection. ``--as-worker`` warms the process up as gunicorn warms a worker up
(archive/gunicorn.conf.py: the search warm-up, then what it loaded kept from the collector).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import os
import pstats
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import child_env  # noqa: E402
from benchmarks.measure import cpu_seconds, gunicorn_processes  # noqa: E402

#: The parts of a page, per kind of request, as (label, file ending, function name) of the function
#: whose cumulative time is that part. They nest: the template and the search are inside the view,
#: the hits inside the search; each line says its share of the whole request.
SQL = ("SQL (all queries)", "django/db/backends/utils.py", "execute")
PARTS = {
    "search": (
        ("view (search + page context)", "interviews/views.py", "search"),
        ("  search (index, hits, labels, translations read)", "interviews/search/query.py", "find"),
        ("    index: search + facets", "interviews/search/query.py", "_search_index"),
        ("      hits with snippets", "interviews/search/query.py", "_hit"),
        ("      snippets (highlight)", "interviews/search/highlighting.py", "highlight"),
        ("    translations read (database)", "interviews/translations/store.py", "translations_for_keys"),
        ("    facet labels (database)", "interviews/search/query.py", "_facet_values"),
        ("    what the page shows, digested (the cache's key)", "interviews/search/query.py", "version"),
        ("  results part (cached or drawn)", "interviews/search_pages.py", "_shared"),
        ("    results drawn (translations' snippets, template)", "interviews/search_pages.py", "draw_results"),
        ("  template rendering (the whole page)", "django/shortcuts.py", "render"),
        SQL,
    ),
    "api": (
        ("view (API search)", "interviews/api.py", "search"),
        ("  search (index, hits, labels, translations read)", "interviews/search/query.py", "find"),
        ("    index: search + facets", "interviews/search/query.py", "_search_index"),
        ("      hits with snippets", "interviews/search/query.py", "_hit"),
        ("    translations read (database)", "interviews/translations/store.py", "translations_for_keys"),
        ("    facet labels (database)", "interviews/search/query.py", "_facet_values"),
        ("  JSON shape (serializers)", "interviews/serializers.py", "search_page"),
        SQL,
    ),
    "transcript": (
        ("view (transcript page)", "interviews/views.py", "interview"),
        ("  the page's turns (cached or drawn)", "interviews/transcript_pages.py", "turn_list"),
        ("    turns drawn", "interviews/transcript_pages.py", "render_turns"),
        ("      turns read (database)", "interviews/transcript_pages.py", "page_turns"),
        ("      turns' HTML (interviews/turn_html.py)", "interviews/turn_html.py", "turn_list"),
        ("  charts (cached or drawn)", "interviews/transcript_pages.py", "transcript_charts"),
        ("    charts drawn (strip, who speaks)", "interviews/charts/data.py", "transcript_charts"),
        ("  find in this transcript", "interviews/views.py", "_find_in_transcript"),
        ("  template rendering (the rest)", "django/shortcuts.py", "render"),
        SQL,
    ),
}


def part_times(stats: pstats.Stats, kind: str = "search") -> dict:
    """{label: cumulative seconds} of each of the kind's PARTS (none for a kind without), summed
    over the functions that match."""
    parts = PARTS.get(kind, (SQL,))
    totals = dict.fromkeys((label for label, _, _ in parts), 0.0)
    for (filename, _, function), (_, _, _, cumulative, _) in stats.stats.items():
        for label, ending, name in parts:
            if function == name and filename.endswith(ending):
                totals[label] += cumulative
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="a kept benchmark archive with loadtest-mix.tsv")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--kind", default="search", help="kind of request in the mix (default: search; all: every kind)"
    )
    parser.add_argument("--cache", action="store_true", help="with the result cache on")
    parser.add_argument("--in-order", action="store_true", help="the mix in its order, repeats included (for --cache)")
    parser.add_argument("--rounds", type=int, default=3, help="unprofiled passes timed (default 3; 0: none)")
    parser.add_argument(
        "--as-worker",
        action="store_true",
        help="warm up as a gunicorn worker does (archive/gunicorn.conf.py: post_worker_init), garbage collector included",
    )
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--save", type=Path, help="also write the profile to this file (for pstats or snakeviz)")
    parser.add_argument(
        "--gunicorn", type=int, metavar="PORT", help="through one gunicorn worker on 127.0.0.1:PORT instead, over HTTP"
    )
    args = parser.parse_args()
    directory = args.dir.resolve()
    if args.gunicorn:
        through_gunicorn(args, directory)
        return
    if args.cache:
        shutil.rmtree(directory / "data" / "cache", ignore_errors=True)  # from an empty cache, as the load test
    os.environ.update(child_env(directory), ARCHIVE_SEARCH_CACHE="1" if args.cache else "0", ARCHIVE_RATE_LIMIT="off")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)  # debug off: pages need the manifest

    paths = request_paths(directory, args)
    client = Client()
    warm = request_paths(directory, args, last=True) if args.cache else paths
    for path in warm[:5]:  # load the analysers and open the index first: not what is measured
        client.get(path)
    if args.as_worker:
        from interviews.search import query

        query.warm_up()
        runpy.run_path(str(ROOT / "archive" / "gunicorn.conf.py"))["keep_warm_up_from_the_collector"]()

    # Without the profiler: CPU time (this process's, so other work on the machine counts less)
    # and wall time per request, the median of the passes.
    sizes = []
    first_pass = []  # (path, CPU seconds) of each request of the first pass

    def fetch(path):
        started = time.process_time()
        sizes.append(len(client.get(path).content))
        if len(first_pass) < len(paths):
            first_pass.append((path, time.process_time() - started))

    collector = GcClock()
    with collector.counting():
        cpu, wall = timed_passes(paths, args.rounds, fetch, time.process_time)
    if args.rounds:
        print(
            f"{len(paths)} {args.kind} requests, unprofiled: {statistics.median(cpu):.1f} ms CPU, "
            f"{statistics.median(wall):.1f} ms wall each (median of {args.rounds} passes: "
            f"{', '.join(f'{ms:.1f}' for ms in cpu)} ms CPU); {statistics.mean(sizes) / 1024:.1f} KB of HTML each"
        )
        if args.in_order:
            print_by_kind(first_pass, mix_kinds(directory))
        print(collector.summary(len(paths) * args.rounds, sum(cpu) * len(paths) / 1000))

    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:
            print(f"{response.status_code} {path}", file=sys.stderr)
    profile.disable()
    elapsed = time.perf_counter() - started
    stats = pstats.Stats(profile)
    if args.save:
        stats.dump_stats(args.save)
    report(stats, len(paths), elapsed, args)


class GcClock:
    """The CPU time of the cyclic garbage collector's collections (``gc.callbacks``): how many of
    each generation, their time and the longest (a request that meets one waits that long)."""

    def __init__(self):
        self.seconds, self.longest, self.started = 0.0, 0.0, 0.0
        self.collections = [0, 0, 0]

    def __call__(self, phase, info):
        if phase == "start":
            self.started = time.process_time()
            return
        took = time.process_time() - self.started
        self.seconds += took
        self.longest = max(self.longest, took)
        self.collections[info["generation"]] += 1

    @contextlib.contextmanager
    def counting(self):
        gc.callbacks.append(self)
        try:
            yield
        finally:
            gc.callbacks.remove(self)

    def summary(self, requests: int, cpu_seconds: float) -> str:
        young, middle, full = self.collections
        return (
            f"garbage collection: {self.seconds * 1000 / max(requests, 1):.2f} ms a request, "
            f"{100 * self.seconds / max(cpu_seconds, 1e-9):.1f}% of the CPU; collections {young} / {middle} / {full} "
            f"(young / middle / full), the longest {self.longest * 1000:.0f} ms"
        )


def timed_passes(paths: list, rounds: int, fetch, cpu_seconds) -> tuple[list, list]:
    """Fetch every path ``rounds`` times, unprofiled: (CPU ms per request as ``cpu_seconds()``
    counts it, wall ms per request), one figure per pass."""
    cpu, wall = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), cpu_seconds()
        for path in paths:
            fetch(path)
        cpu.append((cpu_seconds() - started_cpu) / len(paths) * 1000)
        wall.append((time.perf_counter() - started) / len(paths) * 1000)
    return cpu, wall


def read_mix(directory: Path) -> list:
    """The load test's mix: [(kind, path), ...] in its order."""
    lines = (directory / "loadtest-mix.tsv").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 1)) for line in lines]


def mix_kinds(directory: Path) -> dict:
    return {path: kind for kind, path in read_mix(directory)}


def request_paths(directory: Path, args, *, last=False) -> list:
    """The first ``--requests`` paths of the kind (every kind for ``all``), distinct unless
    ``--in-order``; with ``last``, five from the end of the mix instead, which the load test
    also keeps for its warm-up."""
    paths = [path for kind, path in read_mix(directory) if args.kind in ("all", kind)]
    if last:
        return paths[-5:]
    return (paths if args.in_order else list(dict.fromkeys(paths)))[: args.requests]


def print_by_kind(first_pass: list, kinds: dict) -> None:
    """CPU of the first pass by kind, apart for requests asked before in the pass."""
    seen, spent, counts = set(), defaultdict(float), defaultdict(int)
    for path, seconds in first_pass:
        kind = f"{kinds[path]}, {'repeated' if path in seen else 'new'}"
        seen.add(path)
        spent[kind] += seconds
        counts[kind] += 1
    total = sum(spent.values())
    print(f"first pass by kind ({total / len(first_pass) * 1000:.2f} ms CPU a request):")
    for kind in sorted(spent):
        print(
            f"  {kind:<30} {counts[kind]:6} requests {spent[kind] / counts[kind] * 1000:7.2f} ms each"
            f" {spent[kind] / total * 100:5.1f}% of the CPU"
        )


def worker_cpu_seconds(master_pid: int) -> float:
    """User + system CPU seconds of the master's (one) worker so far, from /proc."""
    return sum(cpu_seconds(pid) for pid, kind in gunicorn_processes(master_pid).items() if kind == "worker")


def through_gunicorn(args, directory: Path) -> None:
    """The same requests over HTTP to one gunicorn worker (the production settings file, its
    access log, the rate limiter): the worker's CPU time per request, unprofiled, then the
    profile of the same requests (benchmarks/profiled_wsgi.py)."""
    paths = request_paths(directory, args)
    out = Path(tempfile.mkdtemp(prefix="profile-gunicorn-")) / "requests.prof"
    env = {
        **os.environ,
        **child_env(directory),
        "ARCHIVE_SEARCH_CACHE": "1" if args.cache else "0",
        "ARCHIVE_RATE_LIMIT": "1000000000/60",  # counted, as in production, never refused
        "ARCHIVE_JOB_RUNNER": "0",
        "HOST": "127.0.0.1",
        "PORT": str(args.gunicorn),
        "WEB_CONCURRENCY": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "ARCHIVE_PROFILE_OUT": str(out),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "-c", "archive/gunicorn.conf.py", "--access-logfile", os.devnull, "benchmarks.profiled_wsgi"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.gunicorn}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=10).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("gunicorn did not start")
                time.sleep(0.5)

        def get(path, profiled=False):
            request = urllib.request.Request(base + path, headers={"X-Profile": "1"} if profiled else {})
            with urllib.request.urlopen(request, timeout=60) as response:
                return len(response.read())

        for path in paths[:5]:
            get(path)
        cpu, wall = timed_passes(paths, args.rounds, get, lambda: worker_cpu_seconds(server.pid))
        if args.rounds:
            print(
                f"{len(paths)} {args.kind} requests through gunicorn, unprofiled: {statistics.median(cpu):.1f} ms "
                f"of the worker's CPU, {statistics.median(wall):.1f} ms wall each (median of {args.rounds} passes: "
                f"{', '.join(f'{ms:.1f}' for ms in cpu)} ms CPU)"
            )
        started = time.perf_counter()
        for path in paths:
            get(path, profiled=True)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
    stats = pstats.Stats(str(out))
    if args.save:
        stats.dump_stats(args.save)
    report(stats, len(paths), elapsed, args)


def report(stats: pstats.Stats, requests: int, elapsed: float, args) -> None:
    """The profile's time per request (the WSGI application's alone, through gunicorn), each
    part's share of it, and the functions that take it."""
    total = stats.total_tt
    print(
        f"{requests} {args.kind} requests, {total / requests * 1000:.1f} ms each profiled "
        f"({elapsed / requests * 1000:.1f} ms wall), {stats.total_calls / requests:,.0f} function calls each"
    )
    for label, seconds in part_times(stats, args.kind).items():
        print(f"  {label:<34} {seconds / total * 100:5.1f}%  {seconds / requests * 1000:7.1f} ms")
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
