"""Fault injection: kill -9 ingests and uploads at random points, recover as a deployment does, and
check that nothing was lost, half-written or left locked.

    make faults                                                   # 50 kills, about 10 minutes
    .venv/bin/python benchmarks/fault_injection.py --kills 3 --quick # the suite's short version

A throwaway archive (ARCHIVE_DATA_DIR in a temporary directory, set up like `make data`) is served
by gunicorn on a loopback port. Each round starts one of four writes of a generated transcript:

- ``ingest``: a new interview through the real `manage.py ingest` (a child process);
- ``correction``: a corrected version of a transcript already in the archive (turns removed,
  edited, added) through `manage.py ingest`;
- ``upload``: the admin upload (upload, preview, confirm) through gunicorn;
- ``upload-correction``: a corrected version through the admin upload.

Once the write has started (the ingest's first log line; the confirm request sent), it waits a
random delay up to the write's expected duration and sends SIGKILL to the ingest process or the
upload job runner writing the confirmed upload (`manage.py run_jobs`, gunicorn's child). The log lines the child wrote before it died say where the
kill landed: parse, the database transaction, between the commit and the index write, the index
write, or after it. Then, as a deployment would:

- ingest kills: the operator runs the same `manage.py ingest` again (it applies the index work
  the dead one left before it starts);
- upload kills: gunicorn starts another runner, which runs the job again (its dead runner was on
  this machine, so at once); the editor's progress page follows it to the end. The site applies
  index work older than ARCHIVE_INDEX_RETRY_SECONDS (1 s here) after its next response.

After each kill, before recovery: no transcript is partial and no lock is stuck (the Whoosh write
lock and a SQLite write transaction are free within 5 s). After recovery: every committed
transcript is whole (turn count, ordinals, sections, its original's sha256) and every one of its
turns is found by the search module (a marker word in every turn; every key in the index), no
index document without a turn, nothing pending. Exit status 1 if anything failed.

The checks themselves are shared with the upload fuzzer (``integrity.py``). What remains here is
one run's schedule of writes and kills, held by ``Faults`` (the archive, the generated files and
what each round committed): longer than the other tools because the steps share that state.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import integrity  # noqa: E402
from harness import (  # noqa: E402
    Archive,
    Client,
    Generated,
    Response,
    corrected,
    follow_job,
    form_fields,
    free_port,
    generate,
    manifest,
    seed_sentences,
    stage_upload,
)

KINDS = ("ingest", "correction", "upload", "upload-correction")
# Where a kill landed, by the last log line the killed process wrote (see interviews/ingest.py and
# interviews/search.py): marker -> phase.
PHASES = [
    ("index: cleared", "after the index write"),
    ("index: committed", "index committed, outbox not yet cleared"),
    ("index: writing", "mid index write"),
    (": committed", "committed, index not yet written"),
    (": parsed", "mid transaction (DB write)"),
    (": started", "parse"),
]
PHASE_ORDER = [
    "before ingest (start-up / upload request)",
    "parse",
    "mid transaction (DB write)",
    "committed, index not yet written",
    "mid index write",
    "index committed, outbox not yet cleared",
    "after the index write",
]
# Seconds per turn of a whole write from its first log line, measured on the 2-core development
# machine (ingest 33 turns in 1.7 s, upload confirm 23 turns in 0.7 s); calibration replaces them.
TYPICAL_SECONDS_PER_TURN = {"ingest": 0.05, "upload": 0.03}
STUCK_AFTER = 5.0  # seconds a lock may stay held after a kill before it counts as stuck
# A share of the kills waits for one of these log lines instead of a random delay.
TARGETS = [": parsed", ": committed", "index: writing", "index: committed"]
TARGETED_SHARE = 0.4


def due(t0: float, after: float, on: str, lines) -> bool:
    """Time to kill: the line ``on`` was logged, or (without one) ``after`` seconds passed."""
    if on:
        return any(on in line and not (on == ": committed" and "index: committed" in line) for line in lines)
    return time.monotonic() - t0 >= after


def phase_of(lines: list[str]) -> str:
    """Where the kill landed: the phase after the last step the killed process logged."""
    for line in reversed(lines):
        if "ingest " in line or "index: " in line:
            for marker, phase in PHASES:
                if marker in line:
                    if phase.startswith(("mid index", "index committed", "after the index")) and not any(
                        ": started" in earlier for earlier in lines
                    ):
                        return "before ingest (start-up / upload request)"  # the start-up drain of an older run
                    return phase
    return PHASE_ORDER[0]


@dataclass
class Round:
    number: int
    kind: str
    turns: int
    killed: bool = False
    delay: float = 0.0
    target: str = ""
    phase: str = ""
    committed_at_kill: bool = False
    pending_at_kill: int = 0
    recovery_seconds: float = 0.0
    problems: list = field(default_factory=list)


class Faults:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="fault-injection-"))
        self.archive = Archive(
            self.data_dir,
            args.port or free_port(),
            extra_env={
                "WEB_CONCURRENCY": "1",  # the worker to kill is the one serving the confirm
                "ARCHIVE_RATE_LIMIT": "off",
                "ARCHIVE_CARD_RENDER_LIMIT": "off",
                "ARCHIVE_INDEX_RETRY_SECONDS": "1",
                "DJANGO_LOG_LEVEL": "INFO",  # ingest and index steps, to tell where a kill landed
            },
        )
        self.known: dict[str, Generated] = {}  # sha256 -> generated file
        self.live: dict[int, Generated] = {}  # generated number -> its latest committed version
        self.interviews: dict[int, tuple[int, str]] = {}  # generated number -> (interview pk, slug)
        self.per_turn: dict[str, float] = {}  # seconds per turn of a write, from writes that finished
        self.rounds: list[Round] = []
        self.workdir = self.data_dir / "work"
        self.number = 0

    # --- Setting up -------------------------------------------------------------------------------

    def setup(self):
        say(f"archive in {self.data_dir}, gunicorn on {self.archive.url}")
        self.archive.use_here()
        self.archive.setup(seeds=not self.args.quick)
        self.archive.start()
        self.client = Client(self.archive.url)
        self.client.login()
        self.sentences = seed_sentences()

    def turns_for_round(self) -> int:
        low, high = (15, 40) if self.args.quick else (40, 400)
        return self.rng.randint(low, high)

    def new_generated(self) -> Generated:
        self.number += 1
        language = self.rng.choice(["de", "zh"])
        gen = generate(self.number, language, self.turns_for_round(), self.sentences, self.rng)
        self.known[gen.sha256] = gen
        return gen

    def correction_of(self, kind) -> Generated | None:
        candidates = list(self.live.values())
        if not candidates:
            return None
        gen = corrected(self.rng.choice(candidates), self.sentences, self.rng)
        self.known[gen.sha256] = gen
        return gen

    # --- One write --------------------------------------------------------------------------------

    def expected(self, kind, turns) -> float:
        base = "upload" if kind.startswith("upload") else "ingest"
        per_turn = self.per_turn.get(kind) or self.per_turn.get(base) or TYPICAL_SECONDS_PER_TURN[base]
        return max(0.3, per_turn * turns)

    def write_files(self, gen: Generated) -> Path:
        directory = self.workdir / f"round-{len(self.rounds) + 1}-{gen.number}"
        directory.mkdir(parents=True)
        name = f"generated-{gen.number}-{gen.language}.txt"
        (directory / name).write_bytes(gen.data())
        slug = self.interviews.get(gen.number, (None, ""))[1]
        (directory / "manifest.json").write_text(
            json.dumps(manifest(gen, name, slug), ensure_ascii=False), encoding="utf-8"
        )
        return directory

    def run_ingest(
        self, directory: Path, kill_after: float | None, kill_on: str
    ) -> tuple[int | None, list[str], float]:
        """`manage.py ingest directory`; killed ``kill_after`` seconds after its first log line, or as
        soon as it logs a line containing ``kill_on``."""
        proc = subprocess.Popen(
            self.archive.command("ingest", str(directory)),
            env=self.archive.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self.child = proc
        lines: list[str] = []
        started = threading.Event()

        def read(stream):
            for line in stream:
                lines.append(line.rstrip("\n"))
                if ": started" in line:
                    started.set()

        readers = [threading.Thread(target=read, args=(s,), daemon=True) for s in (proc.stdout, proc.stderr)]
        for reader in readers:
            reader.start()
        while not started.is_set() and proc.poll() is None:
            started.wait(0.01)
        t0 = time.monotonic()
        if kill_after is not None:
            while proc.poll() is None and not due(t0, kill_after, kill_on, lines):
                time.sleep(0.002)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                for reader in readers:
                    reader.join(5)
                return None, lines, time.monotonic() - t0
        proc.wait(timeout=600)
        for reader in readers:
            reader.join(5)
        return proc.returncode, lines, time.monotonic() - t0

    def run_upload(self, gen: Generated, kill_after: float | None, kill_on: str, correction: bool):
        """Upload and preview, then the confirm, followed as its progress page does; the job runner
        writing it is killed ``kill_after`` seconds after the confirm was sent, or when it logs
        ``kill_on``. Returns (the job page's status, or None if killed; log lines; seconds)."""
        details = {"language": gen.language}
        if correction:
            details.update(interview=str(self.interviews[gen.number][0]), slug=gen.language)
        staged = stage_upload(self.client, f"upload-{gen.number}.txt", gen.data(), details)
        if staged.status != 302:
            raise RuntimeError(f"upload refused ({staged.status}): {staged.text[:500]}")
        preview_url = staged.headers["location"]
        preview = self.client.get(preview_url)
        fields = form_fields(preview.text)
        fields["action"] = "confirm"
        self.preview_url, self.confirm_fields = preview_url, fields
        runner = self.job_runner()
        log_start = len(self.archive.log)
        outcome = {}

        def confirm():
            try:
                confirmed = self.client.post(preview_url, fields, timeout=300)
                self.job_url = confirmed.headers.get("location", "")
                outcome["response"] = follow_job(self.client, confirmed, timeout=300)
            except (OSError, RuntimeError) as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=confirm, daemon=True)
        t0 = time.monotonic()
        thread.start()
        killed = False
        if kill_after is not None:
            while thread.is_alive() and not due(
                t0, kill_after, kill_on, (line for _, line in self.archive.log[log_start:])
            ):
                time.sleep(0.002)
            if thread.is_alive():
                os.kill(runner, signal.SIGKILL)
                killed = True
        if killed:
            seconds = time.monotonic() - t0
            # The dead runner's lines are in the pipe before the master's notice of its death.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                log = [line for _, line in self.archive.log[log_start:]]
                end = next((i for i, line in enumerate(log) if "job runner exited" in line), None)
                if end is not None:
                    return None, log[:end], seconds
                time.sleep(0.05)
            return None, [line for _, line in self.archive.log[log_start:]], seconds
        thread.join(300)
        seconds = time.monotonic() - t0
        lines = [line for _, line in self.archive.log[log_start:]]
        response = outcome.get("response")
        return (response.status if response else 0), lines, seconds

    def job_runner(self, timeout=90) -> int:
        """The pid of the live upload job runner gunicorn started: found among the master's
        children, as the log line naming a pid can be of a runner already gone."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.archive.job_runner()
            if pid is not None:
                return pid
            time.sleep(0.1)
        tail = "\n".join(line for _, line in self.archive.log[-40:])
        raise RuntimeError(
            f"gunicorn has no live upload job runner after {timeout} s "
            f"(master {self.archive.server.pid}, children {self.archive.children()}); its log ends:\n{tail}"
        )

    # --- Checks -----------------------------------------------------------------------------------

    def locks_free(self) -> list[str]:
        """The Whoosh write lock and a SQLite write transaction, each within STUCK_AFTER seconds."""
        from django.db import transaction

        from interviews.models import IndexTask
        from interviews.search.engines import engine

        problems = []
        ix = engine().backend.open_index()
        lock = ix.storage.lock(ix.indexname + "_WRITELOCK")
        deadline = time.monotonic() + STUCK_AFTER
        while not lock.acquire(blocking=False):
            if time.monotonic() > deadline:
                problems.append("stuck: the search index's write lock is still held")
                break
            time.sleep(0.05)
        else:
            lock.release()
        t0 = time.monotonic()
        try:
            with transaction.atomic():
                IndexTask.objects.filter(pk=0).update(attempts=0)  # takes the write lock
        except Exception as exc:
            problems.append(f"stuck: the database refused a write ({exc})")
        if time.monotonic() - t0 > STUCK_AFTER:
            problems.append(f"stuck: a database write waited {time.monotonic() - t0:.1f} s")
        return problems

    def partial_transcripts(self) -> list[str]:
        """Transcripts whose rows disagree with each other or with the file they record, or with
        the generated file they came from."""
        from interviews.models import RemovedTurn, Transcript, Turn

        problems = []
        for transcript in Transcript.objects.all():
            problems += integrity.transcript_problems(transcript)
            gen = self.known.get(transcript.sha256)
            if gen is not None:
                texts = list(transcript.turns.values_list("text", flat=True))
                if len(texts) != len(gen.turns) or any(gen.marker not in text for text in texts):
                    where = f"{transcript.interview.slug}/{transcript.slug}"
                    problems.append(f"partial: {where} has {len(texts)} of the file's {len(gen.turns)} turns")
        removed = set(RemovedTurn.objects.values_list("key", flat=True))
        if removed & set(Turn.objects.values_list("key", flat=True)):
            problems.append("partial: a key is both a live turn and a removed one")
        return problems

    def index_problems(self, numbers) -> list[str]:
        """Every turn in the index and found by its words, no ghosts, nothing pending."""
        from interviews.models import Turn
        from interviews.search import query as search

        problems = integrity.index_problems()
        for number in numbers:
            gen = self.live.get(number)
            if gen is None:
                continue
            keys = set(
                Turn.objects.filter(transcript__interview_id=self.interviews[number][0]).values_list("key", flat=True)
            )
            found, page = set(), 1
            while True:
                result = search.search(search.SearchParams(q=gen.marker, page=page))
                found |= {hit.key for hit in result.results}
                if not result.has_next:
                    break
                page += 1
            if found != keys:
                problems.append(
                    f"lost: generated transcript {number}: {len(keys - found)} of {len(keys)} turns not found by search"
                    + (f", {len(found - keys)} ghosts" if found - keys else "")
                )
        return problems

    def wait_for_outbox(self, timeout=30.0) -> float:
        """Requests to the site until its post-response retry has applied every pending task."""
        from interviews.models import IndexTask

        t0 = time.monotonic()
        while IndexTask.objects.exists():
            if time.monotonic() - t0 > timeout:
                break
            try:
                self.client.get("/robots.txt", timeout=60)
            except OSError:
                pass
            time.sleep(0.2)
        return time.monotonic() - t0

    def committed(self, gen: Generated) -> bool:
        from interviews.models import Transcript

        return Transcript.objects.filter(sha256=gen.sha256).exists()

    def note_committed(self, gen: Generated):
        from interviews.models import Transcript

        transcript = Transcript.objects.select_related("interview").filter(sha256=gen.sha256).first()
        if transcript is not None:
            self.live[gen.number] = gen
            self.interviews[gen.number] = (transcript.interview_id, transcript.interview.slug)

    # --- Rounds -----------------------------------------------------------------------------------

    def one_round(self, kind: str, kill: bool) -> Round:
        from interviews.models import IndexTask

        gen = self.correction_of(kind) if "correction" in kind else self.new_generated()
        if gen is None:
            kind, gen = ("upload" if "upload" in kind else "ingest"), self.new_generated()
        rnd = Round(len(self.rounds) + 1, kind, len(gen.turns))
        expected = self.expected(kind, len(gen.turns))
        kill_after = self.rng.uniform(0, expected) if kill else None
        # Some kills wait for a step's first log line instead: the windows between the commit and
        # the index write, and between the index commit and clearing the outbox, last milliseconds.
        kill_on = self.rng.choice(TARGETS) if kill and self.rng.random() < TARGETED_SHARE else ""
        rnd.delay, rnd.target = kill_after or 0.0, kill_on
        if kind in ("ingest", "correction"):
            directory = self.write_files(gen)
            status, lines, seconds = self.run_ingest(directory, kill_after, kill_on)
        else:
            directory = None
            status, lines, seconds = self.run_upload(gen, kill_after, kill_on, correction=kind == "upload-correction")
        rnd.killed = status is None
        if not rnd.killed:
            ok = status == 0 if directory else status == 302
            if not ok:
                rnd.problems.append(f"error: the write failed on its own (status {status}): {lines[-3:]}")
            self.per_turn[kind] = seconds / len(gen.turns)
            self.note_committed(gen)
            if not self.committed(gen):
                rnd.problems.append("lost: a write that reported success is not in the archive")
            rnd.problems += self.wait_and_check([gen.number])
            return rnd

        rnd.phase = phase_of(lines)
        rnd.committed_at_kill = self.committed(gen)
        rnd.pending_at_kill = IndexTask.objects.count()
        rnd.problems += self.partial_transcripts()
        rnd.problems += self.locks_free()

        t0 = time.monotonic()
        self.write_again(rnd, directory)
        self.wait_for_outbox()
        rnd.recovery_seconds = time.monotonic() - t0
        self.note_committed(gen)
        if directory is not None and not self.committed(gen):
            rnd.problems.append("lost: the transcript is not in the archive after the ingest ran again")
        rnd.problems += self.partial_transcripts()
        rnd.problems += self.index_problems([gen.number])
        return rnd

    def write_again(self, rnd: Round, directory: Path | None) -> None:
        """After a kill, what a person does: the operator runs the ingest again, or the editor
        confirms the upload again. A failure of that second write is a problem of the round."""
        log_start = len(self.archive.log)
        if directory is not None:  # the operator runs the ingest again
            result = self.archive.manage("ingest", str(directory), check=False, timeout=600)
            if result.returncode:
                rnd.problems.append(f"error: the ingest run again failed: {result.stderr[-500:]}")
        else:  # the editor's progress page follows the job, which the next runner runs again
            try:
                page = follow_job(self.client, Response(302, {"location": self.job_url}, b"", 0.0), timeout=300)
                if page.status >= 500 or (page.status == 200 and "already in the archive" not in page.text):
                    rnd.problems.append(f"error: the job run again answered {page.status}: {page.text[-300:]}")
            except (OSError, RuntimeError) as exc:
                tail = [line for _, line in self.archive.log[log_start:]][-15:]
                rnd.problems.append(f"error: the job run again failed ({exc}); gunicorn said: {tail}")

    def wait_and_check(self, numbers) -> list[str]:
        self.wait_for_outbox()
        return self.partial_transcripts() + self.index_problems(numbers)

    def run(self):
        args = self.args
        started = time.monotonic()
        self.setup()
        kinds = list(KINDS) if not args.kinds else args.kinds.split(",")
        # A first, whole write of each kind times the kills (the quick run uses typical figures).
        for kind in (
            [] if args.quick else dict.fromkeys("upload" if k.startswith("upload") else "ingest" for k in kinds)
        ):
            rnd = self.one_round(kind, kill=False)
            self.rounds.append(rnd)
            say(
                f"calibration {kind}: {rnd.turns} turns in {self.per_turn.get(kind, 0) * rnd.turns:.2f} s"
                + (f"  PROBLEMS {rnd.problems}" if rnd.problems else "")
            )
        kills = 0
        while kills < args.kills:
            if time.monotonic() - started > args.time_limit:
                say(f"time limit of {args.time_limit:.0f} s reached after {kills} kills")
                break
            kind = kinds[kills % len(kinds)] if args.quick else self.rng.choice(kinds)
            rnd = self.one_round(kind, kill=True)
            self.rounds.append(rnd)
            if rnd.killed:
                kills += 1
            when = f"on {rnd.target.strip(': ')!r}" if rnd.target else f"after {rnd.delay:.2f} s"
            say(
                f"[{kills}/{args.kills}] {rnd.kind:<17} {rnd.turns:>3} turns, "
                + (
                    f"killed {when}: "
                    f"{rnd.phase}; committed={rnd.committed_at_kill}, "
                    f"pending={rnd.pending_at_kill}; recovered in {rnd.recovery_seconds:.1f} s"
                    if rnd.killed
                    else "finished before the kill"
                )
                + (f"\n    PROBLEMS: {rnd.problems}" if rnd.problems else "")
            )
        final = self.wait_and_check(sorted(self.live))
        return self.report(final, time.monotonic() - started)

    def report(self, final_problems, seconds) -> dict:
        killed = [r for r in self.rounds if r.killed]
        problems = [p for r in self.rounds for p in r.problems] + final_problems
        # Rounds (and the final check) with a problem of each kind, not messages.
        kinds = collections.Counter(
            kind
            for found in [r.problems for r in self.rounds] + [final_problems]
            for kind in {p.split(":")[0] for p in found}
        )
        phases = collections.Counter(r.phase for r in killed)
        by_kind = collections.Counter(r.kind for r in killed)
        from interviews.models import Transcript, Turn

        summary = {
            "kills": len(killed),
            "by_kind": dict(by_kind),
            "by_phase": {phase: phases[phase] for phase in PHASE_ORDER if phases[phase]},
            "committed_at_kill": sum(r.committed_at_kill for r in killed),
            "pending_at_kill": sum(1 for r in killed if r.pending_at_kill),
            "lost": kinds["lost"],
            "ghosts": kinds["ghosts"],
            "partial": kinds["partial"],
            "stuck": kinds["stuck"],
            "other_problems": sum(n for k, n in kinds.items() if k not in {"lost", "ghosts", "partial", "stuck"}),
            "problems": problems,
            "transcripts": Transcript.objects.count(),
            "turns": Turn.objects.count(),
            "longest_recovery_s": round(max((r.recovery_seconds for r in killed), default=0), 1),
            "seconds": round(seconds),
        }
        short = {
            PHASE_ORDER[0]: "before the ingest began",
            "parse": "in parsing",
            "mid transaction (DB write)": "mid transaction",
            "committed, index not yet written": "after the commit, before the index write",
            "mid index write": "mid index write",
            "index committed, outbox not yet cleared": "after the index commit, before the outbox was cleared",
            "after the index write": "after the index write",
        }
        summary["figure"] = (
            f"{len(killed)} kills ({', '.join(f'{n} {k}' for k, n in by_kind.items())}): "
            + ", ".join(f"{phases[p]} {short[p]}" for p in PHASE_ORDER if phases[p])
            + f"; {summary['lost']} lost, {summary['ghosts']} ghosts, {summary['partial']} partial, "
            f"{summary['stuck']} stuck ({summary['transcripts']} transcripts, {summary['turns']} turns; "
            f"longest recovery {summary['longest_recovery_s']} s)"
        )
        say("\nwhere the kills landed:")
        for phase in PHASE_ORDER:
            if phases[phase]:
                say(f"  {phases[phase]:>3}  {phase}")
        say(f"\n{summary['figure']}")
        for problem in problems:
            say(f"  PROBLEM {problem}")
        return summary

    def close(self, failed: bool):
        child = getattr(self, "child", None)
        if child is not None and child.poll() is None:  # interrupted mid-round
            child.kill()
            child.wait()
        self.archive.stop()
        (self.data_dir / "gunicorn.log").write_text("\n".join(line for _, line in self.archive.log), encoding="utf-8")
        if failed or self.args.keep or self.args.data_dir:
            say(f"the archive and gunicorn.log are kept in {self.data_dir}")
        else:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def say(text):
    print(text, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a new one, printed)")
    parser.add_argument("--port", type=int, default=0, help="loopback port for gunicorn (default: a free one)")
    parser.add_argument("--kinds", default="", help=f"comma-separated, of {', '.join(KINDS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="small transcripts, no seeds, kinds in turn")
    parser.add_argument("--time-limit", type=float, default=1800, help="start no new round after this many seconds")
    parser.add_argument("--data-dir", default="", help="use this directory (kept) instead of a temporary one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary archive for inspection")
    parser.add_argument("--json", default="", help="also write the summary as JSON to this file")
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 30)
    say(f"seed {args.seed}")
    faults = Faults(args)
    summary = None
    try:
        summary = faults.run()
    finally:
        faults.close(failed=summary is not None and bool(summary["problems"]))
    summary["seed"] = args.seed
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    return 1 if summary["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
