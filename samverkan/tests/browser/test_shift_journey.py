"""A joint shift run end to end from two phones: the police officer and the social worker."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.operations import actions
from samverkan.operations.models import ChildConcernReport, Encounter, Shift, ShiftStatus
from samverkan.tests.browser.conftest import VIEWPORTS
from samverkan.tests.browser.helpers import PASSWORD, current_code, ui_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, username: str, device: TOTPDevice) -> None:
    page.goto("/konto/logga-in/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=ui_text("sv", "Continue")).click()
    page.locator("input[name=code]").fill(current_code(device))
    page.get_by_role("button", name=ui_text("sv", "Log in"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))


def record(page: Page, who: str, age: str) -> None:
    """The field entry: three taps and a button."""
    panel = page.locator("#encounter-panel")
    panel.get_by_text(ui_text("sv", who), exact=True).click()
    panel.get_by_text(ui_text("sv", age), exact=True).click()
    panel.get_by_role("button", name=ui_text("sv", "Record encounter")).click()


@pytest.fixture
def planned_shift(personas: dict[str, User]) -> Shift:
    collaboration = Collaboration.objects.get(code="stockholm")
    hotel, _ = actions.do_find_or_create_venue(
        collaboration=collaboration, kind="hotel", name="Hotell Demo", address="Demogatan 1",
        acting_user=personas["polis.samordnare"],
    )
    start = timezone.now() - dt.timedelta(minutes=30)
    return actions.do_create_shift(
        collaboration=collaboration, area=Area.objects.get(code="lpo-sodermalm-2025"),
        starts_at=start, ends_at=start + dt.timedelta(hours=5), basis="outreach", planned_venues=[hotel],
        participants=[personas["polis.inre"], personas["soc.handlaggare"]], acting_user=personas["polis.samordnare"],
    )


def test_a_joint_shift_from_start_to_finish(
    page: Page,
    context: BrowserContext,
    browser: Browser,
    live_server: LiveServer,
    viewport: str,
    personas: dict[str, User],
    authenticator: Callable[[User], TOTPDevice],
    planned_shift: Shift,
) -> None:
    officer = page
    log_in(officer, "polis.inre", authenticator(personas["polis.inre"]))
    worker_context = browser.new_context(base_url=live_server.url, locale="sv-SE", timezone_id="Europe/Stockholm", **VIEWPORTS[viewport])
    worker = worker_context.new_page()
    try:
        log_in(worker, "soc.handlaggare", authenticator(personas["soc.handlaggare"]))

        # The officer finds the shift under "now and next" and starts it.
        officer.get_by_role("link", name=ui_text("sv", "Shifts"), exact=True).first.click()
        officer.locator(f'a[href="/pass/{planned_shift.pk}/"]').first.click()
        officer.get_by_role("button", name=ui_text("sv", "Start the shift")).click()
        expect(officer.locator("#shift-status")).to_have_text(ui_text("sv", "Ongoing"))

        # The social worker records an adult met at the hotel.
        worker.goto(f"/pass/{planned_shift.pk}/")
        record(worker, "Person in prostitution", "18 or over")
        expect(worker.locator("#encounter-panel")).to_contain_text(ui_text("sv", "Encounter recorded."))
        expect(worker.locator("#encounter-count")).to_have_text("1")

        # The officer records a person who may be a child: a child-concern report is made at once.
        officer.reload()
        record(officer, "Person in prostitution", "Uncertain")
        expect(officer.locator("#concern-notice")).to_be_visible()
        expect(officer.locator("#encounter-count")).to_have_text("2")
        assert ChildConcernReport.objects.filter(encounter__shift=planned_shift).count() == 1

        # It reaches the social worker's inbox.
        worker.goto(reverse("support:concern_inbox"))
        expect(worker.locator("main")).to_contain_text(ui_text("sv", "Child in prostitution"))

        # The officer completes the shift.
        officer.get_by_role("button", name=ui_text("sv", "Complete the shift")).click()
        expect(officer.locator("#shift-status")).to_have_text(ui_text("sv", "Completed"))
    finally:
        worker_context.close()

    planned_shift.refresh_from_db()
    assert planned_shift.status == ShiftStatus.COMPLETED
    assert Encounter.objects.filter(shift=planned_shift).count() == 2
