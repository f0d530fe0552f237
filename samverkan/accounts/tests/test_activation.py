"""Safe first sign-in: the first authenticator app needs an activation code from an administrator.

Whoever holds only a user's password must never see the authenticator's
secret. All through HTTP: the administrator issues the code on the user
administration pages, the user enters it at the first login.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from samverkan.accounts.actions import ALPHABET, new_code, normalise_code
from samverkan.accounts.models import ActivationCode, User
from samverkan.accounts.tests.test_login import ENROL, LOGIN, code_for, post_password
from samverkan.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

USERS = "/anvandare/accounts/user/"
CODE = re.compile(r'<code class="activation-code">([A-Z0-9-]+)</code>')


def issue(admin_client: Client, *users: User) -> list[str]:
    """The administrator issues codes for ``users`` through the user administration; the codes shown."""
    response = admin_client.post(
        USERS, {"action": "issue_activation_code", "_selected_action": [str(u.pk) for u in users]}
    )
    assert response.status_code == 200, response.status_code
    assert "no-store" in response["Cache-Control"]
    return CODE.findall(response.content.decode())


def activate(client: Client, code: str) -> Any:
    return client.post(ENROL, {"activation_code": code})


def connect_app(client: Client, user: User) -> Any:
    """After a right activation code: the QR code's page, then the app's first code."""
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "data:image/svg+xml;base64," in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return client.post(ENROL, {"code": code_for(device)})


@pytest.fixture
def admin_client(personas: dict[str, User], login: Callable[[User], Client]) -> Client:
    return login(personas["polis.admin"])


def test_the_password_alone_never_reaches_the_authenticator_secret(
    client: Client, personas: dict[str, User]
) -> None:
    user = personas["polis.inre"]
    response = post_password(client, user.username)
    assert response["Location"] == ENROL  # type: ignore[index]
    page = client.get(ENROL)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Aktiveringskod från din administratör" in body
    assert "data:image/svg+xml" not in body
    assert not TOTPDevice.objects.filter(user=user).exists()  # no secret was even made
    # Skipping the activation and posting an app code straight away gets nowhere.
    skipped = client.post(ENROL, {"code": "123456"})
    assert skipped.status_code == 400
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert client.get("/").status_code == 302


def test_first_sign_in_with_a_code_from_the_administrator(
    client: Client, personas: dict[str, User], admin_client: Client
) -> None:
    user = personas["polis.inre"]
    (code,) = issue(admin_client, user)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)

    post_password(client, user.username)
    # Typed in lower case with spaces: the same code.
    accepted = activate(client, code.lower().replace("-", " "))
    assert accepted.status_code == 302
    assert accepted["Location"] == ENROL
    done = connect_app(client, user)
    assert done.status_code == 302
    assert done["Location"] == "/"
    assert client.get("/").status_code == 200

    row = ActivationCode.objects.get(user=user)
    assert row.used_at is not None
    assert row.issued_by_name == "polis.admin"
    details = list(
        AuditEvent.objects.filter(record_id=str(user.pk)).order_by("seq").values_list("detail", flat=True)
    )
    assert details[0].startswith("activation code issued, valid until ")
    assert "authenticator app connected with an activation code" in details
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, user_id=user.pk).exists()


def test_the_code_is_stored_and_audited_only_as_a_hash(
    personas: dict[str, User], admin_client: Client
) -> None:
    user = personas["polis.inre"]
    (code,) = issue(admin_client, user)
    row = ActivationCode.objects.get(user=user)
    assert normalise_code(code) not in row.code_hash
    for event in AuditEvent.objects.all():
        assert normalise_code(code) not in event.detail.replace("-", "")
        assert code not in event.detail
    # The code is shown once: the user's page does not show it again.
    page = admin_client.get(f"{USERS}{user.pk}/change/").content.decode()
    assert code not in page


def test_wrong_expired_and_replaced_codes_are_refused(
    client: Client, personas: dict[str, User], admin_client: Client
) -> None:
    user = personas["polis.inre"]
    (first,) = issue(admin_client, user)
    (second,) = issue(admin_client, user)  # the first stops working
    assert ActivationCode.objects.filter(user=user).count() == 1

    post_password(client, user.username)
    replaced = activate(client, first)
    assert replaced.status_code == 400
    assert "Aktiveringskoden är fel, har gått ut eller har redan använts" in replaced.content.decode()
    assert activate(client, "").status_code == 400

    ActivationCode.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    expired = activate(client, second)
    assert expired.status_code == 400
    assert not TOTPDevice.objects.filter(user=user).exists()
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, detail="wrong activation code")
    assert failures.count() == 2


def test_five_wrong_codes_send_the_user_back_to_the_password(
    client: Client, personas: dict[str, User]
) -> None:
    user = personas["polis.inre"]
    post_password(client, user.username)
    last = None
    for _ in range(5):
        last = activate(client, new_code())
    assert last is not None
    assert "För många felaktiga koder" in last.content.decode()
    assert client.get(ENROL)["Location"] == LOGIN


def test_a_code_works_once_and_a_reset_needs_a_new_one(
    personas: dict[str, User], admin_client: Client
) -> None:
    user = personas["polis.inre"]
    (code,) = issue(admin_client, user)
    first = Client()
    post_password(first, user.username)
    activate(first, code)
    connect_app(first, user)
    assert first.get("/").status_code == 200

    # The administrator resets two-factor: the app is gone, and so is the way in without a code.
    reset = admin_client.post(USERS, {"action": "reset_two_factor", "_selected_action": [str(user.pk)]})
    assert reset.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    again = Client()
    post_password(again, user.username)
    assert "data:image/svg+xml" not in again.get(ENROL).content.decode()
    assert activate(again, code).status_code == 400
    (new,) = issue(admin_client, user)
    assert activate(again, new).status_code == 302
    assert connect_app(again, user)["Location"] == "/"


def test_who_may_issue_a_code(personas: dict[str, User], admin_client: Client, login: Callable[[User], Client]) -> None:
    police_admin = personas["polis.admin"]
    # Not for oneself, not for an account with an app, not for another agency's user.
    response = admin_client.post(
        USERS, {"action": "issue_activation_code", "_selected_action": [str(police_admin.pk)]}, follow=True
    )
    assert "måste utfärdas av en annan administratör" in response.content.decode()
    with_app = personas["polis.utredare"]
    TOTPDevice.objects.create(user=with_app, name="app", confirmed=True)
    response = admin_client.post(
        USERS, {"action": "issue_activation_code", "_selected_action": [str(with_app.pk)]}, follow=True
    )
    assert "har redan en autentiseringsapp" in response.content.decode()
    other_agency = personas["soc.handlaggare"]
    admin_client.post(USERS, {"action": "issue_activation_code", "_selected_action": [str(other_agency.pk)]})
    assert not ActivationCode.objects.exists()
    # Nobody but an administrator reaches the page.
    assert login(personas["polis.chef"]).post(
        USERS, {"action": "issue_activation_code", "_selected_action": [str(other_agency.pk)]}
    ).status_code == 404
    assert not ActivationCode.objects.exists()
    # Social services' administrator issues for their own agency.
    (code,) = issue(login(personas["soc.admin"]), other_agency)
    assert ActivationCode.objects.get().user == other_agency
    assert code


def test_demo_mode_skips_the_activation_code(
    client: Client, personas: dict[str, User], settings: pytest.FixtureRequest
) -> None:
    settings.SAMVERKAN_REQUIRE_ACTIVATION_CODE = False  # type: ignore[attr-defined]
    user = personas["polis.inre"]
    post_password(client, user.username)
    assert connect_app(client, user)["Location"] == "/"


def test_codes_are_unambiguous_and_long() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(ALPHABET)
    assert not set("01OIL5S2Z8B") & set(ALPHABET)


def test_the_first_administrator_gets_a_code_from_the_command_line(
    client: Client, personas: dict[str, User], capsys: pytest.CaptureFixture[str]
) -> None:
    admin = personas["polis.admin"]
    call_command("issue_activation_code", "polis.admin")
    out = capsys.readouterr().out
    match = re.search(r"Activation code for polis\.admin: ([A-Z0-9-]{14}) \(valid until ", out)
    assert match is not None, out
    event = AuditEvent.objects.get(record_id=str(admin.pk))
    assert (event.username, event.agency_id) == ("manage.py", admin.agency.pk if admin.agency else None)
    assert match[1] not in event.detail

    post_password(client, admin.username)
    assert activate(client, match[1]).status_code == 302
    assert connect_app(client, admin)["Location"] == "/"
    with pytest.raises(CommandError, match="redan en autentiseringsapp"):
        call_command("issue_activation_code", "polis.admin")
    with pytest.raises(CommandError, match="There is no user"):
        call_command("issue_activation_code", "nobody")
