"""The living archive: every kind of read keeps answering while other processes write.

gunicorn serves the seed archive with several workers; reader threads load every kind of page
(``READS``) in turn, while a writer goes through every kind of write (``WRITES``), each from its
own process as an editor or an operator would: `manage.py ingest` of a new transcript and of a
corrected one, an admin upload, a turn's text and topics edited and two speakers merged (with the
functions the admin calls, interviews/editing.py), `retag` and `rebuild_index`. After each write a
search for a word only that write added is repeated until 8 answers in a row find it: the time
from the write's end to the first of those 8 is its visibility lag.

This is the place where a feature that reads the index is exercised while the archive grows: add
its read to ``READS`` (one line), or its write to ``WRITES``.

    .venv/bin/python benchmarks/living_archive.py --seconds 300

prints reads, writes, errors (any 5xx or dropped connection) and the worst visibility lag.
tests/test_living_archive.py runs the same for about a minute and asserts zero errors and every
lag under 2 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    Archive,
    Client,
    drop_database,
    follow_job,
    form_fields,
    free_port,
    own_database,
    stage_upload,
)

INTERVIEW = "20vc-aidan-gomez-cohere"

#: Every kind of read, as (name, path). ``{quote}``, ``{topic}``, ``{year}`` and ``{speaker}`` are
#: filled from the seed archive. A new feature that reads the index adds its line here.
READS = [
    ("relevance", "/search/?q=Daten"),
    ("relevance, Chinese", "/search/?q=" + quote("数据质量")),
    ("date order", "/search/?q=Modell&sort=date"),
    ("browse", "/search/"),
    ("browse by date", "/search/?sort=date"),
    ("speaker filter", "/search/?speaker={speaker}"),
    ("topic filter", "/search/?topic={topic}"),
    ("language filter", "/search/?language=zh"),
    ("interview filter", f"/search/?interview={INTERVIEW}"),
    ("year filter", "/search/?year={year}"),
    ("filters combined", f"/search/?q=Daten&speaker={{speaker}}&language=de&interview={INTERVIEW}&year={{year}}"),
    ("filters combined, date order", "/search/?topic={topic}&language=de&sort=date&page=1"),
    ("translations", "/search/?q=Daten&language=de&translations=1"),
    ("api search", "/api/search?q=" + quote("数据")),
    ("api browse by date", "/api/search?q=&sort=date&language=de"),
    ("api interviews", "/api/interviews/"),
    ("api interview", f"/api/interviews/{INTERVIEW}/"),
    ("api alignment", f"/api/interviews/{INTERVIEW}/alignment/?left=de&right=zh"),
    ("home", "/"),
    ("transcript page", f"/interviews/{INTERVIEW}/de/"),
    ("speaker page", "/speakers/{speaker}/"),
    ("topic page", "/topics/{topic}/"),
    ("quote page", "/q/{quote}/"),
    ("quote json", "/q/{quote}.json"),
    ("quote card", "/q/{quote}.png"),
    ("side by side", f"/interviews/{INTERVIEW}/side-by-side/?left=de&right=zh"),
    ("sitemap index", "/sitemap.xml"),
    ("sitemap of quotes", "/sitemap-quotes.xml"),
]


def unique_word() -> str:
    """A word no transcript has, that every analyzer keeps whole."""
    return "zq" + uuid.uuid4().hex[:10]


def transcript_text(title: str, word: str) -> str:
    return (
        f"{title}\n\nAnna Berg: Have you ever met a {word} on the island?\n\n"
        "Ben Cho: Never, but I would like to see one.\n\n"
        f"Anna Berg: They say the {word} smiles at visitors.\n\n"
        "Ben Cho: Then I will travel there next spring.\n"
    )


# --- Edits run inside `manage.py shell -c` (a process of their own, as an editor's request is) ----


def edit_turn(word: str) -> None:
    """What the admin's turn form does on save: new text, topics re-tagged, one topic ticked by
    hand, the turn reindexed (interviews/admin.py TurnAdmin.save_model)."""
    from django.db import transaction

    from interviews import editing
    from interviews.models import Topic, Turn, TurnTopic
    from interviews.topics import tagging

    with transaction.atomic():
        turn = Turn.objects.filter(transcript__interview__slug=INTERVIEW, transcript__language="de").order_by(
            "ordinal"
        )[3]
        turn.text = f"{turn.text} {word}"
        turn.save()
        tagging.tag_turns(turn.transcript.turns.all(), enqueue=False)
        topic = Topic.objects.order_by("?").first()
        TurnTopic.objects.update_or_create(turn=turn, topic=topic, defaults={"source": TurnTopic.ADDED})
        editing.turn_changed(turn)


def merge_speakers(kept_name: str, other_name: str) -> None:
    """The admin's "merge speakers" action on two speakers: prints the kept speaker's slug."""
    from interviews import editing
    from interviews.models import Speaker

    kept = Speaker.objects.get(name=kept_name)
    editing.merge_speakers(kept, list(Speaker.objects.filter(name=other_name)))
    print(kept.slug)


# --- The run ---------------------------------------------------------------------------------------


@dataclass
class Report:
    reads: Counter = field(default_factory=Counter)  # read name -> answers
    statuses: Counter = field(default_factory=Counter)  # (read name, status) -> answers
    errors: list = field(default_factory=list)  # (read name, path, status or exception)
    writes: list = field(default_factory=list)  # (write name, seconds it took, visibility lag or None)

    @property
    def worst_lag(self) -> float:
        return max((lag for _, _, lag in self.writes if lag is not None), default=0.0)

    def summary(self) -> str:
        lines = [
            f"reads: {sum(self.reads.values())} ({len(self.reads)} kinds)",
            f"writes: {len(self.writes)}",
            f"errors: {len(self.errors)}",
            f"worst visibility lag: {self.worst_lag:.2f} s",
        ]
        lines += [
            f"  {name}: {took:.1f} s" + (f", visible after {lag:.2f} s" if lag is not None else "")
            for name, took, lag in self.writes
        ]
        lines += [
            f"  {name} answered {status} {n} times" for (name, status), n in self.statuses.items() if status != 200
        ]
        lines += [f"  ERROR {name} {path}: {what}" for name, path, what in self.errors[:20]]
        return "\n".join(lines)


class LivingArchive:
    def __init__(self, data_dir: Path, *, workers=4, readers=3):
        self.archive = Archive(
            data_dir,
            free_port(),
            extra_env={
                "WEB_CONCURRENCY": str(workers),
                # One client (this process) reads as many visitors would: no per-client limits.
                "ARCHIVE_RATE_LIMIT": "off",
                "ARCHIVE_CARD_RENDER_LIMIT": "off",
                "ARCHIVE_INDEX_RETRY_SECONDS": "1",
            },
        )
        self.readers = readers
        self.report = Report()
        self.stop_reading = threading.Event()
        self.work = data_dir / "work"
        self.number = 0

    # Setting up: the steps of `make data`, each a process of its own, and an editor's account.

    def setup(self) -> None:
        a = self.archive
        a.data_dir.mkdir(parents=True, exist_ok=True)
        a.database_url = own_database()  # PostgreSQL when DATABASE_URL names a server, else SQLite
        self.work.mkdir(exist_ok=True)
        for args in (("migrate", "--noinput"), ("load_topics",), ("ingest", str(Path("data/transcripts").resolve()))):
            a.manage(*args)
        a.manage("check_index", "--fix")
        a.manage("collectstatic", "--noinput", "--verbosity", "0")
        subprocess.run(
            a.command("createsuperuser", "--noinput", "--username", ADMIN_USER, "--email", "editor@example.org"),
            env={**a.env, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
            cwd=Path(__file__).resolve().parent.parent,
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self.archive.start()
        found = self.api_search(q="")
        self.values = {
            "quote": found["results"][0]["key"],
            "topic": next(iter(found["facets"]["topic"])),
            "year": next(iter(found["facets"]["year"])),
            "speaker": next(iter(found["facets"]["speaker"])),
        }
        self.editor = Client(self.archive.url)
        self.editor.login()

    def stop(self) -> None:
        self.stop_reading.set()
        self.archive.stop()
        server = self.archive.server
        if server is not None and server.stderr is not None:
            self.archive._reader.join(5)  # it reads gunicorn's log until the pipe ends
            server.stderr.close()
        drop_database(self.archive.database_url)

    def api_search(self, **params) -> dict:
        response = Client(self.archive.url).get("/api/search?" + urlencode(params), timeout=30)
        if response.status != 200:
            raise RuntimeError(f"/api/search {params}: {response.status}")
        return json.loads(response.body)

    # Reading

    def read_forever(self, offset: int) -> None:
        client = Client(self.archive.url)
        i = offset
        while not self.stop_reading.is_set():
            name, path = READS[i % len(READS)]
            i += 1
            path = path.format(**self.values)
            try:
                status = client.get(path, timeout=60).status
            except OSError as exc:
                self.report.errors.append((name, path, repr(exc)))
                continue
            self.report.reads[name] += 1
            self.report.statuses[name, status] += 1
            if status >= 500:
                self.report.errors.append((name, path, status))

    # Writing: each write returns the search that shows it, as (query parameters, expected count).

    def ingest_new(self) -> tuple[dict, int]:
        self.number += 1
        word = unique_word()
        path = self.work / f"living-{self.number}.txt"
        path.write_text(transcript_text(f"A living talk {self.number}", word), encoding="utf-8")
        self.archive.manage("ingest", str(path))
        self.last_ingested = (path, word)
        return {"q": word}, 2

    def reingest_corrected(self) -> tuple[dict, int]:
        path, _ = self.last_ingested
        word = unique_word()
        text = path.read_text(encoding="utf-8").replace("smiles at visitors", f"smiles at {word}")
        path.write_text(text, encoding="utf-8")
        self.archive.manage("ingest", str(path))
        self.last_ingested = (path, word)
        return {"q": word}, 1

    def upload(self) -> tuple[dict, int]:
        self.number += 1
        word = unique_word()
        data = transcript_text(f"An uploaded talk {self.number}", word).encode()
        staged = stage_upload(self.editor, f"upload-{self.number}.txt", data, {"language": "en"})
        if staged.status != 302:
            raise RuntimeError(f"upload refused ({staged.status}): {staged.text[:500]}")
        preview = self.editor.get(staged.headers["location"])
        confirmed = self.editor.post(staged.headers["location"], {**form_fields(preview.text), "action": "confirm"})
        confirmed = follow_job(self.editor, confirmed)  # the job runner writes it; the write ends when it is done
        if confirmed.status != 302:
            raise RuntimeError(f"confirm refused ({confirmed.status}): {confirmed.text[:500]}")
        return {"q": word}, 2

    def edit(self) -> tuple[dict, int]:
        word = unique_word()
        self.shell(f"from benchmarks.living_archive import edit_turn; edit_turn({word!r})")
        return {"q": word}, 1

    def merge(self) -> tuple[dict, int]:
        # A new transcript's two speakers, named for this write alone, become one.
        self.number += 1
        word = unique_word()
        kept, other = f"Anna Berg {self.number}", f"Ben Cho {self.number}"
        text = transcript_text(f"A merged talk {self.number}", word)
        path = self.work / f"living-{self.number}.txt"
        path.write_text(text.replace("Anna Berg", kept).replace("Ben Cho", other), encoding="utf-8")
        self.archive.manage("ingest", str(path))
        slug = self.shell(f"from benchmarks.living_archive import merge_speakers; merge_speakers({kept!r}, {other!r})")
        # All four turns now carry the kept speaker, two of which have the word.
        return {"q": word, "speaker": slug.strip().splitlines()[-1]}, 2

    def retag(self) -> tuple[dict, int]:
        self.archive.manage("retag")
        return None, 0

    def rebuild(self) -> tuple[dict, int]:
        # The new generation still holds what was written before it.
        path, word = self.last_ingested
        self.archive.manage("rebuild_index", "--noinput")
        return {"q": word}, None

    def shell(self, code: str) -> str:
        return self.archive.manage("shell", "-c", code).stdout

    def visibility_lag(self, params: dict, expected: int | None, since: float, limit=30.0) -> float:
        """Seconds from ``since`` to the first of 8 answers in a row that show the write."""
        client = Client(self.archive.url)
        run_started, in_a_row = None, 0
        while in_a_row < 8:
            if time.monotonic() - since > limit:
                raise AssertionError(f"{params} not shown by 8 answers in a row after {limit} s")
            asked = time.monotonic()
            response = client.get("/api/search?" + urlencode(params), timeout=30)
            count = json.loads(response.body)["count"] if response.status == 200 else -1
            shows = count >= 1 if expected is None else count == expected
            if shows:
                run_started = run_started if in_a_row else asked
                in_a_row += 1
            else:
                in_a_row = 0
        return max(0.0, run_started - since)

    def write(self, name: str, step) -> None:
        started = time.monotonic()
        shown_by, expected = step()
        done = time.monotonic()
        lag = None if shown_by is None else self.visibility_lag(shown_by, expected, done)
        self.report.writes.append((name, done - started, lag))

    def run(self, seconds: float) -> Report:
        """Readers read for at least ``seconds``; the writer goes through every kind of write,
        and round again until the time is up."""
        readers = [threading.Thread(target=self.read_forever, args=(i * 7,), daemon=True) for i in range(self.readers)]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + seconds
        writes = [
            ("ingest a new transcript", self.ingest_new),
            ("re-ingest it corrected", self.reingest_corrected),
            ("admin upload", self.upload),
            ("edit a turn's text and topics", self.edit),
            ("merge two speakers", self.merge),
            ("retag", self.retag),
            ("rebuild_index", self.rebuild),
        ]
        try:
            while True:
                for name, step in writes:
                    self.write(name, step)
                if time.monotonic() >= deadline:
                    break
        finally:
            self.stop_reading.set()
            for reader in readers:
                reader.join(70)
        return self.report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--readers", type=int, default=3)
    args = parser.parse_args()
    living = LivingArchive(Path(tempfile.mkdtemp(prefix="living-archive-")), workers=args.workers, readers=args.readers)
    print(f"setting up {living.archive.data_dir}")
    living.setup()
    living.start()
    started = time.monotonic()
    try:
        report = living.run(args.seconds)
    finally:
        living.stop()
    print(f"{time.monotonic() - started:.0f} s, {args.workers} workers, {args.readers} reader threads")
    print(report.summary())


if __name__ == "__main__":
    main()
