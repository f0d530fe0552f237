"""Support means support: a unit's kind and whom it serves decide where a client can be
referred and what counts as "linked to support within social services"; a guardian
consents only for a child. Through the actions and through HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.audit.models import AuditEvent
from samverkan.reports import definitions, tally
from samverkan.reports.definitions import Figure
from samverkan.support import actions
from samverkan.support.models import (
    SUPPORT_WITHIN_SOCIAL_SERVICES,
    Consent,
    Referral,
    ServedGroup,
    SupportUnit,
    SupportUnitKind,
)
from samverkan.support.tests.conftest import ClientFactory, EncounterFactory, years_ago

pytestmark = pytest.mark.django_db


def unit(code: str) -> SupportUnit:
    return SupportUnit.objects.get(code=code)


def test_every_reference_unit_has_its_kind_and_whom_it_serves(units: None) -> None:
    assert unit("sthlm-kast").kind == SupportUnitKind.BUYER_PROGRAMME
    assert unit("sthlm-kast").served_groups == {ServedGroup.BUYERS}
    assert unit("ecpat-hotline").kind == SupportUnitKind.TIP_LINE
    assert unit("ecpat-hotline").served_groups == {ServedGroup.CHILDREN}
    assert unit("talita").kind == SupportUnitKind.NGO_SUPPORT
    assert unit("halso-och-sjukvard").kind == SupportUnitKind.HEALTH_CARE
    assert unit("sthlm-ungdomsjouren").served_groups == {
        ServedGroup.IN_PROSTITUTION,
        ServedGroup.CHILDREN,
    }
    social_services = set(
        SupportUnit.objects.filter(kind__in=SUPPORT_WITHIN_SOCIAL_SERVICES).values_list(
            "code", flat=True
        )
    )
    assert social_services == {
        "sthlm-mikamottagningen",
        "sthlm-ungdomsjouren",
        "sthlm-regional-koordinator-barn",
        "sthlm-regional-koordinator-vuxna",
        "sthlm-socialjouren",
        "sthlm-stadsdelens-socialtjanst",
    }


def test_a_person_in_prostitution_cannot_be_referred_to_the_buyer_programme(
    worker: User, make_client: ClientFactory
) -> None:
    adult = make_client("Rosa", birth=years_ago(24))
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        actions.do_refer(
            adult, unit=unit("sthlm-kast"), sent_on=timezone.localdate(), acting_user=worker
        )
    assert refused.value.message_dict["unit"] == [
        "KAST Stockholm serves sex buyers, and the client is none of them. Choose a unit that serves the client."
    ]
    assert not Referral.objects.exists()
    assert AuditEvent.objects.count() == before
    # Mikamottagningen serves her.
    actions.do_refer(
        adult, unit=unit("sthlm-mikamottagningen"), sent_on=timezone.localdate(), acting_user=worker
    )
    assert Referral.objects.count() == 1


def test_a_client_met_as_a_buyer_can_be_referred_to_kast_but_not_to_a_unit_for_the_sellers(
    worker: User, make_client: ClientFactory, encounter: EncounterFactory
) -> None:
    buyer = make_client("Köparen", birth=years_ago(40))
    actions.do_link_encounter(
        buyer, encounter=encounter(age_band="adult", role="buyer"), acting_user=worker
    )
    assert actions.client_groups(buyer, timezone.localdate()) == {ServedGroup.BUYERS}
    with pytest.raises(ValidationError):
        actions.do_refer(
            buyer, unit=unit("talita"), sent_on=timezone.localdate(), acting_user=worker
        )
    referral = actions.do_refer(
        buyer, unit=unit("sthlm-kast"), sent_on=timezone.localdate(), acting_user=worker
    )
    assert referral.unit.code == "sthlm-kast"


def test_the_tip_line_takes_a_child_but_does_not_count_as_support_within_social_services(
    worker: User, make_client: ClientFactory, encounter: EncounterFactory
) -> None:
    met = encounter(age_band="under_18")
    child = make_client("Ung", birth=years_ago(16))
    actions.do_link_encounter(child, encounter=met, acting_user=worker)
    day = timezone.localdate(met.occurred_at)
    year = definitions.Filter.year(day.year)

    def counted() -> tuple[int, int]:
        fast = tally.report(year).totals[Figure.MINORS_REFERRED]
        return definitions.count(Figure.MINORS_REFERRED, year), fast

    actions.do_refer(child, unit=unit("ecpat-hotline"), sent_on=day, acting_user=worker)
    actions.do_refer(child, unit=unit("halso-och-sjukvard"), sent_on=day, acting_user=worker)
    assert counted() == (0, 0)
    assert definitions.count(Figure.MINORS, year) == 1
    actions.do_refer(child, unit=unit("sthlm-ungdomsjouren"), sent_on=day, acting_user=worker)
    assert counted() == (1, 1)


def test_a_guardian_consents_only_for_a_child(worker: User, make_client: ClientFactory) -> None:
    today = timezone.localdate()
    adult = make_client("Vuxen", birth=years_ago(24))
    with pytest.raises(ValidationError) as refused:
        actions.do_record_consent(
            adult,
            scope="share_with_police",
            given_by="guardian",
            given_on=today,
            acting_user=worker,
        )
    assert "A guardian can consent only for a child" in refused.value.message_dict["given_by"][0]
    assert not Consent.objects.exists()
    actions.do_record_consent(
        adult, scope="share_with_police", given_by="client", given_on=today, acting_user=worker
    )
    child = make_client("Barn", birth=years_ago(16), serial=234)
    actions.do_record_consent(
        child, scope="share_with_police", given_by="guardian", given_on=today, acting_user=worker
    )
    # An unknown age counts as a child (the presumption of childhood).
    unknown = make_client("Okänd")
    actions.do_record_consent(
        unknown, scope="share_with_police", given_by="guardian", given_on=today, acting_user=worker
    )
    # A consent given when the client was a child stays a guardian's.
    turned = make_client("Fyllt", birth=years_ago(18, days=10), serial=345)
    actions.do_record_consent(
        turned,
        scope="share_with_police",
        given_by="guardian",
        given_on=today - dt.timedelta(days=30),
        acting_user=worker,
    )
    assert Consent.objects.filter(given_by="guardian").count() == 3


def test_http_the_referral_form_names_whom_each_unit_serves_and_refuses_kast_for_a_seller(
    social: HttpClient, make_client: ClientFactory
) -> None:
    adult = make_client("Rosa", birth=years_ago(30))
    page = social.get(reverse("support:client_detail", args=[adult.pk])).content.decode()
    assert "KAST Stockholm (sex buyers, 18 and over only)" in page
    response = social.post(
        reverse("support:client_add_referral", args=[adult.pk]),
        {
            "referral-unit": unit("sthlm-kast").pk,
            "referral-sent_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert (
        "KAST Stockholm serves sex buyers, and the client is none of them."
        in response.content.decode()
    )
    assert not Referral.objects.exists()


def test_http_a_guardians_consent_for_an_adult_is_refused(
    social: HttpClient, make_client: ClientFactory
) -> None:
    adult = make_client("Rosa", birth=years_ago(24))
    url = reverse("support:client_add_consent", args=[adult.pk])
    data = {
        "consent-scope": "share_with_police",
        "consent-given_by": "guardian",
        "consent-given_on": timezone.localdate().isoformat(),
    }
    response = social.post(url, data)
    assert response.status_code == 400
    assert "A guardian can consent only for a child" in response.content.decode()
    assert not Consent.objects.exists()
    response = social.post(url, {**data, "consent-given_by": "client"})
    assert response.status_code == 302
    assert Consent.objects.get().given_by == "client"
