"""The year's results in one command: ``manage.py results_report --year 2021 --format text``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from samverkan.accounts.models import Area
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.operations.models import Operation
from samverkan.reports.definitions import Filter
from samverkan.reports.exports import FORMATS, render
from samverkan.reports.report import Mode, build_report


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = (
        "Print or write the results of the joint work for a period: the press release's fact block, "
        "the figures and their breakdowns, exact (internal) or safe to publish (--public)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        period = parser.add_mutually_exclusive_group()
        period.add_argument("--year", type=int, help="A calendar year, e.g. 2021.")
        period.add_argument("--from", dest="date_from", help="First day, YYYY-MM-DD (with --to).")
        parser.add_argument("--to", dest="date_to", help="Last day, YYYY-MM-DD (with --from).")
        parser.add_argument("--area", action="append", default=[], help="An area's code or name; may be repeated.")
        parser.add_argument("--operation", help="An operation's name.")
        parser.add_argument("--public", action="store_true", help="Protect small counts, for publication.")
        parser.add_argument("--method", choices=["suppression", "cell_key"], help="The public method (default: settings).")
        parser.add_argument("--format", choices=FORMATS, default="text")
        parser.add_argument("--language", choices=["sv", "en"], default="sv")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        f = self._filter(options)
        with translation.override(options["language"]):
            report = build_report(f, mode=Mode.PUBLIC if options["public"] else Mode.INTERNAL, method=options["method"])
            body = render(report, options["format"], options["language"])
        with transaction.atomic():
            do_record_event(
                user=None,
                action=AuditAction.EXPORT,
                record_type="results",
                username="manage.py results_report",
                detail=f"{options['format']} {report.mode.value} {f.start}–{f.end}",
            )
        if options["output"]:
            try:
                Path(options["output"]).write_bytes(body)
            except OSError as exc:
                raise CommandError(f"Cannot write {options['output']}: {exc.strerror}.") from exc
            self.stderr.write(f"Wrote {options['output']} ({len(body)} bytes).")
        elif options["format"] in ("xlsx", "pdf"):
            raise CommandError(f"--format {options['format']} needs --output FILE.")
        else:
            sys.stdout.write(body.decode("utf-8"))
            sys.stdout.write("\n")

    def _filter(self, options: dict[str, Any]) -> Filter:
        if options["date_from"] or options["date_to"]:
            if not (options["date_from"] and options["date_to"]):
                raise CommandError("Give both --from and --to.")
            start, end = _date(options["date_from"]), _date(options["date_to"])
            if end < start:
                raise CommandError("--to is before --from.")
        elif options["year"] is not None:
            if not 1900 < options["year"] < 2200:
                raise CommandError(f"{options['year']} is not a plausible year.")
            start, end = dt.date(options["year"], 1, 1), dt.date(options["year"], 12, 31)
        else:
            raise CommandError("Give --year, or --from and --to.")
        area_ids: set[int] = set()
        for text in options["area"]:
            matches = list(Area.objects.filter(Q(code=text) | Q(name__iexact=text)).values_list("pk", flat=True))
            if not matches:
                raise CommandError(f"No area is called {text!r}.")
            area_ids.update(matches)
        operation_id = None
        if options["operation"]:
            operation = Operation.objects.filter(name__iexact=options["operation"]).first()
            if operation is None:
                raise CommandError(f"No operation is called {options['operation']!r}.")
            operation_id = operation.pk
        return Filter(start, end, area_ids=frozenset(area_ids), operation_id=operation_id)
