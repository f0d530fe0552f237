"""Creating and revoking personal API tokens: audited like every other write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.policy import RecordType
from samverkan.api.models import MAX_LIFETIME, ApiToken, digest, new_secret
from samverkan.audit.actions import audit_record
from samverkan.audit.models import AuditAction

MAX_TOKENS_PER_USER = 20


def do_create_token(*, acting_user: Any, name: str, lifetime: dt.timedelta) -> tuple[ApiToken, str]:
    """A new token for the user; returns it and the secret, which is never shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the token, e.g. after the script that uses it.")})
    if not dt.timedelta(days=1) <= lifetime <= MAX_LIFETIME:
        raise ValidationError({"days": _("A token lives from 1 to 365 days.")})
    if getattr(acting_user, "membership", None) is None:
        raise ValidationError(_("Only a member of an agency can have API tokens."))
    with transaction.atomic():
        if ApiToken.objects.usable().filter(user=acting_user).count() >= MAX_TOKENS_PER_USER:
            raise ValidationError(_("You have 20 tokens in use; revoke one first."))
        secret, prefix = new_secret()
        now = timezone.now()
        token = ApiToken.objects.create(
            user=acting_user, name=name[:100], prefix=prefix, digest=digest(secret),
            created_at=now, expires_at=now + lifetime,
        )
        audit_record(acting_user, AuditAction.CREATE, RecordType.USER, acting_user.pk, detail=f"api token {prefix}")
    return token, secret


def do_revoke_token(token: ApiToken, *, acting_user: Any) -> None:
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, user=acting_user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if updated:
            audit_record(acting_user, AuditAction.UPDATE, RecordType.USER, acting_user.pk, detail=f"api token {token.prefix} revoked")
