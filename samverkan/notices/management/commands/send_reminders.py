"""Reminders of deadlines and the e-mail digest, for a schedule (cron, a systemd timer).

Runs at once by default; ``--queue USERNAME`` starts it as a background job for that
user's agency instead (run by ``manage.py db_worker``), visible on the user's job list.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.accounts.models import Agency, User
from samverkan.jobs.actions import do_start_job
from samverkan.notices.reminders import REMINDERS, run


class Command(BaseCommand):
    help = "Notify users of child-concern deadlines within 24 hours or past, and e-mail the digest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", help="Only this agency (its code).")
        parser.add_argument("--queue", metavar="USERNAME", help="Start it as a background job of this user instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            user = User.objects.filter(username=options["queue"], is_active=True).first()
            if user is None or user.agency is None:
                raise CommandError("No active user of an agency with that username.")
            job = do_start_job(REMINDERS, acting_user=user)
            self.stdout.write(f"queued job {job.pk}")
            return
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError("No agency with that code.")
        result = run(agency)
        self.stdout.write(f"notified {result.notified}, e-mailed {result.emailed}")
