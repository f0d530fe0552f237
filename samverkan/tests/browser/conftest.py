"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

The browser is the distribution's ``/usr/bin/chromium`` (``apt-get install
chromium``), never one downloaded by ``playwright install``. Without it every
test here is skipped; ``make test`` says so plainly.

Every test runs twice, on a phone-sized and on a desktop viewport, in a
Swedish browser (Samverkan is Swedish first). Any console error on any page a
test opens fails the test: a Content Security Policy violation, a script
error or a missing static file all show up there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from samverkan.accounts.models import User
from samverkan.demo.personas import ensure_personas
from samverkan.tests.browser.helpers import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Keep Chromium from calling home: the tests run offline, where those calls
    # only fail and slow every start.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1440, "height": 900}},
}


@pytest.fixture(scope="package")
def playwright(django_db_setup: None) -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)")
    # Playwright's sync API keeps an asyncio event loop running in this thread.
    # Django refuses ORM calls from a thread with a running loop; the test code is
    # plain synchronous code all the same, so the check is lifted for these tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # With a loop running, asgiref hands this thread new connection objects. Carry
    # over the test database's serialised contents (for serialized_rollback) and
    # close the new connections before the loop stops, or PostgreSQL would refuse
    # to drop the test database at the end.
    serialized = {
        conn.alias: conn._test_serialized_contents
        for conn in connections.all()
        if hasattr(conn, "_test_serialized_contents")
    }
    try:
        with sync_playwright() as p:
            for alias, contents in serialized.items():
                connections[alias]._test_serialized_contents = contents  # type: ignore[attr-defined]
            try:
                yield p
            finally:
                connections.close_all()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """``phone`` or ``desktop``: every test that opens a page runs on both."""
    return str(request.param)


@pytest.fixture
def context(browser: Browser, live_server: LiveServer, viewport: str) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
        **VIEWPORTS[viewport],
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


class ConsoleErrors:
    """Console errors and uncaught exceptions of every page in a test."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url") or (message.page.url if message.page else "?")
        self.errors.append(f"{url}: {message.text}")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    console = ConsoleErrors()
    context.on("console", console.on_console)
    context.on("weberror", lambda web_error: console.on_page_error(web_error.error))
    page = context.new_page()
    yield page
    if console.errors:
        pytest.fail("Console errors in the browser:\n" + "\n".join(console.errors))


@pytest.fixture
def personas(transactional_db: None) -> dict[str, User]:
    """Every persona by username, password ``PASSWORD``, no authenticator yet."""
    return {user.username: user for user in ensure_personas(PASSWORD)}


@pytest.fixture
def authenticator() -> Callable[[User], TOTPDevice]:
    """``authenticator(user)`` → a confirmed TOTP device, as after enrolment."""

    def _authenticator(user: User) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    return _authenticator


@pytest.fixture
def queued_jobs(settings: Any) -> None:
    """Jobs wait in the database for the worker, as in production (the suite runs them at once);
    ``helpers.run_worker`` then runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
