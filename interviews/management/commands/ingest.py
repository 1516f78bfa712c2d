import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interviews import outbox
from interviews.ingest import PROGRESS_EVERY, ingest_transcript, parse_source
from interviews.models import Turn
from interviews.search.engines import engine
from interviews.search.indexing import compaction_advice
from interviews.sources import IngestError, collect_sources


class Command(BaseCommand):
    help = "Load transcript files (or directories of them, with their JSON manifests) into the archive."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Parse only; write nothing.")
        parser.add_argument("--json", action="store_true", help="With --dry-run: print the parse as JSON.")

    def handle(self, *paths, **options):
        if not options["dry_run"]:
            outbox.process_pending()  # index work a killed ingest or upload left behind
        sources, failures = collect_sources(options["paths"])
        for name, reason in failures:
            self.stderr.write(f"{name}: error: {reason}")
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        show_progress = len(sources) > 1 and not options["json"]
        if options["dry_run"]:  # writes nothing, the index included
            self._ingest_all(sources, failures, counts, show_progress, options, lambda: None)
        else:
            try:
                with outbox.batched(waiting=self._waiting_printer) as apply_index_work_if_due:
                    self._ingest_all(sources, failures, counts, show_progress, options, apply_index_work_if_due)
            except outbox.IndexWorkFailed as exc:
                raise CommandError(
                    f"the search index could not be updated: {exc}. The transcripts ingested so far are "
                    "saved; their index work stays pending for the next `manage.py ingest` or "
                    "`manage.py check_index --fix`."
                ) from exc
        if not options["dry_run"]:
            summary = ", ".join(f"{n} {status}" for status, n in counts.items())
            self.stdout.write(f"{summary}, {len(failures)} failed")
            self._advise_compaction()
        if failures:
            sys.exit(1)

    def _ingest_all(self, sources, failures, counts, show_progress, options, apply_index_work_if_due):
        for number, (name, source) in enumerate(sources, 1):
            prefix = f"[{number}/{len(sources)}] " if show_progress else ""
            try:
                if options["dry_run"]:
                    parsed = parse_source(source)
                    if options["json"]:
                        self.stdout.write(json.dumps(parsed.to_json(), ensure_ascii=False))
                    else:
                        self.stdout.write(f"{prefix}{name}: would ingest {len(parsed.turns)} turns")
                    continue
                result = ingest_transcript(source, progress=self._progress_printer(f"{prefix}{name}"))
            except IngestError as exc:
                failures.append((name, str(exc)))
                self.stderr.write(f"{prefix}{name}: error: {exc}")
                continue
            counts[result.status] += 1
            self.stdout.write(f"{prefix}{name}: {result.summary()}")
            for pair in result.alignment.pairs if result.alignment else []:
                self.stdout.write(f"  aligned {pair}")
            apply_index_work_if_due()

    def _advise_compaction(self):
        """A bulk load leaves the index in many segments, each searched in turn, and a corrected
        file's turns leave deleted documents: say how to compact them (`compaction_advice`)."""
        current = engine()
        advice = compaction_advice(current.segment_sizes(), current.deleted_documents(), Turn.objects.count())
        if advice:
            self.stdout.write(advice)

    def _waiting_printer(self, pending):
        self.stderr.write(f"index: {pending:,} turns still to index")

    def _progress_printer(self, name):
        """Progress lines on stderr for a file big enough to take a while (over 1,000 turns)."""

        def progress(done, total, stage):
            if stage == "writing" and done and total > PROGRESS_EVERY:
                self.stderr.write(f"{name}: writing turns {done:,}/{total:,}")

        return progress
