"""The API's writes of the parts of records: identity numbers, client edits, referral steps,
parties, a report's status, a suspect's consent, and the staff of a shift.

Each through the page's own form and action: the happy path, a retry with the same
Idempotency-Key, the page's refusals in the one error shape, and the wrong agency or role
answered as the pages answer it (404 for hidden and missing alike, 403 for a role that may not).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.api.tests.test_agency_writes import _serving_unit
from samverkan.api.tests.test_api import token_for
from samverkan.api.tests.test_writes import send
from samverkan.audit.models import AuditEvent
from samverkan.investigations.models import CrimeReportParty, SuspectConsent
from samverkan.operations import actions as ops
from samverkan.operations.models import Operation, Shift, ShiftParticipant, ShiftStatus, Venue
from samverkan.sharing.tests.conftest import add_suspect
from samverkan.support.models import Client, ClientIdentifier, IdentifierKind

MISSING = 10**9

# --- Social services: identity numbers, the client's own fields, referral steps ---------------


def test_an_identity_number_is_added_once_and_another_clients_number_is_a_conflict(
    worker: User, officer: User, personas: dict[str, User], make_client: Any
) -> None:
    client = make_client("Id-Klient", age=None)
    token = token_for(worker)
    body = {"identifier_kind": "personnummer", "identifier": "19900101-0017"}
    first = send(token, "post", f"/clients/{client.pk}/identifiers/", body, **{"Idempotency-Key": "i1"})
    assert first.status_code == 201, first.content
    assert first.json()["value"] == "19900101-0017" and first.json()["client"] == client.pk
    again = send(token, "post", f"/clients/{client.pk}/identifiers/", body, **{"Idempotency-Key": "i1"})
    assert again.status_code == 201 and again.json() == first.json()
    # "No number known" gave way to the number, as on the page; one row.
    assert list(ClientIdentifier.objects.filter(client=client).values_list("kind", flat=True)) == [IdentifierKind.PERSONNUMMER]
    assert AuditEvent.objects.filter(username=worker.username, record_type="client", detail="identifier added: personnummer").count() == 1
    # The page's form refuses a bad number on its field; "none" for a client with a number is the action's refusal.
    bad = send(token, "post", f"/clients/{client.pk}/identifiers/", {**body, "identifier": "19900101-0018"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "identifier"
    none = send(token, "post", f"/clients/{client.pk}/identifiers/", {"identifier_kind": "none"})
    assert none.status_code == 422 and none.json()["error"]["details"][0]["field"] == "identifier_kind"
    assert set(none.json()["error"]["messages"]) == {"sv", "en"}
    # Another client of the agency with the same number: a conflict naming the client who has it.
    other = make_client("Annan", age=None)
    taken = send(token, "post", f"/clients/{other.pk}/identifiers/", body)
    assert taken.status_code == 409, taken.content
    assert taken.json()["error"]["code"] == "duplicate_identifier"
    assert taken.json()["error"]["details"][0]["client"] == client.pk
    # Hidden and missing both 404; the police may not (403, as on the page).
    assert send(token_for(personas["gbg.handlaggare"]), "post", f"/clients/{client.pk}/identifiers/", body).status_code == 404
    assert send(token, "post", f"/clients/{MISSING}/identifiers/", body).status_code == 404
    assert send(token_for(officer), "post", f"/clients/{client.pk}/identifiers/", body).status_code == 403
    assert send(token_for(personas["soc.granskare"]), "post", f"/clients/{client.pk}/identifiers/", body).status_code in (403, 404)
    assert ClientIdentifier.objects.filter(client__in=[client, other]).exclude(kind=IdentifierKind.NONE).count() == 1


def test_a_client_is_changed_only_with_the_etag_of_what_was_read(
    worker: User, officer: User, personas: dict[str, User], make_client: Any
) -> None:
    client = make_client("Ändras")
    token = token_for(worker)
    read = send(token, "get", f"/clients/{client.pk}/")
    assert read.status_code == 200 and read.json()["pseudonym"] == "Ändras"
    tag = read["ETag"]
    assert AuditEvent.objects.filter(username=worker.username, record_type="client", action="view", record_id=str(client.pk)).exists()
    assert send(token, "patch", f"/clients/{client.pk}/", {"language": "engelska"}).status_code == 428
    assert send(token, "patch", f"/clients/{client.pk}/", {"language": "engelska"}, **{"If-Match": '"nope"'}).status_code == 412
    changed = send(token, "patch", f"/clients/{client.pk}/", {"language": "engelska"}, **{"If-Match": tag})
    assert changed.status_code == 200, changed.content
    assert changed.json()["language"] == "engelska" and changed.json()["pseudonym"] == "Ändras"
    assert changed["ETag"] != tag
    # The first read's tag no longer names the client: someone changed it since.
    assert send(token, "patch", f"/clients/{client.pk}/", {"contact": "x"}, **{"If-Match": tag}).status_code == 412
    refused = send(token, "patch", f"/clients/{client.pk}/", {"pseudonym": ""}, **{"If-Match": changed["ETag"]})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "pseudonym"
    client.refresh_from_db()
    assert client.language == "engelska" and client.pseudonym == "Ändras"
    # The police read a client only as disclosed, at /records/client/; here hidden and missing alike.
    police = token_for(officer)
    assert send(police, "get", f"/clients/{client.pk}/").status_code == 404
    assert send(police, "patch", f"/clients/{client.pk}/", {"language": "x"}, **{"If-Match": tag}).status_code == 403
    other = token_for(personas["gbg.handlaggare"])
    assert send(other, "get", f"/clients/{client.pk}/").status_code == 404
    assert send(other, "patch", f"/clients/{client.pk}/", {"language": "x"}, **{"If-Match": tag}).status_code == 404
    assert send(token, "get", f"/clients/{MISSING}/").status_code == 404
    # Protected personal data: as on the client page, read only by one who says why (audited).
    latest = send(token, "get", f"/clients/{client.pk}/")["ETag"]
    protect = send(token, "patch", f"/clients/{client.pk}/", {"protected_identity": True}, **{"If-Match": latest})
    assert protect.status_code == 200 and protect.json()["protected_identity"] is True
    unsaid = send(token, "get", f"/clients/{client.pk}/")
    assert unsaid.status_code == 428 and unsaid.json()["error"]["code"] == "purpose_required"
    said = send(token, "get", f"/clients/{client.pk}/?purpose=Uppf%C3%B6ljning")
    assert said.status_code == 200 and said["ETag"] == protect["ETag"]
    assert AuditEvent.objects.filter(username=worker.username, record_type="client", action="view", purpose="Uppföljning").exists()


def test_a_referral_moves_on_through_the_pages_steps(worker: User, officer: User, personas: dict[str, User], make_client: Any) -> None:
    client = make_client("Remiss")
    token = token_for(worker)
    made = send(token, "post", f"/clients/{client.pk}/referrals/", {"unit": _serving_unit(client).pk})
    assert made.status_code == 201, made.content
    referral = made.json()["id"]
    received = send(token, "post", f"/referrals/{referral}/status/", {"status": "received"})
    assert received.status_code == 200 and received.json()["status"] == "received"
    # The same step again changes nothing, as a repeated click on the page.
    assert send(token, "post", f"/referrals/{referral}/status/", {"status": "received"}).json() == received.json()
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert send(token, "post", f"/referrals/{referral}/status/", {"status": "closed", "on": future}).json()["error"]["details"][0]["field"] == "on"
    assert send(token, "post", f"/referrals/{referral}/status/", {"status": "sent"}).status_code == 422
    assert send(token, "post", f"/referrals/{referral}/status/", {"status": "closed"}).json()["status"] == "closed"
    backwards = send(token, "post", f"/referrals/{referral}/status/", {"status": "declined", "reason": "Full"})
    assert backwards.status_code == 422 and backwards.json()["error"]["details"][0]["field"] == "status"
    assert send(token_for(personas["gbg.handlaggare"]), "post", f"/referrals/{referral}/status/", {"status": "closed"}).status_code == 404
    assert send(token, "post", f"/referrals/{MISSING}/status/", {"status": "closed"}).status_code == 404
    assert send(token_for(officer), "post", f"/referrals/{referral}/status/", {"status": "closed"}).status_code == 403


# --- The police: parties, a report's status, the suspect's consent ------------------------------


def test_a_party_is_added_once_as_the_page_allows_and_the_status_moves_on(
    officer: User, worker: User, personas: dict[str, User], make_report: Any, encounter: Any
) -> None:
    report = make_report()  # purchase of a sexual service (BrB 6:11): the seller is a witness
    met = encounter()
    police = token_for(officer)
    injured = send(police, "post", f"/crime-reports/{report.pk}/parties/", {"encounter": met.pk, "kind": "injured_party"})
    assert injured.status_code == 422 and injured.json()["error"]["details"][0]["field"] == "kind"
    body = {"encounter": met.pk, "kind": "witness"}
    first = send(police, "post", f"/crime-reports/{report.pk}/parties/", body, **{"Idempotency-Key": "p1"})
    assert first.status_code == 201, first.content
    assert first.json()["encounter"] == met.pk and first.json()["kind"] == "witness"
    assert send(police, "post", f"/crime-reports/{report.pk}/parties/", body, **{"Idempotency-Key": "p1"}).json() == first.json()
    twice = send(police, "post", f"/crime-reports/{report.pk}/parties/", body)
    assert twice.status_code == 422 and twice.json()["error"]["details"][0]["field"] == "encounter"
    assert send(police, "post", f"/crime-reports/{report.pk}/parties/", {**body, "encounter": MISSING}).status_code == 422
    assert CrimeReportParty.objects.filter(crime_report=report).count() == 1
    # Hidden and missing both 404; a reading role and social services may not.
    assert send(token_for(personas["vast.polis"]), "post", f"/crime-reports/{report.pk}/parties/", body).status_code == 404
    assert send(police, "post", f"/crime-reports/{MISSING}/parties/", body).status_code == 404
    assert send(token_for(personas["polis.analytiker"]), "post", f"/crime-reports/{report.pk}/parties/", body).status_code == 403
    assert send(token_for(worker), "post", f"/crime-reports/{report.pk}/parties/", body).status_code in (403, 404)

    # The status is an action of its own; the report's own transitions decide.
    opened = send(police, "post", f"/crime-reports/{report.pk}/status/", {"status": "preliminary_investigation"})
    assert opened.status_code == 200 and opened.json()["status"] == "preliminary_investigation"
    back = send(police, "post", f"/crime-reports/{report.pk}/status/", {"status": "registered"})
    assert back.status_code == 422 and back.json()["error"]["code"] == "invalid"
    assert send(police, "post", f"/crime-reports/{report.pk}/status/", {"status": "nonsens"}).status_code == 422
    assert send(token_for(personas["polis.analytiker"]), "post", f"/crime-reports/{report.pk}/status/", {"status": "closed"}).status_code == 403
    assert send(token_for(personas["vast.polis"]), "post", f"/crime-reports/{report.pk}/status/", {"status": "closed"}).status_code == 404
    assert send(police, "post", f"/crime-reports/{report.pk}/status/", {"status": "closed"}).json()["status"] == "closed"
    closed = send(police, "post", f"/crime-reports/{report.pk}/parties/", {"encounter": encounter().pk, "kind": "witness"})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "conflict"
    assert AuditEvent.objects.filter(username=officer.username, record_type="crime_report", detail__startswith="party added").count() == 1


def test_a_suspects_consent_is_recorded_read_and_withdrawn_by_the_police_only(
    officer: User, worker: User, personas: dict[str, User], make_report: Any
) -> None:
    suspect = add_suspect(make_report(), officer)
    police = token_for(officer)
    path = f"/suspects/{suspect.pk}/consents/"
    first = send(police, "post", path, {"given_by": "suspect", "detail": "KAST får ringa."}, **{"Idempotency-Key": "sc1"})
    assert first.status_code == 201, first.content
    assert first.json()["given_on"] == timezone.localdate().isoformat() and first.json()["withdrawn_at"] is None
    assert send(police, "post", path, {"given_by": "suspect", "detail": "KAST får ringa."}, **{"Idempotency-Key": "sc1"}).json() == first.json()
    assert SuspectConsent.objects.filter(suspect=suspect).count() == 1
    # A guardian consents only for a child; no date in the future: the action's and the form's refusals.
    guardian = send(police, "post", path, {"given_by": "guardian"})
    assert guardian.status_code == 422 and guardian.json()["error"]["details"][0]["field"] == "given_by"
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert send(police, "post", path, {"given_by": "suspect", "given_on": future}).json()["error"]["details"][0]["field"] == "given_on"
    listed = send(police, "get", path)
    assert listed.status_code == 200 and [c["id"] for c in listed.json()] == [first.json()["id"]]
    assert AuditEvent.objects.filter(username=officer.username, record_type="suspect", action="view", record_id=str(suspect.pk)).exists()
    # An analyst reads the consents but records none; social services, another region and a missing suspect: 404.
    analyst = token_for(personas["polis.analytiker"])
    assert send(analyst, "get", path).status_code == 200
    assert send(analyst, "post", path, {"given_by": "suspect"}).status_code == 403
    for other in (token_for(worker), token_for(personas["vast.polis"])):
        assert send(other, "get", path).status_code == 404
        assert send(other, "post", path, {"given_by": "suspect"}).status_code in (403, 404)
        assert send(other, "post", f"/suspect-consents/{first.json()['id']}/withdraw/").status_code == 404
    assert send(police, "get", f"/suspects/{MISSING}/consents/").status_code == 404
    assert SuspectConsent.objects.filter(suspect=suspect).count() == 1

    withdrawn = send(police, "post", f"/suspect-consents/{first.json()['id']}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"] is not None
    again = send(police, "post", f"/suspect-consents/{first.json()['id']}/withdraw/")
    assert again.json() == withdrawn.json()
    assert send(police, "post", f"/suspect-consents/{MISSING}/withdraw/").status_code == 404


# --- The staff of a shift -----------------------------------------------------------------------


def _planned(officer: User, shift: Shift, venue: Venue) -> Shift:
    start = timezone.now() + dt.timedelta(days=2)
    return ops.do_create_shift(
        collaboration=shift.collaboration, area=shift.area, starts_at=start, ends_at=start + dt.timedelta(hours=5),
        basis="outreach", planned_venues=[venue], acting_user=officer,
    )


def test_a_shift_is_staffed_and_unstaffed_through_the_pages_form(
    officer: User, worker: User, personas: dict[str, User], shift: Shift, venue: Venue
) -> None:
    planned = _planned(officer, shift, venue)
    police = token_for(officer)
    base = f"/shifts/{planned.pk}/staff/"
    assert send(police, "get", base).json() == []
    candidates = send(police, "get", f"{base}candidates/")
    assert candidates.status_code == 200
    offered = {c["user"] for c in candidates.json()}
    assert worker.pk in offered and personas["polis.analytiker"].pk not in offered
    first = send(police, "post", base, {"user": worker.pk}, **{"Idempotency-Key": "st1"})
    assert first.status_code == 201, first.content
    assert first.json()["user"] == worker.pk and first.json()["agency"] == worker.agency.code  # type: ignore[union-attr]
    assert send(police, "post", base, {"user": worker.pk}, **{"Idempotency-Key": "st1"}).json() == first.json()
    # Already on the shift: answered as they are, not staffed twice.
    assert send(police, "post", base, {"user": worker.pk}).json() == first.json()
    assert ShiftParticipant.objects.filter(shift=planned, user=worker).count() == 1
    # Only field staff: the page's form refuses an analyst on its field.
    analyst = send(police, "post", base, {"user": personas["polis.analytiker"].pk})
    assert analyst.status_code == 422 and analyst.json()["error"]["details"][0]["field"] == "user"
    assert [s["user"] for s in send(police, "get", base).json()] == [worker.pk]
    # Hidden and missing both 404; a role that only reads shifts may not staff them.
    west = token_for(personas["vast.polis"])
    assert send(west, "get", base).status_code == 404
    assert send(west, "post", base, {"user": worker.pk}).status_code == 404
    assert send(police, "get", f"/shifts/{MISSING}/staff/").status_code == 404
    assert send(token_for(personas["polis.granskare"]), "post", base, {"user": worker.pk}).status_code in (403, 404)
    # Taken off again while the shift is planned; then gone (404).
    assert send(west, "delete", f"{base}{worker.pk}/").status_code == 404
    removed = send(police, "delete", f"{base}{worker.pk}/")
    assert removed.status_code == 204, removed.content
    assert send(police, "delete", f"{base}{worker.pk}/").status_code == 404
    assert not ShiftParticipant.objects.filter(shift=planned, user=worker).exists()
    assert AuditEvent.objects.filter(username=officer.username, record_type="shift", detail=f"participant removed: {worker.pk}").exists()


def test_staff_check_in_and_out_and_a_planned_shift_is_cancelled_with_a_reason(
    officer: User, personas: dict[str, User], shift: Shift, venue: Venue
) -> None:
    police = token_for(officer)
    checked_in = send(police, "post", f"/shifts/{shift.pk}/check-in/")
    assert checked_in.status_code == 200, checked_in.content
    assert checked_in.json()["user"] == officer.pk and checked_in.json()["checked_in_at"] is not None
    assert send(police, "post", f"/shifts/{shift.pk}/check-in/").json() == checked_in.json()
    out = send(police, "post", f"/shifts/{shift.pk}/check-out/")
    assert out.status_code == 200 and out.json()["checked_out_at"] is not None
    again = send(police, "post", f"/shifts/{shift.pk}/check-in/")
    assert again.status_code == 422 and again.json()["error"]["code"] == "invalid"
    assert send(token_for(personas["vast.polis"]), "post", f"/shifts/{shift.pk}/check-in/").status_code == 404

    planned = _planned(officer, shift, venue)
    no_reason = send(police, "post", f"/shifts/{planned.pk}/cancel/", {"reason": "  "})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["details"][0]["field"] == "reason"
    assert send(token_for(personas["vast.polis"]), "post", f"/shifts/{planned.pk}/cancel/", {"reason": "Sjuk"}).status_code == 404
    cancelled = send(police, "post", f"/shifts/{planned.pk}/cancel/", {"reason": "Personalbrist"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == ShiftStatus.CANCELLED
    assert cancelled["ETag"]
    planned.refresh_from_db()
    assert planned.status == ShiftStatus.CANCELLED
    assert Client.objects.count() == 0


# --- Operations ----------------------------------------------------------------------------------


def test_an_operation_is_created_once_and_listed_for_the_collaboration(
    officer: User, worker: User, personas: dict[str, User], reference: None
) -> None:
    police = token_for(officer)
    body = {"name": "Operation Api", "kind": "police", "starts_on": "2026-03-01", "ends_on": "2026-03-31"}
    first = send(police, "post", "/operations/", body, **{"Idempotency-Key": "op1"})
    assert first.status_code == 201, first.content
    assert first.json()["kind"] == "police" and first.json()["collaboration"] == "stockholm"
    assert send(police, "post", "/operations/", body, **{"Idempotency-Key": "op1"}).json() == first.json()
    assert Operation.objects.filter(name="Operation Api").count() == 1
    backwards = send(police, "post", "/operations/", {**body, "name": "Baklänges", "ends_on": "2026-02-01"})
    assert backwards.status_code == 422 and backwards.json()["error"]["details"][0]["field"] == "ends_on"
    assert send(police, "post", "/operations/", body).status_code == 422  # the same name twice in the collaboration
    # Only the police create the police's own operation (the action's rule, on its field).
    social = token_for(worker)
    own = send(social, "post", "/operations/", {**body, "name": "Socialens"})
    assert own.status_code == 422 and own.json()["error"]["details"][0]["field"] == "kind"
    assert send(social, "post", "/operations/", {"name": "Gemensam"}).status_code == 201
    listed = send(social, "get", "/operations/")
    assert listed.status_code == 200
    assert {"Operation Api", "Gemensam"} <= {o["name"] for o in listed.json()["items"]}
    # Another region's collaboration sees none of Stockholm's operations.
    west = send(token_for(personas["vast.polis"]), "get", "/operations/?limit=200")
    assert not {"Operation Api", "Gemensam"} & {o["name"] for o in west.json()["items"]}
