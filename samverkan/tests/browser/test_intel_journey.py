"""An analyst imports a file of ads, links it, opens the largest network, reads why two ads
are linked, and exports the network for Analyst's Notebook."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from samverkan.accounts.models import User
from samverkan.intel.models import IntelItem, Network
from samverkan.tests.browser.helpers import PASSWORD, current_code, ui_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, username: str, device: TOTPDevice) -> None:
    page.goto("/konto/logga-in/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=ui_text("sv", "Continue")).click()
    page.locator("input[name=code]").fill(current_code(device))
    page.get_by_role("button", name=ui_text("sv", "Log in"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))


@pytest.fixture
def ads_file(tmp_path: Path) -> Path:
    """Synthetic ads from the linkage package's generator, and one broken line."""
    from samverkan.demo.intel_items import generate

    path = tmp_path / "annonser.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        for row in generate(600, seed=5).items.to_pylist():
            row["observed_at"] = row["observed_at"].isoformat() if row["observed_at"] else None
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        stream.write('{"id": "broken", "kind": "poster"}\n')
    return path


def test_import_link_explain_and_export(
    page: Page,
    personas: dict[str, User],
    authenticator: Callable[[User], TOTPDevice],
    ads_file: Path,
    tmp_path: Path,
) -> None:
    log_in(page, "polis.analytiker", authenticator(personas["polis.analytiker"]))

    # Import: the file is validated, and the skipped line is shown with its number and reason.
    page.get_by_role("link", name=ui_text("sv", "Networks"), exact=True).first.click()
    page.get_by_role("link", name=ui_text("sv", "Import"), exact=True).click()
    page.locator("input[name=file]").set_input_files(str(ads_file))
    page.get_by_role("button", name=ui_text("sv", "Import"), exact=True).click()
    expect(page.locator("#import-created")).to_have_text("600")
    expect(page.locator("#import-skipped")).to_have_text("1")
    expect(page.locator("#skipped-table")).to_contain_text("601")
    expect(page.locator("#skipped-table")).to_contain_text("poster")
    assert IntelItem.objects.count() == 600

    # Link, then open the largest network.
    # A whole linkage run (model training included) in the request: allow for a loaded machine.
    page.get_by_role("button", name=ui_text("sv", "Link the items into networks")).click(timeout=120_000)
    expect(page.locator("#network-table")).to_be_visible(timeout=120_000)
    page.locator("select[name=sort]").select_option("size")
    page.get_by_role("button", name=ui_text("sv", "Search")).click()
    largest = Network.objects.filter(status="active").order_by("-item_count", "key").first()
    assert largest is not None and largest.item_count >= 2
    page.locator("#network-table tbody tr").first.get_by_role("link").click()
    expect(page.locator("#network-items")).to_have_text(str(largest.item_count))

    # The graph draws from the JSON endpoint (a CSP violation would fail the test).
    page.get_by_role("link", name=ui_text("sv", "Graph"), exact=True).click()
    expect(page.locator("#intel-graph-status")).to_contain_text(re.compile(r"\d+"))
    expect(page.locator("#graph-edge-table")).to_be_visible()
    page.go_back()

    # Why are two ads linked?
    page.locator("#link-table tbody tr").first.get_by_role("link", name=ui_text("sv", "Why?")).click()
    expect(page.locator("#match-weight")).not_to_be_empty()
    expect(page.locator("#link-explanation")).to_contain_text(ui_text("sv", "Shared entities"))
    page.go_back()

    # Export for Analyst's Notebook.
    with page.expect_download() as download_info:
        page.locator('a[href$="/export/anx/"]').click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.name.endswith(".anx")
    chart = ET.parse(target).getroot()
    assert chart.tag == "Chart"
    assert len(list(chart.iter("Link"))) >= largest.item_count - 1
