"""The way in and out, in a real browser: two-step login, language switch, logout.

Every page is screenshotted and checked by axe-core (``snap``)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from samverkan.accounts.models import User
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.tests.browser.helpers import (
    current_code,
    log_in_with_password,
    open_menu,
    snap,
    ui_text,
)

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data. Transactional tests flush the database
    # afterwards; the personas fixture seeds the reference data again before each.
    pytest.mark.django_db(transaction=True),
]

LOGIN_URL = re.compile(r"/konto/logga-in/(\?.*)?$")


def test_police_officer_logs_in_switches_language_and_logs_out(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice]
) -> None:
    user = personas["polis.inre"]
    device = authenticator(user)

    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)
    snap(page, "login", "1-password", viewport)

    log_in_with_password(page, "polis.inre")
    expect(page).to_have_url(re.compile(r"/konto/logga-in/kod/$"))
    snap(page, "login", "2-code", viewport)
    page.locator("input[name=code]").fill(current_code(device))
    page.get_by_role("button", name=ui_text("sv", "Log in"), exact=True).click()

    # The start page, in Swedish (the browser asks for Swedish, and it is the default).
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        ui_text("sv", "Welcome, %(name)s", name=user.display_name)
    )
    whoami = page.locator(".whoami")
    expect(whoami).to_contain_text(ui_text("sv", "Police officer"))
    expect(whoami).to_contain_text("Polisregion Stockholm")
    snap(page, "login", "3-start", viewport)

    open_menu(page)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.display_name}")
    expect(whoami).to_contain_text("Police officer")
    snap(page, "login", "4-start-english", viewport)

    open_menu(page)
    page.get_by_role("button", name="Svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(whoami).to_contain_text(ui_text("sv", "Police officer"))

    open_menu(page)
    page.get_by_role("button", name=ui_text("sv", "Log out")).click()
    expect(page).to_have_url(LOGIN_URL)
    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)

    logged = list(
        AuditEvent.objects.filter(username="polis.inre")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert logged == [AuditAction.LOGIN, AuditAction.LOGOUT]


def test_first_login_enrols_an_authenticator_app(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice]
) -> None:
    """Outside demo mode a user without an app connects one before getting in, with an
    activation code that an administrator of their agency issued on the user administration."""
    admin, user = personas["polis.admin"], personas["polis.inre"]

    # The administrator issues the code and reads it off the page (shown once).
    admin_device = authenticator(admin)
    log_in_with_password(page, "polis.admin")
    page.locator("input[name=code]").fill(current_code(admin_device))
    page.get_by_role("button", name=ui_text("sv", "Log in"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/anvandare/accounts/user/")
    page.locator(f"input[name=_selected_action][value='{user.pk}']").check()
    page.locator("select[name=action]").select_option("issue_activation_code")
    page.locator("button[name=index]").click()
    code = page.locator("code.activation-code").inner_text()
    snap(page, "enrol", "1-admin-code", viewport)
    open_menu(page)
    page.get_by_role("button", name=ui_text("sv", "Log out")).click()
    expect(page).to_have_url(LOGIN_URL)

    # The user: password, then the activation code, then the app.
    log_in_with_password(page, "polis.inre")
    expect(page).to_have_url(re.compile(r"/konto/logga-in/koppla-app/$"))
    expect(page.locator("img.qr")).to_have_count(0)
    snap(page, "enrol", "2-activation", viewport)
    page.locator("input[name=activation_code]").fill(code)
    page.get_by_role("button", name=ui_text("sv", "Continue")).click()
    # The QR code is an inline SVG image: the CSP's img-src must allow data: URIs.
    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    snap(page, "enrol", "3-app", viewport)

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.locator("input[name=code]").fill(current_code(device))
    page.get_by_role("button", name=ui_text("sv", "Confirm and log in")).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".whoami")).to_contain_text(ui_text("sv", "Police officer"))
    snap(page, "enrol", "4-start", viewport)
    assert TOTPDevice.objects.get(pk=device.pk).confirmed


def test_pages_load_without_console_errors(
    page: Page, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice]
) -> None:
    """Scripts, styles and images load under the CSP (the page fixture reads the console)."""
    page.goto("/konto/logga-in/")
    device = authenticator(personas["polis.admin"])
    log_in_with_password(page, "polis.admin")
    page.locator("input[name=code]").fill(current_code(device))
    page.get_by_role("button", name=ui_text("sv", "Log in"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))

    for path in ("/", "/anvandare/", "/anvandare/accounts/user/"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 200, path
        page.wait_for_load_state("load")
