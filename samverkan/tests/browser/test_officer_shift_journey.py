"""The officer's shift as a journey on a phone and a desktop, with every tap counted.

Log in, start tonight's shift, add a venue on the spot, record a minor met there
(the child-concern report is announced), lose the connection and get the entry
through anyway, complete the shift behind its confirm step. From the start page
after login to a recorded encounter at the newly added venue takes at most 10
taps (issue 12: 19 taps and 6 page loads before). Screenshots of each step go to
``$SAMVERKAN_SCREENSHOTS`` (``test-results/screenshots`` by default) for CI to keep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.operations import actions
from samverkan.operations.models import ChildConcernReport, Encounter, Shift, ShiftStatus, Venue
from samverkan.tests.browser.helpers import (
    SCREENSHOTS,
    assert_accessible,
    assert_fits_viewport,
    log_in,
    ui_text,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY_VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1440, "height": 900}},
}
MAX_TAPS = 10


def sv(message: str, **kwargs: object) -> str:
    return ui_text("sv", message, **kwargs)


@pytest.fixture(scope="module")
def screenshots() -> Path:
    """Where the journey's screenshots go (``$SAMVERKAN_SCREENSHOTS``, as every journey's)."""
    path = SCREENSHOTS / "officer-shift"
    path.mkdir(parents=True, exist_ok=True)
    return path


class Journey:
    """A page whose taps are counted, with a screenshot per step, axe-core on it and no page wider than the viewport."""

    def __init__(self, page: Page, name: str, directory: Path) -> None:
        self.page = page
        self.name = name
        self.directory = directory
        self.taps = 0
        self.step = 0

    def tap(self, locator: Locator) -> None:
        self.taps += 1
        locator.click()

    def type(self, locator: Locator, text: str) -> None:
        """One tap into the field, then the keyboard."""
        self.taps += 1
        locator.click()
        locator.fill(text)

    def shot(self, label: str) -> None:
        """A screenshot of the step; the page meets WCAG 2.1 A/AA (axe-core) and fits the screen."""
        self.step += 1
        self.page.screenshot(path=str(self.directory / f"officer-shift-{self.name}-{self.step:02d}-{label}.png"), full_page=True, caret="initial")
        where = f"officer-shift {self.name} {self.step:02d}-{label}"
        assert_accessible(self.page, where)
        assert_fits_viewport(self.page, where)


@pytest.fixture(params=sorted(JOURNEY_VIEWPORTS))
def journey_viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def tonight(personas: dict[str, User]) -> Shift:
    """Tonight's joint shift, planned with one hotel; it can be started now."""
    collaboration = Collaboration.objects.get(code="stockholm")
    hotel, _ = actions.do_find_or_create_venue(
        collaboration=collaboration, kind="hotel", name="Hotell Demo", address="Demogatan 1",
        acting_user=personas["polis.samordnare"],
    )
    start = timezone.now() - dt.timedelta(minutes=10)
    return actions.do_create_shift(
        collaboration=collaboration, area=Area.objects.get(code="lpo-sodermalm-2025"),
        starts_at=start, ends_at=start + dt.timedelta(hours=5), basis="outreach", planned_venues=[hotel],
        participants=[personas["polis.inre"], personas["soc.handlaggare"]], acting_user=personas["polis.samordnare"],
    )


@pytest.fixture
def officer_page(browser: Browser, live_server: LiveServer, journey_viewport: str) -> Iterator[tuple[Page, list[str]]]:
    """The officer's browser; console errors are collected for the test to judge (losing the connection logs some)."""
    context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", timezone_id="Europe/Stockholm", **JOURNEY_VIEWPORTS[journey_viewport]
    )
    context.set_default_timeout(10_000)
    errors: list[str] = []
    context.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    context.on("weberror", lambda web_error: errors.append(f"uncaught: {web_error.error}"))
    try:
        yield context.new_page(), errors
    finally:
        context.close()


def test_the_officers_shift_in_at_most_ten_taps(
    officer_page: tuple[Page, list[str]],
    journey_viewport: str,
    personas: dict[str, User],
    authenticator: Callable[[User], TOTPDevice],
    tonight: Shift,
    screenshots: Path,
) -> None:
    page, errors = officer_page
    journey = Journey(page, journey_viewport, screenshots)

    # Login (its own form; not counted).
    device = authenticator(personas["polis.inre"])
    log_in(page, "polis.inre", device)
    journey.shot("start")

    # The header: on a phone the menu is folded behind a real button.
    menu = page.locator(".menu-button")
    shifts_link = page.get_by_role("navigation", name=sv("Main menu")).get_by_role("link", name=sv("Shifts"), exact=True)
    if journey_viewport == "phone":
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(shifts_link).to_be_hidden()
        heading_top = page.locator("main h1").bounding_box()
        assert heading_top is not None and heading_top["y"] < 200, heading_top
        journey.tap(menu)
        expect(menu).to_have_attribute("aria-expanded", "true")
        journey.shot("menu")
    else:
        expect(menu).to_be_hidden()
    journey.tap(shifts_link)

    # Tonight's shift is started from "now and next": the page opens on the running shift.
    start = page.locator(f"#start-{tonight.pk}")
    expect(start).to_be_visible()
    journey.shot("shifts")
    journey.tap(start)
    expect(page.locator("#shift-status")).to_have_text(sv("Ongoing"))
    journey.shot("started")

    # A venue not in the plan, added in place: confirmed, and chosen for the encounter.
    add_venue = page.locator("#add-venue")
    journey.tap(add_venue.locator("summary"))
    journey.tap(add_venue.get_by_text(sv("Massage parlour"), exact=True))
    journey.type(add_venue.get_by_label(sv("name"), exact=False).first, "Salong Lotus")
    url_before = page.url
    journey.tap(add_venue.get_by_role("button", name=sv("Add venue")))
    confirmation = page.locator("#venue-added")
    expect(confirmation).to_contain_text("Salong Lotus")
    expect(confirmation).to_be_focused()
    assert page.url == url_before
    venue = Venue.objects.get(name="Salong Lotus")
    expect(page.locator("#encounter-venue select")).to_have_value(str(venue.pk))
    journey.shot("venue-added")

    # A minor met there: two answers and the button.
    panel = page.locator("#encounter-panel")
    journey.tap(panel.get_by_text(sv("Person in prostitution"), exact=True))
    journey.tap(panel.get_by_text(sv("Under 18"), exact=True))
    journey.tap(panel.get_by_role("button", name=sv("Record encounter")))
    expect(panel).to_contain_text(sv("Encounter recorded. A child-concern report has been sent to social services."))
    expect(page.locator("#concern-notice")).to_be_visible()
    expect(panel.locator(".encounter-list .saved-mark")).to_have_count(1)
    journey.shot("encounter-recorded")
    taps_to_encounter = journey.taps
    print(f"\n{journey_viewport}: {taps_to_encounter} taps from the start page to a recorded encounter at a new venue")
    assert taps_to_encounter <= MAX_TAPS
    encounter = Encounter.objects.get(shift=tonight)
    assert encounter.venue == venue
    assert ChildConcernReport.objects.filter(encounter=encounter).exists()

    # "Use my position" fills a new venue's coordinates from the phone's location.
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 59.3326, "longitude": 18.0649, "accuracy": 20})
    add_venue = page.locator("#add-venue")
    add_venue.locator("summary").click()
    add_venue.get_by_role("button", name=sv("Use my position")).click()
    expect(add_venue.locator("input[name=latitude]")).to_have_value("59.332600")
    expect(add_venue.locator("input[name=longitude]")).to_have_value("18.064900")
    expect(add_venue.locator("[data-geolocate-status]")).to_contain_text("20")

    # No signal: the send fails at once and says so, what was entered stays, and it goes
    # through when the connection is back (the same key: one encounter, not two).
    page.context.set_offline(True)
    panel.get_by_text(sv("Buyer"), exact=True).click()
    panel.get_by_text(sv("18 or over"), exact=True).click()
    panel.get_by_role("button", name=sv("Record encounter")).click()
    status = page.locator("#encounter-send-status")
    expect(status).to_contain_text("Inte sparat")
    expect(panel.locator("input[name=role][value=buyer]")).to_be_checked()
    expect(panel.get_by_role("button", name=sv("Try again now"))).to_be_enabled()
    journey.shot("not-sent")
    page.context.set_offline(False)
    expect(panel).to_contain_text(sv("Encounter recorded."))
    expect(page.locator("#encounter-count")).to_have_text("2")
    assert Encounter.objects.filter(shift=tonight).count() == 2

    # Completing takes a second, deliberate tap.
    actions.do_check_in(tonight, acting_user=personas["soc.handlaggare"])
    page.reload()
    page.get_by_role("button", name=sv("Check in")).click()
    confirm = page.locator("#complete-confirm")
    yes = confirm.get_by_role("button", name=sv("Yes, complete the shift"))
    expect(yes).to_be_hidden()
    confirm.locator("summary").click()
    journey.shot("confirm-complete")
    yes.click()
    expect(page.locator("#shift-status")).to_have_text(sv("Completed"))
    journey.shot("completed")
    tonight.refresh_from_db()
    assert tonight.status == ShiftStatus.COMPLETED

    # The month's calendar fits the screen (the shift is in it).
    page.goto("/pass/kalender/")
    expect(page.locator(f'.calendar a[href="/pass/{tonight.pk}/"]')).to_be_visible()
    journey.shot("calendar")

    # Only the lost connection's own failures reached the console (the browser's and htmx's).
    lost = ("ERR_INTERNET_DISCONNECTED", "htmx:sendError", "htmx:afterRequest")
    unexpected = [e for e in errors if not any(word in e for word in lost)]
    assert not unexpected, "\n".join(unexpected)


def test_an_entry_sent_after_the_session_ended_is_kept_and_said_not_saved(
    officer_page: tuple[Page, list[str]],
    personas: dict[str, User],
    authenticator: Callable[[User], TOTPDevice],
    tonight: Shift,
) -> None:
    """The login page that answers a send after a logout is never put into the panel."""
    page, errors = officer_page
    actions.do_start_shift(tonight, acting_user=personas["polis.inre"])
    device = authenticator(personas["polis.inre"])
    log_in(page, "polis.inre", device)
    page.goto(f"/pass/{tonight.pk}/")
    page.context.clear_cookies(name="sessionid")
    panel = page.locator("#encounter-panel")
    panel.get_by_text(sv("Buyer"), exact=True).click()
    panel.get_by_text(sv("18 or over"), exact=True).click()
    panel.get_by_role("button", name=sv("Record encounter")).click()
    expect(page.locator("#encounter-send-status")).to_contain_text(
        sv("Not saved: you have been logged out. Note what you entered, log in again and record it.")
    )
    expect(panel.locator("input[name=role][value=buyer]")).to_be_checked()
    expect(page.locator("input[name=password]")).to_have_count(0)
    assert not Encounter.objects.filter(shift=tonight).exists()
    assert not errors, errors
