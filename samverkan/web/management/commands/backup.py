"""``manage.py backup OUTPUT``: the whole database, with a manifest and its checksum beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.web.backup import BackupError, backup, manifest_path


class Command(BaseCommand):
    help = (
        "Back up the database to OUTPUT (PostgreSQL: pg_dump in custom format, from one "
        "snapshot; SQLite: the online backup API) and write OUTPUT.manifest.json beside it: the "
        "SHA-256, the row count of every table and the audit chain's head. The audit key and "
        "the checkpoints are not in the database: back them up separately (docs/backup.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", type=Path, help="The dump file to write (must not exist).")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        try:
            manifest = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        head = manifest["audit_head"] or {}
        self.stdout.write(
            f"Backed up {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables "
            f"({manifest['engine']}, {manifest['bytes']} bytes) to {output}; audit chain head "
            f"#{head.get('seq', 0)}. sha256 {manifest['sha256']} in {manifest_path(output.resolve()).name}."
        )
