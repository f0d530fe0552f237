"""The API's writes: the pages' forms and actions behind them, Idempotency-Key, If-Match."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client as HttpClient
from django.utils import timezone

from samverkan.accounts.models import Area, User
from samverkan.api.tests.test_api import API, token_for
from samverkan.audit.models import AuditEvent
from samverkan.operations.models import (
    ChildConcernReport,
    Encounter,
    Shift,
    ShiftStatus,
    Venue,
    VenueVisit,
)


def send(token: str, method: str, path: str, body: Any = None, **headers: Any) -> Any:
    return getattr(HttpClient(), method)(
        f"{API}{path}", data=json.dumps(body) if body is not None else None, content_type="application/json",
        headers={"Authorization": f"Bearer {token}", **headers},
    )


def _plan(token: str, **overrides: Any) -> Any:
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    body = {
        "area": Area.objects.get(code="lpo-farsta").pk, "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=6)).isoformat(), "basis": "outreach", **overrides,
    }
    return send(token, "post", "/shifts/", body, **{"Idempotency-Key": "plan-1"})


def test_a_shift_is_planned_started_and_completed_through_the_pages_actions(officer: User, worker: User, venue: Venue, reference: None) -> None:
    police = token_for(officer)
    planned = _plan(police, planned_venues=[venue.pk])
    assert planned.status_code == 201, planned.content
    shift_id = planned.json()["id"]
    assert planned.json()["status"] == "planned" and planned.json()["planned_venues"] == [venue.pk]
    # A retry with the same key answers the first shift; no second one.
    again = _plan(police, planned_venues=[venue.pk])
    assert again.status_code == 201 and again.json()["id"] == shift_id
    assert Shift.objects.count() == 1
    # The same key for another request is refused.
    assert _plan(police, briefing="annat").status_code == 422
    started = send(police, "post", f"/shifts/{shift_id}/start/")
    assert started.status_code == 200 and started.json()["status"] == "ongoing"
    # Completing needs field staff of both agencies checked in: the action's own message, in the asked language.
    for language, words in (("sv", "checka in"), ("en", "check in")):
        refused = send(police, "post", f"/shifts/{shift_id}/complete/", **{"Accept-Language": language})
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "invalid" and words in error["details"][0]["message"]
    assert AuditEvent.objects.filter(username=officer.username, record_type="shift", detail="started").exists()


def test_the_forms_refuse_what_the_page_refuses(officer: User, reference: None) -> None:
    police = token_for(officer)
    start = timezone.now()
    backwards = _plan(police, ends_at=(start - dt.timedelta(hours=2)).isoformat())
    assert backwards.status_code == 422
    assert backwards.json()["error"]["details"][0]["field"] == "ends_at"
    assert send(police, "post", "/shifts/", {"area": 10**12}).status_code == 422
    assert not Shift.objects.exists()


def test_a_minor_met_files_the_child_concern_report_as_on_the_page(officer: User, shift: Shift, venue: Venue) -> None:
    police = token_for(officer)
    body = {"role": "exploited", "age_band": "under_18", "venue": venue.pk}
    first = send(police, "post", f"/shifts/{shift.pk}/encounters/", body, **{"Idempotency-Key": "e1"})
    assert first.status_code == 201, first.content
    assert first.json()["child_concern_report"] is True
    again = send(police, "post", f"/shifts/{shift.pk}/encounters/", body, **{"Idempotency-Key": "e1"})
    assert again.json()["id"] == first.json()["id"]
    assert Encounter.objects.count() == 1
    assert ChildConcernReport.objects.filter(encounter_id=first.json()["id"]).count() == 1
    listed = send(police, "get", f"/shifts/{shift.pk}/encounters/").json()["items"]
    assert [e["id"] for e in listed] == [first.json()["id"]]
    # A venue of no shift's choice, or hidden, is the form's refusal.
    assert send(police, "post", f"/shifts/{shift.pk}/encounters/", {**body, "venue": 10**9}).status_code == 422


def test_a_visit_is_recorded_and_a_hidden_shift_is_not_there(officer: User, personas: dict[str, User], shift: Shift, venue: Venue) -> None:
    police = token_for(officer)
    made = send(police, "post", f"/shifts/{shift.pk}/visits/", {"venue": venue.pk, "outcome": "nothing_found"})
    assert made.status_code == 201, made.content
    assert VenueVisit.objects.filter(pk=made.json()["id"], shift=shift).exists()
    outsider = token_for(personas["vast.polis"])
    assert send(outsider, "post", f"/shifts/{shift.pk}/visits/", {"venue": venue.pk, "outcome": "nothing_found"}).status_code == 404
    assert send(outsider, "get", f"/shifts/{shift.pk}/encounters/").status_code == 404
    assert send(police, "post", "/shifts/999999/visits/", {"venue": venue.pk, "outcome": "nothing_found"}).status_code == 404


def test_an_update_needs_the_current_etag(officer: User, venue: Venue, reference: None) -> None:
    police = token_for(officer)
    read = send(police, "get", f"/venues/{venue.pk}/")
    tag = read["ETag"]
    assert send(police, "patch", f"/venues/{venue.pk}/", {"name": "Hotell Nytt"}).status_code == 428
    changed = send(police, "patch", f"/venues/{venue.pk}/", {"name": "Hotell Nytt"}, **{"If-Match": tag})
    assert changed.status_code == 200 and changed.json()["name"] == "Hotell Nytt"
    assert changed["ETag"] != tag
    stale = send(police, "patch", f"/venues/{venue.pk}/", {"name": "Hotell Gammalt"}, **{"If-Match": tag})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "precondition_failed"
    venue.refresh_from_db()
    assert venue.name == "Hotell Nytt"


def test_a_shift_is_changed_with_if_match(officer: User, shift: Shift) -> None:
    police = token_for(officer)
    tag = send(police, "get", f"/shifts/{shift.pk}/")["ETag"]
    changed = send(police, "patch", f"/shifts/{shift.pk}/", {"briefing": "Hotellen i söder"}, **{"If-Match": tag})
    assert changed.status_code == 200, changed.content
    assert changed.json()["briefing"] == "Hotellen i söder" and changed.json()["status"] == ShiftStatus.ONGOING
    assert send(police, "patch", f"/shifts/{shift.pk}/", {"briefing": "x"}, **{"If-Match": tag}).status_code == 412


def test_venues_are_found_again_not_entered_twice(officer: User, venue: Venue) -> None:
    police = token_for(officer)
    same = send(police, "post", "/venues/", {"kind": "hotel", "name": "Hotell Provet", "address": "Provgatan 1"})
    assert same.status_code == 200 and same.json()["id"] == venue.pk
    new = send(police, "post", "/venues/", {"kind": "hotel", "name": "Hotell Annat"})
    assert new.status_code == 201
    found = send(police, "get", "/venues/?q=annat").json()["items"]
    assert [v["id"] for v in found] == [new.json()["id"]]


def test_a_read_only_role_may_not_write(personas: dict[str, User], shift: Shift) -> None:
    for name in ("polis.granskare", "polis.chef", "soc.chef"):
        token = token_for(personas[name])
        assert send(token, "post", f"/shifts/{shift.pk}/complete/").status_code in (403, 404), name
        assert send(token, "post", "/shifts/", {}).status_code in (403, 404, 422), name
    assert Shift.objects.get(pk=shift.pk).status == ShiftStatus.ONGOING


def test_a_concern_report_is_handled_step_by_step_by_social_services_only(
    officer: User, worker: User, shift: Shift, venue: Venue
) -> None:
    police, social = token_for(officer), token_for(worker)
    met = send(police, "post", f"/shifts/{shift.pk}/encounters/", {"role": "exploited", "age_band": "uncertain", "venue": venue.pk})
    assert met.status_code == 201 and met.json()["child_concern_report"]
    report = ChildConcernReport.objects.get(encounter_id=met.json()["id"])
    # The police filed it but do not reach its handling.
    assert send(police, "get", "/concern-reports/").status_code == 404
    assert send(police, "get", f"/concern-reports/{report.pk}/").status_code == 404
    # A role that never handles reports gets 403 on a write, as on the page.
    assert send(police, "post", f"/concern-reports/{report.pk}/assess/", {"assessment": "x"}).status_code == 403
    inbox = send(social, "get", "/concern-reports/").json()["items"]
    assert [r["id"] for r in inbox] == [report.pk] and inbox[0]["status"] == "received"
    read = send(social, "get", f"/concern-reports/{report.pk}/")
    assert read.status_code == 200 and {d["name"] for d in read.json()["deadlines"]} >= {"protection", "decision"}
    assert AuditEvent.objects.filter(username=worker.username, action="view", record_id=str(report.pk)).count() == 2
    # Out of order: the action's refusal, never a field edit.
    early = send(social, "post", f"/concern-reports/{report.pk}/decide/", {"decision": "none"})
    assert early.status_code == 422 and early.json()["error"]["details"]
    assert send(social, "post", f"/concern-reports/{report.pk}/assess/", {"assessment": ""}).status_code == 422
    assessed = send(social, "post", f"/concern-reports/{report.pk}/assess/", {"assessment": "Inget akut skyddsbehov."})
    assert assessed.status_code == 200 and assessed.json()["status"] == "assessed"
    decided = send(social, "post", f"/concern-reports/{report.pk}/decide/", {"decision": "none"})
    assert decided.status_code == 200 and decided.json()["decision"] == "none"
    # No child is closed out without a referral or a reason.
    assert send(social, "post", f"/concern-reports/{report.pk}/close/", {}).status_code == 422
    closed = send(social, "post", f"/concern-reports/{report.pk}/close/", {"closure_reason": "Flyttat från kommunen."})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert send(social, "get", "/concern-reports/").json()["items"] == []
    assert [r["id"] for r in send(social, "get", "/concern-reports/?open=false").json()["items"]] == [report.pk]


def test_a_tip_goes_to_the_police_through_the_tip_pages_form(personas: dict[str, User], stockholm: Any) -> None:
    from samverkan.intel.models import Tip

    social = token_for(personas["soc.handlaggare"])
    body = {"collaboration": stockholm.pk, "what": "Bilar stannar sent vid Provgatan.", "source_type": "staff"}
    # Social services' staff confirm that the tip names nobody (else it is a disclosure).
    unconfirmed = send(social, "post", "/tips/", body, **{"Accept-Language": "en"})
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["error"]["details"][0]["field"] == "no_identifiable_person"
    sent = send(social, "post", "/tips/", {**body, "no_identifiable_person": True}, **{"Idempotency-Key": "t1"})
    again = send(social, "post", "/tips/", {**body, "no_identifiable_person": True}, **{"Idempotency-Key": "t1"})
    assert sent.status_code == again.status_code == 201 and sent.json()["id"] == again.json()["id"]
    assert set(sent.json()) == {"id", "status", "submitted_at"}
    assert Tip.objects.count() == 1
    analyst = token_for(personas["polis.analytiker"])
    listed = send(analyst, "get", "/tips/").json()["items"]
    assert [t["id"] for t in listed] == [sent.json()["id"]] and listed[0]["what"] == body["what"]
    assert send(analyst, "get", f"/tips/{sent.json()['id']}/").status_code == 200
    assert AuditEvent.objects.filter(username="polis.analytiker", action="view", record_type="tip").exists()
    assert send(social, "get", f"/tips/{sent.json()['id']}/").status_code == 404


def test_a_disclosure_is_decided_and_accepted_as_actions_and_read_through_the_gate(
    officer: User, worker: User, encounter: Any, make_client: Any, bases: dict[str, Any]
) -> None:
    from samverkan.sharing.actions import do_request_disclosure
    from samverkan.sharing.tests.conftest import SECRET_CONTACT

    met = encounter()
    client = make_client(encounter=met, consent=True)
    assert worker.agency is not None
    asked = do_request_disclosure(
        owning_agency=worker.agency, record_type="client", fields=("pseudonym", "language", "contact"),
        purpose="Förhör med målsägande", encounter=met, acting_user=officer,
    )
    police, social = token_for(officer), token_for(worker)
    assert [d["id"] for d in send(social, "get", "/disclosures/").json()["items"]] == [asked.pk]
    assert [d["id"] for d in send(police, "get", "/disclosures/?box=sent").json()["items"]] == [asked.pk]
    # Only the owner decides, only the requester accepts.
    assert send(police, "post", f"/disclosures/{asked.pk}/decide/", {"decision": "refuse", "refusal_kind": "other"}).status_code == 403
    assert send(social, "post", f"/disclosures/{asked.pk}/accept/").status_code == 403
    # The page's form: a basis is required to approve.
    missing = send(social, "post", f"/disclosures/{asked.pk}/decide/", {"decision": "approve", "record": client.pk, "field_names": ["pseudonym"]})
    assert missing.status_code == 422
    approved = send(social, "post", f"/disclosures/{asked.pk}/decide/", {
        "decision": "approve", "record": client.pk, "field_names": ["pseudonym", "language"],
        "legal_basis": bases["osl-12-2"].pk, "assessment": "Sekretessprövning gjord.",
    })
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["fields_granted"] == ["pseudonym", "language"]
    assert send(social, "post", f"/disclosures/{asked.pk}/decide/", {"decision": "refuse", "refusal_kind": "other"}).status_code == 409
    assert send(police, "get", f"/records/client/{client.pk}/").status_code == 404  # not before acceptance
    accepted = send(police, "post", f"/disclosures/{asked.pk}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    read = send(police, "get", f"/records/client/{accepted.json()['record_id']}/?purpose=F%C3%B6rh%C3%B6r")
    assert read.status_code == 200 and read.json()["disclosed"] is True
    assert SECRET_CONTACT not in read.content.decode()
    assert {f["name"] for f in read.json()["fields"]} == {"pseudonym", "language"}


def test_an_import_of_intelligence_items_returns_a_job_once(personas: dict[str, User]) -> None:
    import io

    from samverkan.intel.models import IntelItem
    from samverkan.jobs.models import Job

    ads = "\n".join(json.dumps({"id": f"ad-{n}", "kind": "ad", "title": f"Annons {n}", "city": "Stockholm"}) for n in range(3))

    def upload() -> io.BytesIO:
        file = io.BytesIO(ads.encode())
        file.name = "ads.jsonl"
        return file

    analyst = token_for(personas["polis.analytiker"])
    headers = {"Authorization": f"Bearer {analyst}", "Idempotency-Key": "import-1"}
    first = HttpClient().post(f"{API}/intel/items/import/", {"file": upload()}, headers=headers)
    again = HttpClient().post(f"{API}/intel/items/import/", {"file": upload()}, headers=headers)
    assert first.status_code == again.status_code == 202, first.content
    assert first.json()["id"] == again.json()["id"] and Job.objects.count() == 1
    assert IntelItem.objects.count() == 3
    social = token_for(personas["soc.handlaggare"])
    refused = HttpClient().post(f"{API}/intel/items/import/", {"file": upload()}, headers={"Authorization": f"Bearer {social}"})
    assert refused.status_code == 404 and Job.objects.count() == 1


def test_networks_are_read_with_their_members_and_why_they_are_linked(personas: dict[str, User]) -> None:
    import io

    ads = "\n".join(
        json.dumps({"id": f"ad-{n}", "kind": "ad", "title": f"Annons {n}", "phones": ["0701740605"], "city": "Stockholm"}) for n in range(3)
    )
    file = io.BytesIO(ads.encode())
    file.name = "ads.jsonl"
    analyst = token_for(personas["polis.analytiker"])
    assert HttpClient().post(f"{API}/intel/items/import/", {"file": file}, headers={"Authorization": f"Bearer {analyst}"}).status_code == 202
    assert send(analyst, "post", "/intel/link/").status_code == 202
    listed = send(analyst, "get", "/networks/").json()["items"]
    assert len(listed) == 1 and listed[0]["item_count"] == 3
    key = listed[0]["key"]
    one = send(analyst, "get", f"/networks/{key}/").json()
    assert one["links"] and all(link["kind"] for link in one["links"])
    assert any(s for link in one["links"] for s in link["shared"])
    assert len(send(analyst, "get", f"/networks/{key}/members/").json()["items"]) == 3
    assert AuditEvent.objects.filter(username="polis.analytiker", action="view", record_type="network").exists()
    for name in ("soc.handlaggare", "vast.polis"):
        token = token_for(personas[name])
        assert send(token, "get", f"/networks/{key}/").status_code == 404, name
        assert send(token, "get", f"/networks/{key}/members/").status_code == 404, name
