"""The coordinator plans the coming week from a tip, on a phone (390×844) and a desktop (1440×900).

An officer submits a tip about a hotel and the police's analyst assesses it and links it to
the venue (as they would, through the intel actions). The coordinator finds the tip in the
tips list, reads its summary (never its source), plans a shift from it for the coming week
and finds the shift on the start page's week and in the shift calendar. Every page is
screenshotted and checked by axe-core (``snap``); none is wider than the viewport.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.intel import actions as intel
from samverkan.intel.models import Tip, TipStatus
from samverkan.operations import actions
from samverkan.operations.models import Shift, ShiftBasis, ShiftStatus
from samverkan.tests.browser.helpers import log_in, nav_link, snap, ui_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = "coordinator-tip-week"
WHAT = "Unga kvinnor tas emot på Hotell Veckan sent på kvällarna"
SOURCE = "Tipsarens Namn"


def sv(message: str, **kwargs: object) -> str:
    return ui_text("sv", message, **kwargs)


@pytest.fixture
def tip(personas: dict[str, User]) -> Tip:
    """A tip from an officer, assessed by the analyst and linked to the hotel it names."""
    stockholm = Collaboration.objects.get(code="stockholm")
    hotel, _ = actions.do_find_or_create_venue(
        collaboration=stockholm, kind="hotel", name="Hotell Veckan", address="Veckogatan 7, Stockholm",
        area=Area.objects.get(code="lpo-farsta"), acting_user=personas["polis.inre"],
    )
    tip = intel.do_submit_tip(
        collaboration=stockholm, what=WHAT, where="Hotell Veckan", city="Stockholm", venue_kind="hotel",
        when_text="Fredagar efter 22", source_type="public", source_name=SOURCE, acting_user=personas["polis.inre"],
    )
    analyst = personas["polis.analytiker"]
    intel.do_assess_tip(tip, relevance="high", urgency="soon", assessment="Analytikerns anteckning", acting_user=analyst)
    return intel.do_link_tip(tip, venue=hotel, acting_user=analyst)


def test_a_coordinator_plans_the_coming_week_from_a_tip(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice], tip: Tip
) -> None:
    coordinator = personas["polis.samordnare"]
    log_in(page, coordinator.username, authenticator(coordinator))
    week = page.locator("#panel-coming_week")
    expect(week).to_contain_text(sv("No shift is planned for the coming week."))
    snap(page, JOURNEY, "1-start", viewport)

    # The tips list: the new tip, by what it says.
    nav_link(page, sv("Tips")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Tips"))
    row = page.locator("tbody tr").filter(has_text=WHAT[:40])
    expect(row).to_have_count(1)
    snap(page, JOURNEY, "2-tips", viewport)

    # The tip as a summary: what, where and when, never the source or the analysts' notes.
    row.get_by_role("link", name=str(tip.pk), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(sv("Tip %(n)s", n=tip.pk))
    summary = page.locator("#tip-summary")
    expect(summary).to_contain_text(WHAT)
    expect(summary).to_contain_text("Hotell Veckan")
    expect(page.get_by_text(SOURCE)).to_have_count(0)
    expect(page.get_by_text("Analytikerns anteckning")).to_have_count(0)
    snap(page, JOURNEY, "3-tip", viewport)

    # Plan a shift from it for the coming week: Friday night, the tip's hotel ticked already.
    page.get_by_role("link", name=sv("Plan a shift from the tip")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Plan a shift from the tip"))
    farsta = Area.objects.get(code="lpo-farsta")
    expect(page.get_by_label("Hotell Veckan")).to_be_checked()
    expect(page.get_by_label(sv("Area"))).to_have_value(str(farsta.pk))  # the hotel's area
    expect(page.get_by_label(sv("Briefing"))).to_have_value(sv("Based on tip %(number)s.", number=tip.pk))
    snap(page, JOURNEY, "4-plan", viewport)

    day = timezone.localdate() + dt.timedelta(days=3)
    page.get_by_label(sv("Starts")).fill(f"{day:%Y-%m-%d}T21:30")
    page.get_by_label(sv("Ends")).fill(f"{day + dt.timedelta(days=1):%Y-%m-%d}T02:00")
    page.get_by_role("button", name=sv("Plan the shift")).click()

    # The new shift's page says where it came from.
    expect(page.locator("main")).to_contain_text(sv("A shift is planned from the tip."))
    shift = Shift.objects.get(created_by=coordinator)
    expect(page).to_have_url(re.compile(reverse("operations:shift_detail", args=[shift.pk]) + "$"))
    assert (shift.basis, shift.status) == (ShiftBasis.TIP, ShiftStatus.PLANNED)
    assert timezone.localtime(shift.starts_at) == timezone.make_aware(dt.datetime.combine(day, dt.time(21, 30)))
    assert [v.name for v in shift.planned_venues.all()] == ["Hotell Veckan"]
    tip.refresh_from_db()
    assert (tip.shift, tip.status) == (shift, TipStatus.LINKED)
    snap(page, JOURNEY, "5-shift", viewport)

    # The start page: the shift is in the coming week, and among those still without staff.
    page.goto("/")
    detail = reverse("operations:shift_detail", args=[shift.pk])
    expect(week.locator(f'a[href="{detail}"]')).to_contain_text("21:30")
    unstaffed = page.locator("#panel-unstaffed")
    expect(unstaffed.locator(f'a[href="{detail}"]')).to_be_visible()
    snap(page, JOURNEY, "6-start-week", viewport)

    # The calendar of the shift's month has it on its day.
    unstaffed.get_by_role("link", name=sv("The calendar")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(sv("Shift calendar"))
    if day.month != timezone.localdate().month:
        page.get_by_role("navigation", name=sv("Months")).locator(f'a[href="?year={day.year}&month={day.month}"]').click()
        expect(page).to_have_url(re.compile(rf"year={day.year}&month={day.month}$"))
    link = page.locator(f'a.calendar__shift[href="{detail}"]')
    expect(link).to_contain_text("21:30")
    expect(link).to_contain_text("Farsta")
    snap(page, JOURNEY, "7-calendar", viewport)
