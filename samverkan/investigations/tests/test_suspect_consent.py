"""A suspect's consent lets the police tell social services (OSL 12 kap. 2 §): the consent
basis in the police's direction. Through the actions, the gate and HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samverkan.accounts.models import User
from samverkan.investigations import actions, disclosure
from samverkan.investigations.models import Suspect, SuspectConsent
from samverkan.legal.models import LegalBasis
from samverkan.legal.reference import seed_legal_bases
from samverkan.sharing.actions import do_record_oral_disclosure

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
CONSENT_BASIS = "osl-12-2-till-socialtjansten"


def test_a_consent_in_force_opens_the_consent_basis_and_its_withdrawal_closes_it(
    personas: dict[str, User], suspect: Suspect
) -> None:
    seed_legal_bases()
    officer, social = personas["polis.inre"], personas["soc.handlaggare"]
    basis = LegalBasis.objects.get(code=CONSENT_BASIS)
    agency = social.agency
    assert agency is not None

    def tell(at: dt.datetime) -> object:
        return do_record_oral_disclosure(
            requesting_agency=agency,
            record_type="suspect",
            record_id=suspect.pk,
            fields=["name"],
            legal_basis=basis,
            assessment="Köparen vill ha kontakt med KAST.",
            purpose="Kontakt med KAST",
            occurred_at=at,
            acting_user=officer,
            recipients=[social],
        )

    with pytest.raises(ValidationError, match="consent"):
        tell(timezone.now())
    assert not disclosure.suspect_consents(suspect, timezone.now())
    consent = actions.do_record_suspect_consent(
        suspect,
        given_by="suspect",
        given_on=timezone.localdate(),
        detail="KAST får ringa",
        acting_user=officer,
    )
    assert disclosure.suspect_consents(suspect, timezone.now())
    assert tell(timezone.now()) is not None
    actions.do_withdraw_suspect_consent(consent, acting_user=officer)
    assert not disclosure.suspect_consents(suspect, timezone.now() + dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="consent"):
        tell(timezone.now() + dt.timedelta(seconds=1))
    assert SuspectConsent.objects.get().withdrawn_by == officer  # withdrawn, kept on record


def test_a_guardian_consents_only_for_a_child_and_only_the_police_record_it(
    personas: dict[str, User], suspect: Suspect
) -> None:
    officer = personas["polis.inre"]
    with pytest.raises(ValidationError) as refused:
        actions.do_record_suspect_consent(
            suspect, given_by="guardian", given_on=timezone.localdate(), acting_user=officer
        )
    assert "A guardian can consent only for a child" in refused.value.message_dict["given_by"][0]
    with pytest.raises(ValidationError):
        actions.do_record_suspect_consent(
            suspect,
            given_by="suspect",
            given_on=timezone.localdate() + dt.timedelta(days=2),
            acting_user=officer,
        )
    with pytest.raises(PermissionDenied):
        actions.do_record_suspect_consent(
            suspect,
            given_by="suspect",
            given_on=timezone.localdate(),
            acting_user=personas["soc.handlaggare"],
        )
    assert not SuspectConsent.objects.exists()


def test_http_record_and_withdraw_a_consent_on_the_suspects_page(
    personas: dict[str, User], suspect: Suspect, login: Login
) -> None:
    client = login(personas["polis.inre"])
    page = reverse("investigations:suspect_detail", args=[suspect.pk])
    assert "Consent to inform social services" in client.get(page).content.decode()
    add = reverse("investigations:suspect_consent_add", args=[suspect.pk])
    today = timezone.localdate().isoformat()
    response = client.post(add, {"consent-given_by": "guardian", "consent-given_on": today})
    assert response.status_code == 400
    assert "A guardian can consent only for a child" in response.content.decode()
    response = client.post(add, {"consent-given_by": "nobody", "consent-given_on": "not a date"})
    assert response.status_code == 400
    assert not SuspectConsent.objects.exists()
    response = client.post(
        add, {"consent-given_by": "suspect", "consent-given_on": today, "consent-detail": "KAST"}
    )
    assert response.status_code == 302
    consent = SuspectConsent.objects.get()
    assert "In force" in client.get(page).content.decode()
    withdraw = reverse("investigations:suspect_consent_withdraw", args=[consent.pk])
    assert login(personas["soc.handlaggare"]).post(withdraw).status_code == 404
    assert client.post(withdraw).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert (
        client.post(reverse("investigations:suspect_consent_withdraw", args=[999999])).status_code
        == 404
    )
