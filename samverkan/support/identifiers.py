"""Typed identifiers, checked with ``lib.identity`` and explained in the user's language."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from samverkan.lib import identity
from samverkan.lib.identity import Reason
from samverkan.support.models import IdentifierKind

ISSUER_MAX_LENGTH = 100


class CleanIdentifier(NamedTuple):
    kind: str
    value: str
    issuer: str
    birth_date: dt.date | None


def reason_message(reason: Reason) -> str:
    messages = {
        Reason.EMPTY: _("Enter the number."),
        Reason.FORMAT: _("Write the number as YYMMDD-NNNN or YYYYMMDD-NNNN."),
        Reason.DATE: _("The number does not contain a real date of birth."),
        Reason.FUTURE: _("The date of birth in the number is in the future."),
        Reason.CHECKSUM: _("The last digit does not match. Check the number for typing errors."),
        Reason.SEPARATOR: _("'+' is only used from the year a person turns 100."),
        Reason.SERIAL: _("The birth number 000 is never issued. Check the number."),
        Reason.NOT_PERSONNUMMER: _(
            "This is a co-ordination number. Choose co-ordination number as the kind."
        ),
        Reason.NOT_SAMORDNINGSNUMMER: _(
            "This is a personal identity number. Choose personal identity number as the kind."
        ),
        Reason.TOO_LONG: _("The number is too long (at most %(max)d characters).")
        % {"max": identity.RESERVE_MAX_LENGTH},
    }
    return messages[reason]


def clean_identifier(kind: str, value: str, issuer: str, *, today: dt.date) -> CleanIdentifier:
    """The normalised identifier, or a ``ValidationError`` on ``value`` that says why not."""
    issuer = " ".join(issuer.split())
    try:
        if kind == IdentifierKind.PERSONNUMMER:
            number = identity.parse_personnummer(value, today=today)
            return CleanIdentifier(kind, number.normalised, "", number.birth_date)
        if kind == IdentifierKind.SAMORDNINGSNUMMER:
            number = identity.parse_samordningsnummer(value, today=today)
            return CleanIdentifier(kind, number.normalised, "", number.birth_date)
        if kind == IdentifierKind.RESERVE:
            if not issuer:
                raise ValidationError(
                    {"issuer": _("Say who issued the reserve number.")}, code="required"
                )
            if len(issuer) > ISSUER_MAX_LENGTH:
                raise ValidationError({"issuer": _("The name is too long.")}, code="max_length")
            return CleanIdentifier(kind, identity.normalise_reserve(value), issuer, None)
    except identity.InvalidIdentifier as exc:
        raise ValidationError({"value": reason_message(exc.reason)}, code=str(exc.reason)) from None
    if kind == IdentifierKind.NONE:
        if value.strip():
            raise ValidationError(
                {"kind": _("Choose the kind of number, or leave the number empty.")},
                code="invalid",
            )
        return CleanIdentifier(kind, "", "", None)
    raise ValidationError({"kind": _("Unknown kind of identity number.")}, code="invalid_choice")
