"""The ways in to disclosures themselves (what was disclosed is read through ``gate``)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from samverkan.accounts.access import access_or_404
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
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
