"""``manage.py import_intel FILE``: bulk import of intelligence items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from samverkan.accounts.models import Agency, AgencyKind, User
from samverkan.intel.importing import FORMATS, ImportRefused, detect_format, import_file


def user_and_agency(options: dict[str, Any]) -> tuple[User | None, Agency]:
    """The user named by ``--user`` (if any) and the police agency the work is for."""
    user = None
    if options["user"]:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
    return user, police_agency(options["agency"], user)


def police_agency(code: str | None, user: User | None) -> Agency:
    """The police agency named, the user's, or the only one there is."""
    if code:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise CommandError(f"No agency with the code {code!r}.")
    elif user is not None and user.agency is not None:
        agency = user.agency
    else:
        police = list(Agency.objects.filter(kind=AgencyKind.POLICE).order_by("code"))
        if len(police) != 1:
            codes = ", ".join(a.code for a in police) or "none"
            raise CommandError(f"Name the police agency the intelligence belongs to with --agency (one of: {codes}).")
        agency = police[0]
    if agency.kind != AgencyKind.POLICE:
        raise CommandError(f"{agency.code} is not a police agency; intelligence belongs to the police.")
    return agency


class Command(BaseCommand):
    help = (
        "Import intelligence items from JSON Lines, CSV or Parquet (one item per record). Invalid "
        "records are reported with line number and reason and skipped; --strict refuses the whole "
        "file instead. Importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the file (.jsonl, .csv or .parquet)")
        parser.add_argument("--format", choices=FORMATS, help="the file's format, if its name does not tell")
        parser.add_argument(
            "--encoding",
            help="the text encoding of a CSV or JSON Lines file (default: its byte-order mark, else UTF-16 or UTF-8)",
        )
        parser.add_argument("--strict", action="store_true", help="refuse the whole import if any record is invalid")
        parser.add_argument("--agency", help="code of the police agency the items belong to")
        parser.add_argument("--user", help="username recorded as the importer (default: the command)")
        parser.add_argument("--show-errors", type=int, default=50, help="how many skipped records to list (default 50)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        file_format = options["format"] or detect_format(path.name)
        if file_format is None:
            raise CommandError(f"{path}: unknown format; use --format {'|'.join(FORMATS)}.")
        user, agency = user_and_agency(options)
        quiet = options["verbosity"] == 0
        bar = tqdm(desc="validating", unit=" records", disable=quiet, leave=False)
        bars: dict[str, Any] = {}

        def validated(count: int) -> None:
            bar.close()
            bars["writing"] = tqdm(total=count, desc="writing", unit=" items", disable=quiet)

        def progress(n: int) -> None:
            if "writing" in bars:
                bars["writing"].update(n)

        try:
            summary = import_file(
                path, agency=agency, user=user, file_format=file_format, strict=options["strict"],
                encoding=options["encoding"], progress=progress, on_validated=validated,
            )
        except ImportRefused as exc:
            for error in exc.errors[: options["show_errors"]]:
                self.stderr.write(f"{path}:{error}")
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
            if "writing" in bars:
                bars["writing"].close()
        for error in summary.errors[: options["show_errors"]]:
            self.stderr.write(f"{path}:{error}")
        if len(summary.errors) > options["show_errors"]:
            self.stderr.write(f"… and {len(summary.errors) - options['show_errors']} more skipped records.")
        self.stdout.write(
            f"Read {summary.read} records: {summary.created} new, {summary.updated} changed, "
            f"{summary.unchanged} unchanged, {summary.skipped} skipped; {summary.entities_linked} entity links."
        )
