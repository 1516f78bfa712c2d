import sys
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

        try:
            count = rebuild(progress=progress)
        except RebuildRunning as exc:
            raise CommandError(str(exc)) from None
        if interactive:
            self.stdout.write("")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"indexed {count} turns in {elapsed:.1f} s; the new index is live"))
        sys.stdout.flush()
