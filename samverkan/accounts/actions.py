"""Two-factor enrolment: activation codes issued by an administrator, and resets.

Every change is one transaction with its audit event. The code itself is
never stored, logged or audited: only a password hash of it.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from samverkan.accounts.models import ActivationCode, User
from samverkan.accounts.policy import RecordType
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction

# Letters and digits that cannot be mistaken for one another when read aloud or copied
# from paper (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
GROUPS = 3
GROUP_LENGTH = 4  # 12 characters: about 56 bits
# Who issued a code from the command line, in the audit log and on the code.
OPERATOR = "manage.py"


def new_code() -> str:
    """A fresh code, as it is shown: ``ABCD-EFGH-JKLM``."""
    return "-".join(
        "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS)
    )


def normalise_code(text: str) -> str:
    """What the user typed, without spaces or dashes, in capitals."""
    return "".join(char for char in text.upper() if char.isalnum())


def valid_codes(user: User) -> list[ActivationCode]:
    return list(
        ActivationCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=timezone.now())
    )


def has_confirmed_device(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def do_issue_activation_code(*, acting: User | None, user: User) -> tuple[str, ActivationCode]:
    """A new activation code for ``user`` (any earlier unused one stops working); the code once.

    ``acting`` is the administrator, or None for the server's operator
    (``manage.py issue_activation_code``, e.g. for the first administrator).
    Refused for one's own account (another administrator must hand it over),
    for an inactive account, and for an account that already has an app (reset
    two-factor authentication first).
    """
    if acting is not None and user.pk == acting.pk:
        raise ValidationError(
            _("An activation code for your own account must be issued by another administrator.")
        )
    if not user.is_active:
        raise ValidationError(_("The account is deactivated."))
    if has_confirmed_device(user):
        raise ValidationError(
            _("The user already has an authenticator app. Reset two-factor authentication first.")
        )
    code = new_code()
    now = timezone.now()
    expires = now + dt.timedelta(hours=settings.SAMVERKAN_ACTIVATION_CODE_HOURS)
    with transaction.atomic():
        ActivationCode.objects.filter(user=user, used_at__isnull=True).delete()
        row = ActivationCode.objects.create(
            user=user,
            code_hash=make_password(normalise_code(code)),
            issued_by_id=acting.pk if acting else None,
            issued_by_name=acting.get_username() if acting else OPERATOR,
            issued_at=now,
            expires_at=expires,
        )
        do_record_event(
            user=acting,
            username=OPERATOR,
            agency=user.agency,
            action=AuditAction.UPDATE,
            record_type=RecordType.USER,
            record_id=user.pk,
            detail=f"activation code issued, valid until {expires.isoformat(timespec='minutes')}",
        )
    return code, row


def matching_code(user: User, text: str) -> ActivationCode | None:
    """The user's valid, unused code that ``text`` is, if any."""
    typed = normalise_code(text)
    if not typed:
        return None
    for row in valid_codes(user):
        if check_password(typed, row.code_hash):
            return row
    return None


def still_valid(user: User, code_id: object) -> ActivationCode | None:
    if not isinstance(code_id, int):
        return None
    return (
        ActivationCode.objects.filter(
            pk=code_id, user=user, used_at__isnull=True, expires_at__gt=timezone.now()
        ).first()
    )


def do_confirm_first_device(*, user: User, device: TOTPDevice, code: ActivationCode | None) -> None:
    """The app is confirmed: the activation code (if one was needed) is spent with it."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        if code is not None:
            spent = ActivationCode.objects.filter(pk=code.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            )
            if spent != 1:
                raise ValidationError(_("The activation code has already been used."))
        do_record_event(
            user=None,
            action=AuditAction.UPDATE,
            username=user.get_username(),
            agency=user.agency,
            record_type=RecordType.USER,
            record_id=user.pk,
            detail="authenticator app connected" + (" with an activation code" if code else ""),
        )


def do_reset_two_factor(*, acting: User, user: User) -> None:
    """Remove the user's apps and unused codes: the account needs a new activation code."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        ActivationCode.objects.filter(user=user, used_at__isnull=True).delete()
        do_record_event(
            user=acting,
            action=AuditAction.UPDATE,
            record_type=RecordType.USER,
            record_id=user.pk,
            detail="two-factor reset",
        )
