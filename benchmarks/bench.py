"""The benchmark behind `manage.py bench` and `make loadtest`: a synthetic archive of N turns built
through the real pipeline, and the speed figures measured on it.

Nothing here touches the developer's data. `run()` makes a temporary directory and runs every
phase in a child process (`manage.py bench --phase ...`, see `run_phase`) whose `ARCHIVE_DATA_DIR`
points into it, with `DATABASE_URL` removed, so each child has its own fresh SQLite file and search
index. Child processes also give each phase a clean peak-memory figure (`ru_maxrss` is a
per-process maximum).

The parts: `benchmarks.synthetic` (the generator, no Django), `benchmarks.queries` (the query mix
and the search module as the page calls it), `benchmarks.raw_whoosh` (the reference),
`benchmarks.phases` (build, raw-whoosh, search, upload) and `benchmarks.measure` (progress,
memory, percentiles).
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.phases import (
    PEERS,
    POLL_INTERVAL_S,
    POLL_TIMEOUT_S,
    BenchError,
    phase_build,
    phase_load_mix,
    phase_raw_whoosh,
    phase_search,
    phase_upload_poll,
    phase_upload_write,
)
from benchmarks.queries import search_available
from benchmarks.synthetic import ROOT


def run_phase(phase: str, directory: Path, options: dict) -> dict | None:
    if phase == "build":
        return phase_build(
            directory, turns=options["turns"], seed=options["seed"], profile=str(options.get("profile") or "")
        )
    if phase == "raw-whoosh":
        return phase_raw_whoosh(directory, queries=options["queries"], seed=options["seed"])
    if phase == "search":
        return phase_search(directory, rounds=options["rounds"], peers=parse_peers(options.get("peers")))
    if phase == "load-mix":
        return phase_load_mix(directory, seed=options["seed"])
    if phase == "upload-poll":
        return phase_upload_poll(options["marker"])
    if phase == "upload-write":
        return phase_upload_write(directory, marker=options["marker"], seed=options["seed"])
    raise BenchError(f"unknown phase {phase!r}")


def parse_peers(value: str | None) -> tuple[str, ...]:
    """``--peers`` ("fts5,haystack", "none"; unset: all of them) as a tuple of peer names."""
    if value is None:
        return PEERS
    names = tuple(name.strip() for name in value.split(",") if name.strip() and name.strip() != "none")
    unknown = [name for name in names if name not in PEERS]
    if unknown:
        raise BenchError(f"unknown peers {', '.join(unknown)}: choose from {', '.join(PEERS)} or none")
    return names


def child_env(directory: Path) -> dict:
    """The environment of every phase: state only under `directory`, a fresh SQLite database,
    debug off (debug mode keeps every SQL query in memory, which would distort time and memory),
    the search result cache off."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        ARCHIVE_DATA_DIR=str(directory / "data"),
        DJANGO_SETTINGS_MODULE="archive.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="benchmark-only-" + "k" * 40,
        # The timed rounds repeat the same searches: they measure the search, not the result cache
        # (the load test turns it on to measure that).
        ARCHIVE_SEARCH_CACHE="0",
    )
    return env


def _phase_command(phase: str, directory: Path, *args: str) -> list[str]:
    import sys

    return [sys.executable, str(ROOT / "manage.py"), "bench", "--phase", phase, "--dir", str(directory), *args]


def _child(phase: str, directory: Path, *args: str) -> dict:
    import subprocess

    # stderr is inherited: the phase's progress lines and any traceback reach the user directly.
    process = subprocess.run(
        _phase_command(phase, directory, *args), env=child_env(directory), cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    if process.returncode:
        raise BenchError(f"the {phase} phase failed (exit status {process.returncode}); its error is above")
    return json.loads(process.stdout.strip().splitlines()[-1])


def _upload(directory: Path, seed: int) -> dict:
    """Time from the start of ingesting a 200-turn transcript in one process to its being found
    by a search in another, which polls every POLL_INTERVAL_S."""
    import secrets
    import subprocess

    # Letters only, no vowels: one token in every analyzer, never split as a German compound.
    marker = "zqx" + "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))
    poller = subprocess.Popen(
        _phase_command("upload-poll", directory, "--marker", marker),
        env=child_env(directory),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if poller.stdout.readline().strip() != "ready":
            raise BenchError("the upload poller failed to start; its error is above")
        written = _child("upload-write", directory, "--marker", marker, "--seed", str(seed))
        out, _ = poller.communicate(timeout=POLL_TIMEOUT_S + 60)
    finally:
        if poller.poll() is None:
            poller.kill()
            poller.wait()
    if poller.returncode:
        raise BenchError(f"the upload poller failed (exit status {poller.returncode}); its error is above")
    polled = json.loads(out.strip().splitlines()[-1])
    found = polled["found_at"]
    return {
        "upload_turns": written["upload_turns"],
        "upload_ingest_s": round(written["ingested_at"] - written["started_at"], 3),
        "upload_to_searchable_s": round(found - written["started_at"], 3) if found else None,
        "upload_poll_interval_s": POLL_INTERVAL_S,
        "peak_rss_mb": max(written["peak_rss_mb"], polled["peak_rss_mb"]),
    }


def run(
    *,
    turns: int,
    queries: int = 200,
    rounds: int = 3,
    seed: int = 7,
    keep: Path | None = None,
    profile: Path | None = None,
    upload: bool = True,
    peers: tuple[str, ...] = PEERS,
    stderr=None,
) -> dict:
    """Build a synthetic archive of `turns` turns and measure it; returns the figures.

    The archive lives in a new temporary directory, removed at the end, or in `keep` (which must
    be new or empty) for `make loadtest` to serve.
    """
    import os
    import platform
    import shutil
    import sys
    import time

    stderr = stderr or sys.stderr
    directory = _bench_directory(keep)
    started = time.monotonic()
    results: dict = {
        "turns": turns,
        "seed": seed,
        "cpu_cores": os.cpu_count(),
        "machine": f"{platform.machine()} {platform.system()} {platform.release()}, Python {platform.python_version()}",
        # Other work on the machine slows every figure: the load when the run began says how busy it was.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        build_args = ["--turns", str(turns), "--seed", str(seed)]
        if profile:
            build_args += ["--profile", str(Path(profile).resolve())]
        phases = {"build": _child("build", directory, *build_args)}
        phases["raw_whoosh"] = _child("raw-whoosh", directory, "--queries", str(queries), "--seed", str(seed))
        phases["search"] = _child("search", directory, "--rounds", str(rounds), "--peers", ",".join(peers) or "none")
        if upload and search_available():
            stderr.write("upload     a 200-turn transcript in one process, polling search from another\n")
            phases["upload"] = _upload(directory, seed)
        for figures in phases.values():
            results.update({k: v for k, v in figures.items() if k != "peak_rss_mb"})
        results.setdefault("upload_to_searchable_s", None)
        results["peak_rss_mb_by_phase"] = {name: figures["peak_rss_mb"] for name, figures in phases.items()}
        results["peak_rss_mb"] = max(results["peak_rss_mb_by_phase"].values())
        results["search_module"] = search_available()
        results["total_s"] = round(time.monotonic() - started, 1)
        if keep:
            results["archive_dir"] = str(directory)
            (directory / "bench.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        return results
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)


def _bench_directory(keep: Path | None) -> Path:
    """`keep`, which must be new or empty, else a new temporary directory."""
    import tempfile

    if not keep:
        return Path(tempfile.mkdtemp(prefix="archive-bench-"))
    keep = Path(keep).resolve()
    if keep.exists() and (not keep.is_dir() or any(keep.iterdir())):
        raise BenchError(
            f"{keep} exists and is not empty: give a new directory (the benchmark never writes into an existing archive)"
        )
    keep.mkdir(parents=True, exist_ok=True)
    return keep


def search_again(directory: Path, *, rounds: int = 3, peers: tuple[str, ...] = PEERS) -> dict:
    """Run the search phase again on an archive kept by `--keep`: the same query mix, against the
    archive's index as it is now (after `manage.py rebuild_index` there, or a change to the search
    code). The figures are the search phase's, with the load of the machine."""
    import os

    directory = Path(directory).resolve()
    if not (directory / "queries.json").is_file() or not (directory / "data").is_dir():
        raise BenchError(f"{directory} is not an archive kept by `manage.py bench --keep`")
    results = {
        "archive_dir": str(directory),
        "cpu_cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    kept = directory / "bench.json"
    if kept.is_file():
        results["turns"] = json.loads(kept.read_text(encoding="utf-8")).get("turns")
    results.update(_child("search", directory, "--rounds", str(rounds), "--peers", ",".join(peers) or "none"))
    return results


PEER_NAMES = {
    "fts5": ("SQLite FTS5", "no stemming, no Chinese words"),
    "haystack": ("Haystack, stock", "English stemming, no Chinese words; a page past the end counts as nothing"),
}


def _peer_lines(results: dict) -> list[str]:
    """One line per peer timed: its percentiles, its ratio to the archive, its build rate."""
    lines = []
    for name, (label, why) in PEER_NAMES.items():
        if results.get(f"{name}_search_p95_ms") is None:
            continue

        def get(key, unit="", name=name):
            value = results.get(f"{name}_{key}")
            return "n/a" if value is None else f"{value:,.1f}{unit}"

        def ratio(key, name=name):
            value = results.get(f"{name}_{key}")
            return "n/a" if value is None else f"{value:.2f}x"

        timed = results.get(f"{name}_queries_timed")
        sample = "" if timed == results.get("query_mix_size") else f", the first {timed} queries of the mix"
        lines.append(
            f"{label + ' p50 / p95 / p99':<36}{get('search_p50_ms', ' ms')} / {get('search_p95_ms', ' ms')}"
            f" / {get('search_p99_ms', ' ms')}; / archive p50 {ratio('to_search_p50_ratio')}, p95"
            f" {ratio('to_search_p95_ratio')}; builds {get('index_docs_per_s')} docs/s"
            f" ({results.get(f'{name}_zero_hit_queries', 'n/a')} find nothing: {why}{sample})"
        )
    return lines


def report(results: dict) -> str:
    """The figures for a person, with the issue's targets beside them."""

    def ms(key):
        value = results.get(key)
        return "n/a" if value is None else f"{value:,.1f} ms"

    lines = [
        f"Synthetic archive: {results['turns']:,} turns, {results['interviews']:,} interviews, "
        f"{results['transcripts']:,} transcripts, {results['speakers']:,} speakers, {results['topics']} topics",
        f"Machine: {results['cpu_cores']} cores, {results['machine']}; load average at start "
        + " / ".join(str(x) for x in results["load_average_at_start"]),
        "",
        f"ingest (parse, DB, topics, index)   {results['ingest_turns_per_s']:>10,.1f} turns/s   (target >= 300 at 100k)",
        f"longest index commit / pause       {results['ingest_longest_commit_s']:>10,.1f} s / "
        f"{results['ingest_longest_pause_s']:,.1f} s ({results['ingest_index_commits']} commits; target: no pause over 60 s)",
        f"raw tuned Whoosh indexing           {results['raw_whoosh_index_docs_per_s']:>10,.1f} docs/s",
        f"search p50 / p95 / p99              {ms('search_p50_ms')} / {ms('search_p95_ms')} / {ms('search_p99_ms')}"
        "   (target p95 <= 50 ms at 100k, <= 250 ms at 1M)",
        f"raw Whoosh p50 / p95 / p99          {ms('raw_whoosh_search_p50_ms')} / {ms('raw_whoosh_search_p95_ms')}"
        f" / {ms('raw_whoosh_search_p99_ms')}",
        f"search / raw at p95                 {results['search_to_raw_p95_ratio'] or 'n/a'}   (target <= 1.3)",
        *_peer_lines(results),
        "upload of 200 turns to searchable   "
        + (f"{results['upload_to_searchable_s']:.2f} s" if results.get("upload_to_searchable_s") is not None else "n/a")
        + "   (target <= 2 s)",
        f"peak memory (largest phase)         {results['peak_rss_mb']:,.0f} MB   "
        + ", ".join(f"{k} {v:,.0f}" for k, v in results["peak_rss_mb_by_phase"].items()),
        f"index on disk / database            {results['index_size_mb'] if results.get('index_size_mb') is not None else 'n/a'} MB"
        f" / {results['db_size_mb']} MB (raw Whoosh index {results['raw_whoosh_index_size_mb']} MB)",
        f"query mix                           {results['query_mix_size']} queries x {results['query_rounds']} rounds;"
        f" {results['raw_whoosh_zero_hit_queries']} find nothing",
    ]
    if not results.get("search_module"):
        lines.append("\ninterviews/search.py is not in this build: search figures and the upload time are n/a.")
    if results.get("ingest_profile_s"):
        lines.append(
            "ingest profile (s, under cProfile)   "
            + ", ".join(f"{k} {v}" for k, v in results["ingest_profile_s"].items())
        )
    lines.append(
        f"\nTotal {results['total_s']:,.0f} s. Every figure: manage.py bench --turns {results['turns']} --json"
    )
    return "\n".join(lines)
