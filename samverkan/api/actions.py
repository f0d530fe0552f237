"""Personal API tokens and service accounts with their tokens: audited like every other write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from samverkan.accounts.access import require
from samverkan.accounts.models import Membership, Role, User, roles_for_agency_kind
from samverkan.accounts.policy import Action, RecordType
from samverkan.api.models import MAX_LIFETIME, ApiToken, ServiceAccount, digest, new_secret
from samverkan.audit.actions import audit_record
from samverkan.audit.models import AuditAction

MAX_TOKENS_PER_USER = 20


def do_create_token(*, acting_user: Any, name: str, lifetime: dt.timedelta) -> tuple[ApiToken, str]:
    """A new token for the user; returns it and the secret, which is never shown again."""
    return _issue(acting_user, name=name, lifetime=lifetime, acting_user=acting_user)


def _issue(owner: Any, *, name: str, lifetime: dt.timedelta, acting_user: Any) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the token, e.g. after the script that uses it.")})
    if not dt.timedelta(days=1) <= lifetime <= MAX_LIFETIME:
        raise ValidationError({"days": _("A token lives from 1 to 365 days.")})
    if getattr(owner, "membership", None) is None:
        raise ValidationError(_("Only a member of an agency can have API tokens."))
    with transaction.atomic():
        if ApiToken.objects.usable().filter(user=owner).count() >= MAX_TOKENS_PER_USER:
            raise ValidationError(_("You have 20 tokens in use; revoke one first."))
        secret, prefix = new_secret()
        now = timezone.now()
        token = ApiToken.objects.create(
            user=owner, name=name[:100], prefix=prefix, digest=digest(secret),
            created_at=now, expires_at=now + lifetime,
        )
        audit_record(acting_user, AuditAction.CREATE, RecordType.USER, owner.pk, detail=f"api token {prefix}")
    return token, secret


def do_revoke_token(token: ApiToken, *, acting_user: Any) -> None:
    """The owner revokes their token; an agency's administrator, a token of its service account."""
    if token.user_id != acting_user.pk:
        _administered(acting_user, token.user)
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if updated:
            audit_record(acting_user, AuditAction.UPDATE, RecordType.USER, token.user_id, detail=f"api token {token.prefix} revoked")


# --- Service accounts ------------------------------------------------------------------

# A service account works with data; administering users stays with people.
SERVICE_ROLES = [role for role in Role if role != Role.ADMIN]


def service_accounts_of(user: User) -> QuerySet[ServiceAccount]:
    """The service accounts of the administrator's agency."""
    agency = user.agency
    if agency is None:
        return ServiceAccount.objects.none()
    return ServiceAccount.objects.filter(user__membership_record__agency=agency).select_related("user__membership_record")


def _administered(acting_user: User, user: User) -> ServiceAccount:
    """``user``'s service account, if the acting user administers it (its agency's administrator)."""
    require(acting_user, RecordType.USER, Action.UPDATE)
    account = service_accounts_of(acting_user).filter(user=user).first()
    if account is None:
        raise PermissionDenied
    return account


@transaction.atomic
def do_create_service_account(*, acting_user: User, name: str, role: str, description: str = "") -> ServiceAccount:
    """An integration's account in the administrator's own agency, with a role other than administrator."""
    require(acting_user, RecordType.USER, Action.CREATE)
    agency = acting_user.agency
    if agency is None:
        raise PermissionDenied
    if role not in {r.value for r in SERVICE_ROLES}:
        raise ValidationError({"role": _("A service account cannot be an administrator.")})
    if role not in roles_for_agency_kind(agency.kind):
        raise ValidationError({"role": _("This role does not exist in an agency of this kind.")})
    slug = slugify(name)[:80]
    if not slug:
        raise ValidationError({"name": _("Name the service account, e.g. after the system that uses it.")})
    username = f"tjanst.{agency.code}.{slug}"[:150]
    if User.objects.filter(username=username).exists():
        raise ValidationError({"name": _("Your agency already has a service account of this name.")})
    user = User(username=username, first_name=name.strip()[:150])
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, agency=agency, role=role)
    account = ServiceAccount.objects.create(user=user, description=description.strip()[:300], created_by=acting_user)
    audit_record(acting_user, AuditAction.CREATE, RecordType.USER, user.pk, detail=f"service account, role {role}")
    return account


def do_create_service_token(account: ServiceAccount, *, acting_user: User, name: str, lifetime: dt.timedelta) -> tuple[ApiToken, str]:
    """A token for the service account, created by its agency's administrator and shown once."""
    _administered(acting_user, account.user)
    if not account.user.is_active:
        raise ValidationError(_("The service account is switched off."))
    return _issue(account.user, name=name, lifetime=lifetime, acting_user=acting_user)


@transaction.atomic
def do_deactivate_service_account(account: ServiceAccount, *, acting_user: User) -> None:
    """Switch the account off: its tokens stop working at once (kept, for the audit log)."""
    _administered(acting_user, account.user)
    User.objects.filter(pk=account.user_id).update(is_active=False)
    ApiToken.objects.filter(user=account.user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(acting_user, AuditAction.UPDATE, RecordType.USER, account.user_id, detail="service account switched off")
