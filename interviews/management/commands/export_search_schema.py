import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interviews.search.schema import FILES, export


class Command(BaseCommand):
    help = (
        "Write the search index's schema for Solr (a configset) or Elasticsearch 7 (the index body and "
        "its word list), generated from interviews/search_indexes.py, to deploy/<engine>/."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engine", choices=sorted(FILES), required=True)
        parser.add_argument("--output", help="Directory to write to (default: deploy/<engine>/ in the project).")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit 1 if the files differ from what the code generates.",
        )

    def handle(self, *args, **options):
        directory = options["output"] or settings.BASE_DIR / "deploy" / options["engine"]
        try:
            results = export(options["engine"], directory, check=options["check"])
        except OSError as exc:
            raise CommandError(f"cannot write to {directory}: {exc.strerror or exc}") from None
        for path, status in results:
            self.stdout.write(f"{status:>9}  {path}")
        if options["check"] and any(status == "differs" for _, status in results):
            self.stderr.write(f"out of date: run manage.py export_search_schema --engine {options['engine']}")
            sys.exit(1)
