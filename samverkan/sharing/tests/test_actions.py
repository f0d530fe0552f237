"""The actions: the rule table on real records, who may do what, and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.accounts.policy import RecordType
from samverkan.audit.models import AuditEvent
from samverkan.investigations import actions as police
from samverkan.investigations.models import CrimeReport
from samverkan.legal.models import LegalBasis, Offence
from samverkan.operations.models import Encounter
from samverkan.sharing.actions import (
    do_accept_disclosure,
    do_decide_disclosure,
    do_record_oral_disclosure,
    do_request_disclosure,
    do_withdraw_disclosure,
)
from samverkan.sharing.gate import grants
from samverkan.sharing.models import Disclosure, DisclosureStatus
from samverkan.support import actions as social
from samverkan.support.models import Client

from .conftest import (
    EncounterFactory,
    ReportFactory,
    Scene,
    add_suspect,
    give_consent,
)

pytestmark = pytest.mark.django_db

POLICE = "polisregion-stockholm"
SOCIAL = "stockholms-stad"


def ask_for_client(
    officer: User,
    worker: User,
    encounter: Encounter,
    *,
    fields: tuple[str, ...] = ("pseudonym", "language"),
    offence: Offence | None = None,
) -> Disclosure:
    owner = worker.agency
    assert owner is not None
    return do_request_disclosure(
        owning_agency=owner,
        record_type="client",
        fields=fields,
        purpose="Förhör med målsägande",
        encounter=encounter,
        offence=offence,
        acting_user=officer,
    )


def approve(d: Disclosure, user: User, basis: LegalBasis, record: Any, **kw: Any) -> Disclosure:
    kw.setdefault("fields", d.fields_requested)
    kw.setdefault("assessment", "Sekretessprövning gjord.")
    return do_decide_disclosure(
        d, approve=True, record_id=record.pk, legal_basis=basis, acting_user=user, **kw
    )


def events_for(record_type: str, record_id: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(record_type=record_type, record_id=str(record_id))
        .order_by("seq")
        .values_list("action", flat=True)
    )


# --- The whole flow -------------------------------------------------------------------------


def test_police_ask_social_services_for_a_client_and_see_only_the_granted_fields(
    scene: Scene,
) -> None:
    met = scene.encounter()
    client = scene.make_client(encounter=met, consent=True)
    d = ask_for_client(
        scene.officer, scene.worker, met, fields=("pseudonym", "language", "contact")
    )
    assert d.status == DisclosureStatus.REQUESTED
    assert d.record_id is None  # nothing is looked up at request time
    assert grants(scene.officer, RecordType.CLIENT) == {}

    d = approve(d, scene.worker, scene.bases["osl-12-2"], client, fields=["language", "pseudonym"])
    assert d.status == DisclosureStatus.APPROVED
    assert d.fields_granted == ["pseudonym", "language"]
    assert grants(scene.officer, RecordType.CLIENT) == {}  # not before acceptance

    d = do_accept_disclosure(d, acting_user=scene.officer)
    assert d.status == DisclosureStatus.ACCEPTED
    assert grants(scene.officer, RecordType.CLIENT) == {
        client.pk: frozenset({"pseudonym", "language"})
    }
    # Need-to-know: the requester reads it; a second police user of the region does not.
    for other in ("polis.analytiker", "polis.utredare"):
        assert grants(User.objects.get(username=other), RecordType.CLIENT) == {}
    assert grants(User.objects.get(username="vast.polis"), RecordType.CLIENT) == {}
    assert grants(scene.worker, RecordType.CLIENT) == {}
    assert list(Client.objects.visible_to(scene.officer)) == [client]

    assert events_for("disclosure", d.pk) == ["create", "disclose", "disclose"]
    assert events_for("client", client.pk)[-2:] == ["disclose", "disclose"]
    delivered = (
        AuditEvent.objects.filter(record_type="client", record_id=str(client.pk))
        .order_by("seq")
        .last()
    )
    assert delivered is not None
    assert delivered.username == "polis.inre"
    assert "fields pseudonym,language" in delivered.detail
    assert delivered.purpose == "Förhör med målsägande"


def test_grants_of_several_disclosures_add_up(scene: Scene) -> None:
    met = scene.encounter()
    client = scene.make_client(encounter=met, consent=True)
    for fields in (("pseudonym",), ("ages",)):
        d = ask_for_client(scene.officer, scene.worker, met, fields=fields)
        do_accept_disclosure(
            approve(d, scene.worker, scene.bases["osl-12-2"], client), acting_user=scene.officer
        )
    assert grants(scene.officer, RecordType.CLIENT) == {client.pk: frozenset({"pseudonym", "ages"})}


def test_social_services_ask_the_police_for_the_suspect_of_a_childs_encounter(scene: Scene) -> None:
    child = scene.encounter(age_band="under_18")
    buyer = scene.encounter(role="buyer")
    report = scene.make_report("brb-6-9", buyer_aware_of_age="unknown")
    police.do_add_party(report, encounter=child, kind="injured_party", acting_user=scene.officer)
    suspect = add_suspect(report, scene.officer, encounter=buyer)
    police_agency = scene.officer.agency
    assert police_agency is not None
    d = do_request_disclosure(
        owning_agency=police_agency,
        record_type="suspect",
        fields=["name", "age_at_offence"],
        purpose="Barnets skydd",
        encounter=child,
        acting_user=scene.worker,
    )
    d = approve(d, scene.officer, scene.bases["sol-2025-400-orosanmalan"], suspect)
    do_accept_disclosure(d, acting_user=scene.worker)
    assert grants(scene.worker, RecordType.SUSPECT) == {
        suspect.pk: frozenset({"name", "age_at_offence"})
    }
    assert grants(scene.worker, RecordType.CRIME_REPORT) == {}


# --- Who may do what ------------------------------------------------------------------------


def test_only_the_owner_decides(personas: dict[str, User], scene: Scene) -> None:
    met = scene.encounter()
    client = scene.make_client(encounter=met, consent=True)
    d = ask_for_client(scene.officer, scene.worker, met)
    for user in (scene.officer, personas["vast.polis"], personas["gbg.handlaggare"]):
        with pytest.raises(PermissionDenied):
            approve(d, user, scene.bases["osl-12-2"], client)
    for user in (personas["soc.chef"], personas["soc.samordnare"], personas["soc.granskare"]):
        with pytest.raises(PermissionDenied):
            approve(d, user, scene.bases["osl-12-2"], client)
    d.refresh_from_db()
    assert d.status == DisclosureStatus.REQUESTED


def test_only_the_requester_accepts_and_withdraws(personas: dict[str, User], scene: Scene) -> None:
    met = scene.encounter()
    client = scene.make_client(encounter=met, consent=True)
    d = approve(
        ask_for_client(scene.officer, scene.worker, met),
        scene.worker,
        scene.bases["osl-12-2"],
        client,
    )
    for user in (scene.worker, personas["vast.polis"], personas["polis.chef"]):
        with pytest.raises(PermissionDenied):
            do_accept_disclosure(d, acting_user=user)
        with pytest.raises(PermissionDenied):
            do_withdraw_disclosure(d, acting_user=user)
    d = do_withdraw_disclosure(d, acting_user=personas["polis.utredare"])
    assert d.status == DisclosureStatus.WITHDRAWN
    with pytest.raises(ValidationError, match="cannot be accepted"):
        do_accept_disclosure(d, acting_user=scene.officer)
    assert grants(scene.officer, RecordType.CLIENT) == {}
    assert events_for("disclosure", d.pk) == ["create", "disclose", "update"]


def test_a_withdrawn_request_cannot_be_decided(scene: Scene) -> None:
    met = scene.encounter()
    client = scene.make_client(encounter=met, consent=True)
    d = do_withdraw_disclosure(
        ask_for_client(scene.officer, scene.worker, met), acting_user=scene.officer
    )
    with pytest.raises(ValidationError, match="withdrawn"):
        approve(d, scene.worker, scene.bases["osl-12-2"], client)


# Each refused request: the agency asked ("social" or "police"), what differs from a good
# request for a client's pseudonym named by an encounter, and the refusal's words.
REFUSED_REQUESTS = [
    (
        "social",
        {"record_type": "crime_report", "fields": ["status"]},
        "holds records of this kind itself",
    ),
    ("police", {}, "does not hold records of this kind"),
    ("social", {"fields": ["narrative"]}, "cannot be disclosed: narrative"),
    ("social", {"encounter": None, "case_number": "K1-26"}, "only be named by an encounter"),
    ("social", {"purpose": "  "}, "what the information is needed for"),
]


@pytest.mark.parametrize(("owner", "change", "refusal"), REFUSED_REQUESTS)
def test_a_request_is_only_for_the_other_agencys_records(
    scene: Scene, reference: None, owner: str, change: dict[str, Any], refusal: str
) -> None:
    owning_agency = (scene.worker if owner == "social" else scene.officer).agency
    assert owning_agency is not None
    request: dict[str, Any] = {
        "record_type": "client",
        "fields": ["pseudonym"],
        "purpose": "x",
        "encounter": scene.encounter(),
    }
    with pytest.raises(ValidationError, match=refusal):
        do_request_disclosure(
            owning_agency=owning_agency, acting_user=scene.officer, **{**request, **change}
        )
    assert not Disclosure.objects.exists()


def test_an_outsider_cannot_name_another_collaborations_encounter(
    personas: dict[str, User], worker: User, encounter: EncounterFactory, reference: None
) -> None:
    social_agency = worker.agency
    assert social_agency is not None
    with pytest.raises(ValidationError, match="Choose an encounter"):
        do_request_disclosure(
            owning_agency=social_agency,
            record_type="client",
            fields=["pseudonym"],
            purpose="x",
            encounter=encounter(),
            acting_user=personas["vast.polis"],
        )


def test_the_granted_fields_must_have_been_asked_for_and_the_record_named(scene: Scene) -> None:
    met = scene.encounter()
    client = scene.make_client(encounter=met, consent=True)
    other = scene.make_client("Annan", serial="234", consent=True)
    d = ask_for_client(scene.officer, scene.worker, met, fields=("pseudonym",))
    with pytest.raises(ValidationError, match="Only fields that were asked for"):
        approve(
            d, scene.worker, scene.bases["osl-12-2"], client, fields=["pseudonym", "identifiers"]
        )
    with pytest.raises(ValidationError, match="Choose one of the records the request names"):
        approve(d, scene.worker, scene.bases["osl-12-2"], other)
    with pytest.raises(ValidationError, match="secrecy assessment"):
        approve(d, scene.worker, scene.bases["osl-12-2"], client, assessment=" ")
    d.refresh_from_db()
    assert d.status == DisclosureStatus.REQUESTED
    assert events_for("disclosure", d.pk) == ["create"]


def test_a_request_naming_no_record_is_refused_by_the_owner(scene: Scene) -> None:
    scene.make_client()  # a client, but not the one met
    d = ask_for_client(scene.officer, scene.worker, scene.encounter())
    with pytest.raises(ValidationError, match="No record of your agency matches"):
        approve(d, scene.worker, scene.bases["osl-12-2"], Client(pk=10**9))
    with pytest.raises(ValidationError, match="Explain the refusal"):
        do_decide_disclosure(d, approve=False, refusal_kind="other", acting_user=scene.worker)
    d = do_decide_disclosure(d, approve=False, refusal_kind="no_record", acting_user=scene.worker)
    assert d.status == DisclosureStatus.REFUSED
    assert events_for("disclosure", d.pk) == ["create", "disclose"]
    assert grants(scene.officer, RecordType.CLIENT) == {}


# --- The rule table on real records -------------------------------------------------------


def test_10_21_covers_an_offence_against_a_minor_client(scene: Scene) -> None:
    met = scene.encounter(age_band="under_18")
    child = scene.make_client("Lisa", age=16, encounter=met)
    d = ask_for_client(scene.officer, scene.worker, met, offence=scene.offences["brb-6-9"])
    assert (
        approve(d, scene.worker, scene.bases["osl-10-21"], child).status
        == DisclosureStatus.APPROVED
    )


def test_10_21_refuses_an_adult_client(scene: Scene) -> None:
    met = scene.encounter()
    adult = scene.make_client(age=30, encounter=met)
    d = ask_for_client(scene.officer, scene.worker, met, offence=scene.offences["brb-6-12-grovt"])
    with pytest.raises(ValidationError, match="under 18; this person is 18 or over"):
        approve(d, scene.worker, scene.bases["osl-10-21"], adult)


def test_10_21_refuses_an_offence_outside_chapters_3_4_6(scene: Scene) -> None:
    defamation = Offence.objects.create(key="test-brb-5-1", code="BrB 5:1", name="förtal")
    met = scene.encounter(age_band="under_18")
    child = scene.make_client("Lisa", age=16, encounter=met)
    d = ask_for_client(scene.officer, scene.worker, met, offence=defamation)
    with pytest.raises(ValidationError, match="chapter 3, 4 or 6"):
        approve(d, scene.worker, scene.bases["osl-10-21"], child)
    # The owner assesses the offence itself and may correct it.
    assert (
        approve(
            d, scene.worker, scene.bases["osl-10-21"], child, offence=scene.offences["brb-4-1a"]
        ).offence
        == scene.offences["brb-4-1a"]
    )


def test_10_23_refuses_adult_sex_purchase_but_covers_gross_procuring(scene: Scene) -> None:
    met = scene.encounter()
    adult = scene.make_client(age=30, encounter=met)
    d = ask_for_client(scene.officer, scene.worker, met, offence=scene.offences["brb-6-11"])
    with pytest.raises(ValidationError, match="minimum penalty is at least one year"):
        approve(d, scene.worker, scene.bases["osl-10-23"], adult)
    d = approve(
        d, scene.worker, scene.bases["osl-10-23"], adult, offence=scene.offences["brb-6-12-grovt"]
    )
    assert d.legal_basis == scene.bases["osl-10-23"]


def test_12_2_needs_a_consent_that_is_not_withdrawn(scene: Scene) -> None:
    met = scene.encounter()
    client = scene.make_client(encounter=met)
    d = ask_for_client(scene.officer, scene.worker, met)
    with pytest.raises(ValidationError, match="consent"):
        approve(d, scene.worker, scene.bases["osl-12-2"], client)
    consent = give_consent(client, scene.worker)
    social.do_withdraw_consent(consent, acting_user=scene.worker)
    with pytest.raises(ValidationError, match="consent"):
        approve(d, scene.worker, scene.bases["osl-12-2"], client)
    # A consent to something else does not count either.
    social.do_record_consent(
        client,
        scope="contact_support_unit",
        given_by="client",
        given_on=timezone.localdate(),
        acting_user=scene.worker,
    )
    with pytest.raises(ValidationError, match="consent"):
        approve(d, scene.worker, scene.bases["osl-12-2"], client)
    give_consent(client, scene.worker)
    assert (
        approve(d, scene.worker, scene.bases["osl-12-2"], client).status
        == DisclosureStatus.APPROVED
    )


def test_a_consent_withdrawn_before_delivery_stops_it(scene: Scene) -> None:
    met = scene.encounter()
    client = scene.make_client(encounter=met)
    consent = give_consent(client, scene.worker)
    d = approve(
        ask_for_client(scene.officer, scene.worker, met),
        scene.worker,
        scene.bases["osl-12-2"],
        client,
    )
    social.do_withdraw_consent(consent, acting_user=scene.worker)
    with pytest.raises(ValidationError, match="legal basis no longer holds"):
        do_accept_disclosure(d, acting_user=scene.officer)
    d.refresh_from_db()
    assert d.status == DisclosureStatus.APPROVED
    assert grants(scene.officer, RecordType.CLIENT) == {}


def test_a_basis_for_the_other_direction_is_refused(scene: Scene) -> None:
    met = scene.encounter(age_band="under_18")
    child = scene.make_client("Lisa", age=16, encounter=met, consent=True)
    d = ask_for_client(scene.officer, scene.worker, met)
    with pytest.raises(ValidationError, match="does not apply in this direction"):
        approve(d, scene.worker, scene.bases["sol-2025-400-orosanmalan"], child)


def _report_with_child(
    officer: User, encounter: EncounterFactory, make_report: ReportFactory
) -> CrimeReport:
    report = make_report("brb-6-9", buyer_aware_of_age="yes")
    police.do_add_party(
        report, encounter=encounter(age_band="under_18"), kind="injured_party", acting_user=officer
    )
    return report


def test_the_duty_to_report_covers_a_child_and_applies_by_date(scene: Scene) -> None:
    report = _report_with_child(scene.officer, scene.encounter, scene.make_report)
    police_agency = scene.officer.agency
    assert police_agency is not None
    d = do_request_disclosure(
        owning_agency=police_agency,
        record_type="crime_report",
        fields=["case_number", "offence", "status"],
        purpose="Barnavårdsutredning",
        case_number=report.case_number.lower(),
        acting_user=scene.worker,
    )
    with pytest.raises(ValidationError, match="no longer in force on"):
        approve(d, scene.officer, scene.bases["sol-2001-453-14-1"], report)
    d = approve(d, scene.officer, scene.bases["sol-2025-400-orosanmalan"], report)
    do_accept_disclosure(d, acting_user=scene.worker)
    assert grants(scene.worker, RecordType.CRIME_REPORT) == {
        report.pk: frozenset({"case_number", "offence", "status"})
    }


def test_the_duty_to_report_refuses_a_report_about_adults_only(scene: Scene) -> None:
    report = scene.make_report("brb-6-11")
    police_agency = scene.officer.agency
    assert police_agency is not None
    d = do_request_disclosure(
        owning_agency=police_agency,
        record_type="crime_report",
        fields=["status"],
        purpose="x",
        case_number=report.case_number,
        acting_user=scene.worker,
    )
    with pytest.raises(ValidationError, match="under 18"):
        approve(d, scene.officer, scene.bases["sol-2025-400-orosanmalan"], report)


# --- Oral disclosures ---------------------------------------------------------------------


def test_an_oral_disclosure_is_delivered_at_once(scene: Scene) -> None:
    police_agency = scene.officer.agency
    assert police_agency is not None
    client = scene.make_client(encounter=scene.encounter(), consent=True)
    said = timezone.now() - dt.timedelta(hours=1)
    d = do_record_oral_disclosure(
        requesting_agency=police_agency,
        record_type="client",
        record_id=client.pk,
        fields=["pseudonym"],
        legal_basis=scene.bases["osl-12-2"],
        assessment="Samtycke finns.",
        purpose="Identifiering på plats",
        occurred_at=said,
        recipient_name="Polisinspektör",
        recipients=[scene.officer],
        acting_user=scene.worker,
    )
    assert d.made_orally and d.status == DisclosureStatus.ACCEPTED
    assert grants(scene.officer, RecordType.CLIENT) == {client.pk: frozenset({"pseudonym"})}
    # Only the person told reads it.
    assert grants(User.objects.get(username="polis.utredare"), RecordType.CLIENT) == {}
    assert events_for("disclosure", d.pk) == ["disclose"]
    assert events_for("client", client.pk)[-1] == "disclose"


def test_an_oral_disclosure_is_checked_as_of_when_it_was_said(scene: Scene) -> None:
    social_agency = scene.worker.agency
    assert social_agency is not None
    report = _report_with_child(scene.officer, scene.encounter, scene.make_report)
    june = timezone.make_aware(dt.datetime(2025, 6, 15, 22, 0))
    common: dict[str, Any] = {
        "requesting_agency": social_agency,
        "record_type": "crime_report",
        "record_id": report.pk,
        "fields": ["offence"],
        "assessment": "Oro för barn.",
        "purpose": "Skydd",
        "occurred_at": june,
        "acting_user": scene.officer,
        "recipients": [scene.worker],
    }
    with pytest.raises(ValidationError, match="not yet in force on 2025-06-15"):
        do_record_oral_disclosure(legal_basis=scene.bases["sol-2025-400-orosanmalan"], **common)
    d = do_record_oral_disclosure(legal_basis=scene.bases["sol-2001-453-14-1"], **common)
    assert d.status == DisclosureStatus.ACCEPTED
    with pytest.raises(ValidationError, match="cannot be in the future"):
        do_record_oral_disclosure(
            legal_basis=scene.bases["sol-2025-400-orosanmalan"],
            **{**common, "occurred_at": timezone.now() + dt.timedelta(hours=1)},
        )


def test_only_the_holder_can_record_an_oral_disclosure(
    personas: dict[str, User], scene: Scene
) -> None:
    police_agency = scene.officer.agency
    social_agency = scene.worker.agency
    assert police_agency is not None and social_agency is not None
    client = scene.make_client(consent=True)
    common: dict[str, Any] = {
        "record_type": "client",
        "record_id": client.pk,
        "fields": ["pseudonym"],
        "legal_basis": scene.bases["osl-12-2"],
        "assessment": "a",
        "purpose": "p",
        "occurred_at": timezone.now(),
    }
    with pytest.raises(ValidationError, match="Only the agency that holds"):
        do_record_oral_disclosure(
            requesting_agency=social_agency, acting_user=scene.officer, **common
        )
    west = personas["vast.polis"].agency
    assert west is not None
    with pytest.raises(ValidationError, match="Choose one of your agency's records"):
        do_record_oral_disclosure(
            requesting_agency=west, acting_user=personas["gbg.handlaggare"], **common
        )
    with pytest.raises(ValidationError, match="no collaboration with this agency"):
        do_record_oral_disclosure(
            requesting_agency=police_agency, acting_user=personas["gbg.handlaggare"], **common
        )
    with pytest.raises(PermissionDenied):
        do_record_oral_disclosure(
            requesting_agency=police_agency, acting_user=personas["soc.chef"], **common
        )
    assert not Disclosure.objects.exists()
