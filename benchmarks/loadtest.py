#!/usr/bin/env python
"""HTTP load test: serve a benchmark archive with gunicorn and drive it with wrk, on loopback only.

    make loadtest                       # 20,000 turns, 30 s with the result cache off, then on
    make loadtest TURNS=100000 DURATION=60 CACHE=on

Builds the archive with `manage.py bench --turns N --keep DIR` unless DIR already holds one of N
turns (DIR defaults to bench-N/ in the checkout, which git ignores), and its request mix
(benchmarks/load_mix.py: a Zipf-like head and a long tail of requests asked once; searches in
every language with filters, orders, pages and translations, the JSON API, transcript and quote
pages). For each cache setting it serves the archive with gunicorn (4 workers, 127.0.0.1, a free
port, the result cache emptied first), warms the workers up on the end of the mix, then runs wrk
with 16 connections along the rest, and stops gunicorn. Reports req/s and p50/p95/p99 latency
as wrk saw them, and per kind of request the same from gunicorn's access log (time in the worker,
without the wait in the listen queue) with its errors, and the CPU each request cost the gunicorn
workers and wrk (from /proc, over the timed run); writes them to DIR/loadtest.json too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import child_env  # noqa: E402  (needs ROOT on the path; imports no Django)
from benchmarks.load_mix import describe  # noqa: E402
from benchmarks.measure import cpu_seconds, gunicorn_processes  # noqa: E402

MIX = "loadtest-mix.tsv"
WARMUP_REQUESTS = 1000  # the end of the mix, never replayed by the timed run
# gunicorn's access log for the figures per kind: request line, status, microseconds in the worker.
ACCESS_LOG_FORMAT = "%(r)s\t%(s)s\t%(D)s"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fail(message: str) -> None:
    print(f"loadtest: {message}", file=sys.stderr)
    sys.exit(1)


def archive(directory: Path, turns: int) -> dict:
    """The benchmark archive in `directory`, built first if it is not there yet."""
    meta = directory / "bench.json"
    if meta.exists():
        figures = json.loads(meta.read_text())
        if figures["turns"] != turns:
            fail(
                f"{directory} holds an archive of {figures['turns']:,} turns, not {turns:,}: "
                "pass --dir for another directory or remove it"
            )
        print(f"Using the benchmark archive in {directory} ({turns:,} turns)", file=sys.stderr)
        return figures
    if directory.exists() and any(directory.iterdir()):
        fail(f"{directory} exists but holds no finished benchmark archive: remove it or pass another --dir")
    print(f"Building a benchmark archive of {turns:,} turns in {directory}", file=sys.stderr)
    subprocess.run(
        [sys.executable, "manage.py", "bench", "--turns", str(turns), "--keep", str(directory), "--no-upload"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return json.loads(meta.read_text())


def request_mix(directory: Path, seed: int) -> list:
    """[(kind, path), ...]: the archive's request mix, written first if it is not there yet."""
    path = directory / MIX
    if not path.exists():
        print(f"Writing the request mix to {path}", file=sys.stderr)
        subprocess.run(
            [sys.executable, "manage.py", "bench", "--phase", "load-mix", "--dir", str(directory), "--seed", str(seed)],
            cwd=ROOT,
            env=child_env(directory),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return [tuple(line.split("\t", 1)) for line in path.read_text(encoding="utf-8").splitlines() if line]


def serve(directory: Path, port: int, workers: int, *, cache: bool, access_log: Path) -> subprocess.Popen:
    env = child_env(directory)
    shutil.rmtree(directory / "data" / "cache", ignore_errors=True)  # every run starts with an empty cache
    env.update(
        ARCHIVE_SEARCH_CACHE="1" if cache else "0",
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        ALLOWED_HOSTS="127.0.0.1",
        # All the load comes from one address: a limit too high to reach keeps the rate
        # limiter's work in every request without answering 429.
        ARCHIVE_RATE_LIMIT="1000000000/60",
        ARCHIVE_CARD_RENDER_LIMIT="1000000000/60",
    )
    # Debug is off, as in production, so the page needs the collected static manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    log = open(directory / "gunicorn.log", "ab")  # the access log is written, as in production
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "archive/gunicorn.conf.py",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            ACCESS_LOG_FORMAT,
            "archive.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
            return process
        except OSError:
            if process.poll() is not None:
                fail(f"gunicorn exited at start; see {directory / 'gunicorn.log'}")
            time.sleep(0.3)
    stop(process)
    fail("gunicorn did not answer within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # graceful: workers finish their request and exit
        try:
            process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wrk(url: str, paths: Path, *, duration: int, connections: int, threads: int) -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(ROOT / "benchmarks" / "loadtest.lua"),
        url,
    ]
    env = {**os.environ, "LOADTEST_PATHS": str(paths), "LOADTEST_THREADS": str(threads)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        fail("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) or see https://github.com/wg/wrk")
    if not find_spec("interviews.search.query"):
        fail("this checkout has no search page (interviews/search/query.py) to load")
    directory = (args.dir or ROOT / f"bench-{args.turns}").resolve()
    archive(directory, args.turns)
    mix = request_mix(directory, args.seed)
    (directory / "loadtest-warmup.txt").write_text("".join(path + "\n" for _, path in mix[-WARMUP_REQUESTS:]))
    (directory / "loadtest-timed.txt").write_text("".join(path + "\n" for _, path in mix[:-WARMUP_REQUESTS]))

    results = {
        "turns": args.turns,
        "gunicorn_workers": args.workers,
        "connections": args.connections,
        "wrk_threads": args.threads,
        "duration_s_per_run": args.duration,
        "cpu_cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "mix": describe(mix),
    }
    kinds = {path: kind for kind, path in mix}
    for setting in ("off", "on") if args.cache == "both" else (args.cache,):
        results[f"cache {setting}"] = load(directory, args, kinds, cache=setting == "on")
    (directory / "loadtest.json").write_text(json.dumps(results, indent=1))
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print_table(args, results)
    runs = [results[key] for key in results if key.startswith("cache ")]
    if any(run["wrk"]["non_2xx_3xx"] or run["wrk"]["socket_errors"] for run in runs):
        fail(f"some requests failed, so these figures are not valid: see {directory / 'gunicorn.log'}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=20000)
    parser.add_argument("--dir", type=Path, help="the benchmark archive (default: bench-TURNS/ in the checkout)")
    parser.add_argument("--duration", type=int, default=30, help="seconds per run (default 30)")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of uncounted warm-up per run (default 10)")
    parser.add_argument(
        "--cache", choices=("on", "off", "both"), default="both", help="the result cache (default: both, off first)"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the request mix (default 7)")
    parser.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args()


def load(directory: Path, args: argparse.Namespace, kinds: dict, *, cache: bool) -> dict:
    """Serve the archive with gunicorn on 127.0.0.1, warm it up, run wrk along the mix:
    {"wrk": overall figures, "by_kind": {kind: figures from the access log}}."""
    port = args.port or free_port()
    access_log = directory / "access.log"
    access_log.unlink(missing_ok=True)
    process = serve(directory, port, args.workers, cache=cache, access_log=access_log)
    try:
        url = f"http://127.0.0.1:{port}"
        # Warm-up, not counted: each worker's first searches load jieba and the German word list
        # (seconds each on a busy 2-core machine, during which that worker answers nothing).
        print(f"wrk: warming up the workers for {args.warmup} s (not counted)", file=sys.stderr)
        wrk_options = dict(connections=args.connections, threads=args.threads)
        wrk(url, directory / "loadtest-warmup.txt", duration=args.warmup, **wrk_options)
        time.sleep(0.5)  # let the last warm-up lines reach the log
        offset = access_log.stat().st_size
        print(
            f"wrk: {args.connections} connections for {args.duration} s, cache {'on' if cache else 'off'}",
            file=sys.stderr,
        )
        before = cpu_snapshot(process.pid)
        overall = wrk(url, directory / "loadtest-timed.txt", duration=args.duration, **wrk_options)
        cpu = cpu_per_request(before, cpu_snapshot(process.pid), overall["requests"])
        time.sleep(0.5)
    finally:
        stop(process)
    return {"wrk": overall, "cpu": cpu, "by_kind": by_kind(access_log, offset, kinds, args.duration)}


def cpu_snapshot(master_pid: int) -> dict:
    """CPU seconds so far of the gunicorn master and each of its children (the workers; the job
    runner, which polls), of this process's finished children (wrk, once it has been waited for)
    and of the machine's cores, busy and in all, from /proc."""
    processes = {}
    for pid, kind in gunicorn_processes(master_pid).items():
        try:
            processes[pid] = (kind, cpu_seconds(pid))
        except FileNotFoundError:  # exited between the listing and the read
            pass
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cores = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = cores[3] + cores[4]  # idle and iowait
    tick = os.sysconf("SC_CLK_TCK")
    return {
        "processes": processes,
        "client": children.ru_utime + children.ru_stime,
        "cores": ((sum(cores) - idle) / tick, sum(cores) / tick),
    }


def cpu_per_request(before: dict, after: dict, requests: int) -> dict:
    """Milliseconds of CPU per request answered in the timed run, by process kind: the gunicorn
    workers, the master, other children of the master, and wrk (the only child this process
    waited for in between); and how busy the cores were. A worker that was replaced during the run
    (gunicorn's max_requests) is counted only for its part inside the run; ``replaced`` says how
    many."""
    spent = defaultdict(float)
    for pid, (kind, seconds) in after["processes"].items():
        spent[kind] += seconds - before["processes"].get(pid, (kind, 0.0))[1]
    spent["wrk"] = after["client"] - before["client"]
    busy = after["cores"][0] - before["cores"][0]
    total = after["cores"][1] - before["cores"][1]
    figures = {kind: round(seconds * 1000 / max(requests, 1), 2) for kind, seconds in sorted(spent.items())}
    figures["cores_busy_share"] = round(busy / total, 3) if total else None
    figures["replaced"] = len(before["processes"].keys() - after["processes"].keys())
    return figures


def by_kind(access_log: Path, offset: int, kinds: dict, duration: float) -> dict:
    """Per kind of request, from the access log lines after ``offset``: count, req/s,
    p50/p95/p99 of the time in the worker, and the answers that were not 2xx/3xx."""
    times, errors = defaultdict(list), defaultdict(int)
    with access_log.open(encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        for line in log:
            request, status, micros = line.rstrip("\n").split("\t")
            parts = request.split(" ")
            kind = kinds.get(parts[1] if len(parts) > 1 else "", "other")
            times[kind].append(int(micros) / 1000)
            if not status.startswith(("2", "3")):
                errors[kind] += 1
    figures = {}
    for kind, samples in sorted(times.items()):
        samples.sort()

        def at(share, samples=samples):
            return round(samples[min(len(samples) - 1, int(share * len(samples)))], 1)

        figures[kind] = {
            "requests": len(samples),
            "requests_per_s": round(len(samples) / duration, 1),
            "p50_ms": at(0.50),
            "p95_ms": at(0.95),
            "p99_ms": at(0.99),
            "errors": errors[kind],
        }
    return figures


def print_table(args: argparse.Namespace, results: dict) -> None:
    mix = results["mix"]
    print(
        f"\n{args.turns:,} turns, gunicorn {args.workers} workers, {args.connections} connections, "
        f"{args.duration} s per run, {results['cpu_cores']} cores "
        f"(load average at start {' / '.join(map(str, results['load_average_at_start']))}); "
        f"mix of {mix['requests']:,} requests, {mix['distinct']:,} distinct, "
        f"{mix['never_repeated_share']:.0%} never repeated"
    )
    print(f"{'run':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for key in (k for k in results if k.startswith("cache ")):
        r = results[key]["wrk"]
        print(
            f"{key + ', all (wrk)':<22} {r['requests_per_s']:>8.1f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
            f"{r['p99_ms']:>8.1f} {r['non_2xx_3xx'] + r['socket_errors']:>7}"
        )
        cpu = results[key].get("cpu")
        if cpu:
            print(
                f"  CPU a request: workers {cpu.get('worker', 0):.1f} ms, wrk {cpu['wrk']:.1f} ms, "
                f"gunicorn master {cpu.get('master', 0):.2f} ms, job runner {cpu.get('other', 0):.2f} ms; "
                f"cores {cpu['cores_busy_share']:.0%} busy"
                + (f" ({cpu['replaced']} workers replaced)" if cpu["replaced"] else "")
            )
        for kind, k in results[key]["by_kind"].items():
            print(
                f"{'  ' + kind:<22} {k['requests_per_s']:>8.1f} {k['p50_ms']:>8.1f} {k['p95_ms']:>8.1f} "
                f"{k['p99_ms']:>8.1f} {k['errors']:>7}"
            )
    print("(per kind: time in the worker, from gunicorn's access log; all: as wrk saw it, queueing included)")


if __name__ == "__main__":
    main()
