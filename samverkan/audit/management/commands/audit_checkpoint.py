"""``manage.py audit_checkpoint``: verify the log and append a signed checkpoint of its head."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.audit.actions import BrokenChain, do_write_checkpoint
from samverkan.audit.checkpoints import CheckpointError, checkpoint_file
from samverkan.audit.keys import AuditKeyError


class Command(BaseCommand):
    help = (
        "Verify the audit log from the newest checkpoint on (--full: from the start), then "
        "append a checkpoint of its head (sequence number, hash, time), signed with the "
        "audit key, to audit-checkpoints.jsonl in SAMVERKAN_AUDIT_CHECKPOINT_DIR. Run it on a "
        "schedule (docs/audit.md). Exits 1 without writing when the log is broken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="Verify the whole log first, not only the events since the newest checkpoint.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = do_write_checkpoint(since_checkpoint=not options["full"])
        except BrokenChain as exc:
            raise CommandError(
                f"The audit log is broken; no checkpoint written. First broken link: "
                f"{exc.broken} [{exc.broken.kind}]"
            ) from exc
        except (CheckpointError, AuditKeyError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint at #{checkpoint.seq} ({checkpoint.hash[:16]}…, key "
                f"{checkpoint.key_id}) written to {checkpoint_file()}"
            )
        )
