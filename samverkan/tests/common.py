"""Helpers and fixtures that the apps' test packages share (imported by their conftests).

Kept here once: a synthetic personnummer, a birth date some years back, and the English
interface that the tests' assertions match (the Swedish catalogue may reword a message
without breaking a test).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import timezone, translation

from samverkan.accounts.models import User
from samverkan.conftest import login_verified
from samverkan.lib.identity import luhn_check_digit

Login = Callable[[User], HttpClient]


def personnummer(birth: dt.date, serial: str | int = "123") -> str:
    """A synthetic, valid twelve-digit personnummer for ``birth``, as YYYYMMDD-NNNN."""
    serial = f"{int(serial):03d}"
    return f"{birth:%Y%m%d}-{serial}{luhn_check_digit(f'{birth:%y%m%d}{serial}')}"


def years_ago(years: int, days: int = 30) -> dt.date:
    """A birth date that makes someone ``years`` old today (and ``days`` past the birthday)."""
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in their English source form, whatever the catalogue says."""
    with translation.override("en"):
        yield


@pytest.fixture
def login() -> Login:
    """``login(user)`` → a two-factor-verified client that reads the pages in English."""

    def _login(user: User) -> HttpClient:
        http = login_verified(HttpClient(), user)
        http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return http

    return _login
