from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interviews.backup import BackupError, import_archive


class Command(BaseCommand):
    help = "Restore an archive written by `export` into this empty instance, then queue it for indexing."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, **options):
        path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        self.stdout.write(f"Importing {path}")
        try:
            counts = import_archive(path, progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Imported {sum(counts.values())} rows from {path}")
