"""The ways in to single police records for a change: scoped, 404 for hidden and missing.

Shared by the crime-report pages and the API, so that both doors fetch a record to change
in exactly the same way: hidden and missing alike answer 404 (audited as denied), a role
that may only read gets 403.
"""

from __future__ import annotations

from typing import Any

from samverkan.accounts.access import access_or_404, require
from samverkan.accounts.models import User
from samverkan.accounts.policy import Action, RecordType
from samverkan.investigations.models import CrimeReport, Suspect, SuspectConsent


def report_for_write(user: User, pk: Any) -> CrimeReport:
    """A crime report to change: 404 for hidden or missing (audited as denied); 403 for a user who may only read."""
    report = access_or_404(
        CrimeReport.objects.visible_to(user, Action.VIEW).select_related("offence").prefetch_related("offence__names"),
        user,
        RecordType.CRIME_REPORT,
        pk,
        action=Action.UPDATE,
    )
    require(user, RecordType.CRIME_REPORT, Action.UPDATE)
    return report


def suspect_or_404(user: User, pk: Any, *, action: Action = Action.VIEW) -> Suspect:
    """A suspect the user may see, with what their page shows of the report, concern report and
    venue; 404 for hidden or missing (the denied attempt audited as ``action``)."""
    return access_or_404(
        Suspect.objects.visible_to(user, Action.VIEW).select_related(
            "crime_report__offence", "child_concern_report__addressed_to", "encounter__venue"
        ),
        user,
        RecordType.SUSPECT,
        pk,
        action=action,
    )


def suspect_for_write(user: User, pk: Any) -> Suspect:
    """A suspect to change (their consent, a correction): 404 for hidden or missing; 403 for a reader."""
    suspect = suspect_or_404(user, pk, action=Action.UPDATE)
    require(user, RecordType.SUSPECT, Action.UPDATE)
    return suspect


def suspect_consent_for_write(user: User, pk: Any) -> SuspectConsent:
    """A suspect's consent to withdraw; hidden unless the user may change its suspect."""
    return access_or_404(
        SuspectConsent.objects.visible_to(user, Action.UPDATE).select_related("suspect"),
        user,
        RecordType.SUSPECT,
        pk,
        action=Action.UPDATE,
    )
