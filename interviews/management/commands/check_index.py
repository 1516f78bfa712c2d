import sys

from django.core.management.base import BaseCommand

from interviews.search.indexing import check_index


class Command(BaseCommand):
    help = "Compare the search index with the database: turns missing from it, documents whose turn is gone."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Index the missing turns and remove the ghosts.")

    def handle(self, *args, **options):
        report = check_index(fix=options["fix"])
        self.stdout.write(f"{report.turns} turns in the database, {report.documents} documents in the index")
        for label, keys in (
            ("missing from the index", report.missing),
            ("in the index but gone", report.ghosts),
            ("indexed more than once", report.duplicates),
        ):
            if keys:
                shown = ", ".join(keys[:10]) + (f", … ({len(keys) - 10} more)" if len(keys) > 10 else "")
                self.stdout.write(f"{len(keys)} {label}: {shown}")
        if report.pending:
            self.stdout.write(f"{report.pending} index tasks pending")
        for key, attempts, error in report.failing:
            self.stdout.write(f"  {key}: failed {attempts}× ({error})")
        if not report.schema_ok:
            self.stdout.write("the index was built with other fields than the code declares")
        if report.segments is not None:
            self.stdout.write(
                f"the index is in {report.segments} segment{'s' if report.segments != 1 else ''}"
                + (f" holding {report.deleted:,} deleted documents" if report.deleted else "")
            )
        if report.advice:
            self.stdout.write(report.advice)
        if report.ok:
            self.stdout.write(self.style.SUCCESS("index is complete"))
        elif report.fixed:
            after = check_index()
            if after.ok:
                self.stdout.write(self.style.SUCCESS("fixed: index is complete"))
            else:
                self.stderr.write(
                    f"still not complete after fixing: {len(after.missing)} missing, "
                    f"{len(after.ghosts)} ghosts, {after.pending} pending"
                )
                sys.exit(1)
        else:
            self.stdout.write("run with --fix to repair")
            sys.exit(1)
