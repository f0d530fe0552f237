"""Shared test fixtures: the fixed cast of personas and a two-factor login."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from samverkan.accounts.models import User
from samverkan.demo.personas import ensure_personas
from samverkan.demo.reference import reference_present, seed_all_reference

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


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a transactional test the database is flushed, and with it the reference data the
    migrations seeded (areas, offences, legal bases, deadlines, support units, retention rules):
    seed it again, so that the next test in this process (the suite runs each file on one
    worker, in whatever order) finds the database as the migrations left it."""
    yield
    # Not after the last test: the test database is gone by then (the session's fixtures are
    # torn down with it), and the connection would name the real one.
    if nextitem is not None and _transactional(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            if not reference_present():
                seed_all_reference()


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
