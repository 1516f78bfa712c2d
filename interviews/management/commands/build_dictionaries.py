from django.core.management.base import BaseCommand

from interviews.search.expansion import build_dictionaries


class Command(BaseCommand):
    help = "Build the bilingual dictionaries cross-language search uses (CC-CEDICT, Ding, the topics)."

    def handle(self, *args, **options):
        path, counts, missing = build_dictionaries()
        for source in missing:
            self.stderr.write(f"{source} is not installed: its languages are not translated")
        pairs = ", ".join(f"{direction} {count:,}" for direction, count in sorted(counts.items()))
        self.stdout.write(f"{path}: {pairs}")
