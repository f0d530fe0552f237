"""The ways in to disclosures themselves (what was disclosed is read through ``gate``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from samverkan.accounts.access import access_or_404
from samverkan.accounts.models import Agency, Role, User
from samverkan.accounts.policy import Action, RecordType, Scope, scope, user_scope
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.sharing.models import Disclosure


def require_case_role(user: User, what: str) -> None:
    """404 (audited as ``denied``) for anyone who neither requests nor decides disclosures."""
    if user_scope(user, RecordType.DISCLOSURE, Action.VIEW) is not Scope.OWN_AGENCY:
        do_record_event(
            user=user, action=AuditAction.DENIED, record_type=RecordType.DISCLOSURE, detail=what
        )
        raise Http404


def access_disclosure_for_user(
    user: User, disclosure_id: Any, *, action: Action = Action.VIEW
) -> Disclosure:
    """One disclosure of the user's agency (either side); a read is audited; else 404."""
    qs = Disclosure.objects.visible_to(user, action).select_related(
        "requesting_agency",
        "owning_agency",
        "legal_basis",
        "offence",
        "encounter__venue",
        "requested_by",
        "decided_by",
        "accepted_by",
        "withdrawn_by",
    )
    return access_or_404(qs, user, RecordType.DISCLOSURE, disclosure_id, action=action)


def readers_in(agency: Agency, record_type: str) -> QuerySet[User]:
    """The active users of ``agency`` whose role reads records of this type through disclosures:
    the persons a disclosure can be granted to."""
    roles = [r for r in Role if scope(r, RecordType(record_type), Action.VIEW) is Scope.DISCLOSED]
    return (
        User.objects.filter(
            is_active=True,
            membership_record__agency=agency,
            membership_record__role__in=roles,
        )
        .select_related("membership_record")
        .order_by("first_name", "last_name", "username")
    )


def colleagues(user: User, record_type: str) -> QuerySet[User]:
    """Whom a requester can name: readers of their own agency, themselves left out."""
    agency = user.agency
    if agency is None:
        return User.objects.none()
    return readers_in(agency, record_type).exclude(pk=user.pk)
