"""Journeys that begin on the start page, on a phone (390×844) and a desktop (1440×900).

- The social worker: from the notification of a new child-concern report to the report, the
  child linked through a search, assessed, decided, referred and the report closed; the
  menu counts the new report until someone has acted on it.
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
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from samverkan.accounts.models import User
from samverkan.accounts.policy import RecordType
from samverkan.audit.actions import audit_record
from samverkan.audit.models import AuditAction
from samverkan.operations.models import ChildConcernReport
from samverkan.support import actions as social
from samverkan.support.models import ConcernHandling, ConcernStatus, SupportUnit
from samverkan.tests.browser.helpers import log_in, nav_link, run_worker, snap, ui_text
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


def counted(context: str, message: str, count: int) -> str:
    """A count in words as the Swedish menu says it ("1 ny")."""
    with translation.override("sv"):
        return translation.npgettext(context, message, message, count) % {"count": count}


def concern_counter(page: Page) -> Locator:
    """The main menu's child-concern reports: its name says what waits there."""
    return nav_link(page, ui_text("sv", "Child-concern reports"))


def test_social_worker_from_the_notification_to_the_concern_report(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice],
    new_concern_report: ChildConcernReport,
) -> None:
    """From the notification to the report, the child linked through a search, closed with a referral."""
    worker = personas["soc.handlaggare"]
    for name in ("Ungdomen", "Rosa", "Lilja"):
        social.do_create_client(pseudonym=name, stated_age=15, acting_user=worker)
    report_url = reverse("support:concern_detail", args=[new_concern_report.pk])
    journey = "social-worker-notification"

    log_in(page, "soc.handlaggare", authenticator(worker))
    # The start page: the new report first, tonight's shift one tap away, a counter in the header.
    concerns = page.locator("#panel-concerns")
    expect(concerns).to_be_visible()
    expect(concerns).to_contain_text(ui_text("sv", "New, nobody has acted on them yet"))
    expect(page.locator("#panel-next_shift")).to_contain_text(ui_text("sv", "Your shift now"))
    counter = page.locator(".nav-count")
    expect(counter).to_contain_text("1")
    no_wider_than_viewport(page)
    snap(page, journey, "1-start", viewport)
    # The menu counts the new report in words (behind the menu button on a phone, which says so).
    menu = page.locator(".menu-button")
    if menu.is_visible():
        expect(menu).to_have_accessible_name(re.compile(ui_text("sv", "something waits for you")))
    expect(concern_counter(page)).to_have_accessible_name(
        f"{ui_text('sv', 'Child-concern reports')}, {counted('child-concern reports', '%(count)s new', 1)}"
    )
    snap(page, journey, "2-menu", viewport)

    counter.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui_text("sv", "Notifications"))
    notice = page.get_by_role("button", name=re.compile(ui_text("sv", "A new child-concern report")))
    expect(notice).to_be_visible()
    snap(page, journey, "3-notifications", viewport)

    notice.click()
    expect(page).to_have_url(re.compile(report_url + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(new_concern_report.pk))
    no_wider_than_viewport(page)
    snap(page, journey, "4-report", viewport)
    # Read: the notifications' counter is gone.
    expect(page.locator(".nav-count .badge")).to_have_count(0)

    # The child, found by a search (no list of every client), linked to the report.
    picker = page.locator("[data-picker]")
    expect(picker.locator("select")).to_be_hidden()
    search = picker.get_by_role("searchbox")
    search.fill("ungdom")
    expect(picker.locator(".picker__option")).to_have_count(1)
    picker.get_by_role("radio", name="Ungdomen").check()
    snap(page, journey, "5-client-search", viewport)
    page.get_by_role("button", name=ui_text("sv", "Link to client")).click()
    expect(page.locator("main")).to_contain_text(ui_text("sv", "The report was linked to the client."))
    child = page.locator("section[aria-labelledby=client-heading]")
    expect(child.get_by_role("link", name="Ungdomen")).to_be_visible()

    # The protection assessment: from now on the report is no longer new, and nothing is due soon.
    protection = page.locator("section[aria-labelledby=protection-heading]")
    protection.get_by_label(ui_text("sv", "Protection assessment")).fill("Inget akut skyddsbehov; barnet är hos sin mamma.")
    snap(page, journey, "6-assessment", viewport)
    protection.get_by_role("button").click()
    expect(page.locator("main")).to_contain_text(ui_text("sv", "The protection assessment was recorded."))
    expect(concern_counter(page)).to_have_accessible_name(ui_text("sv", "Child-concern reports"))
    expect(page.locator(".menu-button__waits")).to_have_count(0)
    page.keyboard.press("Escape")  # the phone's menu folded again

    # The decision: no investigation, the child is offered support instead.
    decision = page.locator("section[aria-labelledby=decision-heading]")
    decision.get_by_role("radio", name=ui_text("sv", "Do not open an investigation")).check()
    snap(page, journey, "7-decision", viewport)
    decision.get_by_role("button").click()
    expect(page.locator("main")).to_contain_text(ui_text("sv", "The decision was recorded."))

    # The referral, on the child's page.
    page.locator("section[aria-labelledby=client-heading]").get_by_role("link", name="Ungdomen").click()
    referrals = page.locator("#referrals")
    referrals.locator("summary", has_text=ui_text("sv", "Refer to a support unit")).click()
    unit = SupportUnit.objects.get(code="sthlm-ungdomsjouren")
    referrals.get_by_label(ui_text("sv", "Refer to")).select_option(str(unit.pk))
    snap(page, journey, "8-referral", viewport)
    referrals.get_by_role("button", name=ui_text("sv", "Refer"), exact=True).click()
    expect(page.locator("main")).to_contain_text(ui_text("sv", "The referral was recorded."))

    # Back to the report through the inbox, and closed with the referral.
    concern_counter(page).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui_text("sv", "Child-concern reports"))
    page.get_by_role("link", name=f"#{new_concern_report.pk}").first.click()
    expect(page).to_have_url(re.compile(report_url + "$"))
    expect(page.locator("section[aria-labelledby=client-heading]")).to_contain_text("Ungdomsjouren")
    page.locator("section[aria-labelledby=close-heading]").get_by_role(
        "button", name=ui_text("sv", "Close the report")
    ).click()
    expect(page.locator("main")).to_contain_text(ui_text("sv", "The report was closed."))
    expect(page.locator("section[aria-labelledby=close-heading]")).to_have_count(0)
    expect(concern_counter(page)).to_have_accessible_name(ui_text("sv", "Child-concern reports"))
    no_wider_than_viewport(page)
    snap(page, journey, "9-closed", viewport)
    handling = ConcernHandling.objects.get(report=new_concern_report)
    assert handling.status == ConcernStatus.CLOSED and handling.closure_reason == ""


def test_manager_downloads_the_public_pdf(
    page: Page, viewport: str, personas: dict[str, User], authenticator: Callable[[User], TOTPDevice],
    queued_jobs: None,
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

    # The PDF is built by a background job: the button leads to the job's page, which offers
    # the file once the worker has run it.
    page.get_by_role("button", name="PDF", exact=True).click()
    expect(page).to_have_url(re.compile(r"/jobb/[0-9a-f-]+/$"))
    run_worker(page)
    download = page.locator("#job-result")
    expect(download).to_be_visible()
    snap(page, "manager-public-pdf", "3-job", viewport)
    with page.expect_download() as download_info:
        download.click()
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
