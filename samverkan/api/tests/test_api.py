"""The API: tokens, the error shape, paging, idempotency, and the same walls as the pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.api.models import ApiToken
from samverkan.audit.models import AuditEvent
from samverkan.conftest import login_verified
from samverkan.jobs.models import Job
from samverkan.sharing.tests.conftest import SECRET_CONTACT, SECRET_NARRATIVE

API = "/api/v1"


def token_for(user: User, days: int = 30) -> str:
    """A token made through the page, as a user makes it."""
    page = login_verified(HttpClient(), user).post("/konto/api-nycklar/", {"name": "skript", "days": days})
    assert page.status_code == 200
    found = re.search(r'id="new-token">(svk_[^<]+)<', page.content.decode())
    assert found is not None
    return found.group(1)


def call(token: str, path: str, method: str = "get", **headers: Any) -> Any:
    client = HttpClient()
    return getattr(client, method)(f"{API}{path}", headers={"Authorization": f"Bearer {token}", **headers})


def test_a_token_is_shown_once_stored_hashed_used_and_revoked(officer: User) -> None:
    token = token_for(officer)
    stored = ApiToken.objects.get(user=officer)
    assert token not in (stored.digest, stored.prefix) and token.startswith(stored.prefix)
    page = login_verified(HttpClient(), officer).get("/konto/api-nycklar/").content.decode()
    assert token not in page and stored.prefix in page
    assert call(token, "/areas/").status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    login_verified(HttpClient(), officer).post(f"/konto/api-nycklar/{stored.pk}/aterkalla/")
    answer = call(token, "/areas/")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthenticated"
    assert AuditEvent.objects.filter(username=officer.username, detail__startswith="api token").count() == 2


def test_an_expired_or_unknown_token_is_refused_in_one_error_shape(officer: User) -> None:
    token = token_for(officer)
    ApiToken.objects.filter(user=officer).update(
        created_at=timezone.now() - dt.timedelta(days=40), expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    for candidate in (token, "svk_nonsense", "x" * 5000, ""):
        answer = call(candidate, "/shifts/")
        assert answer.status_code == 401
        error = answer.json()["error"]
        assert set(error) == {"code", "message", "messages", "details"}
        assert error["messages"]["sv"] != error["messages"]["en"]


@pytest.mark.parametrize("path", ["/jobs/", "/ingenting-har/", "/shifts", "/shifts/1/okand/"])
def test_a_path_that_names_no_operation_answers_in_the_error_shape(officer: User, path: str) -> None:
    for token in (token_for(officer), ""):
        answer = call(token, path)
        assert answer.status_code == 404
        assert answer["Content-Type"].startswith("application/json")
        assert answer.json()["error"]["code"] == "not_found"


def test_token_lifetime_is_bounded(officer: User) -> None:
    http = login_verified(HttpClient(), officer)
    for days in ("0", "366", "-1", "99999999999999999999", "x"):
        assert http.post("/konto/api-nycklar/", {"name": "s", "days": days}).status_code == 400
    assert not ApiToken.objects.exists()


def test_police_read_no_client_and_social_services_no_crime_report(
    officer: User, worker: User, make_client: Any, make_report: Any
) -> None:
    client = make_client("Kanarie")
    report = make_report()
    police, social = token_for(officer), token_for(worker)
    assert call(police, "/records/client/").json()["items"] == []
    assert call(police, f"/records/client/{client.pk}/").status_code == 404
    assert call(social, "/records/crime_report/").json()["items"] == []
    assert call(social, f"/records/crime_report/{report.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="denied", username=officer.username, record_id=str(client.pk)).exists()
    # Each agency reads its own, every declared field, audited like the pages.
    own = call(social, f"/records/client/{client.pk}/").json()
    assert own["disclosed"] is False and SECRET_CONTACT in str(own["fields"])
    assert AuditEvent.objects.filter(action="view", username=worker.username, record_id=str(client.pk)).exists()
    theirs = call(police, "/records/crime_report/").json()["items"]
    assert [r["id"] for r in theirs] == [report.pk] and SECRET_NARRATIVE in str(theirs[0]["fields"])


def test_paging_is_stable_and_refuses_a_forged_cursor(worker: User, make_client: Any) -> None:
    made = [make_client(f"Klient {n}", serial=f"{n:03d}") for n in range(1, 6)]
    token = token_for(worker)
    seen: list[int] = []
    cursor = ""
    while True:
        page = call(token, f"/records/client/?limit=2&cursor={cursor}").json()
        seen += [r["id"] for r in page["items"]]
        if not page["next"]:
            break
        cursor = page["next"]
    assert seen == sorted(c.pk for c in made)
    for bad in ("abc", "eyJhZnRlciI6IC0xfQ", "e30"):
        assert call(token, f"/records/client/?cursor={bad}").status_code == 400
    assert call(token, "/records/client/?cursor=%00").status_code == 422
    for limit in ("0", "201", "99999999999999999999999"):
        assert call(token, f"/records/client/?limit={limit}").status_code == 422


@pytest.mark.parametrize("path", [
    "/records/client/99999999999999999999999/",
    "/records/client/-1/",
    "/records/nothing/1/",
    "/shifts/99999999999999999999/",
    "/shifts/?start=2021-13-01",
    "/shifts/?area=%00",
    "/jobs/not-a-uuid/",
    "/results/?year=99999999999",
    "/results/?areas=99999999999999999999999",
])
def test_hostile_input_gets_an_answer_never_a_server_error(worker: User, path: str) -> None:
    answer = call(token_for(worker), path)
    assert 400 <= answer.status_code < 500, (path, answer.status_code)
    assert "error" in answer.json() or answer.status_code == 404


def test_a_retried_create_returns_the_first_job(personas: dict[str, User]) -> None:
    token = token_for(personas["polis.analytiker"])
    first = call(token, "/intel/link/", "post", **{"Idempotency-Key": "a1"})
    again = call(token, "/intel/link/", "post", **{"Idempotency-Key": "a1"})
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert Job.objects.count() == 1
    job = call(token, f"/jobs/{first.json()['id']}/").json()
    assert job["state"] in {"done", "failed"}
    # Someone else's job is not there.
    assert call(token_for(personas["polis.utredare"]), f"/jobs/{first.json()['id']}/").status_code == 404
    assert call(token_for(personas["soc.handlaggare"]), "/intel/link/", "post").status_code == 404


def test_the_session_needs_csrf_for_a_write(personas: dict[str, User]) -> None:
    http = login_verified(HttpClient(enforce_csrf_checks=True), personas["polis.analytiker"])
    assert http.get(f"{API}/areas/").status_code == 200
    assert http.post(f"{API}/intel/link/").status_code in (401, 403)
    assert not Job.objects.exists()


def test_the_results_are_the_pages_report(personas: dict[str, User]) -> None:
    answer = call(token_for(personas["polis.chef"]), "/results/?year=2021")
    assert answer.status_code == 200
    body = answer.json()
    assert body["mode"] == "internal" and body["period"]["start"] == "2021-01-01"
    assert {f["key"] for f in body["figures"]} >= {"shifts"}
    assert call(token_for(personas["polis.admin"]), "/results/?year=2021").status_code == 404


def test_openapi_schema_is_served(personas: dict[str, User]) -> None:
    http = login_verified(HttpClient(), personas["polis.inre"])
    schema = http.get(f"{API}/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/records/{record_type}/", "/api/v1/shifts/", "/api/v1/results/"} <= set(schema["paths"])
    assert http.get(f"{API}/docs/").status_code == 200
    assert HttpClient().get(f"{API}/docs/").status_code == 302


def test_a_protected_client_is_read_only_with_a_purpose(worker: User, make_client: Any) -> None:
    from samverkan.support.models import Client

    client = make_client("Skyddad")
    Client.objects.filter(pk=client.pk).update(protected_identity=True)
    token = token_for(worker)
    listed = call(token, "/records/client/").json()["items"]
    assert [(r["id"], r["purpose_required"], r["fields"]) for r in listed] == [(client.pk, True, [])]
    refused = call(token, f"/records/client/{client.pk}/")
    assert refused.status_code == 428 and refused.json()["error"]["code"] == "purpose_required"
    assert SECRET_CONTACT not in refused.content.decode()
    read = call(token, f"/records/client/{client.pk}/?purpose=Uppföljning%20av%20placering")
    assert read.status_code == 200 and SECRET_CONTACT in read.content.decode()
    assert AuditEvent.objects.filter(
        action="view", username=worker.username, record_id=str(client.pk), purpose="Uppföljning av placering"
    ).exists()
