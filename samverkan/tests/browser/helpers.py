"""Helpers for the browser tests (plain functions; the fixtures are in conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

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


# Screenshots of the journeys, kept by CI as artifacts (``/test-results/`` is not committed).
SCREENSHOTS = Path(os.environ.get("SAMVERKAN_SCREENSHOTS", "test-results/screenshots"))


def snap(page: object, journey: str, step: str, viewport: str) -> None:
    """Keep a full-page screenshot of a journey's step: ``test-results/screenshots/journey/viewport-step.png``."""
    folder = SCREENSHOTS / journey
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{viewport}-{step}.png"), full_page=True)  # type: ignore[attr-defined]
