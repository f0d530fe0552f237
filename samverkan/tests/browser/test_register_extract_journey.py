"""A register extract in the browser: a social worker answers a client's request, the police see nothing.

The social worker registers the request by the client's personal identity
number, reviews the gathered draft, withholds a note about another person under
OSL 26:1, approves, and downloads the PDF and the JSON. A police investigator
(who makes the police's own extracts) gets the not-found page for it. Every page is
screenshotted and checked by axe-core (``snap``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from samverkan.accounts.models import User
from samverkan.audit.models import AuditEvent
from samverkan.extracts.models import Extract
from samverkan.lib.identity import luhn_check_digit
from samverkan.support import actions as social
from samverkan.support.models import Client
from samverkan.tests.browser.conftest import VIEWPORTS
from samverkan.tests.browser.helpers import log_in, nav_link, snap, ui_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PSEUDONYM = "Lina Registerutdrag"
NOTE = "Berättade om sin bror Erik och hans skulder."
BORN = dt.date(1994, 3, 8)
PNR = f"{BORN:%Y%m%d}-234{luhn_check_digit(f'{BORN:%y%m%d}234')}"


@pytest.fixture
def demo_client(personas: dict[str, User]) -> Client:
    """A client of Stockholm's social services with a personal identity number and a note."""
    worker = personas["soc.handlaggare"]
    client, _ = social.do_create_client(
        pseudonym=PSEUDONYM, identifier_kind="personnummer", identifier_value=PNR, language="svenska",
        acting_user=worker,
    )
    social.do_record_support_action(
        client, kind="offered", happened_on=timezone.localdate(), note=NOTE, acting_user=worker,
    )
    return client


def test_a_social_worker_delivers_a_reviewed_extract_and_the_police_cannot_see_it(
    page: Page,
    browser: Browser,
    live_server: LiveServer,
    viewport: str,
    personas: dict[str, User],
    authenticator: Callable[[User], TOTPDevice],
    demo_client: Client,
) -> None:
    log_in(page, "soc.handlaggare", authenticator(personas["soc.handlaggare"]))
    nav_link(page, ui_text("sv", "Register extracts")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ui_text("sv", "Register extracts"))
    snap(page, "register-extract", "1-extracts", viewport)

    # The request, by the number the person gave.
    page.get_by_label(ui_text("sv", "Kind of identity number")).select_option("personnummer")
    page.get_by_role("textbox", name=ui_text("sv", "Identity number")).fill(PNR)
    page.get_by_role("button", name=ui_text("sv", "Gather a draft")).click()
    expect(page.get_by_text(PSEUDONYM)).to_be_visible()
    expect(page.get_by_text(NOTE)).to_be_visible()
    snap(page, "register-extract", "2-draft", viewport)

    # The note is about her brother: withheld under OSL 26:1, with a reason.
    card = page.locator("li.card").filter(has_text=NOTE)
    card.get_by_text(ui_text("sv", "Withhold this part")).click()
    card.get_by_label(ui_text("sv", "Secrecy provision")).select_option("osl-26-1")
    card.get_by_label(ui_text("sv", "Reason")).fill("Uppgiften rör brodern, inte sökanden.")
    card.get_by_role("button", name=ui_text("sv", "Withhold"), exact=True).click()
    expect(page.locator("li.card").filter(has_text=NOTE).get_by_text(ui_text("sv", "Withheld"), exact=True)).to_be_visible()
    snap(page, "register-extract", "3-withheld", viewport)

    # Reviewed: approve, then download both.
    page.get_by_label(ui_text("sv", "I have reviewed every part and marked what secrecy withholds.")).check()
    page.get_by_role("button", name=ui_text("sv", "Approve the extract")).click()
    expect(page.get_by_role("link", name=ui_text("sv", "Download PDF"))).to_be_visible()
    snap(page, "register-extract", "4-approved", viewport)
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name=ui_text("sv", "Download PDF")).click()
    pdf_path = pdf_download.value.path()
    with open(pdf_path, "rb") as f:
        assert f.read(5) == b"%PDF-"
    with page.expect_download() as json_download:
        page.get_by_role("link", name=ui_text("sv", "Download JSON")).click()
    with open(json_download.value.path(), encoding="utf-8") as f:
        data = json.load(f)
    assert data["withheld_parts"] == 1
    text = json.dumps(data, ensure_ascii=False)
    assert PSEUDONYM in text and "Erik" not in text and "brodern" not in text
    assert any(p.get("withheld", {}).get("provision") == "osl-26-1" for p in data["parts"])

    extract = Extract.objects.get()
    url = f"/registerutdrag/{extract.pk}/"

    # The police: not found, whatever they try; their own list does not show it.
    other_context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", timezone_id="Europe/Stockholm", **VIEWPORTS[viewport]
    )
    other = other_context.new_page()
    try:
        log_in(other, "polis.utredare", authenticator(personas["polis.utredare"]))
        for path in (url, f"{url}utdrag.pdf", f"{url}utdrag.json"):
            response = other.goto(path)
            assert response is not None and response.status == 404, path
            if path == url:
                snap(other, "register-extract", "5-police-not-found", viewport)
        other.goto("/registerutdrag/")
        expect(other.get_by_text(PNR.replace("-", "")[:8])).to_have_count(0)
        expect(other.get_by_text(PSEUDONYM)).to_have_count(0)
        snap(other, "register-extract", "6-police-extracts", viewport)
    finally:
        other_context.close()

    events = AuditEvent.objects.filter(record_type="register_extract", record_id=str(extract.pk))
    assert events.filter(username="soc.handlaggare", action="export").count() == 2
    assert events.filter(username="polis.utredare", action="denied").count() == 3
