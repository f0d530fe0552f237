"""Helpers for the browser tests (plain functions; the fixtures are in conftest.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Locator, Page, expect

PASSWORD = "correct horse battery staple"


def current_code(device: TOTPDevice) -> str:
    """The six digits the user's authenticator app shows right now."""
    code = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return f"{code:0{device.digits}d}"


def ui_text(language: str, message: str, **kwargs: object) -> str:
    """``message`` as the UI shows it in ``language`` (English until it is translated)."""
    with translation.override(language):
        text = translation.gettext(message)
    return text % kwargs if kwargs else text


def log_in_with_password(page: Page, username: str) -> None:
    """The first step of the login: user name and password, on to the code."""
    page.goto("/konto/logga-in/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=ui_text("sv", "Continue")).click()


def log_in(page: Page, username: str, device: TOTPDevice) -> None:
    """Both steps of the login, ending on the start page."""
    log_in_with_password(page, username)
    page.locator("input[name=code]").fill(current_code(device))
    page.get_by_role("button", name=ui_text("sv", "Log in"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))


def open_menu(page: Page) -> None:
    """Open the header's menu where it is folded behind its button (a phone); elsewhere do nothing."""
    menu = page.locator(".menu-button")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()


def nav_link(page: Page, name: str) -> Locator:
    """The main menu's link ``name`` (as the UI shows it), the phone's menu opened first.

    The link's name may go on with what waits there ("Orosanmälningar, 1 ny"): the
    label matches up to that comma.
    """
    open_menu(page)
    label = re.compile(rf"^{re.escape(name)}(,|$)")
    return page.get_by_role("navigation", name=ui_text("sv", "Main menu")).get_by_role("link", name=label)


# Screenshots of the journeys, kept by CI as artifacts (``/test-results/`` is not committed).
SCREENSHOTS = Path(os.environ.get("SAMVERKAN_SCREENSHOTS", "test-results/screenshots"))


def snap(page: object, journey: str, step: str, viewport: str) -> None:
    """Keep a full-page screenshot of a journey's step: ``test-results/screenshots/journey/viewport-step.png``."""
    folder = SCREENSHOTS / journey
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{viewport}-{step}.png"), full_page=True, caret="initial")  # type: ignore[attr-defined]
