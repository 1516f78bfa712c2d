import sys
import threading
import time

from django.core.management.base import BaseCommand, CommandError

from interviews.search.generations import RebuildRunning
from interviews.search.indexing import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database into a new directory, then swap it in: "
        "searches stay complete while it runs. (Replaces Haystack's rebuild_index, which clears first.)"
    )

    def add_arguments(self, parser):
        # Accepted for compatibility with Haystack's command; there is nothing to confirm.
        parser.add_argument("--noinput", "--no-input", action="store_true", help=None)

    def handle(self, *args, **options):
        started = time.monotonic()
        interactive = self.stdout.isatty()
        finishing = _Finishing(self.stdout, interactive)

        def progress(done, total):
            width = 30
            filled = width * done // total if total else width
            rate = done / max(time.monotonic() - started, 1e-6)
            line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} turns, {rate:.0f}/s"
            if interactive:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
            elif done == total or done % 5000 < 500:
                self.stdout.write(line)
            if done == total:
                finishing.start()

        try:
            count = rebuild(progress=progress)
        except RebuildRunning as exc:
            raise CommandError(str(exc)) from None
        finally:
            finishing.stop()
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"indexed {count} turns in {elapsed:.1f} s; the new index is live"))
        sys.stdout.flush()


class _Finishing:
    """Once every turn is written, the new index's postings are sorted and merged into one segment
    on disk, which Whoosh reports nothing about: at 100,000 turns it took about a third of the
    rebuild (some 290 of 860 s on a busy 2-core machine). This says so, then shows the time it has
    taken so far, every second on a terminal and every ``EVERY_S`` seconds in a log."""

    EVERY_S = 30

    def __init__(self, stdout, interactive):
        self.stdout, self.interactive = stdout, interactive
        self.stopped = threading.Event()
        self.thread = None

    def start(self):
        if self.thread is not None:
            return
        self.began = time.monotonic()
        if self.interactive:
            self.stdout.write("")
        self.stdout.write("every turn written; merging the new index into one segment on disk")
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        every = 1 if self.interactive else self.EVERY_S
        while not self.stopped.wait(every):
            line = f"merging: {time.monotonic() - self.began:.0f} s so far"
            if self.interactive:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
            else:
                self.stdout.write(line)

    def stop(self):
        self.stopped.set()
        if self.thread is not None:
            self.thread.join()
            if self.interactive:
                self.stdout.write("")
            self.stdout.write(f"merged in {time.monotonic() - self.began:.1f} s")
