"""Need-to-know in the browser: a client disclosed to one police officer is not read by another.

Social services disclosed a client to the officer who asked. The officer says why, then
reads the disclosed fields; a second police user of the same region gets the
not-found page, and the attempt is logged as denied. Every page is screenshotted and checked
by axe-core (``snap``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from samverkan.accounts.models import User
from samverkan.audit.models import AuditEvent
from samverkan.support import actions as social
from samverkan.support.models import Client
from samverkan.tests.browser.conftest import VIEWPORTS
from samverkan.tests.browser.helpers import log_in, snap, ui_text
from samverkan.tests.common import disclose_client_to, met_on_a_shift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PSEUDONYM = "Rosa Utlämnad"


@pytest.fixture
def disclosed_to_officer(personas: dict[str, User]) -> Client:
    """A client met on a shift, disclosed (pseudonym and language) to polis.inre alone."""
    officer, worker = personas["polis.inre"], personas["soc.handlaggare"]
    met = met_on_a_shift(personas, venue="Hotell Behov", address="Behovsgatan 1")
    client, _ = social.do_create_client(
        pseudonym=PSEUDONYM, identifier_kind="none", identifier_value="", stated_age=30,
        language="rumänska", contact="Hemlig kontaktväg", protected_identity=False, acting_user=worker,
    )
    social.do_link_encounter(client, encounter=met, acting_user=worker)
    social.do_record_consent(
        client, scope="share_with_police", given_by="client", given_on=timezone.localdate(),
        acting_user=worker,
    )
    disclose_client_to(officer, worker, met, client)
    return client


def test_a_second_police_user_cannot_read_a_client_disclosed_to_the_first(
    page: Page,
    browser: Browser,
    live_server: LiveServer,
    viewport: str,
    personas: dict[str, User],
    authenticator: Callable[[User], TOTPDevice],
    disclosed_to_officer: Client,
) -> None:
    url = reverse("support:client_detail", args=[disclosed_to_officer.pk])

    # The officer who asked: a purpose first, then the disclosed fields and nothing else.
    log_in(page, "polis.inre", authenticator(personas["polis.inre"]))
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        ui_text("sv", "Why do you read this record?")
    )
    expect(page.get_by_text(PSEUDONYM)).to_have_count(0)
    snap(page, "need-to-know", "1-purpose", viewport)
    page.get_by_label(ui_text("sv", "Purpose of reading")).fill("Förhör med målsägande, K100001-26")
    page.get_by_role("button", name=ui_text("sv", "Show the record")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PSEUDONYM)
    expect(page.get_by_text("rumänska")).to_be_visible()
    expect(page.get_by_text("Hemlig kontaktväg")).to_have_count(0)
    snap(page, "need-to-know", "2-record", viewport)

    # A second police user of the same region: not found, whatever they try.
    other_context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", timezone_id="Europe/Stockholm", **VIEWPORTS[viewport]
    )
    other = other_context.new_page()
    try:
        log_in(other, "polis.utredare", authenticator(personas["polis.utredare"]))
        response = other.goto(url)
        assert response is not None and response.status == 404
        expect(other.get_by_text(PSEUDONYM)).to_have_count(0)
        snap(other, "need-to-know", "3-other-not-found", viewport)
        other.goto(reverse("support:client_list"))
        expect(other.get_by_text(PSEUDONYM)).to_have_count(0)
        snap(other, "need-to-know", "4-other-clients", viewport)
    finally:
        other_context.close()

    assert AuditEvent.objects.filter(
        username="polis.inre", action="view", record_type="client",
        record_id=str(disclosed_to_officer.pk), purpose="Förhör med målsägande, K100001-26",
    ).exists()
    assert AuditEvent.objects.filter(
        username="polis.utredare", action="denied", record_type="client",
        record_id=str(disclosed_to_officer.pk),
    ).exists()
