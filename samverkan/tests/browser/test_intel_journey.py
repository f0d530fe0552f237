"""An analyst imports a file of ads, links it, opens the largest network, reads why two ads
are linked, and exports the network for Analyst's Notebook: on a phone (390×844) and a
desktop (1440×900), every page screenshotted and checked by axe-core (``snap``).

The import and the linking are background jobs: the page returns at once with the job's
progress, the worker (``manage.py db_worker``, run here by the test) does the work, and the
page, polling, shows the result."""

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
from samverkan.tests.browser.helpers import log_in, nav_link, run_worker, snap, ui_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOURNEY = "analyst-import-network-export"


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
    viewport: str,
    personas: dict[str, User],
    authenticator: Callable[[User], TOTPDevice],
    ads_file: Path,
    tmp_path: Path,
    queued_jobs: None,
) -> None:
    log_in(page, "polis.analytiker", authenticator(personas["polis.analytiker"]))
    snap(page, JOURNEY, "01-start", viewport)

    # Import: the page returns at once with the job waiting; the worker validates and writes
    # the file, and the job's page shows the result without a reload.
    nav_link(page, ui_text("sv", "Networks")).click()
    expect(page.get_by_role("link", name=ui_text("sv", "Import"), exact=True)).to_be_visible()
    snap(page, JOURNEY, "02-networks-empty", viewport)
    page.get_by_role("link", name=ui_text("sv", "Import"), exact=True).click()
    expect(page.locator("input[name=file]")).to_be_attached()
    snap(page, JOURNEY, "03-import-form", viewport)
    page.locator("input[name=file]").set_input_files(str(ads_file))
    page.get_by_role("button", name=ui_text("sv", "Import"), exact=True).click()
    expect(page.locator("#job-status")).to_have_attribute("data-state", "queued")
    expect(page.locator("#job-progress")).to_be_visible()
    assert IntelItem.objects.count() == 0
    snap(page, JOURNEY, "04-import-queued", viewport)
    run_worker(page)
    expect(page.locator("#job-status")).to_have_attribute("data-state", "done", timeout=15_000)
    expect(page.locator("#job-summary")).to_contain_text(ui_text("sv", "New items: %(count)s", count=600))
    snap(page, JOURNEY, "05-import-done", viewport)
    page.locator("#job-result").click()
    expect(page.locator("#import-created")).to_have_text("600")
    expect(page.locator("#import-skipped")).to_have_text("1")
    expect(page.locator("#skipped-table")).to_contain_text("601")
    expect(page.locator("#skipped-table")).to_contain_text("poster")
    assert IntelItem.objects.count() == 600
    snap(page, JOURNEY, "06-import-result", viewport)

    # Link in the background, then open the largest network.
    page.get_by_role("button", name=ui_text("sv", "Link the items into networks")).click()
    expect(page.locator("#job-status")).to_have_attribute("data-state", "queued")
    run_worker(page)
    expect(page.locator("#job-status")).to_have_attribute("data-state", "done", timeout=15_000)
    snap(page, JOURNEY, "07-linking-done", viewport)
    page.locator("#job-result").click()
    expect(page.locator("#network-table")).to_be_visible()
    page.locator("select[name=sort]").select_option("size")
    page.get_by_role("button", name=ui_text("sv", "Search")).click()
    expect(page).to_have_url(re.compile(r"sort=size"))
    snap(page, JOURNEY, "08-networks", viewport)
    largest = Network.objects.filter(status="active").order_by("-item_count", "key").first()
    assert largest is not None and largest.item_count >= 2
    page.locator("#network-table tbody tr").first.get_by_role("link").click()
    expect(page.locator("#network-items")).to_have_text(str(largest.item_count))
    snap(page, JOURNEY, "09-network", viewport)

    # The graph draws from the JSON endpoint (a CSP violation would fail the test).
    page.get_by_role("link", name=ui_text("sv", "Graph"), exact=True).click()
    expect(page.locator("#intel-graph-status")).to_contain_text(re.compile(r"\d+"), timeout=20_000)
    expect(page.locator("#graph-edge-table")).to_be_visible()
    # Zoom, filter by kind of evidence, focus on a node's neighbours; the list reads on a phone.
    controls = page.locator("#graph-controls")
    expect(controls).to_be_visible()
    controls.get_by_role("button", name=ui_text("sv", "Zoom in")).click()
    controls.get_by_role("button", name=ui_text("sv", "Fit to screen")).click()
    controls.locator("input[name=evidence]").first.uncheck()
    focus = page.locator("#graph-focus")
    focus.select_option(index=1)
    expect(page.locator("#intel-graph-status")).to_contain_text(ui_text("sv", "Showing %(node)s and its %(count)s neighbours.").split("%(node)s")[0])
    focus.select_option(index=0)
    expect(page.locator("#intel-graph-status")).to_have_text(ui_text("sv", "Showing the whole network."))
    expect(page.locator("#graph-list .card").first).to_be_visible()
    snap(page, JOURNEY, "10-graph", viewport, full_page=False)  # the list of a large network is many screens
    page.go_back()

    # Why are two ads linked?
    page.locator("#link-table tbody tr").first.get_by_role("link", name=ui_text("sv", "Why?")).click()
    expect(page.locator("#match-weight")).not_to_be_empty()
    expect(page.locator("#link-explanation")).to_contain_text(ui_text("sv", "Shared entities"))
    snap(page, JOURNEY, "11-why-linked", viewport)
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
