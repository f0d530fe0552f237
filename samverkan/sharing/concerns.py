"""Who a child-concern report is about, as far as it was disclosed to the reader's agency.

A concern report from the police names no one; the police hand the child's
identity over with it as a disclosure. Social services' concern page asks
here, and gets each disclosed person as a projection of the granted fields
(``gate.read_many``), with the disclosure's legal basis and time. Each person
shown is a read of its own, audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from samverkan.accounts.models import User
from samverkan.accounts.policy import Action
from samverkan.operations.models import ChildConcernReport
from samverkan.sharing.gate import Projection, read_many, record_url
from samverkan.sharing.models import Disclosure


@dataclass(frozen=True)
class DisclosedIdentity:
    """One disclosed person on a concern report: the projection, and the disclosure behind it."""

    projection: Projection
    legal_basis: str
    delivered_at: dt.datetime | None
    record_url: str | None
    disclosure_url: str


def disclosed_identities(user: User, report: ChildConcernReport) -> list[DisclosedIdentity]:
    """The persons disclosed to ``user``'s agency with ``report`` (each read audited)."""
    membership = user.membership
    if membership is None:
        return []
    disclosures = list(
        Disclosure.objects.visible_to(user, Action.VIEW)
        .delivered()
        .filter(concern_report=report, requesting_agency_id=membership.agency_id)
        .select_related("legal_basis")
        .order_by("pk")
    )
    by_type: dict[str, dict[int, Disclosure]] = {}
    for d in disclosures:
        if d.record_id is not None:
            by_type.setdefault(d.record_type, {}).setdefault(d.record_id, d)
    identities: list[DisclosedIdentity] = []
    for record_type, chosen in by_type.items():
        for projection in read_many(
            user,
            record_type,
            ids=chosen,
            detail=f"on child-concern report {report.pk}",
            purpose=f"child-concern report {report.pk}",
        ):
            d = chosen[projection.pk]
            identities.append(
                DisclosedIdentity(
                    projection=projection,
                    legal_basis=str(d.legal_basis) if d.legal_basis else "",
                    delivered_at=d.accepted_at,
                    record_url=record_url(record_type, None, projection.pk),
                    disclosure_url=reverse("sharing:detail", args=[d.pk]),
                )
            )
    return identities
