"""``manage.py issue_activation_code USERNAME``: an activation code from the server's operator."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from samverkan.accounts.actions import do_issue_activation_code
from samverkan.accounts.models import User


class Command(BaseCommand):
    help = (
        "Issue a one-time activation code with which USERNAME connects a first authenticator app "
        "(for the first administrator, who has nobody to issue one in the user administration). "
        "Prints the code once; hand it over in person or by phone. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']!r}.")
        try:
            code, row = do_issue_activation_code(acting=None, user=user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        until = timezone.localtime(row.expires_at).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(f"Activation code for {user.username}: {code} (valid until {until})")
