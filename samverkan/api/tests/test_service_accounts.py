"""Service accounts: an agency's integrations, created by its administrator, with a role and tokens."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client as HttpClient

from samverkan.accounts.models import User
from samverkan.api.models import ApiToken, ServiceAccount
from samverkan.api.tests.test_api import call
from samverkan.audit.models import AuditEvent
from samverkan.conftest import login_verified

PAGE = "/konto/api-nycklar/tjanstekonton/"


def _create(admin: User, name: str, role: str) -> tuple[ServiceAccount, str]:
    http = login_verified(HttpClient(), admin)
    assert http.post(PAGE, {"name": name, "role": role, "description": "nattlig import"}).status_code == 302
    account = ServiceAccount.objects.get(user__first_name=name)
    page = http.post(f"{PAGE}{account.pk}/nyckel/", {"name": "import", "days": 30})
    assert page.status_code == 200
    found = re.search(r'id="new-token">(svk_[^<]+)<', page.content.decode())
    assert found is not None
    return account, found.group(1)


def test_an_administrator_creates_a_service_account_that_works_with_its_role_only(personas: dict[str, User], make_client: object, make_report: object) -> None:
    admin = personas["polis.admin"]
    account, token = _create(admin, "Ärendesystemet", "police_investigator")
    user = account.user
    assert user.username == "tjanst.polisregion-stockholm.arendesystemet" or user.username.startswith("tjanst.")
    assert not user.has_usable_password()
    assert user.agency == admin.agency and user.membership is not None
    assert user.membership.role == "police_investigator"
    # It logs in nowhere but works through its token, with its role, audited under its own name.
    assert call(token, "/records/crime_report/").status_code == 200
    assert call(token, "/records/client/").json()["items"] == []
    assert AuditEvent.objects.filter(username=user.username, action="list").exists()
    assert AuditEvent.objects.filter(username=admin.username, record_id=str(user.pk), detail__startswith="service account").exists()
    assert AuditEvent.objects.filter(username=admin.username, record_id=str(user.pk), detail__startswith="api token").exists()
    # Switched off: its tokens stop at once.
    http = login_verified(HttpClient(), admin)
    assert http.post(f"{PAGE}{account.pk}/stang-av/").status_code == 302
    assert call(token, "/areas/").status_code == 401
    assert not ApiToken.objects.usable().filter(user=user).exists()


def test_only_the_agencys_administrator_reaches_its_service_accounts(personas: dict[str, User]) -> None:
    account, _token = _create(personas["polis.admin"], "Statistik", "manager")
    for name in ("polis.inre", "polis.chef", "soc.handlaggare"):
        http = login_verified(HttpClient(), personas[name])
        assert http.get(PAGE).status_code == 404, name
        assert http.post(f"{PAGE}{account.pk}/nyckel/", {"name": "x", "days": 1}).status_code == 404, name
    # The other agency's administrator does not see it either.
    other = login_verified(HttpClient(), personas["soc.admin"])
    assert other.get(PAGE).status_code == 200 and "Statistik" not in other.get(PAGE).content.decode()
    assert other.post(f"{PAGE}{account.pk}/nyckel/", {"name": "x", "days": 1}).status_code == 404
    assert other.post(f"{PAGE}{account.pk}/stang-av/").status_code == 404
    assert ApiToken.objects.filter(user=account.user).count() == 1


def test_a_service_account_cannot_administer(personas: dict[str, User]) -> None:
    http = login_verified(HttpClient(), personas["polis.admin"])
    assert http.post(PAGE, {"name": "Adm", "role": "admin"}).status_code == 400
    assert http.post(PAGE, {"name": "!!!", "role": "manager"}).status_code == 400
    assert http.post(PAGE, {"name": "Soc", "role": "social_worker"}).status_code == 400
    assert not ServiceAccount.objects.exists()


def test_each_token_is_throttled_on_its_own(personas: dict[str, User], settings: Any) -> None:
    from samverkan.api.tests.test_api import token_for

    settings.SAMVERKAN_API_RATE = "3/min"
    busy, calm = token_for(personas["polis.inre"], days=1), token_for(personas["polis.inre"], days=1)
    answers = [call(busy, "/areas/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = call(busy, "/areas/")
    assert refused.json()["error"]["code"] == "throttled" and int(refused["Retry-After"]) >= 1
    assert call(calm, "/areas/").status_code == 200
