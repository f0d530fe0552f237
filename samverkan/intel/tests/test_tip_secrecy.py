"""A tip from social services is no channel around secrecy: a warning, a confirmation, and the way to a disclosure."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from samverkan.accounts.models import Collaboration, User
from samverkan.conftest import login_verified
from samverkan.intel.models import Tip

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
URL = "/underrattelser/tips/nytt/"


def tip(stockholm: Collaboration, **extra: str) -> dict[str, object]:
    return {"collaboration": stockholm.pk, "what": "Unga kvinnor förs till en lägenhet varje kväll", "source_type": "staff", **extra}


def test_social_services_are_warned_and_offered_a_disclosure(personas: dict[str, User]) -> None:
    http = login_verified(Client(), personas["soc.handlaggare"])  # Swedish, the default language
    page = http.get(URL).content.decode()
    assert 'id="tip-secrecy"' in page
    assert "Sekretessbelagda uppgifter kräver ett utlämnande" in page
    assert "sekretessprövning" in page and "OSL 26:1" in page
    assert 'name="no_identifiable_person"' in page
    assert 'id="tip-disclosure-link" href="/utlamnanden/muntliga/"' in page
    # The link leads to the disclosure flow, where the assessment and the legal basis are recorded.
    assert http.get("/utlamnanden/muntliga/").status_code == 200


def test_a_coordinator_of_social_services_is_warned_too_but_has_no_disclosure_to_offer(
    personas: dict[str, User], login: Login
) -> None:
    page = login(personas["soc.samordnare"]).get(URL).content.decode()
    assert 'id="tip-secrecy"' in page and 'name="no_identifiable_person"' in page
    assert 'id="tip-disclosure-link"' not in page  # coordinators record no disclosures (the policy)


def test_without_the_confirmation_nothing_is_sent(personas: dict[str, User], stockholm: Collaboration) -> None:
    http = login_verified(Client(), personas["soc.handlaggare"])
    response = http.post(URL, tip(stockholm))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Bekräfta att tipset inte innehåller uppgifter om en identifierbar person" in page
    assert 'id="tip-disclosure-link"' in page  # the way to do it properly is still offered
    assert not Tip.objects.exists()


def test_with_the_confirmation_the_tip_is_sent(
    personas: dict[str, User], login: Login, stockholm: Collaboration
) -> None:
    response = login(personas["soc.handlaggare"]).post(URL, tip(stockholm, no_identifiable_person="on"))
    assert response.status_code == 302
    assert Tip.objects.get().what.startswith("Unga kvinnor")


def test_the_police_are_not_asked(personas: dict[str, User], login: Login, stockholm: Collaboration) -> None:
    http = login(personas["polis.inre"])
    page = http.get(URL).content.decode()
    assert 'id="tip-secrecy"' not in page and "no_identifiable_person" not in page
    assert http.post(URL, tip(stockholm)).status_code == 302
    assert Tip.objects.count() == 1
