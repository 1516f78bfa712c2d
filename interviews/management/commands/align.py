from django.core.management.base import BaseCommand, CommandError

from interviews.models import Interview
from interviews.translations.store import align_interview


class Command(BaseCommand):
    help = (
        "Link the turns of an interview's transcripts that say the same thing (see docs/editors.md, "
        "Translations). Replaces automatic links; editors' confirmed and rejected links are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("interview", nargs="?", help="The interview's slug.")
        parser.add_argument("--all", action="store_true", help="Align every interview.")

    def handle(self, *args, **options):
        if options["all"] == bool(options["interview"]):
            raise CommandError("Name one interview by its slug, or use --all.")
        if options["all"]:
            interviews = list(Interview.objects.order_by("slug"))
        else:
            interviews = list(Interview.objects.filter(slug=options["interview"]))
            if not interviews:
                raise CommandError(f"No interview with the slug “{options['interview']}”.")
        for number, interview in enumerate(interviews, 1):
            prefix = f"[{number}/{len(interviews)}] " if len(interviews) > 1 else ""
            summary = align_interview(interview)
            for line in str(summary).splitlines():
                self.stdout.write(f"{prefix}{line}")
