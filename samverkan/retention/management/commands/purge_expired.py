"""Purge every record past its retention rule: ``manage.py purge_expired [--dry-run] [--as-of DATE]``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from samverkan.accounts.models import Agency
from samverkan.retention.actions import do_purge_expired


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of must be a date (YYYY-MM-DD), not {value!r}") from exc


class Command(BaseCommand):
    help = "Delete or anonymise every record past its retention rule (see docs/lifecycle.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only list what would go, by rule.")
        parser.add_argument("--as-of", type=_day, default=None, help="The day the rules are applied on (default: today).")
        parser.add_argument("--agency", default="", help="Only this agency's records (its code).")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(f"No agency {options['agency']!r}")
        result = do_purge_expired(as_of=as_of, dry_run=options["dry_run"], agency=agency)
        heading = "Dry run: nothing changed" if options["dry_run"] else "Purged"
        self.stdout.write(f"{heading} (rules in force on {as_of.isoformat()}):")
        for line in result.lines():
            self.stdout.write(f"  {line}")
