"""A joint shift run end to end from two phones: the police officer and the social worker.

Every page is screenshotted and checked by axe-core (``snap``)."""

from __future__ import annotations

import datetime as dt
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
from samverkan.tests.browser.helpers import log_in, nav_link, snap, ui_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
        nav_link(officer, ui_text("sv", "Shifts")).click()
        expect(officer.locator(f'a[href="/pass/{planned_shift.pk}/"]').first).to_be_visible()
        snap(officer, "joint-shift", "1-officer-shifts", viewport)
        officer.locator(f'a[href="/pass/{planned_shift.pk}/"]').first.click()
        officer.get_by_role("button", name=ui_text("sv", "Start the shift")).click()
        expect(officer.locator("#shift-status")).to_have_text(ui_text("sv", "Ongoing"))
        officer.get_by_role("button", name=ui_text("sv", "Check in")).click()
        expect(officer.locator("main")).to_contain_text(ui_text("sv", "You have checked in to the shift."))
        snap(officer, "joint-shift", "2-officer-checked-in", viewport)

        # The social worker checks in and records an adult met at the hotel.
        worker.goto(f"/pass/{planned_shift.pk}/")
        worker.get_by_role("button", name=ui_text("sv", "Check in")).click()
        expect(worker.locator("main")).to_contain_text(ui_text("sv", "You have checked in to the shift."))
        record(worker, "Person in prostitution", "18 or over")
        expect(worker.locator("#encounter-panel")).to_contain_text(ui_text("sv", "Encounter recorded."))
        expect(worker.locator("#encounter-count")).to_have_text("1")
        snap(worker, "joint-shift", "3-worker-recorded", viewport)

        # The officer records a person who may be a child: a child-concern report is made at once.
        officer.reload()
        record(officer, "Person in prostitution", "Uncertain")
        expect(officer.locator("#concern-notice")).to_be_visible()
        expect(officer.locator("#encounter-count")).to_have_text("2")
        assert ChildConcernReport.objects.filter(encounter__shift=planned_shift).count() == 1
        snap(officer, "joint-shift", "4-officer-concern", viewport)

        # It reaches the social worker's inbox.
        worker.goto(reverse("support:concern_inbox"))
        expect(worker.locator("main")).to_contain_text(ui_text("sv", "Child in prostitution"))
        snap(worker, "joint-shift", "5-worker-inbox", viewport)

        # The officer completes the shift, behind its confirm step.
        officer.locator("#complete-confirm summary").click()
        officer.get_by_role("button", name=ui_text("sv", "Yes, complete the shift")).click()
        expect(officer.locator("#shift-status")).to_have_text(ui_text("sv", "Completed"))
        snap(officer, "joint-shift", "6-officer-completed", viewport)
    finally:
        worker_context.close()

    planned_shift.refresh_from_db()
    assert planned_shift.status == ShiftStatus.COMPLETED
    assert Encounter.objects.filter(shift=planned_shift).count() == 2


def test_a_coordinator_staffs_field_staff_only_and_a_shift_waits_for_its_start(
    page: Page,
    browser: Browser,
    live_server: LiveServer,
    viewport: str,
    personas: dict[str, User],
    authenticator: Callable[[User], TOTPDevice],
) -> None:
    """The picker offers no administrator, a forged request is refused, and completion waits for the start."""
    collaboration = Collaboration.objects.get(code="stockholm")
    start = timezone.now() + dt.timedelta(hours=1)  # within the margin: it can be started, not completed
    shift = actions.do_create_shift(
        collaboration=collaboration, area=Area.objects.get(code="lpo-sodermalm-2025"),
        starts_at=start, ends_at=start + dt.timedelta(hours=5), basis="outreach",
        participants=[personas["polis.inre"]], acting_user=personas["polis.samordnare"],
    )
    log_in(page, "polis.samordnare", authenticator(personas["polis.samordnare"]))
    page.goto(f"/pass/{shift.pk}/")
    snap(page, "staffing", "1-coordinator-shift", viewport)

    picker = page.locator("select[name=user]")
    offered = picker.locator("option").all_inner_texts()
    assert any("Socialsekreterare" in name for name in offered)
    assert not any("Administratör" in name or "Granskare" in name or "Chef" in name for name in offered)

    # A forged request with the administrator's id, the page's own CSRF token and session.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    assert token
    forged = page.request.post(
        f"/pass/{shift.pk}/deltagare/",
        form={"csrfmiddlewaretoken": token, "user": str(personas["polis.admin"].pk)},
        headers={"Referer": page.url},
    )
    assert forged.status == 400
    assert ui_text("sv", "Select a valid choice. That choice is not one of the available choices.") in forged.text()
    assert not shift.participants.filter(user=personas["polis.admin"]).exists()

    # The social worker is staffed from the picker; both check in (in the field, on their phones).
    picker.select_option(label=next(name for name in offered if "Socialsekreterare" in name))
    page.get_by_role("button", name=ui_text("sv", "Add to the shift")).click()
    expect(page.locator("section[aria-labelledby=staff-heading] > ul")).to_contain_text("Socialsekreterare (demo)")
    page.get_by_role("button", name=ui_text("sv", "Start the shift")).click()
    expect(page.locator("#shift-status")).to_have_text(ui_text("sv", "Ongoing"))
    snap(page, "staffing", "2-coordinator-staffed", viewport)
    for name in ("polis.inre", "soc.handlaggare"):
        actions.do_check_in(shift, acting_user=personas[name])

    # An hour before its planned start the officer cannot complete the shift. The refusal
    # answers 400, which Chromium logs as a failed load: the one console error allowed here.
    officer_context = browser.new_context(base_url=live_server.url, locale="sv-SE", timezone_id="Europe/Stockholm", **VIEWPORTS[viewport])
    errors: list[str] = []
    officer_context.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    officer_context.on("weberror", lambda web_error: errors.append(str(web_error.error)))
    officer = officer_context.new_page()
    try:
        log_in(officer, "polis.inre", authenticator(personas["polis.inre"]))
        officer.goto(f"/pass/{shift.pk}/")
        officer.locator("#complete-confirm summary").click()
        officer.get_by_role("button", name=ui_text("sv", "Yes, complete the shift")).click()
        expect(officer.locator("main")).to_contain_text("Passet kan inte avslutas innan det har börjat")
        expect(officer.locator("#shift-status")).to_have_text(ui_text("sv", "Ongoing"))
        snap(officer, "staffing", "3-officer-refused", viewport)
    finally:
        officer_context.close()
    assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.ONGOING
    assert shift.completed_at is None
