"""Journeys that begin on the start page, on a phone (390×844) and a desktop (1440×900).

- The social worker: from the notification of a new child-concern report to the report.
- The manager: from the year's figures on the start page to the public PDF, marked with
  its suppression rule on every page.
- The auditor: from the start page's search to who read a client.

Screenshots of each step go to ``test-results/screenshots/`` (CI keeps them).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from samverkan.accounts.models import User
from samverkan.accounts.policy import RecordType
from samverkan.audit.actions import audit_record
from samverkan.audit.models import AuditAction
from samverkan.operations.models import ChildConcernReport
from samverkan.support import actions as social
from samverkan.tests.browser.helpers import log_in, snap, ui_text
from samverkan.tests.common import met_on_a_shift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_wider_than_viewport(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None and width <= viewport["width"], f"page is {width}px wide"


@pytest.fixture
def new_concern_report(personas: dict[str, User]) -> ChildConcernReport:
    """An officer met a possible minor on an ongoing shift: the report goes to social services."""
    met = met_on_a_shift(
        personas,
        venue="Hotell Avisering",
        address="Aviseringsgatan 1",
        age_band="under_18",
        started_hours_ago=1,
        minutes_ago=10,
    )
    return ChildConcernReport.objects.get(encounter=met)


def test_social_worker_from_the_notification_to_the_concern_report(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice],
    new_concern_report: ChildConcernReport,
) -> None:
    log_in(page, "soc.handlaggare", authenticator(personas["soc.handlaggare"]))
    # The start page: the new report first, tonight's shift one tap away, a counter in the header.
    concerns = page.locator("#panel-concerns")
    expect(concerns).to_be_visible()
    expect(concerns).to_contain_text(ui_text("sv", "New, nobody has acted on them yet"))
    expect(page.locator("#panel-next_shift")).to_contain_text(ui_text("sv", "Your shift now"))
    counter = page.locator(".nav-count")
    expect(counter).to_contain_text("1")
    no_wider_than_viewport(page)
    snap(page, "social-worker-notification", "1-start", viewport)

    counter.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui_text("sv", "Notifications"))
    notice = page.get_by_role("button", name=re.compile(ui_text("sv", "A new child-concern report")))
    expect(notice).to_be_visible()
    snap(page, "social-worker-notification", "2-notifications", viewport)

    notice.click()
    expect(page).to_have_url(re.compile(reverse("support:concern_detail", args=[new_concern_report.pk]) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(new_concern_report.pk))
    no_wider_than_viewport(page)
    snap(page, "social-worker-notification", "3-report", viewport)
    # Read: the counter is gone.
    expect(page.locator(".nav-count .badge")).to_have_count(0)


def test_manager_downloads_the_public_pdf(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice]
) -> None:
    log_in(page, "soc.chef", authenticator(personas["soc.chef"]))
    figures = page.locator("#panel-figures")
    expect(figures).to_contain_text(ui_text("sv", "Figures so far this year"))
    expect(page.locator("#panel-concern_counts")).to_be_visible()
    no_wider_than_viewport(page)
    snap(page, "manager-public-pdf", "1-start", viewport)

    figures.get_by_role("link", name=ui_text("sv", "All results and downloads")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui_text("sv", "Results"))
    page.get_by_label(ui_text("sv", "Public version (small counts protected)")).check()
    page.get_by_role("button", name=ui_text("sv", "Show")).click()
    expect(page.locator(".badge--ok")).to_be_visible()
    snap(page, "manager-public-pdf", "2-results", viewport)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF", exact=True).click()
    path = download_info.value.path()
    assert path is not None
    with open(path, "rb") as pdf:
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages]
    assert pages
    assert all("publicering" in text.lower() and "Intern" not in text for text in pages)


def test_auditor_finds_who_read_a_client(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice]
) -> None:
    worker = personas["soc.handlaggare"]
    client, _ = social.do_create_client(pseudonym="Granskad Klient", acting_user=worker)
    audit_record(worker, AuditAction.VIEW, RecordType.CLIENT, client)

    log_in(page, "soc.granskare", authenticator(personas["soc.granskare"]))
    search = page.locator("#panel-audit_search")
    expect(search).to_be_visible()
    no_wider_than_viewport(page)
    snap(page, "auditor-who-read", "1-start", viewport)

    search.get_by_label(ui_text("sv", "Record type")).select_option(RecordType.CLIENT.value)
    search.get_by_label(ui_text("sv", "Record id")).fill(str(client.pk))
    search.get_by_role("button", name=ui_text("sv", "Search the log")).click()
    expect(page).to_have_url(re.compile(r"/logg/\?"))
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="soc.handlaggare").first).to_be_visible()
    snap(page, "auditor-who-read", "2-log", viewport)
