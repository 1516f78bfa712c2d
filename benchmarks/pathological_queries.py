"""Pathological searches against a live archive: each must answer within a second, with results or
a message that says what happened, never a server error.

    .venv/bin/python benchmarks/pathological_queries.py             # seeds + 3,000 generated turns
    .venv/bin/python benchmarks/pathological_queries.py --turns 10000 --port 8108

A throwaway archive (set up like `make data`, plus generated German and Chinese transcripts made of
the seed transcripts' sentences) is served by gunicorn on a loopback port with rate limiting off.
Every query in tests/hostile_inputs.PATHOLOGICAL_QUERIES goes to /search/ and /api/search,
``--repeat`` times each; the table shows the status, the slowest time and what the page said.
Exit status 1 if any answer was a server error or took a second or more.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Archive, Client, free_port, generate, manifest, seed_sentences  # noqa: E402

from tests.hostile_inputs import PATHOLOGICAL_QUERIES  # noqa: E402

LIMIT_MS = 1000
TURNS_PER_TRANSCRIPT = 100


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def what_the_page_says(response) -> str:
    body = response.text
    if response.status == 200:
        count = re.search(r'<h2 id="results-heading"[^>]*>(.*?)</h2>', body, re.S)
        notes = re.findall(
            r"<li>(.*?)</li>", (re.search(r'<ul class="notices">(.*?)</ul>', body, re.S) or [None, ""])[1], re.S
        )
        said = text_of(count.group(1)) if count else "?"
        return said + "".join(f" | {text_of(note)}" for note in notes)
    if response.status == 404:
        main = re.search(r"<main[^>]*>.*?<p>(.*?)</p>", body, re.S)
        return text_of(main.group(1)) if main else text_of(body)[:120]
    # Not the app: gunicorn refuses a request line over its limit before Django sees it.
    return "gunicorn: " + text_of(body)[:120]


def what_the_api_says(response) -> str:
    try:
        data = json.loads(response.body)
    except ValueError:
        return "not JSON: " + text_of(response.text)[:100]
    if "error" in data:
        return f"error: {data['error']}"
    return f"count {data['count']}, {len(data['results'])} on the page" + (
        f", suggestion {data['suggestion']!r}" if data.get("suggestion") else ""
    )


def build(archive: Archive, turns: int, rng: random.Random) -> None:
    from django.core.management import call_command

    sentences = seed_sentences()
    directory = archive.data_dir / "generated"
    for number in range(1, max(1, turns // TURNS_PER_TRANSCRIPT) + 1):
        gen = generate(number, "de" if number % 2 else "zh", TURNS_PER_TRANSCRIPT, sentences, rng)
        folder = directory / f"{number:04d}"
        folder.mkdir(parents=True)
        name = f"generated-{number}.txt"
        (folder / name).write_bytes(gen.data())
        (folder / "manifest.json").write_text(json.dumps(manifest(gen, name), ensure_ascii=False), encoding="utf-8")
    started = time.monotonic()
    call_command("ingest", *sorted(str(p) for p in directory.iterdir()), stdout=open("/dev/null", "w"))
    print(f"ingested {turns} generated turns in {time.monotonic() - started:.0f} s", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=3000, help="generated turns besides the seeds")
    parser.add_argument("--repeat", type=int, default=3, help="requests per query and endpoint; the slowest counts")
    parser.add_argument("--port", type=int, default=0, help="loopback port for gunicorn (default: a free one)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="pathological-queries-"))
    archive = Archive(data_dir, args.port or free_port(), extra_env={"ARCHIVE_RATE_LIMIT": "off"})
    failures = 0
    try:
        archive.use_here()
        archive.setup(seeds=True)
        build(archive, args.turns, random.Random(args.seed))
        from interviews.models import Turn

        archive.start()
        client = Client(archive.url)
        for warm in ({"q": "daten"}, {"q": "数据"}, {}):  # first searches open the index and load jieba
            client.get("/search/", warm)
            client.get("/api/search", warm)
        print(f"{Turn.objects.count()} turns, gunicorn on {archive.url}\n", flush=True)
        print(f"{'query':<32} {'page':>4} {'ms':>6}  {'api':>4} {'ms':>6}  answer")
        slowest = 0.0
        for label, params in PATHOLOGICAL_QUERIES:
            page = [client.get("/search/", params) for _ in range(args.repeat)]
            api = [client.get("/api/search", params) for _ in range(args.repeat)]
            page_ms, api_ms = max(r.ms for r in page), max(r.ms for r in api)
            slowest = max(slowest, page_ms, api_ms)
            bad = [r for r in page + api if r.status >= 500 or r.ms >= LIMIT_MS]
            failures += bool(bad)
            flag = "  FAIL" if bad else ""
            print(
                f"{label:<32} {page[0].status:>4} {page_ms:>6.0f}  {api[0].status:>4} {api_ms:>6.0f}  "
                f"{what_the_page_says(page[0])[:90]}  [api: {what_the_api_says(api[0])}]{flag}",
                flush=True,
            )
        print(
            f"\n{len(PATHOLOGICAL_QUERIES)} queries x 2 endpoints x {args.repeat}: {failures} failed; "
            f"slowest answer {slowest:.0f} ms (limit {LIMIT_MS} ms)"
        )
    finally:
        archive.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
