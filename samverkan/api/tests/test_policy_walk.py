"""Every endpoint as every persona, checked against the policy table (not against a hand list).

For each disclosable record type the list endpoint must return exactly what the policy and the
gate give the persona (own scope: the restricted queryset; disclosed scope: the grants; none: 404),
and no answer of any endpoint may carry the other agency's secret marker.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client as HttpClient
from django.utils import timezone

from samverkan.accounts.models import AgencyKind, Area, User
from samverkan.accounts.policy import Action, RecordType, Scope, can, user_scope
from samverkan.api.tests.test_api import API, call, token_for
from samverkan.api.v1 import api
from samverkan.investigations.models import CrimeReport, CrimeReportParty, Suspect, SuspectConsent
from samverkan.operations import actions as ops
from samverkan.operations.forms import ShiftForm
from samverkan.operations.models import ChildConcernReport, Shift, Venue
from samverkan.sharing import gate
from samverkan.sharing.tests.conftest import SECRET_CONTACT, SECRET_NARRATIVE, add_suspect
from samverkan.support.models import (
    AgeAssessment,
    Client,
    ClientEncounter,
    ClientIdentifier,
    Consent,
    Referral,
    SupportAction,
    SupportUnit,
)


def _all_ids(token: str, path: str) -> set[int] | int:
    ids: set[int] = set()
    cursor = ""
    while True:
        answer = call(token, f"{path}?limit=200&cursor={cursor}")
        if answer.status_code != 200:
            return int(answer.status_code)
        page = answer.json()
        ids |= {item["id"] for item in page["items"]}
        if not page["next"]:
            return ids
        cursor = page["next"]


def test_each_persona_lists_exactly_what_the_policy_gives(
    personas: dict[str, User], make_client: Any, make_report: Any
) -> None:
    make_client("Policyklient")
    make_report()
    checked = 0
    paths = api.get_openapi_schema()["paths"]
    plain_gets = [path.removeprefix("/api/v1") for path, ops in paths.items() if "{" not in path and "get" in ops]
    for user in personas.values():
        if user.membership is None:
            continue
        token = token_for(user, days=1)
        for record_type, registered in gate.registry().items():
            scope = user_scope(user, RecordType(record_type), Action.LIST)
            got = _all_ids(token, f"/records/{record_type}/")
            if scope in (Scope.NONE, Scope.AGGREGATE):
                expected: set[int] | int = 404
            elif scope is Scope.DISCLOSED:
                expected = set(gate.grants(user, record_type))
            else:
                manager: Any = registered.model._default_manager
                expected = set(manager.visible_to(user, Action.LIST).values_list("pk", flat=True))
            assert got == expected, (user.username, record_type, scope)
            checked += 1
        # No answer of any GET endpoint carries the other agency's secrets.
        secret = SECRET_NARRATIVE if user.agency and user.agency.kind == AgencyKind.SOCIAL_SERVICES else SECRET_CONTACT
        for path in plain_gets:
            answer = call(token, path)
            assert secret not in answer.content.decode(), (user.username, path)
    assert checked >= len(personas) * 3


def _post(token: str, path: str, body: dict[str, Any]) -> Any:
    return HttpClient().post(
        f"{API}{path}", data=json.dumps(body), content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )


def _patch(token: str, path: str, body: dict[str, Any]) -> Any:
    """An update that names no version in particular (``If-Match: *``): the walk checks who may, not conflicts."""
    return HttpClient().patch(
        f"{API}{path}", data=json.dumps(body), content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "If-Match": "*"},
    )


def test_each_persona_writes_exactly_what_the_policy_allows(
    personas: dict[str, User], shift: Shift, venue: Venue, officer: User, make_client: Any, make_report: Any
) -> None:
    """Every write endpoint as every persona: a success exactly where the policy table and the
    record's visibility allow it, 403 or 404 elsewhere; and no write of any persona creates a
    record of the other agency's kind (a police token no client, a social-services token no crime report)."""
    crime_report = make_report()
    suspect = add_suspect(crime_report, officer)
    minor, _created = ops.do_record_encounter(shift, role="exploited", age_band="under_18", venue=venue, acting_user=officer)
    report = ChildConcernReport.objects.get(encounter=minor)
    area = Area.objects.get(code="lpo-farsta")
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    client = make_client("Skrivklient")
    unit = SupportUnit.objects.available_to(client.agency).first()
    assert unit is not None
    visit, _created = ops.do_record_venue_visit(shift, venue=venue, outcome="closed", acting_user=officer)
    police_kinds = (CrimeReport, Suspect, CrimeReportParty, SuspectConsent)
    social_kinds = (Client, SupportAction, Referral, Consent, ClientIdentifier, AgeAssessment, ClientEncounter)
    checked = 0
    for user in personas.values():
        if user.membership is None:
            continue
        token = token_for(user, days=1)
        before = {model: model.objects.count() for model in (*police_kinds, *social_kinds)}
        sees_shift = Shift.objects.visible_to(user, Action.VIEW).filter(pk=shift.pk).exists()
        writes_client = can(user, RecordType.CLIENT, Action.UPDATE) and Client.objects.visible_to(user, Action.UPDATE).filter(pk=client.pk).exists()
        writes_report = can(user, RecordType.CRIME_REPORT, Action.UPDATE) and CrimeReport.objects.visible_to(user, Action.UPDATE).filter(pk=crime_report.pk).exists()
        writes = {
            "plan a shift": (
                _post(token, "/shifts/", {"area": area.pk, "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=4)).isoformat(), "basis": "outreach"}),
                can(user, RecordType.SHIFT, Action.LIST) and can(user, RecordType.SHIFT, Action.CREATE),
            ),
            "record an encounter": (
                _post(token, f"/shifts/{shift.pk}/encounters/", {"role": "buyer", "age_band": "adult", "venue": venue.pk}),
                sees_shift and can(user, RecordType.ENCOUNTER, Action.CREATE),
            ),
            "record a visit": (
                _post(token, f"/shifts/{shift.pk}/visits/", {"venue": venue.pk, "outcome": "closed"}),
                sees_shift and can(user, RecordType.SHIFT, Action.UPDATE),
            ),
            "add a venue": (
                _post(token, "/venues/", {"kind": "hotel", "name": f"Hotell {user.pk}"}),
                can(user, RecordType.VENUE, Action.LIST) and can(user, RecordType.VENUE, Action.VIEW) and can(user, RecordType.VENUE, Action.CREATE),
            ),
            "submit a tip": (
                _post(token, "/tips/", {"collaboration": shift.collaboration_id, "what": "Bilar stannar.", "source_type": "staff", "no_identifiable_person": True}),
                can(user, RecordType.TIP, Action.CREATE),
            ),
            "assess a concern": (
                _post(token, f"/concern-reports/{report.pk}/assess/", {"assessment": "Bedömt."}),
                can(user, RecordType.CONCERN_HANDLING, Action.UPDATE) and user.agency == report.addressed_to,
            ),
            "create a client": (
                _post(token, "/clients/", {"pseudonym": f"Klient {user.pk}"}),
                can(user, RecordType.CLIENT, Action.CREATE),
            ),
            "record support": (
                _post(token, f"/clients/{client.pk}/support-actions/", {"kind": "informed"}),
                can(user, RecordType.SUPPORT_ACTION, Action.CREATE) and writes_client,
            ),
            "refer": (
                _post(token, f"/clients/{client.pk}/referrals/", {"unit": unit.pk}),
                can(user, RecordType.REFERRAL, Action.CREATE) and writes_client,
            ),
            "record consent": (
                _post(token, f"/clients/{client.pk}/consents/", {"scope": "share_with_police", "given_by": "client"}),
                writes_client,
            ),
            "register a crime report": (
                _post(token, "/crime-reports/", {
                    "collaboration": shift.collaboration_id, "case_number": f"K{700000 + user.pk}-26", "offence": crime_report.offence_id,
                    "committed_at": start.isoformat(),
                }),
                can(user, RecordType.CRIME_REPORT, Action.CREATE),
            ),
            "add a suspect": (
                _post(token, f"/crime-reports/{crime_report.pk}/suspects/", {"name": "Sven Svensson", "birth_date": "1980-05-05", "role": "buyer"}),
                can(user, RecordType.SUSPECT, Action.CREATE) and can(user, RecordType.CRIME_REPORT, Action.UPDATE)
                and CrimeReport.objects.visible_to(user, Action.UPDATE).filter(pk=crime_report.pk).exists(),
            ),
            "create an operation": (
                _post(token, "/operations/", {"name": f"Insats {user.pk}"}),
                can(user, RecordType.SHIFT, Action.LIST) and can(user, RecordType.SHIFT, Action.VIEW) and can(user, RecordType.SHIFT, Action.CREATE),
            ),
            "staff a shift": (
                _post(token, f"/shifts/{shift.pk}/staff/", {"user": officer.pk}),
                sees_shift and can(user, RecordType.SHIFT, Action.UPDATE),
            ),
            "add an identity number": (
                _post(token, f"/clients/{client.pk}/identifiers/", {"identifier_kind": "none"}),
                writes_client,
            ),
            "add a party": (
                _post(token, f"/crime-reports/{crime_report.pk}/parties/", {"encounter": minor.pk, "kind": "witness"}),
                writes_report,
            ),
            "record a suspect's consent": (
                _post(token, f"/suspects/{suspect.pk}/consents/", {"given_by": "suspect"}),
                can(user, RecordType.SUSPECT, Action.UPDATE) and Suspect.objects.visible_to(user, Action.UPDATE).filter(pk=suspect.pk).exists(),
            ),
            "request a disclosure": (
                _post(token, "/disclosures/", {"record_type": "client", "encounter": minor.pk, "field_names": ["pseudonym"], "purpose": "Förhör"}),
                user_scope(user, RecordType.DISCLOSURE, Action.VIEW) is Scope.OWN_AGENCY and can(user, RecordType.DISCLOSURE, Action.CREATE),
            ),
            "correct an encounter": (
                _patch(token, f"/shifts/{shift.pk}/encounters/{minor.pk}/", {}),
                # Only its author corrects it (a colleague who may: 403, as on the page).
                sees_shift and can(user, RecordType.ENCOUNTER, Action.UPDATE) and user == officer,
            ),
            "correct a visit": (
                _patch(token, f"/shifts/{shift.pk}/visits/{visit.pk}/", {}),
                sees_shift and can(user, RecordType.SHIFT, Action.UPDATE) and user == officer,
            ),
            "leave a venue": (
                _post(token, f"/shifts/{shift.pk}/visits/{visit.pk}/left/", {}),
                sees_shift and can(user, RecordType.SHIFT, Action.UPDATE) and user == officer,
            ),
            "write in the log": (
                _post(token, f"/shifts/{shift.pk}/log/", {"text": "Lugnt."}),
                sees_shift and can(user, RecordType.SHIFT, Action.UPDATE),
            ),
            "add a venue to the shift": (
                _post(token, f"/shifts/{shift.pk}/venues/", {"kind": "street", "name": f"Gata {user.pk}"}),
                sees_shift and can(user, RecordType.SHIFT, Action.UPDATE) and can(user, RecordType.VENUE, Action.CREATE),
            ),
            "correct the shift's times": (
                _post(token, f"/shifts/{shift.pk}/correct/", {"reason": "Fel tid."}),
                sees_shift and can(user, RecordType.SHIFT, Action.UPDATE),
            ),
            "correct a suspect's identity": (
                _patch(token, f"/suspects/{suspect.pk}/", {}),
                can(user, RecordType.SUSPECT, Action.UPDATE) and Suspect.objects.visible_to(user, Action.UPDATE).filter(pk=suspect.pk).exists(),
            ),
            "record a client's age": (
                _post(token, f"/clients/{client.pk}/ages/", {"basis": "stated", "min_years": 20}),
                writes_client,
            ),
            "link a client to an encounter": (
                _post(token, f"/clients/{client.pk}/encounters/", {"encounter": minor.pk}),
                writes_client,
            ),
        }
        for what, (answer, allowed) in writes.items():
            assert answer.status_code < 500, (user.username, what)
            if allowed:
                assert answer.status_code in (200, 201, 422), (user.username, what, answer.status_code, answer.content)
            else:
                assert answer.status_code in (403, 404), (user.username, what, answer.status_code)
            checked += 1
        # A shift is planned only in an area of the user's own collaborations (the page's form).
        if writes["plan a shift"][0].status_code == 201:
            assert area.pk in {a.pk for a in ShiftForm(user=user, collaboration=shift.collaboration).fields["area"].queryset}  # type: ignore[attr-defined]
        after = {model: model.objects.count() for model in before}
        forbidden = social_kinds if user.agency and user.agency.kind == AgencyKind.POLICE else police_kinds
        assert all(after[m] == before[m] for m in forbidden), user.username
    assert checked >= len(personas) * 26


def test_no_answer_of_any_read_carries_the_other_agencys_secrets(
    personas: dict[str, User], shift: Shift, venue: Venue, officer: User, make_client: Any, make_report: Any
) -> None:
    """Every GET operation, its path filled with the ids of real records of both agencies."""
    client = make_client("Läsklient")
    suspect = add_suspect(make_report(), officer)
    minor, _created = ops.do_record_encounter(shift, role="exploited", age_band="under_18", venue=venue, acting_user=officer)
    report = ChildConcernReport.objects.get(encounter=minor)
    visit, _created = ops.do_record_venue_visit(shift, venue=venue, outcome="closed", acting_user=officer)
    fill = {"shift_id": shift.pk, "venue_id": venue.pk, "report_id": report.pk, "record_type": "client", "record_id": 1, "tip_id": 1, "disclosure_id": 1, "key": "n-1", "job_id": "00000000-0000-4000-8000-000000000001",
        "client_id": client.pk, "suspect_id": suspect.pk, "encounter_id": minor.pk, "visit_id": visit.pk,
    }
    paths = [path.removeprefix("/api/v1") for path, ops_ in api.get_openapi_schema()["paths"].items() if "get" in ops_]
    for user in personas.values():
        if user.membership is None:
            continue
        token = token_for(user, days=1)
        secret = SECRET_NARRATIVE if user.agency and user.agency.kind == AgencyKind.SOCIAL_SERVICES else SECRET_CONTACT
        for path in paths:
            answer = call(token, path.format(**fill))
            assert answer.status_code < 500, (user.username, path)
            assert secret not in answer.content.decode(), (user.username, path)
