"""The two-step login: every outcome, including bad input, in Swedish and without a server error."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from samverkan.accounts.actions import do_issue_activation_code
from samverkan.accounts.models import User
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/konto/logga-in/"
VERIFY = "/konto/logga-in/kod/"
ENROL = "/konto/logga-in/koppla-app/"


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def device_for(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def post_password(client: Client, username: str, password: str = PASSWORD) -> object:
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_is_swedish_and_has_labels(client: Client) -> None:
    body = client.get(LOGIN).content.decode()
    assert '<html lang="sv">' in body
    assert "Logga in" in body
    assert '<label for="id_username">' in body
    assert '<label for="id_password">' in body


def test_wrong_password_is_refused_in_swedish_and_audited(client: Client, personas: dict[str, User]) -> None:
    response = post_password(client, "polis.inre", "fel lösenord")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Fel användarnamn eller lösenord." in response.content.decode()  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.username == "polis.inre"
    assert event.user_id is None
    assert event.agency == personas["polis.inre"].agency  # the agency's auditors see it
    assert "_auth_user_id" not in client.session


def test_unknown_user_gets_the_same_message(client: Client, db: None) -> None:
    response = post_password(client, "finns.inte", "x")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Fel användarnamn eller lösenord." in response.content.decode()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "data",
    [{}, {"username": ""}, {"username": "a" * 5000, "password": "x"}, {"password": "x"}, {"username": "a\x00b", "password": "x"}],
)
def test_malformed_login_input_is_a_form_error(client: Client, db: None, data: dict[str, str]) -> None:
    response = client.post(LOGIN, data)
    assert response.status_code == 400
    assert "errorlist" in response.content.decode() or "Fel användarnamn" in response.content.decode()


def test_first_login_enrols_an_app_then_logs_in(client: Client, personas: dict[str, User]) -> None:
    user = personas["soc.handlaggare"]
    response = post_password(client, user.username)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == ENROL  # type: ignore[index]
    assert "_auth_user_id" not in client.session  # nothing authenticated after one factor

    # The activation code from an administrator of the user's agency (test_activation.py).
    code, _row = do_issue_activation_code(acting=personas["soc.admin"], user=user)
    assert client.post(ENROL, {"activation_code": code}).status_code == 302

    page = client.get(ENROL).content.decode()
    assert "data:image/svg+xml;base64," in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(ENROL, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "Koden är fel eller har gått ut" in wrong.content.decode()

    device.refresh_from_db()
    device.throttle_reset()
    ok = client.post(ENROL, {"code": code_for(device)})
    assert ok.status_code == 302
    assert ok["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, user_id=user.pk).exists()


def test_login_with_code(client: Client, personas: dict[str, User]) -> None:
    user = personas["polis.inre"]
    device = device_for(user)
    response = post_password(client, user.username)
    assert response["Location"] == VERIFY  # type: ignore[index]
    assert client.get("/").status_code == 302  # still not logged in

    bad = client.post(VERIFY, {"code": "12345"})
    assert bad.status_code == 400
    assert "Ange de sex siffror som visas i appen." in bad.content.decode()

    ok = client.post(VERIFY, {"code": code_for(device)})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_codes_send_the_user_back_to_the_password(client: Client, personas: dict[str, User]) -> None:
    user = personas["polis.inre"]
    device = device_for(user)
    post_password(client, user.username)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    last = None
    for _ in range(5):
        device.throttling_failure_count = 0
        device.throttling_failure_timestamp = None
        device.save()
        last = client.post(VERIFY, {"code": wrong})
    assert last is not None
    assert "För många felaktiga koder" in last.content.decode()
    assert client.get(VERIFY)["Location"] == LOGIN
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, detail="wrong code").count() == 5


def test_lock_out_after_repeated_failures(client: Client, personas: dict[str, User], settings: object) -> None:
    for _ in range(5):
        post_password(client, "polis.utredare", "fel")
    response = post_password(client, "polis.utredare")  # even the right password
    assert response.status_code == 429  # type: ignore[attr-defined]
    body = response.content.decode()  # type: ignore[attr-defined]
    assert "För många misslyckade försök" in body
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, detail="locked out").exists()
    # Another user is not affected.
    assert post_password(Client(), "polis.inre").status_code == 302  # type: ignore[attr-defined]


def test_missing_csrf_token_gets_a_swedish_page(personas: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "polis.inre", "password": PASSWORD})
    assert response.status_code == 403
    assert "Formuläret har gått ut" in response.content.decode()


def test_pending_login_expires(client: Client, personas: dict[str, User]) -> None:
    device_for(personas["polis.inre"])
    post_password(client, "polis.inre")
    session = client.session
    session["samverkan_pending_since"] = 0
    session.save()
    assert client.get(VERIFY)["Location"] == LOGIN


def test_demo_mode_logs_in_without_second_factor(client: Client, personas: dict[str, User], settings: object) -> None:
    settings.SAMVERKAN_REQUIRE_2FA = False  # type: ignore[attr-defined]
    response = post_password(client, "soc.chef")
    assert response["Location"] == "/"  # type: ignore[index]
    assert client.get("/").status_code == 200


def test_unverified_session_is_ended(client: Client, personas: dict[str, User]) -> None:
    client.force_login(personas["polis.inre"])
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_next_is_followed_only_within_the_site(client: Client, personas: dict[str, User], settings: object) -> None:
    settings.SAMVERKAN_REQUIRE_2FA = False  # type: ignore[attr-defined]
    client.get(LOGIN + "?next=/logg/")
    assert post_password(client, "soc.chef")["Location"] == "/logg/"  # type: ignore[index]
    other = Client()
    other.get(LOGIN + "?next=https://evil.example/")
    assert post_password(other, "soc.chef")["Location"] == "/"  # type: ignore[index]


def test_logout_needs_post_and_is_audited(personas: dict[str, User], login: Callable[[User], Client]) -> None:
    client = login(personas["polis.inre"])
    assert client.get("/konto/logga-ut/").status_code == 405
    assert client.post("/konto/logga-ut/").status_code == 302
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT).count() == 1


def test_idle_timeout_and_security_headers(client: Client, settings: object, db: None) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60  # type: ignore[attr-defined]
    assert settings.SESSION_SAVE_EVERY_REQUEST  # type: ignore[attr-defined]
    response = client.get(LOGIN)
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]
