"""The API's writes of each agency's own records: the pages' forms and actions behind them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.api.tests.test_api import token_for
from samverkan.api.tests.test_writes import send
from samverkan.audit.models import AuditEvent
from samverkan.investigations.models import CrimeReport, Suspect
from samverkan.sharing.models import Disclosure
from samverkan.support import actions as social
from samverkan.support.models import Client, Consent, Referral, SupportAction, SupportUnit

# --- Social services: clients and what is recorded on them ---------------------------------


def test_a_client_is_created_once_and_found_again_by_number(worker: User, officer: User, reference: None) -> None:
    token = token_for(worker)
    body = {"pseudonym": "Api-Rosa", "identifier_kind": "personnummer", "identifier": "19900101-0017", "stated_age": 34}
    first = send(token, "post", "/clients/", body, **{"Idempotency-Key": "c1"})
    assert first.status_code == 201, first.content
    again = send(token, "post", "/clients/", body, **{"Idempotency-Key": "c1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert Client.objects.count() == 1
    # Without the key, the same number finds the same client (the action's own rule), as the page.
    found = send(token, "post", "/clients/", {**body, "pseudonym": "Annan"})
    assert found.status_code == 200 and found.json()["id"] == first.json()["id"]
    assert Client.objects.count() == 1
    # The page's form refuses a bad number, on the form's field.
    bad = send(token, "post", "/clients/", {"pseudonym": "X", "identifier_kind": "personnummer", "identifier": "19900101-0018"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "identifier"
    # The police create no client.
    assert send(token_for(officer), "post", "/clients/", {"pseudonym": "Polisens"}).status_code == 403
    assert Client.objects.count() == 1
    assert AuditEvent.objects.filter(username=worker.username, record_type="client", action="create").count() == 1


def _serving_unit(client: Client) -> SupportUnit:
    today = timezone.localdate()
    return next(u for u in SupportUnit.objects.available_to(client.agency) if social.served_refusal(u, client, today) is None)


def test_support_referral_and_consent_are_recorded_on_a_client(
    worker: User, officer: User, personas: dict[str, User], make_client: Any
) -> None:
    client = make_client("Api-Klient")
    token = token_for(worker)
    support = send(token, "post", f"/clients/{client.pk}/support-actions/", {"kind": "informed"}, **{"Idempotency-Key": "s1"})
    assert support.status_code == 201, support.content
    assert support.json()["happened_on"] == timezone.localdate().isoformat()
    assert send(token, "post", f"/clients/{client.pk}/support-actions/", {"kind": "informed"}, **{"Idempotency-Key": "s1"}).json() == support.json()
    assert SupportAction.objects.filter(client=client).count() == 1
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    refused = send(token, "post", f"/clients/{client.pk}/support-actions/", {"kind": "informed", "happened_on": future})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "happened_on"

    referral = send(token, "post", f"/clients/{client.pk}/referrals/", {"unit": _serving_unit(client).pk}, **{"Idempotency-Key": "r1"})
    assert referral.status_code == 201, referral.content
    assert Referral.objects.filter(client=client).count() == 1

    consent = send(token, "post", f"/clients/{client.pk}/consents/", {"scope": "share_with_police", "given_by": "client"}, **{"Idempotency-Key": "k1"})
    assert consent.status_code == 201, consent.content
    assert send(token, "post", f"/clients/{client.pk}/consents/", {"scope": "other", "given_by": "client"}).status_code == 422
    withdrawn = send(token, "post", f"/consents/{consent.json()['id']}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"] is not None
    assert Consent.objects.get(pk=consent.json()["id"]).withdrawn_at is not None

    # Hidden and missing both 404: another city's social worker, and a client that is not there.
    other = token_for(personas["gbg.handlaggare"])
    for path, body in (
        ("support-actions/", {"kind": "informed"}), ("referrals/", {"unit": 1}),
        ("consents/", {"scope": "share_with_police", "given_by": "client"}),
    ):
        assert send(other, "post", f"/clients/{client.pk}/{path}", body).status_code == 404, path
        assert send(token, "post", f"/clients/{10**9}/{path}", body).status_code == 404, path
    assert send(other, "post", f"/consents/{consent.json()['id']}/withdraw/").status_code == 404
    assert send(token, "post", f"/consents/{10**9}/withdraw/").status_code == 404
    # The police write nothing on a client (403 as on the page: the role may not).
    police = token_for(officer)
    assert send(police, "post", f"/clients/{client.pk}/support-actions/", {"kind": "informed"}).status_code == 403
    assert send(police, "post", f"/clients/{client.pk}/consents/", {"scope": "share_with_police", "given_by": "client"}).status_code == 403
    assert SupportAction.objects.filter(client=client).count() == 1
    assert Consent.objects.filter(client=client).count() == 1


# --- The police: crime reports and suspects ---------------------------------------------------


def test_a_crime_report_is_registered_once_and_a_suspect_added_by_the_police_only(
    officer: User, worker: User, personas: dict[str, User], stockholm: Any, offences: dict[str, Any]
) -> None:
    police = token_for(officer)
    body = {
        "collaboration": stockholm.pk, "case_number": "K424242-26", "offence": offences["brb-6-11"].pk,
        "committed_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(), "narrative": "Köp av sexuell tjänst.",
    }
    first = send(police, "post", "/crime-reports/", body, **{"Idempotency-Key": "cr1"})
    assert first.status_code == 201, first.content
    again = send(police, "post", "/crime-reports/", body, **{"Idempotency-Key": "cr1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert CrimeReport.objects.filter(case_number="K424242-26").count() == 1
    bad = send(police, "post", "/crime-reports/", {**body, "case_number": "nonsens"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "case_number"
    # Social services register no crime report.
    social = token_for(worker)
    assert send(social, "post", "/crime-reports/", {**body, "case_number": "K434343-26"}).status_code == 403

    report_id = first.json()["id"]
    suspect = {"name": "Sven Svensson", "birth_date": "1980-05-05", "role": "buyer"}
    added = send(police, "post", f"/crime-reports/{report_id}/suspects/", suspect, **{"Idempotency-Key": "su1"})
    assert added.status_code == 201, added.content
    assert added.json()["child_concern_report"] is False
    assert send(police, "post", f"/crime-reports/{report_id}/suspects/", suspect, **{"Idempotency-Key": "su1"}).json() == added.json()
    assert Suspect.objects.filter(crime_report_id=report_id).count() == 1
    assert send(police, "post", f"/crime-reports/{report_id}/suspects/", {"name": "X", "role": "buyer"}).status_code == 422
    # Hidden and missing both 404: the other region's police, and no such report; social services as the page.
    west = token_for(personas["vast.polis"])
    assert send(west, "post", f"/crime-reports/{report_id}/suspects/", suspect).status_code == 404
    assert send(police, "post", f"/crime-reports/{10**9}/suspects/", suspect).status_code == 404
    assert send(social, "post", f"/crime-reports/{report_id}/suspects/", suspect).status_code in (403, 404)
    assert Suspect.objects.filter(crime_report_id=report_id).count() == 1


# --- Disclosures: a request, and an oral disclosure recorded afterwards -----------------------


def test_a_disclosure_is_requested_once_through_the_request_pages_form(
    officer: User, worker: User, personas: dict[str, User], encounter: Any, make_client: Any
) -> None:
    met = encounter()
    make_client(encounter=met, consent=True)
    police = token_for(officer)
    body = {"record_type": "client", "encounter": met.pk, "field_names": ["pseudonym", "language"], "purpose": "Förhör med målsägande"}
    first = send(police, "post", "/disclosures/", body, **{"Idempotency-Key": "d1"})
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "requested" and first.json()["owning_agency"] == worker.agency.code  # type: ignore[union-attr]
    assert send(police, "post", "/disclosures/", body, **{"Idempotency-Key": "d1"}).json() == first.json()
    assert Disclosure.objects.count() == 1
    # The page's forms refuse what the page refuses: a kind the police may not ask for, no subject, no fields.
    assert send(police, "post", "/disclosures/", {**body, "record_type": "crime_report"}).json()["error"]["details"][0]["field"] == "record_type"
    assert send(police, "post", "/disclosures/", {**body, "encounter": None}).status_code == 422
    assert send(police, "post", "/disclosures/", {**body, "field_names": ["nonsens"]}).status_code == 422
    # A hidden encounter (another region's police) and a missing one are answered alike.
    hidden = send(token_for(personas["vast.polis"]), "post", "/disclosures/", body)
    missing = send(police, "post", "/disclosures/", {**body, "encounter": 10**9})
    assert hidden.status_code == missing.status_code == 422
    assert hidden.json()["error"]["details"] == missing.json()["error"]["details"]
    # A role that neither requests nor decides: 404 as the page.
    assert send(token_for(personas["polis.granskare"]), "post", "/disclosures/", body).status_code in (403, 404)
    assert Disclosure.objects.count() == 1


def test_an_oral_disclosure_is_recorded_once_through_the_oral_pages_form(
    officer: User, worker: User, encounter: Any, make_client: Any, bases: dict[str, Any]
) -> None:
    client = make_client(encounter=encounter(), consent=True)
    social = token_for(worker)
    body = {
        "record_type": "client", "record": client.pk, "recipients": [officer.pk], "recipient_name": "Polisinspektör",
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(), "field_names": ["pseudonym"],
        "legal_basis": bases["osl-12-2"].pk, "purpose": "Identifiering på plats", "assessment": "Samtycke finns.",
    }
    first = send(social, "post", "/oral-disclosures/", body, **{"Idempotency-Key": "o1"})
    assert first.status_code == 201, first.content
    assert first.json()["made_orally"] is True and first.json()["status"] == "accepted"
    assert send(social, "post", "/oral-disclosures/", body, **{"Idempotency-Key": "o1"}).json() == first.json()
    assert Disclosure.objects.count() == 1
    future = send(social, "post", "/oral-disclosures/", {**body, "occurred_at": (timezone.now() + dt.timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and future.json()["error"]["details"][0]["field"] == "occurred_at"
    # A record that is not the agency's own (missing or the other agency's) is refused, never told.
    assert send(social, "post", "/oral-disclosures/", {**body, "record": 10**9}).status_code == 422
    police = token_for(officer)
    assert send(police, "post", "/oral-disclosures/", body).status_code == 422  # a client is no record of the police
    assert Disclosure.objects.count() == 1
