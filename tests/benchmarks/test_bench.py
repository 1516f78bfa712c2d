"""The benchmark: a synthetic archive the real parser accepts, and a command that measures it
without touching the developer's data. Speed itself is never asserted: it depends on the machine."""

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from importlib.util import find_spec
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from benchmarks.measure import percentiles
from benchmarks.synthetic import TURNS_MAX, TURNS_MIN, Generator, language_models
from interviews.parsing import SpeakerHint, parse_transcript

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def parse_interview(interview):
    """Each transcript of a synthetic interview as the archive's parser reads it, with the
    manifest's participants as hints (as `manage.py ingest` passes them)."""
    hints = [SpeakerHint(p["name"], p["role"], p["aliases"]) for p in interview.manifest()["interview"]["participants"]]
    return [
        (t, parse_transcript(t.text.encode("utf-8"), filename=t.filename, language=t.language, speakers=hints))
        for t in interview.transcripts
    ]


@pytest.mark.parametrize("languages", [["de"], ["zh"], ["en"], ["de", "zh"], ["en", "de"]])
def test_generated_transcripts_parse_into_the_intended_turns_language_and_speakers(languages):
    generator = Generator(seed=11)
    for turns in (TURNS_MIN, 137):
        interview = generator.interview(turns, languages=languages)
        for written, parsed in parse_interview(interview):
            assert len(parsed.turns) == turns == written.turns
            assert parsed.language == written.language
            assert {s.name for s in parsed.speakers} == set(written.speakers) <= {interview.host, *interview.guests}
            assert parsed.turns[0].speaker == interview.host
            assert not any(":" in t.text[:40] or "：" in t.text[:40] for t in parsed.turns)  # no label left in text


def test_a_host_labelled_q_is_resolved_to_the_host():
    generator = Generator(seed=5)
    interview = next(i for i in (generator.interview(60, languages=["de"]) for _ in range(30)) if i.host_alias)
    ((written, parsed),) = parse_interview(interview)
    assert "\nQ: " in written.text
    assert Counter(t.speaker for t in parsed.turns)[interview.host] == 30


def test_text_reads_like_its_language():
    generator = Generator(seed=1)
    german = generator.turn_text("de", "guest")
    chinese = generator.turn_text("zh", "guest")
    english = generator.turn_text("en", "guest")
    assert sum(w in language_models()["de"].vocabulary for w in german.replace(",", " ").replace(".", " ").split()) > 3
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in chinese) > len(chinese) / 2
    assert generator.turn_text("de", "host").endswith("?")
    assert english[0].isupper() and english.endswith(".")


@pytest.mark.parametrize("total", [300, 1000, 12345])
def test_archive_adds_up_to_exactly_the_turns_asked_for_in_interviews_of_50_to_300_turns(total):
    generator = Generator(seed=3)
    interviews = list(generator.archive(total))
    assert sum(i.turns for i in interviews) == total
    for interview in interviews:
        assert {t.turns for t in interview.transcripts} <= set(range(TURNS_MIN, TURNS_MAX + 1))
        assert 2 <= 1 + len(interview.guests) <= 4
        assert len({t.language for t in interview.transcripts}) == len(interview.transcripts)


def test_speakers_come_from_a_pool_of_hundreds_and_recur_across_interviews():
    interviews = list(Generator(seed=3).archive(60000))
    appearances = Counter(name for i in interviews for name in {i.host, *i.guests})
    assert 200 <= len(appearances) <= 300
    assert max(appearances.values()) > 10  # hosts of a programme are in many interviews
    languages = Counter(t.language for i in interviews for t in i.transcripts)
    assert set(languages) == {"de", "zh", "en"} and min(languages.values()) > len(interviews) / 5


def test_the_same_seed_gives_the_same_archive():
    first = [t.text for i in Generator(seed=9).archive(700) for t in i.transcripts]
    second = [t.text for i in Generator(seed=9).archive(700) for t in i.transcripts]
    third = [t.text for i in Generator(seed=10).archive(700) for t in i.transcripts]
    assert first == second != third


def test_percentiles_interpolate_between_ranks():
    assert percentiles(list(map(float, range(1, 101)))) == {"p50": 50.5, "p95": 95.05, "p99": 99.01}
    assert percentiles([7.0]) == {"p50": 7.0, "p95": 7.0, "p99": 7.0}


# --- The command, end to end, in a subprocess ----------------------------------------------------


def snapshot(directory: Path) -> dict:
    return {
        str(p.relative_to(directory)): (
            p.stat().st_size,
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        if p.is_file()
        else "dir"
        for p in sorted(directory.rglob("*"))
    }


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """`manage.py bench --turns 300 --json` as a developer runs it: their ARCHIVE_DATA_DIR holds a
    migrated archive, and temporary files go to a directory we can inspect afterwards."""
    user_data = tmp_path_factory.mktemp("developer-var")
    temp = tmp_path_factory.mktemp("tmp")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        ARCHIVE_DATA_DIR=str(user_data), TMPDIR=str(temp), DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="archive.settings"
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    before = snapshot(user_data)
    process = subprocess.run(
        [sys.executable, "manage.py", "bench", "--turns", "300", "--json", "--queries", "12", "--rounds", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return process, before, snapshot(user_data), temp


def test_bench_leaves_the_developers_data_and_no_temporary_archive_behind(bench_run):
    process, before, after, temp = bench_run
    assert process.returncode == 0, process.stderr
    assert after == before
    assert not list(temp.glob("archive-bench-*"))
    assert "ingest" in process.stderr and "turns/s" in process.stderr  # progress went to stderr


@pytest.mark.skipif(not find_spec("interviews.search.query"), reason="needs the interviews.search package")
def test_bench_json_has_every_figure_with_sane_values(bench_run):
    process, *_ = bench_run
    assert process.returncode == 0, process.stderr
    figures = json.loads(process.stdout)
    assert figures["turns"] == 300 and figures["cpu_cores"] >= 1
    for key in (
        "ingest_turns_per_s",
        "raw_whoosh_index_docs_per_s",
        "search_to_raw_p95_ratio",
        "peak_rss_mb",
        "index_size_mb",
        "db_size_mb",
        "upload_to_searchable_s",
    ):
        assert figures[key] > 0, key
    for prefix in ("search", "raw_whoosh_search"):
        p50, p95, p99 = (figures[f"{prefix}_{p}_ms"] for p in ("p50", "p95", "p99"))
        assert 0 < p50 <= p95 <= p99, prefix
    assert figures["query_mix_size"] == 12
    assert figures["index_tasks_pending"] == 0  # every ingested turn reached the index
    # Both paths ran the same searches and read the words alike (a hyphenated word such as
    # KI-Modelle is a phrase in both); only the archive's expansion may find more, reported apart.
    assert figures["search_hit_count_mismatches"] == 0
    assert figures["search_hit_count_expanded_differences"] <= figures["query_mix_size"]


@pytest.mark.skipif(not find_spec("interviews.search.query"), reason="needs the interviews.search package")
def test_bench_times_each_peer_on_the_same_queries_as_a_ratio_to_the_archive(bench_run):
    """SQLite FTS5 and Haystack's stock Whoosh backend are timed on the same mix over the same
    turns; each gets its percentiles, its p50 and p95 over the archive's, its build rate and how
    many of the queries it finds nothing for. The bulk load's longest commit and pause are there."""
    process, *_ = bench_run
    figures = json.loads(process.stdout)
    for peer in ("fts5", "haystack"):
        p50, p95, p99 = (figures[f"{peer}_search_{p}_ms"] for p in ("p50", "p95", "p99"))
        assert 0 < p50 <= p95 <= p99, peer
        for p in ("p50", "p95"):  # FTS5 can be a hundred times faster: a ratio that rounds to 0.0
            assert figures[f"{peer}_to_search_{p}_ratio"] >= 0, peer
        assert figures[f"{peer}_index_docs_per_s"] > 0, peer
        assert figures[f"{peer}_queries_timed"] == 12  # a small archive: the whole mix
        assert 0 <= figures[f"{peer}_zero_hit_queries"] <= 12, peer
    assert figures["haystack_index_size_mb"] > 0
    assert 0 < figures["ingest_longest_commit_s"] and 0 < figures["ingest_longest_pause_s"]
    assert figures["ingest_index_commits"] >= 1


def test_peers_are_chosen_by_name_and_the_stock_haystack_peer_is_capped_on_large_archives():
    from benchmarks.bench import BenchError, parse_peers
    from benchmarks.haystack_peer import LARGE_ARCHIVE_QUERIES, queries_timed

    assert parse_peers(None) == ("fts5", "haystack")
    assert parse_peers("haystack") == ("haystack",)
    assert parse_peers("none") == ()
    with pytest.raises(BenchError, match="solr"):
        parse_peers("fts5,solr")
    assert queries_timed(20_000, 200) == 200
    assert queries_timed(100_000, 200) == LARGE_ARCHIVE_QUERIES


@pytest.mark.skipif(not find_spec("interviews.search.query"), reason="needs the interviews.search package")
def test_a_kept_archive_can_be_searched_again_after_rebuilding_its_index(tmp_path):
    """`--keep DIR` keeps the archive; `rebuild_index` there compacts its index (the advice in docs/benchmarks.md
    after a bulk load); `--search-again DIR` times the same query mix on it, and the rebuilt index
    agrees with the raw Whoosh reference on as many queries as the index built by ingest did (the
    uploaded transcript is in both)."""
    kept = tmp_path / "kept"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="archive.settings")
    first = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench",
            "--turns",
            "300",
            "--json",
            "--queries",
            "12",
            "--rounds",
            "1",
            "--keep",
            str(kept),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert first.returncode == 0, first.stderr
    before = json.loads(first.stdout)
    # the upload phase's transcript is in the raw reference too, so searching again compares like with like
    assert whoosh_index.open_dir(str(kept / "raw-whoosh")).doc_count() == 300 + before["upload_turns"]
    subprocess.run(
        [sys.executable, "manage.py", "rebuild_index"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**env, "ARCHIVE_DATA_DIR": str(kept / "data")},
        timeout=600,
    )

    again = subprocess.run(
        [sys.executable, "manage.py", "bench", "--search-again", str(kept), "--rounds", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    after = json.loads(again.stdout)
    assert after["turns"] == 300 and after["query_mix_size"] == 12
    assert 0 < after["search_p50_ms"] <= after["search_p95_ms"]
    assert after["search_zero_hit_queries"] == before["search_zero_hit_queries"]
    assert after["search_hit_count_mismatches"] == before["search_hit_count_mismatches"]

    nothing = subprocess.run(
        [sys.executable, "manage.py", "bench", "--search-again", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert nothing.returncode != 0 and "not an archive kept by" in nothing.stderr
