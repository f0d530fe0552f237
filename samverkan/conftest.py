"""Shared test fixtures: the fixed cast of personas and a two-factor login."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from samverkan.accounts.models import User
from samverkan.demo.personas import ensure_personas

PASSWORD = "correct horse battery staple"

# Property-based tests check behaviour, never speed: no per-example deadline
# (CI machines are slower and busier than a laptop; speed is for `make bench`).
hypothesis_settings.register_profile("samverkan", deadline=None)
hypothesis_settings.load_profile("samverkan")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _job_files_in_tmp(settings: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Uploads waiting for their job go to a temporary folder, never the checkout's var/."""
    settings.SAMVERKAN_JOB_FILES_DIR = tmp_path_factory.mktemp("job-files")  # type: ignore[attr-defined]


@pytest.fixture
def personas(db: None) -> dict[str, User]:
    """Every persona of ``samverkan.demo.personas`` by username, password ``PASSWORD``."""
    return {u.username: u for u in ensure_personas(PASSWORD)}


def login_verified(client: Client, user: User) -> Client:
    """Log ``client`` in as ``user`` with a session verified by a TOTP device."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    """``login(user)`` → a test client logged in as ``user`` with both factors."""

    def _login(user: User) -> Client:
        return login_verified(Client(), user)

    return _login
