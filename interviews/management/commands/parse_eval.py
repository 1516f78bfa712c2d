from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from interviews.parsing.evaluation import evaluate_dir


class Command(BaseCommand):
    help = (
        "Score the parser on real published transcripts: turn F1 per file and overall, and the "
        "language detected (see docs/parsing.md, The real dev set)."
    )

    def add_arguments(self, parser):
        default = Path(settings.BASE_DIR) / "tests" / "fixtures" / "real"
        parser.add_argument("folder", nargs="?", default=str(default), help=f"Default: {default}")

    def handle(self, *args, **options):
        self.stdout.write(evaluate_dir(Path(options["folder"])).report())
