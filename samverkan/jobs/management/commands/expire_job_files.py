"""Remove the export jobs' files kept longer than ``SAMVERKAN_EXPORT_DAYS``: ``manage.py expire_job_files``.

Each export job removes the expired files before it writes its own; run this on a schedule
(e.g. daily) so that they go even when nobody exports.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from samverkan.jobs import files


class Command(BaseCommand):
    help = "Remove the files of export jobs finished more than SAMVERKAN_EXPORT_DAYS days ago."

    def handle(self, *args: Any, **options: Any) -> None:
        removed = files.expire()
        self.stdout.write(f"Removed {removed} expired export file(s) (kept {files.export_days()} days).")
