#!/usr/bin/env python
"""Where a request's time goes: cProfile over requests of the load test's mix, in process.

    .venv/bin/python benchmarks/profile_requests.py --dir bench-20000 --requests 200 --kind search

Runs against a benchmark archive kept by `make loadtest` (or `manage.py bench --keep DIR`), through
Django's test client with debug off, the result cache off unless --cache; prints the time per
request and the functions that take it (cumulative), so a change can be measured before and after.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import child_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="a kept benchmark archive with loadtest-mix.tsv")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--kind", default="search", help="kind of request in the mix (default: search)")
    parser.add_argument("--cache", action="store_true", help="with the result cache on")
    parser.add_argument("--in-order", action="store_true", help="the mix in its order, repeats included (for --cache)")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    directory = args.dir.resolve()
    os.environ.update(child_env(directory), ARCHIVE_SEARCH_CACHE="1" if args.cache else "0", ARCHIVE_RATE_LIMIT="off")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.test import Client

    mix = [line.split("\t", 1) for line in (directory / "loadtest-mix.tsv").read_text(encoding="utf-8").splitlines()]
    paths = [path for kind, path in mix if kind == args.kind]
    paths = (paths if args.in_order else list(dict.fromkeys(paths)))[: args.requests]
    client = Client()
    for path in paths[:5]:  # load the analysers and open the index first: not what is measured
        client.get(path)
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:
            print(f"{response.status_code} {path}", file=sys.stderr)
    profile.disable()
    elapsed = time.perf_counter() - started
    print(f"{len(paths)} {args.kind} requests, {elapsed / len(paths) * 1000:.1f} ms each (profiled)")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
