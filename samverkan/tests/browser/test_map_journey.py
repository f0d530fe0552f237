"""A coordinator opens the map with no tile server: the areas' outlines, the venues clustered, a click
opens what they may see of a point. At 390×844 (phone) and 1440×900 (desktop); any console error
(a CSP violation, a missing vendored file) fails the test; every page is screenshotted and checked
by axe-core (``snap``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, ViewportSize, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.operations import actions
from samverkan.tests.browser.helpers import log_in, snap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES: dict[str, ViewportSize] = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}


def test_a_coordinator_opens_the_map_without_tiles(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice],
) -> None:
    assert not django_settings.SAMVERKAN_MAP_TILES
    stockholm = Collaboration.objects.get(code="stockholm")
    officer, coordinator = personas["polis.inre"], personas["polis.samordnare"]
    farsta = Area.objects.get(code="lpo-farsta")
    venue, _ = actions.do_find_or_create_venue(
        collaboration=stockholm, kind="hotel", name="Hotell Kartan", address="Kartvägen 1, Stockholm", area=farsta, acting_user=officer,
    )
    actions.do_find_or_create_venue(
        collaboration=stockholm, kind="street", name="Gatumiljö Kartan", address="Kartgatan 2, Stockholm", area=farsta, acting_user=officer,
    )
    start = timezone.now() - dt.timedelta(days=3)
    actions.do_create_shift(
        collaboration=stockholm, area=farsta, starts_at=start, ends_at=start + dt.timedelta(hours=5), basis="outreach",
        planned_venues=[venue], acting_user=coordinator,
    )
    page.set_viewport_size(SIZES[viewport])
    log_in(page, coordinator.username, authenticator(coordinator))
    page.goto("/planering/karta/")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    expect(page.locator("#map")).to_have_attribute("data-loaded", "2")
    # No tiles: the areas' outlines are drawn (SVG paths), and nothing asked a tile server.
    assert page.locator("#map path.map-area").count() >= 5
    assert page.locator("#map img.leaflet-tile").count() == 0
    snap(page, "coordinator-map", "1-map", viewport)
    clusters = page.locator("#map .marker-cluster")
    if clusters.count():
        clusters.first.click()  # zooms in (or spreads the markers out)
    marker = page.locator(".map-marker--venues").first
    expect(marker).to_be_visible()
    popup = page.locator(".leaflet-popup-content")
    # A click during the cluster's zoom animation can land before the marker settles: again.
    for _attempt in range(3):
        marker.click()
        try:
            popup.wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeoutError:
            continue
    expect(popup).to_be_visible()
    # Leaflet fades a popup in: axe measures contrast on what is drawn, so wait for the fade's end.
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    snap(page, "coordinator-map", "2-popup", viewport)
    link = popup.get_by_role("link")
    href = link.get_attribute("href") or ""
    assert href.startswith("/pass/platser/")
    link.click()
    expect(page.locator("h1")).to_contain_text("Kartan")
    snap(page, "coordinator-map", "3-venue", viewport)
