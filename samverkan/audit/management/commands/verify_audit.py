"""``manage.py verify_audit``: walk the hash chain and report the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.audit.actions import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain: every event must follow the previous one, "
        "match its own hash, and the last must match the chain head. Exits 0 and prints "
        "OK on an intact log; prints the first broken link and exits 1 otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--progress-every",
            type=int,
            default=100_000,
            metavar="N",
            help="Report progress on stderr every N events (default 100000; 0 for never).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every: int = options["progress_every"]
        if every < 0:
            raise CommandError("--progress-every must be 0 or more.")
        show_progress = every > 0 and options["verbosity"] >= 1

        def progress(checked: int) -> None:
            self.stderr.write(f"… {checked} events checked")

        checked, broken = verify_chain(
            progress=progress if show_progress else None, progress_every=max(every, 1)
        )
        if broken is not None:
            raise CommandError(
                f"The audit log is broken. First broken link: {broken} [{broken.kind}]"
            )
        self.stdout.write(self.style.SUCCESS(f"{checked} events checked: OK"))
