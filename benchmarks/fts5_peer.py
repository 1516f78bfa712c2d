"""SQLite FTS5 over the same turns: what a Datasette user would get instead of the archive.

One FTS5 table with SQLite's own ``unicode61`` tokenizer (no stemming, no Chinese word
segmentation: a run of Han characters is one token, so most Chinese queries find nothing, as they
would there), beside a plain table of each turn's facet values; a search is one MATCH for the page
(ranked by bm25, with ``snippet()``), one for the count, and one ``GROUP BY`` per facet, each facet
counted without its own filter as the archive counts it.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from benchmarks.queries import FACETS, PAGE_SIZE

FILENAME = "peer-fts5.sqlite3"
COLUMNS = {"speaker": "speaker", "language": "language", "interview": "interview", "year": "year"}


def build(directory: Path, archive_db: Path) -> dict:
    """Write the FTS5 database beside the archive from its SQLite file; {docs, seconds}."""
    path = directory / FILENAME
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    db = sqlite3.connect(f"file:{path}", uri=True)
    db.execute("ATTACH DATABASE ? AS archive", (f"file:{archive_db}?mode=ro",))
    db.executescript(
        """
        CREATE TABLE turn (id INTEGER PRIMARY KEY, key TEXT, speaker TEXT, language TEXT, interview TEXT, year TEXT);
        CREATE TABLE turn_topic (turn_id INTEGER, topic TEXT);
        CREATE VIRTUAL TABLE turn_text USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
        INSERT INTO turn (id, key, speaker, language, interview, year)
            SELECT t.id, t.key, s.slug, tr.language, i.slug,
                   strftime('%Y', coalesce(i.date_recorded, (SELECT min(published_on)
                       FROM archive.interviews_transcript WHERE interview_id = i.id)))
            FROM archive.interviews_turn t
            JOIN archive.interviews_speaker s ON s.id = t.speaker_id
            JOIN archive.interviews_transcript tr ON tr.id = t.transcript_id
            JOIN archive.interviews_interview i ON i.id = tr.interview_id;
        INSERT INTO turn_text (rowid, text) SELECT id, text FROM archive.interviews_turn;
        INSERT INTO turn_topic SELECT tt.turn_id, tp.slug FROM archive.interviews_turntopic tt
            JOIN archive.interviews_topic tp ON tp.id = tt.topic_id WHERE tt.source != 'removed';
        CREATE INDEX turn_topic_turn ON turn_topic (turn_id);
        """
    )
    db.commit()
    docs = db.execute("SELECT count(*) FROM turn").fetchone()[0]
    db.close()
    return {"docs": docs, "seconds": round(time.perf_counter() - started, 2)}


class FTS5Search:
    def __init__(self, directory: Path):
        self.db = sqlite3.connect(directory / FILENAME)

    def _where(self, query: dict, skip: str = "") -> tuple[str, list]:
        words = " ".join('"' + word.replace('"', "") + '"' for word in query["q"].split())
        clauses, args = ["turn_text MATCH ?"], [words]
        for facet, value in query["filters"].items():
            if facet == skip:
                continue
            if facet == "topic":
                clauses.append("turn.id IN (SELECT turn_id FROM turn_topic WHERE topic = ?)")
            else:
                clauses.append(f"turn.{COLUMNS[facet]} = ?")
            args.append(value)
        return " AND ".join(clauses), args

    def __call__(self, query: dict) -> int:
        """One results page with snippets and every facet's counts; returns the number of hits."""
        where, args = self._where(query)
        joined = "turn_text JOIN turn ON turn.id = turn_text.rowid"
        count = self.db.execute(f"SELECT count(*) FROM {joined} WHERE {where}", args).fetchall()[0][0]
        self.db.execute(
            f"SELECT turn.key, snippet(turn_text, 0, '<mark>', '</mark>', '…', 24) FROM {joined} "
            f"WHERE {where} ORDER BY bm25(turn_text) LIMIT ? OFFSET ?",
            [*args, PAGE_SIZE, (query["page"] - 1) * PAGE_SIZE],
        ).fetchall()
        for facet in FACETS:
            where, args = self._where(query, skip=facet)
            if facet == "topic":
                sql = (
                    f"SELECT turn_topic.topic, count(*) FROM {joined} JOIN turn_topic ON turn_topic.turn_id = turn.id "
                    f"WHERE {where} GROUP BY turn_topic.topic ORDER BY 2 DESC"
                )
            else:
                sql = f"SELECT turn.{COLUMNS[facet]}, count(*) FROM {joined} WHERE {where} GROUP BY 1 ORDER BY 2 DESC"
            self.db.execute(sql, args).fetchall()
        return count
