"""Need-to-know: a disclosure reaches the persons it names (or the requester's unit), for a
period; reading a secret record asks for a purpose; the owner's auditors see every read.

Each rule through the actions and through HTTP.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import Membership, User
from samverkan.accounts.policy import RecordType
from samverkan.audit.models import AuditEvent
from samverkan.jobs.tests import exporting
from samverkan.legal.models import LegalBasis
from samverkan.operations.models import Encounter, Shift
from samverkan.sharing import gate
from samverkan.sharing.actions import (
    do_accept_disclosure,
    do_decide_disclosure,
    do_request_disclosure,
)
from samverkan.sharing.models import MAX_PERIOD, Disclosure, DisclosureStatus, Reach
from samverkan.sharing.purposes import REMEMBER
from samverkan.support import actions as social
from samverkan.support.models import Client

from .conftest import ClientFactory, EncounterFactory, Login, Scene, give_purpose

pytestmark = pytest.mark.django_db

POLICE = "polisregion-stockholm"
PURPOSE = "Förundersökning K100001-26, förhör med målsägande"


def ask(officer: User, worker: User, met: Encounter, **kw: Any) -> Disclosure:
    owner = worker.agency
    assert owner is not None
    return do_request_disclosure(
        owning_agency=owner,
        record_type="client",
        fields=["pseudonym", "language"],
        purpose="Förhör med målsägande",
        encounter=met,
        acting_user=officer,
        **kw,
    )


def approve(
    d: Disclosure, worker: User, basis: LegalBasis, client: Client, **kw: Any
) -> Disclosure:
    return do_decide_disclosure(
        d,
        approve=True,
        record_id=client.pk,
        legal_basis=basis,
        fields=d.fields_requested,
        assessment="Samtycke finns.",
        acting_user=worker,
        **kw,
    )


@pytest.fixture
def rosa(encounter: EncounterFactory, make_client: ClientFactory) -> tuple[Encounter, Client]:
    met = encounter()
    return met, make_client("Rosa Need", encounter=met, consent=True)


@pytest.fixture
def rosa_disclosed(scene: Scene, rosa: tuple[Encounter, Client]) -> Client:
    """Rosa's pseudonym and language, disclosed to the officer on her consent and accepted."""
    met, client = rosa
    do_accept_disclosure(
        approve(
            ask(scene.officer, scene.worker, met), scene.worker, scene.bases["osl-12-2"], client
        ),
        acting_user=scene.officer,
    )
    return client


# --- Who the grant reaches (actions) --------------------------------------------------------


def test_the_requester_and_the_named_colleague_read_it_and_nobody_else_of_the_region(
    scene: Scene, rosa: tuple[Encounter, Client]
) -> None:
    met, client = rosa
    d = ask(scene.officer, scene.worker, met, colleagues_named=[scene.utredare])
    assert set(d.recipients.all()) == {scene.officer, scene.utredare}
    d = do_accept_disclosure(
        approve(d, scene.worker, scene.bases["osl-12-2"], client), acting_user=scene.officer
    )
    assert d.reach == Reach.PERSONS
    assert d.valid_until == timezone.localdate() + dt.timedelta(days=90)
    for reader in (scene.officer, scene.utredare):
        assert gate.grants(reader, RecordType.CLIENT) == {
            client.pk: frozenset({"pseudonym", "language"})
        }
        assert list(Client.objects.visible_to(reader)) == [client]
    # A second police user of the same region, not named: nothing, anywhere.
    assert gate.grants(scene.analytiker, RecordType.CLIENT) == {}
    assert not Client.objects.visible_to(scene.analytiker).exists()
    assert gate.read_many(scene.analytiker, RecordType.CLIENT) == []
    with pytest.raises(Http404):
        gate.read(scene.analytiker, RecordType.CLIENT, client.pk, purpose="Nyfiken")
    denied = AuditEvent.objects.get(
        username=scene.analytiker.username, action="denied", record_type="client"
    )
    # The refused read names the owner, so that social services' auditors see it.
    assert denied.detail.startswith("owner=stockholms-stad; ")


def test_a_disclosed_read_without_a_purpose_shows_nothing(
    scene: Scene, rosa_disclosed: Client
) -> None:
    client = rosa_disclosed
    before = AuditEvent.objects.filter(
        action="view", record_type="client", username=scene.officer.username
    ).count()
    with pytest.raises(gate.PurposeRequired):
        gate.read(scene.officer, RecordType.CLIENT, client.pk, purpose="  ")
    assert (
        AuditEvent.objects.filter(
            action="view", record_type="client", username=scene.officer.username
        ).count()
        == before
    )
    projection = gate.read(scene.officer, RecordType.CLIENT, client.pk, purpose=PURPOSE)
    assert projection.title == "Rosa Need"
    event = AuditEvent.objects.filter(
        action="view", record_type="client", username=scene.officer.username
    ).latest("seq")
    assert event.purpose == PURPOSE
    assert event.detail.startswith("owner=stockholms-stad; ")


def test_the_owner_narrows_the_named_persons_and_the_requester_always_stays(
    scene: Scene, rosa: tuple[Encounter, Client]
) -> None:
    met, client = rosa
    d = ask(scene.officer, scene.worker, met, colleagues_named=[scene.utredare])
    with pytest.raises(ValidationError, match="Only persons named in the request"):
        approve(d, scene.worker, scene.bases["osl-12-2"], client, recipients=[scene.analytiker])
    d = approve(d, scene.worker, scene.bases["osl-12-2"], client, recipients=[])
    assert list(d.recipients.all()) == [scene.officer]
    do_accept_disclosure(d, acting_user=scene.officer)
    assert client.pk in gate.grants(scene.officer, RecordType.CLIENT)
    assert gate.grants(scene.utredare, RecordType.CLIENT) == {}
    event = (
        AuditEvent.objects.filter(action="disclose", record_type="disclosure")
        .order_by("seq")
        .first()
    )
    assert event is not None
    assert f"reaches persons {scene.officer.pk}" in event.detail
    assert (
        f"asked for {min(scene.officer.pk, scene.utredare.pk)},{max(scene.officer.pk, scene.utredare.pk)}"
        in event.detail
    )


def test_only_colleagues_of_the_own_agency_who_read_disclosures_can_be_named(
    officer: User,
    worker: User,
    personas: dict[str, User],
    rosa: tuple[Encounter, Client],
) -> None:
    met, _client = rosa
    for outsider in ("vast.polis", "soc.handlaggare", "polis.samordnare", "polis.granskare"):
        with pytest.raises(ValidationError, match="Choose colleagues from the list"):
            ask(officer, worker, met, colleagues_named=[personas[outsider]])
    assert not Disclosure.objects.exists()


def test_the_owner_can_grant_it_to_the_requesters_unit(
    scene: Scene, rosa: tuple[Encounter, Client]
) -> None:
    met, client = rosa
    d = ask(scene.officer, scene.worker, met)
    with pytest.raises(ValidationError, match="belongs to no unit"):
        approve(d, scene.worker, scene.bases["osl-12-2"], client, reach=Reach.UNIT)
    Membership.objects.filter(user__in=[scene.officer, scene.analytiker]).update(
        unit="Prostitutionsgruppen"
    )
    Membership.objects.filter(user=scene.utredare).update(unit="Grova brott")
    for user in (scene.officer, scene.analytiker, scene.utredare):
        user.__dict__.pop("membership", None)
    d = approve(d, scene.worker, scene.bases["osl-12-2"], client, reach=Reach.UNIT)
    assert d.granted_unit == "Prostitutionsgruppen"
    do_accept_disclosure(d, acting_user=scene.officer)
    assert client.pk in gate.grants(scene.analytiker, RecordType.CLIENT)
    assert gate.grants(scene.utredare, RecordType.CLIENT) == {}


def test_the_grant_lapses_after_its_period(scene: Scene, rosa: tuple[Encounter, Client]) -> None:
    met, client = rosa
    today = timezone.localdate()
    d = ask(scene.officer, scene.worker, met)
    with pytest.raises(ValidationError, match="cannot be in the past"):
        approve(
            d,
            scene.worker,
            scene.bases["osl-12-2"],
            client,
            valid_until=today - dt.timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="at most 365 days"):
        approve(
            d,
            scene.worker,
            scene.bases["osl-12-2"],
            client,
            valid_until=today + MAX_PERIOD + dt.timedelta(days=1),
        )
    d = approve(
        d, scene.worker, scene.bases["osl-12-2"], client, valid_until=today + dt.timedelta(days=5)
    )
    d = do_accept_disclosure(d, acting_user=scene.officer)
    assert d.is_current()
    assert client.pk in gate.grants(scene.officer, RecordType.CLIENT)
    with time_machine.travel(timezone.now() + dt.timedelta(days=6)):
        assert gate.grants(scene.officer, RecordType.CLIENT) == {}
        assert not Client.objects.visible_to(scene.officer).exists()
        d.refresh_from_db()
        assert d.has_lapsed


def test_a_disclosure_whose_period_ended_cannot_be_accepted(
    scene: Scene, rosa: tuple[Encounter, Client]
) -> None:
    met, client = rosa
    d = approve(
        ask(scene.officer, scene.worker, met),
        scene.worker,
        scene.bases["osl-12-2"],
        client,
        valid_until=timezone.localdate(),
    )
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=2)),
        pytest.raises(ValidationError, match="period the disclosure was granted for has ended"),
    ):
        do_accept_disclosure(d, acting_user=scene.officer)
    d.refresh_from_db()
    assert d.status == DisclosureStatus.APPROVED


# --- Through HTTP ------------------------------------------------------------------------------


def _request_over_http(
    login: Login, officer: User, shift: Shift, met: Encounter, colleagues: list[User]
) -> Disclosure:
    polis = login(officer)
    form = polis.get(reverse("sharing:request"), {"record_type": "client", "shift": str(shift.pk)})
    assert form.status_code == 200
    assert "Colleagues on the same case" in form.content.decode()
    response = polis.post(
        reverse("sharing:request"),
        {
            "record_type": "client",
            "shift": shift.pk,
            "encounter": met.pk,
            "field_names": ["pseudonym", "language"],
            "purpose": "Förhör med målsägande",
            "colleagues": [c.pk for c in colleagues],
        },
    )
    assert response.status_code == 302, response.content.decode()
    return Disclosure.objects.latest("pk")


def test_over_http_a_second_police_user_cannot_read_a_client_disclosed_to_the_first(
    login: Login, scene: Scene, rosa: tuple[Encounter, Client]
) -> None:
    met, client = rosa
    d = _request_over_http(
        login, scene.officer, scene.shift, met, [scene.utredare, scene.analytiker]
    )
    soc = login(scene.worker)
    page = soc.get(reverse("sharing:detail", args=[d.pk])).content.decode()
    assert (
        scene.utredare.display_name in page and scene.analytiker.display_name in page
    )  # the owner sees them
    until = timezone.localdate() + dt.timedelta(days=30)
    response = soc.post(
        reverse("sharing:decide", args=[d.pk]),
        {
            "decision": "approve",
            "approve-record": client.pk,
            "approve-field_names": ["pseudonym"],
            "approve-legal_basis": scene.bases["osl-12-2"].pk,
            "approve-assessment": "Samtycke.",
            "approve-recipients": [scene.utredare.pk],  # the analyst is left out
            "approve-reach": "persons",
            "approve-valid_until": until.isoformat(),
        },
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert set(d.recipients.all()) == {scene.officer, scene.utredare}
    assert d.valid_until == until
    polis = login(scene.officer)
    assert polis.post(reverse("sharing:accept", args=[d.pk])).status_code == 302
    detail = polis.get(reverse("sharing:detail", args=[d.pk])).content.decode()
    assert until.isoformat() in detail and scene.utredare.display_name in detail

    url = reverse("support:client_detail", args=[client.pk])
    # The analyst, named by the requester but left out by the owner, and the officer's other
    # colleagues: 404, audited as denied; the list shows nothing either.
    for other in (scene.analytiker, User.objects.get(username="polis.samordnare")):
        http = login(other)
        assert http.get(url).status_code == 404
    http = login(scene.analytiker)
    assert "Rosa Need" not in http.post(reverse("support:client_list"), {"q": ""}).content.decode()
    give_purpose(http, "client", client.pk)
    assert http.get(url).status_code == 404
    assert AuditEvent.objects.filter(
        username=scene.analytiker.username,
        action="denied",
        record_type="client",
        record_id=str(client.pk),
    ).exists()

    # The named colleague: the question first, then the record, the purpose in the log.
    colleague = login(scene.utredare)
    asked = colleague.get(url)
    assert asked.status_code == 200
    assert "Rosa Need" not in asked.content.decode()
    assert "Why do you read this record?" in asked.content.decode()
    give_purpose(colleague, "client", client.pk, PURPOSE)
    shown = colleague.get(url)
    assert shown.status_code == 200 and "Rosa Need" in shown.content.decode()
    # Remembered for the hour: no second question.
    again = colleague.get(url)
    assert "Rosa Need" in again.content.decode()
    reads = AuditEvent.objects.filter(
        username=scene.utredare.username, action="view", record_type="client"
    )
    assert [e.purpose for e in reads] == [PURPOSE, PURPOSE]
    with time_machine.travel(timezone.now() + REMEMBER + dt.timedelta(minutes=1)):
        assert "Rosa Need" not in login(scene.utredare).get(url).content.decode()

    # After the period nobody reads it.
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        for reader in (scene.officer, scene.utredare):
            http = login(reader)
            give_purpose(http, "client", client.pk)
            assert http.get(url).status_code == 404
        assert (
            "has ended"
            in login(scene.officer).get(reverse("sharing:detail", args=[d.pk])).content.decode()
        )


def test_a_purpose_is_required_and_checked(
    login: Login, scene: Scene, rosa_disclosed: Client
) -> None:
    client = rosa_disclosed
    polis = login(scene.officer)
    purpose_url = reverse("sharing:purpose")
    empty = polis.post(purpose_url, {"record_type": "client", "record": client.pk, "purpose": "  "})
    assert empty.status_code == 400
    assert "Say why you need to read the record." in empty.content.decode()
    assert "Rosa Need" not in empty.content.decode()
    long = polis.post(
        purpose_url, {"record_type": "client", "record": client.pk, "purpose": "x" * 301}
    )
    assert long.status_code == 400
    for bad in (
        {"record_type": "audit_event", "record": client.pk},
        {"record_type": "client", "record": "x"},
    ):
        assert polis.post(purpose_url, {**bad, "purpose": "p"}).status_code == 404
    assert polis.get(purpose_url).status_code == 405
    assert (
        "Rosa Need"
        not in polis.get(reverse("support:client_detail", args=[client.pk])).content.decode()
    )


def test_a_protected_identity_client_asks_its_own_social_worker_for_a_purpose(
    login: Login, worker: User
) -> None:
    client, _ = social.do_create_client(
        pseudonym="Skyddad Stina",
        identifier_kind="none",
        identifier_value="",
        stated_age=30,
        language="svenska",
        contact="Skyddad adress",
        protected_identity=True,
        acting_user=worker,
    )
    http = login(worker)
    url = reverse("support:client_detail", args=[client.pk])
    asked = http.get(url)
    assert asked.status_code == 200
    assert "Skyddad adress" not in asked.content.decode()
    assert "Skyddad Stina" not in asked.content.decode()
    give_purpose(http, "client", client.pk, "Uppföljning av stödsamtal")
    shown = http.get(url)
    assert "Skyddad adress" in shown.content.decode()
    event = AuditEvent.objects.filter(
        username=worker.username, action="view", record_type="client"
    ).latest("seq")
    assert event.purpose == "Uppföljning av stödsamtal"


def test_the_owners_auditor_sees_every_read_of_its_records(
    login: Login, personas: dict[str, User], scene: Scene, rosa_disclosed: Client
) -> None:
    client = rosa_disclosed
    polis = login(scene.officer)
    give_purpose(polis, "client", client.pk, PURPOSE)
    assert polis.get(reverse("support:client_detail", args=[client.pk])).status_code == 200
    polis.post(reverse("support:client_list"), {"q": ""})
    assert (
        login(scene.analytiker).get(reverse("support:client_detail", args=[client.pk])).status_code
        == 404
    )

    auditor = login(personas["soc.granskare"])
    page = auditor.get(
        reverse("audit:event_list"), {"record_type": "client", "record_id": str(client.pk)}
    )
    assert page.status_code == 200
    events = list(page.context["page"].object_list)
    police_events = [e for e in events if e.agency_id == scene.officer.agency.pk]  # type: ignore[union-attr]
    assert {e.action for e in police_events} == {"view", "denied"}
    html = page.content.decode()
    assert PURPOSE in html
    assert "Another agency's user" in html
    assert scene.officer.username not in html and scene.analytiker.username not in html
    # The list of disclosed clients is there too, under the owner.
    listed = auditor.get(reverse("audit:event_list"), {"record_type": "client", "action": "list"})
    assert any(e.agency_id == scene.officer.agency.pk for e in listed.context["page"].object_list)  # type: ignore[union-attr]
    # A name search does not reach the other agency's events.
    named = auditor.get(reverse("audit:event_list"), {"user": "polis"})
    assert list(named.context["page"].object_list) == []

    export = exporting.download(auditor, reverse("jobs:audit_export"), {"record_type": "client"})
    body = exporting.body(export).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    theirs = [r for r in rows if r["agency"] == POLICE]
    assert {r["action"] for r in theirs} >= {"view", "denied", "list"}
    assert all(r["username"] == "" and r["user_id"] == "" and r["client_ip"] == "" for r in theirs)
    assert any(r["purpose"] == PURPOSE for r in theirs)

    # The police's own auditor sees their users by name, as before; another region's nothing.
    police_auditor = login(personas["polis.granskare"])
    own = police_auditor.get(
        reverse("audit:event_list"), {"record_type": "client"}
    ).content.decode()
    assert scene.officer.username in own
