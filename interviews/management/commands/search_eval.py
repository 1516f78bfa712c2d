from django.core.management.base import BaseCommand

from interviews.search.evaluation import JUDGED_QUERIES, breakdown, evaluate, load


class Command(BaseCommand):
    help = "Run the judged queries and print recall@20 and success@10 per language and overall."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(JUDGED_QUERIES), help="A judged query set (JSON).")
        parser.add_argument("--verbose", "-V", action="store_true", help="One line per query as well.")

    def handle(self, *args, **options):
        outcomes = evaluate(load(options["path"]))
        if options["verbose"]:
            for o in outcomes:
                mark = "ok " if o.success_at_10 else "-- "
                self.stdout.write(
                    f"{mark}{o.judged.language} {o.judged.query!r}: {o.found_in_20}/{len(o.judged.relevant)}"
                )
        self.stdout.write(f"{'':12} {'queries':>7} {'recall@20':>10} {'success@10':>11}")
        for name, s in breakdown(outcomes).items():
            self.stdout.write(
                f"{name:12} {s.queries:>7} {s.recall_at_20:>10.2f} {s.success_at_10:>11.2f}   ({s.found} of {s.relevant} relevant turns)"
            )
