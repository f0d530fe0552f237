"""What the police can disclose to social services, declared once (``sharing.gate``).

The same declarations render the police's own pages (every field) and social
services' disclosed reads (the granted fields only, as projections).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from samverkan.accounts.models import AgencyKind
from samverkan.accounts.policy import RecordType
from samverkan.investigations.models import CrimeReport, CrimeReportParty, Suspect, SuspectConsent
from samverkan.lib.age import is_minor
from samverkan.operations.models import AgeBand, Encounter
from samverkan.sharing.gate import Disclosable, DisclosableField, Summary
from samverkan.sharing.rules import SubjectAge

F = DisclosableField
NOT_GIVEN = "\N{EN DASH}"


def _local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _parties(report: CrimeReport) -> list[str]:
    lines = []
    for party in report.parties.select_related("encounter__venue").order_by("pk"):
        e = party.encounter
        lines.append(
            f"{party.get_kind_display()}: {e.get_role_display()}, {e.get_age_band_display()}, "
            f"{_local(e.occurred_at)}, {e.venue.name}"
        )
    return lines or [gettext("No injured parties or witnesses yet.")]


def _child_offence(report: CrimeReport) -> bool:
    return bool(report.offence.child_victim)


def _trafficking(report: CrimeReport) -> bool:
    return bool(report.offence.human_trafficking)


def _age_from_bands(bands: Iterable[str]) -> SubjectAge:
    found = set(bands)
    if AgeBand.UNDER_18 in found:
        return SubjectAge.MINOR
    if AgeBand.UNCERTAIN in found:
        return SubjectAge.UNKNOWN
    return SubjectAge.ADULT


def police_record_age(record: Any, encounter_id: int | None, on: dt.date) -> SubjectAge:
    """Whether the record concerns a child: the named person, a party, the victim, a suspect."""
    report: CrimeReport = record if isinstance(record, CrimeReport) else record.crime_report
    bands: list[str] = []
    if encounter_id is not None:
        bands += Encounter.objects.filter(pk=encounter_id).values_list("age_band", flat=True)
    bands += CrimeReportParty.objects.filter(crime_report=report).values_list(
        "encounter__age_band", flat=True
    )
    if report.trafficking_victim_age:
        bands.append(report.trafficking_victim_age)
    if report.offence.child_victim:
        bands.append(AgeBand.UNDER_18)
    suspects = [record] if isinstance(record, Suspect) else list(report.suspects.all())
    # The age registered stays frozen for the statistics; a corrected birth date
    # that shows a child counts here too (the cautious side).
    if any(s.is_minor_at_offence or is_minor(s.age_by_birth_date()) for s in suspects):
        bands.append(AgeBand.UNDER_18)
    return _age_from_bands(bands)


def _report_summary(report: CrimeReport) -> Summary:
    return Summary(
        report.pk,
        report.case_number,
        [report.offence_label, _local(report.committed_at), str(report.get_status_display())],
    )


def _suspect_summary(suspect: Suspect) -> Summary:
    return Summary(
        suspect.pk,
        suspect.name,
        [
            suspect.crime_report.case_number,
            gettext("%(age)s years at the offence") % {"age": suspect.age_at_offence},
            str(suspect.get_role_display()),
        ],
    )


POLICE = AgencyKind.POLICE

CRIME_REPORT: Disclosable[CrimeReport] = Disclosable(
    record_type=RecordType.CRIME_REPORT,
    owner_kind=POLICE,
    model=CrimeReport,
    fields=(
        F("case_number", _("Case number"), lambda r: r.case_number),
        F("offence", _("Offence"), lambda r: r.offence_label),
        F("committed_at", _("Time of the offence"), lambda r: _local(r.committed_at)),
        F("status", _("Status"), lambda r: str(r.get_status_display())),
        F("venue", _("Venue"), lambda r: str(r.venue) if r.venue else NOT_GIVEN),
        F("shift", _("Shift"), lambda r: str(r.shift) if r.shift else NOT_GIVEN),
        F("narrative", _("What happened"), lambda r: r.narrative or NOT_GIVEN, long_text=True),
        F(
            "buyer_aware_of_age",
            _("Was the buyer aware of the child's age?"),
            lambda r: str(r.get_buyer_aware_of_age_display()) or NOT_GIVEN,
            applies=_child_offence,
        ),
        F(
            "awareness_basis",
            _("Basis for the assessment of awareness"),
            lambda r: r.awareness_basis or NOT_GIVEN,
            long_text=True,
            applies=_child_offence,
        ),
        F(
            "trafficking_purpose",
            _("Purpose of the trafficking"),
            lambda r: str(r.get_trafficking_purpose_display()) or NOT_GIVEN,
            applies=_trafficking,
        ),
        F(
            "trafficking_victim_age",
            _("Age of the victim"),
            lambda r: str(r.get_trafficking_victim_age_display()) or NOT_GIVEN,
            applies=_trafficking,
        ),
        F("parties", _("Injured parties and witnesses (as encounters)"), _parties),
    ),
    owner_path="agency",
    encounter_paths=("parties__encounter", "suspects__encounter"),
    case_number_path="case_number",
    title_field="case_number",
    untitled=lambda r: gettext("Crime report"),
    summary=_report_summary,
    subject_age=police_record_age,
    url_name="investigations:report_detail",
    select_related=("offence", "venue", "shift__area"),
)


def suspect_consents(suspect: Suspect, at: dt.datetime) -> bool:
    """Whether the suspect's consent to inform social services was in force at ``at`` (OSL 12:2)."""
    return SuspectConsent.objects.filter(suspect=suspect).in_force_at(at).exists()


SUSPECT: Disclosable[Suspect] = Disclosable(
    record_type=RecordType.SUSPECT,
    owner_kind=POLICE,
    model=Suspect,
    fields=(
        F("name", _("Name"), lambda s: s.name),
        F(
            "personnummer",
            _("Personal identity number"),
            lambda s: s.personnummer_display or NOT_GIVEN,
        ),
        F("birth_date", _("Date of birth"), lambda s: f"{s.birth_date:%Y-%m-%d}"),
        F("age_at_offence", _("Age at the offence"), lambda s: str(s.age_at_offence)),
        F("role", _("Role"), lambda s: str(s.get_role_display())),
    ),
    owner_path="crime_report__agency",
    encounter_paths=("encounter", "crime_report__parties__encounter"),
    case_number_path="crime_report__case_number",
    title_field="name",
    untitled=lambda s: gettext("Suspect"),
    summary=_suspect_summary,
    subject_age=police_record_age,
    consent=suspect_consents,
    url_name="investigations:suspect_detail",
    select_related=("crime_report__offence",),
)

# What social services need to know who a child suspect is, and nothing of the offence:
# handed over with the child-concern report under the duty to report.
CONCERN_REPORT_FIELDS: tuple[str, ...] = ("name", "personnummer", "birth_date", "age_at_offence")

RECORDS: tuple[Disclosable[Any], ...] = (CRIME_REPORT, SUSPECT)
