"""The identities handed over with child-concern reports, for social services' report page.

Registered as ``support.concern_identities``' provider (``apps.ready``). A
suspect is read through ``Suspect.objects.visible_to`` (the ``DISCLOSED``
scope for a social worker) and rendered with only the fields that delivered
disclosures grant the reader's agency, like on the suspect's own page. Each
suspect shown is a read of its own, audited.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType, Scope, disclosed_fields, user_scope
from samverkan.audit.actions import do_record_views
from samverkan.investigations.models import Suspect
from samverkan.investigations.views import suspect_rows
from samverkan.operations.models import ChildConcernReport
from samverkan.sharing.models import Disclosure
from samverkan.support.concern_identities import DisclosedIdentity, Line


def concern_identities(user: User, report: ChildConcernReport) -> list[DisclosedIdentity]:
    membership = user.membership
    if membership is None:
        return []
    disclosures = list(
        Disclosure.objects.visible_to(user, Action.VIEW)
        .delivered()
        .filter(
            concern_report=report,
            requesting_agency_id=membership.agency_id,
            record_type=RecordType.SUSPECT,
        )
        .select_related("legal_basis")
        .order_by("pk")
    )
    if not disclosures:
        return []
    suspects = Suspect.objects.visible_to(user, Action.VIEW).in_bulk(
        {d.record_id for d in disclosures if d.record_id is not None}
    )
    whole = user_scope(user, RecordType.SUSPECT, Action.VIEW) is not Scope.DISCLOSED
    grants = {} if whole else disclosed_fields(user, RecordType.SUSPECT)
    identities: list[DisclosedIdentity] = []
    shown: list[int] = []
    for d in disclosures:
        suspect = suspects.get(d.record_id) if d.record_id is not None else None
        if suspect is None or suspect.pk in shown:
            continue
        allowed = None if whole else grants.get(suspect.pk, frozenset())
        rows = suspect_rows(suspect, allowed)
        named = allowed is None or "name" in allowed
        identities.append(
            DisclosedIdentity(
                title=suspect.name if named else _("Suspect"),
                lines=[Line(r.label, r.value) for r in (rows[1:] if named else rows)],
                legal_basis=str(d.legal_basis) if d.legal_basis else "",
                delivered_at=d.accepted_at,
                record_url=reverse("investigations:suspect_detail", args=[suspect.pk]),
                disclosure_url=reverse("sharing:detail", args=[d.pk]),
            )
        )
        shown.append(suspect.pk)
    do_record_views(user=user, record_type=RecordType.SUSPECT, record_ids=shown, detail=f"on child-concern report {report.pk}")
    return identities
