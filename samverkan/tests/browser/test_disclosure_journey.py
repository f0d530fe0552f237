"""The investigator's disclosure request and its answer, on a phone (390×844) and a desktop (1440×900).

An investigator asks social services for a client met on a shift (pseudonym, language and
ages). The social worker who answers requests hears of it by a notification, finds her own
record named by the request, approves the pseudonym and the language on the client's
consent (OSL 12:2) and leaves the ages out. The investigator hears of the answer, sees
beforehand exactly what will be shown, accepts, states why and reads the client: the two
granted fields and nothing else. A second request is refused with a reason, which the
investigator reads. Every page is screenshotted and checked by axe-core (``snap``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from samverkan.accounts.models import User
from samverkan.accounts.policy import RecordType
from samverkan.legal.models import LegalBasis
from samverkan.operations.models import Encounter
from samverkan.sharing.gate import entry
from samverkan.sharing.models import Disclosure, DisclosureStatus
from samverkan.support import actions as social
from samverkan.support.models import Client
from samverkan.tests.browser.conftest import VIEWPORTS
from samverkan.tests.browser.helpers import log_in, nav_link, snap, ui_text
from samverkan.tests.common import met_on_a_shift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = "investigator-disclosure"
PSEUDONYM = "Mira Utlämning"
LANGUAGE = "bulgariska"
CONTACT = "Hemlig kontaktväg 12"
PURPOSE = "Förundersökning om köp av sexuell tjänst, K200001-26"


def sv(message: str, **kwargs: object) -> str:
    return ui_text("sv", message, **kwargs)


def labelled(text: str) -> re.Pattern[str]:
    """A form field's label, with or without the required field's marker."""
    return re.compile(rf"^{re.escape(text)}( \*)?$")


def field_label(name: str) -> str:
    """A client's disclosable field as the forms name it in Swedish."""
    registered = entry(RecordType.CLIENT.value)
    assert registered is not None
    with translation.override("sv"):
        return registered.label(name)


@pytest.fixture
def met_client(personas: dict[str, User]) -> tuple[Encounter, Client]:
    """A woman met on a shift last night, social services' client; she consented to sharing with the police."""
    worker = personas["soc.handlaggare"]
    met = met_on_a_shift(personas, venue="Hotell Utlämning", address="Utlämningsgatan 3")
    client, _ = social.do_create_client(
        pseudonym=PSEUDONYM, identifier_kind="none", identifier_value="", stated_age=24, language=LANGUAGE,
        contact=CONTACT, protected_identity=False, acting_user=worker,
    )
    social.do_link_encounter(client, encounter=met, acting_user=worker)
    social.do_record_consent(
        client, scope="share_with_police", given_by="client", given_on=timezone.localdate(), acting_user=worker
    )
    return met, client


def request_client(page: Page, met: Encounter, fields: list[str], purpose: str, viewport: str, *, snaps: bool) -> Disclosure:
    """From the disclosures page: which record, on which shift; then the encounter, the fields and why."""
    page.get_by_role("navigation", name=sv("Disclosures")).get_by_role("link", name=sv("Request a disclosure")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Request a disclosure"))
    with translation.override("sv"):
        client_label = str(RecordType.CLIENT.label)
    page.get_by_label(client_label, exact=True).check()
    page.get_by_label(sv("Shift"), exact=True).select_option(str(met.shift_id))
    if snaps:
        snap(page, JOURNEY, "03-which-record", viewport)
    page.get_by_role("button", name=sv("Continue")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(client_label)
    page.get_by_label(sv("Encounter"), exact=True).select_option(str(met.pk))
    for name in fields:
        page.get_by_label(field_label(name), exact=True).check()
    page.get_by_label(labelled(sv("Purpose"))).fill(purpose)
    if snaps:
        snap(page, JOURNEY, "04-request", viewport)
    page.get_by_role("button", name=sv("Send the request")).click()
    expect(page.locator("main")).to_contain_text(sv("Waiting for the other agency's decision."))
    disclosure = Disclosure.objects.order_by("-pk").first()
    assert disclosure is not None and disclosure.status == DisclosureStatus.REQUESTED
    assert sorted(disclosure.fields_requested) == sorted(fields)
    expect(page).to_have_url(re.compile(reverse("sharing:detail", args=[disclosure.pk]) + "$"))
    return disclosure


def open_notice(page: Page, kind: str) -> None:
    """The header's counter, then the notification of ``kind``: it opens the page where one acts."""
    open_counter = page.locator(".nav-count")
    expect(open_counter).to_contain_text("1")
    open_counter.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Notifications"))
    expect(page.get_by_role("button", name=re.compile(re.escape(sv(kind))))).to_be_visible()


def test_the_investigators_request_approved_in_part_and_one_refused(
    page: Page,
    browser: Browser,
    live_server: LiveServer,
    viewport: str,
    personas: dict[str, User],
    authenticator: Callable[[User], TOTPDevice],
    met_client: tuple[Encounter, Client],
) -> None:
    met, client = met_client
    investigator, worker = personas["polis.utredare"], personas["soc.handlaggare"]

    # The investigator asks for the client met at the encounter: pseudonym, language and ages.
    log_in(page, investigator.username, authenticator(investigator))
    expect(page.locator("#panel-disclosures")).to_be_visible()
    snap(page, JOURNEY, "01-start", viewport)
    nav_link(page, sv("Disclosures")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Disclosures asked of us"))
    snap(page, JOURNEY, "02-disclosures", viewport)
    asked = request_client(page, met, ["pseudonym", "language", "ages"], PURPOSE, viewport, snaps=True)
    expect(page.locator("main")).to_contain_text(sv("Your request was sent. The other agency examines it and answers here."))
    snap(page, JOURNEY, "05-sent", viewport)

    worker_context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", timezone_id="Europe/Stockholm", **VIEWPORTS[viewport]
    )
    try:
        # The social worker: the notification leads to the request, with her own record found.
        desk = worker_context.new_page()
        log_in(desk, worker.username, authenticator(worker))
        waiting = desk.locator("#panel-disclosures li", has_text=sv("Requests to your agency not yet answered"))
        expect(waiting.locator(".badge")).to_have_text("1")
        snap(desk, JOURNEY, "06-worker-start", viewport)
        open_notice(desk, "A disclosure request to answer")
        snap(desk, JOURNEY, "07-worker-notifications", viewport)
        desk.get_by_role("button", name=re.compile(re.escape(sv("A disclosure request to answer")))).click()
        expect(desk).to_have_url(re.compile(reverse("sharing:detail", args=[asked.pk]) + "$"))
        expect(desk.locator("main")).to_contain_text(PURPOSE)
        expect(desk.get_by_role("heading", name=sv("Your records the request names"))).to_be_visible()
        expect(desk.locator("main")).to_contain_text(PSEUDONYM)
        snap(desk, JOURNEY, "08-worker-request", viewport)

        # Approved as far as the consent reaches and the police need: not the ages.
        approve = desk.locator("section", has=desk.get_by_role("heading", name=sv("Approve"), exact=True))
        expect(approve.get_by_label(field_label("pseudonym"), exact=True)).to_be_checked()
        approve.get_by_label(field_label("ages"), exact=True).uncheck()
        approve.get_by_label(labelled(sv("Legal basis"))).select_option(str(LegalBasis.objects.get(code="osl-12-2").pk))
        approve.get_by_label(labelled(sv("Secrecy assessment"))).fill("Samtycke från klienten finns; åldrarna behövs inte.")
        approve.get_by_role("button", name=sv("Approve the disclosure")).click()
        expect(desk.locator("main")).to_contain_text(sv("The disclosure was approved. The requester sees it once they accept it."))
        snap(desk, JOURNEY, "09-worker-approved", viewport)
        asked.refresh_from_db()
        assert asked.status == DisclosureStatus.APPROVED
        assert sorted(asked.fields_granted) == ["language", "pseudonym"]

        # The investigator hears of the answer and sees beforehand what will be shown.
        page.goto("/")
        open_notice(page, "An answer to your disclosure request")
        page.get_by_role("button", name=re.compile(re.escape(sv("An answer to your disclosure request")))).click()
        expect(page).to_have_url(re.compile(reverse("sharing:detail", args=[asked.pk]) + "$"))
        expect(page.locator("main")).to_contain_text(sv("Approved. Nothing is shown to your agency until you accept it."))
        preview = page.locator(".preview")
        expect(preview).to_contain_text(field_label("pseudonym"))
        expect(preview).to_contain_text(field_label("language"))
        expect(preview).not_to_contain_text(field_label("ages"))
        expect(preview).to_contain_text(sv("Not everything you asked for was granted."))
        expect(page.locator("main")).not_to_contain_text(PSEUDONYM)
        snap(page, JOURNEY, "10-answer", viewport)

        # Accepted: the record opens behind a stated purpose, with the granted fields only.
        page.get_by_role("button", name=sv("Accept"), exact=True).click()
        expect(page.locator("main")).to_contain_text(sv("Accepted. The disclosed fields are now shown to your agency."))
        snap(page, JOURNEY, "11-accepted", viewport)
        page.get_by_role("link", name=sv("Open the record")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(sv("Why do you read this record?"))
        snap(page, JOURNEY, "12-purpose", viewport)
        page.get_by_label(sv("Purpose of reading")).fill(PURPOSE)
        page.get_by_role("button", name=sv("Show the record")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(PSEUDONYM)
        main = page.locator("main")
        expect(main).to_contain_text(LANGUAGE)
        expect(main).to_contain_text(sv("Only the parts that were disclosed to your agency are shown."))
        expect(main).not_to_contain_text(CONTACT)
        expect(main).not_to_contain_text(field_label("ages"))
        snap(page, JOURNEY, "13-record", viewport)

        # A second request, for the contact details: refused with a reason, which the investigator reads.
        nav_link(page, sv("Disclosures")).click()
        contact = request_client(page, met, ["contact"], "Kontakt inför förhör", viewport, snaps=False)
        desk.goto(reverse("sharing:inbox"))
        card = desk.locator("li.card", has_text="Kontakt inför förhör")
        expect(card).to_contain_text(PSEUDONYM)
        snap(desk, JOURNEY, "14-worker-inbox", viewport)
        card.get_by_role("link", name=sv("Assess and decide")).click()
        refuse = desk.locator("section", has=desk.get_by_role("heading", name=sv("Refuse"), exact=True))
        refuse.get_by_label(sv("Other reason"), exact=True).check()
        reason = "Klienten har inte samtyckt till att kontaktuppgifterna lämnas ut."
        refuse.get_by_label(labelled(sv("Explanation to the requester"))).fill(reason)
        refuse.get_by_role("button", name=sv("Refuse the request")).click()
        expect(desk.locator("main")).to_contain_text(sv("The request was refused."))
        snap(desk, JOURNEY, "15-worker-refused", viewport)
    finally:
        worker_context.close()

    page.goto(reverse("sharing:detail", args=[contact.pk]))
    refusal = page.locator("section", has=page.get_by_role("heading", name=sv("Refused"), exact=True))
    expect(refusal).to_contain_text(reason)
    expect(refusal).to_contain_text(sv("Other reason"))
    expect(page.locator("main")).not_to_contain_text(CONTACT)
    snap(page, JOURNEY, "16-refusal", viewport)
    contact.refresh_from_db()
    assert contact.status == DisclosureStatus.REFUSED and not contact.fields_granted
    # The refused field never reached the investigator's view of the client.
    page.goto(reverse("support:client_detail", args=[client.pk]))
    expect(page.locator("main")).not_to_contain_text(CONTACT)
