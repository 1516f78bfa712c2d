from django.core.management.base import BaseCommand, CommandError

from interviews.models import Interview, Transcript
from interviews.topics.tagging import tag_transcripts


def report_progress(command, count):
    """A progress callback printing one line per transcript."""
    done = 0

    def progress(transcript, result):
        nonlocal done
        done += 1
        command.stdout.write(
            f"[{done}/{count}] {transcript.interview.slug}/{transcript.slug}: {result.turns} turns, "
            f"{result.turns - result.untagged} with a topic, {len(result.changed)} changed"
        )

    return progress


class Command(BaseCommand):
    help = (
        "Re-assign topics to turns by the current keyword rules. Rule topics are replaced; topics an "
        "editor added or removed in the admin are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interview", metavar="SLUG", help="Only this interview's transcripts.")

    def handle(self, *args, **options):
        transcripts = Transcript.objects.select_related("interview").order_by("interview__slug", "slug")
        if options["interview"]:
            if not Interview.objects.filter(slug=options["interview"]).exists():
                raise CommandError(f"no interview with the slug {options['interview']!r}")
            transcripts = transcripts.filter(interview__slug=options["interview"])
        total = tag_transcripts(transcripts, progress=report_progress(self, transcripts.count()))
        self.stdout.write(total.summary())
