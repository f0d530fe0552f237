"""The only ways in to single support records: scoped, audited, 404 for hidden and missing.

``access_client_for_user`` is the read of one client: it writes the
``view`` event (noting protected personal data), or a ``denied`` event and
a 404 for a client that is hidden or missing alike.
"""

from __future__ import annotations

from typing import Any

from samverkan.accounts.access import access_or_404
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType
from samverkan.audit.actions import do_record_event
from samverkan.audit.models import AuditAction
from samverkan.support.models import (
    Client,
    ConcernHandling,
    Consent,
    Referral,
    concern_reports_handled_by,
)

PROTECTED_DETAIL = "protected personal data"


def access_client_for_user(
    user: User, client_id: Any, *, action: Action = Action.VIEW, purpose: str = ""
) -> Client:
    """One client, for ``action``; a read (``VIEW``) is audited with its purpose, protected
    identity noted."""
    qs = Client.objects.visible_to(user, action).select_related("agency")
    client = access_or_404(qs, user, RecordType.CLIENT, client_id, action=action, audit=False)
    if action is Action.VIEW:
        do_record_event(
            user=user,
            action=AuditAction.VIEW,
            record_type=RecordType.CLIENT,
            record_id=client.pk,
            purpose=purpose,
            detail=PROTECTED_DETAIL if client.protected_identity else "",
        )
    return client


def access_referral_for_user(user: User, referral_id: Any) -> Referral:
    """A referral to change (no read audit: the action audits the change)."""
    qs = Referral.objects.visible_to(user, Action.UPDATE).select_related("client")
    return access_or_404(qs, user, RecordType.REFERRAL, referral_id, action=Action.UPDATE)


def access_consent_for_user(user: User, consent_id: Any) -> Consent:
    """A consent to withdraw; hidden unless the user may change its client."""
    qs = Consent.objects.visible_to(user, Action.UPDATE).select_related("client")
    return access_or_404(qs, user, RecordType.CLIENT, consent_id, action=Action.UPDATE)


def access_concern_for_user(
    user: User, report_id: Any, *, action: Action = Action.VIEW
) -> ConcernHandling:
    """The handling of a child-concern report the user's agency handles; a read is audited.

    Both are read: the filed report and social services' handling of it,
    each an event of its own. ``.report`` of the result is the filed report;
    the handling is unsaved while nobody has acted on the report.
    """
    qs = concern_reports_handled_by(user, action).select_related(
        "reporter_agency", "encounter", "encounter__venue"
    )
    report = access_or_404(qs, user, RecordType.CONCERN_HANDLING, report_id, action=action, audit=False)
    if action is Action.VIEW:
        for record in (RecordType.CHILD_CONCERN_REPORT, RecordType.CONCERN_HANDLING):
            do_record_event(user=user, action=AuditAction.VIEW, record_type=record, record_id=report.pk)
    return ConcernHandling.of(report)
