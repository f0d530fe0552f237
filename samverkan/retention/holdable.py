"""The records a legal hold can be placed on: their model, how to reach the owning agency, their page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.urls import reverse

from samverkan.accounts.policy import RecordType
from samverkan.extracts.models import Extract
from samverkan.intel.models import Entity, IntelItem, Network, Tip
from samverkan.investigations.models import CrimeReport, Suspect
from samverkan.operations.models import ChildConcernReport
from samverkan.support.models import Client, ConcernHandling, Referral, SupportAction


@dataclass(frozen=True)
class Holdable:
    model: type[Model]
    agency_path: str
    page: str = ""  # URL name of the record's page, with the record's pk (or "" for none)

    def owned_by(self, agency: Any) -> Any:
        return self.model._default_manager.filter(**{self.agency_path: agency})

    def url(self, record: Any) -> str:
        return reverse(self.page, args=[record.pk]) if self.page else reverse("web:start")


HOLDABLE: dict[str, Holdable] = {
    RecordType.CLIENT: Holdable(Client, "agency", "support:client_detail"),
    RecordType.SUPPORT_ACTION: Holdable(SupportAction, "agency"),
    RecordType.REFERRAL: Holdable(Referral, "agency"),
    RecordType.CHILD_CONCERN_REPORT: Holdable(ChildConcernReport, "addressed_to", "support:concern_detail"),
    RecordType.CONCERN_HANDLING: Holdable(ConcernHandling, "agency"),
    RecordType.CRIME_REPORT: Holdable(CrimeReport, "agency", "investigations:report_detail"),
    RecordType.SUSPECT: Holdable(Suspect, "crime_report__agency", "investigations:suspect_detail"),
    RecordType.TIP: Holdable(Tip, "addressed_to"),
    RecordType.INTEL_ITEM: Holdable(IntelItem, "agency"),
    RecordType.ENTITY: Holdable(Entity, "agency"),
    RecordType.NETWORK: Holdable(Network, "agency"),
    RecordType.REGISTER_EXTRACT: Holdable(Extract, "agency", "extracts:detail"),
}
