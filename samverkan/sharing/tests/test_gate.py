"""The disclosure gate: a disclosed read hands pages projections, never the other agency's records.

Canary values sit in every field of the owner's record; only the granted ones
may reach the recipient's page, and no model instance of the owning agency's
records may reach a template context at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.accounts.policy import RecordType
from samverkan.audit.models import AuditEvent
from samverkan.investigations import models as police_models
from samverkan.legal.models import LegalBasis
from samverkan.sharing import gate
from samverkan.sharing.actions import do_record_oral_disclosure
from samverkan.support import actions as social
from samverkan.support import models as social_models

from .conftest import SECRET_CONTACT, ClientFactory, EncounterFactory, Login, Scene, give_purpose

pytestmark = pytest.mark.django_db

AGENCY_MODULES = (social_models, police_models)
CANARY_NOTE = "KANARIE-STÖDANTECKNING"
CANARY_REFERRAL = "KANARIE-LÄNKNING"


def _agency_models() -> tuple[type[models.Model], ...]:
    found = []
    for module in AGENCY_MODULES:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, models.Model)
                and value.__module__ == module.__name__
                and not value._meta.abstract
            ):
                found.append(value)
    return tuple(found)


def _walk(value: Any, seen: set[int]) -> Iterator[Any]:
    if id(value) in seen:
        return
    seen.add(id(value))
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _walk(item, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name), seen)


def leaked_instances(response: Any, owned: Iterable[type[models.Model]]) -> list[str]:
    """Every instance of ``owned`` models anywhere in the response's template contexts."""
    kinds = tuple(owned)
    leaks: list[str] = []
    contexts = getattr(response, "context", None) or []
    for context in contexts:
        for value in _walk(context.flatten(), set()):
            if isinstance(value, kinds):
                leaks.append(f"{type(value).__name__} {value.pk}")
    return leaks


def test_a_model_instance_in_a_context_is_caught(
    login: Login, worker: User, make_client: ClientFactory
) -> None:
    """The check itself: the owner's own client page carries the Client (and must be flagged)."""
    client = make_client()
    response = login(worker).get(reverse("support:client_detail", args=[client.pk]))
    assert response.status_code == 200
    assert leaked_instances(response, _agency_models())


@pytest.fixture
def disclosed_client(
    officer: User,
    worker: User,
    encounter: EncounterFactory,
    make_client: ClientFactory,
    bases: dict[str, LegalBasis],
) -> social_models.Client:
    """A client with canaries everywhere, of whom only the pseudonym and a support entry were told."""
    client = make_client("Kanarie Rosa", encounter=encounter(), consent=True)
    action = social.do_record_support_action(
        client,
        kind="informed",
        happened_on=timezone.localdate(),
        note=CANARY_NOTE,
        acting_user=worker,
    )
    police_agency = officer.agency
    assert police_agency is not None
    for record_type, record_id, fields in (
        ("client", client.pk, ["pseudonym"]),
        ("support_action", action.pk, ["entry"]),
    ):
        do_record_oral_disclosure(
            requesting_agency=police_agency,
            record_type=record_type,
            record_id=record_id,
            fields=fields,
            legal_basis=bases["osl-12-2"],
            assessment="Samtycke finns.",
            purpose="Identifiering på plats",
            occurred_at=timezone.now() - dt.timedelta(minutes=5),
            recipient_name="Polisinspektör",
            recipients=[officer],
            acting_user=worker,
        )
    return client


def test_the_police_read_a_disclosed_client_as_a_projection(
    login: Login, officer: User, disclosed_client: social_models.Client
) -> None:
    http = login(officer)
    url = reverse("support:client_detail", args=[disclosed_client.pk])
    asked = http.get(url)
    # A purpose first: the question, and nothing of the record.
    assert asked.status_code == 200
    assert "Kanarie Rosa" not in asked.content.decode()
    assert CANARY_NOTE not in asked.content.decode()
    assert leaked_instances(asked, _agency_models()) == []
    give_purpose(http, "client", disclosed_client.pk, "Förundersökning K1-26")
    detail = http.get(url)
    listing = http.post(reverse("support:client_list"), {"q": ""})
    for response in (detail, listing):
        assert response.status_code == 200
        page = response.content.decode()
        assert "Kanarie Rosa" in page
        assert SECRET_CONTACT not in page and "rumänska" not in page
        assert leaked_instances(response, _agency_models()) == []
    page = detail.content.decode()
    assert CANARY_NOTE in page  # the support entry was disclosed as a whole
    projection = detail.context["projection"]
    assert projection.names == {"pseudonym"}
    assert AuditEvent.objects.filter(
        username=officer.username,
        action="view",
        record_type="client",
        record_id=str(disclosed_client.pk),
        purpose="Förundersökning K1-26",
    ).exists()


def test_a_record_never_disclosed_is_404_and_audited_as_denied(
    login: Login, officer: User, make_client: ClientFactory
) -> None:
    hidden = make_client("Aldrig Utlämnad")
    response = login(officer).get(reverse("support:client_detail", args=[hidden.pk]))
    assert response.status_code == 404
    assert "Aldrig Utlämnad" not in response.content.decode()
    denied = AuditEvent.objects.get(
        username=officer.username, action="denied", record_type="client", record_id=str(hidden.pk)
    )
    # Not marked with its owner: the police's own auditors must not learn that it exists.
    assert denied.detail == "disclosed read"


def test_read_many_projects_only_granted_fields(
    officer: User, disclosed_client: social_models.Client
) -> None:
    [projection] = gate.read_many(officer, RecordType.CLIENT)
    assert projection.pk == disclosed_client.pk
    assert [f.name for f in projection.fields] == ["pseudonym"]
    assert projection.value("contact") is None
    # The social worker owns the record: nothing reaches them through the gate.
    assert gate.read_many(disclosed_client.created_by, RecordType.CLIENT) == []


def test_the_minors_list_on_the_results_page_is_the_owners_and_audited(
    login: Login, scene: Scene
) -> None:
    child = scene.make_client(
        "Kanarie Barn", age=15, encounter=scene.encounter(age_band="under_18"), consent=True
    )
    police_agency = scene.officer.agency
    assert police_agency is not None
    do_record_oral_disclosure(
        requesting_agency=police_agency,
        record_type="client",
        record_id=child.pk,
        fields=["pseudonym"],
        legal_basis=scene.bases["osl-10-21"],
        assessment="Barn i prostitution.",
        purpose="Utredning",
        occurred_at=timezone.now() - dt.timedelta(minutes=5),
        recipient_name="Polisinspektör",
        recipients=[scene.officer],
        acting_user=scene.worker,
        offence=scene.offences["brb-6-9"],
    )
    url = reverse("reports:results") + f"?year={timezone.localdate().year}"
    police_page = login(scene.officer).get(url)
    assert police_page.status_code == 200
    assert police_page.context["missing"] is None
    assert "Kanarie Barn" not in police_page.content.decode()

    social_page = login(scene.worker).get(url)
    assert social_page.status_code == 200
    missing = social_page.context["missing"]
    assert [row["client"].pk for row in missing] == [child.pk]
    assert AuditEvent.objects.filter(
        username=scene.worker.username,
        action="view",
        record_type="client",
        record_id=str(child.pk),
        detail="minor without a referral",
    ).exists()
    assert AuditEvent.objects.filter(
        username=scene.worker.username, action="list", record_type="encounter"
    ).exists()


def test_a_police_user_the_disclosure_does_not_name_gets_no_canary(
    login: Login, personas: dict[str, User], disclosed_client: social_models.Client
) -> None:
    """Disclosed to the officer told, not to the region: the investigator reads nothing of it."""
    other = personas["polis.utredare"]
    http = login(other)
    give_purpose(http, "client", disclosed_client.pk)
    detail = http.get(reverse("support:client_detail", args=[disclosed_client.pk]))
    listing = http.post(reverse("support:client_list"), {"q": ""})
    assert detail.status_code == 404
    for response in (detail, listing):
        page = response.content.decode()
        assert "Kanarie Rosa" not in page and CANARY_NOTE not in page
        assert leaked_instances(response, _agency_models()) == []
    assert gate.read_many(other, RecordType.CLIENT) == []
    assert gate.read_many(other, RecordType.SUPPORT_ACTION) == []
    assert not social_models.Client.objects.visible_to(other).exists()
