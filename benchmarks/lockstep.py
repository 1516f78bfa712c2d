"""Two versions of the search code on one kept archive, query by query in lockstep.

    .venv/bin/python benchmarks/lockstep.py OLD_CHECKOUT NEW_CHECKOUT bench-100000 [--rounds 3]

Each checkout (e.g. ``git worktree add /tmp/old main``) runs the bench's query mix
(``queries.json`` of an archive kept by ``manage.py bench --keep``) in a process of its own, with
the bench's environment (debug off, the result cache off); the two take turns on every query,
in alternating order, so whatever else the machine does slows both alike. Round 0 warms up and
is not counted (its figures are printed apart, as ``first_round``: each query's first search in
the process). Prints the p50 / p95 / p99 of each and the ratios new / old as JSON: on a shared
machine the ratios mean more than either figure; and the queries whose pages differ between the
two (count, hits and snippets, translations, facets, suggestion), which a change meant only to be
faster must leave empty. Read-only: nothing is written to the archive.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench import child_env  # noqa: E402
from benchmarks.measure import percentiles  # noqa: E402

# Runs inside each checkout: reads a query's index on stdin, searches, prints the milliseconds
# and a digest of what the page shows (count, hits with their snippets, facets, suggestion).
WORKER = """
import hashlib, json, sys, time
import django
django.setup()
from interviews.search import query as search
mix = json.load(open(sys.argv[1], encoding="utf-8"))
for line in sys.stdin:
    q = mix[int(line)]
    params = search.SearchParams(q=q["q"], filters={k: [v] for k, v in q["filters"].items()}, page=q["page"])
    started = time.perf_counter()
    try:
        page = search.search(params)
    except search.PageNotFound:
        page = None
    ms = (time.perf_counter() - started) * 1000
    shown = page and (
        page.count,
        [(h.key, str(h.snippet_html), [(t.key, str(t.snippet_html)) for t in h.translations or ()]) for h in page.results],
        {name: [(v.value, v.count, v.selected) for v in values] for name, values in page.facets.items()},
        page.suggestion,
    )
    print(ms, hashlib.sha256(repr(shown).encode()).hexdigest(), flush=True)
"""


def lockstep(old: Path, new: Path, archive: Path, rounds: int = 3) -> dict:
    mix_path = archive / "queries.json"
    mix = json.loads(mix_path.read_text(encoding="utf-8"))
    env = child_env(archive)
    workers = {
        name: subprocess.Popen(
            [sys.executable, "-c", WORKER, str(mix_path)],
            cwd=checkout,
            env={**env, "PYTHONPATH": str(checkout)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, checkout in (("old", old), ("new", new))
    }

    def timed(name: str, i: int) -> tuple[float, str]:
        workers[name].stdin.write(f"{i}\n")
        workers[name].stdin.flush()
        ms, digest = workers[name].stdout.readline().split()
        return float(ms), digest

    samples = {"old": [], "new": []}
    first = {"old": [], "new": []}  # round 0: each query asked for the first time in the process
    differing = set()  # queries whose pages differ between the two
    load = [round(x, 2) for x in os.getloadavg()]
    try:
        for round_ in range(rounds + 1):
            for i in range(len(mix)):
                digests = set()
                for name in ("old", "new") if (i + round_) % 2 else ("new", "old"):
                    ms, digest = timed(name, i)
                    digests.add(digest)
                    (samples if round_ else first)[name].append(ms)
                if len(digests) > 1:
                    differing.add(i)
    finally:
        for worker in workers.values():
            worker.stdin.close()
            worker.wait()
    result = {name: percentiles(values) for name, values in samples.items()}
    result["ratio"] = {p: round(result["new"][p] / result["old"][p], 3) for p in result["old"]}
    # Nothing a process keeps from an earlier search of the same query helps here (what it keeps
    # of the index and of other queries does): the mix's queries asked once, as in a long tail.
    first_asked = {name: percentiles(values) for name, values in first.items()}
    result["first_round"] = {
        **first_asked,
        "ratio": {p: round(first_asked["new"][p] / first_asked["old"][p], 3) for p in first_asked["old"]},
    }
    result["load_average"] = [load, [round(x, 2) for x in os.getloadavg()]]
    result["queries"], result["rounds"] = len(mix), rounds
    result["differing_pages"] = sorted(differing)  # should be empty: a speed-up changes no page
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="checkout of the code to compare against")
    parser.add_argument("new", type=Path, help="checkout of the code to measure")
    parser.add_argument("archive", type=Path, help="an archive kept by `manage.py bench --keep`")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(lockstep(args.old.resolve(), args.new.resolve(), args.archive.resolve(), args.rounds)))


if __name__ == "__main__":
    main()
