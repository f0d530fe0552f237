"""A searchable picker in the browser: the social worker links a child-concern report to a client by a search;
the coordinator filters the venues of a new shift. Every page is screenshotted and checked by axe-core (``snap``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from samverkan.accounts.models import Area, Collaboration, User
from samverkan.audit.models import AuditEvent
from samverkan.operations import actions
from samverkan.operations.models import ChildConcernReport
from samverkan.support.actions import do_create_client
from samverkan.support.models import ConcernClientLink
from samverkan.tests.browser.helpers import log_in, snap, ui_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_is_found_by_a_search_not_a_dropdown(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice]
) -> None:
    collaboration = Collaboration.objects.get(code="stockholm")
    officer, worker = personas["polis.inre"], personas["soc.handlaggare"]
    hotel, _ = actions.do_find_or_create_venue(collaboration=collaboration, kind="hotel", name="Hotell Demo", acting_user=officer)
    start = timezone.now() - dt.timedelta(minutes=30)
    shift = actions.do_create_shift(
        collaboration=collaboration, area=Area.objects.get(code="lpo-sodermalm-2025"), starts_at=start,
        ends_at=start + dt.timedelta(hours=5), basis="outreach", planned_venues=[hotel], participants=[officer, worker],
        acting_user=personas["polis.samordnare"],
    )
    actions.do_start_shift(shift, acting_user=officer)
    actions.do_record_encounter(shift, role="exploited", age_band="under_18", venue=hotel, acting_user=officer)
    report = ChildConcernReport.objects.get(encounter__shift=shift)
    for name in ("Ungdomen", "Rosa", "Lilja"):
        do_create_client(pseudonym=name, stated_age=15, acting_user=worker)

    log_in(page, "soc.handlaggare", authenticator(worker))
    page.goto(reverse("support:concern_detail", args=[report.pk]))
    picker = page.locator("[data-picker]")
    # The dropdown gives way to the search; no name shows before a search.
    expect(picker.locator("select")).to_be_hidden()
    expect(picker.locator("select")).to_be_disabled()
    expect(picker.locator(".picker__option")).to_have_count(0)
    snap(page, "client-picker", "1-report", viewport)
    search = picker.get_by_role("searchbox")
    search.fill("ungdom")
    expect(picker.locator(".picker__option")).to_have_count(1)
    # Enter searches; it does not send the form.
    search.press("Enter")
    # The search that Enter sent answers with the same list, swapped in: choose after it.
    page.wait_for_load_state("networkidle")
    expect(picker.locator(".picker__option")).to_have_count(1)
    chosen = picker.get_by_role("radio", name="Ungdomen")
    chosen.check()
    expect(chosen).to_be_checked()
    snap(page, "client-picker", "2-found", viewport)
    expect(chosen).to_be_checked()  # still, after any search answer that came in meanwhile
    page.get_by_role("button", name=ui_text("sv", "Link to client")).click()
    expect(page.locator("main")).to_contain_text(ui_text("sv", "The report was linked to the client."))
    snap(page, "client-picker", "3-linked", viewport)
    assert ConcernClientLink.objects.get(report=report).client.pseudonym == "Ungdomen"
    assert AuditEvent.objects.filter(action="list", record_type="client", detail__contains=f"child-concern report {report.pk}").exists()


def test_the_venues_of_a_shift_are_filtered_not_scrolled(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice]
) -> None:
    collaboration = Collaboration.objects.get(code="stockholm")
    planner = personas["polis.samordnare"]
    for kind, name in (("hotel", "Hotell Norra"), ("hotel", "Hotell Södra"), ("massage_parlour", "Salong Norra")):
        actions.do_find_or_create_venue(collaboration=collaboration, kind=kind, name=name, acting_user=planner)
    log_in(page, "polis.samordnare", authenticator(planner))
    page.goto(reverse("operations:shift_create"))
    venues = page.locator("[data-checklist]")
    venues.get_by_label("Hotell Södra").check()
    venues.get_by_role("searchbox").fill("norra")
    expect(venues.get_by_label("Hotell Norra")).to_be_visible()
    expect(venues.get_by_label("Salong Norra")).to_be_visible()
    # A venue already ticked stays in view.
    expect(venues.get_by_label("Hotell Södra")).to_be_visible()
    snap(page, "venue-picker", "1-filtered", viewport)
    venues.get_by_role("searchbox").fill("salong")
    expect(venues.get_by_label("Hotell Norra")).to_be_hidden()
    venues.get_by_role("searchbox").press("Enter")
    expect(page).to_have_url(reverse("operations:shift_create"))
