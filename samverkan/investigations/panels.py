"""Start-page panel of the police's records: the crime reports still open."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from samverkan.accounts.models import Role, User
from samverkan.accounts.policy import Action, RecordType, Scope, user_scope
from samverkan.investigations.models import CrimeReport, CrimeReportStatus
from samverkan.lib.panels import Line, Panel

OPEN = (CrimeReportStatus.REGISTERED, CrimeReportStatus.PRELIMINARY_INVESTIGATION)


def start_panels(user: User) -> list[Panel]:
    # The investigator's work list; an officer files reports from the shift page.
    if user.role != Role.POLICE_INVESTIGATOR:
        return []
    if user_scope(user, RecordType.CRIME_REPORT, Action.LIST) is not Scope.OWN_AGENCY:
        return []
    counts = dict(
        CrimeReport.objects.visible_to(user)
        .filter(status__in=OPEN)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    listing = reverse("investigations:report_list")
    return [
        Panel(
            "crime_reports", _("Open crime reports"), 12,
            lines=tuple(
                Line(str(status.label), f"{listing}?{urlencode({'status': status.value})}", counts.get(status.value, 0))
                for status in OPEN
            ),
            link=Line(_("Open the crime reports"), listing),
        )
    ]
