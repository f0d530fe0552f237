"""The actions: rules, audit in the same transaction, nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.audit.models import AuditEvent
from samverkan.operations.models import ChildConcernReport
from samverkan.support import actions
from samverkan.support.models import (
    AgeSource,
    Client,
    ClientIdentifier,
    ConcernClientLink,
    Referral,
    ReferralStatus,
    SupportUnit,
)
from samverkan.support.reference import SUPPORT_UNITS, seed_support_units
from samverkan.support.tests.conftest import (
    ClientFactory,
    EncounterFactory,
    personnummer,
    years_ago,
)

pytestmark = pytest.mark.django_db


def unit(code: str) -> SupportUnit:
    return SupportUnit.objects.get(code=code)


def test_support_units_are_seeded_and_seeding_is_idempotent(units: None) -> None:
    count = SupportUnit.objects.count()
    assert count == len(SUPPORT_UNITS)
    SupportUnit.objects.filter(code="talita").update(name="changed")
    seed_support_units()
    assert SupportUnit.objects.count() == count
    assert unit("talita").name == "Talita"
    assert not unit("sthlm-mikamottagningen").accepts_minors
    assert not unit("sthlm-ungdomsjouren").accepts_adults
    assert unit("sthlm-mikamottagningen").agency is not None
    assert unit("kvinnofridslinjen").agency is None


def test_city_units_are_offered_to_their_own_agency_only(
    personas: dict[str, User], units: None
) -> None:
    stockholm = personas["soc.handlaggare"].agency
    goteborg = personas["gbg.handlaggare"].agency
    assert (
        SupportUnit.objects.available_to(stockholm).filter(code="sthlm-mikamottagningen").exists()
    )
    assert (
        not SupportUnit.objects.available_to(goteborg)
        .filter(code="sthlm-mikamottagningen")
        .exists()
    )
    assert SupportUnit.objects.available_to(goteborg).filter(code="kvinnofridslinjen").exists()


def test_create_client_normalises_the_number_and_audits(worker: User, units: None) -> None:
    birth = dt.date(2001, 4, 5)
    before = AuditEvent.objects.count()
    short = personnummer(birth)[2:]  # YYMMDD-NNNC
    client, created = actions.do_create_client(
        pseudonym=" Rosa ",
        identifier_kind="personnummer",
        identifier_value=short,
        acting_user=worker,
    )
    assert created
    assert client.pseudonym == "Rosa"
    ident = client.identifiers.get()
    assert ident.value == personnummer(birth).replace("-", "")
    assert ident.birth_date == birth
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and AuditEvent.objects.count() == before + 1
    assert (event.action, event.record_type, event.record_id) == (
        "create",
        "client",
        str(client.pk),
    )
    assert ident.value not in event.detail


def test_the_same_number_finds_the_same_client(worker: User, make_client: ClientFactory) -> None:
    birth = dt.date(1999, 12, 31)
    first = make_client("Rosa", birth=birth)
    # Typed in the ten-digit form, with no dash.
    again, created = actions.do_create_client(
        pseudonym="Someone else",
        identifier_kind="personnummer",
        identifier_value=personnummer(birth).replace("-", "")[2:],
        acting_user=worker,
    )
    assert not created
    assert again == first
    assert Client.objects.count() == 1


def test_another_agency_may_register_the_same_number(
    personas: dict[str, User], make_client: ClientFactory
) -> None:
    birth = dt.date(1999, 12, 31)
    make_client("Rosa", birth=birth)
    other, created = actions.do_create_client(
        pseudonym="Rosa",
        identifier_kind="personnummer",
        identifier_value=personnummer(birth),
        acting_user=personas["gbg.handlaggare"],
    )
    assert created
    assert other.agency == personas["gbg.handlaggare"].agency


@pytest.mark.parametrize(
    ("kind", "value", "field"),
    [
        ("personnummer", "19990231-1234", "value"),  # 31 February
        ("personnummer", "990101-1235", "value"),  # check digit
        ("personnummer", "not a number", "value"),
        ("samordningsnummer", "19990101-1234", "value"),
        ("reserve", "R-1", "issuer"),  # issuer missing
        ("passport", "X", "kind"),
        ("none", "990101-1234", "kind"),
    ],
)
def test_invalid_identifier_writes_nothing(
    worker: User, units: None, kind: str, value: str, field: str
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        actions.do_create_client(
            pseudonym="Rosa", identifier_kind=kind, identifier_value=value, acting_user=worker
        )
    assert field in caught.value.message_dict
    assert Client.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_only_social_workers_create_clients(personas: dict[str, User], units: None) -> None:
    for name in ("polis.inre", "polis.utredare", "soc.samordnare", "soc.chef", "soc.admin"):
        with pytest.raises(PermissionDenied):
            actions.do_create_client(pseudonym="X", acting_user=personas[name])
    assert Client.objects.count() == 0


def test_adding_another_clients_number_is_refused(make_client: ClientFactory, worker: User) -> None:
    birth = dt.date(2000, 1, 1)
    first = make_client("Rosa", birth=birth)
    second = make_client("Lila")
    with pytest.raises(actions.DuplicateIdentifier) as caught:
        actions.do_add_identifier(
            second, kind="personnummer", value=personnummer(birth), acting_user=worker
        )
    assert caught.value.client == first
    # The same number again on the same client changes nothing.
    again = actions.do_add_identifier(
        first, kind="personnummer", value=personnummer(birth), acting_user=worker
    )
    assert first.identifiers.count() == 1
    assert again.client == first


def test_a_number_replaces_none_known(make_client: ClientFactory, worker: User) -> None:
    client = make_client("Rosa")
    assert list(client.identifiers.values_list("kind", flat=True)) == ["none"]
    actions.do_add_identifier(
        client, kind="reserve", value=" sll 12 34 ", issuer="Region Stockholm", acting_user=worker
    )
    assert list(client.identifiers.values_list("kind", "value")) == [("reserve", "SLL1234")]
    with pytest.raises(ValidationError):
        actions.do_add_identifier(client, kind="none", value="", acting_user=worker)


def test_age_on_from_birth_date_or_assessment(make_client: ClientFactory, worker: User) -> None:
    born = make_client("Rosa", birth=dt.date(2008, 6, 15))
    assert born.age_on(dt.date(2026, 6, 14)).years == 17
    assert born.age_on(dt.date(2026, 6, 15)).years == 18
    assessed = make_client("Lila")
    assert assessed.age_on(dt.date(2026, 1, 1)).years is None
    assert assessed.age_on(dt.date(2026, 1, 1)).counts_as_minor
    actions.do_record_age_assessment(
        assessed,
        min_years=16,
        max_years=19,
        basis="professional",
        assessed_on=dt.date(2025, 3, 1),
        acting_user=worker,
    )
    # The range counts by its lowest age, moved on by the years since.
    age = assessed.age_on(dt.date(2026, 2, 28))
    assert (age.years, age.source) == (16, AgeSource.ASSESSMENT)
    assert assessed.age_on(dt.date(2027, 3, 1)).years == 18
    # Before the only assessment: counted back, rounded down.
    assert assessed.age_on(dt.date(2024, 6, 1)).years == 15


def test_age_assessment_rules(make_client: ClientFactory, worker: User) -> None:
    client = make_client("Rosa")
    today = timezone.localdate()
    for kwargs in (
        {"min_years": 19, "max_years": 16, "basis": "stated", "assessed_on": today},
        {"min_years": 121, "basis": "stated", "assessed_on": today},
        {"min_years": 17, "basis": "guess", "assessed_on": today},
        {"min_years": 17, "basis": "stated", "assessed_on": today + dt.timedelta(days=1)},
    ):
        with pytest.raises(ValidationError):
            actions.do_record_age_assessment(client, acting_user=worker, **kwargs)  # type: ignore[arg-type]
    assert client.age_assessments.count() == 0


def test_linking_freezes_the_age_at_the_encounter(
    make_client: ClientFactory, encounter: EncounterFactory, worker: User
) -> None:
    client = make_client("Rosa", birth=years_ago(18, days=-3))  # turns 18 in three days
    met = encounter("under_18")
    link = actions.do_link_encounter(client, encounter=met, acting_user=worker)
    assert (link.age_years, link.age_source) == (17, AgeSource.BIRTH_DATE)
    assert link.counts_as_minor
    # The child-concern report of the encounter now names the client.
    report = ChildConcernReport.objects.get(encounter=met)
    assert ConcernClientLink.objects.get(report=report).client == client
    # Frozen: a later change of what is known does not move it.
    actions.do_add_identifier(client, kind="reserve", value="R1", issuer="X", acting_user=worker)
    link.refresh_from_db()
    assert link.age_years == 17


def test_unknown_age_at_encounter_is_null_and_counts_as_a_child(
    make_client: ClientFactory, encounter: EncounterFactory, worker: User
) -> None:
    client = make_client("Lila")
    link = actions.do_link_encounter(client, encounter=encounter("uncertain"), acting_user=worker)
    assert link.age_years is None and link.age_source == AgeSource.UNKNOWN
    assert link.counts_as_minor


def test_an_encounter_belongs_to_one_client(
    make_client: ClientFactory, encounter: EncounterFactory, worker: User
) -> None:
    met = encounter("adult")
    first, second = make_client("Rosa"), make_client("Lila")
    actions.do_link_encounter(first, encounter=met, acting_user=worker)
    assert actions.do_link_encounter(first, encounter=met, acting_user=worker).client == first
    with pytest.raises(ValidationError):
        actions.do_link_encounter(second, encounter=met, acting_user=worker)


def test_outsider_cannot_link_another_collaborations_encounter(
    personas: dict[str, User], encounter: EncounterFactory, units: None
) -> None:
    outsider = personas["gbg.handlaggare"]
    client, _created = actions.do_create_client(pseudonym="Västra", acting_user=outsider)
    with pytest.raises(ValidationError):
        actions.do_link_encounter(client, encounter=encounter("adult"), acting_user=outsider)


def test_writes_to_another_agencys_client_are_refused(
    personas: dict[str, User], make_client: ClientFactory
) -> None:
    client = make_client("Rosa")
    outsider = personas["gbg.handlaggare"]
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        actions.do_record_support_action(
            client, kind="informed", happened_on=today, acting_user=outsider
        )
    with pytest.raises(PermissionDenied):
        actions.do_refer(client, unit=unit("talita"), sent_on=today, acting_user=outsider)
    with pytest.raises(PermissionDenied):
        actions.do_add_identifier(client, kind="none", value="", acting_user=outsider)


# --- Referrals ------------------------------------------------------------------------


def test_a_child_cannot_be_referred_to_an_adults_only_unit(
    make_client: ClientFactory, worker: User
) -> None:
    child = make_client("Rosa", birth=years_ago(16))
    with pytest.raises(ValidationError) as caught:
        actions.do_refer(
            child,
            unit=unit("sthlm-mikamottagningen"),
            sent_on=timezone.localdate(),
            acting_user=worker,
        )
    assert "A child cannot be referred there" in caught.value.message_dict["unit"][0]
    assert Referral.objects.count() == 0
    actions.do_refer(
        child, unit=unit("sthlm-ungdomsjouren"), sent_on=timezone.localdate(), acting_user=worker
    )


def test_unknown_age_is_presumed_a_child_for_referral(
    make_client: ClientFactory, worker: User
) -> None:
    unknown = make_client("Lila")
    with pytest.raises(ValidationError) as caught:
        actions.do_refer(
            unknown, unit=unit("talita"), sent_on=timezone.localdate(), acting_user=worker
        )
    assert "treated as a child" in caught.value.message_dict["unit"][0]


def test_an_adult_cannot_be_referred_to_a_children_only_unit(
    make_client: ClientFactory, worker: User
) -> None:
    adult = make_client("Rosa", birth=years_ago(25))
    with pytest.raises(ValidationError):
        actions.do_refer(
            adult,
            unit=unit("sthlm-ungdomsjouren"),
            sent_on=timezone.localdate(),
            acting_user=worker,
        )
    referral = actions.do_refer(
        adult, unit=unit("sthlm-mikamottagningen"), sent_on=timezone.localdate(), acting_user=worker
    )
    assert referral.status == ReferralStatus.SENT


def test_the_unit_must_be_in_use_on_the_date(make_client: ClientFactory, worker: User) -> None:
    adult = make_client("Rosa", birth=years_ago(30))
    with pytest.raises(ValidationError) as caught:
        actions.do_refer(
            adult,
            unit=unit("jamstalldhetsmyndigheten-stodlinje"),
            sent_on=dt.date(2017, 12, 31),
            acting_user=worker,
        )
    assert "did not take referrals" in caught.value.message_dict["unit"][0]


def test_referral_status_transitions(make_client: ClientFactory, worker: User) -> None:
    adult = make_client("Rosa", birth=years_ago(30))
    sent = timezone.localdate() - dt.timedelta(days=10)
    referral = actions.do_refer(adult, unit=unit("talita"), sent_on=sent, acting_user=worker)
    with pytest.raises(ValidationError):  # cannot close before it was received
        actions.do_update_referral(referral, status="closed", on=sent, acting_user=worker)
    with pytest.raises(ValidationError):  # not before it was sent
        actions.do_update_referral(
            referral, status="received", on=sent - dt.timedelta(days=1), acting_user=worker
        )
    referral = actions.do_update_referral(
        referral, status="received", on=sent + dt.timedelta(days=2), acting_user=worker
    )
    assert referral.received_on == sent + dt.timedelta(days=2)
    with pytest.raises(ValidationError):  # declined needs a reason
        actions.do_update_referral(
            referral, status="declined", on=sent + dt.timedelta(days=3), acting_user=worker
        )
    referral = actions.do_update_referral(
        referral,
        status="declined",
        on=sent + dt.timedelta(days=3),
        reason="Full",
        acting_user=worker,
    )
    assert (referral.status, referral.decline_reason) == ("declined", "Full")
    with pytest.raises(ValidationError):
        actions.do_update_referral(
            referral, status="received", on=sent + dt.timedelta(days=3), acting_user=worker
        )


def test_consents_are_recorded_and_withdrawn(make_client: ClientFactory, worker: User) -> None:
    client = make_client("Rosa")
    with pytest.raises(ValidationError):
        actions.do_record_consent(
            client,
            scope="other",
            given_by="client",
            given_on=timezone.localdate(),
            acting_user=worker,
        )
    consent = actions.do_record_consent(
        client,
        scope="share_with_police",
        given_by="client",
        given_on=timezone.localdate(),
        acting_user=worker,
    )
    assert consent.is_active
    consent = actions.do_withdraw_consent(consent, acting_user=worker)
    assert not consent.is_active and consent.withdrawn_by == worker


def test_support_action_encounter_must_be_the_clients(
    make_client: ClientFactory, encounter: EncounterFactory, worker: User
) -> None:
    client = make_client("Rosa")
    with pytest.raises(ValidationError):
        actions.do_record_support_action(
            client,
            kind="offered",
            happened_on=timezone.localdate(),
            encounter=encounter("adult"),
            acting_user=worker,
        )
    met = encounter("adult")
    actions.do_link_encounter(client, encounter=met, acting_user=worker)
    done = actions.do_record_support_action(
        client, kind="offered", happened_on=timezone.localdate(), encounter=met, acting_user=worker
    )
    assert done.agency == client.agency


def test_identifier_constraint_holds_in_the_database(make_client: ClientFactory) -> None:
    from django.db import IntegrityError, transaction

    client = make_client("Rosa", birth=dt.date(2000, 2, 29))
    ident = client.identifiers.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientIdentifier.objects.create(
            client=make_client("Lila"),
            agency=client.agency,
            kind=ident.kind,
            value=ident.value,
            added_by=client.created_by,
        )
