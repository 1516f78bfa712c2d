#!/usr/bin/env python
"""HTTP load test: serve a benchmark archive with gunicorn and drive it with wrk, on loopback only.

    make loadtest                       # 20,000 turns, 30 s per target
    make loadtest TURNS=100000 DURATION=60

Builds the archive with `manage.py bench --turns N --keep DIR` unless DIR already holds one of N
turns (DIR defaults to bench-N/ in the checkout, which git ignores), serves it with gunicorn (4
workers, 127.0.0.1, a free port), runs wrk with 16 connections against the search page, then
against the JSON API, each walking the benchmark's fixed query mix (benchmarks/loadtest.lua), and
stops gunicorn. Reports req/s and p50/p95/p99 latency; writes them to DIR/loadtest.json too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import child_env  # noqa: E402  (needs ROOT on the path; imports no Django)

TARGETS = {"search page": "loadtest-search-paths.txt", "JSON API": "loadtest-api-paths.txt"}


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


def serve(directory: Path, port: int, workers: int) -> subprocess.Popen:
    env = child_env(directory)
    env.update(
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
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "archive/gunicorn.conf.py", "archive.wsgi"],
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
        str(ROOT / "scripts" / "loadtest.lua"),
        url,
    ]
    result = subprocess.run(
        command, env={**os.environ, "LOADTEST_PATHS": str(paths)}, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        fail("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) or see https://github.com/wg/wrk")
    if not find_spec("interviews.search.query"):
        fail("this checkout has no search page (interviews/search.py) to load")
    directory = (args.dir or ROOT / f"bench-{args.turns}").resolve()
    figures = archive(directory, args.turns)
    missing = [name for name in TARGETS.values() if not (directory / name).exists()]
    if missing:
        fail(f"{directory} has no {', '.join(missing)}: it was built without a search page to test")

    results = {
        "turns": args.turns,
        "gunicorn_workers": args.workers,
        "connections": args.connections,
        "wrk_threads": args.threads,
        "duration_s_per_target": args.duration,
        "cpu_cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "query_mix_size": figures.get("query_mix_size"),
    }
    results.update(load(directory, args))
    (directory / "loadtest.json").write_text(json.dumps(results, indent=1))
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print_table(args, results)
    if any(results[t]["non_2xx_3xx"] or results[t]["socket_errors"] for t in TARGETS):
        fail(f"some requests failed, so these figures are not valid: see {directory / 'gunicorn.log'}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=20000)
    parser.add_argument("--dir", type=Path, help="the benchmark archive (default: bench-TURNS/ in the checkout)")
    parser.add_argument("--duration", type=int, default=30, help="seconds per target (default 30)")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of uncounted warm-up (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args()


def load(directory: Path, args: argparse.Namespace) -> dict:
    """Serve the archive with gunicorn on 127.0.0.1 and run wrk against each target: {target: figures}."""
    port = args.port or free_port()
    process = serve(directory, port, args.workers)
    results = {}
    try:
        url = f"http://127.0.0.1:{port}"
        # Warm-up, not counted: each worker's first searches load jieba and the German word list
        # (seconds each on a busy 2-core machine, during which that worker answers nothing).
        print(f"wrk: warming up the workers for {args.warmup} s (not counted)", file=sys.stderr)
        wrk(
            url,
            directory / TARGETS["search page"],
            duration=args.warmup,
            connections=args.connections,
            threads=args.threads,
        )
        for target, paths in TARGETS.items():
            print(f"wrk: {args.connections} connections for {args.duration} s against the {target}", file=sys.stderr)
            results[target] = wrk(
                url, directory / paths, duration=args.duration, connections=args.connections, threads=args.threads
            )
    finally:
        stop(process)
    return results


def print_table(args: argparse.Namespace, results: dict) -> None:
    print(
        f"\n{args.turns:,} turns, gunicorn {args.workers} workers, {args.connections} connections, "
        f"{args.duration} s per target, {results['cpu_cores']} cores "
        f"(load average at start {' / '.join(map(str, results['load_average_at_start']))})"
    )
    print(f"{'target':<12} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for target in TARGETS:
        r = results[target]
        print(
            f"{target:<12} {r['requests_per_s']:>8.1f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} "
            f"{r['non_2xx_3xx'] + r['socket_errors']:>7}"
        )


if __name__ == "__main__":
    main()
