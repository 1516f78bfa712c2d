"""How long the first search takes on a fresh gunicorn worker, against the same search once warm.

    .venv/bin/python benchmarks/first_query.py --rounds 5

Sets up the seed archive, then for each round starts gunicorn with one worker, times its first
Chinese search (`/api/search?q=数据质量`, the query that needs jieba's dictionary), then the same
search 5 more times, and stops it. Prints the median of each.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from urllib.parse import quote

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import SEEDS, Archive, Client, free_port

QUERY = "/api/search?q=" + quote("数据质量")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    archive = Archive(Path(tempfile.mkdtemp(prefix="first-query-")), free_port(), {"WEB_CONCURRENCY": "1"})
    for command in (("migrate", "--noinput"), ("load_topics",), ("ingest", str(SEEDS)), ("check_index", "--fix")):
        archive.manage(*command)
    first, warm = [], []
    for _ in range(args.rounds):
        archive.start()  # answers /robots.txt first: the worker is up, nothing searched yet
        try:
            client = Client(archive.url)
            first.append(client.get(QUERY).ms)
            warm.extend(client.get(QUERY).ms for _ in range(5))
        finally:
            archive.stop()
    print(
        f"first search on a fresh worker: median {statistics.median(first):.0f} ms ({', '.join(f'{t:.0f}' for t in first)})"
    )
    print(f"same search, warm: median {statistics.median(warm):.0f} ms")


if __name__ == "__main__":
    main()
