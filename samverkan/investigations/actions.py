"""Writes to police records: one transaction each, audited, with their follow-ups.

Every function checks the writer's permission itself (``require``: 403 for a
read-only analyst) and that the record lies in the writer's own agency, so
that no caller can write around the access policy.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.access import require
from samverkan.accounts.models import Collaboration, User, withdraw_once
from samverkan.accounts.policy import Action, RecordType
from samverkan.audit.actions import audit_record
from samverkan.audit.models import AuditAction
from samverkan.investigations import disclosure
from samverkan.investigations.models import (
    CrimeReport,
    CrimeReportParty,
    CrimeReportStatus,
    PartyKind,
    Suspect,
    SuspectConsent,
    SuspectConsentGiver,
    SuspectRole,
    age_on,
    person_key_for,
)
from samverkan.legal.case_numbers import normalise_case_number
from samverkan.legal.models import Offence
from samverkan.lib.age import is_minor
from samverkan.lib.identity import InvalidIdentifier, Reason, parse_identity_number
from samverkan.operations.actions import do_file_child_concern_report
from samverkan.operations.models import (
    ChildConcernReport,
    ConcernSubject,
    Encounter,
    EncounterRole,
    Shift,
    Venue,
)
from samverkan.sharing.actions import do_disclose_with_concern_report
from samverkan.sharing.models import Disclosure

# Birth dates before this are typing errors, not suspects.
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)



def _writable_report(report: CrimeReport, acting_user: User) -> CrimeReport:
    """The report, locked, if ``acting_user`` may change it; PermissionDenied otherwise."""
    require(acting_user, RecordType.CRIME_REPORT, Action.UPDATE)
    locked = (
        CrimeReport.objects.visible_to(acting_user, Action.UPDATE)
        .select_for_update()
        .filter(pk=report.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied
    return locked


def _require_open(report: CrimeReport) -> None:
    if not report.is_open:
        raise ValidationError(
            _("The crime report is %(status)s and can no longer be changed.")
            % {"status": report.get_status_display().lower()}
        )


@transaction.atomic
def do_create_crime_report(
    *,
    collaboration: Collaboration,
    case_number: str,
    offence: Offence,
    committed_at: dt.datetime,
    acting_user: User,
    venue: Venue | None = None,
    shift: Shift | None = None,
    narrative: str = "",
    buyer_aware_of_age: str = "",
    awareness_basis: str = "",
    trafficking_purpose: str = "",
    trafficking_victim_age: str = "",
) -> CrimeReport:
    """Register a crime report in the acting officer's own police agency."""
    require(acting_user, RecordType.CRIME_REPORT, Action.CREATE)
    agency = acting_user.agency
    assert agency is not None  # require() passed
    if not acting_user.collaborations().filter(pk=collaboration.pk).exists():
        raise ValidationError(_("Your agency is not part of this collaboration."))
    if venue is not None and not Venue.objects.visible_to(acting_user).filter(pk=venue.pk).exists():
        raise ValidationError({"venue": _("Choose a venue from the list.")})
    if shift is not None and not Shift.objects.visible_to(acting_user).filter(pk=shift.pk).exists():
        raise ValidationError({"shift": _("Choose a shift from the list.")})
    report = CrimeReport(
        agency=agency,
        collaboration=collaboration,
        case_number=normalise_case_number(case_number),
        offence=offence,
        committed_at=committed_at,
        venue=venue,
        shift=shift,
        narrative=narrative.strip(),
        buyer_aware_of_age=buyer_aware_of_age,
        awareness_basis=awareness_basis.strip(),
        trafficking_purpose=trafficking_purpose,
        trafficking_victim_age=trafficking_victim_age,
        created_by=acting_user,
    )
    # The unique case number gets its own message below, not Django's generic one.
    report.full_clean(validate_constraints=False)
    duplicate = _("Your agency already has a crime report with case number %(number)s.") % {
        "number": report.case_number
    }
    if CrimeReport.objects.filter(agency=agency, case_number=report.case_number).exists():
        raise ValidationError({"case_number": duplicate})
    try:
        with transaction.atomic():
            report.save(force_insert=True)
    except IntegrityError as exc:  # registered by someone else a moment ago
        raise ValidationError({"case_number": duplicate}) from exc
    audit_record(acting_user, AuditAction.CREATE, RecordType.CRIME_REPORT, report)
    return report


@transaction.atomic
def do_change_crime_report_status(
    report: CrimeReport, *, status: str, acting_user: User
) -> CrimeReport:
    report = _writable_report(report, acting_user)
    if report.status == status:
        return report  # a repeated click changes nothing
    if not report.can_become(status):
        try:
            new_label = str(CrimeReportStatus(status).label).lower()
        except ValueError:
            new_label = status
        raise ValidationError(
            _("A crime report that is %(status)s cannot become %(new)s.")
            % {"status": report.get_status_display().lower(), "new": new_label}
        )
    old = report.status
    report.status = status
    report.status_changed_at = timezone.now()
    report.save(update_fields=["status", "status_changed_at"])
    detail = f"status: {old} → {status}"
    audit_record(acting_user, AuditAction.UPDATE, RecordType.CRIME_REPORT, report, detail)
    return report


def _identity_number_message(reason: Reason) -> str:
    messages = {
        Reason.DATE: _("The number does not contain a real date of birth."),
        Reason.FUTURE: _("The date of birth in the number is in the future."),
        Reason.CHECKSUM: _("The check digit is wrong. Check the number."),
        Reason.SEPARATOR: _("'+' is only used from the year a person turns 100."),
        Reason.SERIAL: _("The birth number 000 is never issued. Check the number."),
    }
    return messages.get(
        reason,
        _(
            "Enter the personal identity number as YYYYMMDD-NNNN or YYMMDD-NNNN, or leave it "
            "empty and enter the date of birth."
        ),
    )


def _identity(
    *, name: str, personnummer: str, birth_date: dt.date | None, committed_on: dt.date
) -> tuple[str, str, dt.date]:
    """Validated (name, personnummer digits, birth date); the number decides the birth date."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Enter the suspect's name.")})
    digits = ""
    if personnummer.strip():
        try:
            number = parse_identity_number(personnummer, today=timezone.localdate())
        except InvalidIdentifier as exc:
            raise ValidationError({"personnummer": _identity_number_message(exc.reason)}) from exc
        if birth_date is not None and birth_date != number.birth_date:
            raise ValidationError(
                {"birth_date": _("The date of birth does not match the personal identity number.")}
            )
        digits, birth_date = number.normalised, number.birth_date
    if birth_date is None:
        raise ValidationError(
            {"birth_date": _("Enter the date of birth when there is no personal identity number.")}
        )
    if birth_date < EARLIEST_BIRTH_DATE:
        raise ValidationError({"birth_date": _("Check the date of birth: it is too far back.")})
    if birth_date > committed_on:
        raise ValidationError(
            {"birth_date": _("The date of birth is after the time of the offence.")}
        )
    return name, digits, birth_date


def _file_concern_report(
    suspect: Suspect, report: CrimeReport, acting_user: User
) -> ChildConcernReport:
    """The duty to report concern for a child, and LUL's notice to social services."""
    if suspect.encounter is not None:
        # The encounter may already have filed one for this child, from this agency.
        existing = ChildConcernReport.objects.filter(
            encounter=suspect.encounter,
            subject=ConcernSubject.BUYER,
            reporter_agency=report.agency,
        ).first()
        if existing is not None:
            return existing
    # No identity in the summary: the concern report is read by social services,
    # and identity details cross only through a disclosure.
    summary = _(
        "A person aged %(age)d at the time is suspected of %(offence)s on %(date)s. "
        "The suspect is under 18: guardians must be notified (LUL)."
    ) % {
        "age": suspect.age_at_offence,
        "offence": report.offence.name,
        "date": f"{timezone.localtime(report.committed_at):%Y-%m-%d}",
    }
    return do_file_child_concern_report(
        collaboration=report.collaboration,
        subject=ConcernSubject.BUYER,
        acting_user=acting_user,
        encounter=suspect.encounter,
        summary=summary,
        guardians_to_notify=True,
    )


def _report_concern(suspect: Suspect, report: CrimeReport, acting_user: User) -> None:
    """File the concern report for a suspect under 18, and hand over who the child is.

    Social services cannot act on a report about an unnamed child: the duty to
    report also covers the identity, which crosses as a disclosure (sharing),
    in this transaction. Without a recipient or a valid basis the concern report
    still stands; the sharing action logs why nothing was disclosed.
    """
    suspect.child_concern_report = _file_concern_report(suspect, report, acting_user)
    suspect.save(update_fields=["child_concern_report"])
    do_hand_over_identity(suspect, acting_user=acting_user)


def do_hand_over_identity(suspect: Suspect, *, acting_user: User) -> Disclosure | None:
    """Disclose who the child is to social services, with the suspect's child-concern report."""
    report = suspect.child_concern_report
    if report is None:
        raise ValidationError(_("The suspect has no child-concern report."))
    return do_disclose_with_concern_report(
        report,
        record_type=RecordType.SUSPECT,
        record_id=suspect.pk,
        fields=disclosure.CONCERN_REPORT_FIELDS,
        acting_user=acting_user,
    )


@transaction.atomic
def do_add_suspect(
    report: CrimeReport,
    *,
    name: str,
    role: str,
    acting_user: User,
    personnummer: str = "",
    birth_date: dt.date | None = None,
    encounter: Encounter | None = None,
) -> Suspect:
    """Add a suspect; one under 18 at the offence gets a child-concern report at once."""
    require(acting_user, RecordType.SUSPECT, Action.CREATE)
    report = _writable_report(report, acting_user)
    _require_open(report)
    if role not in SuspectRole.values:
        raise ValidationError({"role": _("Choose the suspect's role.")})
    committed_on = timezone.localdate(report.committed_at)
    name, digits, birth = _identity(
        name=name, personnummer=personnummer, birth_date=birth_date, committed_on=committed_on
    )
    if encounter is not None:
        _check_encounter(encounter, report, acting_user)
        if encounter.role == EncounterRole.EXPLOITED:
            raise ValidationError(
                {"encounter": _("A person met as a person in prostitution cannot be the suspect.")}
            )
    suspect = Suspect(
        crime_report=report,
        name=name,
        personnummer=digits,
        birth_date=birth,
        person_key=person_key_for(personnummer=digits, name=name, birth_date=birth),
        age_at_offence=age_on(birth, committed_on),
        role=role,
        encounter=encounter,
        created_by=acting_user,
    )
    twice = _("This person is already a suspect in this crime report.")
    if Suspect.objects.filter(crime_report=report, person_key=suspect.person_key).exists():
        raise ValidationError(twice)
    try:
        with transaction.atomic():
            suspect.save(force_insert=True)
    except IntegrityError as exc:  # added by someone else a moment ago
        raise ValidationError(twice) from exc
    audit_record(acting_user, AuditAction.CREATE, RecordType.SUSPECT, suspect)
    if suspect.is_minor_at_offence:
        _report_concern(suspect, report, acting_user)
    return suspect


@transaction.atomic
def do_correct_suspect_identity(
    suspect: Suspect,
    *,
    name: str,
    acting_user: User,
    personnummer: str = "",
    birth_date: dt.date | None = None,
) -> Suspect:
    """Correct a suspect's name, personnummer or date of birth.

    The person key follows the corrected identity. The age at the offence stays
    as registered: it is the age the case was handled under and the age the
    published statistics counted. The duty to report is not frozen, though: a
    correction that shows the suspect was under 18 files the concern report
    that is still missing.
    """
    locked = _writable_suspect(suspect, acting_user)
    report = _writable_report(locked.crime_report, acting_user)
    committed_on = timezone.localdate(report.committed_at)
    name, digits, birth = _identity(
        name=name, personnummer=personnummer, birth_date=birth_date, committed_on=committed_on
    )
    key = person_key_for(personnummer=digits, name=name, birth_date=birth)
    if Suspect.objects.filter(crime_report=report, person_key=key).exclude(pk=locked.pk).exists():
        raise ValidationError(_("This person is already a suspect in this crime report."))
    changed = [
        field
        for field, value in (("name", name), ("personnummer", digits), ("birth_date", birth))
        if getattr(locked, field) != value
    ]
    if not changed:
        return locked
    locked.name, locked.personnummer, locked.birth_date = name, digits, birth
    locked.person_key = key
    locked.save(update_fields=[*changed, "person_key"])
    audit_record(acting_user, AuditAction.UPDATE, RecordType.SUSPECT, locked, ", ".join(changed))
    if locked.child_concern_report_id is None and is_minor(age_on(birth, committed_on)):
        _report_concern(locked, report, acting_user)
    return locked


def _check_encounter(encounter: Encounter, report: CrimeReport, acting_user: User) -> None:
    if not Encounter.objects.visible_to(acting_user).filter(pk=encounter.pk).exists():
        raise ValidationError({"encounter": _("Choose an encounter from the list.")})
    if encounter.collaboration_id != report.collaboration_id:
        raise ValidationError({"encounter": _("The encounter belongs to another collaboration.")})


@transaction.atomic
def do_add_party(
    report: CrimeReport, *, encounter: Encounter, kind: str, acting_user: User
) -> CrimeReportParty:
    """Add an injured party or a witness, by reference to the encounter with them."""
    report = _writable_report(report, acting_user)
    _require_open(report)
    if kind not in PartyKind.values:
        raise ValidationError({"kind": _("Choose injured party or witness.")})
    _check_encounter(encounter, report, acting_user)
    if kind == PartyKind.INJURED_PARTY:
        if report.offence.seller_is_witness:
            raise ValidationError(
                {
                    "kind": _(
                        "Under BrB 6:11 the person who sold a sexual service is not an injured "
                        "party. Add them as a witness instead."
                    )
                }
            )
        if report.offence.child_victim and not (
            encounter.role == EncounterRole.EXPLOITED and encounter.is_possible_minor
        ):
            raise ValidationError(
                {
                    "encounter": _(
                        "Under BrB 6:9 the injured party is the child: choose an encounter with "
                        "a person in prostitution who is under 18 or of uncertain age."
                    )
                }
            )
    twice = {"encounter": _("This encounter is already a party to the report.")}
    if CrimeReportParty.objects.filter(crime_report=report, encounter=encounter).exists():
        raise ValidationError(twice)
    try:
        with transaction.atomic():
            party = CrimeReportParty.objects.create(
                crime_report=report, encounter=encounter, kind=kind, created_by=acting_user
            )
    except IntegrityError as exc:  # added by someone else a moment ago
        raise ValidationError(twice) from exc
    audit_record(
        acting_user,
        AuditAction.UPDATE,
        RecordType.CRIME_REPORT,
        report,
        f"party added: {kind}, encounter {encounter.pk}",
    )
    return party


# --- The suspect's consent to inform social services (OSL 12 kap. 2 §) --------------------


def _writable_suspect(suspect: Suspect, acting_user: User) -> Suspect:
    require(acting_user, RecordType.SUSPECT, Action.UPDATE)
    locked = (
        Suspect.objects.visible_to(acting_user, Action.UPDATE)
        .select_for_update()
        .select_related("crime_report")
        .filter(pk=suspect.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied
    return locked


@transaction.atomic
def do_record_suspect_consent(
    suspect: Suspect, *, given_by: str, given_on: dt.date, detail: str = "", acting_user: User
) -> SuspectConsent:
    """Record that the suspect agreed that the police tell social services about them.

    A guardian consents only for a child: the suspect under 18 on the day of the consent.
    """
    locked = _writable_suspect(suspect, acting_user)
    if given_by not in SuspectConsentGiver.values:
        raise ValidationError({"given_by": _("Choose who gave the consent.")}, code="invalid_choice")
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date cannot be in the future.")}, code="future")
    years = age_on(locked.birth_date, given_on)
    if given_by == SuspectConsentGiver.GUARDIAN and not is_minor(years):
        raise ValidationError(
            {
                "given_by": _(
                    "A guardian can consent only for a child. The suspect was %(years)s on that day and "
                    "consents for themselves."
                )
                % {"years": years}
            },
            code="adult",
        )
    consent = SuspectConsent(
        suspect=locked,
        given_by=given_by,
        given_on=given_on,
        detail=" ".join(detail.split())[:300],
        recorded_by=acting_user,
    )
    consent.save(force_insert=True)
    audit_record(
        acting_user, AuditAction.UPDATE, RecordType.SUSPECT, locked, f"consent recorded: {consent.pk}; {given_by}"
    )
    return consent


@transaction.atomic
def do_withdraw_suspect_consent(consent: SuspectConsent, *, acting_user: User) -> SuspectConsent:
    """The consent no longer holds from now; it stays on record. Repeating it changes nothing."""
    locked_suspect = _writable_suspect(consent.suspect, acting_user)
    locked = SuspectConsent.objects.select_for_update().get(pk=consent.pk, suspect=locked_suspect)
    if withdraw_once(locked, acting_user):
        audit_record(
            acting_user, AuditAction.UPDATE, RecordType.SUSPECT, locked_suspect, f"consent withdrawn: {locked.pk}"
        )
    return locked
