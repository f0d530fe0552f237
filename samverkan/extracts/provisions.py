"""The secrecy provisions a part of a register extract can be withheld under.

The ``legal`` app holds the bases on which a disclosure is *allowed*; what an
extract withholds is the other side, the secrecy that still applies towards the
person asking (OSL 12 kap. 1 §: secrecy for a person's own sake does not apply
towards them, so what remains is mostly about others, and the police's
investigation and intelligence secrecy). Each agency chooses among its own.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import AgencyKind


class SecrecyProvision(models.TextChoices):
    OSL_26_1 = "osl-26-1", _("OSL 26:1 – another person's circumstances in social services")
    OSL_26_5 = "osl-26-5", _("OSL 26:5 – who made a report or gave information")
    OSL_18_1 = "osl-18-1", _("OSL 18:1 – a preliminary investigation")
    OSL_18_2 = "osl-18-2", _("OSL 18:2 – police intelligence")
    OSL_35_1 = "osl-35-1", _("OSL 35:1 – another person's circumstances in a criminal case")


BY_AGENCY_KIND: dict[str, tuple[SecrecyProvision, ...]] = {
    AgencyKind.SOCIAL_SERVICES: (SecrecyProvision.OSL_26_1, SecrecyProvision.OSL_26_5),
    AgencyKind.POLICE: (
        SecrecyProvision.OSL_18_1,
        SecrecyProvision.OSL_18_2,
        SecrecyProvision.OSL_35_1,
    ),
}


def provisions_for(agency_kind: str) -> tuple[SecrecyProvision, ...]:
    return BY_AGENCY_KIND.get(agency_kind, ())
