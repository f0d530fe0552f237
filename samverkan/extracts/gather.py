"""Gathering what one agency holds about one person, as parts of a draft extract.

Social services find the person by a client's typed identifier; the police by a
suspect's personal identity or co-ordination number (injured parties and
witnesses are encounters, never identities, so there is nothing to find them by).
Only the agency's own records are read, straight from their tables filtered by
the agency, never through the disclosure gate: what the other agency holds is the
other agency's to answer for.

Every record gives one part with its facts, and each free-text field of it (a
note, a narrative) a part of its own, so that the handler can withhold a
sentence about someone else without withholding the record. Then come the
disclosures the agency made of those records (to whom, when, on what basis) and
the reads of them from the audit log (when, by which agency and role; never the
reader's name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from samverkan.accounts.models import Agency, Role
from samverkan.accounts.policy import RecordType
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.audit.owners import owner_mark
from samverkan.extracts.models import Section, SubjectKind
from samverkan.investigations.models import CrimeReport, Suspect, SuspectConsent
from samverkan.sharing.models import Disclosure, DisclosureStatus
from samverkan.support.models import (
    AgeAssessment,
    Client,
    ClientEncounter,
    ClientIdentifier,
    ConcernClientLink,
    ConcernHandling,
    Consent,
    Referral,
    SupportAction,
)

# The audit actions that are a read or a handing-out of a record.
READ_ACTIONS = (AuditAction.VIEW, AuditAction.EXPORT, AuditAction.DISCLOSE)


@dataclass
class PartDraft:
    section: str
    heading: str
    fields: list[list[str]] = field(default_factory=list)
    record_type: str = ""
    record_id: str = ""


@dataclass
class Gathered:
    parts: list[PartDraft] = field(default_factory=list)
    # Record type → ids of the person's records, for the disclosures and the reads.
    refs: dict[str, set[int]] = field(default_factory=dict)

    def add(self, part: PartDraft) -> None:
        self.parts.append(part)
        if part.record_type and part.record_id:
            self.refs.setdefault(part.record_type, set()).add(int(part.record_id))

    def text(self, section: str, heading: str, value: str, record_type: str, record_id: int) -> None:
        """A free-text field as a part of its own (nothing when the field is empty)."""
        if value.strip():
            self.add(PartDraft(section, heading, [[_("Text"), value]], record_type, str(record_id)))


def _d(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return value.isoformat()


def _rows(*pairs: tuple[Any, Any]) -> list[list[str]]:
    """Label–value rows, without the empty ones."""
    return [[str(label), str(value)] for label, value in pairs if value not in ("", None)]


def gather(agency: Agency, kind: str, identifier: str, issuer: str = "") -> Gathered:
    """Everything ``agency`` holds about the person with this (normalised) identifier."""
    found = Gathered()
    if agency.is_police:
        _police(found, agency, kind, identifier)
    else:
        _social(found, agency, kind, identifier, issuer)
    _disclosures(found, agency)
    _reads(found, agency)
    return found


# --- Social services --------------------------------------------------------------


def _social(found: Gathered, agency: Agency, kind: str, identifier: str, issuer: str) -> None:
    idents = ClientIdentifier.objects.filter(agency=agency, kind=kind, value=identifier)
    if kind == SubjectKind.RESERVE and issuer:
        idents = idents.filter(issuer__iexact=issuer)
    clients = Client.objects.filter(agency=agency, pk__in=idents.values("client_id")).order_by("pk")
    rt = RecordType
    for client in clients:
        c = client.pk
        found.add(PartDraft(Section.PERSON, _("Client record created %(day)s") % {"day": _d(client.created_at)}, _rows(
            (_("Pseudonym"), client.pseudonym),
            (_("Language"), client.language),
            (_("Contact"), client.contact),
            (_("Protected personal data"), _("Yes") if client.protected_identity else _("No")),
            (_("Created"), _d(client.created_at)),
        ), rt.CLIENT, str(c)))
        for ident in ClientIdentifier.objects.filter(client=client):
            found.add(PartDraft(Section.IDENTIFIERS, ident.get_kind_display(), _rows(
                (_("Number"), ident.display if ident.value else ""),
                (_("Date of birth"), _d(ident.birth_date)),
                (_("Added"), _d(ident.added_at)),
            ), rt.CLIENT, str(c)))
        for age in AgeAssessment.objects.filter(client=client):
            found.add(PartDraft(Section.AGES, _("Age assessed %(day)s") % {"day": _d(age.assessed_on)}, _rows(
                (_("Age"), f"{age.min_years}–{age.max_years}"),
                (_("Basis"), age.get_basis_display()),
            ), rt.CLIENT, str(c)))
            found.text(Section.AGES, _("Note on the age assessment"), age.note, rt.CLIENT, c)
        links = ClientEncounter.objects.filter(client=client).select_related("encounter__venue")
        for link in links:
            e = link.encounter
            found.add(PartDraft(Section.ENCOUNTERS, _("Encounter %(day)s") % {"day": _d(e.occurred_at)}, _rows(
                (_("Time"), _d(e.occurred_at)),
                (_("Venue"), e.venue.name),
                (_("Role"), e.get_role_display()),
                (_("Age at the encounter"), link.age_years),
            ), rt.CLIENT, str(c)))
        for action in SupportAction.objects.filter(client=client, agency=agency):
            found.add(PartDraft(Section.SUPPORT, _("%(what)s on %(day)s") % {
                "what": action.get_kind_display(), "day": _d(action.happened_on)}, _rows(
                (_("What"), action.get_kind_display()),
                (_("Date"), _d(action.happened_on)),
            ), rt.SUPPORT_ACTION, str(action.pk)))
            found.text(Section.SUPPORT, _("Note on the support action of %(day)s") % {"day": _d(action.happened_on)},
                       action.note, rt.SUPPORT_ACTION, action.pk)
        for ref in Referral.objects.filter(client=client, agency=agency).select_related("unit"):
            found.add(PartDraft(Section.REFERRALS, _("Referral to %(unit)s") % {"unit": ref.unit.name}, _rows(
                (_("Unit"), ref.unit.name),
                (_("Status"), ref.get_status_display()),
                (_("Sent"), _d(ref.sent_on)),
                (_("Received"), _d(ref.received_on)),
                (_("Closed"), _d(ref.closed_on)),
                (_("Declined"), _d(ref.declined_on)),
            ), rt.REFERRAL, str(ref.pk)))
            found.text(Section.REFERRALS, _("Reason for declining the referral to %(unit)s") % {"unit": ref.unit.name},
                       ref.decline_reason, rt.REFERRAL, ref.pk)
            found.text(Section.REFERRALS, _("Note on the referral to %(unit)s") % {"unit": ref.unit.name},
                       ref.note, rt.REFERRAL, ref.pk)
        for consent in Consent.objects.filter(client=client):
            found.add(PartDraft(Section.CONSENTS, consent.get_scope_display(), _rows(
                (_("Consent to"), consent.get_scope_display()),
                (_("Details"), consent.detail),
                (_("Given by"), consent.get_given_by_display()),
                (_("Given"), _d(consent.given_on)),
                (_("Withdrawn"), _d(consent.withdrawn_at)),
            ), rt.CLIENT, str(c)))
        for concern in ConcernClientLink.objects.filter(client=client).select_related(
            "report__reporter_agency"
        ):
            report = concern.report
            handling = ConcernHandling.objects.filter(report=report, agency=agency).first()
            found.add(PartDraft(Section.CONCERNS, _("Child-concern report received %(day)s") % {
                "day": _d(report.created_at)}, _rows(
                (_("Received"), _d(report.created_at)),
                (_("Reported by"), report.reporter_agency.name),
                (_("Status"), handling.get_status_display() if handling else ""),
                (_("Decision"), handling.get_decision_display() if handling and handling.decision else ""),
                (_("Closed"), _d(handling.closed_at) if handling else ""),
            ), rt.CLIENT, str(c)))
            found.text(Section.CONCERNS, _("What the child-concern report of %(day)s says") % {
                "day": _d(report.created_at)}, report.summary, rt.CLIENT, c)
            if handling is not None:
                found.text(Section.CONCERNS, _("Protection assessment"), handling.protection_assessment, rt.CLIENT, c)
                found.text(Section.CONCERNS, _("Reason for closing"), handling.closure_reason, rt.CLIENT, c)


# --- The police -------------------------------------------------------------------


def _police(found: Gathered, agency: Agency, kind: str, identifier: str) -> None:
    if kind not in (SubjectKind.PERSONNUMMER, SubjectKind.SAMORDNINGSNUMMER):
        return  # the police keep no reserve numbers
    suspects = (
        Suspect.objects.filter(crime_report__agency=agency, personnummer=identifier)
        .select_related("crime_report__offence")
        .order_by("crime_report__committed_at", "pk")
    )
    rt = RecordType
    for suspect in suspects:
        report: CrimeReport = suspect.crime_report
        found.add(PartDraft(Section.CRIME_REPORTS, _("Crime report %(case)s") % {
            "case": report.case_number or report.pk}, _rows(
            (_("Case number"), report.case_number),
            (_("Offence"), report.offence.name),
            (_("Time of the offence"), _d(report.committed_at)),
            (_("Status"), report.get_status_display()),
            (_("Registered"), _d(report.created_at)),
        ), rt.CRIME_REPORT, str(report.pk)))
        found.text(Section.CRIME_REPORTS, _("What happened (crime report %(case)s)") % {
            "case": report.case_number or report.pk}, report.narrative, rt.CRIME_REPORT, report.pk)
        found.add(PartDraft(Section.PERSON, _("Suspect in %(case)s") % {"case": report.case_number or report.pk}, _rows(
            (_("Name"), suspect.name),
            (_("Personal identity number"), suspect.personnummer_display),
            (_("Date of birth"), _d(suspect.birth_date)),
            (_("Role"), suspect.get_role_display()),
            (_("Age at the offence"), suspect.age_at_offence),
            (_("Registered"), _d(suspect.created_at)),
        ), rt.SUSPECT, str(suspect.pk)))
        for consent in SuspectConsent.objects.filter(suspect=suspect):
            found.add(PartDraft(Section.CONSENTS, _("Consent to inform social services"), _rows(
                (_("Given by"), consent.get_given_by_display()),
                (_("Given"), _d(consent.given_on)),
                (_("Details"), consent.detail),
                (_("Withdrawn"), _d(consent.withdrawn_at)),
            ), rt.SUSPECT, str(suspect.pk)))


# --- Both: disclosures and reads ---------------------------------------------------


def _ref_filter(refs: dict[str, set[int]], id_field: str, *, as_text: bool) -> Q:
    query = Q(pk__in=[])
    for record_type, ids in refs.items():
        values: Iterable[Any] = sorted(str(i) for i in ids) if as_text else sorted(ids)
        query |= Q(record_type=record_type, **{f"{id_field}__in": list(values)})
    return query


def _disclosures(found: Gathered, agency: Agency) -> None:
    """The disclosures the agency made of the person's records: to whom, when, on what basis."""
    if not found.refs:
        return
    made = (
        Disclosure.objects.filter(owning_agency=agency)
        .filter(status__in=(DisclosureStatus.APPROVED, DisclosureStatus.ACCEPTED, DisclosureStatus.WITHDRAWN))
        .filter(decided_at__isnull=False)
        .filter(_ref_filter(found.refs, "record_id", as_text=False))
        .select_related("requesting_agency", "legal_basis")
        .order_by("decided_at", "pk")
    )
    for d in made:
        when = d.occurred_at if d.made_orally and d.occurred_at else d.decided_at
        basis = f"{d.legal_basis.provision} – {d.legal_basis.name}" if d.legal_basis else ""
        found.parts.append(PartDraft(Section.DISCLOSURES, _("Disclosed to %(agency)s on %(day)s") % {
            "agency": d.requesting_agency.name, "day": _d(when)}, _rows(
            (_("Disclosed to"), d.requesting_agency.name),
            (_("When"), _d(when)),
            (_("Record"), d.get_record_type_display()),
            (_("Legal basis"), basis),
            (_("Made orally"), _("Yes") if d.made_orally else ""),
            (_("Status"), d.get_status_display()),
            (_("Valid until"), _d(d.valid_until)),
        ), RecordType.DISCLOSURE, str(d.pk)))


def _reads(found: Gathered, agency: Agency) -> None:
    """Reads of the person's records in the audit log, by the agency's users and by others'."""
    if not found.refs:
        return
    events = (
        AuditEvent.objects.filter(action__in=READ_ACTIONS)
        .filter(_ref_filter(found.refs, "record_id", as_text=True))
        .filter(Q(agency=agency) | Q(detail__startswith=owner_mark(agency.code)))
        .select_related("agency")
        .order_by("seq")
    )
    for event in events:
        try:
            role = str(Role(event.role).label)
        except ValueError:
            role = event.role
        found.parts.append(PartDraft(Section.READS, _("%(action)s %(time)s") % {
            "action": event.get_action_display().capitalize(), "time": _d(event.timestamp)}, _rows(
            (_("Time"), _d(event.timestamp)),
            (_("Record"), event.record_type_label),
            (_("By agency"), event.agency.name if event.agency else ""),
            (_("Role"), role),
            (_("Purpose"), event.purpose),
        ), RecordType.AUDIT_EVENT, str(event.seq)))
