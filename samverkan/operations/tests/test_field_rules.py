"""Joint means both field roles were there: who can be staffed, check-in, time that binds, visits, corrections.

Each rule is tried through its action and through HTTP, with the Swedish error a user sees.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone, translation

from samverkan.accounts.models import Agency, Area, Collaboration, User
from samverkan.accounts.policy import goes_out_in_field
from samverkan.audit.models import AuditEvent
from samverkan.operations import actions
from samverkan.operations.forms import ParticipantForm
from samverkan.operations.models import (
    Encounter,
    Operation,
    OperationKind,
    Shift,
    ShiftCorrection,
    ShiftParticipant,
    ShiftStatus,
    Venue,
    VenueVisit,
)

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
FIELD = {"polis.inre", "polis.utredare", "soc.handlaggare"}
STOCKHOLM = {"polis.inre", "polis.utredare", "polis.analytiker", "polis.samordnare", "polis.chef", "polis.granskare",
             "polis.admin", "soc.handlaggare", "soc.samordnare", "soc.chef", "soc.granskare", "soc.admin"}


def swedish(error: ValidationError) -> str:
    with translation.override("sv"):
        return " ".join(str(m) for m in error.messages)


@pytest.fixture
def make_shift(personas: dict[str, User], stockholm: Collaboration, hotel: Venue) -> Callable[..., Shift]:
    """``make_shift(starts_in=hours, hours=5, staff=[...], operation=None)``: a planned shift."""

    def make(*, starts_in: float = -1, hours: float = 5, staff: tuple[str, ...] = ("polis.inre", "soc.handlaggare"), operation: Operation | None = None) -> Shift:
        start = timezone.now() + dt.timedelta(hours=starts_in)
        return actions.do_create_shift(
            collaboration=stockholm, area=Area.objects.get(code="lpo-farsta"), starts_at=start,
            ends_at=start + dt.timedelta(hours=hours), basis="outreach", planned_venues=[hotel], operation=operation,
            participants=[personas[name] for name in staff], acting_user=personas["polis.samordnare"],
        )

    return make


def run(shift: Shift, personas: dict[str, User], *checked_in: str) -> Shift:
    """Start the shift and check these staff in."""
    actions.do_start_shift(shift, acting_user=personas["polis.inre"])
    for name in checked_in:
        actions.do_check_in(shift, acting_user=personas[name])
    shift.refresh_from_db()
    return shift


# --- Who can be staffed -------------------------------------------------------------------


@pytest.mark.parametrize("username", sorted(STOCKHOLM))
def test_only_field_roles_can_be_staffed(personas: dict[str, User], shift: Shift, username: str) -> None:
    user = personas[username]
    if username in FIELD:
        actions.do_add_participant(shift, user=user, acting_user=personas["polis.samordnare"])
        assert shift.participants.filter(user=user).exists()
        return
    shift.participants.filter(user=user).delete()
    with pytest.raises(ValidationError) as refused:
        actions.do_add_participant(shift, user=user, acting_user=personas["polis.samordnare"])
    assert "en roll som inte går ut i fält, och kan inte bemanna ett pass" in swedish(refused.value)
    assert not shift.participants.filter(user=user).exists()


def test_coordinators_go_out_only_where_their_agency_says_so(personas: dict[str, User], shift: Shift) -> None:
    coordinator = personas["soc.samordnare"]
    agency = Agency.objects.get(code="stockholms-stad")
    assert not goes_out_in_field(coordinator.role, agency)
    assert coordinator not in ParticipantForm(shift=shift).fields["user"].queryset  # type: ignore[attr-defined]
    agency.coordinators_in_field = True
    agency.save()
    coordinator = User.objects.get(pk=coordinator.pk)  # membership cached with the old agency
    assert coordinator in ParticipantForm(shift=shift).fields["user"].queryset  # type: ignore[attr-defined]
    actions.do_add_participant(shift, user=coordinator, acting_user=personas["polis.samordnare"])
    assert shift.participants.get(user=coordinator).role == "coordinator"
    # The police's coordinators still do not: the setting is per agency.
    assert personas["polis.samordnare"] not in ParticipantForm(shift=shift).fields["user"].queryset  # type: ignore[attr-defined]


def test_the_staff_picker_offers_field_staff_only(personas: dict[str, User], login: Login, make_shift: Callable[..., Shift]) -> None:
    shift = make_shift(staff=())
    offered = set(ParticipantForm(shift=shift).fields["user"].queryset.values_list("username", flat=True))  # type: ignore[attr-defined]
    assert offered == FIELD
    page = login(personas["polis.samordnare"]).get(f"/pass/{shift.pk}/").content.decode()
    assert "Administratör polis" not in page
    assert "Granskare soc" not in page
    assert "Socialsekreterare" in page


@pytest.mark.parametrize("username", ["polis.admin", "soc.granskare", "polis.chef", "polis.analytiker", "soc.samordnare"])
def test_a_forged_staffing_post_is_refused(personas: dict[str, User], login: Login, make_shift: Callable[..., Shift], username: str) -> None:
    shift = make_shift(staff=())
    response = login(personas["polis.samordnare"]).post(f"/pass/{shift.pk}/deltagare/", {"user": personas[username].pk})
    assert response.status_code == 400
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not shift.participants.exists()


def test_a_coordinator_cannot_join_or_check_in(personas: dict[str, User], login: Login, shift: Shift) -> None:
    client = login(personas["soc.samordnare"])
    response = client.post(f"/pass/{shift.pk}/delta/")
    assert response.status_code == 400
    assert "Samordnare soc (demo) är samordnare, en roll som inte går ut i fält" in response.content.decode()
    actions.do_start_shift(shift, acting_user=personas["polis.inre"])
    assert client.post(f"/pass/{shift.pk}/checka-in/").status_code == 400
    assert not shift.participants.filter(user=personas["soc.samordnare"]).exists()


def test_a_social_worker_who_plans_a_shift_is_staffed(personas: dict[str, User], login: Login) -> None:
    start = timezone.localtime() + dt.timedelta(days=2)
    response = login(personas["soc.handlaggare"]).post(
        "/pass/nytt/",
        {"area": Area.objects.get(code="sdo-farsta").pk, "starts_at": f"{start:%Y-%m-%dT19:00}", "ends_at": f"{start:%Y-%m-%dT23:00}", "basis": "outreach"},
    )
    assert response.status_code == 302
    assert Shift.objects.get().participants.get().role == "social_worker"


# --- Check-in ------------------------------------------------------------------------------


def test_check_in_opens_at_the_margin_before_the_start(personas: dict[str, User], login: Login, make_shift: Callable[..., Shift]) -> None:
    early = make_shift(starts_in=3)
    client = login(personas["polis.inre"])
    response = client.post(f"/pass/{early.pk}/checka-in/")
    assert response.status_code == 400
    assert "Du kan checka in från" in response.content.decode()
    assert not ShiftParticipant.objects.filter(shift=early, checked_in_at__isnull=False).exists()
    soon = make_shift(starts_in=1.5)
    assert client.post(f"/pass/{soon.pk}/checka-in/").status_code == 302
    assert soon.participants.get(user=personas["polis.inre"]).checked_in_at is not None
    assert AuditEvent.objects.filter(record_type="shift", record_id=str(soon.pk), detail__startswith="checked in").exists()


def test_checking_in_staffs_a_field_worker_once(personas: dict[str, User], shift: Shift) -> None:
    run(shift, personas)
    investigator = personas["polis.utredare"]
    first = actions.do_check_in(shift, acting_user=investigator)
    again = actions.do_check_in(shift, acting_user=investigator)
    assert first.checked_in_at == again.checked_in_at
    assert first.role == "police_investigator"
    actions.do_check_out(shift, acting_user=investigator)
    with pytest.raises(ValidationError, match="redan checkat ut"):
        actions.do_check_in(shift, acting_user=investigator)


def test_a_checked_in_participant_cannot_be_removed(personas: dict[str, User], make_shift: Callable[..., Shift]) -> None:
    shift = make_shift(starts_in=1)
    actions.do_check_in(shift, acting_user=personas["polis.inre"])
    with pytest.raises(ValidationError) as refused:
        actions.do_remove_participant(shift, user=personas["polis.inre"], acting_user=personas["polis.samordnare"])
    assert "Den som har checkat in kan inte tas bort från passet." in swedish(refused.value)
    assert shift.participants.filter(user=personas["polis.inre"]).exists()


# --- Start and completion ------------------------------------------------------------------


def test_a_shift_cannot_be_started_before_the_margin(personas: dict[str, User], login: Login, make_shift: Callable[..., Shift]) -> None:
    shift = make_shift(starts_in=24 * 3)
    response = login(personas["polis.inre"]).post(f"/pass/{shift.pk}/starta/")
    assert response.status_code == 400
    assert "Passet kan startas tidigast" in response.content.decode()
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.PLANNED
    assert shift.started_at is None


def test_a_shift_whose_time_is_over_cannot_be_started(personas: dict[str, User], make_shift: Callable[..., Shift]) -> None:
    shift = make_shift(starts_in=-10, hours=4)
    with pytest.raises(ValidationError) as refused:
        actions.do_start_shift(shift, acting_user=personas["polis.inre"])
    assert "Passets planerade tid har gått ut." in swedish(refused.value)
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.PLANNED


def test_a_shift_cannot_be_completed_before_it_began(personas: dict[str, User], login: Login, make_shift: Callable[..., Shift]) -> None:
    shift = run(make_shift(starts_in=1), personas, "polis.inre", "soc.handlaggare")
    assert shift.status == ShiftStatus.ONGOING  # started within the margin
    response = login(personas["polis.inre"]).post(f"/pass/{shift.pk}/avsluta/")
    assert response.status_code == 400
    assert "Passet kan inte avslutas innan det har börjat" in response.content.decode()
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.ONGOING
    assert shift.completed_at is None
    with time_machine.travel(shift.starts_at + dt.timedelta(minutes=1), tick=False):
        actions.do_complete_shift(shift, acting_user=personas["polis.inre"])
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.COMPLETED


def test_a_planned_shift_cannot_be_completed(personas: dict[str, User], login: Login, shift: Shift) -> None:
    response = login(personas["polis.inre"]).post(f"/pass/{shift.pk}/avsluta/")
    assert response.status_code == 400
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.PLANNED


def test_completion_needs_checked_in_field_staff_of_each_agency(personas: dict[str, User], shift: Shift) -> None:
    run(shift, personas, "polis.inre")
    with pytest.raises(ValidationError) as refused:
        actions.do_complete_shift(shift, acting_user=personas["polis.inre"])
    assert "Saknas: Stockholms stad, socialtjänsten." in swedish(refused.value)
    assert Shift.objects.get(pk=shift.pk).status == ShiftStatus.ONGOING
    actions.do_check_in(shift, acting_user=personas["soc.handlaggare"])
    done = actions.do_complete_shift(shift, acting_user=personas["soc.handlaggare"])
    assert done.status == ShiftStatus.COMPLETED
    # Whoever was still there is checked out when the shift is completed.
    assert set(done.participants.values_list("checked_out_at", flat=True)) == {done.completed_at}


def test_a_field_role_given_up_after_staffing_does_not_count(personas: dict[str, User], shift: Shift) -> None:
    agency = Agency.objects.get(code="stockholms-stad")
    agency.coordinators_in_field = True
    agency.save()
    run(shift, personas, "polis.inre")
    coordinator = User.objects.get(username="soc.samordnare")
    actions.do_check_in(shift, acting_user=coordinator)
    agency.coordinators_in_field = False
    agency.save()
    assert not Shift.objects.get(pk=shift.pk).can_complete()


def test_a_shift_of_the_polices_own_operation_needs_only_police(
    personas: dict[str, User], stockholm: Collaboration, make_shift: Callable[..., Shift]
) -> None:
    torsk = actions.do_create_operation(collaboration=stockholm, name="Riktad insats Järva", kind=OperationKind.POLICE, acting_user=personas["polis.samordnare"])
    own = run(make_shift(staff=("polis.inre",), operation=torsk), personas, "polis.inre")
    assert not own.is_joint
    actions.do_complete_shift(own, acting_user=personas["polis.inre"])
    joint = run(make_shift(staff=("polis.inre",)), personas, "polis.inre")
    with pytest.raises(ValidationError):
        actions.do_complete_shift(joint, acting_user=personas["polis.inre"])
    assert list(Shift.objects.completed().joint()) == []
    assert list(Shift.objects.completed()) == [own]
    actions.do_check_in(joint, acting_user=personas["soc.handlaggare"])
    actions.do_complete_shift(joint, acting_user=personas["polis.inre"])
    assert list(Shift.objects.completed().joint()) == [joint]  # a shift without an operation is joint


def test_only_the_police_make_an_operation_police_only(personas: dict[str, User], login: Login) -> None:
    response = login(personas["soc.samordnare"]).post("/pass/insatser/", {"name": "Egen", "kind": "police"})
    assert response.status_code == 400
    assert "Bara polisen kan skapa polisens egen insats." in response.content.decode()
    assert not Operation.objects.exists()
    assert login(personas["polis.samordnare"]).post("/pass/insatser/", {"name": "Egen", "kind": "police"}).status_code == 302
    assert Operation.objects.get().kind == OperationKind.POLICE


# --- Encounters carry their own time -------------------------------------------------------


def encounter_data(hotel: Venue, **extra: Any) -> dict[str, Any]:
    return {"role": "exploited", "age_band": "adult", "venue": hotel.pk, "idempotency_key": str(uuid.uuid4()), **extra}


def test_an_encounters_time_lies_within_the_shift(personas: dict[str, User], login: Login, shift: Shift, hotel: Venue) -> None:
    run(shift, personas, "polis.inre", "soc.handlaggare")
    client = login(personas["soc.handlaggare"])
    before = timezone.localtime(shift.starts_at - dt.timedelta(hours=3))
    response = client.post(f"/pass/{shift.pk}/patraffanden/", encounter_data(hotel, occurred_at=f"{before:%Y-%m-%dT%H:%M}"))
    assert response.status_code == 400
    assert "Tiden måste ligga inom passet, mellan" in response.content.decode()
    future = timezone.localtime() + dt.timedelta(hours=1)
    response = client.post(f"/pass/{shift.pk}/patraffanden/", encounter_data(hotel, occurred_at=f"{future:%Y-%m-%dT%H:%M}"))
    assert response.status_code == 400
    assert not Encounter.objects.exists()
    earlier = timezone.localtime(shift.starts_at + dt.timedelta(minutes=10))
    assert client.post(f"/pass/{shift.pk}/patraffanden/", encounter_data(hotel, occurred_at=f"{earlier:%Y-%m-%dT%H:%M}")).status_code == 302
    assert Encounter.objects.get().occurred_at == earlier.replace(second=0, microsecond=0)


def test_encounters_can_be_recorded_after_the_shift_by_its_staff(personas: dict[str, User], login: Login, shift: Shift, hotel: Venue) -> None:
    run(shift, personas, "polis.inre", "soc.handlaggare")
    actions.do_complete_shift(shift, acting_user=personas["polis.inre"])
    met = timezone.localtime(shift.starts_at + dt.timedelta(minutes=30))
    staff = login(personas["soc.handlaggare"])
    assert "Annan tid" in staff.get(f"/pass/{shift.pk}/").content.decode()
    # Without a time it is refused: "now" is not when it happened.
    response = staff.post(f"/pass/{shift.pk}/patraffanden/", encounter_data(hotel))
    assert response.status_code == 400
    assert "Ange när personen påträffades: passet är slut." in response.content.decode()
    assert staff.post(f"/pass/{shift.pk}/patraffanden/", encounter_data(hotel, occurred_at=f"{met:%Y-%m-%dT%H:%M}")).status_code == 302
    # Someone who was not on the shift cannot add to it afterwards.
    response = login(personas["polis.utredare"]).post(f"/pass/{shift.pk}/patraffanden/", encounter_data(hotel, occurred_at=f"{met:%Y-%m-%dT%H:%M}"))
    assert response.status_code == 400
    assert "Efter passet kan bara passets egen personal registrera" in response.content.decode()
    # Nor the staff once the late-entry limit has passed.
    with time_machine.travel(shift.entry_deadline() + dt.timedelta(minutes=1)), pytest.raises(ValidationError) as refused:
        actions.do_record_encounter(shift, role="buyer", age_band="adult", venue=hotel, occurred_at=met, acting_user=personas["soc.handlaggare"])
    assert "Passet slutade för länge sedan" in swedish(refused.value)
    assert Encounter.objects.count() == 1


def test_the_author_corrects_an_encounters_time_for_a_limited_time(
    personas: dict[str, User], login: Login, shift: Shift, hotel: Venue, stockholm: Collaboration
) -> None:
    run(shift, personas, "polis.inre", "soc.handlaggare")
    encounter, _ = actions.do_record_encounter(shift, role="buyer", age_band="adult", venue=hotel, acting_user=personas["polis.inre"])
    street, _ = actions.do_find_or_create_venue(collaboration=stockholm, kind="street", name="Gatan", acting_user=personas["polis.inre"])
    shift.planned_venues.add(street)
    url = f"/pass/{shift.pk}/patraffanden/{encounter.pk}/andra/"
    assert login(personas["soc.handlaggare"]).get(url).status_code == 403
    assert login(personas["soc.handlaggare"]).post(url, {"occurred_at": "2026-01-01T10:00", "venue": hotel.pk}).status_code == 403
    author = login(personas["polis.inre"])
    assert author.get(url).status_code == 200
    outside = timezone.localtime(shift.ends_at + dt.timedelta(hours=3))
    assert author.post(url, {"occurred_at": f"{outside:%Y-%m-%dT%H:%M}", "venue": street.pk}).status_code == 400
    corrected = timezone.localtime(shift.starts_at + dt.timedelta(minutes=20)).replace(second=0, microsecond=0)
    assert author.post(url, {"occurred_at": f"{corrected:%Y-%m-%dT%H:%M}", "venue": street.pk}).status_code == 302
    encounter.refresh_from_db()
    assert (encounter.occurred_at, encounter.venue) == (corrected, street)
    correction = ShiftCorrection.objects.get(record="encounter", record_id=encounter.pk)
    assert correction.changes["venue"] == [str(hotel), str(street)]
    page = author.get(f"/pass/{shift.pk}/").content.decode()
    assert "Rättelser i efterhand" in page
    assert f"{corrected:%Y-%m-%d %H:%M}" in page
    assert AuditEvent.objects.filter(record_type="encounter", record_id=str(encounter.pk), action="update").exists()
    with time_machine.travel(encounter.recorded_at + dt.timedelta(hours=25)), pytest.raises(ValidationError) as refused:
        actions.do_correct_encounter(encounter, occurred_at=corrected, venue=hotel, acting_user=personas["polis.inre"])
    assert "Det kan bara ändras av den som registrerade det" in swedish(refused.value)
    with pytest.raises(PermissionDenied):
        actions.do_correct_encounter(encounter, occurred_at=corrected, venue=hotel, acting_user=personas["polis.utredare"])


# --- Venue visits ----------------------------------------------------------------------------


def test_a_venue_visit_from_the_shift_page(personas: dict[str, User], login: Login, shift: Shift, hotel: Venue) -> None:
    run(shift, personas, "polis.inre", "soc.handlaggare")
    client = login(personas["soc.handlaggare"])
    assert "Platsbesök" in client.get(f"/pass/{shift.pk}/").content.decode()
    data = {"venue": hotel.pk, "outcome": "refused_entry", "idempotency_key": str(uuid.uuid4())}
    assert client.post(f"/pass/{shift.pk}/platsbesok/", data).status_code == 302
    assert client.post(f"/pass/{shift.pk}/platsbesok/", data).status_code == 302  # a double tap
    visit = VenueVisit.objects.get()
    assert (visit.venue, visit.outcome, visit.left_at, visit.recorded_by) == (hotel, "refused_entry", None, personas["soc.handlaggare"])
    assert AuditEvent.objects.filter(record_type="shift", record_id=str(shift.pk), detail=f"venue visit {visit.pk} recorded").exists()
    assert client.post(f"/pass/{shift.pk}/platsbesok/{visit.pk}/lamnat/").status_code == 302
    visit.refresh_from_db()
    assert visit.left_at is not None
    page = client.get(f"/pass/{shift.pk}/").content.decode()
    assert "Nekades tillträde" in page
    assert not ShiftCorrection.objects.exists()  # leaving corrects nothing


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"outcome": "raided"}, "Välj ett giltigt alternativ"),
        ({"outcome": "closed", "arrived_at": "yesterday"}, "Fyll i ett giltigt datum/tid"),
        ({"outcome": "closed", "arrived_at": "2020-01-01T10:00"}, "Tiden måste ligga inom passet"),
        ({"outcome": "closed", "left_at": "2020-01-01T10:00"}, "Tiden måste ligga inom passet"),
    ],
)
def test_bad_visits_are_refused(personas: dict[str, User], login: Login, shift: Shift, hotel: Venue, extra: dict[str, str], message: str) -> None:
    run(shift, personas, "polis.inre")
    response = login(personas["polis.inre"]).post(f"/pass/{shift.pk}/platsbesok/", {"venue": hotel.pk, "idempotency_key": str(uuid.uuid4()), **extra})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not VenueVisit.objects.exists()


def test_visits_wait_for_the_start_and_the_outsiders_see_nothing(personas: dict[str, User], login: Login, shift: Shift, hotel: Venue) -> None:
    data = {"venue": hotel.pk, "outcome": "closed", "idempotency_key": str(uuid.uuid4())}
    response = login(personas["polis.inre"]).post(f"/pass/{shift.pk}/platsbesok/", data)
    assert response.status_code == 400
    assert "kan bara registreras på ett pass som har startat" in response.content.decode()
    run(shift, personas)
    assert login(personas["vast.polis"]).post(f"/pass/{shift.pk}/platsbesok/", data).status_code == 404
    assert login(personas["polis.chef"]).post(f"/pass/{shift.pk}/platsbesok/", data).status_code == 404
    assert login(personas["polis.inre"]).get(f"/pass/{shift.pk}/platsbesok/").status_code == 405
    assert not VenueVisit.objects.exists()


def test_the_author_corrects_a_visit(personas: dict[str, User], login: Login, shift: Shift, hotel: Venue) -> None:
    run(shift, personas, "polis.inre")
    visit, _ = actions.do_record_venue_visit(shift, venue=hotel, outcome="closed", acting_user=personas["polis.inre"])
    url = f"/pass/{shift.pk}/platsbesok/{visit.pk}/andra/"
    assert login(personas["polis.utredare"]).get(url).status_code == 403
    arrived = timezone.localtime(shift.starts_at + dt.timedelta(minutes=5))
    left = arrived + dt.timedelta(minutes=2)
    bad = {"outcome": "persons_met", "arrived_at": f"{left:%Y-%m-%dT%H:%M}", "left_at": f"{arrived:%Y-%m-%dT%H:%M}"}
    response = login(personas["polis.inre"]).post(url, bad)
    assert response.status_code == 400
    assert "Tiden då ni lämnade platsen kan inte vara före ankomsten." in response.content.decode()
    good = {"outcome": "persons_met", "arrived_at": f"{arrived:%Y-%m-%dT%H:%M}", "left_at": f"{left:%Y-%m-%dT%H:%M}"}
    assert login(personas["polis.inre"]).post(url, good).status_code == 302
    visit.refresh_from_db()
    assert visit.outcome == "persons_met"
    correction = ShiftCorrection.objects.get(record="venue_visit")
    assert correction.changes["outcome"] == ["closed", "persons_met"]
    assert "Personer påträffade" in login(personas["polis.inre"]).get(f"/pass/{shift.pk}/").content.decode()


def test_visits_after_the_shift_need_a_time(personas: dict[str, User], shift: Shift, hotel: Venue) -> None:
    run(shift, personas, "polis.inre", "soc.handlaggare")
    actions.do_complete_shift(shift, acting_user=personas["polis.inre"])
    with pytest.raises(ValidationError) as refused:
        actions.do_record_venue_visit(shift, venue=hotel, outcome="closed", acting_user=personas["polis.inre"])
    assert "Ange när ni kom till platsen: passet är slut." in swedish(refused.value)
    visit, created = actions.do_record_venue_visit(
        shift, venue=hotel, outcome="nothing_found", arrived_at=shift.starts_at + dt.timedelta(minutes=40), acting_user=personas["polis.inre"]
    )
    assert created
    assert visit.arrived_at == shift.starts_at + dt.timedelta(minutes=40)


# --- Corrections after the fact ------------------------------------------------------------


def completed(shift: Shift, personas: dict[str, User]) -> Shift:
    run(shift, personas, "polis.inre", "soc.handlaggare")
    return actions.do_complete_shift(shift, acting_user=personas["polis.inre"])


def times(shift: Shift, **changes: dt.datetime) -> dict[str, str]:
    values = {name: getattr(shift, name) for name in ("starts_at", "ends_at", "started_at", "completed_at")} | changes
    return {name: f"{timezone.localtime(value):%Y-%m-%dT%H:%M}" for name, value in values.items()}


def test_a_done_shifts_times_are_corrected_explicitly(personas: dict[str, User], login: Login, shift: Shift) -> None:
    shift = completed(shift, personas)
    client = login(personas["polis.samordnare"])
    started = shift.starts_at.replace(second=0, microsecond=0) + dt.timedelta(minutes=10)
    response = client.post(f"/pass/{shift.pk}/rattelse/", times(shift, started_at=started))
    assert response.status_code == 400
    assert "Detta fält måste fyllas i." in response.content.decode()  # the reason
    assert client.post(f"/pass/{shift.pk}/rattelse/", times(shift, started_at=started) | {"reason": "Startade i appen för sent."}).status_code == 302
    shift.refresh_from_db()
    assert shift.started_at == started
    correction = ShiftCorrection.objects.get(record="shift")
    assert correction.reason == "Startade i appen för sent."
    assert list(correction.changes) == ["started_at"]
    page = client.get(f"/pass/{shift.pk}/").content.decode()
    assert "Startade i appen för sent." in page
    assert AuditEvent.objects.filter(record_type="shift", record_id=str(shift.pk), detail__contains="corrected: started_at").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: {"completed_at": s.starts_at - dt.timedelta(minutes=30)}, "Passet kan inte ha avslutats innan det började."),
        (lambda s: {"started_at": s.starts_at - dt.timedelta(hours=5)}, "Passet kan inte ha startat mer än 2 timmar före planerad start."),
        (lambda s: {"completed_at": timezone.now() + dt.timedelta(days=1)}, "Tiden kan inte ligga i framtiden."),
        (lambda s: {"ends_at": s.starts_at - dt.timedelta(hours=1)}, "Passet måste sluta efter att det börjar."),
        (lambda s: {name: getattr(s, name) - dt.timedelta(days=3) for name in ("starts_at", "ends_at", "started_at", "completed_at")}, "Påträffanden eller platsbesök på passet skulle hamna utanför"),
    ],
)
def test_a_correction_obeys_the_rules_of_time(
    personas: dict[str, User], login: Login, shift: Shift, hotel: Venue, change: Callable[[Shift], dict[str, dt.datetime]], message: str
) -> None:
    run(shift, personas, "polis.inre", "soc.handlaggare")
    actions.do_record_encounter(shift, role="buyer", age_band="adult", venue=hotel, acting_user=personas["polis.inre"])
    shift = actions.do_complete_shift(shift, acting_user=personas["polis.inre"])
    before = times(shift)
    response = login(personas["polis.inre"]).post(f"/pass/{shift.pk}/rattelse/", times(shift, **change(shift)) | {"reason": "Rättelse"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert times(Shift.objects.get(pk=shift.pk)) == before
    assert not ShiftCorrection.objects.exists()


def test_only_a_completed_shift_is_corrected(personas: dict[str, User], shift: Shift) -> None:
    run(shift, personas)
    with pytest.raises(ValidationError):
        actions.do_correct_shift_times(
            shift, starts_at=shift.starts_at, ends_at=shift.ends_at, started_at=shift.starts_at,
            completed_at=timezone.now(), reason="x", acting_user=personas["polis.inre"],
        )


def test_a_shift_under_way_cannot_be_moved_away_from_its_start(personas: dict[str, User], login: Login, shift: Shift) -> None:
    shift = run(shift, personas)
    later = timezone.localtime(shift.starts_at + dt.timedelta(days=2))
    data = {"area": shift.area_id, "starts_at": f"{later:%Y-%m-%dT%H:%M}", "ends_at": f"{later + dt.timedelta(hours=4):%Y-%m-%dT%H:%M}", "basis": "outreach"}
    response = login(personas["polis.samordnare"]).post(f"/pass/{shift.pk}/andra/", data)
    assert response.status_code == 400
    assert "Passet kan inte ha startat mer än 2 timmar före planerad start." in response.content.decode()
    assert Shift.objects.get(pk=shift.pk).starts_at == shift.starts_at
