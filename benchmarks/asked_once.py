#!/usr/bin/env python
"""The CPU a request costs when its process has never served it: what a search asked once costs.

    .venv/bin/python benchmarks/asked_once.py --dir bench-100000 --kind search --warm 600 --requests 200

`profile_requests.py` times the same requests several times over, so its later passes find in
each process's memory what the first pass left there (the postings of the words searched, the
analysed words of the snippets), as a repeated search would. Here a process first serves --warm
distinct requests of the load test's mix (as a worker that has been up for a while has), then
times --requests other distinct ones in one pass, unprofiled: each of them new to the process, as
searches asked once are. The result cache is off. Prints CPU and wall ms per request, the CPU's
p50/p95/p99 over the requests, and with --slowest N the N that cost the most CPU.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import child_env  # noqa: E402
from benchmarks.measure import percentiles  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="a kept benchmark archive with loadtest-mix.tsv")
    parser.add_argument("--kind", default="search", help="kind of request in the mix (default: search)")
    parser.add_argument("--warm", type=int, default=600, help="other distinct requests served first, untimed")
    parser.add_argument("--requests", type=int, default=200, help="distinct requests timed, each served once")
    parser.add_argument("--slowest", type=int, default=0, help="list the N requests that cost the most CPU")
    args = parser.parse_args()
    directory = args.dir.resolve()
    os.environ.update(child_env(directory), ARCHIVE_SEARCH_CACHE="0", ARCHIVE_RATE_LIMIT="off")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)  # debug off: pages need the manifest

    mix = [line.split("\t", 1) for line in (directory / "loadtest-mix.tsv").read_text(encoding="utf-8").splitlines()]
    paths = list(dict.fromkeys(path for kind, path in mix if kind == args.kind))
    timed, warming = paths[: args.requests], paths[args.requests : args.requests + args.warm]
    client = Client()
    for path in warming:
        client.get(path)
    costs = []  # (CPU ms, path)
    started = time.perf_counter()
    for path in timed:
        before = time.process_time()
        response = client.get(path)
        costs.append(((time.process_time() - before) * 1000, path))
        if response.status_code != 200:
            print(f"{response.status_code} {path}", file=sys.stderr)
    cpu = sum(ms for ms, _ in costs) / len(timed)
    wall = (time.perf_counter() - started) / len(timed) * 1000
    cuts = percentiles([ms for ms, _ in costs])
    print(
        f"{len(timed)} {args.kind} requests never served before by this process (after {len(warming)} others): "
        f"{cpu:.1f} ms CPU, {wall:.1f} ms wall each; CPU p50/p95/p99 {cuts['p50']:.1f}/{cuts['p95']:.1f}/{cuts['p99']:.1f} ms"
    )
    for ms, path in sorted(costs, reverse=True)[: args.slowest]:
        print(f"{ms:8.1f} ms  {path}")


if __name__ == "__main__":
    main()
