"""The ways in to disclosures, and the disclosure provider of the access policy.

``granted_fields`` is what ``accounts.policy.disclosed_fields`` asks (it is
registered in ``apps.ready``): for a user and a record type, the records of
the other agency that delivered disclosures opened to the user's agency, and
the fields each opened. Nothing is copied: the owner's record is read through
its own ``visible_to``, narrowed to these ids and fields.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from samverkan.accounts.access import access_or_404
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.sharing.models import Disclosure
from samverkan.sharing.registry import entry


def granted_fields(user: Any, record_type: RecordType | str) -> dict[int, frozenset[str]]:
    """Record id → the fields that delivered disclosures grant the user's agency."""
    registered = entry(str(record_type))
    if registered is None or user is None or not getattr(user, "is_authenticated", False):
        return {}
    membership = user.membership
    if membership is None or membership.agency.kind == registered.owner_kind:
        # An agency never needs a disclosure of its own kind's records.
        return {}
    rows = (
        Disclosure.objects.delivered()
        .filter(requesting_agency_id=membership.agency_id, record_type=str(record_type))
        .values_list("record_id", "fields_granted")
    )
    grants: dict[int, set[str]] = {}
    for record_id, fields in rows:
        if record_id is None:
            continue
        grants.setdefault(record_id, set()).update(
            f for f in fields or () if f in registered.field_names
        )
    return {pk: frozenset(fields) for pk, fields in grants.items() if fields}


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
