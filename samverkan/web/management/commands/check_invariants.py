"""Check what must hold after a crash (samverkan/web/invariants.py); exit status 1 if broken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from samverkan.web.invariants import INVARIANTS, check_invariants


class Command(BaseCommand):
    help = (
        "Check the invariants that a crash must not break: no encounter of a possible minor "
        "without its child-concern report, no disclosure without its audit event, no "
        "half-written import. Exit status 1 when one is broken."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-audit", action="store_true",
            help="Skip the checks on the audit log (a load benchmark run with it switched off).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        broken = check_invariants(audit=not options["no_audit"])
        checked = [i.name for i in INVARIANTS if options["no_audit"] is False or not i.needs_audit]
        for name in checked:
            status = "BROKEN" if name in broken else "ok"
            self.stdout.write(f"{status:<7}{name}")
            if name in broken:
                self.stdout.write(f"       e.g. {', '.join(str(x) for x in broken[name])}")
        if broken:
            raise CommandError(f"{len(broken)} invariant(s) broken")
