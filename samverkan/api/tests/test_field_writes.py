"""The API's writes of what happens on a shift after it is recorded: correcting an encounter or a
venue visit, "left the venue", the shift's log, a venue added on the spot, and a completed
shift's times corrected after the fact.

Each through the shift page's own form and action: the happy path, a retry (Idempotency-Key on
creates, If-Match on updates: 428 without, 412 on a conflict), the page's refusals in the one
error shape, and the wrong agency or role answered as the pages answer it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.api.tests.test_api import token_for
from samverkan.api.tests.test_writes import send
from samverkan.audit.models import AuditEvent
from samverkan.investigations.models import Suspect
from samverkan.operations import actions as ops
from samverkan.operations.models import (
    ChildConcernReport,
    Encounter,
    Shift,
    ShiftCorrection,
    ShiftLogEntry,
    ShiftStatus,
    Venue,
    VenueVisit,
)
from samverkan.sharing.tests.conftest import add_suspect
from samverkan.support.models import AgeAssessment, ClientEncounter

MISSING = 10**9


def _minutes(value: dt.datetime) -> dt.datetime:
    return value.replace(second=0, microsecond=0)


def test_an_encounter_is_corrected_by_its_author_with_the_etag_of_what_was_read(
    officer: User, worker: User, personas: dict[str, User], shift: Shift, venue: Venue, encounter: Any
) -> None:
    met = encounter(role="exploited", age_band="under_18")
    assert ChildConcernReport.objects.filter(encounter=met).count() == 1
    other_venue, _created = ops.do_add_shift_venue(shift, kind="street", name="Gatan", acting_user=officer)
    police = token_for(officer)
    path = f"/shifts/{shift.pk}/encounters/{met.pk}/"
    read = send(police, "get", path)
    assert read.status_code == 200, read.content
    assert read.json()["id"] == met.pk and read.json()["child_concern_report"] is True
    tag = read["ETag"]
    assert AuditEvent.objects.filter(username=officer.username, record_type="encounter", action="view", record_id=str(met.pk)).exists()
    body = {"venue": other_venue.pk}
    assert send(police, "patch", path, body).status_code == 428
    assert send(police, "patch", path, body, **{"If-Match": '"gammal"'}).json()["error"]["code"] == "precondition_failed"
    moved = send(police, "patch", path, body, **{"If-Match": tag})
    assert moved.status_code == 200, moved.content
    assert moved.json()["venue"] == other_venue.pk and moved.json()["role"] == "exploited"
    assert moved["ETag"] != tag and moved["ETag"] == send(police, "get", path)["ETag"]
    # The first read's tag names a version that is gone.
    assert send(police, "patch", path, {"venue": venue.pk}, **{"If-Match": tag}).status_code == 412
    # The page's rules of time, on their field, in Swedish and English; nothing changes.
    early = (shift.starts_at - dt.timedelta(days=1)).isoformat()
    refused = send(police, "patch", path, {"occurred_at": early}, **{"If-Match": moved["ETag"]})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "occurred_at"
    assert set(refused.json()["error"]["messages"]) == {"sv", "en"}
    # A venue not on the shift is not among the form's choices.
    elsewhere, _created = ops.do_find_or_create_venue(collaboration=shift.collaboration, kind="hotel", name="Annat", acting_user=officer)
    off = send(police, "patch", path, {"venue": elsewhere.pk}, **{"If-Match": moved["ETag"]})
    assert off.status_code == 422 and off.json()["error"]["details"][0]["field"] == "venue"
    when = _minutes(timezone.now() - dt.timedelta(minutes=20))
    timed = send(police, "patch", path, {"occurred_at": when.isoformat()}, **{"If-Match": moved["ETag"]})
    assert timed.status_code == 200, timed.content
    met.refresh_from_db()
    assert met.occurred_at == when and met.venue == other_venue and met.age_band == "under_18"
    # Still one concern report: who was met stands.
    assert ChildConcernReport.objects.filter(encounter=met).count() == 1
    assert AuditEvent.objects.filter(username=officer.username, record_type="shift", detail__startswith=f"encounter {met.pk} corrected").count() == 2

    # Only the author corrects it (403, as on the page); another region and a missing one: 404.
    colleague = token_for(worker)
    assert send(colleague, "get", path).status_code == 200
    assert send(colleague, "patch", path, body, **{"If-Match": timed["ETag"]}).status_code == 403
    west = token_for(personas["vast.polis"])
    assert send(west, "get", path).status_code == 404
    assert send(west, "patch", path, body, **{"If-Match": timed["ETag"]}).status_code == 404
    assert send(police, "get", f"/shifts/{shift.pk}/encounters/{MISSING}/").status_code == 404
    assert send(police, "patch", f"/shifts/{shift.pk}/encounters/{MISSING}/", body, **{"If-Match": "*"}).status_code == 404
    # An encounter of another shift is not found under this one.
    assert send(police, "get", f"/shifts/{MISSING}/encounters/{met.pk}/").status_code == 404
    # A role that reads shifts but records no encounters may not correct one.
    assert send(token_for(personas["polis.granskare"]), "patch", path, body, **{"If-Match": "*"}).status_code in (403, 404)
    assert Encounter.objects.get(pk=met.pk).venue == other_venue


def test_a_visit_is_corrected_and_left_by_its_author(
    officer: User, worker: User, personas: dict[str, User], shift: Shift, venue: Venue
) -> None:
    police = token_for(officer)
    made = send(police, "post", f"/shifts/{shift.pk}/visits/", {"venue": venue.pk, "outcome": "closed"}, **{"Idempotency-Key": "v1"})
    assert made.status_code == 201, made.content
    visit_id = made.json()["id"]
    path = f"/shifts/{shift.pk}/visits/{visit_id}/"
    read = send(police, "get", path)
    assert read.status_code == 200 and read.json() == made.json() and read["ETag"]
    assert send(police, "patch", path, {"outcome": "nothing_found"}).status_code == 428
    changed = send(police, "patch", path, {"outcome": "nothing_found"}, **{"If-Match": read["ETag"]})
    assert changed.status_code == 200, changed.content
    assert changed.json()["outcome"] == "nothing_found" and changed.json()["left_at"] is None
    assert send(police, "patch", path, {"outcome": "closed"}, **{"If-Match": read["ETag"]}).status_code == 412
    backwards = (timezone.now() - dt.timedelta(hours=5)).isoformat()
    refused = send(police, "patch", path, {"left_at": backwards}, **{"If-Match": changed["ETag"]})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "left_at"
    assert send(police, "patch", path, {"outcome": "nonsens"}, **{"If-Match": changed["ETag"]}).status_code == 422

    # Another of the shift's staff reads it but changes nothing of it; another region does not find it.
    colleague = token_for(worker)
    assert send(colleague, "get", path).status_code == 200
    assert send(colleague, "patch", path, {"outcome": "closed"}, **{"If-Match": changed["ETag"]}).status_code == 403
    assert send(colleague, "post", f"{path}left/").status_code == 403
    west = token_for(personas["vast.polis"])
    for method in ("get", "patch"):
        assert send(west, method, path, {"outcome": "closed"} if method == "patch" else None, **{"If-Match": "*"}).status_code == 404
    assert send(west, "post", f"{path}left/").status_code == 404
    assert send(police, "post", f"/shifts/{shift.pk}/visits/{MISSING}/left/").status_code == 404
    assert send(token_for(personas["polis.granskare"]), "post", f"{path}left/").status_code in (403, 404)

    # "Left" is an action: now, once; a repeat answers the visit as it is.
    left = send(police, "post", f"{path}left/")
    assert left.status_code == 200, left.content
    assert left.json()["left_at"] is not None and left.json()["outcome"] == "nothing_found"
    assert left["ETag"] != changed["ETag"]
    assert send(police, "post", f"{path}left/").json() == left.json()
    assert AuditEvent.objects.filter(username=officer.username, record_type="shift", detail=f"venue visit {visit_id} left").count() == 1
    visit = VenueVisit.objects.get(pk=visit_id)
    assert visit.left_at is not None and visit.outcome == "nothing_found"


def test_the_shifts_log_is_written_once_per_key_and_read_by_those_who_see_the_shift(
    officer: User, worker: User, personas: dict[str, User], shift: Shift
) -> None:
    police = token_for(officer)
    path = f"/shifts/{shift.pk}/log/"
    assert send(police, "get", path).json()["items"] == []
    first = send(police, "post", path, {"text": "Lugnt vid hotellet."}, **{"Idempotency-Key": "l1"})
    assert first.status_code == 201, first.content
    assert first.json()["author"] == officer.pk and first.json()["text"] == "Lugnt vid hotellet."
    assert send(police, "post", path, {"text": "Lugnt vid hotellet."}, **{"Idempotency-Key": "l1"}).json() == first.json()
    assert ShiftLogEntry.objects.filter(shift=shift).count() == 1
    # The page's form and action refuse an empty entry on its field.
    for text in ("", "   "):
        empty = send(police, "post", path, {"text": text})
        assert empty.status_code == 422 and empty.json()["error"]["details"][0]["field"] == "text"
    send(token_for(worker), "post", path, {"text": "Två bilar."})
    listed = send(token_for(worker), "get", path)
    assert listed.status_code == 200
    assert [e["text"] for e in listed.json()["items"]] == ["Lugnt vid hotellet.", "Två bilar."]
    # Another region: 404; a role that only reads shifts reads the log and writes none.
    west = token_for(personas["vast.polis"])
    assert send(west, "get", path).status_code == 404
    assert send(west, "post", path, {"text": "x"}).status_code == 404
    assert send(police, "get", f"/shifts/{MISSING}/log/").status_code == 404
    reader = token_for(personas["polis.granskare"])
    assert send(reader, "post", path, {"text": "x"}).status_code in (403, 404)
    # A completed shift's log is closed: the action's refusal.
    for user in (officer, worker):
        ops.do_check_in(shift, acting_user=user)
    ops.do_complete_shift(shift, acting_user=officer)
    closed = send(police, "post", path, {"text": "Sent."})
    assert closed.status_code == 422 and closed.json()["error"]["code"] == "invalid"
    assert ShiftLogEntry.objects.filter(shift=shift).count() == 2


def test_a_venue_is_added_to_the_shift_on_the_spot_or_found_again(
    officer: User, worker: User, personas: dict[str, User], shift: Shift, venue: Venue
) -> None:
    police = token_for(officer)
    path = f"/shifts/{shift.pk}/venues/"
    body = {"kind": "street", "name": "Hörnet", "address": "Storgatan 2"}
    first = send(police, "post", path, body, **{"Idempotency-Key": "sv1"})
    assert first.status_code == 201, first.content
    assert send(police, "post", path, body, **{"Idempotency-Key": "sv1"}).json() == first.json()
    new_id = first.json()["id"]
    assert sorted(send(police, "get", f"/shifts/{shift.pk}/").json()["planned_venues"]) == sorted([venue.pk, new_id])
    # The same venue again (another key, the address written otherwise): found, 200, not a second one.
    again = send(token_for(worker), "post", path, {**body, "address": "storgatan 2"})
    assert again.status_code == 200 and again.json()["id"] == new_id
    assert Venue.objects.filter(name="Hörnet").count() == 1
    # An existing venue not yet on the shift is added to it.
    known, _created = ops.do_find_or_create_venue(collaboration=shift.collaboration, kind="hotel", name="Kända", acting_user=officer)
    found = send(police, "post", path, {"kind": "hotel", "name": "Kända"})
    assert found.status_code == 200 and found.json()["id"] == known.pk
    assert known.pk in send(police, "get", f"/shifts/{shift.pk}/").json()["planned_venues"]
    nameless = send(police, "post", path, {"kind": "street", "name": ""})
    assert nameless.status_code == 422 and nameless.json()["error"]["details"][0]["field"] == "name"
    assert send(police, "post", path, {"kind": "slott", "name": "X"}).status_code == 422
    west = token_for(personas["vast.polis"])
    assert send(west, "post", path, body).status_code == 404
    assert send(police, "post", f"/shifts/{MISSING}/venues/", body).status_code == 404
    assert send(token_for(personas["polis.granskare"]), "post", path, {**body, "name": "Granskat"}).status_code in (403, 404)
    assert not Venue.objects.filter(name="Granskat").exists()


def test_a_completed_shifts_times_are_corrected_explicitly_with_a_reason(
    officer: User, worker: User, personas: dict[str, User], shift: Shift
) -> None:
    police = token_for(officer)
    path = f"/shifts/{shift.pk}/correct/"
    started = _minutes(shift.starts_at + dt.timedelta(minutes=10))
    # Only a completed shift: the action's refusal.
    ongoing = send(police, "post", path, {"reason": "Fel", "completed_at": timezone.now().isoformat()})
    assert ongoing.status_code == 422 and ongoing.json()["error"]["code"] == "invalid"
    for user in (officer, worker):
        ops.do_check_in(shift, acting_user=user)
    ops.do_complete_shift(shift, acting_user=officer)
    no_reason = send(police, "post", path, {"started_at": started.isoformat()})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["details"][0]["field"].endswith("reason")
    blank = send(police, "post", path, {"started_at": started.isoformat(), "reason": "  "})
    assert blank.status_code == 422 and blank.json()["error"]["details"][0]["field"] == "reason"
    future = send(police, "post", path, {"completed_at": (timezone.now() + dt.timedelta(days=1)).isoformat(), "reason": "Fel"})
    assert future.status_code == 422 and future.json()["error"]["details"][0]["field"] == "completed_at"
    west = token_for(personas["vast.polis"])
    assert send(west, "post", path, {"started_at": started.isoformat(), "reason": "Fel"}).status_code == 404
    assert send(police, "post", f"/shifts/{MISSING}/correct/", {"reason": "Fel"}).status_code == 404
    assert send(token_for(personas["polis.granskare"]), "post", path, {"reason": "Fel"}).status_code in (403, 404)
    assert not ShiftCorrection.objects.exists()
    corrected = send(police, "post", path, {"started_at": started.isoformat(), "reason": "Startade i appen för sent."})
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["status"] == ShiftStatus.COMPLETED and corrected["ETag"]
    assert dt.datetime.fromisoformat(corrected.json()["started_at"]) == started
    correction = ShiftCorrection.objects.get(record="shift")
    assert list(correction.changes) == ["started_at"] and correction.reason == "Startade i appen för sent."
    assert AuditEvent.objects.filter(username=officer.username, record_type="shift", detail__contains="corrected: started_at").exists()


# --- The police: a suspect's identity, corrected ("rätta") -----------------------------------------


def test_a_suspects_identity_is_corrected_with_the_etag_of_what_was_read(
    officer: User, worker: User, personas: dict[str, User], make_report: Any
) -> None:
    suspect = add_suspect(make_report(), officer)
    police = token_for(officer)
    path = f"/suspects/{suspect.pk}/"
    read = send(police, "get", path)
    assert read.status_code == 200, read.content
    assert read.json()["name"] == "Sven Suspektsson" and read.json()["age_at_offence"] == 45
    assert read.json()["personnummer"] == suspect.personnummer_display
    assert AuditEvent.objects.filter(username=officer.username, record_type="suspect", action="view", record_id=str(suspect.pk)).exists()
    tag = read["ETag"]
    assert send(police, "patch", path, {"name": "Sven Svensson"}).status_code == 428
    assert send(police, "patch", path, {"name": "Sven Svensson"}, **{"If-Match": '"annan"'}).status_code == 412
    renamed = send(police, "patch", path, {"name": "Sven Svensson"}, **{"If-Match": tag})
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["name"] == "Sven Svensson" and renamed.json()["personnummer"] == read.json()["personnummer"]
    assert send(police, "patch", path, {"name": "Sven S"}, **{"If-Match": tag}).status_code == 412
    # The page's refusals, on their fields: a wrong check digit; no number and no date of birth.
    number = suspect.personnummer_display
    wrong = send(police, "patch", path, {"personnummer": number[:-1] + str((int(number[-1]) + 1) % 10)}, **{"If-Match": renamed["ETag"]})
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["field"] == "personnummer"
    latest = send(police, "get", path)["ETag"]
    nothing = send(police, "patch", path, {"personnummer": None, "birth_date": None}, **{"If-Match": latest})
    assert nothing.status_code == 422 and nothing.json()["error"]["code"] == "invalid"
    assert set(nothing.json()["error"]["messages"]) == {"sv", "en"}
    # A date of birth that makes the suspect a child at the offence files the missing concern report;
    # the age registered stays.
    committed = timezone.localdate(suspect.crime_report.committed_at)
    child = committed.replace(year=committed.year - 16)
    young = send(police, "patch", path, {"personnummer": "", "birth_date": child.isoformat()}, **{"If-Match": latest})
    assert young.status_code == 200, young.content
    assert young.json()["child_concern_report"] is True and young.json()["age_at_offence"] == 45
    assert young.json()["personnummer"] == "" and young.json()["birth_date"] == child.isoformat()
    suspect.refresh_from_db()
    assert suspect.child_concern_report is not None and suspect.name == "Sven Svensson"
    assert AuditEvent.objects.filter(username=officer.username, record_type="suspect", action="update", record_id=str(suspect.pk)).count() == 2

    # An analyst reads but does not correct; social services and another region: 404; missing: 404.
    analyst = token_for(personas["polis.analytiker"])
    assert send(analyst, "get", path).status_code == 200
    assert send(analyst, "patch", path, {"name": "X"}, **{"If-Match": "*"}).status_code == 403
    for other in (token_for(worker), token_for(personas["vast.polis"])):
        assert send(other, "get", path).status_code == 404
        assert send(other, "patch", path, {"name": "X"}, **{"If-Match": "*"}).status_code in (403, 404)
    assert send(police, "get", f"/suspects/{MISSING}/").status_code == 404
    assert send(police, "patch", f"/suspects/{MISSING}/", {"name": "X"}, **{"If-Match": "*"}).status_code == 404
    assert Suspect.objects.get(pk=suspect.pk).name == "Sven Svensson"


# --- Social services: a client's ages, and the client linked to an encounter --------------------


def test_a_clients_age_is_recorded_once_per_key_and_read_as_on_the_client_page(
    worker: User, officer: User, personas: dict[str, User], make_client: Any
) -> None:
    client = make_client("Ålder", age=None)
    token = token_for(worker)
    path = f"/clients/{client.pk}/ages/"
    body = {"basis": "professional", "min_years": 16, "max_years": 19, "note": "Bedömd vid samtal."}
    first = send(token, "post", path, body, **{"Idempotency-Key": "a1"})
    assert first.status_code == 201, first.content
    assert first.json()["min_years"] == 16 and first.json()["max_years"] == 19
    assert first.json()["assessed_on"] == timezone.localdate().isoformat()
    assert send(token, "post", path, body, **{"Idempotency-Key": "a1"}).json() == first.json()
    assert AgeAssessment.objects.filter(client=client).count() == 1
    # One value is a range of one; the page's form refuses a range backwards, on its field.
    one = send(token, "post", path, {"basis": "stated", "min_years": 22})
    assert one.status_code == 201 and one.json()["max_years"] == 22
    backwards = send(token, "post", path, {**body, "min_years": 20, "max_years": 18})
    assert backwards.status_code == 422 and backwards.json()["error"]["details"][0]["field"] == "max_years"
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    later = send(token, "post", path, {**body, "assessed_on": future})
    assert later.status_code == 422 and later.json()["error"]["details"][0]["field"] == "assessed_on"
    listed = send(token, "get", path)
    assert listed.status_code == 200 and {a["id"] for a in listed.json()} == {first.json()["id"], one.json()["id"]}
    assert AuditEvent.objects.filter(username=worker.username, record_type="client", action="view", record_id=str(client.pk)).exists()
    # The police, another municipality, a missing client: as the client page answers them.
    police = token_for(officer)
    assert send(police, "get", path).status_code == 404
    assert send(police, "post", path, body).status_code == 403
    other = token_for(personas["gbg.handlaggare"])
    assert send(other, "get", path).status_code == 404
    assert send(other, "post", path, body).status_code == 404
    assert send(token, "post", f"/clients/{MISSING}/ages/", body).status_code == 404
    assert send(token_for(personas["soc.granskare"]), "post", path, body).status_code in (403, 404)
    assert AgeAssessment.objects.filter(client=client).count() == 2


def test_a_client_is_linked_to_an_encounter_once_and_not_to_another_clients(
    worker: User, officer: User, personas: dict[str, User], make_client: Any, encounter: Any
) -> None:
    client = make_client("Länkad", age=30)
    met = encounter(role="exploited", age_band="adult")
    token = token_for(worker)
    path = f"/clients/{client.pk}/encounters/"
    first = send(token, "post", path, {"encounter": met.pk}, **{"Idempotency-Key": "k1"})
    assert first.status_code == 201, first.content
    assert first.json()["encounter"] == met.pk and first.json()["age_years"] == 30
    assert send(token, "post", path, {"encounter": met.pk}, **{"Idempotency-Key": "k1"}).json() == first.json()
    # Linked already: answered as it is, one link.
    assert send(token, "post", path, {"encounter": met.pk}).json() == first.json()
    assert ClientEncounter.objects.filter(encounter=met).count() == 1
    # Another client may not have the same encounter; a missing encounter is not among the choices.
    other_client = make_client("Annan", age=None)
    taken = send(token, "post", f"/clients/{other_client.pk}/encounters/", {"encounter": met.pk})
    assert taken.status_code == 422 and taken.json()["error"]["details"][0]["field"] == "encounter"
    assert send(token, "post", path, {"encounter": MISSING}).status_code == 422
    # The police link no client; another municipality finds none; a missing client: 404.
    fresh = encounter(role="exploited", age_band="adult", minutes_ago=30)
    assert send(token_for(officer), "post", path, {"encounter": fresh.pk}).status_code == 403
    assert send(token_for(personas["gbg.handlaggare"]), "post", path, {"encounter": fresh.pk}).status_code == 404
    assert send(token, "post", f"/clients/{MISSING}/encounters/", {"encounter": fresh.pk}).status_code == 404
    assert not ClientEncounter.objects.filter(encounter=fresh).exists()
    assert AuditEvent.objects.filter(username=worker.username, record_type="client", action="update", record_id=str(client.pk)).exists()
