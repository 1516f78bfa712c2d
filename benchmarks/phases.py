"""The phases of `manage.py bench`: each runs in its own process (`manage.py bench --phase ...`),
with ARCHIVE_DATA_DIR inside the benchmark directory, and returns its figures as a dict.

  build        generate transcript files, then ingest them (parse -> DB -> topics -> index, and
               the alignment of translations when a second language arrives)
  raw-whoosh   index the same turns with plain, tuned Whoosh (the reference), then draw the
               fixed query mix (queries.json, and the load test's URL lists)
  search       run a fixed query mix through `interviews.search.query` and through raw Whoosh
  upload       one process ingests a 200-turn transcript while another polls search for it
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.measure import Progress, directory_mb, peak_rss_mb, percentiles
from benchmarks.queries import archive_expands, archive_search, build_query_mix, search_available, search_index_dir
from benchmarks.raw_whoosh import raw_documents, raw_schema, raw_search
from benchmarks.synthetic import Generator, language_models


class BenchError(Exception):
    """The benchmark cannot run or a phase failed; the message says why."""


#: The peers `bench` times beside the archive (`--peers`): SQLite FTS5, Haystack's stock Whoosh.
PEERS = ("fts5", "haystack")

UPLOAD_TURNS = 200
POLL_INTERVAL_S = 0.02
POLL_TIMEOUT_S = 120.0

# Where ingest time goes, by the function that does each step (pstats cumulative time). Where a
# step names several, one may call another: the largest is the step's time.
PROFILE_STEPS = {
    "read_files": [("interviews/sources.py", "collect_sources")],
    "parse": [("interviews/ingest.py", "parse_source")],
    "topics": [("interviews/topics/tagging.py", "tag_ingested"), ("interviews/topics/tagging.py", "tag_turns")],
    "align_translations": [("interviews/translations/store.py", "align_interview")],
    # The bulk load's batches reach the index through the registered processor, not process_pending.
    "index": [("interviews/search/indexing.py", "process_index_tasks")],
}
# The parts of "index": the documents made from its turns (Haystack's prepare), Whoosh's analysis and
# in-memory postings (add_document), its commits (writing each segment, merged ones included) and
# the reading of the segments a commit merges (add_reader).
INDEX_PARTS = {
    "documents": [("interviews/search/whoosh_backend.py", "document")],
    "analysis": [("whoosh/writing.py", "add_document")],
    "commits": [("whoosh/writing.py", "commit")],
    "merges": [("whoosh/writing.py", "add_reader")],
}


def profile_breakdown(stats) -> dict[str, float]:
    """Seconds per ingest step from a pstats.Stats of the ingest loop; "db" is everything else
    (ORM, SQLite, commits, turn keys, files): the total minus the named steps. The parts of the
    index step follow as "index.documents" and so on (see INDEX_PARTS)."""
    spent = {step: _cumulative(stats, functions) for step, functions in PROFILE_STEPS.items()}
    spent["db_and_other"] = stats.total_tt - sum(spent.values())
    spent["total"] = stats.total_tt
    spent.update({f"index.{part}": _cumulative(stats, functions) for part, functions in INDEX_PARTS.items()})
    return {step: round(seconds, 2) for step, seconds in spent.items()}


def _cumulative(stats, functions) -> float:
    return max(
        (
            ct
            for (filename, _, name), (_, _, _, ct, _) in stats.stats.items()
            if any(filename.endswith(f) and name == n for f, n in functions)
        ),
        default=0.0,
    )


def warm_analyzers() -> None:
    """Load jieba's dictionary and the German word list, as a running server did long ago, so
    that one-time start-up does not count as indexing time."""
    from interviews.search.analysis import ANALYZERS

    for analyzer in ANALYZERS.values():
        list(analyzer("Datenqualität und Rechenleistung 数据质量至关重要 data quality", mode="index"))


def _database_mb() -> float | None:
    from django.db import connection

    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:  # fold the write-ahead log into the file before measuring
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    name = Path(connection.settings_dict["NAME"])
    return round(sum(p.stat().st_size for p in name.parent.glob(name.name + "*")) / 1024 / 1024, 2)


def phase_build(directory: Path, *, turns: int, seed: int, profile: str = "") -> dict:
    """Generate the transcript files, then ingest them one by one as `manage.py ingest` would."""
    import cProfile
    import pstats
    import time

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generator = Generator(seed)
    started = time.monotonic()
    folders = _generate(directory, generator, turns)
    generate_s = time.monotonic() - started

    warm_analyzers()
    profiler = cProfile.Profile() if profile else None
    cpu = _cpu_seconds()
    started = time.monotonic()
    if profiler:
        profiler.enable()
    marks, pauses = _ingest(folders, turns)
    if profiler:
        profiler.disable()
    ingest_s = time.monotonic() - started
    cpu = {who: round(after - before, 1) for (who, before), after in zip(cpu.items(), _cpu_seconds().values())}

    result = _archive_figures(turns)
    result.update(
        {
            "generate_s": round(generate_s, 2),
            "ingest_s": round(ingest_s, 2),
            "ingest_turns_per_s": round(result["turns"] / ingest_s, 1),
            # The rate over each tenth of the ingest: how indexing slows as the index grows, for
            # extrapolating to larger archives.
            "ingest_turns_per_s_by_tenth": [
                round((n - n0) / (t - t0), 1) for (n0, t0), (n, t) in zip([(0, started)] + marks, marks) if t > t0
            ],
            # The longest index commit (a merge of large segments shows here; in the second process
            # it does not stop the ingest), and the longest the ingest stood still on one
            # transcript with the index work it waited for (or on the last commits at the end).
            "ingest_longest_commit_s": round(max(pauses["commits"], default=0.0), 2),
            "ingest_index_commits": len(pauses["commits"]),
            "ingest_longest_pause_s": round(max(pauses["steps"], default=0.0), 2),
            # How long the ingest waited for the index process in all (too much pending, and the
            # last commits), and whether the index work ran in a second process at all.
            "ingest_waited_for_index_s": round(sum(pauses["waited"]), 2),
            "ingest_index_in_second_process": pauses["concurrent"],
            # CPU seconds of this process (the ingest, and the index work when it runs here) and of
            # the index process: on a quiet machine with a core for each, the load takes about as
            # long as the larger of the two, whatever else runs beside it.
            "ingest_cpu_s": cpu["self"],
            "index_process_cpu_s": cpu["children"],
            "db_size_mb": _database_mb(),
        }
    )
    if profiler:
        profiler.dump_stats(profile)
        result["ingest_profile_s"] = profile_breakdown(pstats.Stats(profile))

    result["peak_rss_mb"] = peak_rss_mb()
    return result


def _cpu_seconds() -> dict:
    """User and system CPU seconds so far of this process and of its children that have ended."""
    import resource

    return {
        who: (usage.ru_utime + usage.ru_stime)
        for who, usage in (
            ("self", resource.getrusage(resource.RUSAGE_SELF)),
            ("children", resource.getrusage(resource.RUSAGE_CHILDREN)),
        )
    }


def _generate(directory: Path, generator: Generator, turns: int) -> list[tuple[Path, int]]:
    """Write the synthetic archive's transcript folders; returns (folder, turns) per interview."""
    progress = Progress("generate", turns, "turns")
    folders, done = [], 0
    for interview in generator.archive(turns):
        folders.append((interview.write(directory / "transcripts" / interview.slug), interview.turns))
        done += interview.turns
        progress.update(done)
    progress.finish()
    return folders


def _ingest(folders: list[tuple[Path, int]], turns: int) -> tuple[list[tuple[int, float]], dict]:
    """Ingest every folder as the ingest command does; returns (turns done, time) at each tenth,
    and the pauses: {"commits": seconds of each index commit, "steps": seconds of each transcript
    with the index work it waited for, "waited": seconds the ingest waited for the index in all,
    "concurrent": whether the index work ran in a second process}."""
    import time

    from interviews import outbox
    from interviews.ingest import ingest_transcript
    from interviews.sources import IngestError, collect_sources

    progress = Progress("ingest", turns, "turns")
    done = 0
    marks: list[tuple[int, float]] = []
    pauses: dict = {"commits": [], "steps": []}
    with outbox.batched() as load:  # as the ingest command does: the index work in a second process
        for folder, count in folders:
            sources, errors = collect_sources([folder])
            for name, source in sources:
                started = time.monotonic()
                try:
                    ingest_transcript(source)
                except IngestError as exc:
                    errors.append((name, str(exc)))
                load()
                pauses["steps"].append(time.monotonic() - started)
            if errors:
                raise BenchError(
                    "the generator wrote a file the archive rejects (a bug in the generator): "
                    + "; ".join(f"{name}: {reason}" for name, reason in errors)
                )
            done += count
            progress.update(done)
            if done * 10 >= turns * (len(marks) + 1):
                marks.append((done, time.monotonic()))
        waited = load.waited_seconds
        last_commits = time.monotonic()  # leaving the `with` waits for the last index commits
    pauses["steps"].append(time.monotonic() - last_commits)
    pauses["commits"] = load.commit_seconds
    pauses["waited"] = [waited + time.monotonic() - last_commits]
    pauses["concurrent"] = load.concurrent
    marks[-1] = (marks[-1][0], time.monotonic())
    progress.finish()
    return marks, pauses


def _archive_figures(turns: int) -> dict:
    """What the built archive holds; raises BenchError unless it holds every generated turn."""
    from interviews.models import IndexTask, Interview, Speaker, Topic, Transcript, Turn, TurnTopic

    stored = Turn.objects.count()
    if stored != turns:
        raise BenchError(f"the archive holds {stored} turns where the generator wrote {turns}")
    return {
        "turns": stored,
        "interviews": Interview.objects.count(),
        "transcripts": Transcript.objects.count(),
        "speakers": Speaker.objects.count(),
        "topics": Topic.objects.count(),
        "turn_topics": TurnTopic.objects.count(),
        "turns_by_language": {
            lang: Turn.objects.filter(transcript__language=lang).count() for lang in ("de", "zh", "en")
        },
        "vocabulary_words_by_language": {lang: len(m.vocabulary) for lang, m in language_models().items()},
        "index_tasks_pending": IndexTask.objects.count(),
    }


def phase_raw_whoosh(directory: Path, *, queries: int, seed: int) -> dict:
    """Index every turn into raw, tuned Whoosh (only the writer's time counts, not reading the
    database), then draw the query mix, which needs to know how many turns a query finds."""
    import time

    from whoosh import index

    from interviews.models import Turn

    path = directory / "raw-whoosh"
    path.mkdir()
    ix = index.create_in(str(path), raw_schema())
    total = Turn.objects.count()
    # One writer for everything, one process, a large memory pool, plain (non-compound) segment
    # files: the fastest Whoosh setup measured (see the notes on compound segments).
    warm_analyzers()
    writer = ix.writer(procs=1, limitmb=512, compound=False)
    progress = Progress("raw index", total, "docs")
    written, spent = 0, 0.0
    for docs in raw_documents():
        started = time.perf_counter()
        for doc in docs:
            writer.add_document(**doc)
        spent += time.perf_counter() - started
        written += len(docs)
        progress.update(written)
    started = time.perf_counter()
    writer.commit()
    spent += time.perf_counter() - started
    progress.finish()

    with ix.searcher() as searcher:
        mix = build_query_mix(queries, seed, lambda query: raw_search(searcher, {**query, "page": 1}))
    (directory / "queries.json").write_text(json.dumps(mix, ensure_ascii=False, indent=1), encoding="utf-8")
    return {
        "raw_whoosh_index_docs": written,
        "raw_whoosh_index_s": round(spent, 2),
        "raw_whoosh_index_docs_per_s": round(written / spent, 1) if spent else None,
        "raw_whoosh_index_size_mb": directory_mb(path),
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_load_mix(directory: Path, *, seed: int) -> dict:
    """The load test's request mix (benchmarks/load_mix.py), written to ``loadtest-mix.tsv``."""
    from django.conf import settings

    from benchmarks.load_mix import build_load_mix, describe

    settings.ARCHIVE_SEARCH_CACHE = False  # counting pages must not fill the cache the load test measures
    mix = build_load_mix(seed=seed)
    (directory / "loadtest-mix.tsv").write_text("".join(f"{kind}\t{path}\n" for kind, path in mix), encoding="utf-8")
    return {**describe(mix), "peak_rss_mb": peak_rss_mb()}


def phase_search(directory: Path, *, rounds: int, peers: tuple[str, ...] = PEERS) -> dict:
    """The fixed mix through `interviews.search.query`, through raw Whoosh and through the
    ``peers``, interleaved query by query so that whatever else the machine is doing slows all alike."""
    from whoosh import index

    mix = json.loads((directory / "queries.json").read_text(encoding="utf-8"))
    searcher = index.open_dir(str(directory / "raw-whoosh")).searcher()  # persistent, as tuned
    have_search = search_available()
    engines = {"raw": lambda q: raw_search(searcher, q)}
    if have_search:
        engines["archive"] = archive_search
    peer_figures = _peers(directory, peers, len(mix))
    engines.update(peer_figures.pop("engines"))
    limits = peer_figures.pop("limits")
    samples, hits = _time_searches(mix, engines, rounds, limits)

    def figures(prefix: str, name: str) -> dict:
        if name not in samples:
            return {f"{prefix}_p50_ms": None, f"{prefix}_p95_ms": None, f"{prefix}_p99_ms": None}
        return {f"{prefix}_{k}_ms": v for k, v in percentiles([ms for ms, _ in samples[name]]).items()}

    result = {**figures("search", "archive"), **figures("raw_whoosh_search", "raw")}
    if have_search and result["raw_whoosh_search_p95_ms"]:
        result["search_to_raw_p95_ratio"] = round(result["search_p95_ms"] / result["raw_whoosh_search_p95_ms"], 2)
    else:
        result["search_to_raw_p95_ratio"] = None
    for name in peers:
        result.update(figures(f"{name}_search", name))
        timed = mix[: limits.get(name, len(mix))]
        # The archive on the same queries as the peer (all of them, unless the peer's are capped).
        timed_ids = {id(q) for q in timed}
        ours = percentiles([ms for ms, q in samples.get("archive", []) if id(q) in timed_ids] or [0.0])
        for p in ("p50", "p95"):
            theirs = result[f"{name}_search_{p}_ms"]
            result[f"{name}_to_search_{p}_ratio"] = round(theirs / ours[p], 3) if ours[p] and theirs else None
        result[f"{name}_queries_timed"] = len(timed)
        result[f"{name}_zero_hit_queries"] = hits[name][: len(timed)].count(0)
    result.update(peer_figures)
    result["search_p95_ms_by_kind"] = _p95_by_kind(samples.get("archive", []))
    result["raw_whoosh_search_p95_ms_by_kind"] = _p95_by_kind(samples["raw"])
    differing = [
        {**query, "search_hits": a, "raw_whoosh_hits": b}
        for query, a, b in zip(mix, hits.get("archive", []), hits["raw"])
        if a != b
    ]
    expanded = [query for query in differing if archive_expands(query)]
    mismatches = [query for query in differing if query not in expanded]
    result.update(
        {
            "query_mix_size": len(mix),
            "query_rounds": rounds,
            "raw_whoosh_zero_hit_queries": hits["raw"].count(0),
            "search_zero_hit_queries": hits["archive"].count(0) if have_search else None,
            # The two paths should agree on what matches the words typed; if not, the ratio compares
            # different work. Where the archive also searches a query's translations, spellings or
            # named speakers, its count differs by design and is reported apart.
            "search_hit_count_mismatches": len(mismatches) if have_search else None,
            "search_hit_count_mismatch_examples": mismatches[:5],
            "search_hit_count_expanded_differences": len(expanded) if have_search else None,
            "search_hit_count_expanded_difference_examples": expanded[:5],
            "index_size_mb": directory_mb(search_index_dir()) if have_search and search_index_dir() else None,
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    return result


def _peers(directory: Path, names: tuple[str, ...], mix_size: int) -> dict:
    """What a user might pick instead, over the same turns, each built on first use: SQLite FTS5
    ("fts5") and Haystack's stock Whoosh backend ("haystack"). Returns their build figures, the
    engines and how many queries of the mix each times ("limits")."""
    from django.conf import settings

    from benchmarks import fts5_peer, haystack_peer
    from interviews.models import Turn

    unknown = set(names) - set(PEERS)
    if unknown:
        raise BenchError(f"unknown peers {sorted(unknown)}: choose from {', '.join(PEERS)}")
    figures, engines, limits = {}, {}, {}
    if "fts5" in names:
        if not (directory / fts5_peer.FILENAME).exists():
            built = fts5_peer.build(directory, Path(settings.DATABASES["default"]["NAME"]))
            figures["fts5_index_docs_per_s"] = round(built["docs"] / built["seconds"], 1) if built["seconds"] else None
        engines["fts5"] = fts5_peer.FTS5Search(directory)
    if "haystack" in names:
        if not haystack_peer.is_built(directory):
            built = haystack_peer.build(directory)
            figures["haystack_index_docs_per_s"] = (
                round(built["docs"] / built["seconds"], 1) if built["seconds"] else None
            )
            figures["haystack_index_size_mb"] = directory_mb(directory / haystack_peer.DIRNAME)
        engines["haystack"] = haystack_peer.StockHaystackSearch(directory)
        limits["haystack"] = haystack_peer.queries_timed(Turn.objects.count(), mix_size)
    return {**figures, "engines": engines, "limits": limits}


def _time_searches(mix: list[dict], engines: dict, rounds: int, limits: dict | None = None) -> tuple[dict, dict]:
    """({engine: [(ms, query)]}, {engine: [hits per query]}); round 0 warms caches, uncounted.
    An engine named in ``limits`` runs only that many queries from the start of the mix."""
    import time

    limits = limits or {}
    samples = {name: [] for name in engines}
    hits = {name: [0] * len(mix) for name in engines}
    searches = sum(limits.get(name, len(mix)) for name in engines)
    progress = Progress("search", (rounds + 1) * searches, "searches")
    done = 0
    for round_ in range(rounds + 1):
        for i, query in enumerate(mix):
            names = list(engines) if (i + round_) % 2 else list(reversed(engines))
            for name in names:
                if i >= limits.get(name, len(mix)):
                    continue
                started = time.perf_counter()
                hits[name][i] = engines[name](query)
                elapsed = (time.perf_counter() - started) * 1000
                if round_:
                    samples[name].append((elapsed, query))
                done += 1
            progress.update(done)
    progress.finish()
    return samples, hits


QUERY_KINDS = {
    "language_de": lambda q: q["language"] == "de",
    "language_zh": lambda q: q["language"] == "zh",
    "language_en": lambda q: q["language"] == "en",
    "no_filters": lambda q: not q["filters"],
    "with_filters": lambda q: bool(q["filters"]),
    "page_1": lambda q: q["page"] == 1,
    "page_5": lambda q: q["page"] == 5,
}


def _p95_by_kind(samples: list[tuple[float, dict]]) -> dict[str, float | None]:
    """p95 of the searches of each kind of query (None for a kind without searches)."""
    result = {}
    for kind, keep in QUERY_KINDS.items():
        chosen = [ms for ms, q in samples if keep(q)]
        result[kind] = percentiles(chosen)["p95"] if chosen else None
    return result


def phase_upload_poll(marker: str) -> None:
    """Search for `marker` until it is found; prints "ready" first, then the time it was found."""
    import time

    query = {"q": marker, "filters": {}, "page": 1}
    if archive_search(query):
        raise BenchError(f"{marker!r} is already in the archive")
    print("ready", flush=True)
    polls, deadline = 0, time.monotonic() + POLL_TIMEOUT_S
    found = None
    while time.monotonic() < deadline:
        polls += 1
        if archive_search(query):
            found = time.time()
            break
        time.sleep(POLL_INTERVAL_S)
    print(json.dumps({"found_at": found, "polls": polls, "peak_rss_mb": peak_rss_mb()}), flush=True)


def phase_upload_write(directory: Path, *, marker: str, seed: int) -> dict:
    """Ingest one new 200-turn German transcript containing `marker`, timed from the call."""
    import time

    from whoosh import index

    from interviews.ingest import ingest_transcript
    from interviews.models import Turn
    from interviews.sources import collect_sources

    warm_analyzers()
    interview = Generator(seed + 1).interview(UPLOAD_TURNS, languages=["de"], marker=marker)
    interview.slug = f"bench-upload-{marker}"
    folder = interview.write(directory / "upload")
    last = Turn.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.time()
    for _, source in collect_sources([folder])[0]:
        ingest_transcript(source)
    ingested = time.time()
    # The raw reference gets the same turns, so that `bench --search-again` on a kept archive
    # compares the two on the same documents (untimed: the upload is searchable by now).
    if (directory / "raw-whoosh").is_dir():
        writer = index.open_dir(str(directory / "raw-whoosh")).writer()
        for docs in raw_documents(after=last):
            for doc in docs:
                writer.add_document(**doc)
        writer.commit()
    return {
        "started_at": started,
        "ingested_at": ingested,
        "upload_turns": UPLOAD_TURNS,
        "peak_rss_mb": peak_rss_mb(),
    }
