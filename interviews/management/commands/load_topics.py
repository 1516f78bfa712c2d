from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interviews.management.commands.retag import report_progress
from interviews.models import Transcript
from interviews.topics.tagging import load_vocabulary, tag_transcripts
from interviews.topics.vocabulary import VOCABULARY_FILE, VocabularyError


class Command(BaseCommand):
    help = (
        "Load the topic vocabulary (data/topics.json) into the database. Safe to re-run: new topics "
        "are added and the file's changes since the last load (keywords added or dropped, names) are "
        "applied, while what editors changed in the admin stays. Never deletes a topic, and never "
        "touches an editor's topic decisions on turns. When keyword rules changed, existing turns "
        "are re-tagged; the turns of a renamed topic are re-indexed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=VOCABULARY_FILE, help="Default: data/topics.json")
        parser.add_argument("--no-retag", action="store_true", help="Do not re-tag existing turns.")

    def handle(self, *args, **options):
        try:
            result = load_vocabulary(options["path"])
        except VocabularyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Topics: {result.summary()}")
        for label, slugs in (("new", result.created), ("updated", result.updated)):
            if slugs:
                self.stdout.write(f"  {label}: {', '.join(slugs)}")
        transcripts = Transcript.objects.order_by("interview__slug", "slug")
        if result.rules_changed and not options["no_retag"] and transcripts.exists():
            self.stdout.write("Keyword rules changed: re-tagging existing turns")
            transcripts = transcripts.select_related("interview")
            total = tag_transcripts(transcripts, progress=report_progress(self, transcripts.count()))
            self.stdout.write(total.summary())
