"""``manage.py verify_audit``: walk the hash chain and report the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.audit.actions import verify_chain
from samverkan.audit.checkpoints import CheckpointError, checkpoint_file, newest_checkpoint
from samverkan.audit.keys import AuditKeyError


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain: every event must follow the previous one and "
        "match its own hash under the audit key, the last must match the chain head, and the "
        "log must agree with the newest signed checkpoint (SAMVERKAN_AUDIT_CHECKPOINT_DIR). "
        "Exits 0 and prints OK on an intact log; prints the first broken link and exits 1 "
        "otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--progress-every",
            type=int,
            default=100_000,
            metavar="N",
            help="Report progress on stderr every N events (default 100000; 0 for never).",
        )
        parser.add_argument(
            "--require-checkpoint",
            action="store_true",
            help="Fail when there is no checkpoint to verify against (use it in production).",
        )
        parser.add_argument(
            "--since-checkpoint",
            action="store_true",
            help="Walk only the events after the newest checkpoint (quick; the default walks all).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every: int = options["progress_every"]
        if every < 0:
            raise CommandError("--progress-every must be 0 or more.")
        show_progress = every > 0 and options["verbosity"] >= 1

        def progress(checked: int) -> None:
            self.stderr.write(f"… {checked} events checked")

        try:
            checked, broken = verify_chain(
                progress=progress if show_progress else None,
                progress_every=max(every, 1),
                since_checkpoint=options["since_checkpoint"],
            )
            checkpoint = None if broken is not None else newest_checkpoint()
        except (AuditKeyError, CheckpointError) as exc:
            raise CommandError(str(exc)) from exc
        if broken is not None:
            raise CommandError(
                f"The audit log is broken. First broken link: {broken} [{broken.kind}]"
            )
        if checkpoint is None:
            where = checkpoint_file() or "SAMVERKAN_AUDIT_CHECKPOINT_DIR (not set)"
            message = (
                f"No checkpoint in {where}: events deleted from the end, or a log replaced "
                "as a whole, cannot be detected. Run manage.py audit_checkpoint (on a schedule)."
            )
            if options["require_checkpoint"]:
                raise CommandError(message)
            self.stderr.write(self.style.WARNING(message))
            self.stdout.write(self.style.SUCCESS(f"{checked} events checked: OK"))
            return
        self.stdout.write(
            self.style.SUCCESS(f"{checked} events checked: OK, agreeing with the {checkpoint}")
        )
