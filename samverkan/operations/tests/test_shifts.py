"""Shifts end to end through HTTP, with the access wall and bad input."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from django.test import Client

from samverkan.accounts.models import Agency, Area, Collaboration, Role, User
from samverkan.audit.models import AuditEvent
from samverkan.operations import actions
from samverkan.operations.models import ChildConcernReport, Encounter, Shift, ShiftStatus, Venue

pytestmark = pytest.mark.django_db

SHIFT_READERS = {"polis.inre", "polis.utredare", "polis.analytiker", "polis.samordnare", "soc.handlaggare", "soc.samordnare"}


def test_shift_pages_reach_only_the_collaborations_staff(
    personas: dict[str, User], login: Callable[[User], Client], shift: Shift
) -> None:
    outsiders = {"vast.polis", "gbg.handlaggare"}
    for username, user in personas.items():
        client = login(user)
        expected = 200 if username in SHIFT_READERS else 404
        assert client.get(f"/pass/{shift.pk}/").status_code == expected, username
        # Outsiders have the role but another collaboration: empty lists, no Stockholm data.
        lists = 200 if username in SHIFT_READERS | outsiders else 404
        for url in ("/pass/", "/pass/kalender/", "/pass/platser/"):
            response = client.get(url)
            assert response.status_code == lists, (username, url)
            assert "Hotell Exempel" not in response.content.decode() or username in SHIFT_READERS


def test_hidden_shift_read_is_audited_as_denied(personas: dict[str, User], login: Callable[[User], Client], shift: Shift) -> None:
    login(personas["vast.polis"]).get(f"/pass/{shift.pk}/")
    assert AuditEvent.objects.filter(action="denied", record_type="shift", record_id=str(shift.pk)).exists()


def test_plan_a_shift_through_the_form(personas: dict[str, User], login: Callable[[User], Client], hotel: Venue) -> None:
    client = login(personas["soc.samordnare"])
    area = Area.objects.get(code="sdo-farsta")
    response = client.post(
        "/pass/nytt/",
        {"area": area.pk, "starts_at": "2026-12-04T19:00", "ends_at": "2026-12-05T02:00", "basis": "intelligence", "planned_venues": [hotel.pk], "briefing": "Hotellkontroll"},
    )
    assert response.status_code == 302
    shift = Shift.objects.get()
    assert shift.status == ShiftStatus.PLANNED
    assert list(shift.planned_venues.all()) == [hotel]
    # A coordinator plans the shift but does not go out in the field: not staffed on it.
    assert not shift.participants.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"starts_at": "2026-12-04T19:00", "ends_at": "2026-12-04T18:00", "basis": "outreach"}, "Passet måste sluta efter att det börjar."),
        ({"starts_at": "2026-12-04T19:00", "ends_at": "2026-12-06T19:00", "basis": "outreach"}, "Ett pass kan inte vara längre än 24 timmar."),
        ({"starts_at": "2026-12-04T19:00", "ends_at": "2026-12-04T23:00", "basis": "magic"}, "Välj ett giltigt alternativ."),
        ({"starts_at": "not a date", "ends_at": "2026-12-04T23:00", "basis": "outreach"}, "Fyll i ett giltigt datum/tid."),
        ({"ends_at": "2026-12-04T23:00", "basis": "outreach"}, "Detta fält måste fyllas i."),
    ],
)
def test_bad_shift_input_is_refused_in_swedish(
    personas: dict[str, User], login: Callable[[User], Client], data: dict[str, str], message: str
) -> None:
    client = login(personas["polis.samordnare"])
    area = Area.objects.get(code="lpo-farsta")
    response = client.post("/pass/nytt/", {"area": area.pk, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Shift.objects.exists()


def test_area_not_valid_on_the_date(personas: dict[str, User], login: Callable[[User], Client]) -> None:
    client = login(personas["polis.samordnare"])
    old = Area.objects.get(code="lpo-norrmalm")  # until 2024-12-31
    response = client.post("/pass/nytt/", {"area": old.pk, "starts_at": "2026-12-04T19:00", "ends_at": "2026-12-04T23:00", "basis": "outreach"})
    assert response.status_code == 400
    assert "Området användes inte på passets datum." in response.content.decode()


def test_the_field_journey(personas: dict[str, User], login: Callable[[User], Client], shift: Shift, hotel: Venue) -> None:
    officer = login(personas["polis.inre"])
    worker = login(personas["soc.handlaggare"])
    assert officer.post(f"/pass/{shift.pk}/starta/").status_code == 302
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.ONGOING
    assert officer.post(f"/pass/{shift.pk}/checka-in/").status_code == 302
    assert worker.post(f"/pass/{shift.pk}/checka-in/").status_code == 302

    key = str(uuid.uuid4())
    data = {"role": "exploited", "age_band": "adult", "venue": hotel.pk, "idempotency_key": key}
    assert worker.post(f"/pass/{shift.pk}/patraffanden/", data).status_code == 302
    # A double tap or a retry on a bad connection: the same key creates nothing.
    assert worker.post(f"/pass/{shift.pk}/patraffanden/", data).status_code == 302
    assert Encounter.objects.count() == 1

    minor = {"role": "exploited", "age_band": "uncertain", "venue": hotel.pk, "idempotency_key": str(uuid.uuid4())}
    response = officer.post(f"/pass/{shift.pk}/patraffanden/", minor, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "orosanmälan" in body.lower()
    report = ChildConcernReport.objects.get()
    assert report.encounter == Encounter.objects.get(age_band="uncertain")
    assert report.addressed_to == Agency.objects.get(code="stockholms-stad")
    assert report.reporter_agency == Agency.objects.get(code="polisregion-stockholm")

    buyer = {"role": "buyer", "age_band": "under_18", "venue": hotel.pk, "idempotency_key": str(uuid.uuid4())}
    officer.post(f"/pass/{shift.pk}/patraffanden/", buyer)
    assert ChildConcernReport.objects.count() == 2
    assert ChildConcernReport.objects.get(subject="buyer").guardians_to_notify

    other_minor = {"role": "other", "age_band": "under_18", "venue": hotel.pk, "idempotency_key": str(uuid.uuid4())}
    officer.post(f"/pass/{shift.pk}/patraffanden/", other_minor)
    assert ChildConcernReport.objects.count() == 2

    assert officer.post(f"/pass/{shift.pk}/logg/", {"text": "Kontroll av hotellet klar."}).status_code == 302
    assert officer.post(f"/pass/{shift.pk}/avsluta/").status_code == 302
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.COMPLETED
    # A closed shift takes no more encounters.
    late = {"role": "buyer", "age_band": "adult", "venue": hotel.pk, "idempotency_key": str(uuid.uuid4())}
    response = officer.post(f"/pass/{shift.pk}/patraffanden/", late)
    assert response.status_code == 400
    assert Encounter.objects.count() == 4


def test_completing_needs_both_agencies(personas: dict[str, User], login: Callable[[User], Client], stockholm: Collaboration, hotel: Venue) -> None:
    from django.utils import timezone

    start = timezone.now()
    shift = actions.do_create_shift(
        collaboration=stockholm, area=Area.objects.get(code="lpo-globen"), starts_at=start,
        ends_at=start + dt.timedelta(hours=4), basis="tip", participants=[personas["polis.inre"]],
        acting_user=personas["polis.inre"],
    )
    client = login(personas["polis.inre"])
    client.post(f"/pass/{shift.pk}/starta/")
    client.post(f"/pass/{shift.pk}/checka-in/")
    response = client.post(f"/pass/{shift.pk}/avsluta/")
    assert response.status_code == 400
    assert "Saknas: Stockholms stad, socialtjänsten." in response.content.decode()
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.ONGOING
    # Staffed is not enough: the social worker must be there, checked in.
    client.post(f"/pass/{shift.pk}/deltagare/", {"user": personas["soc.handlaggare"].pk})
    assert client.post(f"/pass/{shift.pk}/avsluta/").status_code == 400
    assert login(personas["soc.handlaggare"]).post(f"/pass/{shift.pk}/checka-in/").status_code == 302
    assert client.post(f"/pass/{shift.pk}/avsluta/").status_code == 302


def test_coordinator_reads_encounters_but_cannot_record(personas: dict[str, User], login: Callable[[User], Client], ongoing: Shift, hotel: Venue) -> None:
    client = login(personas["soc.samordnare"])
    assert client.get(f"/pass/{ongoing.pk}/").status_code == 200
    data = {"role": "buyer", "age_band": "adult", "venue": hotel.pk, "idempotency_key": str(uuid.uuid4())}
    assert client.post(f"/pass/{ongoing.pk}/patraffanden/", data).status_code == 403
    assert not Encounter.objects.exists()


def test_tampered_encounter_input(personas: dict[str, User], login: Callable[[User], Client], ongoing: Shift, hotel: Venue) -> None:
    client = login(personas["polis.inre"])
    west = Collaboration.objects.get(code="goteborg")
    foreign, _ = actions.do_find_or_create_venue(collaboration=west, kind="street", name="Gatan", acting_user=personas["vast.polis"])
    cases = [
        {"role": "exploited", "age_band": "adult", "venue": foreign.pk, "idempotency_key": str(uuid.uuid4())},
        {"role": "pimp", "age_band": "adult", "venue": hotel.pk, "idempotency_key": str(uuid.uuid4())},
        {"role": "exploited", "age_band": "12", "venue": hotel.pk, "idempotency_key": str(uuid.uuid4())},
        {"role": "exploited", "age_band": "adult", "venue": hotel.pk, "idempotency_key": "not-a-uuid"},
        {"role": "exploited", "age_band": "adult", "venue": "999999", "idempotency_key": str(uuid.uuid4())},
        {},
    ]
    for data in cases:
        assert client.post(f"/pass/{ongoing.pk}/patraffanden/", data).status_code == 400, data
    assert not Encounter.objects.exists()
    assert client.post("/pass/999999/patraffanden/", cases[0]).status_code == 404
    assert client.get(f"/pass/{ongoing.pk}/patraffanden/").status_code == 405


def test_outsider_cannot_touch_stockholm_shift(personas: dict[str, User], login: Callable[[User], Client], ongoing: Shift, hotel: Venue) -> None:
    client = login(personas["vast.polis"])
    data = {"role": "buyer", "age_band": "adult", "venue": hotel.pk, "idempotency_key": str(uuid.uuid4())}
    assert client.post(f"/pass/{ongoing.pk}/patraffanden/", data).status_code == 404
    assert client.post(f"/pass/{ongoing.pk}/avsluta/").status_code == 404
    assert not Encounter.objects.exists()


def test_venue_is_found_again(personas: dict[str, User], login: Callable[[User], Client], hotel: Venue) -> None:
    client = login(personas["soc.handlaggare"])
    response = client.post("/pass/platser/ny/", {"kind": "hotel", "name": "HOTELL  exempel", "address": "Exempelgatan 1"})
    assert response.status_code == 302
    assert response["Location"] == f"/pass/platser/{hotel.pk}/"
    assert Venue.objects.count() == 1
    body = client.get("/pass/platser/?q=exempelgatan").content.decode()
    assert "Hotell Exempel" in body


def test_a_venue_typed_again_with_its_city_is_found_again(personas: dict[str, User], login: Callable[[User], Client], hotel: Venue) -> None:
    client = login(personas["soc.handlaggare"])
    response = client.post("/pass/platser/ny/", {"kind": "hotel", "name": "Hotell Exempel", "address": "Exempelg. 1, Stockholm"})
    assert response.status_code == 302 and response["Location"] == f"/pass/platser/{hotel.pk}/"
    assert Venue.objects.count() == 1


def test_like_venues_are_offered_before_a_new_one_is_made(personas: dict[str, User], login: Callable[[User], Client], hotel: Venue) -> None:
    client = login(personas["soc.handlaggare"])
    data = {"kind": "short_term_rental", "name": "Hotel Exempel", "address": "Exempelgatan 1"}
    response = client.post("/pass/platser/ny/", data)
    # "Did you mean …?": the existing venue is offered, nothing is made yet.
    assert response.status_code == 200
    assert [c.venue for c in response.context["candidates"]] == [hotel]
    assert f"/pass/platser/{hotel.pk}/" in response.content.decode() and "Menar du" in response.content.decode()
    assert Venue.objects.count() == 1
    # Confirmed: a new venue.
    response = client.post("/pass/platser/ny/", {**data, "confirm_new": "on"})
    assert response.status_code == 302 and Venue.objects.count() == 2
    # A venue unlike any other is made at once.
    response = client.post("/pass/platser/ny/", {"kind": "street", "name": "Gatumiljö Norr", "address": "Sveavägen 90"})
    assert response.status_code == 302 and Venue.objects.count() == 3


def test_another_collaborations_venues_are_never_offered(personas: dict[str, User], login: Callable[[User], Client], hotel: Venue) -> None:
    response = login(personas["vast.polis"]).post("/pass/platser/ny/", {"kind": "hotel", "name": "Hotel Exempel", "address": "Exempelgatan 1"})
    assert response.status_code == 302
    assert Venue.objects.count() == 2


def test_unknown_venue_kind_is_refused(personas: dict[str, User], login: Callable[[User], Client]) -> None:
    response = login(personas["soc.handlaggare"]).post("/pass/platser/ny/", {"kind": "casino", "name": "X"})
    assert response.status_code == 400
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not Venue.objects.exists()


def test_cancel_needs_a_reason(personas: dict[str, User], login: Callable[[User], Client], shift: Shift) -> None:
    client = login(personas["polis.samordnare"])
    assert client.post(f"/pass/{shift.pk}/stall-in/", {"reason": ""}).status_code == 400
    assert client.post(f"/pass/{shift.pk}/stall-in/", {"reason": "Personalbrist"}).status_code == 302
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.CANCELLED


def test_role_constants_sanity() -> None:
    assert Role.COORDINATOR.value == "coordinator"


@pytest.mark.parametrize(
    "query",
    ["year=99999999999999999999999", "month=99999999999999999999999", "year=+46701234567", "month=13", "year=1999", "year=abc"],
)
def test_calendar_refuses_a_month_it_cannot_show(personas: dict[str, User], login: Callable[[User], Client], query: str) -> None:
    response = login(personas["polis.inre"]).get(f"/pass/kalender/?{query}")
    assert response.status_code == 400


def test_calendar_shows_a_chosen_month(personas: dict[str, User], login: Callable[[User], Client]) -> None:
    assert login(personas["polis.inre"]).get("/pass/kalender/?year=2021&month=3").status_code == 200
