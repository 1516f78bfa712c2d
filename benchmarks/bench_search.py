"""Quick search benchmark on a synthetic archive (not a test; numbers vary with the machine's load).

    ARCHIVE_DATA_DIR=/tmp/search-bench .venv/bin/python benchmarks/bench_search.py --turns 10000

Builds (once per data directory) an archive of German and Chinese transcripts whose turns are
sentences resampled from the seed transcripts, ingested through the real ingest (so the outbox
indexes them), then times a full rebuild and faceted searches through interviews.search.query.search().
"""

import argparse
import datetime
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from interviews.ingest import ingest_transcript, parse_source  # noqa: E402
from interviews.models import Turn  # noqa: E402
from interviews.search import indexing  # noqa: E402
from interviews.search import query as search  # noqa: E402
from interviews.sources import InterviewInfo, ParticipantInfo, Source, TranscriptInfo, collect_sources  # noqa: E402

TURNS_PER_TRANSCRIPT = 50


def seed_sentences():
    sources, _ = collect_sources([ROOT / "data" / "transcripts"])
    sentences = {}
    for _, source in sources:
        parsed = parse_source(source)
        splitter = re.compile(r"(?<=[。！？!?.])\s*")
        pool = [s.strip() for turn in parsed.turns for s in splitter.split(turn.text) if len(s.strip()) > 8]
        sentences[parsed.language] = pool
    return sentences


def build(turns, rng):
    sentences = seed_sentences()
    speakers = [f"Speaker {i:03d}" for i in range(120)]
    transcripts = max(1, turns // TURNS_PER_TRANSCRIPT)
    started = time.perf_counter()
    for n in range(transcripts):
        language = "de" if n % 2 == 0 else "zh"
        interview = n // 2
        host, guest = rng.sample(speakers, 2)
        lines = [f"Interview {interview}", ""]
        for t in range(TURNS_PER_TRANSCRIPT):
            who = host if t % 2 == 0 else guest
            text = (" " if language == "de" else "").join(rng.sample(sentences[language], rng.randint(1, 4)))
            lines += [f"{who}: {text}", ""]
        source = Source(
            data="\n".join(lines).encode(),
            filename=f"bench-{n}.txt",
            interview=InterviewInfo(
                slug=f"bench-interview-{interview}",
                title=f"Benchmark interview {interview}",
                participants=[ParticipantInfo(host, "host", []), ParticipantInfo(guest, "guest", [])],
            ),
            transcript=TranscriptInfo(
                file=f"bench-{n}.txt",
                slug=language,
                language=language,
                published_on=datetime.date(2018 + interview % 8, 1 + interview % 12, 1),
            ),
        )
        ingest_transcript(source)
        if (n + 1) % 20 == 0:
            rate = (n + 1) * TURNS_PER_TRANSCRIPT / (time.perf_counter() - started)
            print(f"  ingested {(n + 1) * TURNS_PER_TRANSCRIPT} turns ({rate:.0f} turns/s incl. parsing and DB)")


def timed(params, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        page = search.search(params)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return page, times[len(times) // 2], times[int(len(times) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--no-rebuild", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    if Turn.objects.count() < args.turns:
        print(f"building a synthetic archive of {args.turns} turns …")
        build(args.turns - Turn.objects.count(), rng)
    print(f"{Turn.objects.count()} turns; check_index ok: {indexing.check_index().ok}")
    if not args.no_rebuild:
        t = time.perf_counter()
        count = indexing.rebuild()
        elapsed = time.perf_counter() - t
        print(f"rebuild: {count} turns in {elapsed:.1f} s = {count / elapsed:.0f} turns/s")
    speakers = sorted(search.facet_vocabulary()["speaker"])
    cases = [
        ("Daten", {}),
        ("Modelle", {}),
        ("Datenqualität", {}),
        ("数据质量", {}),
        ("合成数据", {}),
        ("Daten Modelle", {"language": ["de"]}),
        ("模型", {"speaker": speakers[:3]}),
        ("", {}),
        ("", {"year": ["2020", "2021"], "language": ["zh"]}),
        ("Daten", {"speaker": speakers[:2]}),
        ("Daten", {}, "date"),
    ]
    print(f"{'query':<18} {'filters':<34} {'hits':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for case in cases:
        q, filters = case[0], case[1]
        sort = case[2] if len(case) > 2 else ""
        params = search.SearchParams(q=q, filters=filters, sort=sort)
        search.search(params)  # warm
        page, p50, p95 = timed(params, args.repeat)
        label = ",".join(f"{k}={len(v)}" for k, v in filters.items()) + (f" sort={sort}" if sort else "")
        print(f"{q or '(browse)':<18} {label:<34} {page.count:>6} {p50:>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
