"""User administration: only the admin role, only their own agency, every change audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from samverkan.accounts.models import Agency, Membership, Role, User
from samverkan.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

INDEX = "/anvandare/"
USERS = "/anvandare/accounts/user/"


def new_user(username: str) -> dict[str, str]:
    """The user admin's "add user" form for ``username``, with one membership row to fill."""
    return {
        "username": username,
        "password1": "ett långt och bra lösenord 2026",
        "password2": "ett långt och bra lösenord 2026",
        "usable_password": "true",
        "membership_record-TOTAL_FORMS": "1",
        "membership_record-INITIAL_FORMS": "0",
        "membership_record-MIN_NUM_FORMS": "1",
        "membership_record-MAX_NUM_FORMS": "1",
    }


def test_only_admins_reach_user_administration(personas: dict[str, User], login: Callable[[User], Client]) -> None:
    for user in personas.values():
        status = login(user).get(USERS).status_code
        expected = 200 if user.role is Role.ADMIN else 404
        assert status == expected, user.username


def test_anonymous_is_sent_to_the_one_login(client: Client, db: None) -> None:
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/logga-in/")


def test_admin_sees_only_own_agency_users(personas: dict[str, User], login: Callable[[User], Client]) -> None:
    body = login(personas["soc.admin"]).get(USERS).content.decode()
    assert "soc.handlaggare" in body
    assert "polis.inre" not in body
    police_user = personas["polis.inre"]
    assert login(personas["soc.admin"]).get(f"{USERS}{police_user.pk}/change/").status_code in (302, 404)


def test_admin_creates_a_user_with_membership_and_it_is_audited(
    personas: dict[str, User], login: Callable[[User], Client]
) -> None:
    admin = personas["soc.admin"]
    client = login(admin)
    social = Agency.objects.get(code="stockholms-stad")
    response = client.post(
        f"{USERS}add/",
        {
            **new_user("ny.handlaggare"),
            "membership_record-0-agency": str(social.pk),
            "membership_record-0-role": Role.SOCIAL_WORKER,
            "membership_record-0-unit": "Mikamottagningen",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = User.objects.get(username="ny.handlaggare")
    assert Membership.objects.get(user=created).role == Role.SOCIAL_WORKER
    event = AuditEvent.objects.get(action=AuditAction.CREATE, record_type="user")
    assert event.record_id == str(created.pk)
    assert event.username == "soc.admin"


def test_admin_cannot_put_a_user_in_another_agency_or_a_police_role(
    personas: dict[str, User], login: Callable[[User], Client]
) -> None:
    client = login(personas["soc.admin"])
    police = Agency.objects.get(code="polisregion-stockholm")
    social = Agency.objects.get(code="stockholms-stad")
    base = new_user("fel.roll")
    other_agency = client.post(
        f"{USERS}add/",
        {**base, "membership_record-0-agency": str(police.pk), "membership_record-0-role": Role.COORDINATOR},
    )
    assert other_agency.status_code == 200
    police_role = client.post(
        f"{USERS}add/",
        {**base, "membership_record-0-agency": str(social.pk), "membership_record-0-role": Role.POLICE_OFFICER},
    )
    assert police_role.status_code == 200
    assert "Den här rollen finns inte" in police_role.content.decode()
    assert not User.objects.filter(username="fel.roll").exists()


def test_reset_two_factor_and_deactivate_actions(personas: dict[str, User], login: Callable[[User], Client]) -> None:
    admin = personas["polis.admin"]
    target = personas["polis.inre"]
    TOTPDevice.objects.create(user=target, name="app", confirmed=True)
    client = login(admin)
    response = client.post(USERS, {"action": "reset_two_factor", "_selected_action": [str(target.pk)]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=target).exists()
    client.post(USERS, {"action": "deactivate", "_selected_action": [str(target.pk)]})
    target.refresh_from_db()
    assert not target.is_active
    details = set(AuditEvent.objects.filter(record_id=str(target.pk)).values_list("detail", flat=True))
    assert {"two-factor reset", "deactivated"} <= details


def test_admin_site_shows_no_case_data_models(personas: dict[str, User], login: Callable[[User], Client]) -> None:
    body = login(personas["polis.admin"]).get(INDEX).content.decode()
    for forbidden in ("Logghändelse", "audit", "Klient", "Anmälan"):
        assert forbidden not in body
