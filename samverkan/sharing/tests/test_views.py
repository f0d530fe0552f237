"""The pages, through HTTP: the whole flow both ways, refusals, and who gets 404, 403, 405."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.audit.models import AuditEvent
from samverkan.investigations import actions as police
from samverkan.investigations.models import CrimeReport
from samverkan.legal.models import LegalBasis
from samverkan.operations.models import Encounter, Shift
from samverkan.sharing.models import Disclosure, DisclosureStatus
from samverkan.support.models import Client

from .conftest import (
    SECRET_CONTACT,
    SECRET_NARRATIVE,
    ClientFactory,
    EncounterFactory,
    Login,
    ReportFactory,
    Scene,
    give_purpose,
)

pytestmark = pytest.mark.django_db

NOT_CASE_ROLES = (
    "polis.samordnare",
    "soc.samordnare",
    "polis.granskare",
    "soc.granskare",
    "polis.admin",
    "soc.admin",
)
OUTSIDERS = ("vast.polis", "gbg.handlaggare")


def url(name: str, *args: Any) -> str:
    return reverse(f"sharing:{name}", args=args)


def ask(http: HttpClient, **data: Any) -> Any:
    data.setdefault("purpose", "Förhör med målsägande")
    return http.post(url("request"), data)


def ask_for_pseudonym(http: HttpClient, scene: Scene, met: Encounter, **extra: Any) -> Any:
    """Ask for the pseudonym of the client ``met`` on the scene's shift."""
    return ask(
        http,
        record_type="client",
        shift=scene.shift.pk,
        encounter=met.pk,
        field_names=["pseudonym"],
        **extra,
    )


def approve(
    http: HttpClient, d: Disclosure, record: Any, basis: LegalBasis, fields: list[str], **extra: Any
) -> Any:
    data = {
        "decision": "approve",
        "approve-record": record.pk,
        "approve-field_names": fields,
        "approve-legal_basis": basis.pk,
        "approve-assessment": "Sekretessprövning: uppgifterna får lämnas.",
        **{f"approve-{k}": v for k, v in extra.items()},
    }
    return http.post(url("decide", d.pk), data)


def latest() -> Disclosure:
    d = Disclosure.objects.order_by("-pk").first()
    assert d is not None
    return d


@pytest.fixture
def child_case(
    officer: User,
    encounter: EncounterFactory,
    make_client: ClientFactory,
    make_report: ReportFactory,
) -> tuple[Encounter, Client, CrimeReport]:
    """A child met on the shift, social services' client, and the police's report of 6:9 about her."""
    met = encounter(age_band="under_18")
    client = make_client("Lisa", age=16, encounter=met)
    report = make_report("brb-6-9", buyer_aware_of_age="unknown")
    police.do_add_party(report, encounter=met, kind="injured_party", acting_user=officer)
    return met, client, report


# --- The whole flow, both ways ---------------------------------------------------------------


def test_police_to_social_services_and_back(
    login: Login, scene: Scene, child_case: tuple[Encounter, Client, CrimeReport]
) -> None:
    met, client, report = child_case
    polis, soc = login(scene.officer), login(scene.worker)
    client_page = reverse("support:client_detail", args=[client.pk])
    report_page = reverse("investigations:report_detail", args=[report.pk])

    # The police ask for the client met at the encounter.
    start = polis.get(url("request"))
    assert start.status_code == 200
    assert "Which record" in start.content.decode()
    form = polis.get(url("request"), {"record_type": "client", "shift": str(scene.shift.pk)})
    assert form.status_code == 200
    assert "Under 18" in form.content.decode()
    response = ask(
        polis,
        record_type="client",
        shift=scene.shift.pk,
        encounter=met.pk,
        field_names=["pseudonym", "language", "ages"],
        offence=scene.offences["brb-6-9"].pk,
    )
    d = latest()
    assert response.status_code == 302
    assert response["Location"] == url("detail", d.pk)
    assert d.status == DisclosureStatus.REQUESTED
    assert polis.get(client_page).status_code == 404

    # Social services see the request with their own record resolved, and approve part of it.
    inbox = soc.get(url("inbox")).content.decode()
    assert "Lisa" in inbox
    assert "Förhör med målsägande" in inbox
    page = soc.get(url("detail", d.pk)).content.decode()
    assert "Approve the disclosure" in page
    assert "Lisa" in page
    # Their own record shown on the request is a read, audited.
    assert AuditEvent.objects.filter(
        action="view",
        username=scene.worker.username,
        record_type="client",
        record_id=str(client.pk),
        detail=f"named by disclosure {d.pk}",
    ).exists()
    response = approve(
        soc,
        d,
        client,
        scene.bases["osl-10-21"],
        ["pseudonym", "language"],
        offence=scene.offences["brb-6-9"].pk,
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == DisclosureStatus.APPROVED
    assert polis.get(client_page).status_code == 404  # not before acceptance

    # The police preview exactly what will come, then accept.
    outbox = polis.get(url("outbox")).content.decode()
    assert "Pseudonym" in outbox and "Language" in outbox
    assert "Stated and assessed ages" not in outbox  # asked for, not granted
    assert "OSL 10 kap. 21 §" in outbox
    assert "Lisa" not in outbox
    assert polis.post(url("accept", d.pk)).status_code == 302
    assert "Open the record" in polis.get(url("detail", d.pk)).content.decode()

    asked = polis.get(client_page)
    assert asked.status_code == 200 and "Lisa" not in asked.content.decode()  # why, first
    give_purpose(polis, "client", client.pk)
    shown = polis.get(client_page)
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "Lisa" in html and "rumänska" in html
    assert SECRET_CONTACT not in html
    for absent in ("Identity numbers", "Stated and assessed age", "Consents", ">Encounters<"):
        assert absent not in html

    # And back: social services ask for the crime report about the same encounter.
    start = soc.get(url("request"), {"record_type": "crime_report", "shift": str(scene.shift.pk)})
    assert start.status_code == 200
    response = ask(
        soc,
        record_type="crime_report",
        shift=scene.shift.pk,
        encounter=met.pk,
        field_names=["case_number", "offence", "status", "narrative"],
        purpose="Barnavårdsutredning",
    )
    assert response.status_code == 302
    back = latest()
    assert soc.get(report_page).status_code == 404
    assert report.case_number in polis.get(url("detail", back.pk)).content.decode()
    response = approve(
        polis,
        back,
        report,
        scene.bases["sol-2025-400-orosanmalan"],
        ["case_number", "offence", "status"],
    )
    assert response.status_code == 302
    assert soc.get(report_page).status_code == 404
    assert soc.post(url("accept", back.pk)).status_code == 302
    assert report.case_number not in soc.get(report_page).content.decode()  # why, first
    give_purpose(soc, "crime_report", report.pk)
    html = soc.get(report_page).content.decode()
    assert report.case_number in html
    assert "utnyttjande av barn genom köp av sexuell handling" in html  # BrB 6:9 since 2020
    assert SECRET_NARRATIVE not in html
    assert "What happened" not in html

    trail = list(
        AuditEvent.objects.filter(record_type="disclosure")
        .order_by("seq")
        .values_list("action", "record_id")
    )
    assert [a for a, pk in trail if pk == str(d.pk) and a != "view"] == [
        "create",
        "disclose",
        "disclose",
    ]
    assert [a for a, pk in trail if pk == str(back.pk) and a != "view"] == [
        "create",
        "disclose",
        "disclose",
    ]
    assert (
        AuditEvent.objects.filter(
            action="disclose", record_type="client", record_id=str(client.pk)
        ).count()
        == 2
    )
    assert (
        AuditEvent.objects.filter(
            action="disclose", record_type="crime_report", record_id=str(report.pk)
        ).count()
        == 2
    )


def test_a_case_number_names_a_report_and_an_oral_disclosure_opens_it_at_once(
    login: Login, scene: Scene, child_case: tuple[Encounter, Client, CrimeReport]
) -> None:
    _met, _client, report = child_case
    soc = login(scene.worker)
    response = ask(
        soc,
        record_type="crime_report",
        case_number=report.case_number.lower(),
        field_names=["status"],
    )
    assert response.status_code == 302
    assert latest().case_number == report.case_number

    # The police told the social worker the offence on the spot, and record it afterwards.
    polis = login(scene.officer)
    page = polis.get(url("oral"), {"record_type": "crime_report", "record": str(report.pk)})
    assert page.status_code == 200
    assert report.case_number in page.content.decode()
    social_agency = scene.worker.agency
    assert social_agency is not None
    response = polis.post(
        url("oral"),
        {
            "record_type": "crime_report",
            "record": report.pk,
            "requesting_agency": social_agency.pk,
            "recipient_name": "Socialsekreterare",
            "recipients": [scene.worker.pk],
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "field_names": ["offence", "committed_at"],
            "legal_basis": scene.bases["sol-2025-400-orosanmalan"].pk,
            "purpose": "Barnets skydd",
            "assessment": "Anmälningsskyldighet.",
        },
    )
    assert response.status_code == 302, response.content.decode()
    oral = latest()
    assert oral.made_orally and oral.status == DisclosureStatus.ACCEPTED
    assert list(oral.recipients.all()) == [scene.worker]
    give_purpose(soc, "crime_report", report.pk)
    html = soc.get(reverse("investigations:report_detail", args=[report.pk])).content.decode()
    assert "utnyttjande av barn genom köp av sexuell handling" in html
    assert report.case_number not in html  # not granted orally
    assert '<span class="badge">Oral</span>' in soc.get(url("outbox")).content.decode()


def test_an_oral_disclosure_named_by_an_encounter(login: Login, scene: Scene) -> None:
    met = scene.encounter()
    client = scene.make_client(encounter=met, consent=True)
    police_agency = scene.officer.agency
    assert police_agency is not None
    soc = login(scene.worker)
    assert (
        soc.get(url("oral"), {"record_type": "client", "shift": str(scene.shift.pk)}).status_code
        == 200
    )
    response = soc.post(
        url("oral"),
        {
            "record_type": "client",
            "shift": scene.shift.pk,
            "encounter": met.pk,
            "requesting_agency": police_agency.pk,
            "recipients": [scene.officer.pk],
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "field_names": ["pseudonym"],
            "legal_basis": scene.bases["osl-12-2"].pk,
            "purpose": "Identifiering",
            "assessment": "Samtycke.",
        },
    )
    assert response.status_code == 302, response.content.decode()
    polis = login(scene.officer)
    give_purpose(polis, "client", client.pk)
    assert (
        client.pseudonym
        in polis.get(reverse("support:client_detail", args=[client.pk])).content.decode()
    )
    # Only the person told: a second police user of the region gets 404.
    other = login(User.objects.get(username="polis.utredare"))
    assert other.get(reverse("support:client_detail", args=[client.pk])).status_code == 404


# --- Refusals and invalid bases -------------------------------------------------------------


def test_a_request_naming_nothing_is_refused_by_the_owner(login: Login, scene: Scene) -> None:
    client = scene.make_client()  # exists, but was not the person met
    met = scene.encounter()
    polis, soc = login(scene.officer), login(scene.worker)
    assert ask_for_pseudonym(polis, scene, met).status_code == 302
    d = latest()
    assert "No matching record" in soc.get(url("inbox")).content.decode()
    page = soc.get(url("detail", d.pk)).content.decode()
    assert "None of your agency's records matches" in page
    assert "Approve the disclosure" not in page
    response = soc.post(
        url("decide", d.pk), {"decision": "refuse", "refuse-refusal_kind": "no_record"}
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == DisclosureStatus.REFUSED
    assert "No record to disclose" in polis.get(url("detail", d.pk)).content.decode()
    assert polis.get(reverse("support:client_detail", args=[client.pk])).status_code == 404
    # Once answered, it cannot be answered again.
    again = soc.post(
        url("decide", d.pk),
        {"decision": "refuse", "refuse-refusal_kind": "no_basis", "refuse-reason": "x"},
    )
    assert again.status_code == 302
    d.refresh_from_db()
    assert d.refusal_kind == "no_record"


def test_an_invalid_basis_is_refused_with_a_clear_message_and_nothing_written(
    login: Login, scene: Scene
) -> None:
    met = scene.encounter()
    client = scene.make_client(age=30, encounter=met)
    polis, soc = login(scene.officer), login(scene.worker)
    ask_for_pseudonym(polis, scene, met, offence=scene.offences["brb-6-11"].pk)
    d = latest()
    events = AuditEvent.objects.exclude(action__in=["view", "list"]).count()

    response = approve(
        soc,
        d,
        client,
        scene.bases["osl-10-23"],
        ["pseudonym"],
        offence=scene.offences["brb-6-11"].pk,
    )
    assert response.status_code == 400
    assert "minimum penalty is at least one year" in response.content.decode()
    response = approve(soc, d, client, scene.bases["osl-12-2"], ["pseudonym"])
    assert response.status_code == 400
    assert "consent" in response.content.decode()
    # A basis for the other direction is not even offered.
    response = approve(soc, d, client, scene.bases["sol-2025-400-orosanmalan"], ["pseudonym"])
    assert response.status_code == 400
    assert "Choose a legal basis from the list." in response.content.decode()

    d.refresh_from_db()
    assert d.status == DisclosureStatus.REQUESTED
    assert AuditEvent.objects.exclude(action__in=["view", "list"]).count() == events


# --- Bad input ---------------------------------------------------------------------------------


def test_tampered_input_gets_a_message_never_an_error(login: Login, scene: Scene) -> None:
    met = scene.encounter()
    client = scene.make_client(encounter=met, consent=True)
    other = scene.make_client("Annan", serial="234", consent=True)
    polis, soc = login(scene.officer), login(scene.worker)

    cases: list[tuple[dict[str, Any], str]] = [
        (
            {
                "record_type": "client",
                "shift": scene.shift.pk,
                "encounter": met.pk,
                "field_names": ["narrative"],
            },
            "Choose fields from the list.",
        ),
        (
            {
                "record_type": "client",
                "shift": scene.shift.pk,
                "encounter": 10**9,
                "field_names": ["pseudonym"],
            },
            "Choose an encounter from the list.",
        ),
        (
            {"record_type": "client", "shift": "x", "encounter": "y", "field_names": ["pseudonym"]},
            "Choose the encounter.",
        ),
        (
            {
                "record_type": "client",
                "shift": scene.shift.pk,
                "encounter": met.pk,
                "field_names": ["pseudonym"],
                "purpose": " ",
            },
            "This field is required.",
        ),
        (
            {"record_type": "crime_report", "case_number": "nonsense", "field_names": ["status"]},
            "Choose a kind of record",
        ),
        (
            {
                "record_type": "suspect",
                "shift": scene.shift.pk,
                "encounter": met.pk,
                "field_names": ["name"],
            },
            "Choose a kind of record",
        ),
    ]
    for data, message in cases:
        response = ask(polis, **data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), (data, response.content.decode())
    soc_cases: list[tuple[dict[str, Any], str]] = [
        (
            {"record_type": "crime_report", "case_number": "nonsense", "field_names": ["status"]},
            "Enter the case number",
        ),
        (
            {
                "record_type": "crime_report",
                "case_number": "K1-26",
                "field_names": ["status"],
                "owning_agency": 10**9,
            },
            "Choose an agency from the list.",
        ),
    ]
    for data, message in soc_cases:
        response = ask(soc, **data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), (data, response.content.decode())
    assert not Disclosure.objects.exists()

    ask_for_pseudonym(polis, scene, met)
    d = latest()
    response = approve(soc, d, other, scene.bases["osl-12-2"], ["pseudonym"])
    assert response.status_code == 400
    assert "Choose one of the records the request names." in response.content.decode()
    response = approve(soc, d, client, scene.bases["osl-12-2"], ["pseudonym", "contact"])
    assert response.status_code == 400
    assert "Only fields that were asked for can be granted." in response.content.decode()
    response = soc.post(
        url("decide", d.pk),
        {"decision": "approve", "approve-record": "x", "approve-legal_basis": "x"},
    )
    assert response.status_code == 400
    response = soc.post(url("decide", d.pk), {"decision": "maybe"})
    assert response.status_code == 400
    assert "Choose to approve or to refuse." in response.content.decode()
    response = soc.post(url("decide", d.pk), {"decision": "refuse", "refuse-refusal_kind": "other"})
    assert response.status_code == 400
    assert "Explain the refusal" in response.content.decode()
    d.refresh_from_db()
    assert d.status == DisclosureStatus.REQUESTED
    assert polis.get(url("detail", 10**9)).status_code == 404
    assert polis.get("/utlamnanden/abc/").status_code == 404
    # An accept of a request not yet decided: a message, nothing changed.
    response = polis.post(url("accept", d.pk), follow=True)
    assert "cannot be accepted" in response.content.decode()
    d.refresh_from_db()
    assert d.status == DisclosureStatus.REQUESTED


def test_the_start_pages_ask_for_what_is_missing(login: Login, scene: Scene) -> None:
    polis = login(scene.officer)
    response = polis.get(url("request"), {"record_type": "client"})
    assert response.status_code == 400
    assert "Choose the shift where the person was met." in response.content.decode()
    response = polis.get(url("request"), {"record_type": "crime_report"})
    assert response.status_code == 400  # the police hold crime reports themselves
    assert polis.get(url("request"), {"record_type": "client", "shift": "abc"}).status_code == 400
    soc = login(scene.worker)
    assert (
        soc.get(url("request"), {"record_type": "crime_report"}).status_code == 200
    )  # by case number
    assert soc.get(url("oral"), {"record_type": "client", "record": "abc"}).status_code == 400
    assert soc.get(url("oral")).status_code == 200


# --- Who may see and do what ------------------------------------------------------------------


@pytest.fixture
def requested(
    login: Login,
    officer: User,
    shift: Shift,
    encounter: EncounterFactory,
    make_client: ClientFactory,
) -> Disclosure:
    met = encounter()
    make_client(encounter=met, consent=True)
    ask(
        login(officer),
        record_type="client",
        shift=shift.pk,
        encounter=met.pk,
        field_names=["pseudonym"],
    )
    return latest()


@pytest.mark.parametrize("username", [*OUTSIDERS, *NOT_CASE_ROLES, "polis.chef", "soc.chef"])
def test_a_disclosure_is_hidden_from_everyone_but_the_two_agencies(
    login: Login, personas: dict[str, User], requested: Disclosure, username: str
) -> None:
    http = login(personas[username])
    assert http.get(url("detail", requested.pk)).status_code == 404
    for name in ("decide", "accept", "withdraw"):
        assert (
            http.post(
                url(name, requested.pk), {"decision": "refuse", "refuse-refusal_kind": "no_record"}
            ).status_code
            == 404
        )
    requested.refresh_from_db()
    assert requested.status == DisclosureStatus.REQUESTED
    assert AuditEvent.objects.filter(
        username=username, action="denied", record_type="disclosure"
    ).exists()


@pytest.mark.parametrize("username", NOT_CASE_ROLES)
def test_roles_without_cases_get_404_on_every_page(
    login: Login, personas: dict[str, User], username: str
) -> None:
    http = login(personas[username])
    for name in ("inbox", "outbox", "request", "oral", "counts"):
        assert http.get(url(name)).status_code == 404, name


def test_outsiders_see_nothing_of_another_collaboration(
    login: Login, personas: dict[str, User], requested: Disclosure
) -> None:
    for username in OUTSIDERS:
        http = login(personas[username])
        for name in ("inbox", "outbox"):
            response = http.get(url(name))
            assert response.status_code == 200
            assert "Förhör med målsägande" not in response.content.decode()
            assert url("detail", requested.pk) not in response.content.decode()


def test_managers_see_counts_only(
    login: Login, personas: dict[str, User], requested: Disclosure
) -> None:
    for username in ("soc.chef", "polis.chef"):
        http = login(personas[username])
        response = http.get(url("counts"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "By status" in html
        assert "Förhör med målsägande" not in html
        assert url("detail", requested.pk) not in html
        for name in ("inbox", "outbox", "request", "oral"):
            assert http.get(url(name)).status_code == 404
    received = login(personas["soc.chef"]).get(url("counts")).context["rows"]
    assert {row["received"] for row in received if row["label"] == "Requested"} == {1}
    for username in ("polis.inre", "soc.handlaggare", *NOT_CASE_ROLES, *OUTSIDERS):
        assert login(personas[username]).get(url("counts")).status_code == 404


def test_the_wrong_side_gets_403(
    login: Login, officer: User, worker: User, requested: Disclosure
) -> None:
    polis, soc = login(officer), login(worker)
    response = polis.post(
        url("decide", requested.pk), {"decision": "refuse", "refuse-refusal_kind": "no_record"}
    )
    assert response.status_code == 403
    assert soc.post(url("accept", requested.pk)).status_code == 403
    assert soc.post(url("withdraw", requested.pk)).status_code == 403
    requested.refresh_from_db()
    assert requested.status == DisclosureStatus.REQUESTED


def test_the_requester_withdraws(
    login: Login, personas: dict[str, User], requested: Disclosure
) -> None:
    response = login(personas["polis.analytiker"]).post(url("withdraw", requested.pk))
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.status == DisclosureStatus.WITHDRAWN
    page = login(personas["soc.handlaggare"]).get(url("detail", requested.pk)).content.decode()
    assert "Withdrawn by the requester" in page
    assert "Approve the disclosure" not in page


def test_wrong_methods_get_405(login: Login, officer: User, requested: Disclosure) -> None:
    polis = login(officer)
    for name in ("decide", "accept", "withdraw"):
        assert polis.get(url(name, requested.pk)).status_code == 405
    for name in ("inbox", "outbox", "counts"):
        assert polis.post(url(name)).status_code == 405
    assert polis.post(url("detail", requested.pk)).status_code == 405
    assert polis.put(url("request")).status_code == 405
    assert polis.delete(url("oral")).status_code == 405


def test_the_inbox_does_not_run_a_query_per_request(login: Login, scene: Scene) -> None:
    polis, soc = login(scene.officer), login(scene.worker)

    def add(n: int) -> None:
        for i in range(n):
            met = scene.encounter(minutes_ago=10 + i)
            scene.make_client(f"Klient {met.pk}", serial=f"{met.pk % 1000:03d}", encounter=met)
            ask_for_pseudonym(polis, scene, met)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert soc.get(url("inbox")).status_code == 200
        return len(queries)

    add(2)
    few = count()
    add(4)
    assert count() == few
