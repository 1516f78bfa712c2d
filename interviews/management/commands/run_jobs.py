import os
import time

from django.core.management.base import BaseCommand
from django.db import OperationalError

from interviews.upload import jobs


class Command(BaseCommand):
    help = "Write confirmed uploads, one job at a time, until stopped (gunicorn starts one with the site)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run the queued jobs, then exit.")
        parser.add_argument("--poll", type=float, default=1.0, help="Seconds between looks at an empty queue.")
        parser.add_argument(
            "--exit-with-parent", action="store_true", help="Stop when the process that started this one is gone."
        )

    def handle(self, *args, **options):
        parent = os.getppid()
        while not (options["exit_with_parent"] and os.getppid() != parent):
            try:
                job = jobs.run_next()
            except OperationalError as exc:  # the database is busy or restarting: look again later
                self.stderr.write(f"run_jobs: {exc}")
                job = None
            if job is not None:
                self.stdout.write(f"upload job {job.pk} ({job.filename}): {job.status} {job.message}".rstrip())
                self.stdout.flush()
            elif options["once"]:
                return
            else:
                time.sleep(options["poll"])
