"""``manage.py restore INPUT``: a backup back into an empty database, checked before and after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.web.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore the backup INPUT (with INPUT.manifest.json beside it) into the database. "
        "Refuses a dump whose SHA-256 does not match the manifest, a dump of another engine, and "
        "a database that already has tables unless --force is given. Afterwards checks every "
        "table's row count and the audit chain's head against the manifest, then runs "
        "verify_audit (the audit key file must hold the keys the log was signed with)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path, help="The dump file written by manage.py backup.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace what a non-empty database holds (PostgreSQL: pg_restore --clean).",
        )
        parser.add_argument(
            "--no-verify", action="store_true", help="Do not run verify_audit afterwards."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore(options["input"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        head = manifest["audit_head"] or {}
        self.stdout.write(
            f"Restored {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables "
            f"from the backup of {manifest['created_at']}; every table has its rows and the audit "
            f"chain its head (#{head.get('seq', 0)})."
        )
        if not options["no_verify"]:
            try:
                call_command("verify_audit", progress_every=0, stdout=self.stdout, stderr=self.stderr)
            except CommandError as exc:
                raise CommandError(
                    f"The database is restored, but verify_audit fails: {exc} A backup older than the "
                    "newest checkpoint fails as 'truncated': the events after it are lost, and the "
                    "checkpoints say so. docs/backup.md says what to do."
                ) from exc
