from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from interviews.backup import BackupError, export_archive


class Command(BaseCommand):
    help = "Write the whole archive (rows, editor decisions, original files) to one versioned ZIP."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", type=Path, help="Where to write the ZIP (default: archive-export-<time>.zip here)."
        )

    def handle(self, *args, **options):
        path = options["path"] or Path(f"archive-export-{timezone.now():%Y%m%d-%H%M%S}.zip")
        self.stdout.write(f"Exporting to {path}")
        try:
            manifest = export_archive(path, progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"Wrote {path}: {rows} rows, {len(manifest['files'])} original files, {path.stat().st_size / 1e6:.1f} MB"
        )
