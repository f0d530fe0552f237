"""The write actions: validation, the duty to report, person keys, transactions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from samverkan.accounts.models import Agency, Collaboration, User
from samverkan.audit.models import AuditEvent
from samverkan.demo.personas import STOCKHOLM_POLICE, STOCKHOLM_SOCIAL
from samverkan.investigations import actions
from samverkan.investigations.models import (
    CrimeReport,
    CrimeReportParty,
    CrimeReportStatus,
    Suspect,
)
from samverkan.investigations.tests.conftest import (
    SUSPECT_NAME,
    born_years_before,
    make_report,
    personnummer,
)
from samverkan.legal.models import Offence
from samverkan.operations.models import (
    AgeBand,
    ChildConcernReport,
    ConcernSubject,
    Encounter,
    EncounterRole,
    Shift,
    Venue,
)

pytestmark = pytest.mark.django_db

Personas = dict[str, User]
Offences = dict[str, Offence]


def messages_of(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


# --- Crime reports ----------------------------------------------------------------------


def test_create_report_in_own_agency_with_audit(
    personas: Personas, offences: Offences, shift: Shift, hotel: Venue
) -> None:
    report = make_report(
        personas["polis.inre"],
        offences["brb-6-11"],
        case_number=" k123456-26 ",
        shift=shift,
        venue=hotel,
    )
    assert report.case_number == "K123456-26"
    assert report.agency.code == STOCKHOLM_POLICE
    assert report.status == CrimeReportStatus.REGISTERED
    assert AuditEvent.objects.filter(
        action="create", record_type="crime_report", record_id=str(report.pk)
    ).exists()


@pytest.mark.parametrize("number", ["K1-26", "5000-K123456-21", "k 123456-21", "123456789"])
def test_accepted_case_numbers(personas: Personas, offences: Offences, number: str) -> None:
    make_report(personas["polis.inre"], offences["brb-6-11"], case_number=number)


@pytest.mark.parametrize(
    "number", ["", "K-26", "K123456", "K123456-2026", "X123-21", "K12;DROP-21", "12"]
)
def test_refused_case_numbers(personas: Personas, offences: Offences, number: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make_report(personas["polis.inre"], offences["brb-6-11"], case_number=number)
    assert "case_number" in exc.value.error_dict
    assert not CrimeReport.objects.exists()


def test_case_number_is_unique_per_agency(personas: Personas, offences: Offences) -> None:
    make_report(personas["polis.inre"], offences["brb-6-11"], case_number="K1-26")
    with pytest.raises(ValidationError) as exc:
        make_report(personas["polis.utredare"], offences["brb-6-12"], case_number="K1-26")
    assert "already has a crime report with case number K1-26" in messages_of(exc)
    # Another region numbers its own cases.
    west = actions.do_create_crime_report(
        collaboration=Collaboration.objects.get(code="goteborg"),
        case_number="K1-26",
        offence=offences["brb-6-11"],
        committed_at=timezone.now() - dt.timedelta(days=1),
        acting_user=personas["vast.polis"],
    )
    assert west.agency.code != STOCKHOLM_POLICE


def test_offence_time_in_the_future_is_refused(personas: Personas, offences: Offences) -> None:
    with pytest.raises(ValidationError) as exc:
        make_report(
            personas["polis.inre"],
            offences["brb-6-11"],
            committed_at=timezone.now() + dt.timedelta(hours=1),
        )
    assert "cannot be in the future" in messages_of(exc)


def test_offence_not_in_force_is_refused(personas: Personas, offences: Offences) -> None:
    offence = offences["brb-6-11"]
    offence.valid_from = timezone.localdate()
    offence.save()
    with pytest.raises(ValidationError) as exc:
        make_report(
            personas["polis.inre"], offence, committed_at=timezone.now() - dt.timedelta(days=2)
        )
    assert "not in force" in messages_of(exc)


def test_child_purchase_needs_the_buyers_awareness(personas: Personas, offences: Offences) -> None:
    with pytest.raises(ValidationError) as exc:
        make_report(personas["polis.inre"], offences["brb-6-9"])
    assert "buyer_aware_of_age" in exc.value.error_dict
    report = make_report(
        personas["polis.inre"],
        offences["brb-6-9"],
        buyer_aware_of_age="yes",
        awareness_basis="Said so",
    )
    assert report.buyer_aware_of_age == "yes"
    with pytest.raises(ValidationError):
        make_report(
            personas["polis.inre"],
            offences["brb-6-11"],
            case_number="K2-26",
            buyer_aware_of_age="no",
        )


def test_trafficking_needs_purpose_and_victim_age(personas: Personas, offences: Offences) -> None:
    with pytest.raises(ValidationError) as exc:
        make_report(personas["polis.inre"], offences["brb-4-1a"])
    assert {"trafficking_purpose", "trafficking_victim_age"} <= set(exc.value.error_dict)
    report = make_report(
        personas["polis.inre"],
        offences["brb-4-1a"],
        trafficking_purpose="sexual",
        trafficking_victim_age=AgeBand.UNDER_18,
    )
    assert report.get_trafficking_purpose_display() == "Sexual purposes"


def test_venue_of_another_collaboration_is_refused(
    personas: Personas, offences: Offences, hotel: Venue
) -> None:
    with pytest.raises(ValidationError):
        actions.do_create_crime_report(
            collaboration=Collaboration.objects.get(code="goteborg"),
            case_number="K5-26",
            offence=offences["brb-6-11"],
            committed_at=timezone.now() - dt.timedelta(days=1),
            venue=hotel,
            acting_user=personas["vast.polis"],
        )
    assert not CrimeReport.objects.exists()


@pytest.mark.parametrize(
    "username",
    ["polis.analytiker", "soc.handlaggare", "polis.chef", "polis.samordnare", "polis.admin"],
)
def test_only_officers_and_investigators_register(
    personas: Personas, offences: Offences, username: str
) -> None:
    with pytest.raises(PermissionDenied):
        make_report(personas[username], offences["brb-6-11"])


def test_status_transitions_are_enforced(personas: Personas, report: CrimeReport) -> None:
    investigator = personas["polis.utredare"]
    with pytest.raises(ValidationError) as exc:
        actions.do_change_crime_report_status(
            report, status="prosecution", acting_user=investigator
        )
    assert "registered cannot become prosecution" in messages_of(exc)
    report = actions.do_change_crime_report_status(
        report, status="preliminary_investigation", acting_user=investigator
    )
    # A repeated click changes nothing.
    report = actions.do_change_crime_report_status(
        report, status="preliminary_investigation", acting_user=investigator
    )
    report = actions.do_change_crime_report_status(
        report, status="summary_penalty", acting_user=investigator
    )
    assert report.status == CrimeReportStatus.SUMMARY_PENALTY
    with pytest.raises(ValidationError):
        actions.do_change_crime_report_status(report, status="closed", acting_user=investigator)
    with pytest.raises(ValidationError):
        actions.do_change_crime_report_status(report, status="bogus", acting_user=investigator)
    assert (
        AuditEvent.objects.filter(
            action="update", record_id=str(report.pk), detail__startswith="status"
        ).count()
        == 2
    )


def test_registered_report_may_be_closed_at_once(personas: Personas, report: CrimeReport) -> None:
    report = actions.do_change_crime_report_status(
        report, status="closed", acting_user=personas["polis.inre"]
    )
    assert report.status == CrimeReportStatus.CLOSED and not report.is_open


def test_other_region_cannot_change_a_report(personas: Personas, report: CrimeReport) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_change_crime_report_status(
            report, status="closed", acting_user=personas["vast.polis"]
        )
    with pytest.raises(PermissionDenied):
        actions.do_change_crime_report_status(
            report, status="closed", acting_user=personas["polis.analytiker"]
        )
    report.refresh_from_db()
    assert report.status == CrimeReportStatus.REGISTERED


# --- Suspects ---------------------------------------------------------------------------


def test_birth_date_comes_from_the_personnummer(personas: Personas, report: CrimeReport) -> None:
    born = born_years_before(report.committed_at, 40)
    suspect = actions.do_add_suspect(
        report,
        name="  Karl   Köpare ",
        personnummer=personnummer(born),
        role="buyer",
        acting_user=personas["polis.inre"],
    )
    assert suspect.name == "Karl Köpare"
    assert suspect.birth_date == born
    assert suspect.age_at_offence == 40
    assert suspect.personnummer == personnummer(born).replace("-", "")
    assert suspect.person_key == f"pnr:{suspect.personnummer}"
    assert suspect.child_concern_report is None


def test_samordningsnummer_is_accepted(personas: Personas, report: CrimeReport) -> None:
    born = dt.date(1990, 5, 7)
    short = f"{born:%y%m}{born.day + 60:02d}456"
    from samverkan.lib.identity import luhn_check_digit

    number = f"19{short[:6]}-456{luhn_check_digit(short)}"
    suspect = actions.do_add_suspect(
        report,
        name="Samuel Samordning",
        personnummer=number,
        role="buyer",
        acting_user=personas["polis.inre"],
    )
    assert suspect.birth_date == born


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"personnummer": "19800101-1234"}, "personnummer", "check digit is wrong"),
        ({"personnummer": "hello"}, "personnummer", "YYYYMMDD-NNNN"),
        ({"personnummer": "19801301-1234"}, "personnummer", "real date of birth"),
        ({}, "birth_date", "Enter the date of birth"),
        ({"birth_date": dt.date(1850, 1, 1)}, "birth_date", "too far back"),
        ({"birth_date": dt.date(2999, 1, 1)}, "birth_date", "after the time of the offence"),
        ({"name": "   "}, "name", "Enter the suspect's name"),
        (
            {"role": "mastermind", "birth_date": dt.date(1980, 1, 1)},
            "role",
            "Choose the suspect's role",
        ),
    ],
)
def test_bad_identity_is_refused(
    personas: Personas, report: CrimeReport, kwargs: dict[str, object], field: str, text: str
) -> None:
    arguments: dict[str, object] = {"name": "Namn Namnsson", "role": "buyer", **kwargs}
    with pytest.raises(ValidationError) as exc:
        actions.do_add_suspect(report, acting_user=personas["polis.inre"], **arguments)  # type: ignore[arg-type]
    assert field in exc.value.error_dict
    assert text in messages_of(exc)
    assert not Suspect.objects.exists()


def test_birth_date_must_match_the_personnummer(personas: Personas, report: CrimeReport) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.do_add_suspect(
            report,
            name="Namn",
            personnummer=personnummer(dt.date(1980, 1, 1)),
            birth_date=dt.date(1980, 1, 2),
            role="buyer",
            acting_user=personas["polis.inre"],
        )
    assert "does not match" in messages_of(exc)


def test_suspect_aged_17_files_exactly_one_concern_report(
    personas: Personas, report: CrimeReport
) -> None:
    born = born_years_before(report.committed_at, 17)
    suspect = actions.do_add_suspect(
        report, name="Ung Köpare", birth_date=born, role="buyer", acting_user=personas["polis.inre"]
    )
    assert suspect.age_at_offence == 17
    concern = ChildConcernReport.objects.get()
    assert suspect.child_concern_report == concern
    assert concern.addressed_to.code == STOCKHOLM_SOCIAL
    assert concern.reporter_agency.code == STOCKHOLM_POLICE
    assert concern.subject == ConcernSubject.BUYER
    assert concern.guardians_to_notify
    assert concern.collaboration == report.collaboration
    # No identity crosses in the concern report's text.
    assert "Ung Köpare" not in concern.summary and str(born.year) not in concern.summary


def test_suspect_turning_18_on_the_day_is_an_adult(personas: Personas, report: CrimeReport) -> None:
    day = timezone.localdate(report.committed_at)
    born = (
        day.replace(year=day.year - 18)
        if not (day.month == 2 and day.day == 29)
        else dt.date(day.year - 18, 3, 1)
    )
    suspect = actions.do_add_suspect(
        report,
        name="Arton Årsson",
        birth_date=born,
        role="buyer",
        acting_user=personas["polis.inre"],
    )
    assert suspect.age_at_offence == 18
    assert not ChildConcernReport.objects.exists()


def test_minor_buyer_met_on_the_shift_is_not_reported_twice(
    personas: Personas, report: CrimeReport, shift: Shift, hotel: Venue
) -> None:
    from samverkan.tests.common import record_encounter

    met = record_encounter(
        shift, hotel, personas["polis.inre"], role=EncounterRole.BUYER, age_band=AgeBand.UNDER_18
    )
    assert ChildConcernReport.objects.count() == 1  # filed by the encounter
    suspect = actions.do_add_suspect(
        report,
        name="Ung Köpare",
        birth_date=born_years_before(report.committed_at, 16),
        role="buyer",
        encounter=met,
        acting_user=personas["polis.inre"],
    )
    assert ChildConcernReport.objects.count() == 1
    assert suspect.child_concern_report == ChildConcernReport.objects.get()
    assert suspect.child_concern_report.encounter == met


def test_minor_buyer_met_as_adult_gets_a_report_linked_to_the_encounter(
    personas: Personas, report: CrimeReport, buyer: Encounter
) -> None:
    assert not ChildConcernReport.objects.exists()
    suspect = actions.do_add_suspect(
        report,
        name="Ung Köpare",
        birth_date=born_years_before(report.committed_at, 17),
        role="buyer",
        encounter=buyer,
        acting_user=personas["polis.inre"],
    )
    assert suspect.child_concern_report is not None
    assert suspect.child_concern_report.encounter == buyer


def test_a_person_in_prostitution_cannot_be_the_suspect(
    personas: Personas, report: CrimeReport, seller: Encounter
) -> None:
    with pytest.raises(ValidationError):
        actions.do_add_suspect(
            report,
            name="X",
            birth_date=dt.date(1990, 1, 1),
            role="buyer",
            encounter=seller,
            acting_user=personas["polis.inre"],
        )


def test_nothing_is_half_written_when_the_concern_report_fails(
    personas: Personas, offences: Offences
) -> None:
    # A collaboration without social services: the concern report cannot be addressed.
    police_only = Collaboration.objects.create(
        code="police-only", name="Police only", valid_from="2020-01-01"
    )
    police_only.agencies.add(Agency.objects.get(code=STOCKHOLM_POLICE))
    officer = User.objects.get(pk=personas["polis.inre"].pk)  # fresh: collaborations changed
    report = actions.do_create_crime_report(
        collaboration=police_only,
        case_number="K9-26",
        offence=offences["brb-6-11"],
        committed_at=timezone.now() - dt.timedelta(days=1),
        acting_user=officer,
    )
    events_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        actions.do_add_suspect(
            report,
            name="Ung Köpare",
            birth_date=born_years_before(report.committed_at, 15),
            role="buyer",
            acting_user=officer,
        )
    assert not Suspect.objects.exists()
    assert not ChildConcernReport.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_same_person_in_two_reports_is_one_key(personas: Personas, offences: Offences) -> None:
    officer = personas["polis.inre"]
    first = make_report(officer, offences["brb-6-11"], case_number="K1-26")
    second = make_report(officer, offences["brb-6-11-forsok"], case_number="K2-26")
    third = make_report(officer, offences["brb-6-12"], case_number="K3-26")
    born = dt.date(1975, 3, 14)
    number = personnummer(born)
    a = actions.do_add_suspect(
        first, name="Sven Svensson", personnummer=number, role="buyer", acting_user=officer
    )
    # Written differently, the same number: the same person.
    b = actions.do_add_suspect(
        second,
        name="SVEN SVENSSON",
        personnummer=number.replace("-", "")[2:],
        role="buyer",
        acting_user=officer,
    )
    assert a.person_key == b.person_key
    # Without a number, name and birth date make the key; case and accents do not matter.
    c = actions.do_add_suspect(
        first, name="Åsa Öberg", birth_date=born, role="other", acting_user=officer
    )
    d = actions.do_add_suspect(
        second, name="asa oberg", birth_date=born, role="other", acting_user=officer
    )
    e = actions.do_add_suspect(
        third, name="Åsa Öberg", birth_date=born, role="organiser", acting_user=officer
    )
    assert c.person_key == d.person_key == e.person_key != a.person_key
    buyers = Suspect.objects.of_sex_purchase()
    assert buyers.count() == 4
    assert buyers.person_count() == 2


def test_same_person_twice_in_one_report_is_refused(personas: Personas, suspect: Suspect) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.do_add_suspect(
            suspect.crime_report,
            name="Someone Else",
            personnummer=personnummer(suspect.birth_date),
            role="buyer",
            acting_user=personas["polis.inre"],
        )
    assert "already a suspect" in messages_of(exc)


def test_suspects_are_not_added_to_a_closed_report(personas: Personas, report: CrimeReport) -> None:
    actions.do_change_crime_report_status(
        report, status="closed", acting_user=personas["polis.inre"]
    )
    with pytest.raises(ValidationError) as exc:
        actions.do_add_suspect(
            report,
            name="Sen Köpare",
            birth_date=dt.date(1980, 1, 1),
            role="buyer",
            acting_user=personas["polis.inre"],
        )
    assert "can no longer be changed" in messages_of(exc)


def test_age_at_offence_stays_frozen_when_the_birth_date_is_corrected(
    personas: Personas, suspect: Suspect
) -> None:
    assert suspect.age_at_offence == 45
    corrected = born_years_before(suspect.crime_report.committed_at, 30)
    suspect = actions.do_correct_suspect_identity(
        suspect, name=SUSPECT_NAME, birth_date=corrected, acting_user=personas["polis.utredare"]
    )
    suspect.refresh_from_db()
    assert suspect.birth_date == corrected
    assert suspect.personnummer == ""
    assert suspect.age_at_offence == 45
    assert suspect.age_by_birth_date() == 30
    assert suspect.person_key.startswith("name:sven suspektsson|")
    assert AuditEvent.objects.filter(
        action="update", record_type="suspect", record_id=str(suspect.pk)
    ).exists()


def test_correction_revealing_a_minor_files_the_missing_concern_report(
    personas: Personas, suspect: Suspect
) -> None:
    minor = born_years_before(suspect.crime_report.committed_at, 16)
    suspect = actions.do_correct_suspect_identity(
        suspect, name=SUSPECT_NAME, birth_date=minor, acting_user=personas["polis.inre"]
    )
    assert suspect.age_at_offence == 45  # frozen
    assert suspect.child_concern_report is not None
    assert suspect.child_concern_report.guardians_to_notify
    # Correcting again files nothing more.
    actions.do_correct_suspect_identity(
        suspect, name="Sven Rättad", birth_date=minor, acting_user=personas["polis.inre"]
    )
    assert ChildConcernReport.objects.count() == 1


def test_analyst_cannot_correct(personas: Personas, suspect: Suspect) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_correct_suspect_identity(
            suspect,
            name="X",
            birth_date=dt.date(1980, 1, 1),
            acting_user=personas["polis.analytiker"],
        )


# --- Parties ----------------------------------------------------------------------------


def test_seller_under_6_11_is_a_witness_not_an_injured_party(
    personas: Personas, report: CrimeReport, seller: Encounter
) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.do_add_party(
            report, encounter=seller, kind="injured_party", acting_user=personas["polis.inre"]
        )
    assert "Add them as a witness instead" in messages_of(exc)
    party = actions.do_add_party(
        report, encounter=seller, kind="witness", acting_user=personas["polis.inre"]
    )
    assert party.encounter == seller
    with pytest.raises(ValidationError):
        actions.do_add_party(
            report, encounter=seller, kind="witness", acting_user=personas["polis.inre"]
        )
    assert CrimeReportParty.objects.count() == 1


def test_child_is_the_injured_party_under_6_9(
    personas: Personas,
    offences: Offences,
    shift: Shift,
    hotel: Venue,
    child: Encounter,
    seller: Encounter,
) -> None:
    report = make_report(
        personas["polis.inre"],
        offences["brb-6-9"],
        case_number="K7-26",
        shift=shift,
        venue=hotel,
        buyer_aware_of_age="unknown",
    )
    with pytest.raises(ValidationError) as exc:
        actions.do_add_party(
            report, encounter=seller, kind="injured_party", acting_user=personas["polis.inre"]
        )
    assert "the injured party is the child" in messages_of(exc)
    party = actions.do_add_party(
        report, encounter=child, kind="injured_party", acting_user=personas["polis.inre"]
    )
    assert party.get_kind_display() == "Injured party"


def test_party_must_be_an_encounter_the_officer_can_see(
    personas: Personas, offences: Offences, report: CrimeReport, seller: Encounter
) -> None:
    west = actions.do_create_crime_report(
        collaboration=Collaboration.objects.get(code="goteborg"),
        case_number="K8-26",
        offence=offences["brb-6-12"],
        committed_at=timezone.now() - dt.timedelta(days=1),
        acting_user=personas["vast.polis"],
    )
    with pytest.raises(ValidationError):
        actions.do_add_party(
            west, encounter=seller, kind="witness", acting_user=personas["vast.polis"]
        )
    assert not CrimeReportParty.objects.exists()
