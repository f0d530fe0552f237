"""Load the demo: the persona users (password ``demo``). Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from samverkan.demo.personas import PERSONAS, ensure_personas

DEMO_PASSWORD = "demo"


class Command(BaseCommand):
    help = "Create the demo users (one per role and agency, password 'demo'). Safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet-users", action="store_true", help="Do not list the users.")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        if not settings.SAMVERKAN_DEMO and not settings.DEBUG:
            raise CommandError(
                "load_demo creates users with the password 'demo'; run it only with SAMVERKAN_DEMO=1."
            )
        ensure_personas(DEMO_PASSWORD)
        if options["quiet_users"]:
            return
        self.stdout.write(self.style.SUCCESS("Demo users (password: demo):"))
        for persona in PERSONAS:
            self.stdout.write(f"  {persona.username:<18} {persona.role.label:<22} {persona.agency}")
