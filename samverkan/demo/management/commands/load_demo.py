"""Load the demo: the persona users (password ``demo``) and three years of data. Idempotent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from samverkan.demo.disclosures import build_disclosures
from samverkan.demo.generate import Demo, demo_data_present
from samverkan.demo.personas import PERSONAS, ensure_personas

DEMO_PASSWORD = "demo"


class Command(BaseCommand):
    help = (
        "Create the demo users (one per role and agency, password 'demo') and the demo data "
        "(Stockholm 2020–2022, reproducing the 2021 results, plus shifts around today). "
        "Safe to run again: existing demo data is kept."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--users-only", action="store_true", help="Create the users but no data.")
        parser.add_argument("--quiet-users", action="store_true", help="Do not list the users.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SAMVERKAN_DEMO and not settings.DEBUG:
            raise CommandError(
                "load_demo creates users with the password 'demo'; run it only with SAMVERKAN_DEMO=1."
            )
        ensure_personas(DEMO_PASSWORD)
        if not options["users_only"]:
            if demo_data_present():
                self.stdout.write("Demo data already loaded; left as it is.")
            else:
                self.stdout.write("Loading demo data for 2020–2022 and the present…")
                Demo().build(progress=lambda text: self.stdout.write(f"  {text}"))
                build_disclosures()
                self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if options["quiet_users"]:
            return
        self.stdout.write(self.style.SUCCESS("Demo users (password: demo):"))
        for persona in PERSONAS:
            self.stdout.write(f"  {persona.username:<18} {persona.role.label:<22} {persona.agency}")
