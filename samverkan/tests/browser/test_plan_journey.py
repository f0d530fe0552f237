"""A coordinator opens the week's patterns, asks for a proposed plan, changes it (one shift moved to
18:00, the other left out), plans it in one step and finds the shift in the calendar. At 390×844
(phone) and 1440×900 (desktop); any console error fails the test, and every page is screenshotted
and checked by axe-core (``snap``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, ViewportSize, expect

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.intel import actions as intel
from samverkan.operations import actions
from samverkan.operations.models import Shift, ShiftStatus
from samverkan.tests.browser.helpers import log_in, nav_link, snap, ui_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES: dict[str, ViewportSize] = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}


def test_a_coordinator_accepts_a_changed_proposal(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice],
) -> None:
    stockholm = Collaboration.objects.get(code="stockholm")
    officer, coordinator, analyst = personas["polis.inre"], personas["polis.samordnare"], personas["polis.analytiker"]
    farsta = Area.objects.get(code="lpo-farsta")
    venue, _ = actions.do_find_or_create_venue(
        collaboration=stockholm, kind="hotel", name="Hotell Planen", address="Planvägen 1, Stockholm", area=farsta, acting_user=officer,
    )
    tip = intel.do_submit_tip(collaboration=stockholm, what="Något på hotellet", source_type="staff", acting_user=officer)
    intel.do_assess_tip(tip, relevance="high", urgency="urgent", assessment="", acting_user=analyst)
    intel.do_link_tip(tip, venue=venue, acting_user=analyst)
    page.set_viewport_size(SIZES[viewport])
    log_in(page, coordinator.username, authenticator(coordinator))
    nav_link(page, ui_text("sv", "Patterns")).click()
    expect(page.get_by_role("heading", name=ui_text("sv", "Trends by month"))).to_be_visible()
    snap(page, "coordinator-proposal", "1-patterns", viewport)
    page.get_by_role("link", name=ui_text("sv", "Propose a plan")).click()
    expect(page.get_by_label(ui_text("sv", "Number of shifts"))).to_be_visible()
    snap(page, "coordinator-proposal", "2-ask", viewport)
    page.get_by_label(ui_text("sv", "Number of shifts")).fill("2")
    page.get_by_role("button", name=ui_text("sv", "Propose")).click()
    shifts = page.locator("fieldset.proposed-shift")
    expect(shifts).to_have_count(2)
    why = page.locator(".reasons", has_text="Hotell Planen")
    ours = shifts.filter(has=why)
    expect(ours).to_have_count(1)
    expect(ours.get_by_label("Hotell Planen")).to_be_checked()
    snap(page, "coordinator-proposal", "3-proposal", viewport)
    ours.get_by_label(ui_text("sv", "Starts")).fill("18:00")
    other = shifts.filter(has_not=why)
    other.get_by_label(ui_text("sv", "Plan this shift")).uncheck()
    page.get_by_role("button", name=ui_text("sv", "Plan the shifts")).click()
    expect(page).to_have_url(re.compile(r"/kalender/\?year=\d+&month=\d+"))
    shift = Shift.objects.get(created_by=coordinator)
    assert shift.status == ShiftStatus.PLANNED and list(shift.planned_venues.all()) == [venue]
    assert timezone.localtime(shift.starts_at).time() == dt.time(18, 0)
    link = page.locator(f"a.calendar__shift[href='/pass/{shift.pk}/']")
    expect(link).to_contain_text("18:00")
    expect(link).to_contain_text("Farsta")
    snap(page, "coordinator-proposal", "4-calendar", viewport)
