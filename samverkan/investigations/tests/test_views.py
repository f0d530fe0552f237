"""Crime report pages through HTTP with the personas: the wall, the writes, bad input."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterator
from typing import Protocol
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import AgencyKind, Collaboration, User
from samverkan.accounts.policy import (
    RecordType,
)
from samverkan.audit.models import AuditEvent
from samverkan.investigations import actions
from samverkan.investigations.models import (
    CrimeReport,
    CrimeReportParty,
    CrimeReportStatus,
    Suspect,
)
from samverkan.investigations.tests.conftest import (
    SECRET_NARRATIVE,
    SUSPECT_NAME,
    born_years_before,
    make_report,
    personnummer,
)
from samverkan.legal.models import Offence
from samverkan.operations import actions as ops
from samverkan.operations.models import ChildConcernReport, Encounter, Shift, Venue

pytestmark = pytest.mark.django_db

Personas = dict[str, User]
Offences = dict[str, Offence]
Login = Callable[[User], Client]

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LIST = "/anmalningar/"
CREATE = "/anmalningar/ny/"

# Everyone outside the Stockholm police (DESIGN.md §4): no crime report, no suspect.
WALLED_OFF = (
    "soc.handlaggare",
    "polis.samordnare",
    "soc.samordnare",
    "polis.chef",
    "soc.chef",
    "polis.granskare",
    "soc.granskare",
    "polis.admin",
    "soc.admin",
    "vast.polis",
    "gbg.handlaggare",
)
# Of them, these may list crime reports (their own agency's, or what was disclosed).
MAY_LIST = {"soc.handlaggare", "vast.polis", "gbg.handlaggare"}


class HasContent(Protocol):
    @property
    def content(self) -> bytes: ...


def text(response: HasContent) -> str:
    return html.unescape(response.content.decode())


def detail_url(report: CrimeReport) -> str:
    return f"/anmalningar/{report.pk}/"


def suspect_url(suspect: Suspect) -> str:
    return f"/anmalningar/misstankt/{suspect.pk}/"


def create_data(**overrides: object) -> dict[str, object]:
    stockholm = Collaboration.objects.get(code="stockholm")
    data: dict[str, object] = {
        "collaboration": stockholm.pk,
        "case_number": "K555555-26",
        "offence": Offence.objects.get(key="brb-6-11").pk,
        "committed_at": f"{timezone.localtime() - dt.timedelta(hours=3):%Y-%m-%dT%H:%M}",
        "narrative": "Köparen greps i trapphuset.",
    }
    data.update(overrides)
    return data


# --- Happy paths ------------------------------------------------------------------------


def test_officer_registers_a_report_from_the_shift_and_works_it(
    personas: Personas,
    login: Login,
    offences: Offences,
    shift: Shift,
    hotel: Venue,
    seller: Encounter,
) -> None:
    client = login(personas["polis.inre"])
    form = client.get(f"{CREATE}?shift={shift.pk}")
    assert form.status_code == 200
    page = text(form)
    assert f'<option value="{shift.pk}" selected>' in page
    assert f'<option value="{hotel.pk}" selected>' in page  # the shift's only planned venue

    response = client.post(CREATE, create_data(shift=shift.pk, venue=hotel.pk))
    report = CrimeReport.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(report)
    assert report.shift == shift and report.venue == hotel and report.case_number == "K555555-26"

    response = client.post(
        f"/anmalningar/{report.pk}/misstankt/ny/",
        {"name": "Karl Köpare", "personnummer": personnummer(dt.date(1980, 2, 3)), "role": "buyer"},
    )
    assert response.status_code == 302
    suspect = Suspect.objects.get()
    assert suspect.birth_date == dt.date(1980, 2, 3)

    form = client.get(f"/anmalningar/{report.pk}/part/ny/")
    assert form.status_code == 200
    assert "Under BrB 6:11 the person who sold a sexual service is a witness" in text(form)
    response = client.post(
        f"/anmalningar/{report.pk}/part/ny/", {"encounter": seller.pk, "kind": "witness"}
    )
    assert response.status_code == 302
    assert CrimeReportParty.objects.get().encounter == seller

    response = client.post(
        f"/anmalningar/{report.pk}/status/", {"status": "preliminary_investigation"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == CrimeReportStatus.PRELIMINARY_INVESTIGATION

    page = text(client.get(detail_url(report)))
    for expected in (
        "K555555-26",
        "Karl Köpare",
        "19800203-",
        "Witness",
        "Preliminary investigation opened",
        "köp av sexuell handling (BrB 6:11)",  # the name since 2025-07-01
        "Hotell Exempel",
        "Köparen greps i trapphuset.",
    ):
        assert expected in page
    assert "Prosecution" in page  # offered as the next step


def test_report_from_an_encounter_preselects_shift_venue_and_time(
    personas: Personas,
    login: Login,
    offences: Offences,
    shift: Shift,
    hotel: Venue,
    buyer: Encounter,
) -> None:
    page = text(login(personas["polis.inre"]).get(f"{CREATE}?encounter={buyer.pk}"))
    assert f'<option value="{shift.pk}" selected>' in page
    assert f'<option value="{hotel.pk}" selected>' in page
    assert f'value="{timezone.localtime(buyer.occurred_at):%Y-%m-%dT%H:%M}"' in page


def test_investigator_lists_and_searches(
    personas: Personas, login: Login, offences: Offences
) -> None:
    officer = personas["polis.inre"]
    # Fixed times: the year filter must not depend on the day the suite runs.
    this_year = dt.datetime(2026, 1, 1, 0, 30, tzinfo=STOCKHOLM)  # 2025 in UTC
    last_year = dt.datetime(2025, 12, 31, 23, 30, tzinfo=STOCKHOLM)
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=STOCKHOLM), tick=False):
        make_report(officer, offences["brb-6-11"], case_number="K111111-26", committed_at=this_year)
        make_report(officer, offences["brb-6-12"], case_number="K222222-26", committed_at=this_year)
        make_report(officer, offences["brb-6-11"], case_number="K333333-25", committed_at=last_year)
    client = login(personas["polis.utredare"])

    def listed(query: str) -> set[str]:
        page = text(client.get(f"{LIST}?{query}"))
        return {n for n in ("K111111-26", "K222222-26", "K333333-25") if n in page}

    assert listed("") == {"K111111-26", "K222222-26", "K333333-25"}
    assert listed("q=k222") == {"K222222-26"}
    assert listed(f"offence={offences['brb-6-11'].pk}") == {"K111111-26", "K333333-25"}
    assert listed("year=2025") == {"K333333-25"}
    assert listed("year=2026") == {"K111111-26", "K222222-26"}
    assert listed("status=closed") == set()
    assert (
        AuditEvent.objects.filter(
            action="list", record_type="crime_report", username="polis.utredare"
        ).count()
        == 6
    )


def test_suspect_aged_17_shows_the_lul_note(
    personas: Personas, login: Login, report: CrimeReport
) -> None:
    client = login(personas["polis.inre"])
    born = born_years_before(report.committed_at, 17)
    response = client.post(
        f"/anmalningar/{report.pk}/misstankt/ny/",
        {"name": "Ung Köpare", "birth_date": f"{born:%Y-%m-%d}", "role": "buyer"},
        follow=True,
    )
    page = text(response)
    assert "A child-concern report has been sent to Stockholms stad, socialtjänsten" in page
    assert "Guardians must be notified (LUL)" in page
    concern = ChildConcernReport.objects.get()
    assert concern.guardians_to_notify
    assert Suspect.objects.get().child_concern_report == concern
    assert "A suspect was under 18 at the offence." in text(client.get(detail_url(report)))


def test_correcting_the_birth_date_keeps_the_registered_age(
    personas: Personas, login: Login, suspect: Suspect
) -> None:
    client = login(personas["polis.utredare"])
    assert client.get(f"{suspect_url(suspect)}ratta/").status_code == 200
    corrected = born_years_before(suspect.crime_report.committed_at, 44)
    response = client.post(
        f"{suspect_url(suspect)}ratta/",
        {"name": SUSPECT_NAME, "birth_date": f"{corrected:%Y-%m-%d}"},
    )
    assert response.status_code == 302
    suspect.refresh_from_db()
    assert (suspect.birth_date, suspect.age_at_offence) == (corrected, 45)
    page = text(client.get(suspect_url(suspect)))
    assert "gives age 44 at the offence. The age registered, 45, is kept" in page


# --- The wall ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", WALLED_OFF)
def test_walled_off_roles_see_no_report_and_no_suspect(
    personas: Personas, login: Login, suspect: Suspect, username: str
) -> None:
    report = suspect.crime_report
    client = login(personas[username])
    for url in (detail_url(report), suspect_url(suspect)):
        assert client.get(url).status_code == 404, url
    assert AuditEvent.objects.filter(
        action="denied", username=username, record_type="crime_report", record_id=str(report.pk)
    ).exists()
    assert AuditEvent.objects.filter(
        action="denied", username=username, record_type="suspect", record_id=str(suspect.pk)
    ).exists()
    # Writing to it: hidden is hidden, whatever the role.
    for url in (
        f"{detail_url(report)}status/",
        f"{detail_url(report)}misstankt/ny/",
        f"{detail_url(report)}part/ny/",
    ):
        assert client.post(url, {"status": "closed"}).status_code in (403, 404), url
    assert client.post(f"{suspect_url(suspect)}ratta/", {"name": "X"}).status_code in (403, 404)

    # Search a part of the number, so that the echoed search term is not the number itself.
    pages = [client.get("/"), client.get(LIST), client.get(f"{LIST}?q=100001")]
    for response in pages:
        assert response.status_code in (200, 404)
        body = text(response)
        for secret in (
            report.case_number,
            SUSPECT_NAME,
            SECRET_NARRATIVE,
            suspect.personnummer[:8],
        ):
            assert secret not in body, (username, response.request["PATH_INFO"])
    expected = 200 if username in MAY_LIST else 404
    assert pages[1].status_code == pages[2].status_code == expected
    if expected == 200:
        assert "No crime reports match." in text(pages[2])
    report.refresh_from_db()
    assert report.status == CrimeReportStatus.REGISTERED
    assert Suspect.objects.get().name == SUSPECT_NAME


def test_analyst_reads_but_cannot_write(
    personas: Personas, login: Login, suspect: Suspect, seller: Encounter
) -> None:
    report = suspect.crime_report
    client = login(personas["polis.analytiker"])
    page = text(client.get(detail_url(report)))
    assert SECRET_NARRATIVE in page and SUSPECT_NAME in page
    assert "Add a suspect" not in page and "Change status to" not in page
    assert client.get(suspect_url(suspect)).status_code == 200
    assert report.case_number in text(client.get(LIST))
    assert "Register a crime report" not in text(client.get(LIST))

    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, create_data()).status_code == 403
    assert client.post(f"{detail_url(report)}status/", {"status": "closed"}).status_code == 403
    assert client.get(f"{detail_url(report)}misstankt/ny/").status_code == 403
    assert (
        client.post(
            f"{detail_url(report)}misstankt/ny/",
            {"name": "X", "birth_date": "1980-01-01", "role": "buyer"},
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"{detail_url(report)}part/ny/", {"encounter": seller.pk, "kind": "witness"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"{suspect_url(suspect)}ratta/", {"name": "X", "birth_date": "1980-01-01"}
        ).status_code
        == 403
    )
    report.refresh_from_db()
    assert report.status == CrimeReportStatus.REGISTERED
    assert CrimeReport.objects.count() == 1 and Suspect.objects.count() == 1
    assert not CrimeReportParty.objects.exists()


def test_wrong_methods_answer_405(personas: Personas, login: Login, suspect: Suspect) -> None:
    client = login(personas["polis.inre"])
    report = suspect.crime_report
    assert client.post(LIST).status_code == 405
    assert client.delete(CREATE).status_code == 405
    assert client.post(detail_url(report)).status_code == 405
    assert client.get(f"{detail_url(report)}status/").status_code == 405
    assert client.put(f"{detail_url(report)}misstankt/ny/").status_code == 405
    assert client.post(suspect_url(suspect)).status_code == 405


def test_anonymous_is_sent_to_login(report: CrimeReport) -> None:
    response = Client().get(detail_url(report))
    assert response.status_code == 302 and "/konto/" in response["Location"]


def test_every_read_is_audited(personas: Personas, login: Login, suspect: Suspect) -> None:
    client = login(personas["polis.utredare"])
    report = suspect.crime_report
    client.get(detail_url(report))
    views = AuditEvent.objects.filter(action="view", username="polis.utredare")
    assert views.filter(record_type="crime_report", record_id=str(report.pk)).count() == 1
    assert views.filter(record_type="suspect", record_id=str(suspect.pk)).count() == 1
    client.get(suspect_url(suspect))
    assert views.filter(record_type="suspect", record_id=str(suspect.pk)).count() == 2


def test_list_queries_do_not_grow_with_the_reports(
    personas: Personas, login: Login, offences: Offences
) -> None:
    client = login(personas["polis.inre"])
    make_report(personas["polis.inre"], offences["brb-6-11"], case_number="K1-26")
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    for n in range(2, 12):
        make_report(personas["polis.inre"], offences["brb-6-12"], case_number=f"K{n}-26")
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(many) == len(one)


# --- Disclosure -------------------------------------------------------------------------


def give_purpose(http: Client, record_type: str, pk: int) -> None:
    """A disclosed record is read for a stated purpose (asked before the page shows it)."""
    response = http.post(
        reverse("sharing:purpose"), {"record_type": record_type, "record": pk, "purpose": "Utredning"}
    )
    assert response.status_code == 302


@pytest.fixture
def disclosed(
    personas: Personas, offences: Offences, suspect: Suspect
) -> Iterator[tuple[CrimeReport, CrimeReport]]:
    """Stockholm's social services were granted some fields of one report and its suspect."""
    granted = suspect.crime_report
    other = make_report(personas["polis.inre"], offences["brb-6-12"], case_number="K777777-26")

    def provider(user: User, record: RecordType) -> dict[int, frozenset[str]]:
        agency = user.agency
        if (
            agency is None
            or agency.kind != AgencyKind.SOCIAL_SERVICES
            or agency.code != "stockholms-stad"
        ):
            return {}
        if record == RecordType.CRIME_REPORT:
            return {granted.pk: frozenset({"case_number", "offence", "status"})}
        if record == RecordType.SUSPECT:
            return {suspect.pk: frozenset({"role", "age_at_offence"})}
        return {}

    with patch("samverkan.sharing.gate.grants", provider):
        yield granted, other


def test_social_worker_sees_only_the_disclosed_fields(
    personas: Personas,
    login: Login,
    suspect: Suspect,
    seller: Encounter,
    disclosed: tuple[CrimeReport, CrimeReport],
) -> None:
    granted, other = disclosed
    actions.do_add_party(
        granted, encounter=seller, kind="witness", acting_user=personas["polis.inre"]
    )
    client = login(personas["soc.handlaggare"])

    listing = text(client.get(LIST))
    assert granted.case_number in listing and other.case_number not in listing
    assert "Not disclosed" in listing  # the time of the offence was not granted

    # A purpose first (need-to-know): nothing of the report until it is given.
    assert granted.case_number not in text(client.get(detail_url(granted)))
    give_purpose(client, "crime_report", granted.pk)
    give_purpose(client, "suspect", suspect.pk)
    response = client.get(detail_url(granted))
    assert response.status_code == 200
    page = text(response)
    assert granted.case_number in page and "köp av sexuell handling" in page and "Registered" in page
    assert "Only the parts that were disclosed" in page
    for ungranted in (
        SECRET_NARRATIVE,
        "Hotell Exempel",
        SUSPECT_NAME,
        suspect.personnummer[:8],
        "Time of the offence",
        "Add a suspect",
        "Injured parties and witnesses",
    ):
        assert ungranted not in page, ungranted
    assert "Buyer" in page and "45" in page  # the suspect's granted role and age

    suspect_page = text(client.get(suspect_url(suspect)))
    assert "Buyer" in suspect_page
    assert SUSPECT_NAME not in suspect_page and suspect.personnummer[:8] not in suspect_page

    assert client.get(detail_url(other)).status_code == 404
    assert client.post(f"{detail_url(granted)}status/", {"status": "closed"}).status_code == 403
    assert client.get(f"{detail_url(granted)}misstankt/ny/").status_code == 403
    assert AuditEvent.objects.filter(
        action="view",
        username="soc.handlaggare",
        record_type="crime_report",
        record_id=str(granted.pk),
    ).exists()


def test_searching_an_undisclosed_field_finds_nothing(
    personas: Personas, login: Login, disclosed: tuple[CrimeReport, CrimeReport]
) -> None:
    granted, _other = disclosed
    client = login(personas["soc.handlaggare"])
    assert granted.case_number in text(client.get(f"{LIST}?q={granted.case_number}"))
    # The year of the offence was not disclosed: filtering on it must not reveal it.
    year = timezone.localtime(granted.committed_at).year
    assert granted.case_number not in text(client.get(f"{LIST}?year={year}"))
    assert granted.case_number not in text(client.get(f"{LIST}?year={year - 1}"))


def test_disclosure_to_one_municipality_is_not_seen_by_another(
    personas: Personas, login: Login, disclosed: tuple[CrimeReport, CrimeReport]
) -> None:
    granted, _other = disclosed
    client = login(personas["gbg.handlaggare"])
    assert client.get(detail_url(granted)).status_code == 404
    assert granted.case_number not in text(client.get(LIST))


# --- Bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"case_number": "ABC"}, "Enter the case number as K, the serial number"),
        ({"case_number": ""}, "This field is required."),
        ({"offence": "999999"}, "Choose an offence from the list."),
        ({"offence": "abc"}, "Choose an offence from the list."),
        ({"committed_at": "9999-12-31T23:59"}, "cannot be in the future"),
        ({"committed_at": "0001-01-01T00:00"}, "it is before 1970"),
        ({"committed_at": "2021-02-30T10:00"}, "Enter a date and time as YYYY-MM-DD HH:MM."),
        ({"committed_at": "igår"}, "Enter a date and time"),
        ({"collaboration": "999999"}, "Choose a collaboration from the list."),
        ({"venue": "999999"}, "Choose a venue from the list."),
        ({"shift": "-1"}, "Choose a shift from the list."),
        ({"offence": "brb-6-9"}, "say whether the buyer was aware"),
        ({"offence": "brb-4-1a"}, "Choose the purpose of the trafficking."),
        ({"buyer_aware_of_age": "maybe"}, "Select a valid choice."),
    ],
)
def test_bad_report_input_is_refused_clearly(
    personas: Personas, login: Login, offences: Offences, overrides: dict[str, str], message: str
) -> None:
    if overrides.get("offence", "").startswith("brb-"):
        overrides = {**overrides, "offence": str(offences[overrides["offence"]].pk)}
    response = login(personas["polis.inre"]).post(CREATE, create_data(**overrides))
    assert response.status_code == 400
    assert message in text(response)
    assert not CrimeReport.objects.exists()


def test_tampered_ids_from_another_region_are_refused(
    personas: Personas, login: Login, offences: Offences, shift: Shift, hotel: Venue
) -> None:
    client = login(personas["vast.polis"])
    goteborg = Collaboration.objects.get(code="goteborg")
    for field, value in (("shift", shift.pk), ("venue", hotel.pk)):
        response = client.post(CREATE, create_data(collaboration=goteborg.pk, **{field: value}))
        assert response.status_code == 400
        assert "from the list" in text(response)
    response = client.post(
        CREATE, create_data(collaboration=Collaboration.objects.get(code="stockholm").pk)
    )
    assert response.status_code == 400
    assert not CrimeReport.objects.exists()
    assert client.get(f"{CREATE}?shift={shift.pk}").status_code == 404
    assert client.get(f"{CREATE}?shift=abc").status_code == 404
    assert client.get(f"{CREATE}?encounter=99999999999999999999").status_code == 404


def test_duplicate_case_number_is_refused(
    personas: Personas, login: Login, report: CrimeReport
) -> None:
    response = login(personas["polis.utredare"]).post(
        CREATE, create_data(case_number=report.case_number.lower())
    )
    assert response.status_code == 400
    assert f"Your agency already has a crime report with case number {report.case_number}." in text(
        response
    )
    assert CrimeReport.objects.count() == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=99999", "Enter a year up to 2100."),
        ("year=12", "Enter a year from 1970 on."),
        ("year=abc", "Enter a year as four digits."),
        ("offence=abc", "Choose an offence from the list."),
        ("status=bogus", "Select a valid choice."),
        ("q=" + "K" * 40, "at most 24 characters"),
    ],
)
def test_bad_filters_are_refused_clearly(
    personas: Personas, login: Login, report: CrimeReport, query: str, message: str
) -> None:
    response = login(personas["polis.inre"]).get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert message in text(response)
    assert report.case_number not in text(response)


def test_page_beyond_the_end_and_huge_ids(
    personas: Personas, login: Login, report: CrimeReport
) -> None:
    client = login(personas["polis.inre"])
    assert client.get(f"{LIST}?page=999999").status_code == 200
    assert client.get(f"{LIST}?page=abc").status_code == 200
    for pk in ("0", "9223372036854775808", "99999999999999999999999"):
        assert client.get(f"/anmalningar/{pk}/").status_code == 404
        assert client.get(f"/anmalningar/misstankt/{pk}/").status_code == 404
        assert client.post(f"/anmalningar/{pk}/status/", {"status": "closed"}).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"personnummer": "19800101-1234"}, "The check digit is wrong."),
        (
            {"personnummer": "19800101-1234", "birth_date": "1980-01-02"},
            "The check digit is wrong.",
        ),
        ({}, "Enter the date of birth when there is no personal identity number."),
        ({"birth_date": "2999-01-01"}, "The date of birth is after the time of the offence."),
        ({"birth_date": "31/12/1980"}, "Enter a date as YYYY-MM-DD."),
        ({"birth_date": "1980-01-01", "role": "boss"}, "Select a valid choice."),
        ({"birth_date": "1980-01-01", "encounter": "999999"}, "Choose an encounter from the list."),
    ],
)
def test_bad_suspect_input_is_refused_clearly(
    personas: Personas, login: Login, report: CrimeReport, data: dict[str, str], message: str
) -> None:
    response = login(personas["polis.inre"]).post(
        f"{detail_url(report)}misstankt/ny/", {"name": "Namn Namnsson", "role": "buyer", **data}
    )
    assert response.status_code == 400
    assert message in text(response)
    assert not Suspect.objects.exists()
    assert not ChildConcernReport.objects.exists()


def test_injured_party_under_6_11_is_refused_with_a_suggestion(
    personas: Personas, login: Login, report: CrimeReport, seller: Encounter
) -> None:
    client = login(personas["polis.inre"])
    response = client.post(
        f"{detail_url(report)}part/ny/", {"encounter": seller.pk, "kind": "injured_party"}
    )
    assert response.status_code == 400
    assert "is not an injured party. Add them as a witness instead." in text(response)
    assert not CrimeReportParty.objects.exists()


def test_encounter_of_another_shift_cannot_be_a_party(
    personas: Personas, login: Login, report: CrimeReport, hotel: Venue, stockholm: Collaboration
) -> None:
    from samverkan.accounts.models import Area

    start = timezone.now() - dt.timedelta(hours=3)
    other = ops.do_create_shift(
        collaboration=stockholm,
        area=Area.objects.get(code="lpo-globen"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=5),
        basis="tip",
        acting_user=personas["polis.inre"],
    )
    ops.do_start_shift(other, acting_user=personas["polis.inre"])
    elsewhere, _ = ops.do_record_encounter(
        other, role="exploited", age_band="adult", venue=hotel, acting_user=personas["polis.inre"]
    )
    response = login(personas["polis.inre"]).post(
        f"{detail_url(report)}part/ny/", {"encounter": elsewhere.pk, "kind": "witness"}
    )
    assert response.status_code == 400
    assert "Choose an encounter from the list." in text(response)


def test_bad_status_changes_say_why(personas: Personas, login: Login, report: CrimeReport) -> None:
    client = login(personas["polis.inre"])
    page = text(client.post(f"{detail_url(report)}status/", {"status": "prosecution"}, follow=True))
    assert "A crime report that is registered cannot become prosecution." in page
    page = text(client.post(f"{detail_url(report)}status/", {"status": "bogus"}, follow=True))
    assert "Choose a status from the list." in page
    report.refresh_from_db()
    assert report.status == CrimeReportStatus.REGISTERED


def test_closed_report_takes_no_more_suspects(
    personas: Personas, login: Login, report: CrimeReport
) -> None:
    actions.do_change_crime_report_status(
        report, status="closed", acting_user=personas["polis.inre"]
    )
    client = login(personas["polis.inre"])
    response = client.post(
        f"{detail_url(report)}misstankt/ny/",
        {"name": "X", "birth_date": "1980-01-01", "role": "buyer"},
        follow=True,
    )
    assert "The crime report is closed; no suspects can be added." in text(response)
    assert not Suspect.objects.exists()


def test_disclosed_parties_are_shown_only_when_granted(
    personas: Personas, login: Login, report: CrimeReport, seller: Encounter
) -> None:
    actions.do_add_party(
        report, encounter=seller, kind="witness", acting_user=personas["polis.inre"]
    )

    def provider(user: User, record: RecordType) -> dict[int, frozenset[str]]:
        agency = user.agency
        if record != RecordType.CRIME_REPORT or agency is None or agency.code != "stockholms-stad":
            return {}
        return {report.pk: frozenset({"parties"})}

    with patch("samverkan.sharing.gate.grants", provider):
        http = login(personas["soc.handlaggare"])
        give_purpose(http, "crime_report", report.pk)
        page = text(http.get(detail_url(report)))
    assert "Injured parties and witnesses" in page and "Witness" in page
    assert report.case_number not in page and SECRET_NARRATIVE not in page
    assert "Add an injured party" not in page


@pytest.mark.parametrize(
    "query", ["encounter=99999999999999999999999", "encounter=-1", "shift=a%00b", "shift=99999999999999999999999"]
)
def test_a_report_cannot_start_from_an_id_out_of_range(
    personas: Personas, login: Login, query: str
) -> None:
    response = login(personas["polis.inre"]).get(f"{CREATE}?{query}")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(username="polis.inre", action="denied").exists()
