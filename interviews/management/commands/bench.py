import argparse
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks import bench


class Command(BaseCommand):
    help = (
        "Build a synthetic archive of N turns in a temporary data directory (never yours) through the "
        "real ingest, then measure ingest rate, search latency against raw Whoosh, memory, sizes and "
        "upload-to-searchable time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--turns", type=int, default=10000, help="Turns in the archive (default 10000).")
        parser.add_argument("--json", action="store_true", help="Print the figures as one JSON object.")
        parser.add_argument("--queries", type=int, default=200, help="Searches in the fixed mix (default 200).")
        parser.add_argument("--rounds", type=int, default=3, help="Timed passes over the mix (default 3).")
        parser.add_argument("--seed", type=int, default=7, help="Generator seed: same seed, same archive.")
        parser.add_argument(
            "--keep", type=Path, metavar="DIR", help="Keep the archive in DIR (new or empty), e.g. for `make loadtest`."
        )
        parser.add_argument(
            "--profile",
            type=Path,
            metavar="FILE",
            help="Profile the ingest with cProfile into FILE (slows the ingest).",
        )
        parser.add_argument("--no-upload", action="store_true", help="Skip the upload-to-searchable timing.")
        parser.add_argument(
            "--peers",
            default=None,
            help="Peers to time beside the archive, comma-separated: fts5 (SQLite FTS5), haystack "
            "(Haystack's stock Whoosh backend), none (default: all). Above 20,000 turns the Haystack "
            "peer times only the first 30 queries of the mix.",
        )
        parser.add_argument(
            "--search-again",
            type=Path,
            metavar="DIR",
            help="Only run the search phase again, on an archive kept by --keep (e.g. after "
            "`manage.py rebuild_index` there); prints its figures as JSON.",
        )
        # Internal: one phase in a child process whose ARCHIVE_DATA_DIR is inside --dir.
        parser.add_argument("--phase", help=argparse.SUPPRESS)
        parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
        parser.add_argument("--marker", help=argparse.SUPPRESS)

    def handle(self, **options):
        if options["phase"]:
            result = bench.run_phase(options["phase"], options["dir"], options)
            if result is not None:
                self.stdout.write(json.dumps(result))
            return
        if options["search_again"]:
            try:
                results = bench.search_again(
                    options["search_again"], rounds=options["rounds"], peers=bench.parse_peers(options["peers"])
                )
            except bench.BenchError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(json.dumps(results, indent=1))
            return
        if options["turns"] < 1 or options["queries"] < 3 or options["rounds"] < 1:
            raise CommandError("--turns and --rounds must be at least 1, --queries at least 3")
        try:
            results = bench.run(
                turns=options["turns"],
                queries=options["queries"],
                rounds=options["rounds"],
                seed=options["seed"],
                keep=options["keep"],
                profile=options["profile"],
                upload=not options["no_upload"],
                peers=bench.parse_peers(options["peers"]),
                stderr=self.stderr,
            )
        except bench.BenchError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(results, indent=1) if options["json"] else bench.report(results))
